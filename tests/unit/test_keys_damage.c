/*
 * Damaged and mismatched keys (issue 13): every byte of every key file
 * format changed, one at a time, and the loader must refuse it with a
 * message that names the file and says it is damaged. Files from before
 * checksums are still read; a damaged signing key among them is still
 * caught by its halves.
 */
#include "tests/unit/testutil.h"

#include <jansson.h>
#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "store/dbkey.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"

#include "tests/unit/keys_testutil.h"

/*
 * Every byte of a key file, VARIANTS ways: keys_load refuses each copy
 * (KEYS_EDAMAGED past the magic) with a clear message. Returns how many
 * copies were tried.
 */
static int
flip_key_file(
    struct env *e, const char *good, enum keys_type type, const char *pass)
{
	uint8_t raw[KEYS_FILE_MAX], out[KEYS_MAX_LEN];
	char msg[4096];
	size_t len = read_raw(good, raw, sizeof(raw));
	int tried = 0;

	for (size_t i = 0; i < len; i++) {
		/* Two bits (a different pair each byte), all bits, random. */
		for (int k = 0; k < 4; k++) {
			uint8_t keep = raw[i];
			int v = k < 2 ? (int)((i + 4 * (size_t)k) % 8) : 6 + k,
			    rc;

			raw[i] = variant(keep, v);
			write_copy(e->path, raw, len);
			raw[i] = keep;
			capture_begin(e);
			rc = keys_load(e->path, type, out, keys_len(type), pass,
			    pass != NULL ? strlen(pass) : 0);
			capture_end(e, msg, sizeof(msg));
			if (i >= 4)
				assert_int_equal(rc, KEYS_EDAMAGED);
			else
				assert_int_not_equal(rc, 0);
			if (i >= 4 && !clear_error(e, msg)) {
				fprintf(
				    stderr, "byte %zu: unclear: %s\n", i, msg);
				fail();
			}
			tried++;
		}
	}
	/* Shorter and longer files too. */
	for (size_t n = 0; n < len; n++) {
		write_copy(e->path, raw, n);
		capture_begin(e);
		assert_int_not_equal(
		    keys_load(e->path, type, out, keys_len(type), pass,
			pass != NULL ? strlen(pass) : 0),
		    0);
		capture_end(e, msg, sizeof(msg));
	}
	raw[len] = 0;
	write_copy(e->path, raw, len + 1);
	capture_begin(e);
	assert_int_equal(keys_load(e->path, type, out, keys_len(type), pass,
			     pass != NULL ? strlen(pass) : 0),
	    KEYS_EDAMAGED);
	capture_end(e, msg, sizeof(msg));
	/* The intact file still loads. */
	assert_int_equal(keys_load(good, type, out, keys_len(type), pass,
			     pass != NULL ? strlen(pass) : 0),
	    0);
	return tried;
}

static void
every_key_format(void **state)
{
	struct env *e = *state;
	uint8_t spk[crypto_sign_PUBLICKEYBYTES],
	    ssk[crypto_sign_SECRETKEYBYTES];
	uint8_t bpk[crypto_box_PUBLICKEYBYTES], bsk[crypto_box_SECRETKEYBYTES];
	uint8_t sym[32];
	struct keys_kdf kdf = KEYS_KDF_INTERACTIVE;
	int tried = 0;

	crypto_sign_keypair(spk, ssk);
	crypto_box_keypair(bpk, bsk);
	randombytes_buf(sym, sizeof(sym));
	assert_int_equal(keys_save(in_dir(e, "sign.key"), KEYS_SIGN_SECRET, ssk,
			     sizeof(ssk), NULL, 0, NULL),
	    0);
	tried +=
	    flip_key_file(e, in_dir(e, "sign.key"), KEYS_SIGN_SECRET, NULL);
	assert_int_equal(keys_save(in_dir(e, "sign.pub"), KEYS_SIGN_PUBLIC, spk,
			     sizeof(spk), NULL, 0, NULL),
	    0);
	tried +=
	    flip_key_file(e, in_dir(e, "sign.pub"), KEYS_SIGN_PUBLIC, NULL);
	assert_int_equal(keys_save(in_dir(e, "box.pub"), KEYS_BOX_PUBLIC, bpk,
			     sizeof(bpk), NULL, 0, NULL),
	    0);
	tried += flip_key_file(e, in_dir(e, "box.pub"), KEYS_BOX_PUBLIC, NULL);
	assert_int_equal(keys_save(in_dir(e, "db.key"), KEYS_SYMMETRIC, sym,
			     sizeof(sym), NULL, 0, NULL),
	    0);
	tried += flip_key_file(e, in_dir(e, "db.key"), KEYS_SYMMETRIC, NULL);
	/* The passphrase-protected box key: damage is found before the
	 * passphrase is even tried, and is never called a wrong one. */
	assert_int_equal(keys_save(in_dir(e, "box.key"), KEYS_BOX_SECRET, bsk,
			     sizeof(bsk), "correct horse", 13, &kdf),
	    0);
	tried += flip_key_file(
	    e, in_dir(e, "box.key"), KEYS_BOX_SECRET, "correct horse");
	assert_true(tried > 1500);
}

