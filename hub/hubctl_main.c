/*
 * hubctl: the hub's admin and staff tool. Creates the hub's keys and
 * certificate, enrols and revokes devices, and (with the passphrase that
 * unlocks the hub's opening key) lists, shows, exports and withdraws
 * referrals.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/keys.h"
#include "crypto/secmem.h"
#include "crypto/tlscert.h"
#include "hub/hubctl.h"
#include "hub/hubctl_ops.h"
#include "store/inbox.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/version.h"

#define DEFAULT_PORT 8443

static void
usage_to(FILE *f)
{
	fprintf(f,
	    "usage: hubctl [-d DIR] COMMAND [options]\n"
	    "       hubctl --help | --version\n"
	    "\n"
	    "  init [--host NAME]... [--port N] [--content DIR] "
	    "[--staff-dir STAFF]\n"
	    "                        create the hub's keys, TLS certificate,\n"
	    "                        inbox and hubd.conf in DIR; with\n"
	    "                        --staff-dir the opening key goes to\n"
	    "                        STAFF (the staff machine) only\n"
	    "  export-staff-keys -o FILE   move the opening key out of DIR\n"
	    "  import-staff-keys FILE [--content DIR]\n"
	    "                        set up DIR as the staff machine's folder\n"
	    "  enroll-staff NAME --url https://HOST:PORT [-o FILE]\n"
	    "                        a staff credential that may pull\n"
	    "  revoke-staff NAME     refuse that credential from now on\n"
	    "  staff | pull-log | queue   credentials; who pulled what; what\n"
	    "                        waits and what is still held\n"
	    "  enroll NAME --url https://HOST:PORT [--out FILE]\n"
	    "                        enrol a kiosk or SMS gateway; writes its\n"
	    "                        device bundle (mode 0600)\n"
	    "  revoke NAME           refuse that device's envelopes from now "
	    "on\n"
	    "  devices               enrolled devices, when each was last\n"
	    "                        seen, its figures; flags silent or\n"
	    "                        unhealthy ones\n"
	    "  stats                 envelopes by day, channel and device\n"
	    "  doctor [--passphrase-file FILE]\n"
	    "                        check DIR (a hub or staff folder): one\n"
	    "                        line a problem, exit 1 if any\n"
	    "  list                  referrals: reference, channel, received,\n"
	    "                        spoke, status (no personal data)\n"
	    "  show REF              one referral, decrypted\n"
	    "  export --format csv|json [--spoke NAME] [--since DATE] [-o "
	    "FILE]\n"
	    "  withdraw REF          withdraw a referral; deletes its personal "
	    "data\n"
	    "  purge --older-than DAYS\n"
	    "                        delete everything received before then\n"
	    "\n"
	    "On the staff machine (DIR is the staff folder):\n"
	    "  pull [--from https://HUB:PORT] [--credential FILE] [--no-open]\n"
	    "                        fetch, keep and acknowledge new "
	    "envelopes\n"
	    "  assign REF [SPOKE]    to its routed spoke, or another by hand\n"
	    "  risk-assessed REF | contacted REF | in-progress REF\n"
	    "  close REF --outcome direct-meeting|indirect-communication|\n"
	    "        not-suitable|victim-declined|other-party-declined|\n"
	    "        no-contact-possible\n"
	    "  note REF TEXT         (each with [--by NAME] [--at TIME])\n"
	    "  history REF           every event, with time and name\n"
	    "  unrouted              referrals waiting for a spoke\n"
	    "  overdue [--as-of DATE]   not contacted within 2 working days\n"
	    "  report --from DATE --to DATE --format md|csv|html [-o FILE]\n"
	    "                        counts only, small numbers suppressed\n"
	    "\n"
	    "DIR defaults to $RJ_HUB_DIR, else the current directory.\n"
	    "Commands that decrypt ask for the passphrase on the terminal, or\n"
	    "read it from --passphrase-file FILE (mode 0600).\n"
	    "See hubctl(1).\n");
}

static void
usage(void)
{
	usage_to(stderr);
}

int
hubctl_path(const struct hubctl *h, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", h->dir, name);

	if (n < 0 || (size_t)n >= cap) {
		log_err("path too long");
		return -1;
	}
	return 0;
}

static int
conf_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct hubctl *h = user;

	if (strcmp(section, "hubctl") == 0 && strcmp(name, "spokes") == 0)
		snprintf(h->spokes_path, sizeof(h->spokes_path), "%s", value);
	if (strcmp(section, "hubctl") == 0 && strcmp(name, "content") == 0)
		snprintf(h->content_dir, sizeof(h->content_dir), "%s", value);
	return 1;
}

int
hubctl_open_db(struct hubctl *h)
{
	char db[PATH_MAX], key[PATH_MAX], conf[PATH_MAX];
	static const int no_bad = 0;

	if (h->db != NULL)
		return 0;
	if (hubctl_path(h, HUB_INBOX, db, sizeof(db)) != 0 ||
	    hubctl_path(h, HUB_INBOX_KEY, key, sizeof(key)) != 0 ||
	    hubctl_path(h, HUB_STAFF_CONF, conf, sizeof(conf)) != 0)
		return -1;
	/* A staff machine's folder has hubctl.conf; a hub folder only
	 * hubd.conf, whose [hubctl] section says the same things. */
	if (access(conf, F_OK) != 0 &&
	    hubctl_path(h, HUB_CONF, conf, sizeof(conf)) != 0)
		return -1;
	if (access(key, F_OK) != 0) {
		log_err("%s is not a hub directory (no %s); run hubctl init",
		    h->dir, HUB_INBOX_KEY);
		return -1;
	}
	h->db = db_open_keyfile(db, key, &schema_hub);
	if (h->db == NULL)
		return -1;
	/* conf_parse, not ini_parse: "spokes = path  # note" must not keep
	 * its comment in the path. */
	if (conf_parse(conf, conf_handler, h, &no_bad) != 0)
		log_warn("%s: not readable; using no spoke table", conf);
	if (h->spokes_path[0] != '\0' &&
	    routing_load(&h->routing, h->spokes_path) != 0)
		return -1;
	return 0;
}

