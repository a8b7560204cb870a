#ifndef UTIL_DAEMON_H
#define UTIL_DAEMON_H

#include <pthread.h>

/*
 * What every daemon here does the same way: stop cleanly on SIGINT and
 * SIGTERM, and leave root behind once its port is bound and its keys are
 * read.
 */
struct daemon_signals {
	pthread_t thread;
	int started;
	void (*on_stop)(void *arg);
	void *arg;
};

/*
 * Block SIGINT/SIGTERM (and ignore SIGPIPE) in this thread and every
 * thread started after it; call before starting any thread.
 */
void daemon_block_signals(void);

/* A thread that waits for SIGINT/SIGTERM and calls on_stop(arg) once:
 * no handler, no global state, no async-signal-safety puzzle. */
int daemon_signals_start(
    struct daemon_signals *ds, void (*on_stop)(void *), void *arg);
void daemon_signals_stop(struct daemon_signals *ds);

/*
 * When running as root: empty the capability bounding and ambient sets,
 * switch to user (groups, gid, uid), check root cannot be regained, and
 * stay non-dumpable. Not root: give up any capability a service manager
 * passed (e.g. to bind a low port). Root with no user configured, or a
 * user that does not exist, is an error.
 */
int daemon_drop_privileges(const char *user);

struct daemon_opts {
	const char *config; /* --config FILE: run */
	const char *check; /* --check-config FILE: check and exit */
};

/*
 * The command line every daemon shares: --config FILE, --check-config
 * FILE, --help (usage, then about), --version. -1 with *o filled to go
 * on, or the exit status to return at once (0 for --help and --version,
 * 2 for a usage error) after printing.
 */
int daemon_args(int argc, char **argv, const char *prog, const char *about,
    struct daemon_opts *o);

#endif
