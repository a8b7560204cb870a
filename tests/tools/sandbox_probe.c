/*
 * sandbox_probe ROLE WRITE_DIR OUTSIDE_DIR [USER]: confines itself as the
 * daemon ROLE (hubd, smsd, kioskd) does -- drop from root to USER, then
 * sandbox_enter with WRITE_DIR as the one place it writes -- once per
 * probe, each in a forked child, and tries what an attacker inside the
 * daemon would, and what the daemon itself needs. Prints "ok - ..." or
 * "not ok - ..." per probe; exits 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "util/daemon.h"
#include "util/log.h"
#include "util/sandbox.h"

/* What a probe's child reports when it was not killed. */
enum { DID_WORK = 0, REFUSED = 10, OTHER_ERROR = 11, SETUP_FAILED = 12 };

struct env {
	enum sandbox_role role;
	const char *write_dir;
	const char *outside;
	const char *user;
	int listen_fd; /* a loopback listener made before confinement */
	struct sockaddr_in addr; /* its address */
	int pre_sock; /* a TCP socket made before confinement */
};

static int
result(long rc)
{
	if (rc >= 0)
		return DID_WORK;
	return (errno == EPERM || errno == EACCES) ? REFUSED : OTHER_ERROR;
}

static int
p_dumpable(const struct env *e)
{
	(void)e;
	return result(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
}

static int
p_mprotect_rwx(const struct env *e)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)e;
	if (p == MAP_FAILED)
		return SETUP_FAILED;
	return result(mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
}

static int
p_mmap_exec(const struct env *e)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)e;
	return p == MAP_FAILED ? result(-1) : DID_WORK;
}

static int
p_memfd(const struct env *e)
{
	(void)e;
	return result(syscall(SYS_memfd_create, "x", 0));
}

static int
p_io_uring(const struct env *e)
{
	struct io_uring_params params;

	(void)e;
	memset(&params, 0, sizeof(params));
	return result(syscall(SYS_io_uring_setup, 4, &params));
}

static int
p_netlink(const struct env *e)
{
	(void)e;
	return result(socket(AF_NETLINK, SOCK_RAW, 0));
}

static int
p_unix(const struct env *e)
{
	(void)e;
	return result(socket(AF_UNIX, SOCK_STREAM, 0));
}

static int
p_inet(const struct env *e)
{
	(void)e;
	return result(socket(AF_INET, SOCK_STREAM, 0));
}

/* With a socket made before confinement, as an attacker would reuse one. */
static int
p_connect_pre(const struct env *e)
{
	return result(connect(
	    e->pre_sock, (const struct sockaddr *)&e->addr, sizeof(e->addr)));
}

static int
p_connect_new(const struct env *e)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return result(fd);
	return result(
	    connect(fd, (const struct sockaddr *)&e->addr, sizeof(e->addr)));
}

static int
p_bind(const struct env *e)
{
	struct sockaddr_in a = e->addr;

	a.sin_port = 0;
	return result(
	    bind(e->pre_sock, (const struct sockaddr *)&a, sizeof(a)));
}

