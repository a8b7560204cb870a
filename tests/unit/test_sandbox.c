#include "tests/unit/testutil.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "util/sandbox.h"

static void *
thread_fn(void *arg)
{
	return arg;
}

/* Runs fn in a child that enters the sandbox first; returns its status. */
static int
in_child(void (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sandbox_policy sp;

		sandbox_policy_init(&sp, SANDBOX_SMSD);
		if (sandbox_policy_allow_write(&sp, "/tmp", 0) != 0 ||
		    sandbox_enter(&sp) != 0)
			_exit(3);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
run_true(void)
{
	char *const argv[] = {"true", NULL};

	execv("/bin/true", argv);
	_exit(4); /* refused without being killed: also a failure */
}

static void
threads_and_files(void)
{
	pthread_t t;
	void *ret;
	FILE *fp;

	if (pthread_create(&t, NULL, thread_fn, (void *)1) != 0 ||
	    pthread_join(t, &ret) != 0 || ret != (void *)1)
		_exit(5);
	fp = fopen("/dev/null", "r");
	if (fp == NULL)
		_exit(6);
	fclose(fp);
}

static void *
park(void *arg)
{
	pause();
	return arg;
}

/* Landlock would miss a thread already running: refused, not entered. */
static void
late_entry_refused(void **state)
{
	int status = 0;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sandbox_policy sp;
		pthread_t t;

		if (pthread_create(&t, NULL, park, NULL) != 0)
			_exit(5);
		sandbox_policy_init(&sp, SANDBOX_HUBD);
		_exit(sandbox_enter(&sp) == -1 ? 0 : 6);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A thread that says it has started, then waits in read(2), which every
 * policy allows: the filter then never meets its start-up calls. */
static void *
park_reading(void *arg)
{
	int *fds = arg;
	char c = 0;

	return write(fds[1], &c, 1) == 1 && read(fds[2], &c, 1) == 1 ? arg
								     : NULL;
}

/* A library's threads, declared, are let through. */
static void
library_threads_allowed(void **state)
{
	int status = 0;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sandbox_policy sp;
		pthread_t t;
		int started[2], wake[2], fds[3];
		char c;

		if (pipe(started) != 0 || pipe(wake) != 0)
			_exit(5);
		fds[0] = started[0];
		fds[1] = started[1];
		fds[2] = wake[0];
		if (pthread_create(&t, NULL, park_reading, fds) != 0 ||
		    read(started[0], &c, 1) != 1)
			_exit(5);
		sandbox_policy_init(&sp, SANDBOX_KIOSKD);
		sp.library_threads = 1;
		_exit(sandbox_enter(&sp) == 0 ? 0 : 6);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
policy_paths(void **state)
{
	struct sandbox_policy sp;
	char longp[PATH_MAX + 8];

	(void)state;
	sandbox_policy_init(&sp, SANDBOX_SMSD);
	assert_int_equal(
	    sandbox_policy_allow_write(&sp, "/var/lib/rj/sms/smsd.db", 1), 0);
	assert_string_equal(sp.paths[0], "/var/lib/rj/sms");
	assert_int_equal(sandbox_policy_allow_write(&sp, "/dev/usb/lp0", 0), 0);
	assert_string_equal(sp.paths[1], "/dev/usb/lp0");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(sandbox_policy_allow_write(&sp, longp, 0), -1);
	assert_int_equal(sandbox_policy_allow_write(&sp, "/a", 0), 0);
	assert_int_equal(sandbox_policy_allow_write(&sp, "/b", 0), 0);
	assert_int_equal(sandbox_policy_allow_write(&sp, "/c", 0), -1);
	assert_int_equal(
	    sandbox_policy_resolve(&sp, "https://hub.example.org:8443/"), 0);
	assert_string_equal(sp.resolve, "hub.example.org");
	assert_int_equal(sandbox_policy_resolve(&sp, "not a url"), -1);
}

static void
exec_is_fatal(void **state)
{
	int st = in_child(run_true);

	(void)state;
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
threads_still_work(void **state)
{
	int st = in_child(threads_and_files);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exec_is_fatal),
	    cmocka_unit_test(threads_still_work),
	    cmocka_unit_test(late_entry_refused),
	    cmocka_unit_test(library_threads_allowed),
	    cmocka_unit_test(policy_paths),
	};

	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
