#ifndef UTIL_PERIODIC_H
#define UTIL_PERIODIC_H

#include <pthread.h>

/*
 * A thread that calls fn(arg) every every_ms until periodic_stop: for
 * work that must happen even when no request comes (smsd expiring idle
 * conversations, kioskd wiping a visitor who walked away). Stopping
 * wakes it at once rather than after its sleep.
 */
struct periodic {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	int started;
	int every_ms;
	void (*fn)(void *arg);
	void *arg;
};

int periodic_start(
    struct periodic *p, int every_ms, void (*fn)(void *arg), void *arg);
/* Safe to call whether or not it was started. */
void periodic_stop(struct periodic *p);

#endif
