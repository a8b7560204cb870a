#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/srv_int.h"
#include "util/log.h"

/* How often deadlines are checked: they hold to within this. */
#define TICK_MS 100
#define MAX_EVENTS 256
/* Connections taken from the listen queue per wake-up. */
#define ACCEPT_BURST 64
/* Pause after running out of descriptors, so accept does not spin. */
#define ACCEPT_PAUSE_MS 100
/* The most refusal log lines per second. */
#define REFUSE_LOG_MS 1000
/* After server_stop: how long answers under way may take to go out. */
#define STOP_GRACE_MS 1500

/* epoll tags below the connections' (index + TAG_CONN). */
enum { TAG_LISTEN, TAG_STOP, TAG_WAKE, TAG_CONN };

static void resume_accept(struct server *srv);

static int
conn_index(const struct srv_conn *c)
{
	return (int)(c - c->srv->conns);
}

void
srv_loop_watch(struct srv_conn *c, uint32_t events)
{
	struct epoll_event ev;
	int op;

	if (c->events == events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = (uint64_t)(conn_index(c) + TAG_CONN);
	/* Not watched at all, rather than for nothing: epoll would still
	 * report a hang-up, over and over. */
	if (events == 0)
		op = EPOLL_CTL_DEL;
	else if (c->events == 0)
		op = EPOLL_CTL_ADD;
	else
		op = EPOLL_CTL_MOD;
	if (epoll_ctl(c->srv->epfd, op, c->fd, &ev) != 0)
		log_warn("server: epoll_ctl: %s", strerror(errno));
	c->events = events;
}

void
srv_loop_release(struct srv_conn *c)
{
	struct server *srv = c->srv;

	if (c->refuse)
		srv->refusing--;
	else
		srv->active--;
	c->state = SRV_FREE;
	srv->conn_free[srv->nconn_free++] = conn_index(c);
	if (srv->accept_full && !atomic_load(&srv->stopping))
		resume_accept(srv);
}

static void
log_refusals(struct server *srv, int64_t now)
{
	if (srv->refused + srv->dropped == 0 ||
	    now - srv->refused_logged < REFUSE_LOG_MS)
		return;
	log_warn("server: over the connection limits: %lu answered 503, %lu "
		 "closed unanswered (no room even to refuse)",
	    srv->refused, srv->dropped);
	srv->refused = srv->dropped = 0;
	srv->refused_logged = now;
}

/* The peer's numeric address (an IPv4-mapped one as plain IPv4) and the
 * key max_per_addr counts by. */
static void
peer_of(struct srv_conn *c, const struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;
	const char *p;

	memset(c->addr, 0, sizeof(c->addr));
	c->addr_family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)ss;
		memcpy(c->addr, &sin->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			c->addr_family = AF_INET;
			memcpy(c->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			/* One host can hold a whole /64. */
			memcpy(c->addr, sin6->sin6_addr.s6_addr, 8);
		}
	}
	c->peer[0] = '\0';
	if (getnameinfo((const struct sockaddr *)ss, len, c->peer,
		sizeof(c->peer), NULL, 0, NI_NUMERICHOST) != 0) {
		c->peer[0] = '\0';
		return;
	}
	if (strncmp(c->peer, "::ffff:", 7) == 0 &&
	    strchr(c->peer + 7, '.') != NULL) {
		p = c->peer + 7;
		memmove(c->peer, p, strlen(p) + 1);
	}
}

static int
count_addr(const struct server *srv, const struct srv_conn *c)
{
	const struct srv_conn *o;
	int i, n = 0;

	for (i = 0; i < srv->nconns; i++) {
		o = &srv->conns[i];
		if (o != c && o->state != SRV_FREE && !o->refuse &&
		    o->addr_family == c->addr_family &&
		    memcmp(o->addr, c->addr, sizeof(o->addr)) == 0)
			n++;
	}
	return n;
}

static void
pause_accept(struct server *srv, int64_t now)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.data.u64 = TAG_LISTEN;
	(void)epoll_ctl(srv->epfd, EPOLL_CTL_MOD, srv->lfd, &ev);
	/* now == 0: until a connection ends (srv_loop_release). */
	srv->accept_paused_until = now != 0 ? now + ACCEPT_PAUSE_MS : 0;
}

static void
resume_accept(struct server *srv)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_LISTEN;
	(void)epoll_ctl(srv->epfd, EPOLL_CTL_MOD, srv->lfd, &ev);
	srv->accept_paused_until = 0;
	srv->accept_full = 0;
}

/* Set up a connection slot for fd; 0, or -1 (fd closed) when over every
 * limit. */
