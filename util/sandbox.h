#ifndef UTIL_SANDBOX_H
#define UTIL_SANDBOX_H

#include <limits.h>
#include <stddef.h>

/*
 * Confine a daemon once it is set up (port bound, keys read, privileges
 * dropped, databases open) and before it starts any thread: an allow
 * list of system calls per daemon (seccomp; anything else kills the
 * process), and, where the kernel has Landlock, file creation and writes
 * only beneath the paths the daemon writes to.
 *
 * The seccomp lists were found by running the whole end-to-end suite with
 * the filter logging instead of killing (build with
 * EXTRA_CFLAGS=-DSANDBOX_LOG and read the kernel log); the suite runs with
 * the filter killing, so a call the list forgot fails a test. Sanitizer
 * builds add what ASan and LeakSanitizer need, and only they.
 */
enum sandbox_role {
	SANDBOX_HUBD, /* TLS server; never opens a socket or connects out */
	SANDBOX_SMSD, /* TLS server; forwards to the hub (IPv4/IPv6) */
	SANDBOX_KIOSKD /* loopback HTTP; forwards to the hub; prints */
};

/* Paths a daemon may write beneath: its database folder, a printer. */
#define SANDBOX_MAX_PATHS 4
#define SANDBOX_HOST_MAX 256

struct sandbox_policy {
	enum sandbox_role role;
	/* Threads a library started before confinement (at most): seccomp
	 * covers them, Landlock does not. */
	int library_threads;
	size_t npaths;
	char paths[SANDBOX_MAX_PATHS][PATH_MAX];
	/* The hub's host name, looked up once before confinement: glibc
	 * loads the NSS modules nsswitch.conf names (mdns, myhostname...)
	 * as code, which the filter would refuse later. */
	char resolve[SANDBOX_HOST_MAX];
};

/* An empty policy for role. */
void sandbox_policy_init(struct sandbox_policy *p, enum sandbox_role role);

/*
 * Let the daemon create, write, truncate and remove files beneath path
 * (a directory), or write to path (an existing file or device). With
 * parent set, the folder that holds path instead (a database and its
 * journal files). -1 when the list is full or the path too long.
 */
int sandbox_policy_allow_write(
    struct sandbox_policy *p, const char *path, int parent);

/* The host of url (the hub's, from the device bundle) for p->resolve. */
int sandbox_policy_resolve(struct sandbox_policy *p, const char *url);

/*
 * No new privileges, Landlock (a logged notice where the kernel has
 * none), then the seccomp filter. Refuses (-1) once more threads run
 * than this one and p->library_threads: Landlock binds only the calling
 * thread and those it starts.
 */
int sandbox_enter(const struct sandbox_policy *p)
    __attribute__((warn_unused_result));

#endif
