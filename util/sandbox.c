#include <curl/curl.h>
#include <dirent.h>
#include <dlfcn.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/lp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>

#include <seccomp.h>

#include "util/landlock.h"
#include "util/log.h"
#include "util/sandbox.h"

/* LeakSanitizer stops the world with ptrace from a cloned helper, and
 * ASan reads /proc and names its threads: a sanitizer build allows those
 * calls so `make asan` can still report. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER 0
#endif

/* Development only: log what the filter would kill (kernel log, "audit:
 * type=1326 ... syscall=N") and let it run. */
#ifdef SANDBOX_LOG
#define SANDBOX_DEFAULT SCMP_ACT_LOG
#else
#define SANDBOX_DEFAULT SCMP_ACT_KILL_PROCESS
#endif

/*
 * What every daemon here does once running: read and write the sockets
 * and files it holds, open database journals (Landlock decides where),
 * lock and wipe memory (libsodium), run threads, wait and keep time.
 */
static const int common[] = {
    /* files and sockets already open */
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(lseek),
    SCMP_SYS(close),
    SCMP_SYS(fcntl),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(ftruncate),
    SCMP_SYS(flock),
    /* SQLite: journals and WAL beside the database, found by path */
    SCMP_SYS(openat),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(getcwd),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(geteuid),
    SCMP_SYS(getuid),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    /* connections the listener accepted */
    SCMP_SYS(accept4),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(shutdown),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_ctl),
    /* memory (mmap and mprotect are added without PROT_EXEC) */
    SCMP_SYS(brk),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(mlock),
    SCMP_SYS(munlock),
    /* threads, signals, time */
    SCMP_SYS(futex),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigtimedwait),
    SCMP_SYS(restart_syscall), /* a sleep resumed after SIGSTOP/SIGCONT */
    SCMP_SYS(tgkill),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(getrandom),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
};

/* The forwarder (libcurl with OpenSSL) and, for the kiosk, the printer. */
static const int client[] = {
    SCMP_SYS(connect),
    SCMP_SYS(sendmmsg), /* glibc's resolver asks for A and AAAA at once */
    SCMP_SYS(uname),
    SCMP_SYS(pipe2),
    SCMP_SYS(eventfd2),
};

/* kioskd draws slips with Pango, Cairo and fontconfig, which list
 * font folders and check their file systems for the font cache; its
 * printer writes with SIGPIPE blocked and takes back its own. */
static const int kiosk[] = {
    SCMP_SYS(rt_sigpending), /* the printer takes back its own SIGPIPE */
    SCMP_SYS(getdents64),
    SCMP_SYS(fstatfs),
    SCMP_SYS(statfs),
    SCMP_SYS(fadvise64),
};

/*
 * Refused (EPERM), not fatal, in kioskd only: fontconfig's cache writer,
 * which Pango runs in a thread of its own at any moment after start,
 * tries to make and chmod its cache folder; a kill there ended kioskd
 * mid-visit (tests/e2e/fault_disk.sh), and fontconfig copes with EPERM by
 * going without the cache. Landlock still refuses the write itself.
 */
static const int kiosk_refused[] = {
    SCMP_SYS(chmod),
    SCMP_SYS(fchmod),
    SCMP_SYS(fchmodat),
    SCMP_SYS(mkdir),
    SCMP_SYS(mkdirat),
};

/* What ASan, UBSan and LeakSanitizer add, in sanitizer builds only. */
static const int sanitizer[] = {
    SCMP_SYS(ptrace),
    SCMP_SYS(prctl),
    SCMP_SYS(wait4),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(getppid),
    SCMP_SYS(mincore),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(getdents),
    SCMP_SYS(getdents64),
    SCMP_SYS(open),
    SCMP_SYS(stat),
    SCMP_SYS(lstat),
    SCMP_SYS(kill),
    SCMP_SYS(socketpair),
};

void
sandbox_policy_init(struct sandbox_policy *p, enum sandbox_role role)
{
	memset(p, 0, sizeof(*p));
	p->role = role;
}

int
sandbox_policy_allow_write(
    struct sandbox_policy *p, const char *path, int parent)
{
	char buf[PATH_MAX];
	int n;

	if (p->npaths >= SANDBOX_MAX_PATHS) {
		log_err("sandbox: more than %d write paths", SANDBOX_MAX_PATHS);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		log_err("sandbox: write path too long");
		return -1;
	}
	/* dirname may return a static "." or write into buf. */
	n = snprintf(p->paths[p->npaths], sizeof(p->paths[0]), "%s",
	    parent ? dirname(buf) : buf);
	if (n < 0 || (size_t)n >= sizeof(p->paths[0])) {
		log_err("sandbox: write path too long");
		return -1;
	}
	p->npaths++;
	return 0;
}

int
sandbox_policy_resolve(struct sandbox_policy *p, const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int rc = -1, n;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		log_err("sandbox: cannot read the hub's host name");
		goto out;
	}
	n = snprintf(p->resolve, sizeof(p->resolve), "%s", host);
	if (n < 0 || (size_t)n >= sizeof(p->resolve)) {
		log_err("sandbox: the hub's host name is too long");
		p->resolve[0] = '\0';
		goto out;
	}
	rc = 0;
out:
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/*
 * What glibc loads as code only when first needed, loaded now while that
 * is still allowed: libgcc_s to unwind a cancelled thread (the signal
 * thread at shutdown), the NSS modules that resolve the hub's name.
 */
static void
preload(const struct sandbox_policy *p)
{
	struct addrinfo hints, *ai = NULL;

	if (dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE) == NULL)
		log_warn("sandbox: cannot preload libgcc_s: thread "
			 "cancellation may be refused");
	if (p->resolve[0] == '\0')
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	/* Failure is fine: the modules are loaded by then. */
	if (getaddrinfo(p->resolve, NULL, &hints, &ai) == 0)
		freeaddrinfo(ai);
}

