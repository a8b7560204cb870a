#include <stdio.h>
#include <string.h>

#include "hub/hubctl_ops.h"
#include "store/devstate.h"
#include "store/inbox.h"
#include "util/log.h"
#include "util/timefmt.h"

#define NOTE_MAX 160

struct devices_run {
	struct db *db;
	int64_t now;
};

static void
add_note(char *notes, const char *what)
{
	size_t used = strlen(notes);

	snprintf(
	    notes + used, NOTE_MAX - used, "%s%s", used > 0 ? ", " : "", what);
}

/*
 * One line a device: name, state, when last seen, its figures, and a
 * trailing "!" note for anything a person should look at.
 */
static int
show_device(void *arg, const struct inbox_device *d)
{
	struct devices_run *r = arg;
	struct devstate s;
	char seen[TIMEFMT_ISO_LEN], notes[NOTE_MAX] = "", what[64];
	int found = devstate_get(r->db, d->device_id, &s);
	int64_t skew;

	if (found < 0)
		return -1;
	if (d->revoked_at != 0) {
		printf("%-20s revoked\n", d->name);
		return 0;
	}
	if (found == 1) {
		printf("%-20s never seen (no heartbeat yet)\n", d->name);
		return 0;
	}
	if (timefmt_iso(s.seen_at, seen, sizeof(seen)) != 0)
		snprintf(seen, sizeof(seen), "?");
	if (r->now - s.seen_at >
	    (int64_t)HUBCTL_SILENT_INTERVALS * s.f.interval_s * 1000) {
		snprintf(what, sizeof(what), "SILENT for %lld s",
		    (long long)((r->now - s.seen_at) / 1000));
		add_note(notes, what);
	}
	if (s.f.dead > 0)
		add_note(notes, "DEAD LETTERS (see the device's log)");
	if (s.f.printer[0] != '\0' && strcmp(s.f.printer, "ok") != 0) {
		snprintf(what, sizeof(what), "PRINTER %s", s.f.printer);
		add_note(notes, what);
	}
	skew = s.seen_at - s.sent_at;
	if (skew > HUBCTL_SKEW_WARN_MS || skew < -HUBCTL_SKEW_WARN_MS) {
		snprintf(what, sizeof(what), "CLOCK off by %lld s",
		    (long long)(skew / 1000));
		add_note(notes, what);
	}
	printf("%-20s %-5s last seen %s  outbox %lld  dead %lld  printer %s  "
	       "version %s%s%s\n",
	    d->name, s.f.role, seen, (long long)s.f.outbox, (long long)s.f.dead,
	    s.f.printer[0] != '\0' ? s.f.printer : "-", s.f.version,
	    notes[0] != '\0' ? "  ! " : "", notes);
	return 0;
}

int
hubctl_devices(struct hubctl *h, int argc, char **argv)
{
	struct devices_run r;

	(void)argv;
	if (argc != 1) {
		log_err("usage: hubctl devices");
		return 2;
	}
	if (hubctl_open_db(h) != 0)
		return 1;
	r = (struct devices_run){h->db, db_now_ms()};
	if (inbox_device_each(h->db, show_device, &r) != 0)
		return 1;
	return 0;
}

/*
 * Counts from what the inbox knows unsealed (which device, what kind,
 * when received) and the channel: the one each device names in its
 * heartbeat (the server), else the referral index's (the staff machine,
 * filled when it opened them). No envelope is opened here, so no
 * passphrase is needed and nothing about a person can show.
 */
int
hubctl_stats(struct hubctl *h, int argc, char **argv)
{
	static const char sql[] =
	    "SELECT date(e.received_at / 1000, 'unixepoch'),"
	    " COALESCE(s.role, r.channel, '-'), COALESCE(d.name, '-'),"
	    " sum(e.kind = 1), sum(e.kind = 2), sum(e.kind = 3)"
	    " FROM envelopes e LEFT JOIN devices d USING (device_id)"
	    " LEFT JOIN device_state s USING (device_id)"
	    " LEFT JOIN referrals r ON r.envelope_id = e.envelope_id"
	    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
	sqlite3_stmt *st = NULL;
	long long tot[3] = {0, 0, 0};
	int rc = 1, r;

	(void)argv;
	if (argc != 1) {
		log_err("usage: hubctl stats");
		return 2;
	}
	if (hubctl_open_db(h) != 0 || db_prepare(h->db, &st, sql) != 0)
		return 1;
	printf("%-10s  %-7s  %-20s  %9s  %11s  %10s\n", "day", "channel",
	    "device", "referrals", "withdrawals", "follow-ups");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 3; i++)
			tot[i] += sqlite3_column_int64(st, 3 + i);
		printf("%-10s  %-7s  %-20s  %9lld  %11lld  %10lld\n",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (long long)sqlite3_column_int64(st, 3),
		    (long long)sqlite3_column_int64(st, 4),
		    (long long)sqlite3_column_int64(st, 5));
	}
	if (r != SQLITE_DONE) {
		log_err("stats: %s", sqlite3_errmsg(db_handle(h->db)));
		goto out;
	}
	printf("%-10s  %-7s  %-20s  %9lld  %11lld  %10lld\n", "total", "", "",
	    tot[0], tot[1], tot[2]);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
