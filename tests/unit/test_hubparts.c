#include "tests/unit/testutil.h"

#include <sys/stat.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/tlscert.h"
#include "hub/routing.h"
#include "store/inbox.h"
#include "store/referrals.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/timefmt.h"

static void
routing_table(void **state)
{
	struct routing r;
	const char *root = getenv("ROOT");
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/content/spokes.json",
	    root != NULL ? root : ".");
	assert_int_equal(routing_load(&r, path), 0);
	/* All 32 boroughs and the City of London, each in one spoke. */
	assert_int_equal(r.n, 33);
	assert_string_equal(routing_spoke_for(&r, "Tower Hamlets"), "east");
	assert_string_equal(routing_spoke_for(&r, "  tower-hamlets "), "east");
	assert_string_equal(
	    routing_spoke_for(&r, "KINGSTON UPON THAMES"), "south");
	assert_string_equal(
	    routing_spoke_for(&r, "Manchester"), ROUTING_UNASSIGNED);
	assert_string_equal(routing_spoke_for(&r, ""), ROUTING_UNASSIGNED);
	assert_string_equal(routing_spoke_for(&r, NULL), ROUTING_UNASSIGNED);
	assert_true(routing_spoke_known(&r, "west"));
	assert_true(routing_spoke_known(&r, ROUTING_UNASSIGNED));
	assert_false(routing_spoke_known(&r, "nowhere"));
	assert_int_not_equal(routing_load(&r, "/nonexistent/spokes.json"), 0);
}