static void
wrong_passphrase_is_not_damage(void **state)
{
	struct env *e = *state;
	uint8_t sk[crypto_box_SECRETKEYBYTES], out[crypto_box_SECRETKEYBYTES];
	struct keys_kdf kdf = KEYS_KDF_INTERACTIVE;
	char msg[4096];

	randombytes_buf(sk, sizeof(sk));
	snprintf(e->path, sizeof(e->path), "%s", in_dir(e, "box.key"));
	assert_int_equal(
	    keys_save(e->path, KEYS_BOX_SECRET, sk, sizeof(sk), "pw", 2, &kdf),
	    0);
	capture_begin(e);
	assert_int_equal(
	    keys_load(e->path, KEYS_BOX_SECRET, out, sizeof(out), "pW", 2),
	    KEYS_EPASS);
	capture_end(e, msg, sizeof(msg));
	assert_non_null(strstr(msg, "wrong passphrase"));
	assert_null(strstr(msg, "damaged"));
}

/* A key file as written before checksums: header flags 0, no sum. */
static void
write_legacy(const char *path, enum keys_type type, const uint8_t *key)
{
	uint8_t raw[10 + KEYS_MAX_LEN];
	size_t klen = keys_len(type);

	memcpy(raw, "RJK1", 4);
	raw[4] = (uint8_t)type;
	raw[5] = 0;
	raw[6] = 0;
	raw[7] = 0;
	raw[8] = (uint8_t)(klen >> 8);
	raw[9] = (uint8_t)klen;
	memcpy(raw + 10, key, klen);
	write_copy(path, raw, 10 + klen);
}

static void
legacy_files(void **state)
{
	struct env *e = *state;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t out[crypto_sign_SECRETKEYBYTES], sym[32];
	char msg[4096];

	crypto_sign_keypair(pk, sk);
	randombytes_buf(sym, sizeof(sym));
	snprintf(e->path, sizeof(e->path), "%s", in_dir(e, "legacy.key"));
	/* Read, with a warning that says what to do. */
	write_legacy(e->path, KEYS_SYMMETRIC, sym);
	capture_begin(e);
	assert_int_equal(
	    keys_load(e->path, KEYS_SYMMETRIC, out, sizeof(sym), NULL, 0), 0);
	capture_end(e, msg, sizeof(msg));
	assert_memory_equal(out, sym, sizeof(sym));
	assert_non_null(strstr(msg, "no checksum"));
	assert_non_null(strstr(msg, "docs/hub.md"));
	write_legacy(e->path, KEYS_SIGN_SECRET, sk);
	capture_begin(e);
	assert_int_equal(
	    keys_load(e->path, KEYS_SIGN_SECRET, out, sizeof(out), NULL, 0), 0);
	capture_end(e, msg, sizeof(msg));
	/* A signing key's halves still catch every damaged key byte. */
	for (size_t i = 0; i < sizeof(sk); i++) {
		for (int v = 0; v < VARIANTS; v++) {
			uint8_t bad[sizeof(sk)];

			memcpy(bad, sk, sizeof(sk));
			bad[i] = variant(bad[i], v);
			write_legacy(e->path, KEYS_SIGN_SECRET, bad);
			capture_begin(e);
			assert_int_equal(keys_load(e->path, KEYS_SIGN_SECRET,
					     out, sizeof(out), NULL, 0),
			    KEYS_EDAMAGED);
			capture_end(e, msg, sizeof(msg));
			assert_true(clear_error(e, msg));
		}
	}
	assert_int_equal(keys_sign_sk_check(sk), 0);
	sk[40] ^= 1;
	assert_int_equal(keys_sign_sk_check(sk), -1);
}