static int
admit(struct server *srv, int fd, const struct sockaddr_storage *ss,
    socklen_t sslen, int64_t now)
{
	struct srv_conn *c;
	int one = 1, over;

	if (srv->nconn_free == 0) {
		close(fd);
		srv->dropped++;
		return -1;
	}
	c = &srv->conns[srv->conn_free[srv->nconn_free - 1]];
	memset(c, 0, sizeof(*c));
	c->srv = srv;
	c->fd = fd;
	peer_of(c, ss, sslen);
	over = srv->active >= srv->cfg.max_conns ||
	       count_addr(srv, c) >= srv->cfg.max_per_addr;
	if (over && srv->refusing >= SRV_REFUSE_RESERVE) {
		c->fd = -1;
		close(fd);
		srv->dropped++;
		return -1;
	}
	srv->nconn_free--;
	c->refuse = over;
	if (over) {
		srv->refusing++;
		srv->refused++;
	} else {
		srv->active++;
	}
	c->no = ++srv->next_conn;
	c->born = now;
	c->state = SRV_IDLE;
	/* Answers go out in one write; do not hold their tail back. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	srv_conn_start(c);
	return 0;
}

static void
accept_burst(struct server *srv, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int i, fd;

	for (i = 0; i < ACCEPT_BURST; i++) {
		/* No room even to refuse: the rest wait in the listen queue
		 * (a client there is served late, not dropped). */
		if (srv->active >= srv->cfg.max_conns &&
		    srv->refusing >= SRV_REFUSE_RESERVE) {
			pause_accept(srv, 0);
			srv->accept_full = 1;
			return;
		}
		sslen = sizeof(ss);
		fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_warn("server: accept: %s", strerror(errno));
			pause_accept(srv, now);
			return;
		}
		(void)admit(srv, fd, &ss, sslen, now);
	}
}

static void
begin_stop(struct server *srv)
{
	int i;

	atomic_store(&srv->stopping, 1);
	(void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL);
	(void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->stop_r, NULL);
	for (i = 0; i < srv->nconns; i++)
		if (srv->conns[i].state != SRV_FREE)
			srv_conn_stop(&srv->conns[i]);
}

static void
expire(struct server *srv, int64_t now)
{
	struct srv_conn *c;
	int i;

	for (i = 0; i < srv->nconns; i++) {
		c = &srv->conns[i];
		if (c->state != SRV_FREE && !srv_conn_busy(c) &&
		    now >= c->deadline)
			srv_conn_expired(c);
	}
}

/* Past the stop grace: close all but those a worker holds. 1 when none
 * is left at all. */
static int
close_all(struct server *srv)
{
	int i, left = 0;

	for (i = 0; i < srv->nconns; i++) {
		if (srv_conn_busy(&srv->conns[i]))
			left++;
		else if (srv->conns[i].state != SRV_FREE)
			srv_conn_close(&srv->conns[i]);
	}
	return left == 0;
}

static int
add_fd(struct server *srv, int fd, uint64_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		log_err("server: epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void
dispatch(struct server *srv, const struct epoll_event *ev, int64_t now)
{
	struct srv_conn *c, *next;
	uint64_t tag = ev->data.u64;

	if (tag == TAG_LISTEN) {
		if (!atomic_load(&srv->stopping))
			accept_burst(srv, now);
	} else if (tag == TAG_STOP) {
		if (!atomic_load(&srv->stopping))
			begin_stop(srv);
	} else if (tag == TAG_WAKE) {
		for (c = srv_work_take_done(srv); c != NULL; c = next) {
			next = c->next;
			c->next = NULL;
			if (c->state == SRV_HS_WORK)
				srv_conn_handshaken(c);
			else
				srv_conn_answered(c);
		}
	} else if (tag - TAG_CONN < (uint64_t)srv->nconns) {
		c = &srv->conns[tag - TAG_CONN];
		if (c->state != SRV_FREE && !srv_conn_busy(c))
			srv_conn_event(c);
	}
}

int
srv_loop_run(struct server *srv)
{
	struct epoll_event evs[MAX_EVENTS];
	int64_t now, next_tick = 0, stop_at = 0;
	int i, n;

	if (add_fd(srv, srv->lfd, TAG_LISTEN) != 0 ||
	    add_fd(srv, srv->stop_r, TAG_STOP) != 0 ||
	    add_fd(srv, srv->wake_fd, TAG_WAKE) != 0)
		return -1;
	for (;;) {
		n = epoll_wait(srv->epfd, evs, MAX_EVENTS, TICK_MS);
		if (n < 0 && errno != EINTR) {
			log_err("server: epoll_wait: %s", strerror(errno));
			return -1;
		}
		now = srv_now_ms();
		for (i = 0; i < n; i++)
			dispatch(srv, &evs[i], now);
		now = srv_now_ms();
		if (now >= next_tick) {
			expire(srv, now);
			log_refusals(srv, now);
			if (srv->accept_paused_until != 0 &&
			    now >= srv->accept_paused_until &&
			    !atomic_load(&srv->stopping))
				resume_accept(srv);
			next_tick = now + TICK_MS;
		}
		if (!atomic_load(&srv->stopping))
			continue;
		if (stop_at == 0)
			stop_at = now + STOP_GRACE_MS;
		if (srv->active + srv->refusing == 0)
			break;
		if (now >= stop_at && close_all(srv))
			break;
	}
	return 0;
}
