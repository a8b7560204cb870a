/*
 * hubctl doctor: a hub server's folder (hubd.conf, its keys, the inbox,
 * the certificate, file modes) or a staff machine's folder (the opening
 * key protected by a passphrase, the staff credential, its own inbox),
 * one line a finding with how to fix it; exit 0 when fit to run, 1 when
 * something must be fixed (util/check.h).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "hub/hubcheck.h"
#include "hub/hubctl_ops.h"
#include "util/conf.h"
#include "util/log.h"

#define VALUE_MAX 512
/* devices/ and staff/ inside a hub folder: one level is all there is. */
#define DEPTH_MAX 1

struct hubconf {
	char sign_key[VALUE_MAX];
	char inbox[VALUE_MAX];
	char inbox_key[VALUE_MAX];
	char tls_cert[VALUE_MAX];
	char tls_key[VALUE_MAX];
	char user[VALUE_MAX];
	int bad;
};

static int
hubconf_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct hubconf *hc = user;
	char *dst = NULL;

	if (strcmp(section, "hubd") != 0)
		return 1;
	if (strcmp(name, "sign_key") == 0)
		dst = hc->sign_key;
	else if (strcmp(name, "inbox") == 0)
		dst = hc->inbox;
	else if (strcmp(name, "inbox_key") == 0)
		dst = hc->inbox_key;
	else if (strcmp(name, "tls_cert") == 0)
		dst = hc->tls_cert;
	else if (strcmp(name, "tls_key") == 0)
		dst = hc->tls_key;
	else if (strcmp(name, "user") == 0)
		dst = hc->user;
	if (dst != NULL && conf_str(dst, VALUE_MAX, value) != 0) {
		log_err("config: [hubd] %s is too long", name);
		hc->bad = 1;
		return 0;
	}
	return 1;
}

/* Public files may be read by anyone; everything else is 0600. */
static int
is_public(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && (strcmp(name + n - 4, ".pub") == 0 ||
			     strcmp(name + n - 4, ".crt") == 0 ||
			     strcmp(name + n - 5, ".conf") == 0));
}

/* Others may write, or the group may and the folder is not sticky (a
 * sticky folder shared with hubd's group is the tested layout: hubd
 * writes its journals there and cannot touch root's files). */
static int
folder_open(const struct stat *st)
{
	return (st->st_mode & 002) != 0 ||
	       ((st->st_mode & 020) != 0 && (st->st_mode & 01000) == 0);
}

static void
check_modes(struct check *c, const char *dir, int depth, int *bad)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int n;

		if (e->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path) || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (folder_open(&st)) {
				check_error(c,
				    "folder %s may be written by others: "
				    "chmod go-w %s",
				    path, path);
				*bad = 1;
			}
			if (depth < DEPTH_MAX)
				check_modes(c, path, depth + 1, bad);
		} else if (S_ISREG(st.st_mode) && !is_public(e->d_name) &&
			   (st.st_mode & 077) != 0) {
			check_error(c,
			    "%s has mode %04o, open to group or others: chmod "
			    "600 %s",
			    path, (unsigned)(st.st_mode & 07777), path);
			*bad = 1;
		}
	}
	closedir(d);
}

static void
check_folder_modes(struct check *c, const char *dir)
{
	struct stat st;
	int bad = 0;

	if (stat(dir, &st) == 0 && folder_open(&st)) {
		check_error(c,
		    "folder %s may be written by others: chmod go-w %s", dir,
		    dir);
		bad = 1;
	}
	check_modes(c, dir, 0, &bad);
	if (!bad)
		check_ok(c, "file modes: secrets 0600, no folder writable by "
			    "others");
}

/* Secrets that belong elsewhere once they have been handed over. */
static void
check_leftovers(struct check *c, struct hubctl *h, const char *sub,
    const char *what, const char *where)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (hubctl_path(h, sub, dir, sizeof(dir)) != 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			check_warn(c,
			    "%s/%s holds %s's secret key: once it is on %s, "
			    "delete it here (shred -u %s/%s)",
			    dir, e->d_name, what, where, dir, e->d_name);
	closedir(d);
}

