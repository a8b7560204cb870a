#ifndef UTIL_LANDLOCK_H
#define UTIL_LANDLOCK_H

#include <limits.h>
#include <stddef.h>

/*
 * Landlock through its system calls (no library): once applied, the
 * calling thread and every thread and process it starts can create,
 * write, truncate, remove or run files only as the rules allow, and
 * cannot bind TCP ports (nor connect, with LANDLOCK_NO_CONNECT) nor
 * signal processes outside the domain. Reading is left to file
 * permissions.
 */
#define LANDLOCK_NO_CONNECT 1

/*
 * Writes allowed beneath each of paths (a directory: create, write,
 * truncate, remove; an existing file or device: write, truncate,
 * ioctl). 0 when applied, 1 when this kernel has no Landlock (a notice
 * is logged, nothing changed), -1 on error. The caller has set
 * no_new_privs.
 */
int landlock_restrict(const char (*paths)[PATH_MAX], size_t npaths, int flags);

/* The kernel's Landlock ABI version, or 0 without Landlock. */
int landlock_abi(void);

#endif