static int
read_passphrase(
    struct hubctl *h, const char *prompt, char *pass, size_t cap, size_t *len)
{
	return keys_passphrase_read(prompt, h->passfile, pass, cap, len);
}

int
hubctl_unlock(struct hubctl *h)
{
	char path[PATH_MAX], pubpath[PATH_MAX], *pass = NULL;
	uint8_t derived[crypto_box_PUBLICKEYBYTES];
	size_t plen = 0;
	int rc = -1, k;

	if (h->box_sk != NULL)
		return 0;
	if (hubctl_path(h, HUB_BOX_KEY, path, sizeof(path)) != 0 ||
	    hubctl_path(h, HUB_BOX_PUB, pubpath, sizeof(pubpath)) != 0)
		return -1;
	if (access(path, F_OK) != 0) {
		log_err("%s holds no opening key (%s): it is the hub server's "
			"folder. Referrals are opened on the staff machine, "
			"after hubctl pull (see docs/hub.md)",
		    h->dir, HUB_BOX_KEY);
		return -1;
	}
	pass = sodium_malloc(KEYS_PASS_MAX);
	h->box_sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (pass == NULL || h->box_sk == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (keys_load(pubpath, KEYS_BOX_PUBLIC, h->box_pk, sizeof(h->box_pk),
		NULL, 0) != 0)
		goto out;
	if (read_passphrase(
		h, "Hub passphrase: ", pass, KEYS_PASS_MAX, &plen) != 0)
		goto out;
	k = keys_load(path, KEYS_BOX_SECRET, h->box_sk,
	    crypto_box_SECRETKEYBYTES, pass, plen);
	if (k != 0)
		goto out;
	/* The public half on disk must belong to this secret key. */
	crypto_scalarmult_base(derived, h->box_sk);
	if (sodium_memcmp(derived, h->box_pk, sizeof(derived)) != 0) {
		log_err("%s does not match %s", HUB_BOX_KEY, HUB_BOX_PUB);
		goto out;
	}
	rc = 0;
out:
	sodium_free(pass);
	if (rc != 0) {
		sodium_free(h->box_sk);
		h->box_sk = NULL;
	}
	return rc;
}

/*
 * Where content/ is when --content is not given: installed beside the
 * program (PREFIX/bin/hubctl -> PREFIX/share/rj/content), else in the
 * source tree it was built in (build/bin/hubctl -> content/).
 */
void
hubctl_default_content(char *out, size_t cap)
{
	static const char *const rel[] = {
	    "../share/rj/content", "../../content"};
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	out[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	dir = dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		int m = snprintf(out, cap, "%s/%s/spokes.json", dir, rel[i]);
		if (m > 0 && (size_t)m < cap && access(out, R_OK) == 0) {
			snprintf(out, cap, "%s/%s", dir, rel[i]);
			return;
		}
	}
	out[0] = '\0';
}

const char *
hubctl_content_dir(struct hubctl *h)
{
	char *slash;

	/* A hubd.conf written before [hubctl] content existed: content/
	 * is the folder spokes.json is in. */
	if (h->content_dir[0] == '\0' && h->spokes_path[0] != '\0') {
		snprintf(h->content_dir, sizeof(h->content_dir), "%s",
		    h->spokes_path);
		slash = strrchr(h->content_dir, '/');
		if (slash != NULL)
			*slash = '\0';
		else
			snprintf(h->content_dir, sizeof(h->content_dir), ".");
	}
	if (h->content_dir[0] == '\0')
		hubctl_default_content(h->content_dir, sizeof(h->content_dir));
	return h->content_dir;
}

static int
cmd_enroll(
    struct hubctl *h, const char *name, const char *url, const char *out_path)
{
	struct bundle *b = NULL;
	struct inbox_device dev, other;
	char bpath[PATH_MAX], idhex[33];
	int rc = 1, began = 0, k;

	if (!bundle_name_valid(name)) {
		log_err("device names are 1-63 of a-z, 0-9 and '-'");
		return 1;
	}
	if (url == NULL || strncmp(url, "https://", 8) != 0 ||
	    strlen(url) >= BUNDLE_URL_MAX || strpbrk(url, " \t\r\n") != NULL) {
		log_err("--url https://HOST:PORT is required");
		return 1;
	}
	if (hubctl_open_db(h) != 0)
		return 1;
	b = bundle_new();
	if (b == NULL)
		goto out;
	snprintf(b->name, sizeof(b->name), "%s", name);
	if (hubctl_bundle_hub(h, b, url) != 0)
		goto out;
	memset(&dev, 0, sizeof(dev));
	randombytes_buf(b->device_id, sizeof(b->device_id));
	crypto_sign_keypair(dev.sign_pk, b->sign_sk);
	memcpy(dev.device_id, b->device_id, sizeof(dev.device_id));
	snprintf(dev.name, sizeof(dev.name), "%s", name);
	dev.enrolled_at = db_now_ms();
	if (out_path == NULL) {
		int n = snprintf(bpath, sizeof(bpath), "%s/%s/%s.bundle",
		    h->dir, HUB_DEVICES, name);
		if (n < 0 || (size_t)n >= sizeof(bpath))
			goto out;
		out_path = bpath;
	}
	/* The device row and its bundle exist together or not at all. */
	if (db_begin(h->db) != 0)
		goto out;
	began = 1;
	/* Names are unique: say so rather than what SQLite says. The
	 * transaction holds the write lock, so no one enrols it between. */
	k = inbox_device_by_name(h->db, name, &other);
	if (k == 0)
		log_err("a device named %s is already enrolled (see hubctl "
			"devices); choose another name",
		    name);
	if (k != 1)
		goto out;
	if (inbox_device_add(h->db, &dev) != 0)
		goto out;
	if (bundle_save(b, out_path) != 0)
		goto out;
	if (db_commit(h->db) != 0) {
		unlink(out_path);
		goto out;
	}
	began = 0;
	envelope_id_hex(idhex, dev.device_id);
	printf("Enrolled %s (device id %s).\n"
	       "Install %s on the device, readable only by the daemon\n"
	       "(mode 0600), then delete it here.\n",
	    name, idhex, out_path);
	rc = 0;
out:
	if (began)
		db_rollback(h->db);
	bundle_free(b);
	return rc;
}

enum {
	OPT_HOST = 1000,
	OPT_PORT,
	OPT_CONTENT,
	OPT_URL,
	OPT_FORMAT,
	OPT_SPOKE,
	OPT_SINCE,
	OPT_OLDER,
	OPT_PASSFILE,
	OPT_KDF_FAST,
	OPT_STAFF_DIR,
};

/* Commands that parse their own options; argv[0] is the command. */
static const struct {
	const char *name;
	int (*fn)(struct hubctl *h, int argc, char **argv);
} commands[] = {
    {"list", hubctl_list},
    {"show", hubctl_show},
    {"export", hubctl_export},
    {"withdraw", hubctl_withdraw},
    {"assign", hubctl_assign},
    {"purge", hubctl_purge},
    {"export-staff-keys", hubctl_export_staff_keys},
    {"import-staff-keys", hubctl_import_staff_keys},
    {"enroll-staff", hubctl_enroll_staff},
    {"revoke-staff", hubctl_revoke_staff},
    {"staff", hubctl_staff_list},
    {"pull-log", hubctl_pull_log},
    {"queue", hubctl_queue},
    {"risk-assessed", hubctl_risk_assessed},
    {"contacted", hubctl_contacted},
    {"in-progress", hubctl_in_progress},
    {"close", hubctl_close},
    {"note", hubctl_note},
    {"history", hubctl_history},
    {"unrouted", hubctl_unrouted},
    {"overdue", hubctl_overdue},
    {"report", hubctl_report},
    {"pull", hubctl_pull},
    {"devices", hubctl_devices},
    {"stats", hubctl_stats},
    {"doctor", hubctl_doctor},
};

static int (*command(const char *name))(struct hubctl *, int, char **)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].fn;
	return NULL;
}

