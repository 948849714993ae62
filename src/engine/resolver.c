/* Resolver threads. The shared state is reference-counted: the owner holds one reference
 * and every thread one, so resolver_close() never waits for a slow getaddrinfo() (a
 * SIGINT must stop the scan promptly); the last one out frees the state and closes the
 * eventfd, which therefore can never be written after its number was reused. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "engine/resolver.h"

struct job {
	char *name;
	int state;
	bool deferred;
	struct resolve_result res;
};

struct resolver {
	pthread_mutex_t mu;
	unsigned refs;
	bool stop;
	int efd;
	struct job *jobs;
	size_t njobs, next;
	size_t *ready; /* ring of deferred jobs that finished */
	size_t rhead, rcount;
	size_t waiting; /* deferred and still pending */
};

void resolve_one(const char *name, struct resolve_result *out)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res, *ai, *pick = NULL;
	int e;

	memset(out, 0, sizeof(*out));
	e = getaddrinfo(name, NULL, &hints, &res);
	if (e) {
		out->state = RJ_FAIL;
		snprintf(out->error, sizeof(out->error), "%s",
			 e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
		return;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (pick && pick->ai_addrlen <= sizeof(out->sa)) {
		memcpy(&out->sa, pick->ai_addr, pick->ai_addrlen);
		out->salen = pick->ai_addrlen;
		out->state = RJ_OK;
	} else {
		out->state = RJ_FAIL;
		snprintf(out->error, sizeof(out->error), "no IPv4 or IPv6 address");
	}
	freeaddrinfo(res);
}

static void free_state(struct resolver *r)
{
	for (size_t i = 0; i < r->njobs; i++)
		free(r->jobs[i].name);
	free(r->jobs);
	free(r->ready);
	if (r->efd >= 0)
		close(r->efd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void unref(struct resolver *r)
{
	bool last;

	pthread_mutex_lock(&r->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (last)
		free_state(r);
}

static void *worker(void *arg)
{
	struct resolver *r = arg;
	struct resolve_result res;
	uint64_t one = 1;

	for (;;) {
		size_t i;
		const char *name;

		pthread_mutex_lock(&r->mu);
		if (r->stop || r->next >= r->njobs) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		i = r->next++;
		name = r->jobs[i].name;
		pthread_mutex_unlock(&r->mu);

		resolve_one(name, &res);

		pthread_mutex_lock(&r->mu);
		r->jobs[i].res = res;
		r->jobs[i].state = res.state;
		if (r->jobs[i].deferred) {
			r->ready[(r->rhead + r->rcount++) % r->njobs] = i;
			r->waiting--;
		}
		if (write(r->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow with one write per name */
		}
		pthread_mutex_unlock(&r->mu);
	}
	unref(r);
	return NULL;
}

static msw_err alloc_state(struct resolver **rp, const char *const *names, size_t n)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return MSW_ERR_NOMEM;
	pthread_mutex_init(&r->mu, NULL);
	r->refs = 1;
	r->njobs = n;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->jobs = calloc(n ? n : 1, sizeof(*r->jobs));
	r->ready = calloc(n ? n : 1, sizeof(*r->ready));
	if (r->efd < 0 || !r->jobs || !r->ready) {
		free_state(r);
		return MSW_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r->jobs[i].name = strdup(names[i]);
		if (!r->jobs[i].name) {
			free_state(r);
			return MSW_ERR_NOMEM;
		}
	}
	*rp = r;
	return MSW_OK;
}

msw_err resolver_start(struct resolver **rp, const char *const *names, size_t n, unsigned nthreads)
{
	struct resolver *r;
	msw_err rc = alloc_state(&r, names, n);

	if (rc)
		return rc;
	if (nthreads > n)
		nthreads = (unsigned)n;
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_t t;

		pthread_mutex_lock(&r->mu);
		r->refs++;
		pthread_mutex_unlock(&r->mu);
		if (pthread_create(&t, NULL, worker, r)) {
			unref(r);
			if (i == 0) {
				unref(r);
				return MSW_ERR_NOMEM;
			}
			break;
		}
		pthread_detach(t);
	}
	*rp = r;
	return MSW_OK;
}

int resolver_fd(struct resolver *r)
{
	return r ? r->efd : -1;
}

void resolver_drain(struct resolver *r)
{
	uint64_t v;

	if (r && read(r->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to reset */
	}
}

int resolver_claim(struct resolver *r, size_t job, struct resolve_result *out)
{
	int st;

	pthread_mutex_lock(&r->mu);
	st = r->jobs[job].state;
	if (st == RJ_PENDING) {
		if (!r->jobs[job].deferred) {
			r->jobs[job].deferred = true;
			r->waiting++;
		}
	} else {
		*out = r->jobs[job].res;
	}
	pthread_mutex_unlock(&r->mu);
	return st;
}

bool resolver_pop_ready(struct resolver *r, size_t *job, struct resolve_result *out)
{
	bool got = false;

	pthread_mutex_lock(&r->mu);
	if (r->rcount) {
		*job = r->ready[r->rhead];
		r->rhead = (r->rhead + 1) % r->njobs;
		r->rcount--;
		*out = r->jobs[*job].res;
		got = true;
	}
	pthread_mutex_unlock(&r->mu);
	return got;
}

size_t resolver_waiting(struct resolver *r)
{
	size_t w;

	pthread_mutex_lock(&r->mu);
	w = r->waiting + r->rcount;
	pthread_mutex_unlock(&r->mu);
	return w;
}

void resolver_close(struct resolver *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_mutex_unlock(&r->mu);
	unref(r);
}
