#ifndef UTIL_UTF8_H
#define UTIL_UTF8_H

#include <stddef.h>

/*
 * 1 if s[0..len) is well-formed UTF-8 with no NUL: no overlong forms, no
 * UTF-16 surrogates, nothing past U+10FFFF. Input from the public is
 * checked with this before any of it is stored or shown.
 */
int utf8_valid(const char *s, size_t len);

#endif