static void
time_format(void **state)
{
	char buf[TIMEFMT_ISO_LEN];
	int64_t ms;

	(void)state;
	assert_int_equal(timefmt_iso(1700000000123LL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2023-11-14T22:13:20.123Z");
	assert_int_equal(timefmt_parse(buf, &ms), 0);
	assert_int_equal(ms, 1700000000123LL);
	assert_int_equal(timefmt_parse("2023-11-14", &ms), 0);
	assert_int_equal(ms, 1699920000000LL);
	assert_int_equal(timefmt_parse("2023-11-14T22:13:20Z", &ms), 0);
	assert_int_not_equal(timefmt_parse("2023-02-31", &ms), 0);
	assert_int_not_equal(timefmt_parse("2023-13-01", &ms), 0);
	assert_int_not_equal(timefmt_parse("yesterday", &ms), 0);
	assert_int_not_equal(timefmt_parse("2023-11-14T22:13:20+01", &ms), 0);
	/* sscanf's %d would take spaces and signs: only digits are dates. */
	assert_int_not_equal(timefmt_parse("2023-11- 4", &ms), 0);
	assert_int_not_equal(timefmt_parse("2023-+1-14", &ms), 0);
	assert_int_not_equal(timefmt_parse("2023-11-14T-0:13:20Z", &ms), 0);
	assert_int_not_equal(timefmt_parse("2023-11-14T22:13:20.+12Z", &ms), 0);
	/* No second 60 (it would roll into the next minute, or day). */
	assert_int_not_equal(timefmt_parse("2023-11-14T22:13:60Z", &ms), 0);
	assert_int_not_equal(timefmt_iso(1, buf, 5), 0);
}

static void
bundle_and_cert(void **state)
{
	char *dir = testutil_tmpdir();
	char key[PATH_MAX], crt[PATH_MAX], bpath[PATH_MAX];
	const char *names[] = {"hub.example", "127.0.0.1", "::1"};
	struct bundle *b = bundle_new(), *back;
	uint8_t *pem;
	size_t pemlen;
	struct stat st;

	(void)state;
	snprintf(key, sizeof(key), "%s/tls.key", dir);
	snprintf(crt, sizeof(crt), "%s/tls.crt", dir);
	snprintf(bpath, sizeof(bpath), "%s/dev.bundle", dir);
	assert_int_equal(tlscert_generate(key, crt, names, 3, 30), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never over an existing key. */
	assert_int_not_equal(tlscert_generate(key, crt, names, 3, 30), 0);
	assert_int_equal(file_read_alloc(crt, 8192, &pem, &pemlen), 0);
	assert_non_null(b);
	assert_int_equal(tlscert_pin((char *)pem, pemlen + 1, b->hub_pin,
			     sizeof(b->hub_pin)),
	    0);
	assert_int_equal(strncmp(b->hub_pin, "sha256//", 8), 0);
	assert_int_equal(strlen(b->hub_pin), 8 + 44);
	memcpy(b->hub_cert, pem, pemlen + 1);
	free(pem);
	snprintf(b->name, sizeof(b->name), "kiosk-7");
	snprintf(b->hub_url, sizeof(b->hub_url), "https://hub.example:8443");
	randombytes_buf(b->device_id, sizeof(b->device_id));
	crypto_sign_keypair(b->hub_sign_pk, b->sign_sk);
	randombytes_buf(b->hub_box_pk, sizeof(b->hub_box_pk));
	randombytes_buf(b->hub_sign_pk, sizeof(b->hub_sign_pk));
	assert_int_equal(bundle_save(b, bpath), 0);
	assert_int_equal(stat(bpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	back = bundle_load(bpath);
	assert_non_null(back);
	assert_string_equal(back->name, "kiosk-7");
	assert_memory_equal(back->device_id, b->device_id, 16);
	assert_memory_equal(
	    back->sign_sk, b->sign_sk, crypto_sign_SECRETKEYBYTES);
	assert_memory_equal(back->hub_box_pk, b->hub_box_pk, 32);
	assert_string_equal(back->hub_pin, b->hub_pin);
	assert_string_equal(back->hub_cert, b->hub_cert);
	bundle_free(back);
	assert_int_equal(chmod(bpath, 0644), 0);
	assert_null(bundle_load(bpath));
	assert_false(bundle_name_valid("Kiosk"));
	assert_false(bundle_name_valid("-k"));
	assert_false(bundle_name_valid("a/b"));
	assert_true(bundle_name_valid("sms-gw-2"));
	bundle_free(b);
	testutil_rmdir(dir);
}

static void
inbox_and_index(void **state)
{
	char *dir = testutil_tmpdir();
	char path[PATH_MAX];
	uint8_t key[DB_KEY_LEN], r1[SIG_RECEIPT_LEN], r2[SIG_RECEIPT_LEN];
	uint8_t out[SIG_RECEIPT_LEN], env[200], *got;
	struct inbox_device dev, d2;
	struct envelope_hdr hdr;
	struct referrals_row row, back;
	int64_t at, n;
	size_t len;
	struct db *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/inbox.db", dir);
	randombytes_buf(key, sizeof(key));
	db = db_open(path, key, &schema_hub);
	assert_non_null(db);
	memset(&dev, 0, sizeof(dev));
	randombytes_buf(dev.device_id, 16);
	snprintf(dev.name, sizeof(dev.name), "k1");
	dev.enrolled_at = 5;
	assert_int_equal(inbox_device_add(db, &dev), 0);
	assert_int_not_equal(inbox_device_add(db, &dev), 0);
	assert_int_equal(inbox_device_get(db, dev.device_id, &d2), 0);
	assert_string_equal(d2.name, "k1");
	assert_int_equal(d2.revoked_at, 0);
	assert_int_equal(inbox_device_revoke(db, "k1", 9), 0);
	assert_int_not_equal(inbox_device_revoke(db, "k1", 9), 0);
	assert_int_equal(inbox_device_by_name(db, "k1", &d2), 0);
	assert_int_equal(d2.revoked_at, 9);
	assert_int_equal(inbox_device_by_name(db, "nope", &d2), 1);

	memset(&hdr, 0, sizeof(hdr));
	hdr.kind = ENVELOPE_REFERRAL;
	memcpy(hdr.device_id, dev.device_id, 16);
	randombytes_buf(hdr.envelope_id, 16);
	randombytes_buf(env, sizeof(env));
	randombytes_buf(r1, sizeof(r1));
	randombytes_buf(r2, sizeof(r2));
	assert_int_equal(
	    inbox_store(db, &hdr, env, sizeof(env), 100, r1, out, &at),
	    INBOX_NEW);
	/* A retry gets the first receipt back, not a new one. */
	assert_int_equal(
	    inbox_store(db, &hdr, env, sizeof(env), 200, r2, out, &at),
	    INBOX_DUPLICATE);
	assert_memory_equal(out, r1, sizeof(r1));
	assert_int_equal(at, 100);
	env[0] ^= 1;
	assert_int_equal(
	    inbox_store(db, &hdr, env, sizeof(env), 200, r2, out, &at),
	    INBOX_CONFLICT);
	env[0] ^= 1;

	/* The index: a withdrawal that overtakes its referral still
	 * deletes the referral's sealed data when it arrives. */
	assert_int_equal(
	    referrals_withdraw(db, "AAAA-AAAA-AAAA-A", 50, "device"), 0);
	memset(&row, 0, sizeof(row));
	snprintf(row.ref, sizeof(row.ref), "AAAA-AAAA-AAAA-A");
	memcpy(row.envelope_id, hdr.envelope_id, 16);
	snprintf(row.channel, sizeof(row.channel), "sms");
	snprintf(row.language, sizeof(row.language), "en");
	snprintf(row.spoke, sizeof(row.spoke), "east");
	row.received_at = 100;
	assert_int_equal(referrals_add(db, &row), 0);
	assert_int_equal(referrals_get(db, row.ref, &back), 0);
	assert_int_equal(back.withdrawn_at, 50);
	assert_int_equal(
	    referrals_envelope(db, hdr.envelope_id, &got, &len, d2.device_id),
	    1);
	assert_int_equal(referrals_get(db, "BBBB-BBBB-BBBB-B", &back), 1);
	assert_int_equal(referrals_purge(db, 1000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(referrals_get(db, row.ref, &back), 1);
	/* The withdrawal outlives the purge: a late copy of the referral
	 * arriving now is shredded as it is indexed. */
	assert_int_equal(
	    inbox_store(db, &hdr, env, sizeof(env), 2000, r1, out, &at),
	    INBOX_NEW);
	row.received_at = 2000;
	assert_int_equal(referrals_add(db, &row), 0);
	assert_int_equal(
	    referrals_envelope(db, hdr.envelope_id, &got, &len, d2.device_id),
	    1);
	db_close(db);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(routing_table),
	    cmocka_unit_test(time_format),
	    cmocka_unit_test(bundle_and_cert),
	    cmocka_unit_test(inbox_and_index),
	};

	/* Every JSON allocation of this test goes through the wiping
	 * allocator, as in the programs. */
	jsonmem_init();
	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
