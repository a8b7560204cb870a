#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

#include "util/daemon.h"
#include "util/version.h"
#include "util/log.h"

static void
stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void
daemon_block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *
wait_signal(void *arg)
{
	struct daemon_signals *ds = arg;
	sigset_t set;
	int sig;

	stop_set(&set);
	if (sigwait(&set, &sig) == 0) {
		log_info("signal %d: stopping", sig);
		ds->on_stop(ds->arg);
	}
	return NULL;
}

int
daemon_signals_start(
    struct daemon_signals *ds, void (*on_stop)(void *), void *arg)
{
	ds->on_stop = on_stop;
	ds->arg = arg;
	if (pthread_create(&ds->thread, NULL, wait_signal, ds) != 0) {
		log_err("cannot start the signal thread");
		return -1;
	}
	ds->started = 1;
	return 0;
}

void
daemon_signals_stop(struct daemon_signals *ds)
{
	if (!ds->started)
		return;
	/* sigwait is a cancellation point. */
	pthread_cancel(ds->thread);
	pthread_join(ds->thread, NULL);
	ds->started = 0;
}

/*
 * Empty the capability bounding set (needs CAP_SETPCAP: done while still
 * root), so nothing this process becomes can hold a capability again,
 * and clear the ambient set a service manager may have given.
 */
static int
drop_bounding_set(void)
{
	int cap;

	/* PR_CAPBSET_READ fails (EINVAL) past the kernel's last cap. */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			log_err("cannot drop capability %d: %s", cap,
			    strerror(errno));
			return -1;
		}
	return 0;
}

/* Started as a plain user (systemd User=, perhaps with an ambient
 * CAP_NET_BIND_SERVICE to bind): give up whatever it was given. */
static int
drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int held = 0;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL) {
		log_err(
		    "cannot clear ambient capabilities: %s", strerror(errno));
		return -1;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0) {
		log_err("cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		held |= data[i].permitted != 0;
	/* capset only when there is something to give up: a unit's
	 * system call filter may refuse it otherwise. */
	memset(data, 0, sizeof(data));
	if (held && syscall(SYS_capset, &hdr, data) != 0) {
		log_err("cannot clear capabilities: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return drop_capabilities();
	if (user == NULL || user[0] == '\0') {
		log_err("started as root but no user= is configured");
		return -1;
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		log_err(
		    "user %s does not exist (useradd --system %s)", user, user);
		return -1;
	}
	if (drop_bounding_set() != 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		return -1;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_err("cannot switch to user %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_err("could regain root after dropping it; stopping");
		return -1;
	}
	/* Changing uid resets "dumpable" to fs.suid_dumpable: set it again
	 * so a host with suid_dumpable = 1 cannot have our memory read. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		log_err("cannot mark the process non-dumpable");
		return -1;
	}
	log_info("running as %s", user);
	return 0;
}

static int
daemon_usage(const char *prog, const char *about, int rc)
{
	fprintf(rc == 0 ? stdout : stderr,
	    "usage: %s --config FILE\n"
	    "       %s --check-config FILE\n"
	    "       %s --version\n"
	    "%s",
	    prog, prog, prog, about);
	return rc;
}

int
daemon_args(int argc, char **argv, const char *prog, const char *about,
    struct daemon_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->config = NULL;
	o->check = NULL;
	while ((c = getopt_long(argc, argv, "c:C:hV", longopts, NULL)) != -1) {
		if (c == 'c')
			o->config = optarg;
		else if (c == 'C')
			o->check = optarg;
		else if (c == 'V') {
			printf("%s %s\n", prog, RJ_VERSION);
			return 0;
		} else
			return daemon_usage(prog, about, c == 'h' ? 0 : 2);
	}
	if (optind != argc || (o->config == NULL) == (o->check == NULL))
		return daemon_usage(prog, about, 2);
	return -1;
}