/* A device database key file that is damaged is never replaced. */
static void
dbkey_not_overwritten(void **state)
{
	struct env *e = *state;
	uint8_t *key = sodium_malloc(DB_KEY_LEN);
	uint8_t raw[KEYS_FILE_MAX], after[KEYS_FILE_MAX];
	char db[PATH_MAX];
	size_t len, alen;
	char msg[4096];

	assert_non_null(key);
	snprintf(e->path, sizeof(e->path), "%s", in_dir(e, "dev.key"));
	snprintf(db, sizeof(db), "%s", in_dir(e, "dev.db"));
	assert_int_equal(dbkey_load_or_create(db, e->path, key), 0);
	len = read_raw(e->path, raw, sizeof(raw));
	raw[len - 40] ^= 0x10;
	write_copy(e->path, raw, len);
	capture_begin(e);
	assert_int_equal(dbkey_load_or_create(db, e->path, key), KEYS_EDAMAGED);
	capture_end(e, msg, sizeof(msg));
	assert_true(clear_error(e, msg));
	alen = read_raw(e->path, after, sizeof(after));
	assert_int_equal(alen, len);
	assert_memory_equal(after, raw, len);
	sodium_free(key);
}

static struct bundle *
make_bundle(struct env *e)
{
	static const char *const names[] = {"localhost", "127.0.0.1"};
	struct bundle *b = bundle_new();
	char key[PATH_MAX], crt[PATH_MAX];
	uint8_t *pem = NULL;
	size_t pemlen = 0;

	assert_non_null(b);
	snprintf(key, sizeof(key), "%s", in_dir(e, "tls.key"));
	snprintf(crt, sizeof(crt), "%s", in_dir(e, "tls.crt"));
	assert_int_equal(tlscert_generate(key, crt, names, 2, 30), 0);
	assert_int_equal(file_read_alloc(crt, 8192, &pem, &pemlen), 0);
	assert_int_equal(
	    tlscert_pin((char *)pem, pemlen, b->hub_pin, sizeof(b->hub_pin)),
	    0);
	memcpy(b->hub_cert, pem, pemlen + 1);
	free(pem);
	snprintf(b->name, sizeof(b->name), "kiosk-3");
	snprintf(b->hub_url, sizeof(b->hub_url), "https://hub.example:8443");
	randombytes_buf(b->device_id, sizeof(b->device_id));
	crypto_sign_keypair(b->hub_sign_pk, b->sign_sk);
	randombytes_buf(b->hub_sign_pk, sizeof(b->hub_sign_pk));
	randombytes_buf(b->hub_box_pk, sizeof(b->hub_box_pk));
	return b;
}

