#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/periodic.h"

static void *
run(void *arg)
{
	struct periodic *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += p->every_ms / 1000;
		ts.tv_nsec += (long)(p->every_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		if (p->stopping)
			break;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->arg);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
periodic_start(
    struct periodic *p, int every_ms, void (*fn)(void *arg), void *arg)
{
	pthread_condattr_t ca;

	memset(p, 0, sizeof(*p));
	p->every_ms = every_ms;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	/* The monotonic clock: a wall-clock jump neither stalls nor races
	 * the timer. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		log_err("cannot start a timer thread");
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		return -1;
	}
	p->started = 1;
	return 0;
}

void
periodic_stop(struct periodic *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	p->started = 0;
}
