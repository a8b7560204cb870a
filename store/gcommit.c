#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/gcommit.h"
#include "util/log.h"

/*
 * An operation (struct gcommit_op) lives in its caller's memory until it
 * is done: gcommit_run's on its stack, gcommit_submit's wherever the
 * caller keeps the request. gcommit_run's caller sleeps on its own
 * semaphore, not on the queue's mutex: woken from a condition variable,
 * every caller of a batch would first fight the writer and each other
 * for that mutex (futex waits were a tenth of smsd's CPU). glibc's
 * sem_post touches the semaphore only through the futex wake after its
 * increment, so the caller may return and drop it as soon as sem_wait
 * does.
 */

/*
 * The writer's helper: it wakes the callers of each committed batch (a
 * futex wake each, 4% of smsd's writer), so that the writer's own thread
 * does nothing but run batches, which every request waits for.
 */
struct aside {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct gcommit_op *head, *tail; /* committed, callers not yet woken */
	int stop;
	pthread_t thread;
	int started;
};

struct gcommit {
	struct db *db;
	pthread_mutex_t *dblock;
	size_t max_batch;
	long max_wait_us;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct gcommit_op *head, *tail;
	size_t queued;
	int stop;
	int started;
	pthread_t thread;
	/* Prepared once: the hot path parses no SQL of its own. */
	sqlite3_stmt *begin, *commit;
	struct gcommit_op **batch;
	struct gcommit_stats stats;
	struct aside aside;
};

static int
step(struct gcommit *g, sqlite3_stmt *st, const char *what)
{
	int s = sqlite3_step(st);

	sqlite3_reset(st);
	if (s != SQLITE_DONE) {
		log_err("%s: group commit: %s failed: %s", db_path(g->db), what,
		    sqlite3_errmsg(db_handle(g->db)));
		return -1;
	}
	return 0;
}

/*
 * One batch, one transaction. No savepoints on the way: SQLCipher
 * encrypts every page a savepoint first touches into its journal, which
 * doubled the cost of a message. An operation that fails instead rolls
 * the whole transaction back, and the batch runs again without it (each
 * failure drops one operation, so at most n runs).
 */
static void
run_batch(struct gcommit *g, struct gcommit_op **ops, size_t n)
{
	size_t i, left = n;

	if (g->dblock != NULL)
		pthread_mutex_lock(g->dblock);
	for (i = 0; i < n; i++)
		ops[i]->rc = 0;
	while (left > 0) {
		int again = 0;

		if (step(g, g->begin, "BEGIN") != 0)
			break;
		for (i = 0; i < n && !again; i++) {
			struct gcommit_op *o = ops[i];

			if (o->rc < 0)
				continue; /* failed in an earlier run */
			o->rc = o->fn(g->db, o->arg);
			if (o->rc >= 0 && !db_in_transaction(g->db)) {
				/* SQLite ended the transaction itself (full
				 * disk, I/O error) under this operation. */
				log_err("%s: group commit: transaction lost",
				    db_path(g->db));
				o->rc = -1;
			}
			if (o->rc < 0) {
				left--;
				again = 1;
			}
		}
		if (again) {
			db_rollback(g->db);
			continue;
		}
		if (step(g, g->commit, "COMMIT") != 0) {
			db_rollback(g->db);
			break;
		}
		left = 0;
	}
	/* What did not reach a commit is not stored. */
	if (left > 0)
		for (i = 0; i < n; i++)
			ops[i]->rc = -1;
	if (g->dblock != NULL)
		pthread_mutex_unlock(g->dblock);
}

static int
waited_enough(const struct gcommit *g, const struct timespec *since)
{
	struct timespec now;
	long us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - since->tv_sec) * 1000000L +
	     (now.tv_nsec - since->tv_nsec) / 1000L;
	return us >= g->max_wait_us;
}

/* The last touch of o: its caller may be gone, or its memory reused,
 * as soon as it is told. */
