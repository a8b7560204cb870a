#ifndef HUB_HUBCTL_H
#define HUB_HUBCTL_H

#include <limits.h>
#include <stdint.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "hub/routing.h"
#include "store/db.h"
#include "store/referrals.h"

/* Files in a hub directory, as `hubctl init` lays it out. */
#define HUB_BOX_PUB "hub.box.pub"
#define HUB_BOX_KEY "hub.box.key"
#define HUB_SIGN_PUB "hub.sign.pub"
#define HUB_SIGN_KEY "hub.sign.key"
#define HUB_TLS_CERT "tls.crt"
#define HUB_TLS_KEY "tls.key"
#define HUB_INBOX "inbox.db"
#define HUB_INBOX_KEY "inbox.key"
#define HUB_CONF "hubd.conf"
#define HUB_DEVICES "devices"
/* The staff machine's folder (issue 11): the opening key, its own
 * database (inbox.db / inbox.key, the same schema), hubctl.conf, and
 * the staff credential that pulls from hubd. */
#define HUB_STAFF_CONF "hubctl.conf"
#define HUB_STAFF_CRED "staff.cred"
#define HUB_STAFF_DIR "staff"

struct hubctl {
	const char *dir;
	const char *passfile;
	int kdf_interactive; /* faster passphrase hashing, tests only */
	struct db *db;
	uint8_t *box_sk; /* sodium_malloc'd once the passphrase is given */
	uint8_t box_pk[crypto_box_PUBLICKEYBYTES];
	struct routing routing;
	char spokes_path[PATH_MAX];
	char content_dir[PATH_MAX]; /* "" until hubctl_content_dir */
	const char *by; /* --by NAME: who records a case event */
};

int hubctl_path(
    const struct hubctl *h, const char *name, char *out, size_t cap);
int hubctl_open_db(struct hubctl *h);
int hubctl_unlock(struct hubctl *h);
/* content/ as configured, else beside the program; "" if not found. */
const char *hubctl_content_dir(struct hubctl *h);
/* Where content/ is when nothing says: installed beside the program or
 * in the source tree; out is "" when neither exists. */
void hubctl_default_content(char *out, size_t cap);

/* hubctl_init.c; staffdir NULL keeps every key in h->dir (one machine). */
int hubctl_init(struct hubctl *h, const char *const *hosts, size_t nhosts,
    int port, const char *content, const char *staffdir);

/* The opening key leaves the server (hubctl_keys.c). */
int hubctl_staff_folder(const char *dir, const char *content_abs);
int hubctl_export_staff_keys(struct hubctl *h, int argc, char **argv);
int hubctl_import_staff_keys(struct hubctl *h, int argc, char **argv);

/* Staff credentials on the server (hubctl_cred.c). */
int hubctl_enroll_staff(struct hubctl *h, int argc, char **argv);
int hubctl_revoke_staff(struct hubctl *h, int argc, char **argv);
int hubctl_staff_list(struct hubctl *h, int argc, char **argv);
int hubctl_pull_log(struct hubctl *h, int argc, char **argv);
int hubctl_queue(struct hubctl *h, int argc, char **argv);

/* The case workflow (hubctl_case.c). */
int hubctl_assign(struct hubctl *h, int argc, char **argv);
int hubctl_risk_assessed(struct hubctl *h, int argc, char **argv);
int hubctl_contacted(struct hubctl *h, int argc, char **argv);
int hubctl_in_progress(struct hubctl *h, int argc, char **argv);
int hubctl_close(struct hubctl *h, int argc, char **argv);
int hubctl_note(struct hubctl *h, int argc, char **argv);
int hubctl_history(struct hubctl *h, int argc, char **argv);
int hubctl_unrouted(struct hubctl *h, int argc, char **argv);

/* The 2-working-day standard (hubctl_overdue.c). */
struct workdays;
int hubctl_load_workdays(struct hubctl *h, struct workdays *w);
/* The clear warning staff see when the bank holiday table ran out. */
void hubctl_warn_table(const struct workdays *w, int beyond);
int hubctl_overdue(struct hubctl *h, int argc, char **argv);
/* Reports with no personal data (hubctl_report.c). */
int hubctl_report(struct hubctl *h, int argc, char **argv);

/* On the staff machine: fetch from hubd (hubctl_pull.c). */
int hubctl_pull(struct hubctl *h, int argc, char **argv);

/* Opening envelopes into the index (hubctl_ingest.c). */
int hubctl_ingest(struct hubctl *h);
/* Decrypt one stored envelope into a locked buffer; 1 if deleted. */
int hubctl_open_payload(struct hubctl *h, const uint8_t id[ENVELOPE_ID_LEN],
    uint8_t *out, size_t cap, size_t *len, struct envelope_hdr *hdr);
/* A referral by a reference as typed; logs why not. */
int hubctl_find_ref(
    struct hubctl *h, const char *arg, struct referrals_row *row);
void hubctl_iso(int64_t ms, char *out, size_t cap);

struct bundle;
/* The hub's half of a device bundle or staff credential (hubctl_cred.c):
 * its URL, public keys, TLS certificate and pin. */
int hubctl_bundle_hub(struct hubctl *h, struct bundle *b, const char *url);

/* Staff commands (hubctl_staff.c, export in hubctl_export.c); argv[0] is
 * the command name. */
int hubctl_list(struct hubctl *h, int argc, char **argv);
int hubctl_show(struct hubctl *h, int argc, char **argv);
int hubctl_export(struct hubctl *h, int argc, char **argv);
int hubctl_withdraw(struct hubctl *h, int argc, char **argv);
int hubctl_purge(struct hubctl *h, int argc, char **argv);

#endif
