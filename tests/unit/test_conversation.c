#include "tests/unit/testutil.h"

#include <sodium.h>

#include "crypto/refcode.h"
#include "store/conversation.h"
#include "store/db.h"
#include "store/schema.h"
#include "util/log.h"

struct fixture {
	char *dir;
	struct db *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX];
	uint8_t key[DB_KEY_LEN];

	if (f == NULL)
		return -1;
	f->dir = testutil_tmpdir();
	snprintf(path, sizeof(path), "%s/device.db", f->dir);
	randombytes_buf(key, sizeof(key));
	f->db = db_open(path, key, &schema_device);
	if (f->db == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

static void
state_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct conversation c, g;
	uint8_t k[CONVERSATION_KEY_LEN];

	randombytes_buf(k, sizeof(k));
	assert_int_equal(conversation_get(f->db, k, &g), 1);
	conversation_init(&c);
	c.step = 3;
	c.retries = 1;
	c.updated_at = 1000;
	c.consent_version = 2;
	memset(c.consent_sha256, 0xab, sizeof(c.consent_sha256));
	c.consent_at = 900;
	c.offence_in_london = 1;
	c.lives_in_london = 0;
	assert_int_equal(conversation_put(f->db, k, &c), 0);
	assert_int_equal(conversation_get(f->db, k, &g), 0);
	assert_int_equal(g.step, 3);
	assert_int_equal(g.retries, 1);
	assert_int_equal(g.updated_at, 1000);
	assert_int_equal(g.consent_version, 2);
	assert_memory_equal(g.consent_sha256, c.consent_sha256, 32);
	assert_int_equal(g.consent_at, 900);
	assert_int_equal(g.offence_in_london, 1);
	assert_int_equal(g.lives_in_london, 0);
	assert_false(g.has_name);
	assert_int_equal(g.method, -1);
	assert_int_equal(g.contact_time, -1);
	assert_int_equal(g.voicemail_ok, -1);
	c.has_name = 1;
	strcpy(c.name, "Zo\xc3\xab");
	c.method = 1;
	c.contact_time = 0;
	c.voicemail_ok = 0;
	assert_int_equal(conversation_put(f->db, k, &c), 0);
	assert_int_equal(conversation_get(f->db, k, &g), 0);
	assert_true(g.has_name);
	assert_string_equal(g.name, "Zo\xc3\xab");
	assert_int_equal(g.method, 1);
	assert_int_equal(g.contact_time, 0);
	assert_int_equal(g.voicemail_ok, 0);
	assert_int_equal(conversation_delete(f->db, k), 0);
	assert_int_equal(conversation_get(f->db, k, &g), 1);
}

static void
links_and_seen(void **state)
{
	struct fixture *f = *state;
	uint8_t k[CONVERSATION_KEY_LEN], m[CONVERSATION_KEY_LEN];
	char a[REFCODE_BUFLEN], b[REFCODE_BUFLEN], refs[4][REFCODE_BUFLEN];
	char reply[64];
	size_t n;
	int has;

	randombytes_buf(k, sizeof(k));
	randombytes_buf(m, sizeof(m));
	assert_int_equal(refcode_generate(a, sizeof(a)), 0);
	assert_int_equal(refcode_generate(b, sizeof(b)), 0);
	assert_int_equal(conversation_link_add(f->db, k, a, 10), 0);
	assert_int_equal(conversation_link_add(f->db, k, a, 11), 1);
	assert_int_equal(conversation_link_add(f->db, k, b, 20), 0);
	assert_int_equal(conversation_link_add(f->db, k, "short", 20), -1);
	assert_int_equal(conversation_link_list(f->db, k, refs, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(refs[0], b);
	assert_string_equal(refs[1], a);
	assert_int_equal(conversation_link_list(f->db, k, refs, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(conversation_link_delete(f->db, k, b), 0);
	assert_int_equal(conversation_link_list(f->db, k, refs, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(conversation_link_delete_all(f->db, k), 0);
	assert_int_equal(conversation_link_list(f->db, k, refs, 4, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(
	    conversation_seen_get(f->db, m, reply, sizeof(reply), &has), 1);
	assert_int_equal(conversation_seen_put(f->db, m, 5, "hello"), 0);
	assert_int_equal(conversation_seen_put(f->db, m, 6, "again"), -1);
	assert_int_equal(
	    conversation_seen_get(f->db, m, reply, sizeof(reply), &has), 0);
	assert_true(has);
	assert_string_equal(reply, "hello");
	/* A stored reply that does not fit the caller's buffer. */
	assert_int_equal(conversation_seen_get(f->db, m, reply, 3, &has), -1);
	m[0] ^= 1;
	assert_int_equal(conversation_seen_put(f->db, m, 5, NULL), 0);
	assert_int_equal(
	    conversation_seen_get(f->db, m, reply, sizeof(reply), &has), 0);
	assert_false(has);
}

static void
purge(void **state)
{
	struct fixture *f = *state;
	uint8_t k[CONVERSATION_KEY_LEN];
	struct conversation c;
	struct conversation_cutoffs cut = {0, 0, 0};
	int64_t n;

	randombytes_buf(k, sizeof(k));
	conversation_init(&c);
	c.step = 1;
	c.updated_at = 100;
	assert_int_equal(conversation_put(f->db, k, &c), 0);
	cut.idle = 100;
	assert_int_equal(conversation_purge(f->db, &cut, &n), 0);
	assert_int_equal(n, 0);
	cut.idle = 101;
	assert_int_equal(conversation_purge(f->db, &cut, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(conversation_get(f->db, k, &c), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(state_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(links_and_seen, setup, teardown),
	    cmocka_unit_test_setup_teardown(purge, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
