#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "hub/hubcheck.h"
#include "store/db.h"
#include "store/schema.h"
#include "util/check.h"
#include "util/log.h"

static const char cert_fix[] =
    "a new certificate means new device bundles: plan it (docs/hub.md)";

static void
check_key(struct check *c, const char *what, const char *path,
    enum keys_type type, uint8_t *out, const char *user, int *loaded)
{
	*loaded = 0;
	if (check_secret_file(c, what, path, user) != 0)
		return;
	if (keys_load(path, type, out, keys_len(type), NULL, 0) != 0) {
		check_error(c,
		    "%s %s does not load (the line above says why): restore "
		    "it from backup",
		    what, path);
		return;
	}
	*loaded = 1;
	check_ok(c, "%s %s loads", what, path);
}

int
hubcheck_sign_pub(
    const char *sign_key, const uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	char dir[PATH_MAX], pubpath[PATH_MAX];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	int n;

	n = snprintf(dir, sizeof(dir), "%s", sign_key);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -1;
	n = snprintf(pubpath, sizeof(pubpath), "%s/hub.sign.pub", dirname(dir));
	if (n < 0 || (size_t)n >= sizeof(pubpath))
		return -1;
	if (access(pubpath, F_OK) != 0)
		return 0;
	if (keys_load(pubpath, KEYS_SIGN_PUBLIC, pk, sizeof(pk), NULL, 0) != 0)
		return -1;
	/* An Ed25519 secret key carries its public half in its last 32
	 * bytes (the loader has checked the two halves agree). */
	if (sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof(pk)) != 0) {
		log_err("%s is not the key of %s beside it (the public key "
			"devices were given): another hub's key, or a "
			"replaced file; every receipt would be refused. "
			"Restore the matching hub.sign.key from backup",
		    sign_key, pubpath);
		return -1;
	}
	return 0;
}

/* hubd opens the inbox after it has become user: it must own it. */
static void
check_owner(struct check *c, const char *inbox, const char *user)
{
	char dir[PATH_MAX];
	struct passwd *pw;
	struct stat st;

	if (user[0] == '\0' || geteuid() != 0)
		return;
	if ((pw = getpwnam(user)) == NULL) {
		check_error(c,
		    "user = %s does not exist: useradd --system %s, or fix "
		    "user =",
		    user, user);
		return;
	}
	if (snprintf(dir, sizeof(dir), "%s", inbox) >= (int)sizeof(dir))
		return;
	/* hubd writes the inbox's journals beside it: it owns the folder,
	 * or the folder is root's, sticky and writable by hubd's group (so
	 * hubd cannot touch root's files in it). */
	if (stat(dirname(dir), &st) != 0 ||
	    (st.st_uid != pw->pw_uid &&
		!(st.st_uid == 0 && st.st_gid == pw->pw_gid &&
		    (st.st_mode & 01020) == 01020))) {
		check_error(c,
		    "hubd (as %s) cannot write in the inbox's folder %s: "
		    "chown %s %s, or chown root:%s %s && chmod 1770 %s "
		    "(never chown -R: the keys stay root's)",
		    user, dir, user, dir, user, dir, dir);
		return;
	}
	if (stat(inbox, &st) == 0 && st.st_uid != pw->pw_uid) {
		check_error(c,
		    "%s is not owned by %s, whom hubd runs as: chown %s %s",
		    inbox, user, user, inbox);
		return;
	}
	check_ok(c, "the inbox belongs to %s, whom hubd runs as", user);
}

void
hubcheck_server(struct check *c, const struct hubcheck_in *in)
{
	uint8_t *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	uint8_t *dbkey = sodium_malloc(DB_KEY_LEN);
	struct db *db;
	int have_key = 0, have_sign = 0;

	if (sk == NULL || dbkey == NULL) {
		check_error(c, "out of locked memory");
		goto out;
	}
	check_key(c, "signing key", in->sign_key, KEYS_SIGN_SECRET, sk,
	    in->user, &have_sign);
	if (have_sign && hubcheck_sign_pub(in->sign_key, sk) != 0)
		check_error(c,
		    "signing key %s does not match hub.sign.pub (the line "
		    "above says why)",
		    in->sign_key);
	check_key(c, "inbox key", in->inbox_key, KEYS_SYMMETRIC, dbkey,
	    in->user, &have_key);
	if (access(in->inbox, F_OK) != 0)
		check_error(c,
		    "inbox %s: %s: run hubctl init, or fix inbox =", in->inbox,
		    strerror(errno));
	else if (have_key) {
		if ((db = db_open(in->inbox, dbkey, &schema_hub)) == NULL)
			check_error(c,
			    "inbox %s does not open with %s: they are not a "
			    "pair; restore the matching one from backup",
			    in->inbox, in->inbox_key);
		else
			check_ok(c, "the inbox opens with its key");
		db_close(db);
		check_owner(c, in->inbox, in->user);
	}
	if (in->tls_cert[0] != '\0') {
		check_cert_file(
		    c, "hubd's TLS certificate", in->tls_cert, cert_fix);
		if (check_secret_file(c, "TLS key", in->tls_key, in->user) == 0)
			check_ok(c, "TLS key %s is private", in->tls_key);
		/* The key must belong to the certificate, and devices pin a
		 * self-signed one: its own signature must verify. */
		if (tlscert_check(in->tls_key, in->tls_cert, 1) != 0)
			check_error(c,
			    "%s and %s are not a working pair (the lines above "
			    "say why): restore both from backup",
			    in->tls_key, in->tls_cert);
		else
			check_ok(c, "TLS key and certificate are a pair");
	} else {
		check_warn(c, "TLS is off: devices only reach hubd through "
			      "a TLS proxy in front of it");
	}
out:
	sodium_free(sk);
	sodium_free(dbkey);
}
