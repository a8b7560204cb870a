/*
 * libFuzzer target for the referral payload as the staff machine reads
 * it when it opens an envelope (hub/hubctl_ingest.c, included here for
 * its static field readers): the decrypted JSON a device sealed, which a
 * stolen device key could fill with anything. The same checks as
 * index_one, in its order: an object of schema 1, a kind matching the
 * envelope's (the first input byte), a valid reference code, channel and
 * language tokens, the spoke for the borough (the shipped
 * content/spokes.json) and the categories reports count. The database
 * steps after them are not part of this target. Every field read stays
 * NUL-terminated within its size and holds only its alphabet.
 */
#include "hub/hubctl_ingest.c"

#include "fuzz/fuzz_check.h"
#include "hub/routing.h"

static struct routing routing;
static uint8_t plain[ENVELOPE_PAYLOAD_MAX + 1];

static void
plain_id(const char *s, size_t cap)
{
	CHECK(memchr(s, '\0', cap) != NULL);
	for (; *s != '\0'; s++)
		CHECK(isalnum((unsigned char)*s) || *s == '-' || *s == '_');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct referrals_row row;
	char ref[REFCODE_BUFLEN], kind[16];
	const char *spoke;
	json_t *o, *b;
	int k;

	if (!ready) {
		log_quiet(1);
		CHECK(routing_load(&routing, "content/spokes.json") == 0);
		ready = 1;
	}
	if (size == 0 || size - 1 > ENVELOPE_PAYLOAD_MAX)
		return 0;
	k = 1 + data[0] % 3;
	/* As hubctl_open_payload leaves it: NUL after the payload. */
	memcpy(plain, data + 1, size - 1);
	plain[size - 1] = '\0';
	o = json_loadb(
	    (const char *)plain, size - 1, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o) ||
	    json_integer_value(json_object_get(o, "schema")) != 1 ||
	    token(o, "kind", kind, sizeof(kind), NULL) != 0 ||
	    strcmp(kind, kind_name(k)) != 0 ||
	    !json_is_string(json_object_get(o, "ref")) ||
	    refcode_parse(ref, sizeof(ref),
		json_string_value(json_object_get(o, "ref"))) != 0)
		goto out;
	CHECK(strlen(ref) == REFCODE_LEN);
	memset(&row, 0, sizeof(row));
	if (token(o, "channel", row.channel, sizeof(row.channel), NULL) != 0 ||
	    token(o, "language", row.language, sizeof(row.language), "en") != 0)
		goto out;
	CHECK(row.channel[0] != '\0' && row.language[0] != '\0');
	plain_id(row.channel, sizeof(row.channel));
	plain_id(row.language, sizeof(row.language));
	b = json_object_get(o, "borough");
	spoke = routing_spoke_for(
	    &routing, json_is_string(b) ? json_string_value(b) : NULL);
	CHECK(spoke != NULL);
	CHECK((size_t)snprintf(row.spoke, sizeof(row.spoke), "%s", spoke) <
	      sizeof(row.spoke));
	categories(o, &row);
	plain_id(row.venue, sizeof(row.venue));
	plain_id(row.borough, sizeof(row.borough));
	plain_id(row.crime, sizeof(row.crime));
	plain_id(row.stage, sizeof(row.stage));
	CHECK(row.risk == 0 || row.risk == 1);
out:
	json_decref(o);
	return 0;
}
