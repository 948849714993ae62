/* --workers N: past one process's 20,000 open files. The parent forks N children; child k
 * re-opens the target iterator on sub-shard k of N of the scan's shard (the iterator takes
 * every n-th element of the permutation for shard k of n, so shard s of S split N ways is
 * shard s + S*k of S*N) with the same seed and runs the ordinary engine into an output
 * whose one sink is the pipe to the parent (sink_worker_pipe, output_open_to): every
 * record as one JSON line, plus control lines
 *   {"__host_done": index, "tally": {counts}}   {"__progress": {counts}}   {"__stats": {counts}}
 * The parent reads each record line back into a record (record_from_tree(): the tables'
 * reader) and hands it to output_record(), so its sinks walk it as a single process's
 * would (a record with a part the tables cannot read back yet goes to output_json() as
 * its parsed tree); host markers go to output_host_done(); it sums the stats and
 * forwards a stop signal to the children. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "engine/engine_priv.h"
#include "output/output.h"
#include "output/record.h"
#include "output/sink.h"

#ifndef MSW_VERSION
#define MSW_VERSION "0"
#endif
#define MAX_WORKERS 64
#define MAX_LINE    (64u * 1024u * 1024u)


static msw_err write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return MSW_ERR_SINK;
		p += w;
		n -= (size_t)w;
	}
	return MSW_OK;
}

/* ---- the child's end: a sink writing lines to the pipe ---- */

static int pipe_fd(const struct sink *s)
{
	return *(const int *)s->arg;
}

static msw_err pipe_line(struct sink *s, const char *p, size_t n)
{
	msw_err rc = write_all(pipe_fd(s), p, n);
	return rc ? rc : write_all(pipe_fd(s), "\n", 1);
}

static msw_err pipe_obj(struct sink *s, const cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	if (!txt)
		return MSW_ERR_NOMEM;
	msw_err rc = pipe_line(s, txt, strlen(txt));
	free(txt);
	return rc;
}

static msw_err pipe_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	return s->arg ? MSW_OK : MSW_ERR_INTERNAL;
}

static msw_err pipe_host_done(struct sink *s, uint64_t index, const struct scan_stats *tally)
{
	cJSON *o = cJSON_CreateObject(), *t = tally ? scan_stats_json(tally) : NULL;
	msw_err rc = MSW_ERR_NOMEM;
	if (o && cJSON_AddNumberToObject(o, "__host_done", (double)index) &&
	    (!t || cJSON_AddItemToObject(o, "tally", t))) {
		t = NULL;
		rc = pipe_obj(s, o);
	}
	cJSON_Delete(t);
	cJSON_Delete(o);
	return rc;
}

static msw_err pipe_stats(struct sink *s, const struct scan_stats *st, int final)
{
	cJSON *o = cJSON_CreateObject(), *v = scan_stats_json(st);
	msw_err rc = MSW_ERR_NOMEM;
	if (o && v && cJSON_AddItemToObject(o, final ? "__stats" : "__progress", v)) {
		v = NULL;
		rc = pipe_obj(s, o);
	}
	cJSON_Delete(v);
	cJSON_Delete(o);
	return rc;
}

/* arg: the pipe's write end (an int). Records come as text when the output has no tree
 * to give (write_text), else as the tree (write); both are the same line. */
static const struct sink_ops sink_worker_pipe = {
	.name = "worker pipe",
	.open = pipe_open,
	.write = pipe_obj,
	.write_text = pipe_line,
	.host_done = pipe_host_done,
	.stats = pipe_stats,
};

/* The same pipe for a parent that keeps no host markers (no database sink): a host marker
 * with its tally is a line per host, which at --depth tcp is most of what a worker sends. */
static const struct sink_ops sink_worker_pipe_nomarks = {
	.name = "worker pipe",
	.open = pipe_open,
	.write = pipe_obj,
	.write_text = pipe_line,
	.stats = pipe_stats,
};

static bool (*skip_fn)(void *arg, uint64_t index);
static void *skip_arg;

void engine_set_skip(bool (*done)(void *arg, uint64_t index), void *arg)
{
	skip_fn = done;
	skip_arg = arg;
}

/* -n split over the workers: child k gets its share (0 = nothing to do, not unlimited). */
static uint64_t max_share(uint64_t max, unsigned k, unsigned n)
{
	return max / n + (k < max % n ? 1 : 0);
}

