#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "util/file.h"
#include "util/log.h"

#define KF_MAGIC "RJK1"
#define KF_HDR_LEN 10
#define KF_PROT_NONE 0
#define KF_PROT_PASS 1
/* Header byte 6: the file ends with a checksum over every byte before. */
#define KF_FLAG_SUM 0x01
#define KF_SUM_LEN crypto_generichash_BYTES
#define KF_SALT_LEN crypto_pwhash_SALTBYTES
#define KF_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KF_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
/* Header plus salt and the two KDF limits: all of it is authenticated. */
#define KF_PROT_AD_LEN (KF_HDR_LEN + KF_SALT_LEN + 16)
/* A hostile file must not make us allocate gigabytes or spin for minutes. */
#define KF_MAX_OPSLIMIT 16ULL
#define KF_MAX_MEMLIMIT (1024ULL * 1024 * 1024)

_Static_assert(KF_SALT_LEN == 16, "salt size");
_Static_assert(
    KF_PROT_AD_LEN + KF_NONCE_LEN + KEYS_MAX_LEN + KF_TAG_LEN + KF_SUM_LEN <=
	KEYS_FILE_MAX,
    "key file buffer");

/* Keeps a key file's checksum apart from every other BLAKE2b in the tree. */
static const char kf_sum_domain[] = "rj key file checksum v1";
_Static_assert(
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES == crypto_box_SECRETKEYBYTES,
    "kek size");

size_t
keys_len(enum keys_type type)
{
	switch (type) {
	case KEYS_SIGN_SECRET:
		return crypto_sign_SECRETKEYBYTES;
	case KEYS_SIGN_PUBLIC:
		return crypto_sign_PUBLICKEYBYTES;
	case KEYS_BOX_SECRET:
		return crypto_box_SECRETKEYBYTES;
	case KEYS_BOX_PUBLIC:
		return crypto_box_PUBLICKEYBYTES;
	case KEYS_SYMMETRIC:
		return 32;
	}
	return 0;
}

int
keys_is_secret(enum keys_type type)
{
	return type == KEYS_SIGN_SECRET || type == KEYS_BOX_SECRET ||
	       type == KEYS_SYMMETRIC;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
file_sum(uint8_t out[KF_SUM_LEN], const uint8_t *buf, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, KF_SUM_LEN);
	crypto_generichash_update(
	    &st, (const uint8_t *)kf_sum_domain, sizeof(kf_sum_domain) - 1);
	crypto_generichash_update(&st, buf, len);
	crypto_generichash_final(&st, out, KF_SUM_LEN);
	sodium_memzero(&st, sizeof(st));
}

int
keys_sign_sk_check(const uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], seed[crypto_sign_SEEDBYTES];
	uint8_t *full;
	int rc = -1;

	full = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (full == NULL) {
		log_err("out of locked memory");
		return -1;
	}
	/* libsodium's secret key is seed | public key: derive the second
	 * from the first, so a damaged half shows. */
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	if (crypto_sign_seed_keypair(pk, full, seed) == 0 &&
	    sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof(pk)) == 0)
		rc = 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_free(full);
	return rc;
}

static void
write_header(uint8_t *h, enum keys_type type, int prot, size_t keylen)
{
	memcpy(h, KF_MAGIC, 4);
	h[4] = (uint8_t)type;
	h[5] = (uint8_t)prot;
	h[6] = KF_FLAG_SUM;
	h[7] = 0;
	h[8] = (uint8_t)(keylen >> 8);
	h[9] = (uint8_t)keylen;
}

