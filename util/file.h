#ifndef UTIL_FILE_H
#define UTIL_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

/* Refuse to replace an existing file (keys are never silently overwritten). */
#define FILE_NOREPLACE 0x1
/* The file holds a secret: mode 0600 and a group/other-readable file is
 * refused. */
#define FILE_SECRET 0x2

/*
 * Write data to path atomically: a temporary file beside it created with
 * O_EXCL|O_NOFOLLOW, written, fsync'd, renamed into place, directory
 * fsync'd. A crash leaves either the old file or the new one.
 */
int file_write_atomic(
    const char *path, const void *data, size_t len, mode_t mode, int flags);

/*
 * Read a whole regular file (never through a symlink) into buf. With
 * FILE_SECRET, a file that group or others may read is refused with a
 * message saying how to fix it.
 */
int file_read(const char *path, void *buf, size_t cap, size_t *len, int flags)
    __attribute__((warn_unused_result));

/* Same, into a malloc'd buffer of at most max bytes (plus a NUL). */
int file_read_alloc(const char *path, size_t max, uint8_t **out, size_t *len)
    __attribute__((warn_unused_result));

/*
 * A new file for a command's output, opened for writing: never over an
 * existing file, never through a symlink, created with mode. A NULL path
 * is stdout. NULL on failure, logged.
 */
FILE *file_create_stream(const char *path, mode_t mode);

/* mkdir -p with a mode for the leaf; existing directories are kept. */
int file_mkdir(const char *path, mode_t mode);

#endif
