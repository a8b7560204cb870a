/*
 * libFuzzer target for content loading (util/content): the first input
 * byte chooses the file the rest becomes in a private content root:
 *   0: a string table, en/kiosk.json (content_load), then every text
 *      looked up, expanded (content_expand, with some placeholders given
 *      and some not) and checked against the shipped English sms.json
 *      and against itself (content_check_keys);
 *   1: languages.json (content_langs_load and content_langs_find);
 *   2: support.json (content_support_load and content_support_find);
 *   3: service.json (content_service_load);
 *   4: spokes.json, the hub's borough-to-spoke table (hub/routing);
 *   5: bank-holidays.json, the hub's working days (hub/workdays), and
 *      the rest as a date (workdays_parse).
 * Every string a loader fills stays NUL-terminated within its field.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fuzz/fuzz_check.h"
#include "hub/routing.h"
#include "hub/workdays.h"
#include "util/content.h"
#include "util/log.h"

#define TERMINATED(f) CHECK(memchr((f), '\0', sizeof(f)) != NULL)

static struct content ref, c;
static struct content_langs langs;
static struct content_support sup;
static struct content_service svc;
static struct routing routing;
static struct workdays wd;
static char out[CONTENT_TEXT_MAX];

static void
table(const char *root)
{
	static const struct content_var vars[] = {{"code", "Q5YJ-0511-6SPQ-H"},
	    {"number", "07700 900000"}, {"days", "5"}, {"name", NULL},
	    {"x", "{x}"}};
	const char *key;
	json_t *v;

	if (content_load(&c, root, "en", "kiosk") != 0) {
		CHECK(c.table == NULL);
		return;
	}
	CHECK(strcmp(c.lang, "en") == 0 && c.version >= 1);
	CHECK(content_get(&c, "_meta") == NULL);
	json_object_foreach(c.table, key, v)
	{
		const char *t = content_get(&c, key);

		if (key[0] == '_')
			continue;
		CHECK(t != NULL);
		if (content_expand(t, vars, sizeof(vars) / sizeof(vars[0]), out,
			sizeof(out)) == 0)
			CHECK(strlen(out) < sizeof(out));
		else
			CHECK(out[0] == '\0');
		/* A small buffer must fail cleanly, never overflow. */
		if (content_expand(t, vars, 2, out, 8) == 0)
			CHECK(strlen(out) < 8);
	}
	(void)content_check_keys(&ref, &c);
	/* Against itself only too many placeholders in a text can fail. */
	(void)content_check_keys(&c, &c);
	content_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = {"en/kiosk.json", "languages.json",
	    "support.json", "service.json", "spokes.json",
	    "bank-holidays.json"};
	char date[32];
	int32_t day;
	const char *spoke;
	static char root[256];
	char path[512];
	uint8_t which;

	if (root[0] == '\0') {
		log_quiet(1);
		CHECK(content_load(&ref, "content", "en", "sms") == 0);
		CHECK((size_t)snprintf(root, sizeof(root), "%s/content",
			  fuzz_dir_get()) < sizeof(root));
		CHECK(mkdir(root, 0700) == 0);
		CHECK((size_t)snprintf(path, sizeof(path), "%s/en", root) <
		      sizeof(path));
		CHECK(mkdir(path, 0700) == 0);
	}
	if (size == 0)
		return 0;
	which = data[0] % 6;
	CHECK((size_t)snprintf(path, sizeof(path), "content/%s", files[which]) <
	      sizeof(path));
	{
		char full[512];

		fuzz_write(full, sizeof(full), path, data + 1, size - 1, 0600);
	}
	switch (which) {
	case 0:
		table(root);
		break;
	case 1:
		if (content_langs_load(&langs, root) != 0)
			break;
		CHECK(langs.n <= CONTENT_LANGS_MAX);
		for (size_t i = 0; i < langs.n; i++) {
			TERMINATED(langs.lang[i].code);
			TERMINATED(langs.lang[i].native);
			TERMINATED(langs.lang[i].font);
			CHECK(content_langs_find(&langs, langs.lang[i].code) !=
			      NULL);
		}
		break;
	case 2:
		if (content_support_load(&sup, root) != 0)
			break;
		CHECK(sup.n <= CONTENT_CONTACTS_MAX);
		for (size_t i = 0; i < sup.n; i++) {
			TERMINATED(sup.contact[i].id);
			TERMINATED(sup.contact[i].phone);
			TERMINATED(sup.contact[i].web);
			CHECK(content_support_find(&sup, sup.contact[i].id) !=
			      NULL);
		}
		break;
	case 3:
		if (content_service_load(&svc, root) != 0)
			break;
		TERMINATED(svc.kw_referral);
		TERMINATED(svc.kw_info);
		TERMINATED(svc.kw_stop);
		break;
	case 4:
		CHECK((size_t)snprintf(path, sizeof(path), "%s/spokes.json",
			  root) < sizeof(path));
		if (routing_load(&routing, path) != 0)
			break;
		CHECK(routing.n <= ROUTING_MAX_BOROUGHS);
		for (size_t i = 0; i < routing.n; i++) {
			TERMINATED(routing.entries[i].borough);
			TERMINATED(routing.entries[i].spoke);
			spoke = routing_spoke_for(
			    &routing, routing.entries[i].borough);
			CHECK(spoke != NULL &&
			      routing_spoke_known(&routing, spoke));
		}
		CHECK(routing_spoke_for(&routing, NULL) != NULL);
		break;
	default:
		CHECK((size_t)snprintf(path, sizeof(path),
			  "%s/bank-holidays.json", root) < sizeof(path));
		(void)workdays_load(&wd, path);
		/* The same bytes as a date typed on the command line. */
		if (size - 1 < sizeof(date)) {
			memcpy(date, data + 1, size - 1);
			date[size - 1] = '\0';
			if (workdays_parse(date, &day) == 0)
				CHECK(workdays_weekday(day) >= 0 &&
				      workdays_weekday(day) <= 6);
		}
		break;
	}
	return 0;
}
