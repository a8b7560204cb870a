#include "tests/unit/testutil.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "receipt/printer.h"
#include "util/file.h"
#include "util/log.h"

/* Deadline used where a test waits for one to pass, and the most such a
 * test may take (generous for slow machines, far below a hang). */
#define SHORT_DEADLINE_MS 300
#define SLOW_LIMIT_MS 2000
/* A receive buffer small enough that a stalled reader is noticed. */
#define TINY_RCVBUF 4096

struct listener {
	int fd;
	int port;
	int reads; /* 0: accept, then never read until told to stop */
	int stop[2];
	uint8_t *got;
	size_t len;
	pthread_t th;
};

static void *
listener_main(void *arg)
{
	struct listener *l = arg;
	struct pollfd pfd;
	uint8_t chunk[65536], *p;
	ssize_t n;
	int c;

	c = accept(l->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	if (!l->reads) {
		pfd.fd = l->stop[0];
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 10000);
		close(c);
		return NULL;
	}
	while ((n = read(c, chunk, sizeof(chunk))) > 0) {
		p = realloc(l->got, l->len + (size_t)n);
		if (p == NULL)
			break;
		memcpy(p + l->len, chunk, (size_t)n);
		l->got = p;
		l->len += (size_t)n;
	}
	close(c);
	return NULL;
}

static void
listener_start(struct listener *l, int reads)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1, small = TINY_RCVBUF;

	memset(l, 0, sizeof(*l));
	l->reads = reads;
	assert_int_equal(pipe(l->stop), 0);
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Set before listen() so the accepted socket inherits it. */
	if (!reads)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l->fd, 4), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &alen), 0);
	l->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&l->th, NULL, listener_main, l), 0);
}

static void
listener_stop(struct listener *l)
{
	assert_int_equal(write(l->stop[1], "x", 1), 1);
	pthread_join(l->th, NULL);
	close(l->fd);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l->got);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static uint8_t *
