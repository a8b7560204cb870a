#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sms/secrets.h"
#include "util/file.h"
#include "util/log.h"

struct secret {
	size_t name; /* offsets into buf */
	size_t value;
	size_t len;
};

struct secrets {
	char *buf; /* sodium_malloc'd, read-only after parsing */
	struct secret e[SECRETS_MAX];
	size_t n;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i > 0 && i < SECRETS_NAME_MAX;
}

/* Split buf (NUL-terminated, len bytes) into entries, in place. Errors
 * name the line, never its content. */
static int
parse(struct secrets *s, const char *path, size_t len)
{
	char *line = s->buf, *end, *eq, *name, *value, *p;
	size_t lineno = 0;

	while (line < s->buf + len) {
		lineno++;
		end = memchr(line, '\n', (size_t)(s->buf + len - line));
		if (end == NULL)
			end = s->buf + len;
		*end = '\0';
		for (p = line; is_blank(*p); p++)
			;
		if (*p == '\0' || *p == '#')
			goto next;
		if ((eq = strchr(p, '=')) == NULL) {
			log_err("%s: line %zu: expected name = value", path,
			    lineno);
			return -1;
		}
		name = p;
		for (p = eq; p > name && is_blank(p[-1]); p--)
			;
		*p = '\0';
		for (value = eq + 1; is_blank(*value); value++)
			;
		for (p = value + strlen(value); p > value && is_blank(p[-1]);
		     p--)
			;
		*p = '\0';
		if (!valid_name(name)) {
			log_err("%s: line %zu: a name is a-z, 0-9 and _", path,
			    lineno);
			return -1;
		}
		if (secrets_get(s, name, NULL) != NULL) {
			log_err("%s: %s given twice", path, name);
			return -1;
		}
		if (s->n == SECRETS_MAX) {
			log_err("%s: more than %d entries", path, SECRETS_MAX);
			return -1;
		}
		for (p = value; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				log_err("%s: line %zu: control character in "
					"the value",
				    path, lineno);
				return -1;
			}
		}
		s->e[s->n].name = (size_t)(name - s->buf);
		s->e[s->n].value = (size_t)(value - s->buf);
		s->e[s->n].len = strlen(value);
		s->n++;
	next:
		line = end + 1;
	}
	return 0;
}

struct secrets *
secrets_load(const char *path)
{
	struct secrets *s;
	size_t len;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_err("out of memory");
		return NULL;
	}
	if ((s->buf = sodium_malloc(SECRETS_FILE_MAX + 1)) == NULL) {
		log_err("out of locked memory");
		goto fail;
	}
	if (file_read(path, s->buf, SECRETS_FILE_MAX, &len, FILE_SECRET) != 0)
		goto fail;
	s->buf[len] = '\0';
	if (memchr(s->buf, '\0', len) != NULL) {
		log_err("%s: not a text file", path);
		goto fail;
	}
	if (parse(s, path, len) != 0)
		goto fail;
	sodium_mprotect_readonly(s->buf);
	return s;
fail:
	secrets_free(s);
	return NULL;
}

void
secrets_free(struct secrets *s)
{
	if (s == NULL)
		return;
	/* sodium_free makes the buffer writable again and wipes it. */
	sodium_free(s->buf);
	free(s);
}

const char *
secrets_get(const struct secrets *s, const char *name, size_t *len)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->buf + s->e[i].name, name) != 0)
			continue;
		if (len != NULL)
			*len = s->e[i].len;
		return s->buf + s->e[i].value;
	}
	return NULL;
}

int
secrets_get_key(
    const struct secrets *s, const char *name, uint8_t *out, size_t outlen)
{
	const char *v;
	size_t len, bin;

	if ((v = secrets_get(s, name, &len)) == NULL) {
		log_err("secrets: %s is missing", name);
		return -1;
	}
	if (len != 2 * outlen ||
	    sodium_hex2bin(out, outlen, v, len, NULL, &bin, NULL) != 0 ||
	    bin != outlen) {
		sodium_memzero(out, outlen);
		log_err("secrets: %s must be %zu hex digits", name, 2 * outlen);
		return -1;
	}
	return 0;
}