int
keys_save(const char *path, enum keys_type type, const uint8_t *key,
    size_t keylen, const char *pass, size_t passlen, const struct keys_kdf *kdf)
{
	uint8_t *buf = NULL, *kek = NULL;
	size_t len;
	int rc = -1, flags;

	if (keylen != keys_len(type) || keylen == 0) {
		log_err("%s: wrong key length for its type", path);
		return -1;
	}
	if (pass != NULL && (!keys_is_secret(type) || kdf == NULL)) {
		log_err("%s: only secret keys are passphrase-protected", path);
		return -1;
	}
	buf = sodium_malloc(KEYS_FILE_MAX);
	kek = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	if (buf == NULL || kek == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (pass == NULL) {
		write_header(buf, type, KF_PROT_NONE, keylen);
		memcpy(buf + KF_HDR_LEN, key, keylen);
		len = KF_HDR_LEN + keylen;
	} else {
		uint8_t *salt = buf + KF_HDR_LEN;
		uint8_t *nonce = buf + KF_PROT_AD_LEN;
		unsigned long long clen;

		write_header(buf, type, KF_PROT_PASS, keylen);
		randombytes_buf(salt, KF_SALT_LEN);
		put_be64(salt + KF_SALT_LEN, kdf->opslimit);
		put_be64(salt + KF_SALT_LEN + 8, kdf->memlimit);
		randombytes_buf(nonce, KF_NONCE_LEN);
		if (crypto_pwhash(kek,
			crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass,
			passlen, salt, kdf->opslimit, kdf->memlimit,
			crypto_pwhash_ALG_ARGON2ID13) != 0) {
			log_err("passphrase hashing ran out of memory");
			goto out;
		}
		if (crypto_aead_xchacha20poly1305_ietf_encrypt(
			nonce + KF_NONCE_LEN, &clen, key, keylen, buf,
			KF_PROT_AD_LEN, NULL, nonce, kek) != 0) {
			log_err("%s: encryption failed", path);
			goto out;
		}
		len = KF_PROT_AD_LEN + KF_NONCE_LEN + (size_t)clen;
	}
	file_sum(buf + len, buf, len);
	len += KF_SUM_LEN;
	flags = FILE_NOREPLACE | (keys_is_secret(type) ? FILE_SECRET : 0);
	if (file_write_atomic(path, buf, len, 0644, flags) != 0)
		goto out;
	rc = 0;
out:
	sodium_free(kek);
	sodium_free(buf);
	return rc;
}

/*
 * Magic, checksum, then the header's meaning: damage anywhere in a file
 * written with a checksum is reported as damage, never as a wrong key
 * type or a wrong passphrase. *body is the length without the checksum.
 */
static int
check_file(const char *path, const uint8_t *buf, size_t len,
    enum keys_type type, size_t *body)
{
	uint8_t sum[KF_SUM_LEN];
	size_t keylen;

	if (len < KF_HDR_LEN || memcmp(buf, KF_MAGIC, 4) != 0) {
		log_err("%s: not a key file (or its first bytes are damaged)",
		    path);
		return -1;
	}
	*body = len;
	if (buf[6] == KF_FLAG_SUM) {
		if (len < KF_HDR_LEN + KF_SUM_LEN)
			goto damaged;
		*body = len - KF_SUM_LEN;
		file_sum(sum, buf, *body);
		if (sodium_memcmp(sum, buf + *body, KF_SUM_LEN) != 0)
			goto damaged;
	} else if (buf[6] != 0) {
		goto damaged;
	} else {
		log_warn("%s has no checksum (written before key files had "
			 "one): damage to it may be found only later; see "
			 "docs/hub.md \"Key files\"",
		    path);
	}
	if (buf[4] != (uint8_t)type) {
		log_err(
		    "%s: holds a different kind of key than expected", path);
		return -1;
	}
	keylen = ((size_t)buf[8] << 8) | buf[9];
	if (keylen != keys_len(type) || buf[7] != 0 || buf[5] > KF_PROT_PASS)
		goto damaged;
	return 0;
damaged:
	log_err("%s is damaged (its checksum or header does not match its "
		"contents): restore it from a backup, or replace it as "
		"docs/hub.md \"Key files\" says",
	    path);
	return KEYS_EDAMAGED;
}

int
keys_load(const char *path, enum keys_type type, uint8_t *out, size_t outlen,
    const char *pass, size_t passlen)
{
	uint8_t *buf = NULL, *kek = NULL;
	size_t len = 0, body = 0, keylen = keys_len(type);
	int rc = -1;

	if (outlen != keylen) {
		log_err("%s: output buffer does not fit the key", path);
		return -1;
	}
	buf = sodium_malloc(KEYS_FILE_MAX);
	kek = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	if (buf == NULL || kek == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (file_read(path, buf, KEYS_FILE_MAX, &len,
		keys_is_secret(type) ? FILE_SECRET : 0) != 0)
		goto out;
	if ((rc = check_file(path, buf, len, type, &body)) != 0)
		goto out;
	rc = -1;
	if (buf[5] == KF_PROT_NONE) {
		if (body != KF_HDR_LEN + keylen) {
			log_err("%s: damaged key file (wrong length)", path);
			rc = KEYS_EDAMAGED;
			goto out;
		}
		memcpy(out, buf + KF_HDR_LEN, keylen);
	} else {
		const uint8_t *salt = buf + KF_HDR_LEN;
		const uint8_t *nonce = buf + KF_PROT_AD_LEN;
		uint64_t ops, mem;
		unsigned long long plen;

		if (body !=
		    KF_PROT_AD_LEN + KF_NONCE_LEN + keylen + KF_TAG_LEN) {
			log_err("%s: damaged key file (wrong length)", path);
			rc = KEYS_EDAMAGED;
			goto out;
		}
		if (pass == NULL) {
			log_err("%s: is protected by a passphrase", path);
			rc = KEYS_ENEEDPASS;
			goto out;
		}
		ops = get_be64(salt + KF_SALT_LEN);
		mem = get_be64(salt + KF_SALT_LEN + 8);
		if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > KF_MAX_OPSLIMIT ||
		    mem < crypto_pwhash_MEMLIMIT_MIN || mem > KF_MAX_MEMLIMIT) {
			log_err("%s: damaged key file (bad KDF limits)", path);
			rc = KEYS_EDAMAGED;
			goto out;
		}
		if (crypto_pwhash(kek,
			crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass,
			passlen, salt, ops, (size_t)mem,
			crypto_pwhash_ALG_ARGON2ID13) != 0) {
			log_err("passphrase hashing ran out of memory");
			goto out;
		}
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
			nonce + KF_NONCE_LEN, keylen + KF_TAG_LEN, buf,
			KF_PROT_AD_LEN, nonce, kek) != 0 ||
		    plen != keylen) {
			sodium_memzero(out, outlen);
			/* With a checksum the file is intact: it is the
			 * passphrase. */
			log_err(buf[6] == KF_FLAG_SUM
				    ? "%s: wrong passphrase"
				    : "%s: wrong passphrase (or the file is "
				      "damaged)",
			    path);
			rc = KEYS_EPASS;
			goto out;
		}
	}
	if (type == KEYS_SIGN_SECRET && keys_sign_sk_check(out) != 0) {
		sodium_memzero(out, outlen);
		log_err("%s is damaged (its public half does not match its "
			"secret half): restore it from a backup, or replace "
			"it as docs/hub.md \"Key files\" says",
		    path);
		rc = KEYS_EDAMAGED;
		goto out;
	}
	rc = 0;