/* Landlock binds only the calling thread (and those it starts later). */
static int
threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 1; /* no /proc: nothing to tell */
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int
allow_all(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) != 0) {
			log_err(
			    "sandbox: cannot allow system call %d", calls[i]);
			return -1;
		}
	return 0;
}

/*
 * socket(): the families a role needs; any other is refused with EACCES
 * rather than killed, as glibc itself probes a few (netlink for
 * getaddrinfo's AI_ADDRCONFIG, a unix socket for nscd) and copes.
 */
static int
add_socket_rules(scmp_filter_ctx ctx, int client_role)
{
	for (int fam = 0; fam < AF_MAX; fam++) {
		int ok = client_role && (fam == AF_INET || fam == AF_INET6);
		if (seccomp_rule_add(ctx,
			ok ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EACCES),
			SCMP_SYS(socket), 1,
			SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fam)) != 0)
			return -1;
	}
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
		SCMP_A0(SCMP_CMP_GE, (scmp_datum_t)AF_MAX)) != 0)
		return -1;
	/* libcurl wakes its own poll through a unix socket pair. */
	if (client_role &&
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
		SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)AF_UNIX)) != 0)
		return -1;
	return 0;
}

/* ioctl: the few requests in use (stdio's isatty, the printer's status,
 * libcurl's non-blocking and pending-byte checks). */
static int
add_ioctl_rules(scmp_filter_ctx ctx, enum sandbox_role role)
{
	static const unsigned long reqs[] = {TCGETS, FIONBIO, FIONREAD};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)reqs[i])) != 0)
			return -1;
	if (role == SANDBOX_KIOSKD &&
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)LPGETSTATUS)) != 0)
		return -1;
	return 0;
}

static int
add_rules(scmp_filter_ctx ctx, enum sandbox_role role)
{
	int client_role = role != SANDBOX_HUBD;

	if (allow_all(ctx, common, sizeof(common) / sizeof(common[0])) != 0)
		return -1;
	if (client_role &&
	    allow_all(ctx, client, sizeof(client) / sizeof(client[0])) != 0)
		return -1;
	if (role == SANDBOX_KIOSKD &&
	    allow_all(ctx, kiosk, sizeof(kiosk) / sizeof(kiosk[0])) != 0)
		return -1;
	for (size_t i = 0; role == SANDBOX_KIOSKD &&
			   i < sizeof(kiosk_refused) / sizeof(kiosk_refused[0]);
	     i++)
		if (seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), kiosk_refused[i], 0) != 0)
			return -1;
	/* prctl: GLib names the threads Pango starts; nothing else. */
	if (role == SANDBOX_KIOSKD &&
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME)) != 0)
		return -1;
	if (SANDBOX_SANITIZER &&
	    allow_all(
		ctx, sanitizer, sizeof(sanitizer) / sizeof(sanitizer[0])) != 0)
		return -1;
	/* Nothing new becomes executable: no W^X escape, no loaded code. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0)
		return -1;
	if (add_socket_rules(ctx, client_role) != 0 ||
	    add_ioctl_rules(ctx, role) != 0)
		return -1;
	/* Threads are clone(CLONE_THREAD|...); a new process is not. A
	 * sanitizer build's LeakSanitizer clones a tracer. */
	if (SANDBOX_SANITIZER
		? seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0)
		: seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)))
		return -1;
	/* clone3 hides its flags in memory a filter cannot read: say it
	 * does not exist, and glibc falls back to clone. */
	if (seccomp_rule_add(
		ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
		return -1;
	return 0;
}

static int
seccomp_enter(enum sandbox_role role)
{
	scmp_filter_ctx ctx;
	int rc = -1;

	ctx = seccomp_init(SANDBOX_DEFAULT);
	if (ctx == NULL) {
		log_err("sandbox: seccomp_init failed");
		return -1;
	}
	/* Apply to every thread already running (a library's), too. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
	    add_rules(ctx, role) != 0) {
		log_err("sandbox: cannot build the seccomp filter");
		goto out;
	}
	if (seccomp_load(ctx) != 0) {
		log_err("sandbox: cannot load the seccomp filter");
		goto out;
	}
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}

int
sandbox_enter(const struct sandbox_policy *p)
{
	static const char *const names[] = {"hubd", "smsd", "kioskd"};

	int n = threads();

	if (n > 1 + p->library_threads) {
		log_err("sandbox: %d other thread%s already running; "
			"confine before starting any",
		    n - 1, n == 2 ? " is" : "s are");
		return -1;
	}
	if (n > 1)
		log_info(
		    "sandbox: %d thread%s a library started stay%s outside "
		    "Landlock (seccomp covers them)",
		    n - 1, n == 2 ? "" : "s", n == 2 ? "s" : "");
	preload(p);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_err("sandbox: cannot set no_new_privs");
		return -1;
	}
	/* LeakSanitizer's tracer, inside the Landlock domain, may not
	 * ptrace threads outside it and would report false leaks. */
	if (SANDBOX_SANITIZER && n > 1)
		log_info("sandbox: sanitizer build: no Landlock, as library "
			 "threads run outside it");
	else if (landlock_restrict(p->paths, p->npaths,
		     p->role == SANDBOX_HUBD ? LANDLOCK_NO_CONNECT : 0) < 0) {
		log_err("sandbox: could not confine the process");
		return -1;
	}
	if (seccomp_enter(p->role) != 0) {
		log_err("sandbox: could not confine the process");
		return -1;
	}
	log_info("sandbox: %s allow list in place", names[p->role]);
	return 0;
}
