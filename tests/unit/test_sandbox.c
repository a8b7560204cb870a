#include "tests/unit/testutil.h"

#include <pthread.h>
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
	};

	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