static void child_main(const struct msw_config *cfg, unsigned k, unsigned n, int fd, bool marks)
{
	struct msw_config c2 = *cfg;
	unsigned shards = cfg->shards ? cfg->shards : 1;
	struct target_iter *it = NULL;
	struct output *out = NULL;
	char *err = NULL;
	struct scan_stats st = {0};

	eng_rng_reseed();
	/* own process group: a terminal ^C reaches the parent only, which forwards it once;
	 * and a child never outlives its parent */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(3);
	c2.shards = shards * n;
	c2.shard = cfg->shard + shards * k;
	c2.workers = 1;
	if (output_open_to(&c2, marks ? &sink_worker_pipe : &sink_worker_pipe_nomarks, &fd, &out))
		_exit(3);
	if (cfg->max_targets) {
		c2.max_targets = max_share(cfg->max_targets, k, n);
		if (!c2.max_targets)
			_exit(output_finish(out, &st, 0) ? 3 : 0);
	}
	if (targets_open(&c2, eng_scan_seed(), &it, &err)) {
		fprintf(stderr, "mqttsweep: worker %u: %s\n", k, err ? err : "cannot open targets");
		_exit(3);
	}
	if (skip_fn)
		targets_set_skip(it, skip_fn, skip_arg);
	msw_err rc = eng_run_one(&c2, it, out, &st);
	if (targets_blocklisted(it) > st.blocklisted)
		st.blocklisted = targets_blocklisted(it); /* the parent's iterator never ran */
	(void)output_finish(out, &st, 0); /* the final counts */
	targets_close(it);
	_exit(rc == MSW_OK ? 0 : rc == MSW_ERR_INTERRUPTED ? 4 : 3);
}

struct wchild {
	pid_t pid;
	int fd;
	struct dbuf buf;
	struct scan_stats prog, final;
	bool done, have_final;
	bool skipping;      /* inside a line longer than MAX_LINE: drop up to its newline */
	uint64_t dropped;   /* such lines (reported on stderr at the end) */
};

static void handle_line(struct output *out, struct wchild *w, char *line, bool *failed)
{
	cJSON *o = cJSON_Parse(line);
	if (!o)
		return;
	const cJSON *v;
	if ((v = cJSON_GetObjectItem(o, "__stats"))) {
		scan_stats_from_json(&w->final, v);
		w->have_final = true;
	} else if ((v = cJSON_GetObjectItem(o, "__progress"))) {
		scan_stats_from_json(&w->prog, v);
	} else if ((v = cJSON_GetObjectItem(o, "__host_done"))) {
		struct scan_stats tally;
		scan_stats_from_json(&tally, cJSON_GetObjectItem(o, "tally"));
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1.8e19 &&
		    output_host_done(out, (uint64_t)v->valuedouble, &tally))
			*failed = true;
	} else {
		/* a record: read back through the tables, so the sinks walk it; a part they
		 * cannot read back yet keeps the parsed tree for this one */
		struct msw_record rec;
		if (record_from_tree(o, &rec) == MSW_OK) {
			if (output_record(out, &rec))
				*failed = true;
			record_free(&rec);
		} else if (output_json(out, o)) {
			*failed = true;
		}
	}
	cJSON_Delete(o);
}

/* Split bytes into NUL-terminated lines for on_line. A line longer than buf's cap is
 * dropped whole (up to its newline) and counted in *dropped; the lines around it are kept.
 * *skipping carries "inside an over-long line" from one call to the next. */
void workers_split_lines(struct dbuf *buf, bool *skipping, uint64_t *dropped, const char *p,
			 size_t n, void (*on_line)(void *arg, char *line), void *arg)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (!*skipping && (dbuf_append(buf, p, k) || (nl && dbuf_append(buf, "", 1)))) {
			dbuf_reset(buf);
			*skipping = true;
			(*dropped)++;
		}
		if (!nl)
			return;
		if (!*skipping)
			on_line(arg, (char *)buf->p);
		dbuf_reset(buf);
		*skipping = false;
		p = nl + 1;
		n -= k + 1;
	}
}

struct line_ctx {
	struct output *out;
	struct wchild *w;
	bool *failed;
};

static void on_child_line(void *arg, char *line)
{
	struct line_ctx *x = arg;

	handle_line(x->out, x->w, line, x->failed);
}

