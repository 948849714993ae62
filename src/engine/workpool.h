/* A small bounded pool of worker threads for blocking probes (libsmbclient). The event
 * loop submits jobs; a worker runs job->run(job) and pushes the job on a done list and
 * signals an eventfd that the loop polls. The loop owns the job before submit and after
 * wp_reap(); it must not touch it in between (a job past its deadline is abandoned by the
 * engine's bookkeeping, never by freeing it under a running thread). */
#ifndef MSW_WORKPOOL_H
#define MSW_WORKPOOL_H
#include <stddef.h>
#include "base/err.h"

struct wp_job {
	void (*run)(struct wp_job *j);
	struct wp_job *next;
};

struct workpool;

msw_err wp_open(struct workpool **wp, unsigned nthreads);
int wp_fd(struct workpool *wp); /* readable when jobs are done */
msw_err wp_submit(struct workpool *wp, struct wp_job *j);
/* Detach and return the list of finished jobs (linked by next), or NULL. */
struct wp_job *wp_reap(struct workpool *wp);
size_t wp_busy(struct workpool *wp); /* submitted and not yet reaped */
/* Stop the threads: waits up to wait_ms for running jobs; threads still stuck after that
 * are detached and their jobs leaked (never freed under them). Returns the jobs that never
 * ran or finished unreaped (linked by next) for the caller to free. */
struct wp_job *wp_close(struct workpool *wp, unsigned wait_ms);

#endif
