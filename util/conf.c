#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
#define CONF_SECTION_MAX 64
#define CONF_LIST_MAX 256

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

/*
 * One line a mistake, saying where and what to do: a misspelled section
 * ("[hbud]") is otherwise skipped in silence, and every setting in it
 * then looks missing.
 */
static int
known_section(const char *name, const char *const *sections)
{
	for (size_t i = 0; sections[i] != NULL; i++)
		if (strcmp(name, sections[i]) == 0)
			return 1;
	return 0;
}

static int
sections_check(FILE *f, const char *path, const char *const *sections)
{
	char line[CONF_VALUE_MAX + 64], list[CONF_LIST_MAX];
	size_t used = 0;
	int lineno = 0, at_start = 1, bad = 0;

	list[0] = '\0';
	for (size_t i = 0; sections[i] != NULL; i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s[%s]",
		    i > 0 ? " " : "", sections[i]);

		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line;
		size_t len;
		int first = at_start;

		/* A line longer than the buffer comes in pieces. */
		at_start = strchr(line, '\n') != NULL;
		if (!first)
			continue;
		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '[')
			continue;
		len = strcspn(p + 1, "]\n");
		if (p[1 + len] != ']')
			continue;
		if (len >= CONF_SECTION_MAX)
			len = CONF_SECTION_MAX - 1;
		{
			char name[CONF_SECTION_MAX];

			memcpy(name, p + 1, len);
			name[len] = '\0';
			if (known_section(name, sections))
				continue;
			log_err("%s:%d: unknown section [%s]: this file takes "
				"%s (check the spelling)",
			    path, lineno, name, list);
			bad = 1;
		}
	}
	/* The file may be a secrets file: leave no copy behind. */
	explicit_bzero(line, sizeof(line));
	rewind(f);
	return bad ? -1 : 0;
}

int
conf_parse_sections(const char *path, const char *const *sections,
    int (*handler)(void *, const char *, const char *, const char *),
    void *user, const int *bad)
{
	struct conf_wrap w = {handler, user};
	FILE *f = NULL;
	int fd, line, rc = -1, sbad = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: cannot read: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (a symbolic link: give the file "
				     "it points to)"
				   : "");
		goto out;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		log_err("%s: cannot read: %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	if (sections != NULL && sections_check(f, path, sections) != 0)
		sbad = 1;
	line = ini_parse_file(f, strip_handler, &w);
	if (line < 0) {
		log_err("%s: cannot read: out of memory", path);
		goto out;
	}
	if (line > 0 || *bad) {
		/* The handler has said what was wrong with its line. */
		if (*bad)
			log_err("%s: error on line %d", path, line);
		else
			log_err("%s:%d: not name = value, a [section] or a "
				"comment",
			    path, line);
		goto out;
	}
	rc = sbad ? -1 : 0;
out:
	if (f != NULL)
		fclose(f);
	return rc;
}

int
conf_parse(const char *path,
    int (*handler)(void *, const char *, const char *, const char *),
    void *user, const int *bad)
{
	return conf_parse_sections(path, NULL, handler, user, bad);
}

int
conf_need(const char *path, const char *section, const char *name,
    const char *value, const char *what)
{
	if (value[0] != '\0')
		return 0;
	log_err("%s: [%s] needs %s = %s", path, section, name, what);
	return -1;
}
