#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "receipt/printer.h"
#include "receipt/prprobe.h"

static const char *
errno_word(int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ENOTDIR:
		return "missing";
	case EACCES:
	case EPERM:
	case EROFS:
	case ELOOP:
		return "no-access";
	default:
		return "offline";
	}
}

static const char *
probe_path(const struct printer *p)
{
	char dir[PATH_MAX];
	char *slash;
	int fd,
	    flags = O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;

	/* Append, never truncate: a probe must not spoil a slip. */
	if (p->kind == PRINTER_FILE)
		flags |= O_APPEND;
	fd = open(p->path, flags);
	if (fd >= 0) {
		close(fd);
		return "ok";
	}
	if (errno != ENOENT || p->kind != PRINTER_FILE)
		return errno_word(errno);
	/* A file printer writes its file on the first slip. */
	if (snprintf(dir, sizeof(dir), "%s", p->path) >= (int)sizeof(dir))
		return "bad-setting";
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return access(dir, W_OK) == 0 ? "ok" : errno_word(errno);
}

static const char *
probe_tcp(const struct printer *p)
{
	struct addrinfo hints, *ai = NULL;
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	const char *word = "offline";
	int fd = -1, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(p->host, p->port, &hints, &ai) != 0)
		return "bad-setting";
	fd = socket(
	    ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto out;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, PRPROBE_TIMEOUT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
		    err != 0)
			goto out;
	}
	word = "ok";
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return word;
}

const char *
prprobe(const char *spec)
{
	struct printer p;

	if (spec == NULL || printer_parse(&p, spec) != 0)
		return "bad-setting";
	return p.kind == PRINTER_TCP ? probe_tcp(&p) : probe_path(&p);
}