static void
finish(struct gcommit_op *o)
{
	gcommit_done cb = o->cb;
	void *cb_arg = o->cb_arg;

	if (cb != NULL)
		cb(cb_arg, o->rc);
	else
		sem_post(&o->done);
}

/* Hand a committed batch to the answerer (or wake its callers here, when
 * there is none yet). The batch array is the writer's: the ops are
 * chained through next, which the queue no longer uses. */
static void
answer(struct gcommit *g, size_t n)
{
	struct aside *a = &g->aside;
	size_t i;

	if (n == 0)
		return;
	if (!a->started) {
		for (i = 0; i < n; i++)
			finish(g->batch[i]);
		return;
	}
	for (i = 0; i + 1 < n; i++)
		g->batch[i]->next = g->batch[i + 1];
	g->batch[n - 1]->next = NULL;
	pthread_mutex_lock(&a->mu);
	if (a->tail != NULL)
		a->tail->next = g->batch[0];
	else
		a->head = g->batch[0];
	a->tail = g->batch[n - 1];
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static void *
answerer(void *arg)
{
	struct aside *a = &((struct gcommit *)arg)->aside;
	struct gcommit_op *o, *next;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (a->head == NULL && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->head == NULL)
			break;
		o = a->head;
		a->head = a->tail = NULL;
		pthread_mutex_unlock(&a->mu);
		for (; o != NULL; o = next) {
			next = o->next;
			finish(o);
		}
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static void *
writer(void *arg)
{
	struct gcommit *g = arg;
	size_t n, i;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->stop && g->head == NULL)
			pthread_cond_wait(&g->work, &g->mu);
		if (g->head == NULL)
			break;
		/* Hold the batch open a moment for the requests that are
		 * on their way, unless the first has waited long enough. */
		if (g->max_wait_us > 0 && !g->stop &&
		    g->queued < g->max_batch &&
		    !waited_enough(g, &g->head->queued)) {
			struct timespec until = g->head->queued;

			until.tv_nsec += g->max_wait_us * 1000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			while (!g->stop && g->queued < g->max_batch)
				if (pthread_cond_timedwait(
					&g->work, &g->mu, &until) == ETIMEDOUT)
					break;
		}
		for (n = 0; n < g->max_batch && g->head != NULL; n++) {
			g->batch[n] = g->head;
			g->head = g->head->next;
			g->queued--;
		}
		if (g->head == NULL)
			g->tail = NULL;
		pthread_mutex_unlock(&g->mu);
		run_batch(g, g->batch, n);
		pthread_mutex_lock(&g->mu);
		g->stats.batches++;
		g->stats.ops += n;
		if (n > g->stats.largest)
			g->stats.largest = n;
		for (i = 0; i < n; i++)
			if (g->batch[i]->rc < 0)
				g->stats.failed_ops++;
		pthread_mutex_unlock(&g->mu);
		answer(g, n);
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* Queue o for the writer; -1 when stopping. */
static int
enqueue(struct gcommit *g, struct gcommit_op *o)
{
	clock_gettime(CLOCK_MONOTONIC, &o->queued);
	o->next = NULL;
	pthread_mutex_lock(&g->mu);
	if (g->stop) {
		pthread_mutex_unlock(&g->mu);
		log_err("group commit: stopping, operation refused");
		return -1;
	}
	if (g->tail != NULL)
		g->tail->next = o;
	else
		g->head = o;
	g->tail = o;
	g->queued++;
	/* The writer sleeps either for work or for a full batch. */
	if (g->queued == 1 || g->queued >= g->max_batch)
		pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->mu);
	return 0;
}

int
gcommit_run(struct gcommit *g, gcommit_fn fn, void *arg)
{
	struct gcommit_op o;

	if (g->started && pthread_equal(pthread_self(), g->thread))
		return fn(g->db, arg);
	memset(&o, 0, sizeof(o));
	o.fn = fn;
	o.arg = arg;
	if (sem_init(&o.done, 0, 0) != 0) {
		log_err("group commit: sem_init: %s", strerror(errno));
		return -1;
	}
	if (enqueue(g, &o) != 0) {
		sem_destroy(&o.done);
		return -1;
	}
	/* Returning while still queued would leave the writer our dead
	 * stack frame: the only other failure, EINVAL, is a broken sem. */
	while (sem_wait(&o.done) != 0)
		if (errno != EINTR)
			abort();
	sem_destroy(&o.done);
	return o.rc;
}

int
gcommit_submit(struct gcommit *g, struct gcommit_op *o, gcommit_fn fn,
    void *arg, gcommit_done cb, void *cb_arg)
{
	memset(o, 0, sizeof(*o));
	o->fn = fn;
	o->arg = arg;
	o->cb = cb;
	o->cb_arg = cb_arg;
	if (g->started && pthread_equal(pthread_self(), g->thread)) {
		o->rc = fn(g->db, arg);
		finish(o);
		return 0;
	}
	return enqueue(g, o);
}

void
gcommit_stats(struct gcommit *g, struct gcommit_stats *out)
{
	pthread_mutex_lock(&g->mu);
	*out = g->stats;
	pthread_mutex_unlock(&g->mu);
}

struct gcommit *
gcommit_new(const struct gcommit_config *cfg)
{
	struct gcommit *g;
	pthread_condattr_t ca;

	if (cfg->db == NULL || cfg->max_batch > GCOMMIT_BATCH_MAX ||
	    cfg->max_wait_us > GCOMMIT_WAIT_US_MAX || cfg->max_wait_us < -1) {
		log_err("group commit: bad configuration");
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_err("out of memory");
		return NULL;
	}
	g->db = cfg->db;
	g->dblock = cfg->lock;
	g->max_batch = cfg->max_batch ? cfg->max_batch : GCOMMIT_BATCH_DEFAULT;
	g->max_wait_us = cfg->max_wait_us == 0  ? GCOMMIT_WAIT_US_DEFAULT
			 : cfg->max_wait_us < 0 ? 0
						: cfg->max_wait_us;
	pthread_mutex_init(&g->mu, NULL);
	/* The batch window's deadline is on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&g->aside.mu, NULL);
	pthread_cond_init(&g->aside.cv, NULL);
	g->batch = calloc(g->max_batch, sizeof(*g->batch));
	if (g->batch == NULL) {
		log_err("out of memory");
		goto fail;
	}
	if (db_prepare(g->db, &g->begin, "BEGIN IMMEDIATE") != 0 ||
	    db_prepare(g->db, &g->commit, "COMMIT") != 0)
		goto fail;
	return g;
fail:
	gcommit_free(g);
	return NULL;
}

int
gcommit_start(struct gcommit *g)
{
	struct aside *a = &g->aside;

	if (pthread_create(&a->thread, NULL, answerer, g) != 0) {
		log_err("group commit: cannot start the answering thread");
		return -1;
	}
	a->started = 1;
	if (pthread_create(&g->thread, NULL, writer, g) != 0) {
		log_err("group commit: cannot start the writer thread");
		return -1;
	}
	g->started = 1;
	return 0;
}

/* After the writer: the answerer wakes the callers it still holds. */
static void
aside_stop(struct gcommit *g)
{
	struct aside *a = &g->aside;

	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->started)
		pthread_join(a->thread, NULL);
	a->started = 0;
}

void
gcommit_free(struct gcommit *g)
{
	if (g == NULL)
		return;
	if (g->started) {
		pthread_mutex_lock(&g->mu);
		g->stop = 1;
		pthread_cond_signal(&g->work);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->thread, NULL);
		if (g->stats.ops > 0)
			log_info("%s: group commit: %llu operation(s) in %llu "
				 "commit(s), at most %zu in one",
			    db_path(g->db), (unsigned long long)g->stats.ops,
			    (unsigned long long)g->stats.batches,
			    g->stats.largest);
	}
	aside_stop(g);
	sqlite3_finalize(g->begin);
	sqlite3_finalize(g->commit);
	free(g->batch);
	pthread_cond_destroy(&g->work);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->aside.cv);
	pthread_mutex_destroy(&g->aside.mu);
	free(g);
}