pattern(size_t len)
{
	uint8_t *p = malloc(len);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + i / 251);
	return p;
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {"", "lp0",
	    "device:", "device:dev/usb/lp0", "tcp:printer.local:9100",
	    "tcp:1.2.3.4", "tcp:1.2.3.4:0", "tcp:1.2.3.4:65536",
	    "tcp:1.2.3.4:9100x", "tcp:1.2.3.4:-1", "tcp:[::1]9100", "tcp::9100",
	    "tcp:[::1:9100", "file:", "usb:/dev/usb/lp0"};
	struct printer p;
	size_t i;

	(void)state;
	log_quiet(1);
	assert_int_equal(printer_parse(&p, "device:/dev/usb/lp0"), 0);
	assert_int_equal(p.kind, PRINTER_DEVICE);
	assert_string_equal(p.path, "/dev/usb/lp0");
	assert_int_equal(printer_parse(&p, "tcp:192.0.2.10:9100"), 0);
	assert_int_equal(p.kind, PRINTER_TCP);
	assert_string_equal(p.host, "192.0.2.10");
	assert_string_equal(p.port, "9100");
	assert_int_equal(printer_parse(&p, "tcp:[2001:db8::10]:9100"), 0);
	assert_string_equal(p.host, "2001:db8::10");
	assert_string_equal(p.port, "9100");
	assert_int_equal(printer_parse(&p, "file:out/slip.bin"), 0);
	assert_int_equal(p.kind, PRINTER_FILE);
	assert_string_equal(p.path, "out/slip.bin");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (printer_parse(&p, bad[i]) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
test_strerror(void **state)
{
	int i, j;

	(void)state;
	for (i = PRINTER_OK; i <= PRINTER_EWRITE; i++)
		for (j = PRINTER_OK; j < i; j++)
			assert_string_not_equal(
			    printer_strerror((enum printer_error)i),
			    printer_strerror((enum printer_error)j));
}

static void
test_tcp_records_bytes(void **state)
{
	const size_t len = 300 * 1024;
	struct listener l;
	struct printer p;
	enum printer_error why;
	uint8_t *data = pattern(len);
	char spec[64];

	(void)state;
	listener_start(&l, 1);
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", l.port);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, data, len, 0, &why), 0);
	assert_int_equal(why, PRINTER_OK);
	pthread_join(l.th, NULL);
	assert_int_equal(l.len, len);
	assert_memory_equal(l.got, data, len);
	close(l.fd);
	close(l.stop[0]);
	close(l.stop[1]);
	free(l.got);
	free(data);
}

/* The printer accepts the connection and then takes nothing. */
static void
test_tcp_stalled_meets_deadline(void **state)
{
	const size_t len = 8 * 1024 * 1024;
	struct listener l;
	struct printer p;
	struct timespec t0;
	enum printer_error why;
	uint8_t *data = pattern(len);
	char spec[64];
	long ms;

	(void)state;
	log_quiet(1);
	listener_start(&l, 0);
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", l.port);
	assert_int_equal(printer_parse(&p, spec), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    printer_print(&p, data, len, SHORT_DEADLINE_MS, &why), -1);
	ms = ms_since(&t0);
	assert_int_equal(why, PRINTER_EOFFLINE);
	assert_true(ms >= SHORT_DEADLINE_MS - 10);
	assert_true(ms < SLOW_LIMIT_MS);
	listener_stop(&l);
	free(data);
}

/*
 * A job small enough to fit in the socket buffers, to a printer that
 * never reads: every write succeeds, yet it is not printed, and that must
 * not count as success.
 */
static void
test_tcp_unread_small_job(void **state)
{
	const size_t len = 20 * 1024;
	struct listener l;
	struct printer p;
	struct timespec t0;
	enum printer_error why;
	uint8_t *data = pattern(len);
	char spec[64];

	(void)state;
	log_quiet(1);
	listener_start(&l, 0);
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", l.port);
	assert_int_equal(printer_parse(&p, spec), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    printer_print(&p, data, len, SHORT_DEADLINE_MS, &why), -1);
	assert_int_equal(why, PRINTER_EOFFLINE);
	assert_true(ms_since(&t0) < SLOW_LIMIT_MS);
	listener_stop(&l);
	free(data);
}

static void
test_tcp_refused(void **state)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct printer p;
	struct timespec t0;
	enum printer_error why;
	char spec[64];
	int fd;

	(void)state;
	log_quiet(1);
	/* A port that was free a moment ago: nobody listens there. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(printer_parse(&p, spec), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), -1);
	assert_int_equal(why, PRINTER_EOFFLINE);
	assert_true(ms_since(&t0) < SLOW_LIMIT_MS);
}

static void
test_file(void **state)
{
	char *dir = testutil_tmpdir(), spec[PATH_MAX + 16], path[PATH_MAX];
	uint8_t *data = pattern(5000), *back;
	struct printer p;
	enum printer_error why;
	size_t len;

	(void)state;
	log_quiet(1);
	snprintf(path, sizeof(path), "%s/slip.bin", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, data, 5000, 0, &why), 0);
	assert_int_equal(file_read_alloc(path, 10000, &back, &len), 0);
	assert_int_equal(len, 5000);
	assert_memory_equal(back, data, 5000);
	free(back);
	/* A directory that does not exist: the printer is missing. */
	snprintf(spec, sizeof(spec), "file:%s/no/such/dir/slip.bin", dir);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, data, 5000, 0, &why), -1);
	assert_int_equal(why, PRINTER_EMISSING);
	/* A full disk: a write error. */
	assert_int_equal(printer_parse(&p, "file:/dev/full"), 0);
	assert_int_equal(printer_print(&p, data, 5000, 0, &why), -1);
	assert_int_equal(why, PRINTER_EWRITE);
	/* Never through a symbolic link. */
	snprintf(spec, sizeof(spec), "%s/link", dir);
	assert_int_equal(symlink(path, spec), 0);
	snprintf(spec, sizeof(spec), "file:%s/link", dir);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, data, 5000, 0, &why), -1);
	assert_int_equal(why, PRINTER_ECONFIG);
	free(data);
	testutil_rmdir(dir);
}

