#ifndef UTIL_CHECK_H
#define UTIL_CHECK_H

#include <stdarg.h>
#include <sys/types.h>

/*
 * What --check-config and `hubctl doctor` print: one line a finding on
 * stdout, a problem with how to fix it. Errors make the exit status 1;
 * warnings are shown but do not fail (scripts can rely on 0 = fit to
 * run).
 *
 *   ok:      the inbox opens with its key
 *   WARNING: tls.crt expires in 12 days: renew it (docs/hub.md)
 *   ERROR:   hub.sign.key: mode 0644, readable by others: chmod 600 ...
 */
struct check {
	int errors;
	int warnings;
};

void check_ok(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void check_warn(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void check_error(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The summary line; 0 when there was no error, else 1. */
int check_done(const struct check *c, const char *what);

/*
 * A secret file as the daemon will read it: present, a regular file,
 * not a symbolic link, not readable or writable by group or others, and
 * (when user is set and we are root) owned by that user or root.
 * 0 when fine; -1 after saying why and how to fix it.
 */
int check_secret_file(
    struct check *c, const char *what, const char *path, const char *user);

/* Days until a certificate (PEM) expires: an error once it has, a
 * warning within CHECK_CERT_WARN_DAYS. */
#define CHECK_CERT_WARN_DAYS 30
void check_cert(struct check *c, const char *what, const char *pem, size_t len,
    const char *fix);
void check_cert_file(
    struct check *c, const char *what, const char *path, const char *fix);

/* A device clock off by more than this is a warning. */
#define CHECK_SKEW_WARN_MS (2 * 60 * 1000)

#endif