static void
doctor_server(struct check *c, struct hubctl *h, const char *conf)
{
	static const char *const sections[] = {"hubd", "hubctl", NULL};
	struct hubconf hc;
	char path[PATH_MAX];

	memset(&hc, 0, sizeof(hc));
	if (conf_parse_sections(
		conf, sections, hubconf_handler, &hc, &hc.bad) != 0) {
		check_error(c,
		    "configuration %s: the lines above say what is wrong; fix "
		    "them, then run hubd --check-config %s",
		    conf, conf);
		return;
	}
	if (hc.sign_key[0] == '\0' || hc.inbox[0] == '\0' ||
	    hc.inbox_key[0] == '\0') {
		check_error(c,
		    "configuration %s: [hubd] needs sign_key, inbox and "
		    "inbox_key (hubctl init writes them)",
		    conf);
		return;
	}
	check_ok(c, "configuration %s", conf);
	hubcheck_server(c, &(struct hubcheck_in){hc.sign_key, hc.inbox,
			       hc.inbox_key, hc.tls_cert, hc.tls_key, hc.user});
	if (hubctl_path(h, HUB_BOX_KEY, path, sizeof(path)) == 0 &&
	    access(path, F_OK) == 0)
		check_warn(c,
		    "%s, the key that opens referrals, is on the server: move "
		    "it to the staff machine (hubctl export-staff-keys, "
		    "docs/hub.md)",
		    path);
	check_leftovers(c, h, HUB_DEVICES, "a device", "its device");
	check_leftovers(
	    c, h, HUB_STAFF_DIR, "a staff credential", "the staff machine");
}

static void
doctor_staff(struct check *c, struct hubctl *h, const char *conf)
{
	static const char *const sections[] = {"hubctl", NULL};
	char path[PATH_MAX];
	int bad = 0, prot;

	if (conf_parse_sections(conf, sections, hubconf_handler,
		&(struct hubconf){0}, &bad) != 0)
		check_error(c,
		    "configuration %s: the lines above say what is wrong",
		    conf);
	else
		check_ok(c, "configuration %s", conf);
	if (hubctl_path(h, HUB_BOX_KEY, path, sizeof(path)) == 0 &&
	    check_secret_file(c, "opening key", path, NULL) == 0) {
		prot = keys_is_protected(path);
		if (prot == 1)
			check_ok(
			    c, "opening key %s is passphrase-protected", path);
		else
			check_error(c,
			    "opening key %s is %s: restore the protected key "
			    "from backup",
			    path,
			    prot == 0 ? "not passphrase-protected"
				      : "not a key file");
	}
	if (hubctl_path(h, HUB_STAFF_CRED, path, sizeof(path)) == 0) {
		if (access(path, F_OK) != 0)
			check_warn(c,
			    "no %s: hubctl pull needs the credential "
			    "enroll-staff wrote on the server, copied here",
			    path);
		else if (check_secret_file(c, "staff credential", path, NULL) ==
			 0)
			check_ok(c, "staff credential %s is private", path);
	}
	if (hubctl_open_db(h) != 0)
		check_error(c,
		    "the staff inbox does not open with its key (the line "
		    "above says why): restore inbox.key and inbox.db "
		    "together from backup");
	else
		check_ok(c, "the staff inbox opens with its key");
	if (h->passfile != NULL) {
		if (hubctl_unlock(h) != 0)
			check_error(c,
			    "the passphrase in %s does not open the opening "
			    "key: check the file, or ask who set it",
			    h->passfile);
		else
			check_ok(c, "the passphrase opens the opening key");
	}
}

int
hubctl_doctor(struct hubctl *h, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	struct check c = {0, 0};
	char server[PATH_MAX], staff[PATH_MAX];
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'p') {
			log_err("usage: hubctl [-d DIR] doctor "
				"[--passphrase-file FILE]");
			return 2;
		}
		h->passfile = optarg;
	}
	if (optind != argc) {
		log_err(
		    "usage: hubctl [-d DIR] doctor [--passphrase-file FILE]");
		return 2;
	}
	if (hubctl_path(h, HUB_CONF, server, sizeof(server)) != 0 ||
	    hubctl_path(h, HUB_STAFF_CONF, staff, sizeof(staff)) != 0)
		return 1;
	if (access(server, F_OK) == 0)
		doctor_server(&c, h, server);
	else if (access(staff, F_OK) == 0)
		doctor_staff(&c, h, staff);
	else {
		check_error(&c,
		    "%s is neither a hub folder (%s) nor a staff folder (%s): "
		    "give -d DIR, or run hubctl init",
		    h->dir, HUB_CONF, HUB_STAFF_CONF);
		return check_done(&c, "hubctl doctor");
	}
	check_folder_modes(&c, h->dir);
	return check_done(&c, "hubctl doctor");
}
