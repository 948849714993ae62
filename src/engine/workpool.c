/* Worker threads for blocking probes; see workpool.h. Threads start lazily on the first
 * submit, so a scan without blocking probes creates none (and fork() for --workers stays
 * safe). */
#define _GNU_SOURCE
#include "engine/workpool.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct workpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wp_job *qhead, *qtail; /* waiting */
	struct wp_job *done;          /* finished, not reaped */
	size_t busy;
	unsigned nthreads, started;
	pthread_t *th;
	bool stop;
	int efd;
};

static void *worker(void *arg)
{
	struct workpool *wp = arg;
	pthread_mutex_lock(&wp->mu);
	for (;;) {
		while (!wp->qhead && !wp->stop)
			pthread_cond_wait(&wp->cv, &wp->mu);
		if (!wp->qhead)
			break;
		struct wp_job *j = wp->qhead;
		wp->qhead = j->next;
		if (!wp->qhead)
			wp->qtail = NULL;
		pthread_mutex_unlock(&wp->mu);
		j->run(j);
		pthread_mutex_lock(&wp->mu);
		j->next = wp->done;
		wp->done = j;
		uint64_t one = 1;
		(void)!write(wp->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&wp->mu);
	return NULL;
}

msw_err wp_open(struct workpool **out, unsigned nthreads)
{
	struct workpool *wp = calloc(1, sizeof(*wp));
	if (!wp)
		return MSW_ERR_NOMEM;
	wp->nthreads = nthreads ? nthreads : 1;
	wp->th = calloc(wp->nthreads, sizeof(*wp->th));
	wp->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!wp->th || wp->efd < 0) {
		if (wp->efd >= 0)
			close(wp->efd);
		free(wp->th);
		free(wp);
		return MSW_ERR_IO;
	}
	pthread_mutex_init(&wp->mu, NULL);
	pthread_cond_init(&wp->cv, NULL);
	*out = wp;
	return MSW_OK;
}

int wp_fd(struct workpool *wp)
{
	return wp->efd;
}

msw_err wp_submit(struct workpool *wp, struct wp_job *j)
{
	msw_err rc = MSW_OK;
	j->next = NULL;
	pthread_mutex_lock(&wp->mu);
	if (wp->started < wp->nthreads && wp->busy >= wp->started) {
		if (pthread_create(&wp->th[wp->started], NULL, worker, wp) == 0)
			wp->started++;
	}
	if (!wp->started) {
		rc = MSW_ERR_INTERNAL;
	} else {
		if (wp->qtail)
			wp->qtail->next = j;
		else
			wp->qhead = j;
		wp->qtail = j;
		wp->busy++;
		pthread_cond_signal(&wp->cv);
	}
	pthread_mutex_unlock(&wp->mu);
	return rc;
}

struct wp_job *wp_reap(struct workpool *wp)
{
	uint64_t v;
	(void)!read(wp->efd, &v, sizeof(v));
	pthread_mutex_lock(&wp->mu);
	struct wp_job *d = wp->done;
	wp->done = NULL;
	for (struct wp_job *j = d; j; j = j->next)
		wp->busy--;
	pthread_mutex_unlock(&wp->mu);
	return d;
}

size_t wp_busy(struct workpool *wp)
{
	pthread_mutex_lock(&wp->mu);
	size_t b = wp->busy;
	pthread_mutex_unlock(&wp->mu);
	return b;
}

struct wp_job *wp_close(struct workpool *wp, unsigned wait_ms)
{
	if (!wp)
		return NULL;
	pthread_mutex_lock(&wp->mu);
	wp->stop = true;
	struct wp_job *left = wp->qhead; /* never ran */
	wp->qhead = wp->qtail = NULL;
	pthread_cond_broadcast(&wp->cv);
	pthread_mutex_unlock(&wp->mu);
	bool stuck = false;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	for (unsigned i = 0; i < wp->started; i++) {
		if (pthread_timedjoin_np(wp->th[i], NULL, &ts) != 0) {
			pthread_detach(wp->th[i]);
			stuck = true;
		}
	}
	pthread_mutex_lock(&wp->mu);
	struct wp_job *d = wp->done;
	wp->done = NULL;
	pthread_mutex_unlock(&wp->mu);
	while (d) {
		struct wp_job *n = d->next;
		d->next = left;
		left = d;
		d = n;
	}
	if (stuck)
		return left; /* a detached thread still uses wp: leak it, never free under it */
	close(wp->efd);
	pthread_mutex_destroy(&wp->mu);
	pthread_cond_destroy(&wp->cv);
	free(wp->th);
	free(wp);
	return left;
}
