#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "util/conf.h"
#include "util/log.h"

int
conf_str(char *dst, size_t cap, const char *value)
{
	int n = snprintf(dst, cap, "%s", value);

	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int
conf_int(int *dst, const char *value, int lo, int hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0' || end == value || n < lo || n > hi)
		return -1;
	*dst = (int)n;
	return 0;
}

int
conf_digits(char *dst, size_t cap, const char *value)
{
	for (size_t i = 0; value[i] != '\0'; i++)
		if (value[i] < '0' || value[i] > '9')
			return -1;
	return conf_str(dst, cap, value);
}

int
conf_bool(int *dst, const char *value)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*dst = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*dst = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * inih (as Debian builds it) ends a value at " ;" but not at " #", so a
 * line copied from the docs ("port = 443   # the default") used to keep
 * its comment as part of the value. Both now start a comment when
 * whitespace comes before them, as at the start of a line.
 */
#define CONF_VALUE_MAX 1024

struct conf_wrap {
	int (*handler)(void *, const char *, const char *, const char *);
	void *user;
};

static int
strip_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct conf_wrap *w = user;
	char buf[CONF_VALUE_MAX];
	size_t n = strlen(value), i;
	int rc;

	if (n >= sizeof(buf)) {
		log_err("config: [%s] %s: value longer than %d bytes", section,
		    name, CONF_VALUE_MAX - 1);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((value[i] == '#' || value[i] == ';') && i > 0 &&
		    (value[i - 1] == ' ' || value[i - 1] == '\t'))
			break;
	while (i > 0 && (value[i - 1] == ' ' || value[i - 1] == '\t'))
		i--;
	memcpy(buf, value, i);
	buf[i] = '\0';
	rc = w->handler(w->user, section, name, buf);
	/* A value may be a secret or a path: leave no copy behind. */
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int
conf_parse(const char *path,
    int (*handler)(void *, const char *, const char *, const char *),
    void *user, const int *bad)
{
	struct conf_wrap w = {handler, user};
	int line = ini_parse(path, strip_handler, &w);

	if (line < 0) {
		log_err("%s: cannot read", path);
		return -1;
	}
	if (line > 0 || *bad) {
		log_err("%s: error on line %d", path, line);
		return -1;
	}
	return 0;
}
