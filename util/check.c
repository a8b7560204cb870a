#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/certexp.h"
#include "util/check.h"
#include "util/file.h"

#define CERT_FILE_MAX (64 * 1024)
#define DAY_S 86400

static void
say(const char *tag, const char *fmt, va_list ap)
{
	printf("%-9s", tag);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void
check_ok(struct check *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	say("ok:", fmt, ap);
	va_end(ap);
}

void
check_warn(struct check *c, const char *fmt, ...)
{
	va_list ap;

	c->warnings++;
	va_start(ap, fmt);
	say("WARNING:", fmt, ap);
	va_end(ap);
}

void
check_error(struct check *c, const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	say("ERROR:", fmt, ap);
	va_end(ap);
}

int
check_done(const struct check *c, const char *what)
{
	if (c->errors > 0)
		printf("%s: %d problem%s, %d warning%s\n", what, c->errors,
		    c->errors == 1 ? "" : "s", c->warnings,
		    c->warnings == 1 ? "" : "s");
	else
		printf("%s: ready (%d warning%s)\n", what, c->warnings,
		    c->warnings == 1 ? "" : "s");
	return c->errors > 0 ? 1 : 0;
}

int
check_secret_file(
    struct check *c, const char *what, const char *path, const char *user)
{
	struct stat st;
	struct passwd *pw;

	if (lstat(path, &st) != 0) {
		check_error(c, "%s %s: %s: check the path in the config", what,
		    path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		check_error(c,
		    "%s %s is a symbolic link: give the file's real path", what,
		    path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		check_error(c, "%s %s is not a regular file", what, path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		check_error(c,
		    "%s %s has mode %04o, open to group or others: chmod 600 "
		    "%s",
		    what, path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	if (user != NULL && user[0] != '\0' && geteuid() == 0 &&
	    (pw = getpwnam(user)) != NULL && st.st_uid != pw->pw_uid &&
	    st.st_uid != 0) {
		check_error(c,
		    "%s %s belongs to uid %u, neither root nor %s: chown %s "
		    "%s",
		    what, path, (unsigned)st.st_uid, user, user, path);
		return -1;
	}
	return 0;
}

void
check_cert(struct check *c, const char *what, const char *pem, size_t len,
    const char *fix)
{
	int64_t after, left;

	if (certexp_not_after(pem, len, &after) != 0) {
		check_error(
		    c, "%s is not a readable certificate: %s", what, fix);
		return;
	}
	left = after - (int64_t)time(NULL);
	if (left <= 0)
		check_error(c, "%s expired %lld day%s ago: %s", what,
		    (long long)(-left / DAY_S), -left / DAY_S == 1 ? "" : "s",
		    fix);
	else if (left < (int64_t)CHECK_CERT_WARN_DAYS * DAY_S)
		check_warn(c, "%s expires in %lld day%s: %s", what,
		    (long long)(left / DAY_S), left / DAY_S == 1 ? "" : "s",
		    fix);
	else
		check_ok(c, "%s valid for %lld more days", what,
		    (long long)(left / DAY_S));
}

void
check_cert_file(
    struct check *c, const char *what, const char *path, const char *fix)
{
	uint8_t *pem = NULL;
	size_t len = 0;

	if (file_read_alloc(path, CERT_FILE_MAX, &pem, &len) != 0) {
		check_error(c, "%s %s cannot be read: %s", what, path, fix);
		return;
	}
	check_cert(c, what, (const char *)pem, len, fix);
	free(pem);
}
