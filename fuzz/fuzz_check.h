/*
 * Shared by the fuzz targets: CHECK aborts (libFuzzer then keeps the
 * input as a crash), and fuzz_tmpfile writes an input to a file for the
 * loaders that take a path.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

/*
 * A private directory for this process (the loaders refuse symlinks and
 * loose modes, so it is made once, 0700, and removed at exit).
 */
static char fuzz_dir[256];

static inline void
fuzz_dir_remove(void)
{
	char cmd[300];

	if (fuzz_dir[0] == '\0')
		return;
	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir) <
	    (int)sizeof(cmd))
		(void)system(cmd);
}

static inline const char *
fuzz_dir_get(void)
{
	const char *base = getenv("FUZZ_TMPDIR");

	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	/* Memory, where there is some: the loaders fsync what they write,
	 * and a disk would make that most of the time spent. */
	if (base == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	CHECK((size_t)snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/rj-fuzz.XXXXXX",
		  base) < sizeof(fuzz_dir));
	CHECK(mkdtemp(fuzz_dir) != NULL);
	atexit(fuzz_dir_remove);
	return fuzz_dir;
}

/* Write data to dir/name with mode (replacing it); the path is returned
 * in path. */
static inline void
fuzz_write(char *path, size_t cap, const char *name, const uint8_t *data,
    size_t size, mode_t mode)
{
	int fd;

	CHECK((size_t)snprintf(path, cap, "%s/%s", fuzz_dir_get(), name) < cap);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	CHECK(fd >= 0);
	CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	CHECK(fchmod(fd, mode) == 0);
	CHECK(close(fd) == 0);
}

#endif
