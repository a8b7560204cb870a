#ifndef UTIL_CONF_H
#define UTIL_CONF_H

#include <stddef.h>

/* Value checks for inih handlers: 0 when the value fits, -1 if not. */
int conf_str(char *dst, size_t cap, const char *value);
int conf_int(int *dst, const char *value, int lo, int hi);
/* Only the digits 0-9 (or nothing), fitting in cap. */
int conf_digits(char *dst, size_t cap, const char *value);
/* "true"/"yes"/"on"/"1" or "false"/"no"/"off"/"0". */
int conf_bool(int *dst, const char *value);

/*
 * ini_parse with the errors said once: the file unreadable, or the first
 * bad line (the handler logs what was wrong and sets *bad). Comments:
 * a line starting with '#' or ';', and from a '#' or ';' that follows a
 * space or tab to the end of the line, so a value never holds " #" or
 * " ;". The handler gets the value without the comment and without the
 * spaces before it.
 */
int conf_parse(const char *path,
    int (*handler)(void *, const char *, const char *, const char *),
    void *user, const int *bad);

/*
 * The same, and every [section] not in sections (NULL-terminated) is
 * reported with its line, naming the sections the file takes. A file
 * that cannot be opened says why (strerror).
 */
int conf_parse_sections(const char *path, const char *const *sections,
    int (*handler)(void *, const char *, const char *, const char *),
    void *user, const int *bad);

/* -1 and "PATH: [section] needs name = what" when value is empty. */
int conf_need(const char *path, const char *section, const char *name,
    const char *value, const char *what);

#endif
