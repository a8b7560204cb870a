#include "tests/unit/testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>

#include "util/conf.h"
#include "util/log.h"

/*
 * Config mistakes say where and what: an unknown section by name and
 * line, a missing setting with its section, an unreadable file with the
 * reason. The log goes to stderr; the tests read it back from a file.
 */
#define LOG_MAX 4096
#define RUNS 300

static const char *const sections[] = {"hubd", "hubctl", NULL};

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	int *calls = user;

	(void)section;
	(void)name;
	(void)value;
	(*calls)++;
	return 1;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run conf_parse_sections with stderr captured into log. */
static int
parse_capture(const char *dir, const char *path, char *log, size_t cap)
{
	char logpath[PATH_MAX];
	int saved, fd, rc, calls = 0, bad = 0;
	ssize_t n;

	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	rc = conf_parse_sections(path, sections, handler, &calls, &bad);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	fd = open(logpath, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, log, cap - 1);
	close(fd);
	log[n > 0 ? n : 0] = '\0';
	return rc;
}

static void
unknown_section_named_with_line(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX], log[LOG_MAX];
	char want[PATH_MAX + 64];

	(void)state;
	snprintf(path, sizeof(path), "%s/hubd.conf", dir);
	write_file(path, "# hub\n[hbud]\nsign_key = /x\n\n[hubctl]\na = b\n");
	assert_int_equal(parse_capture(dir, path, log, sizeof(log)), -1);
	snprintf(want, sizeof(want), "%s:2: unknown section [hbud]", path);
	if (strstr(log, want) == NULL || strstr(log, "[hubd]") == NULL)
		fail_msg("log was: %s", log);
	/* An empty misspelled section is caught too, and a long line that
	 * happens to hold a '[' part way is not a section. */
	write_file(path, "[hubd]\nx = 1\n  [hubctl ]\n");
	assert_int_equal(parse_capture(dir, path, log, sizeof(log)), -1);
	assert_non_null(strstr(log, ":3: unknown section [hubctl ]"));
	testutil_rmdir(dir);
}

/* Random known and unknown section names on random lines: exactly the
 * unknown ones are reported, each with its own line number. */
static void
random_sections(void **state)
{
	static const char *const names[] = {
	    "hubd", "hubctl", "hbud", "hub", "HUBD", "smsd", "x"};
	char *dir = testutil_tmpdir(), path[PATH_MAX], log[LOG_MAX];
	char text[2048], want[PATH_MAX + 64];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	for (int r = 0; r < RUNS; r++) {
		int line = 0, bad_line = 0, used = 0,
		    nsec = 1 + (int)randombytes_uniform(4);

		for (int s = 0; s < nsec; s++) {
			uint32_t k = randombytes_uniform(7);
			int blank = (int)randombytes_uniform(3);

			for (int b = 0; b < blank; b++) {
				used += snprintf(text + used,
				    sizeof(text) - (size_t)used, "# c\n");
				line++;
			}
			used +=
			    snprintf(text + used, sizeof(text) - (size_t)used,
				"[%s]\nk = v\n", names[k]);
			line++;
			if (k >= 2 && bad_line == 0)
				bad_line = line;
			line++;
		}
		write_file(path, text);
		if (bad_line == 0) {
			assert_int_equal(
			    parse_capture(dir, path, log, sizeof(log)), 0);
			continue;
		}
		assert_int_equal(
		    parse_capture(dir, path, log, sizeof(log)), -1);
		snprintf(want, sizeof(want), "%s:%d: unknown section", path,
		    bad_line);
		if (strstr(log, want) == NULL)
			fail_msg("wanted \"%s\" in: %s", want, log);
	}
	testutil_rmdir(dir);
}

static void
missing_file_says_why(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX], link[PATH_MAX];
	char log[LOG_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	assert_int_equal(parse_capture(dir, path, log, sizeof(log)), -1);
	assert_non_null(strstr(log, "cannot read: No such file or directory"));
	/* A symbolic link is refused, and the message says so. */
	snprintf(path, sizeof(path), "%s/real.conf", dir);
	write_file(path, "[hubd]\n");
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(parse_capture(dir, link, log, sizeof(log)), -1);
	assert_non_null(strstr(log, "symbolic link"));
	assert_int_equal(parse_capture(dir, path, log, sizeof(log)), 0);
	testutil_rmdir(dir);
}

static void
syntax_error_has_line(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX], log[LOG_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	write_file(path, "[hubd]\na = 1\nthis line has no equals sign\n");
	assert_int_equal(parse_capture(dir, path, log, sizeof(log)), -1);
	assert_non_null(strstr(log, "t.conf:3: not name = value"));
	testutil_rmdir(dir);
}

static void
need_names_section(void **state)
{
	char *dir = testutil_tmpdir(), log[LOG_MAX], logpath[PATH_MAX];
	int saved, fd, rc;
	ssize_t n;

	(void)state;
	assert_int_equal(
	    conf_need("f.conf", "hubd", "inbox", "x", "a path"), 0);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	rc = conf_need("f.conf", "hubd", "inbox", "", "a path");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_int_equal(rc, -1);
	fd = open(logpath, O_RDONLY);
	n = read(fd, log, sizeof(log) - 1);
	close(fd);
	log[n > 0 ? n : 0] = '\0';
	assert_non_null(strstr(log, "f.conf: [hubd] needs inbox = a path"));
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unknown_section_named_with_line),
	    cmocka_unit_test(random_sections),
	    cmocka_unit_test(missing_file_says_why),
	    cmocka_unit_test(syntax_error_has_line),
	    cmocka_unit_test(need_names_section),
	};

	log_init("test_conf_errors");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