int
main(int argc, char **argv)
{
	struct hubctl h;
	const char *hosts[TLSCERT_MAX_NAMES], *url = NULL, *out = NULL;
	const char *content = NULL, *staffdir = NULL, *cmd;
	size_t nhosts = 0;
	int port = DEFAULT_PORT, rc = 2, i;

	log_init("hubctl");
	jsonmem_init();
	if (secmem_init() != 0)
		return 1;
	memset(&h, 0, sizeof(h));
	h.dir = getenv("RJ_HUB_DIR") != NULL ? getenv("RJ_HUB_DIR") : ".";
	/* Global options come before the command. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-d") == 0 ||
			strcmp(argv[i], "--dir") == 0) &&
		    i + 1 < argc) {
			h.dir = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage_to(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("hubctl %s\n", RJ_VERSION);
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	cmd = argv[i];
	argc -= i;
	argv += i;

	/* Command options: each command accepts only its own. */
	static const struct option longopts[] = {
	    {"host", required_argument, NULL, OPT_HOST},
	    {"port", required_argument, NULL, OPT_PORT},
	    {"content", required_argument, NULL, OPT_CONTENT},
	    {"url", required_argument, NULL, OPT_URL},
	    {"out", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"spoke", required_argument, NULL, OPT_SPOKE},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"older-than", required_argument, NULL, OPT_OLDER},
	    {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
	    {"insecure-fast-kdf-for-tests", no_argument, NULL, OPT_KDF_FAST},
	    {"staff-dir", required_argument, NULL, OPT_STAFF_DIR},
	    {NULL, 0, NULL, 0},
	};
	if (strcmp(cmd, "init") == 0 || strcmp(cmd, "enroll") == 0) {
		int c;
		optind = 0;
		while (
		    (c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
			switch (c) {
			case OPT_HOST:
				if (nhosts == TLSCERT_MAX_NAMES) {
					log_err("too many --host");
					return 2;
				}
				hosts[nhosts++] = optarg;
				break;
			case OPT_PORT:
				port = atoi(optarg);
				if (port < 1 || port > 65535) {
					log_err("--port 1..65535");
					return 2;
				}
				break;
			case OPT_CONTENT:
				content = optarg;
				break;
			case OPT_URL:
				url = optarg;
				break;
			case 'o':
				out = optarg;
				break;
			case OPT_PASSFILE:
				h.passfile = optarg;
				break;
			case OPT_KDF_FAST:
				h.kdf_interactive = 1;
				break;
			case OPT_STAFF_DIR:
				staffdir = optarg;
				break;
			default:
				usage();
				return 2;
			}
		}
		if (strcmp(cmd, "init") == 0) {
			if (optind != argc) {
				usage();
				return 2;
			}
			rc = hubctl_init(
			    &h, hosts, nhosts, port, content, staffdir);
		} else {
			if (optind + 1 != argc) {
				usage();
				return 2;
			}
			rc = cmd_enroll(&h, argv[optind], url, out);
		}
	} else if (strcmp(cmd, "revoke") == 0 && argc == 2) {
		rc = 1;
		if (hubctl_open_db(&h) == 0 &&
		    inbox_device_revoke(h.db, argv[1], db_now_ms()) == 0) {
			printf("Revoked %s: its envelopes are refused from "
			       "now on.\n",
			    argv[1]);
			rc = 0;
		}
	} else if (command(cmd) != NULL) {
		rc = command(cmd)(&h, argc, argv);
	} else {
		/* revoke and devices are known; only their arguments were
		 * wrong. */
		if (strcmp(cmd, "revoke") != 0 && strcmp(cmd, "devices") != 0)
			fprintf(stderr, "hubctl: unknown command '%s'\n", cmd);
		usage();
	}
	db_close(h.db);
	sodium_free(h.box_sk);
	return rc;
}