static void
test_device_refusals(void **state)
{
	char *dir = testutil_tmpdir(), spec[PATH_MAX + 16];
	struct printer p;
	enum printer_error why;
	int fd;

	(void)state;
	log_quiet(1);
	/* Unplugged: the device node is gone. */
	snprintf(spec, sizeof(spec), "device:%s/lp0", dir);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), -1);
	assert_int_equal(why, PRINTER_EMISSING);
	/* A regular file is not a printer device. */
	fd = open(p.path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), -1);
	assert_int_equal(why, PRINTER_ECONFIG);
	/* Neither is a symbolic link to a device. */
	snprintf(spec, sizeof(spec), "%s/lp1", dir);
	assert_int_equal(symlink("/dev/null", spec), 0);
	snprintf(spec, sizeof(spec), "device:%s/lp1", dir);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), -1);
	assert_int_equal(why, PRINTER_ECONFIG);
	/* A device that takes nothing: nothing written, a write error. */
	assert_int_equal(printer_parse(&p, "device:/dev/full"), 0);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), -1);
	assert_int_equal(why, PRINTER_EWRITE);
	/* And one that takes everything. */
	assert_int_equal(printer_parse(&p, "device:/dev/null"), 0);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), 0);
	testutil_rmdir(dir);
}

static void
make_fifo(char *spec, size_t cap, char *path, size_t pcap, const char *dir)
{
	snprintf(path, pcap, "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(spec, cap, "device:%s", path);
}

static void
test_fifo_no_reader(void **state)
{
	char *dir = testutil_tmpdir(), spec[PATH_MAX + 16], path[PATH_MAX];
	struct printer p;
	enum printer_error why;

	(void)state;
	log_quiet(1);
	make_fifo(spec, sizeof(spec), path, sizeof(path), dir);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(printer_print(&p, "x", 1, 0, &why), -1);
	assert_int_equal(why, PRINTER_EMISSING);
	testutil_rmdir(dir);
}

/* Someone holds the device open but takes nothing: half a job, then
 * the deadline. */
static void
test_fifo_stalled_reader(void **state)
{
	char *dir = testutil_tmpdir(), spec[PATH_MAX + 16], path[PATH_MAX];
	const size_t len = 1024 * 1024;
	uint8_t *data = pattern(len);
	struct printer p;
	struct timespec t0;
	enum printer_error why;
	int rd;
	long ms;

	(void)state;
	log_quiet(1);
	make_fifo(spec, sizeof(spec), path, sizeof(path), dir);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(printer_parse(&p, spec), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    printer_print(&p, data, len, SHORT_DEADLINE_MS, &why), -1);
	ms = ms_since(&t0);
	assert_int_equal(why, PRINTER_EOFFLINE);
	assert_true(ms >= SHORT_DEADLINE_MS - 10 && ms < SLOW_LIMIT_MS);
	close(rd);
	free(data);
	testutil_rmdir(dir);
}

static void *
read_a_little(void *arg)
{
	int fd = *(int *)arg;
	struct pollfd pfd = {fd, POLLIN, 0};
	char buf[4096];
	ssize_t n;

	(void)poll(&pfd, 1, 2000);
	n = read(fd, buf, sizeof(buf));
	(void)n;
	close(fd);
	return NULL;
}

/*
 * The reader goes away in the middle of a job (a printer unplugged while
 * printing): a write error, and no SIGPIPE kills the kiosk.
 */
static void
test_fifo_reader_goes_away(void **state)
{
	char *dir = testutil_tmpdir(), spec[PATH_MAX + 16], path[PATH_MAX];
	const size_t len = 1024 * 1024;
	uint8_t *data = pattern(len);
	struct printer p;
	enum printer_error why;
	sigset_t pending;
	pthread_t th;
	int rd;

	(void)state;
	log_quiet(1);
	signal(SIGPIPE, SIG_DFL);
	make_fifo(spec, sizeof(spec), path, sizeof(path), dir);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(printer_parse(&p, spec), 0);
	assert_int_equal(pthread_create(&th, NULL, read_a_little, &rd), 0);
	assert_int_equal(printer_print(&p, data, len, 3000, &why), -1);
	assert_int_equal(why, PRINTER_EWRITE);
	pthread_join(th, NULL);
	assert_int_equal(sigpending(&pending), 0);
	assert_false(sigismember(&pending, SIGPIPE));
	free(data);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_tcp_records_bytes),
	    cmocka_unit_test(test_tcp_stalled_meets_deadline),
	    cmocka_unit_test(test_tcp_unread_small_job),
	    cmocka_unit_test(test_tcp_refused),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_device_refusals),
	    cmocka_unit_test(test_fifo_no_reader),
	    cmocka_unit_test(test_fifo_stalled_reader),
	    cmocka_unit_test(test_fifo_reader_goes_away),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
