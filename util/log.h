#ifndef UTIL_LOG_H
#define UTIL_LOG_H

/*
 * One line per event on stderr. Callers never pass personal data or
 * secrets; the format strings in this project are reviewed for that.
 */
void log_init(const char *progname);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Silences info lines; tests use it to keep their output readable. */
void log_quiet(int quiet);

#endif