/* Staff credentials are the same format, through the same loader. */
static void
bundle_every_byte(void **state)
{
	struct env *e = *state;
	struct bundle *b = make_bundle(e), *back;
	static uint8_t raw[RAW_MAX];
	char msg[4096];
	size_t len;
	int tried = 0;

	assert_int_equal(bundle_save(b, in_dir(e, "good.bundle")), 0);
	len = read_raw(in_dir(e, "good.bundle"), raw, sizeof(raw));
	back = bundle_load(in_dir(e, "good.bundle"));
	assert_non_null(back);
	assert_memory_equal(
	    back->sign_sk, b->sign_sk, crypto_sign_SECRETKEYBYTES);
	bundle_free(back);
	for (size_t i = 0; i < len; i++) {
		/* One bit (a different one each byte) and a random value:
		 * a bundle is ~1.2 KB. */
		for (int k = 0; k < 2; k++) {
			uint8_t keep = raw[i];

			raw[i] = variant(keep, k == 0 ? (int)(i % 8) : 9);
			write_copy(e->path, raw, len);
			raw[i] = keep;
			capture_begin(e);
			back = bundle_load(e->path);
			capture_end(e, msg, sizeof(msg));
			if (back != NULL)
				fprintf(stderr, "byte %zu accepted\n", i);
			assert_null(back);
			assert_non_null(strstr(msg, e->path));
			tried++;
		}
	}
	/* An editor's trailing newline is a change too. */
	raw[len] = '\n';
	write_copy(e->path, raw, len + 1);
	capture_begin(e);
	assert_null(bundle_load(e->path));
	capture_end(e, msg, sizeof(msg));
	assert_true(clear_error(e, msg));
	assert_true(tried > 2000);
	bundle_free(b);
}

/* Rewrites the saved bundle as jansson object edits, without a sum. */
static void
rewrite(
    struct env *e, const char *from, int version, int drop_sum, const char *pin)
{
	json_t *o = json_load_file(from, JSON_REJECT_DUPLICATES, NULL);
	char *text;

	assert_non_null(o);
	json_object_set_new(o, "version", json_integer(version));
	if (drop_sum)
		json_object_del(o, "checksum");
	if (pin != NULL)
		json_object_set_new(o, "hub_tls_pin", json_string(pin));
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	assert_non_null(text);
	write_copy(e->path, (const uint8_t *)text, strlen(text));
	jsonmem_free(text);
	json_decref(o);
}

static void
bundle_legacy_and_mismatch(void **state)
{
	struct env *e = *state;
	struct bundle *b = make_bundle(e), *back;
	char msg[4096];

	assert_int_equal(bundle_save(b, in_dir(e, "good.bundle")), 0);
	/* Version 1, from before checksums: read, with a warning. */
	rewrite(e, in_dir(e, "good.bundle"), 1, 1, NULL);
	capture_begin(e);
	back = bundle_load(e->path);
	capture_end(e, msg, sizeof(msg));
	assert_non_null(back);
	assert_non_null(strstr(msg, "no checksum"));
	bundle_free(back);
	/* Version 1 with a checksum field is a damaged version 2. */
	rewrite(e, in_dir(e, "good.bundle"), 1, 0, NULL);
	capture_begin(e);
	assert_null(bundle_load(e->path));
	capture_end(e, msg, sizeof(msg));
	assert_true(clear_error(e, msg));
	/* A pin that is not the certificate's, even without a checksum. */
	rewrite(e, in_dir(e, "good.bundle"), 1, 1,
	    "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	capture_begin(e);
	assert_null(bundle_load(e->path));
	capture_end(e, msg, sizeof(msg));
	assert_true(clear_error(e, msg));
	/* A device key whose halves differ is never even written. */
	b->sign_sk[50] ^= 1;
	assert_int_not_equal(bundle_save(b, in_dir(e, "bad.bundle")), 0);
	assert_int_not_equal(access(in_dir(e, "bad.bundle"), F_OK), 0);
	bundle_free(b);
}

/*
 * The TLS pair: every byte of the key's and the certificate's base64
 * changed. PEM framing outside the base64 (the BEGIN/END lines' dashes
 * and the final newline) may be read leniently: what matters is that
 * no change to the key or the certificate itself is accepted.
 */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(every_key_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		wrong_passphrase_is_not_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(legacy_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		dbkey_not_overwritten, setup, teardown),
	    cmocka_unit_test_setup_teardown(bundle_every_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		bundle_legacy_and_mismatch, setup, teardown),
	};

	log_init("test_keys_damage");
	jsonmem_init();
	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
