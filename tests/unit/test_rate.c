#include "tests/unit/testutil.h"

#include <sodium.h>

#include "sms/rate.h"
#include "util/log.h"

/* What a sender may send in the tests' window. */
#define MAX 5
#define WINDOW 3600000

static void
one_window(void **state)
{
	struct rate_window w = {0, 0};
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_true(rate_window_hit(&w, 1000 + i, 100, 3));
	for (i = 0; i < 5; i++)
		assert_false(rate_window_hit(&w, 1050, 100, 3));
	/* Counting stops once over. */
	assert_int_equal(w.hits, 4);
	/* The window has passed. */
	assert_true(rate_window_hit(&w, 1100, 100, 3));
	assert_int_equal(w.start, 1100);
	/* A clock that jumped back starts a new window. */
	assert_true(rate_window_hit(&w, 500, 100, 1));
	assert_false(rate_window_hit(&w, 501, 100, 1));
}

/*
 * Many random senders, each sending a random number of messages in a
 * random order: every sender gets exactly its first MAX answered, and
 * nobody else's messages count against it.
 */
static void
random_senders(void **state)
{
	enum { SENDERS = 4000, ROUNDS = 5 };
	static uint8_t keys[SENDERS][RATE_KEY_LEN];
	static int want[SENDERS], sent[SENDERS], allowed[SENDERS];
	struct rate *r;
	int round, i, left, s, t;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		assert_non_null(r = rate_new());
		left = 0;
		for (i = 0; i < SENDERS; i++) {
			randombytes_buf(keys[i], RATE_KEY_LEN);
			want[i] = 1 + (int)randombytes_uniform(3 * MAX);
			sent[i] = allowed[i] = 0;
			left += want[i];
		}
		for (t = 0; left > 0;) {
			s = (int)randombytes_uniform(SENDERS);
			if (sent[s] == want[s])
				continue;
			sent[s]++;
			left--;
			allowed[s] +=
			    rate_hit(r, keys[s], 1000 + t++ / 100, WINDOW, MAX);
		}
		for (i = 0; i < SENDERS; i++)
			assert_int_equal(
			    allowed[i], want[i] < MAX ? want[i] : MAX);
		assert_int_equal(rate_live(r, 1000 + t / 100, WINDOW), SENDERS);
		/* An hour later every sender starts again. */
		for (i = 0; i < SENDERS; i++)
			assert_true(rate_hit(
			    r, keys[i], 1000 + t / 100 + WINDOW, WINDOW, MAX));
		rate_free(r);
	}
}

/* Keys whose hash (first 8 bytes) is the same land in one neighbourhood. */
static void
same_neighbourhood(uint8_t key[RATE_KEY_LEN], int i)
{
	memset(key, 0x5a, RATE_KEY_LEN);
	memcpy(key + 8, &i, sizeof(i));
}

/*
 * RATE_PROBE senders fill a neighbourhood; one more takes the place of
 * the one whose window started first, and only that one starts over.
 * Expired windows are reused before anything live is dropped.
 */
static void
full_neighbourhood(void **state)
{
	uint8_t key[RATE_KEY_LEN];
	struct rate *r;
	int i, j;

	(void)state;
	assert_non_null(r = rate_new());
	for (i = 0; i < RATE_PROBE; i++) {
		same_neighbourhood(key, i);
		for (j = 0; j < MAX; j++)
			assert_true(rate_hit(r, key, 1000 + i, WINDOW, MAX));
	}
	same_neighbourhood(key, RATE_PROBE);
	assert_true(rate_hit(r, key, 2000, WINDOW, MAX));
	/* Sender 0 (the oldest window) was dropped: it starts over ... */
	same_neighbourhood(key, 0);
	assert_true(rate_hit(r, key, 2001, WINDOW, MAX));
	/* ... which dropped sender 1; the rest are still over. */
	for (i = 2; i < RATE_PROBE; i++) {
		same_neighbourhood(key, i);
		assert_false(rate_hit(r, key, 2002, WINDOW, MAX));
	}
	/* An hour after sender 30's window began, senders 2 to 30 have
	 * expired (29 slots): 29 newcomers take those, not a live one. */
	for (i = 0; i < RATE_PROBE - 3; i++) {
		same_neighbourhood(key, 1000 + i);
		assert_true(rate_hit(r, key, 1030 + WINDOW, WINDOW, MAX));
	}
	same_neighbourhood(key, 31);
	assert_false(rate_hit(r, key, 1030 + WINDOW, WINDOW, MAX));
	for (i = RATE_PROBE; i >= 0; i -= RATE_PROBE) {
		same_neighbourhood(key, i);
		for (j = 1; j < MAX; j++)
			assert_true(
			    rate_hit(r, key, 1030 + WINDOW, WINDOW, MAX));
		assert_false(rate_hit(r, key, 1030 + WINDOW, WINDOW, MAX));
	}
	rate_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_window),
	    cmocka_unit_test(random_senders),
	    cmocka_unit_test(full_neighbourhood),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
