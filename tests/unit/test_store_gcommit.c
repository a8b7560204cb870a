/*
 * Group commit (store/gcommit.c): many threads' operations share
 * commits, an operation that fails is undone alone, and everything
 * answered OK is on disk after the database is closed and reopened.
 */
#include "tests/unit/testutil.h"

#include <pthread.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "store/gcommit.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "store/sealer.h"

#define THREADS 8
#define PER_THREAD 60

struct fixture {
	char *dir;
	char path[PATH_MAX];
	uint8_t key[DB_KEY_LEN];
	struct db *db;
	struct gcommit *gc;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = testutil_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/dev.db", f->dir);
	randombytes_buf(f->key, sizeof(f->key));
	f->db = db_open(f->path, f->key, &schema_device);
	assert_non_null(f->db);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	gcommit_free(f->gc);
	db_close(f->db);
	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

/* One operation: put an outbox row with this id, then maybe say no. */
struct put {
	uint8_t id[ENVELOPE_ID_LEN];
	int fail_after_write;
	int rc;
};

static int
put_op(struct db *db, void *arg)
{
	struct put *p = arg;
	uint8_t env[100];

	memset(env, 0xab, sizeof(env));
	if (outbox_put(db, p->id, env, sizeof(env), db_now_ms()) != 0)
		return -1;
	/* Written, then refused: the savepoint must take it back. */
	return p->fail_after_write ? -1 : 7;
}

struct worker {
	struct gcommit *gc;
	struct put puts[PER_THREAD];
};

static void *
work(void *arg)
{
	struct worker *w = arg;

	for (size_t i = 0; i < PER_THREAD; i++)
		w->puts[i].rc = gcommit_run(w->gc, put_op, &w->puts[i]);
	return NULL;
}

static int
row_exists(struct db *db, const uint8_t id[ENVELOPE_ID_LEN])
{
	sqlite3_stmt *st = NULL;
	int found;

	assert_int_equal(
	    db_prepare(db, &st, "SELECT 1 FROM outbox WHERE envelope_id = ?"),
	    0);
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * THREADS threads at once, every third operation failing after its
 * write, and every fifth one a duplicate id (a constraint error inside
 * the batch). Only the failed ones are missing, before and after reopen.
 */
static void
batches_keep_the_good_ones(void **state)
{
	struct fixture *f = *state;
	struct worker *w = calloc(THREADS, sizeof(*w));
	pthread_t th[THREADS];
	struct gcommit_stats gs;
	struct put dup;
	int64_t pending = 0;
	size_t good = 0;

	assert_non_null(w);
	f->gc = gcommit_new(&(struct gcommit_config){
	    .db = f->db, .max_batch = 16, .max_wait_us = 2000});
	assert_non_null(f->gc);
	assert_int_equal(gcommit_start(f->gc), 0);
	/* An id already stored: its second put fails on the key. */
	memset(&dup, 0, sizeof(dup));
	randombytes_buf(dup.id, sizeof(dup.id));
	assert_int_equal(gcommit_run(f->gc, put_op, &dup), 7);
	for (size_t t = 0; t < THREADS; t++) {
		w[t].gc = f->gc;
		for (size_t i = 0; i < PER_THREAD; i++) {
			struct put *p = &w[t].puts[i];

			randombytes_buf(p->id, sizeof(p->id));
			p->fail_after_write = i % 3 == 0;
			if (i % 5 == 1)
				memcpy(p->id, dup.id, sizeof(p->id));
		}
	}
	for (size_t t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, work, &w[t]), 0);
	for (size_t t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	gcommit_stats(f->gc, &gs);
	print_message("%llu operations in %llu commits, largest %zu\n",
	    (unsigned long long)gs.ops, (unsigned long long)gs.batches,
	    gs.largest);
	assert_int_equal(gs.ops, THREADS * PER_THREAD + 1);
	assert_true(gs.batches < gs.ops); /* some commits were shared */
	assert_true(gs.largest <= 16);

	for (size_t t = 0; t < THREADS; t++)
		for (size_t i = 0; i < PER_THREAD; i++) {
			struct put *p = &w[t].puts[i];
			int want_ok = !p->fail_after_write && i % 5 != 1;

			assert_int_equal(p->rc, want_ok ? 7 : -1);
			good += want_ok;
		}
	/* Durable: a fresh connection after closing sees exactly these. */
	gcommit_free(f->gc);
	f->gc = NULL;
	db_close(f->db);
	f->db = db_open(f->path, f->key, &schema_device);
	assert_non_null(f->db);
	assert_int_equal(outbox_count(f->db, &pending, NULL), 0);
	assert_int_equal(pending, (int64_t)good + 1);
	for (size_t t = 0; t < THREADS; t++)
		for (size_t i = 0; i < PER_THREAD; i++) {
			struct put *p = &w[t].puts[i];

			if (i % 5 == 1)
				continue; /* the id dup.id is there, once */
			assert_int_equal(
			    row_exists(f->db, p->id), p->rc == 7 ? 1 : 0);
		}
	free(w);
}

/* An operation that itself calls gcommit_run (a sealer inside smsd's
 * dialog) runs at once in the same batch instead of waiting on itself. */
struct nested {
	struct gcommit *gc;
	struct put inner;
	int inner_rc;
};

static int
nested_op(struct db *db, void *arg)
{
	struct nested *n = arg;

	(void)db;
	n->inner_rc = gcommit_run(n->gc, put_op, &n->inner);
	return n->inner_rc < 0 ? -1 : 0;
}

static void
nested_runs_inline(void **state)
{
	struct fixture *f = *state;
	struct nested n;
	struct gcommit_stats gs;

	f->gc = gcommit_new(
	    &(struct gcommit_config){.db = f->db, .max_wait_us = -1});
	assert_non_null(f->gc);
	assert_int_equal(gcommit_start(f->gc), 0);
	memset(&n, 0, sizeof(n));
	n.gc = f->gc;
	randombytes_buf(n.inner.id, sizeof(n.inner.id));
	assert_int_equal(gcommit_run(f->gc, nested_op, &n), 0);
	assert_int_equal(n.inner_rc, 7);
	gcommit_stats(f->gc, &gs);
	assert_int_equal(gs.ops, 1);
	assert_int_equal(row_exists(f->db, n.inner.id), 1);
}

static void *
one_put(void *arg)
{
	struct worker *w = arg;

	w->puts[0].rc = gcommit_run(w->gc, put_op, &w->puts[0]);
	return NULL;
}

/*
 * The batch window: an operation that arrives while the writer is idle
 * waits up to max_wait_us for others, so two arriving 20 ms apart share
 * one commit under a 100 ms window (the window once never held: its
 * condition variable and its deadline were on different clocks).
 */
static void
window_holds_the_batch_open(void **state)
{
	struct fixture *f = *state;
	struct worker *w = calloc(2, sizeof(*w));
	struct gcommit_stats gs;
	pthread_t t;

	assert_non_null(w);
	f->gc = gcommit_new(&(struct gcommit_config){
	    .db = f->db, .max_wait_us = GCOMMIT_WAIT_US_MAX});
	assert_non_null(f->gc);
	assert_int_equal(gcommit_start(f->gc), 0);
	for (int i = 0; i < 2; i++) {
		w[i].gc = f->gc;
		randombytes_buf(w[i].puts[0].id, ENVELOPE_ID_LEN);
	}
	assert_int_equal(pthread_create(&t, NULL, one_put, &w[0]), 0);
	usleep(20000);
	one_put(&w[1]);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w[0].puts[0].rc, 7);
	assert_int_equal(w[1].puts[0].rc, 7);
	gcommit_stats(f->gc, &gs);
	assert_int_equal(gs.ops, 2);
	assert_int_equal(gs.batches, 1);
	assert_int_equal(gs.largest, 2);
	free(w);
}

/* gcommit_submit's callbacks: what each operation got, and where. */
struct submitted;
struct sub_one {
	struct submitted *sb;
	struct put put;
	struct gcommit_op op;
};

struct submitted {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int called;
	pthread_t caller;
	int on_caller; /* a callback ran on the submitting thread */
	struct sub_one one[PER_THREAD];
};

static void
submitted_done(void *arg, int rc)
{
	struct sub_one *o = arg;
	struct submitted *sb = o->sb;

	o->put.rc = rc;
	pthread_mutex_lock(&sb->mu);
	if (pthread_equal(pthread_self(), sb->caller))
		sb->on_caller = 1;
	sb->called++;
	pthread_cond_signal(&sb->cv);
	pthread_mutex_unlock(&sb->mu);
}

/*
 * gcommit_submit returns at once; each callback comes once, off the
 * submitting thread, after the batch is durable, with what gcommit_run
 * would have returned (a failed operation -1, the others kept).
 */
static void
submit_answers_later(void **state)
{
	struct fixture *f = *state;
	struct submitted *sb = calloc(1, sizeof(*sb));
	struct gcommit_stats gs;

	assert_non_null(sb);
	pthread_mutex_init(&sb->mu, NULL);
	pthread_cond_init(&sb->cv, NULL);
	sb->caller = pthread_self();
	f->gc = gcommit_new(&(struct gcommit_config){.db = f->db});
	assert_non_null(f->gc);
	assert_int_equal(gcommit_start(f->gc), 0);
	for (int i = 0; i < PER_THREAD; i++) {
		struct sub_one *o = &sb->one[i];

		o->sb = sb;
		randombytes_buf(o->put.id, sizeof(o->put.id));
		o->put.fail_after_write = i % 4 == 0;
		o->put.rc = 99;
		assert_int_equal(gcommit_submit(f->gc, &o->op, put_op, &o->put,
				     submitted_done, o),
		    0);
	}
	pthread_mutex_lock(&sb->mu);
	while (sb->called < PER_THREAD)
		pthread_cond_wait(&sb->cv, &sb->mu);
	pthread_mutex_unlock(&sb->mu);
	assert_false(sb->on_caller);
	gcommit_stats(f->gc, &gs);
	assert_int_equal(gs.ops, PER_THREAD);
	/* One thread submitting back to back: batches, not one each. */
	assert_true(gs.batches < gs.ops);
	gcommit_free(f->gc);
	f->gc = NULL;
	db_close(f->db);
	f->db = db_open(f->path, f->key, &schema_device);
	assert_non_null(f->db);
	for (int i = 0; i < PER_THREAD; i++) {
		struct sub_one *o = &sb->one[i];

		assert_int_equal(o->put.rc, o->put.fail_after_write ? -1 : 7);
		assert_int_equal(row_exists(f->db, o->put.id), o->put.rc == 7);
	}
	pthread_cond_destroy(&sb->cv);
	pthread_mutex_destroy(&sb->mu);
	free(sb);
}

/* kioskd's path: a sealer with a group commit queues a real envelope. */
static void
sealer_through_gcommit(void **state)
{
	struct fixture *f = *state;
	uint8_t dev[ENVELOPE_ID_LEN], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	uint8_t box_pk[crypto_box_PUBLICKEYBYTES],
	    box_sk[crypto_box_SECRETKEYBYTES];
	struct sealer s;
	struct outbox_item it;
	size_t n = 0;
	const char payload[] = "{\"schema\":1}";

	assert_non_null(sk);
	randombytes_buf(dev, sizeof(dev));
	crypto_sign_keypair(pk, sk);
	crypto_box_keypair(box_pk, box_sk);
	f->gc = gcommit_new(&(struct gcommit_config){.db = f->db});
	assert_non_null(f->gc);
	assert_int_equal(gcommit_start(f->gc), 0);
	s = (struct sealer){f->db, dev, sk, box_pk, f->gc};
	assert_int_equal(
	    sealer_outbox(&s, ENVELOPE_REFERRAL, payload, sizeof(payload) - 1),
	    0);
	/* A payload too large is refused before anything is queued. */
	assert_int_equal(
	    sealer_outbox(&s, ENVELOPE_REFERRAL, payload, ENVELOPE_MAX), -1);
	assert_int_equal(
	    outbox_take_due(f->db, db_now_ms() + 1, &it, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_true(it.len > sizeof(payload));
	outbox_items_free(&it, n);
	sodium_free(sk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		batches_keep_the_good_ones, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		nested_runs_inline, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		window_holds_the_batch_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		sealer_through_gcommit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		submit_answers_later, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