out:
	sodium_free(kek);
	sodium_free(buf);
	return rc;
}

int
keys_is_protected(const char *path)
{
	uint8_t buf[KEYS_FILE_MAX];
	size_t len;
	int rc;

	if (file_read(path, buf, sizeof(buf), &len, 0) != 0)
		return -1;
	if (len < KF_HDR_LEN || memcmp(buf, KF_MAGIC, 4) != 0) {
		log_err("%s: not a key file", path);
		rc = -1;
	} else {
		rc = buf[5] == KF_PROT_PASS;
	}
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

static int
read_from_tty(const char *prompt, char *out, size_t cap, size_t *len)
{
	struct termios old, noecho;
	FILE *tty;
	int rc = -1, restore = 0;

	tty = fopen("/dev/tty", "r+e");
	if (tty == NULL) {
		log_err("no terminal to ask for the passphrase; use "
			"--passphrase-file");
		return -1;
	}
	if (tcgetattr(fileno(tty), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(fileno(tty), TCSAFLUSH, &noecho) == 0)
			restore = 1;
	}
	fputs(prompt, tty);
	fflush(tty);
	/* No stdio buffering of the secret: read byte by byte from the fd. */
	*len = 0;
	for (;;) {
		char ch;
		ssize_t n = read(fileno(tty), &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if (*len + 1 >= cap) {
			log_err("passphrase too long");
			goto out;
		}
		out[(*len)++] = ch;
	}
	out[*len] = '\0';
	rc = 0;
out:
	if (restore)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	return rc;
}

int
keys_passphrase_read(
    const char *prompt, const char *file, char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	if (cap < 2)
		return -1;
	if (file == NULL)
		return read_from_tty(prompt, out, cap, len);
	if (file_read(file, out, cap - 1, &n, FILE_SECRET) != 0)
		return -1;
	out[n] = '\0';
	/* The first line is the passphrase; a trailing newline is not. */
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\n' || out[i] == '\r') {
			sodium_memzero(out + i, n - i);
			n = i;
			break;
		}
	}
	if (n == 0) {
		log_err("%s: empty passphrase", file);
		return -1;
	}
	*len = n;
	return 0;
}