/* Read what a child wrote. Returns false at EOF. */
static bool child_read(struct output *out, struct wchild *w, bool *failed)
{
	char tmp[65536];
	ssize_t r = read(w->fd, tmp, sizeof(tmp));
	if (r < 0)
		return errno == EINTR || errno == EAGAIN;
	if (r == 0)
		return false;
	struct line_ctx x = {out, w, failed};

	workers_split_lines(&w->buf, &w->skipping, &w->dropped, tmp, (size_t)r, on_child_line, &x);
	return true;
}

/* *st = base (--resume: the finished hosts' counts) + every child's latest counts. */
static void sum_progress(struct wchild *w, unsigned n, struct scan_stats *st, bool final,
			 const struct scan_stats *base)
{
	struct scan_stats sum = *base;
	for (unsigned i = 0; i < n; i++)
		scan_stats_add(&sum, final && w[i].have_final ? &w[i].final : &w[i].prog);
	sum.start_us = st->start_us;
	sum.end_us = st->end_us;
	*st = sum;
}

static unsigned spawn(const struct msw_config *cfg, struct wchild *w, unsigned n, int ep, bool marks)
{
	unsigned started = 0;
	fflush(NULL);
	for (unsigned k = 0; k < n; k++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC))
			break;
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			for (unsigned i = 0; i < started; i++)
				close(w[i].fd);
			close(ep);
			child_main(cfg, k, n, p[1], marks);
		}
		close(p[1]);
		if (pid < 0) {
			close(p[0]);
			break;
		}
		w[started].pid = pid;
		w[started].fd = p[0];
		dbuf_init(&w[started].buf, MAX_LINE);
		struct epoll_event ee = {.events = EPOLLIN, .data.u32 = started};
		epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ee);
		started++;
	}
	return started;
}

static void parent_loop(struct output *out, struct target_iter *it, struct wchild *w, unsigned n,
			int ep, struct scan_stats *st, const struct scan_stats *base, bool *failed)
{
	unsigned open = n;
	int forwarded = 0;
	int64_t next_progress = eng_mono_ms() + 1000;
	while (open) {
		int sig = engine_stop_signal();
		if (sig && eng_stop_count() > forwarded) {
			for (unsigned i = 0; i < n; i++)
				kill(w[i].pid, sig);
			forwarded = eng_stop_count();
		}
		struct epoll_event ev[16];
		int k = epoll_wait(ep, ev, 16, 250);
		for (int i = 0; i < k; i++) {
			struct wchild *c = &w[ev[i].data.u32];
			if (!c->done && !child_read(out, c, failed)) {
				c->done = true;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				open--;
			}
		}
		if (eng_mono_ms() >= next_progress) {
			sum_progress(w, n, st, false, base);
			output_progress(out, st, targets_total(it));
			next_progress = eng_mono_ms() + 1000;
		}
	}
}

msw_err eng_run_workers(const struct msw_config *cfg, struct target_iter *it, struct output *out,
			struct scan_stats *st)
{
	unsigned n = cfg->workers > MAX_WORKERS ? MAX_WORKERS : cfg->workers;
	struct wchild w[MAX_WORKERS];
	bool failed = false, child_failed = false;

	memset(w, 0, sizeof(w));
	if (!st->start_us)
		st->start_us = eng_wall_us();
	const struct scan_stats base = *st; /* --resume: the finished hosts' counts */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return MSW_ERR_IO;
	unsigned started = spawn(cfg, w, n, ep, output_wants_host_done(out));
	if (started < n) {
		for (unsigned i = 0; i < started; i++)
			kill(w[i].pid, SIGTERM);
	}
	parent_loop(out, it, w, started, ep, st, &base, &failed);
	for (unsigned i = 0; i < started; i++) {
		int status = 0;
		while (waitpid(w[i].pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 4))
			child_failed = true;
		close(w[i].fd);
		dbuf_free(&w[i].buf);
		if (w[i].dropped) { /* records lost: the run cannot end with 0 */
			fprintf(stderr, "mqttsweep: worker %u: %llu record line(s) over %u MiB dropped\n",
				i, (unsigned long long)w[i].dropped, MAX_LINE >> 20);
			failed = true;
		}
	}
	close(ep);
	st->end_us = eng_wall_us();
	sum_progress(w, started, st, true, &base);
	if (engine_stop_signal())
		return MSW_ERR_INTERRUPTED;
	if (started < n || child_failed)
		return MSW_ERR_INTERNAL;
	return failed || output_failed(out) ? MSW_ERR_SINK : MSW_OK;
}
