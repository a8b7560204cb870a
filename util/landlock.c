#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/landlock.h"
#include "util/log.h"

/* Debian's kernel headers may predate the rights this kernel knows; the
 * values are the kernel's stable ABI. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* The ruleset attribute as of ABI 6; older kernels are given a prefix. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* Everything that changes the file tree or a file's contents. */
#define LL_WRITE_V1                                                            \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |       \
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |    \
	    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |        \
	    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |      \
	    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* What a database folder needs: its files, journals, WAL. */
#define LL_DIR_ALLOW                                                           \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE |      \
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_TRUNCATE |        \
	    LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define LL_FILE_ALLOW                                                          \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |         \
	    LANDLOCK_ACCESS_FS_IOCTL_DEV)

int
landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, (size_t)0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return v > 0 ? (int)v : 0;
}

static int
add_path(int ruleset, const char *path, uint64_t handled)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int rc = -1;

	memset(&pb, 0, sizeof(pb));
	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0) {
		log_err("sandbox: %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(pb.parent_fd, &st) != 0) {
		log_err("sandbox: %s: %s", path, strerror(errno));
		goto out;
	}
	pb.allowed_access =
	    (S_ISDIR(st.st_mode) ? LL_DIR_ALLOW : LL_FILE_ALLOW) & handled;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
		&pb, 0) != 0) {
		log_err(
		    "sandbox: landlock rule for %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(pb.parent_fd);
	return rc;
}

int
landlock_restrict(const char (*paths)[PATH_MAX], size_t npaths, int flags)
{
	struct ll_ruleset_attr attr;
	size_t attr_len = sizeof(attr.handled_access_fs);
	int abi = landlock_abi(), ruleset = -1, rc = -1;

	if (abi < 1) {
		log_info("sandbox: this kernel has no Landlock; file writes "
			 "are limited by file permissions only");
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_WRITE_V1 | LANDLOCK_ACCESS_FS_EXECUTE;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 4) {
		/* No rule for either: the daemon binds no new port, and with
		 * LANDLOCK_NO_CONNECT connects nowhere over TCP. */
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
		if (flags & LANDLOCK_NO_CONNECT)
			attr.handled_access_net |=
			    LANDLOCK_ACCESS_NET_CONNECT_TCP;
		attr_len = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 5)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped =
		    LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		attr_len = sizeof(attr);
	}
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_len, 0);
	if (ruleset < 0) {
		log_err(
		    "sandbox: landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < npaths; i++)
		if (add_path(ruleset, paths[i], attr.handled_access_fs) != 0)
			goto out;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
		log_err("sandbox: landlock_restrict_self: %s", strerror(errno));
		goto out;
	}
	log_info("sandbox: Landlock ABI %d: writes only beneath %zu path%s",
	    abi, npaths, npaths == 1 ? "" : "s");
	rc = 0;
out:
	close(ruleset);
	return rc;
}
