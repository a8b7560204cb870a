#ifndef STORE_GCOMMIT_H
#define STORE_GCOMMIT_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <time.h>
#include <stdint.h>

#include "store/db.h"

/*
 * Group commit: one writer thread per database connection runs the
 * operations that arrive together in one transaction and one COMMIT (one
 * fsync of the WAL instead of one each), and only then answers each
 * caller. An operation that fails does not fail the others: the batch is
 * rolled back and run again without it (savepoints would do the same at
 * a price: SQLCipher encrypts every page a savepoint first touches into
 * its journal, which made a message twice as dear).
 *
 *   caller threads            writer thread
 *   gcommit_run(fn, arg) ---> queue ---> BEGIN IMMEDIATE
 *     (waits)                            fn(db, arg) ... up to max_batch
 *                                        COMMIT (durable: synchronous=FULL)
 *                                          |  the batch, in one hand-off
 *     <----------------------------- answering thread: wakes each caller
 *                                    with its fn's result
 *
 * A batch is closed when it holds max_batch operations or max_wait_us
 * after its first one arrived, whichever is first; operations arriving
 * while a batch commits form the next one, so under load batches grow by
 * themselves and alone a request waits for nothing but its own commit.
 */
#define GCOMMIT_BATCH_DEFAULT 64
#define GCOMMIT_BATCH_MAX 1024
#define GCOMMIT_WAIT_US_DEFAULT 200
#define GCOMMIT_WAIT_US_MAX 100000
/* Server workers a daemon that stores per request runs by default: each
 * waits in gcommit_run until its batch is durable, so the workers bound
 * how many requests one commit can carry (docs/storage.md). */
#define GCOMMIT_WORKERS_DEFAULT 32

/*
 * Runs on the writer thread inside the batch's transaction; must not
 * begin or commit one. A negative result drops what this call wrote (the
 * batch is rolled back and run again without it); zero or positive keeps
 * it and is handed back to the caller once committed. So fn may run more
 * than once: it must take everything from arg and the database and leave
 * its results only in arg, overwriting them each time.
 */
typedef int (*gcommit_fn)(struct db *db, void *arg);

struct gcommit_config {
	struct db *db; /* used only by the writer thread from now on */
	/* Held around each batch, for other users of the same connection
	 * (hubd's staff pull); NULL when there are none. */
	pthread_mutex_t *lock;
	size_t max_batch; /* 0: GCOMMIT_BATCH_DEFAULT */
	long max_wait_us; /* 0: GCOMMIT_WAIT_US_DEFAULT; -1: no wait */
};

struct gcommit_stats {
	uint64_t batches;
	uint64_t ops;
	uint64_t failed_ops; /* fn said no, or the batch did not commit */
	size_t largest;
};

struct gcommit;

/* Told an operation's result on the answering thread (gcommit_submit). */
typedef void (*gcommit_done)(void *cb_arg, int rc);

/* An operation in the queue: in its caller's memory, which must live
 * until the operation is done. The fields are gcommit's own. */
struct gcommit_op {
	gcommit_fn fn;
	void *arg;
	int rc;
	struct timespec queued;
	sem_t done; /* gcommit_run's caller waits on it */
	gcommit_done cb; /* gcommit_submit's caller is called instead */
	void *cb_arg;
	struct gcommit_op *next;
};

/* Prepares; gcommit_start starts the writer thread. Two steps because a
 * daemon confines itself (util/sandbox.h) before it starts any thread. */
struct gcommit *gcommit_new(const struct gcommit_config *cfg);
int gcommit_start(struct gcommit *g);

/*
 * Run fn(db, arg) in the next batch and wait until that batch is durable.
 * Returns fn's result, or -1 when fn failed or the batch could not commit
 * (nothing of fn's is then stored). Called from the writer thread itself
 * (an operation that calls a function that calls gcommit_run), fn runs
 * at once inside the open transaction.
 */
int gcommit_run(struct gcommit *g, gcommit_fn fn, void *arg);

/*
 * gcommit_run without the wait: queue fn(db, arg) in o and return 0 at
 * once (-1, and cb is never called, when the writer is stopping). Once
 * the batch is durable, or failed, cb(cb_arg, rc) runs on the answering
 * thread with what gcommit_run would have returned; after that, gcommit
 * does not touch o, arg or cb_arg again. Called on the writer thread, fn
 * and cb run at once.
 */
int gcommit_submit(struct gcommit *g, struct gcommit_op *o, gcommit_fn fn,
    void *arg, gcommit_done cb, void *cb_arg);

void gcommit_stats(struct gcommit *g, struct gcommit_stats *out);

/* Finishes what is queued, stops the writer. The db is not closed. */
void gcommit_free(struct gcommit *g);

#endif
