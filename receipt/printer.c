#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/lp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "receipt/printer.h"
#include "util/log.h"

/*
 * A small send buffer, so "every byte written" is close to "the printer
 * took it" and a printer that stops reading is noticed within the job.
 */
#define PRINTER_SNDBUF (16 * 1024)
/* How often to look whether the printer has acknowledged the last bytes. */
#define PRINTER_DRAIN_POLL_MS 5

static const char *const prefixes[] = {"device:", "tcp:", "file:"};

const char *
printer_strerror(enum printer_error e)
{
	switch (e) {
	case PRINTER_OK:
		return "printed";
	case PRINTER_ECONFIG:
		return "not a printer (check the configuration)";
	case PRINTER_EMISSING:
		return "printer missing";
	case PRINTER_EOFFLINE:
		return "printer offline or not taking data";
	case PRINTER_ENOPAPER:
		return "printer out of paper";
	case PRINTER_EWRITE:
		return "write to printer failed";
	}
	return "unknown printer error";
}

static int
parse_tcp(struct printer *p, const char *s)
{
	const char *colon, *host = s;
	size_t hlen;
	unsigned char addr[sizeof(struct in6_addr)];
	char *end;
	unsigned long port;
	int n;

	if (*s == '[') {
		host = s + 1;
		if ((colon = strchr(host, ']')) == NULL || colon[1] != ':')
			return -1;
		hlen = (size_t)(colon - host);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(p->host))
		return -1;
	memcpy(p->host, host, hlen);
	p->host[hlen] = '\0';
	if (inet_pton(AF_INET, p->host, addr) != 1 &&
	    inet_pton(AF_INET6, p->host, addr) != 1)
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    port == 0 || port > 65535)
		return -1;
	n = snprintf(p->port, sizeof(p->port), "%lu", port);
	if (n < 0 || (size_t)n >= sizeof(p->port))
		return -1;
	return 0;
}

int
printer_parse(struct printer *p, const char *spec)
{
	const char *rest = NULL;
	size_t i, n;

	memset(p, 0, sizeof(*p));
	if (strlen(spec) >= PRINTER_SPEC_MAX)
		goto bad;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (strncmp(spec, prefixes[i], n) == 0) {
			p->kind = (enum printer_kind)i;
			rest = spec + n;
			break;
		}
	}
	if (rest == NULL)
		goto bad;
	if (p->kind == PRINTER_TCP) {
		if (parse_tcp(p, rest) != 0)
			goto bad;
		return 0;
	}
	n = strlen(rest);
	if (n == 0 || n >= sizeof(p->path) ||
	    (p->kind == PRINTER_DEVICE && rest[0] != '/'))
		goto bad;
	memcpy(p->path, rest, n + 1);
	return 0;
bad:
	log_err("printer: \"%.64s\" is not device:/ABSOLUTE/PATH, "
		"tcp:ADDRESS:PORT or file:PATH",
	    spec);
	return -1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(int64_t deadline)
{
	int64_t d = deadline - now_ms();

	return d <= 0 ? 0 : (int)d;
}

/* Wait until fd is writable; 0, or -1 when the deadline passed. */
static int
wait_writable(int fd, int64_t deadline)
{
	struct pollfd pfd = {fd, POLLOUT, 0};
	int n, ms;

	for (;;) {
		if ((ms = left_ms(deadline)) == 0)
			return -1;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0; /* writable, or an error write() will tell */
		if (n == 0 || errno != EINTR)
			return -1;
	}
}

/* For logs: why a write stopped; 0 means our own deadline ran out. */
static const char *
why_text(int err)
{
	return err != 0 ? strerror(err) : "deadline passed";
}

static enum printer_error
errno_reason(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ENODEV:
	case ENXIO:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
		return PRINTER_EMISSING;
	case ECONNREFUSED:
	case EBUSY:
	case EAGAIN:
	case ETIMEDOUT:
		return PRINTER_EOFFLINE;
	case ELOOP:
	case EACCES:
	case EPERM:
	case EISDIR:
		return PRINTER_ECONFIG;
	default:
		return PRINTER_EWRITE;
	}
}

/*
 * Write everything before the deadline. A FIFO whose reader went away
 * would raise SIGPIPE; it is held back for this thread and a SIGPIPE this
 * write caused is taken off the queue, so the caller's handlers never see
 * it. Sockets use MSG_NOSIGNAL instead.
 */
static enum printer_error
write_all(int fd, int is_socket, const uint8_t *p, size_t len, int64_t deadline,
    size_t *done, int *err)
{
	sigset_t pipe_set, old, pending;
	struct timespec zero = {0, 0};
	enum printer_error why = PRINTER_OK;
	int was_pending;
	ssize_t n;

	*done = 0;
	*err = 0;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	while (*done < len) {
		if (is_socket)
			n = send(fd, p + *done, len - *done, MSG_NOSIGNAL);
		else
			n = write(fd, p + *done, len - *done);
		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_writable(fd, deadline) != 0) {
				why = PRINTER_EOFFLINE;
				break;
			}
			continue;
		}
		*err = n == 0 ? EIO : errno;
		why = errno_reason(*err);
		if (why == PRINTER_EOFFLINE || why == PRINTER_ECONFIG)
			why = PRINTER_EWRITE;
		if (*err == EPIPE && !was_pending) {
			while (sigtimedwait(&pipe_set, NULL, &zero) < 0 &&
			       errno == EINTR)
				;
		}
		break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return why;
}

