/*
 * The opening key leaves the server (SecureDrop's rule). hubd's folder
 * needs only hubd's own keys and the public half of the box key; the
 * secret half, which opens referrals, lives on the staff machine, in a
 * folder of its own with its own database:
 *
 *   hubctl -d SERVER init --staff-dir STAFF   (created there directly)
 *   hubctl -d SERVER export-staff-keys -o FILE   (moved out of a folder
 *   hubctl -d STAFF import-staff-keys FILE        made by a plain init)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "hub/hubctl.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/log.h"

int
hubctl_staff_folder(const char *dir, const char *content_abs)
{
	struct hubctl s = {.dir = dir};
	char path[PATH_MAX], text[2048];
	uint8_t *dbkey = NULL;
	int n, rc = -1;

	dbkey = sodium_malloc(DB_KEY_LEN);
	if (dbkey == NULL) {
		log_err("out of locked memory");
		return -1;
	}
	/* Its own database key: nothing from the server opens it. */
	randombytes_buf(dbkey, DB_KEY_LEN);
	if (hubctl_path(&s, HUB_INBOX_KEY, path, sizeof(path)) != 0 ||
	    keys_save(path, KEYS_SYMMETRIC, dbkey, DB_KEY_LEN, NULL, 0, NULL) !=
		0)
		goto out;
	n = snprintf(text, sizeof(text),
	    "# hubctl on the staff machine, written by hubctl.\n"
	    "[hubctl]\n"
	    "# Borough-to-spoke routing, and the bank holiday table for\n"
	    "# working days, from the content folder.\n"
	    "spokes = %s/spokes.json\n"
	    "content = %s\n",
	    content_abs, content_abs);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    hubctl_path(&s, HUB_STAFF_CONF, path, sizeof(path)) != 0 ||
	    file_write_atomic(path, text, (size_t)n, 0644, FILE_NOREPLACE) != 0)
		goto out;
	if (hubctl_open_db(&s) != 0)
		goto out;
	rc = 0;
out:
	db_close(s.db);
	sodium_free(dbkey);
	return rc;
}

/* Overwrite, sync and unlink: the file system may keep old blocks, but
 * the key file was passphrase-protected all along. */