static int
path_in(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
p_creat_outside(const struct env *e)
{
	char path[512];

	if (path_in(path, sizeof(path), e->outside, "created") != 0)
		return SETUP_FAILED;
	return result(open(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
}

static int
p_write_outside(const struct env *e)
{
	char path[512];

	if (path_in(path, sizeof(path), e->outside, "existing") != 0)
		return SETUP_FAILED;
	return result(open(path, O_WRONLY));
}

static int
p_chmod(const struct env *e)
{
	char path[512];

	if (path_in(path, sizeof(path), e->write_dir, "mine") != 0)
		return SETUP_FAILED;
	return result(chmod(path, 0777));
}

static int
p_symlink(const struct env *e)
{
	char path[512];

	if (path_in(path, sizeof(path), e->write_dir, "link") != 0)
		return SETUP_FAILED;
	return result(symlink("/etc/shadow", path));
}

static int
p_link(const struct env *e)
{
	char from[512], to[512];

	if (path_in(from, sizeof(from), e->write_dir, "mine") != 0 ||
	    path_in(to, sizeof(to), e->write_dir, "hardlink") != 0)
		return SETUP_FAILED;
	return result(link(from, to));
}

static int
p_setsid(const struct env *e)
{
	(void)e;
	return result(setsid());
}

static int
p_execve(const struct env *e)
{
	char *const argv[] = {"true", NULL};

	(void)e;
	return result(execv("/bin/true", argv));
}

static int
p_ptrace(const struct env *e)
{
	(void)e;
	return result(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static int
p_unshare(const struct env *e)
{
	(void)e;
	return result(unshare(CLONE_NEWUSER));
}

static int
p_fork(const struct env *e)
{
	pid_t pid;

	(void)e;
	pid = fork();
	if (pid == 0)
		_exit(0);
	return result(pid);
}

/* What the daemons need. */
static void *
thread_fn(void *arg)
{
	return arg;
}

static int
w_thread(const struct env *e)
{
	pthread_t t;
	void *ret = NULL;

	(void)e;
	if (pthread_create(&t, NULL, thread_fn, (void *)1) != 0 ||
	    pthread_join(t, &ret) != 0 || ret != (void *)1)
		return OTHER_ERROR;
	return DID_WORK;
}

/* A database's journal: create, write, sync, truncate, remove. */
static int
w_journal(const struct env *e)
{
	char path[512];
	int fd;

	if (path_in(path, sizeof(path), e->write_dir, "probe-journal") != 0)
		return SETUP_FAILED;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return result(fd);
	if (write(fd, "x", 1) != 1 || fsync(fd) != 0 || ftruncate(fd, 0) != 0)
		return result(-1);
	close(fd);
	return result(unlink(path));
}

static int
w_read_outside(const struct env *e)
{
	char path[512], c;
	int fd;

	if (path_in(path, sizeof(path), e->outside, "existing") != 0)
		return SETUP_FAILED;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return result(fd);
	return result(read(fd, &c, 1));
}

static int
w_locked_memory(const struct env *e)
{
	unsigned char *p = sodium_malloc(4096);

	(void)e;
	if (p == NULL)
		return OTHER_ERROR;
	randombytes_buf(p, 4096);
	sodium_free(p);
	return DID_WORK;
}

/* What the daemons' signal thread is at shutdown: cancelled in sigwait. */
static void *
wait_forever(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigwait(&set, &sig);
	return arg;
}

static int
w_cancel(const struct env *e)
{
	pthread_t t;
	sigset_t set;
	void *ret = NULL;

	(void)e;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, wait_forever, NULL) != 0)
		return OTHER_ERROR;
	usleep(20000);
	if (pthread_cancel(t) != 0 || pthread_join(t, &ret) != 0 ||
	    ret != PTHREAD_CANCELED)
		return OTHER_ERROR;
	return DID_WORK;
}

/* The hub's name, as the forwarder looks it up (glibc, NSS). */
static int
w_resolve(const struct env *e)
{
	struct addrinfo hints, *ai = NULL;

	(void)e;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if (getaddrinfo("localhost", "443", &hints, &ai) != 0)
		return OTHER_ERROR;
	freeaddrinfo(ai);
	return DID_WORK;
}

static int
w_forward(const struct env *e)
{
	return p_connect_new(e);
}

/* util/sandbox.c lets a sanitizer build's LeakSanitizer prctl, ptrace
 * and clone a tracer: there those probes cannot be refused. */
#if defined(__SANITIZE_ADDRESS__)
#define PROBE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROBE_SANITIZER 1
#endif
#endif
#ifndef PROBE_SANITIZER
#define PROBE_SANITIZER 0
#endif

enum want { KILLED_OR_REFUSED, WORKS, REFUSED_BUT_SANITIZER };

struct probe {
	const char *what;
	int (*fn)(const struct env *);
	enum want hubd, device; /* device: smsd and kioskd */
};

static const struct probe probes[] = {
    {"prctl(PR_SET_DUMPABLE, 1)", p_dumpable, REFUSED_BUT_SANITIZER,
	REFUSED_BUT_SANITIZER},
    {"mprotect to read-write-execute", p_mprotect_rwx, KILLED_OR_REFUSED,
	KILLED_OR_REFUSED},
    {"mmap with PROT_EXEC", p_mmap_exec, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"memfd_create", p_memfd, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"io_uring_setup", p_io_uring, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"socket(AF_NETLINK)", p_netlink, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"socket(AF_UNIX)", p_unix, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"socket(AF_INET)", p_inet, KILLED_OR_REFUSED, WORKS},
    {"connect out on a socket made before confinement", p_connect_pre,
	KILLED_OR_REFUSED, WORKS},
    {"bind a new port", p_bind, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"create a file outside the write paths", p_creat_outside,
	KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"open a file outside the write paths for writing", p_write_outside,
	KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"chmod", p_chmod, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"symlink", p_symlink, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"link", p_link, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"setsid", p_setsid, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"execve", p_execve, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"ptrace", p_ptrace, REFUSED_BUT_SANITIZER, REFUSED_BUT_SANITIZER},
    {"unshare", p_unshare, KILLED_OR_REFUSED, KILLED_OR_REFUSED},
    {"fork", p_fork, REFUSED_BUT_SANITIZER, REFUSED_BUT_SANITIZER},
    {"threads start and join", w_thread, WORKS, WORKS},
    {"a journal in the write path: create, write, sync, remove", w_journal,
	WORKS, WORKS},
    {"read a file outside the write paths", w_read_outside, WORKS, WORKS},
    {"locked memory and random bytes (libsodium)", w_locked_memory, WORKS,
	WORKS},
    {"connect to the hub on a new socket", w_forward, KILLED_OR_REFUSED, WORKS},
    {"a thread cancelled in sigwait", w_cancel, WORKS, WORKS},
    {"look up the hub's name (localhost)", w_resolve, KILLED_OR_REFUSED, WORKS},
};

static int
confine(const struct env *e)
{
	struct sandbox_policy sp;

	if (daemon_drop_privileges(e->user) != 0)
		return -1;
	sandbox_policy_init(&sp, e->role);
	if (sandbox_policy_allow_write(&sp, e->write_dir, 0) != 0)
		return -1;
	if (e->role != SANDBOX_HUBD &&
	    sandbox_policy_resolve(&sp, "https://localhost:8443/") != 0)
		return -1;
	return sandbox_enter(&sp);
}

static int
run(const struct env *e, const struct probe *p, const char *name)
{
	enum want want = e->role == SANDBOX_HUBD ? p->hubd : p->device;
	int status = 0, good;
	char how[64];
	pid_t pid;

	if (want == REFUSED_BUT_SANITIZER) {
		if (PROBE_SANITIZER) {
			printf("ok - %s: %s: skipped: a sanitizer build allows "
			       "it\n",
			    name, p->what);
			return 0;
		}
		want = KILLED_OR_REFUSED;
	}

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (confine(e) != 0)
			_exit(SETUP_FAILED);
		_exit(p->fn(e));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status)) {
		snprintf(how, sizeof(how), "killed by signal %d%s",
		    WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (SIGSYS)" : "");
		good = want == KILLED_OR_REFUSED && WTERMSIG(status) == SIGSYS;
	} else {
		int c = WEXITSTATUS(status);
		snprintf(how, sizeof(how), "%s",
		    c == DID_WORK       ? "works"
		    : c == REFUSED      ? "refused (EPERM/EACCES)"
		    : c == SETUP_FAILED ? "setup failed"
					: "failed otherwise");
		good = want == WORKS ? c == DID_WORK : c == REFUSED;
	}
	printf("%s - %s: %s %s: %s\n", good ? "ok" : "not ok", name, p->what,
	    want == WORKS ? "works" : "is refused", how);
	return good ? 0 : 1;
}

static int
setup(struct env *e)
{
	socklen_t len = sizeof(e->addr);
	char path[512];
	int fd;

	memset(&e->addr, 0, sizeof(e->addr));
	e->addr.sin_family = AF_INET;
	e->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	e->pre_sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->listen_fd < 0 || e->pre_sock < 0 ||
	    bind(e->listen_fd, (struct sockaddr *)&e->addr, len) != 0 ||
	    listen(e->listen_fd, 64) != 0 ||
	    getsockname(e->listen_fd, (struct sockaddr *)&e->addr, &len) != 0)
		return -1;
	/* A file outside to write to, one inside to chmod and link. */
	if (path_in(path, sizeof(path), e->outside, "existing") != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0 ||
	    write(fd, "x", 1) != 1 || close(fd) != 0 || chmod(path, 0666) != 0)
		return -1;
	if (path_in(path, sizeof(path), e->write_dir, "mine") != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    close(fd) != 0)
		return -1;
	/* The write folder and what is in it belong to the daemon's user,
	 * so only the sandbox can be what refuses. */
	if (e->user != NULL && geteuid() == 0) {
		struct passwd *pw = getpwnam(e->user);
		if (pw == NULL || chown(path, pw->pw_uid, pw->pw_gid) != 0 ||
		    chown(e->write_dir, pw->pw_uid, pw->pw_gid) != 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const roles[] = {"hubd", "smsd", "kioskd"};
	struct env e;
	int bad = 0, found = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: sandbox_probe hubd|smsd|kioskd "
				"WRITE_DIR OUTSIDE_DIR [USER]\n");
		return 2;
	}
	memset(&e, 0, sizeof(e));
	for (int i = 0; i < 3; i++)
		if (strcmp(argv[1], roles[i]) == 0) {
			e.role = (enum sandbox_role)i;
			found = 1;
		}
	e.write_dir = argv[2];
	e.outside = argv[3];
	e.user = argc == 5 ? argv[4] : NULL;
	log_quiet(1);
	if (!found || sodium_init() < 0 || setup(&e) != 0) {
		fprintf(stderr, "sandbox_probe: cannot set up\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (run(&e, &probes[i], argv[1]) != 0)
			bad = 1;
	return bad;
}