static enum printer_error
print_device(
    const struct printer *p, const uint8_t *buf, size_t len, int64_t deadline)
{
	enum printer_error why;
	struct stat st;
	size_t done = 0;
	int fd, status, err = 0;

	/* Non-blocking: a printer that has gone away must not hang open(). */
	fd = open(
	    p->path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		why = errno_reason(errno);
		log_err("printer: %s: %s", p->path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return why == PRINTER_EWRITE ? PRINTER_EMISSING : why;
	}
	if (fstat(fd, &st) != 0 ||
	    !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		log_err(
		    "printer: %s: not a device (use file: for files)", p->path);
		why = PRINTER_ECONFIG;
		goto out;
	}
	why = write_all(fd, 0, buf, len, deadline, &done, &err);
	/* A stalled parallel or USB printer can say why; ask only then. */
	if (why == PRINTER_EOFFLINE && S_ISCHR(st.st_mode) &&
	    ioctl(fd, LPGETSTATUS, &status) == 0 && (status & LP_POUTPA))
		why = PRINTER_ENOPAPER;
	if (why != PRINTER_OK)
		log_err("printer: %s: %s after %zu of %zu bytes: %s", p->path,
		    printer_strerror(why), done, len, why_text(err));
out:
	close(fd);
	return why;
}

static enum printer_error
print_file(
    const struct printer *p, const uint8_t *buf, size_t len, int64_t deadline)
{
	enum printer_error why;
	size_t done = 0;
	int fd, err = 0;

	fd = open(p->path,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		why = errno_reason(errno);
		log_err("printer: %s: %s", p->path, strerror(errno));
		return why;
	}
	why = write_all(fd, 0, buf, len, deadline, &done, &err);
	/* Late errors (a full disk, NFS) show up only on fsync; a device
	 * such as /dev/full cannot be synced (EINVAL) and that is fine. */
	if (why == PRINTER_OK && fsync(fd) != 0 && errno != EINVAL) {
		err = errno;
		why = PRINTER_EWRITE;
	}
	if (why != PRINTER_OK)
		log_err("printer: %s: %s after %zu of %zu bytes: %s", p->path,
		    printer_strerror(why), done, len, why_text(err));
	if (close(fd) != 0 && why == PRINTER_OK) {
		log_err("printer: %s: close: %s", p->path, strerror(errno));
		why = PRINTER_EWRITE;
	}
	return why;
}

static enum printer_error
tcp_connect(const struct printer *p, int64_t deadline, int *out)
{
	struct addrinfo hints, *ai = NULL;
	enum printer_error why = PRINTER_EOFFLINE;
	socklen_t elen = sizeof(int);
	int fd = -1, err = 0, sndbuf = PRINTER_SNDBUF, rc;

	*out = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(p->host, p->port, &hints, &ai)) != 0) {
		log_err("printer: %s: %s", p->host, gai_strerror(rc));
		return PRINTER_ECONFIG;
	}
	fd = socket(
	    ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("printer: socket: %s", strerror(errno));
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else if (wait_writable(fd, deadline) != 0) {
			err = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) !=
			   0) {
			err = errno;
		}
	}
	if (err != 0) {
		why = errno_reason(err);
		if (why == PRINTER_EWRITE || why == PRINTER_ECONFIG)
			why = PRINTER_EOFFLINE;
		log_err("printer: tcp %s port %s: %s", p->host, p->port,
		    strerror(err));
		goto out;
	}
	*out = fd;
	fd = -1;
	why = PRINTER_OK;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return why;
}

/*
 * Done is when the printer has acknowledged every byte (nothing left in
 * our send queue), not when the kernel took them: a printer that stops
 * reading is then a failure within the deadline, not a silent loss.
 */
static enum printer_error
tcp_drain(int fd, int64_t deadline, int *unacked)
{
	for (;;) {
		if (ioctl(fd, TIOCOUTQ, unacked) != 0) {
			*unacked = 0; /* cannot tell: trust the kernel */
			return PRINTER_OK;
		}
		if (*unacked == 0)
			return PRINTER_OK;
		if (left_ms(deadline) == 0)
			return PRINTER_EOFFLINE;
		(void)poll(NULL, 0, PRINTER_DRAIN_POLL_MS);
	}
}

static enum printer_error
print_tcp(
    const struct printer *p, const uint8_t *buf, size_t len, int64_t deadline)
{
	struct linger abort_close = {1, 0};
	enum printer_error why;
	size_t done = 0;
	int fd, unacked = 0, err = 0;

	if ((why = tcp_connect(p, deadline, &fd)) != PRINTER_OK)
		return why;
	why = write_all(fd, 1, buf, len, deadline, &done, &err);
	if (why == PRINTER_OK)
		why = tcp_drain(fd, deadline, &unacked);
	if (why != PRINTER_OK) {
		log_err("printer: tcp %s port %s: %s after %zu of %zu bytes "
			"(%d not acknowledged): %s",
		    p->host, p->port, printer_strerror(why), done, len, unacked,
		    why_text(err));
		/* Reset rather than let the kernel deliver the rest later. */
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
		    sizeof(abort_close));
	}
	close(fd);
	return why;
}

int
printer_print(const struct printer *p, const void *buf, size_t len,
    int timeout_ms, enum printer_error *why)
{
	int64_t deadline;

	if (timeout_ms <= 0)
		timeout_ms = PRINTER_DEADLINE_MS;
	if (timeout_ms > PRINTER_DEADLINE_MAX_MS)
		timeout_ms = PRINTER_DEADLINE_MAX_MS;
	deadline = now_ms() + timeout_ms;
	switch (p->kind) {
	case PRINTER_DEVICE:
		*why = print_device(p, buf, len, deadline);
		break;
	case PRINTER_TCP:
		*why = print_tcp(p, buf, len, deadline);
		break;
	case PRINTER_FILE:
		*why = print_file(p, buf, len, deadline);
		break;
	default:
		*why = PRINTER_ECONFIG;
	}
	return *why == PRINTER_OK ? 0 : -1;
}
