#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/log.h"

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
file_write_atomic(
    const char *path, const void *data, size_t len, mode_t mode, int flags)
{
	char tmp[PATH_MAX];
	unsigned char rnd[6];
	int fd = -1, rc = -1, n;
	FILE *ur;

	if (flags & FILE_SECRET)
		mode = 0600;
	/* A random suffix so two writers cannot collide on the temp name. */
	ur = fopen("/dev/urandom", "rb");
	if (ur == NULL || fread(rnd, 1, sizeof(rnd), ur) != sizeof(rnd)) {
		if (ur != NULL)
			fclose(ur);
		log_err("%s: cannot read /dev/urandom", path);
		return -1;
	}
	fclose(ur);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%02x%02x%02x%02x%02x%02x", path,
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		log_err("path too long");
		return -1;
	}
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		log_err("%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	/* The umask may have narrowed the mode; set exactly what was asked. */
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		log_err("%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		log_err("%s: close failed: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (flags & FILE_NOREPLACE) {
		/* link() fails if the target exists, unlike rename(). */
		if (link(tmp, path) != 0) {
			log_err("%s: %s", path,
			    errno == EEXIST ? "already exists, not replaced"
					    : strerror(errno));
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		log_err("%s: rename failed: %s", path, strerror(errno));
		goto out;
	}
	if (fsync_dir_of(path) != 0) {
		log_err(
		    "%s: directory fsync failed: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int
open_checked(const char *path, int flags, struct stat *st)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: cannot open: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		log_err("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((flags & FILE_SECRET) && (st->st_mode & 077) != 0) {
		log_err("%s: holds a secret but group or others can access "
			"it (mode %03o); run: chmod 600 %s",
		    path, (unsigned)(st->st_mode & 0777), path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
read_exact(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
file_read(const char *path, void *buf, size_t cap, size_t *len, int flags)
{
	struct stat st;
	int fd, rc = -1;

	fd = open_checked(path, flags, &st);
	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size > cap) {
		log_err("%s: too large (%lld bytes, at most %zu)", path,
		    (long long)st.st_size, cap);
		goto out;
	}
	if (read_exact(fd, buf, (size_t)st.st_size) != 0) {
		log_err("%s: read failed", path);
		goto out;
	}
	*len = (size_t)st.st_size;
	rc = 0;
out:
	close(fd);
	return rc;
}

int
file_read_alloc(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd, rc = -1;

	*out = NULL;
	fd = open_checked(path, 0, &st);
	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size > max) {
		log_err("%s: too large (%lld bytes, at most %zu)", path,
		    (long long)st.st_size, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		log_err("out of memory");
		goto out;
	}
	if (read_exact(fd, buf, (size_t)st.st_size) != 0) {
		log_err("%s: read failed", path);
		goto out;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int
file_mkdir(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			log_err("%s: mkdir: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
		log_err("%s: mkdir: %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

FILE *
file_create_stream(const char *path, mode_t mode)
{
	int fd;
	FILE *fp;

	if (path == NULL)
		return stdout;
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		log_err("%s: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}
