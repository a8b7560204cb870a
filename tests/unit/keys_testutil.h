#ifndef TESTS_KEYS_TESTUTIL_H
#define TESTS_KEYS_TESTUTIL_H

/*
 * Helpers for the damaged-key tests (test_keys_damage.c, test_keys_tls.c):
 * a private folder, copies written without fsync (thousands are), stderr
 * captured to read a loader's message, and the ways a byte is changed.
 * Include testutil.h first.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "util/file.h"

#define RAW_MAX 16384

struct env {
	char *dir;
	char path[PATH_MAX]; /* the damaged copy */
	char logpath[PATH_MAX];
	int logfd, saved_err;
};

static inline int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->dir = testutil_tmpdir();
	snprintf(e->path, sizeof(e->path), "%s/copy", e->dir);
	snprintf(e->logpath, sizeof(e->logpath), "%s/stderr", e->dir);
	e->logfd = open(e->logpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(e->logfd >= 0);
	e->saved_err = -1;
	*state = e;
	return 0;
}

static inline int
teardown(void **state)
{
	struct env *e = *state;

	close(e->logfd);
	testutil_rmdir(e->dir);
	free(e);
	return 0;
}

static inline char *
in_dir(struct env *e, const char *name)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", e->dir, name);
	return buf;
}

/* A test's own write: no fsync, thousands of copies are written. */
static inline void
write_copy(const char *path, const uint8_t *data, size_t len)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static inline size_t
read_raw(const char *path, uint8_t *out, size_t cap)
{
	size_t len = 0;

	assert_int_equal(file_read(path, out, cap, &len, 0), 0);
	return len;
}

/* stderr goes to a file while a loader runs, to read its message. */
static inline void
capture_begin(struct env *e)
{
	fflush(stderr);
	assert_int_equal(ftruncate(e->logfd, 0), 0);
	assert_int_equal(lseek(e->logfd, 0, SEEK_SET), 0);
	e->saved_err = dup(2);
	assert_true(e->saved_err >= 0);
	assert_int_equal(dup2(e->logfd, 2), 2);
}

static inline void
capture_end(struct env *e, char *out, size_t cap)
{
	ssize_t n;

	fflush(stderr);
	assert_int_equal(dup2(e->saved_err, 2), 2);
	close(e->saved_err);
	e->saved_err = -1;
	n = pread(e->logfd, out, cap - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
}

/* The message a damaged file must give: its name, and what happened. */
static inline int
clear_error(const struct env *e, const char *msg)
{
	return strstr(msg, e->path) != NULL &&
	       (strstr(msg, "damaged") != NULL ||
		   strstr(msg, "does not match") != NULL);
}

/* Variants of one byte: each bit alone, all bits, and a random value. */
#define VARIANTS 10
static inline uint8_t
variant(uint8_t b, int v)
{
	uint8_t r;

	if (v < 8)
		return b ^ (uint8_t)(1u << v);
	if (v == 8)
		return b ^ 0xff;
	do
		r = (uint8_t)randombytes_uniform(256);
	while (r == b);
	return r;
}

#endif