static int
shred_file(const char *path, size_t len)
{
	uint8_t zero[KEYS_FILE_MAX];
	int fd, rc = -1;

	memset(zero, 0, sizeof(zero));
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (len > sizeof(zero))
		len = sizeof(zero);
	if (write(fd, zero, len) != (ssize_t)len || fsync(fd) != 0) {
		log_err("%s: cannot overwrite: %s", path, strerror(errno));
		goto out;
	}
	if (unlink(path) != 0) {
		log_err("%s: cannot delete: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int
one_file_option(int argc, char **argv, const char **out, const char **content,
    struct hubctl *h)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"content", required_argument, NULL, 'c'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int c, li;

	optind = 0;
	while (
	    (li = -1, c = getopt_long(argc, argv, "o:", longopts, &li)) != -1) {
		if (c == 'o' && out != NULL)
			*out = optarg;
		else if (c == 'c' && content != NULL)
			*content = optarg;
		else if (c == 'p')
			h->passfile = optarg;
		else if (c == '?' || c == ':') {
			/* getopt_long said which option was wrong. */
			log_err(
			    "%s: see hubctl --help for its options", argv[0]);
			return -1;
		} else {
			log_err("hubctl %s does not accept %s%s (see hubctl "
				"--help)",
			    argv[0], li >= 0 ? "--" : "-",
			    li >= 0 ? longopts[li].name : "o");
			return -1;
		}
	}
	return 0;
}

int
hubctl_export_staff_keys(struct hubctl *h, int argc, char **argv)
{
	uint8_t key[KEYS_FILE_MAX], back[KEYS_FILE_MAX];
	char path[PATH_MAX];
	const char *out = NULL;
	size_t len = 0, blen = 0;
	int rc = 1;

	if (one_file_option(argc, argv, &out, NULL, h) != 0 || optind != argc ||
	    out == NULL) {
		log_err("usage: hubctl -d SERVER export-staff-keys -o FILE");
		return 2;
	}
	if (hubctl_path(h, HUB_BOX_KEY, path, sizeof(path)) != 0)
		return 1;
	if (access(path, F_OK) != 0) {
		log_err("%s holds no opening key (%s): nothing to export",
		    h->dir, HUB_BOX_KEY);
		return 1;
	}
	if (keys_is_protected(path) != 1) {
		log_err("%s is not passphrase-protected; refusing to move it",
		    path);
		return 1;
	}
	if (file_read(path, key, sizeof(key), &len, FILE_SECRET) != 0)
		return 1;
	if (file_write_atomic(
		out, key, len, 0600, FILE_NOREPLACE | FILE_SECRET) != 0)
		goto out;
	/* Deleted here only once the copy reads back the same. */
	if (file_read(out, back, sizeof(back), &blen, FILE_SECRET) != 0 ||
	    blen != len || sodium_memcmp(back, key, len) != 0) {
		log_err("%s does not read back the same; %s kept", out, path);
		goto out;
	}
	if (shred_file(path, len) != 0)
		goto out;
	printf("The opening key has left %s.\n"
	       "On the staff machine: hubctl -d STAFF import-staff-keys %s\n"
	       "then delete %s. It is still protected by the hub "
	       "passphrase.\n",
	    h->dir, out, out);
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(back, sizeof(back));
	return rc;
}

int
hubctl_import_staff_keys(struct hubctl *h, int argc, char **argv)
{
	uint8_t key[KEYS_FILE_MAX], pk[crypto_box_PUBLICKEYBYTES];
	uint8_t *sk = NULL;
	char *pass = NULL;
	char path[PATH_MAX], cdir[PATH_MAX];
	const char *content = NULL;
	size_t len = 0, plen = 0;
	int rc = 1;

	if (one_file_option(argc, argv, NULL, &content, h) != 0 ||
	    optind + 1 != argc) {
		log_err("usage: hubctl -d STAFF import-staff-keys FILE "
			"[--content DIR]");
		return 2;
	}
	if (content == NULL) {
		hubctl_default_content(cdir, sizeof(cdir));
		content = cdir[0] != '\0' ? cdir : "content";
	}
	if (realpath(content, cdir) == NULL) {
		log_err("content directory %s: %s (use --content DIR)", content,
		    strerror(errno));
		return 1;
	}
	if (file_mkdir(h->dir, 0700) != 0 ||
	    hubctl_path(h, HUB_BOX_KEY, path, sizeof(path)) != 0)
		return 1;
	if (access(path, F_OK) == 0) {
		log_err("%s already holds an opening key", h->dir);
		return 1;
	}
	pass = sodium_malloc(KEYS_PASS_MAX);
	sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (pass == NULL || sk == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	/* Prove the passphrase opens it before anything is written. */
	if (keys_passphrase_read("Hub passphrase: ", h->passfile, pass,
		KEYS_PASS_MAX, &plen) != 0 ||
	    keys_load(argv[optind], KEYS_BOX_SECRET, sk,
		crypto_box_SECRETKEYBYTES, pass, plen) != 0)
		goto out;
	crypto_scalarmult_base(pk, sk);
	if (file_read(argv[optind], key, sizeof(key), &len, FILE_SECRET) != 0 ||
	    file_write_atomic(
		path, key, len, 0600, FILE_NOREPLACE | FILE_SECRET) != 0)
		goto out;
	if (hubctl_path(h, HUB_BOX_PUB, path, sizeof(path)) != 0 ||
	    keys_save(path, KEYS_BOX_PUBLIC, pk, sizeof(pk), NULL, 0, NULL) !=
		0)
		goto out;
	if (hubctl_staff_folder(h->dir, cdir) != 0)
		goto out;
	printf("Staff folder ready in %s. Delete %s now.\n"
	       "Next: hubctl -d %s pull --from https://HUB:PORT (with %s "
	       "from hubctl enroll-staff).\n",
	    h->dir, argv[optind], h->dir, HUB_STAFF_CRED);
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_free(sk);
	sodium_free(pass);
	return rc;
}
