/* Shard and run-id resolution (design: app/shard.h).
 *
 * Spellings: --shard K/N; zmap's --shards N --shard K; --shard auto, which takes the index
 * from a Slurm job array (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, N from
 * SLURM_ARRAY_TASK_COUNT; the array must be contiguous, 0-15 or 1-16, not 0-15:2) or from
 * a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, N from --shards, which the pod cannot
 * see). The run id: --run-id, else MQTTSWEEP_RUN_ID (deploy/k8s sets it from the Job's
 * name), else "slurm-" + SLURM_ARRAY_JOB_ID. A sharded scan needs both an explicit seed and
 * a run id: shards of one run must walk the same permutation, and a collector must know
 * which shards belong together. */
#define _GNU_SOURCE
#include "app/shard.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHARDS 65536u

static msw_err fail(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static msw_err fail(char **errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg) {
		free(*errmsg);
		va_start(ap, fmt);
		if (vasprintf(errmsg, fmt, ap) < 0)
			*errmsg = NULL;
		va_end(ap);
	}
	return MSW_ERR_USAGE;
}

bool shard_valid_run_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return false;
	return true;
}

/* An environment variable: NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* A decimal count from the environment: 0 absent, 1 read, -1 present but not a number up
 * to max. */
static int env_uint(const char *name, unsigned long max, unsigned long *out)
{
	const char *v = env(name);
	char *end;

	if (!v)
		return 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return errno || *end || *out > max ? -1 : 1;
}

static msw_err bad_env(char **errmsg, const char *name)
{
	return fail(errmsg, "--shard auto: %s='%s' is not a task number", name, env(name));
}

/* Slurm: --array=LO-HI gives every task SLURM_ARRAY_TASK_{ID,MIN,MAX,COUNT}. */
static msw_err from_slurm(struct msw_config *cfg, char **errmsg)
{
	unsigned long id = 0, lo = 0, hi = 0, cnt = 0;
	int has_lo, has_hi, has_cnt;

	if (env_uint(ENV_SLURM_TASK, 4000000000ul, &id) < 0)
		return bad_env(errmsg, ENV_SLURM_TASK);
	if ((has_lo = env_uint(ENV_SLURM_TASK_MIN, 4000000000ul, &lo)) < 0)
		return bad_env(errmsg, ENV_SLURM_TASK_MIN);
	if ((has_hi = env_uint(ENV_SLURM_TASK_MAX, 4000000000ul, &hi)) < 0)
		return bad_env(errmsg, ENV_SLURM_TASK_MAX);
	if ((has_cnt = env_uint(ENV_SLURM_TASK_CNT, MAX_SHARDS, &cnt)) < 0)
		return bad_env(errmsg, ENV_SLURM_TASK_CNT);
	if (!has_cnt && has_hi && hi >= lo && hi - lo < MAX_SHARDS)
		cnt = hi - lo + 1;
	if (!has_cnt && !has_hi)
		cnt = cfg->shards_opt;
	if (!cnt)
		return fail(errmsg, "--shard auto: %s is set but not %s: give --shards N",
			    ENV_SLURM_TASK, ENV_SLURM_TASK_CNT);
	if (has_hi && (hi < lo || hi - lo + 1 != cnt))
		return fail(errmsg,
			    "--shard auto: the Slurm array %lu-%lu has %lu tasks, not %lu (a step "
			    "or gaps): use a contiguous --array=0-%lu",
			    lo, hi, cnt, hi >= lo ? hi - lo + 1 : 0, cnt - 1);
	if (id < lo || id - lo >= cnt)
		return fail(errmsg, "--shard auto: %s=%lu is outside the array %lu-%lu",
			    ENV_SLURM_TASK, id, lo, lo + cnt - 1);
	if (cfg->shards_opt && cfg->shards_opt != cnt)
		return fail(errmsg, "--shards %u disagrees with the Slurm array's %lu tasks",
			    cfg->shards_opt, cnt);
	cfg->shard = (unsigned)(id - lo);
	cfg->shards = (unsigned)cnt;
	return MSW_OK;
}

/* Kubernetes Indexed Job: JOB_COMPLETION_INDEX is 0..completions-1; the pod does not see
 * the completion count, so --shards says it. */
static msw_err from_k8s(struct msw_config *cfg, char **errmsg)
{
	unsigned long idx = 0;

	if (env_uint(ENV_K8S_INDEX, MAX_SHARDS, &idx) < 0)
		return bad_env(errmsg, ENV_K8S_INDEX);
	if (!cfg->shards_opt)
		return fail(errmsg, "--shard auto with %s needs --shards N (the Job's completions)",
			    ENV_K8S_INDEX);
	if (idx >= cfg->shards_opt)
		return fail(errmsg, "--shard auto: %s=%lu is not below --shards %u", ENV_K8S_INDEX,
			    idx, cfg->shards_opt);
	cfg->shard = (unsigned)idx;
	cfg->shards = cfg->shards_opt;
	return MSW_OK;
}

static msw_err resolve_shard(struct msw_config *cfg, bool shard_given, char **errmsg)
{
	if (cfg->shard_auto) {
		if (env(ENV_SLURM_TASK))
			return from_slurm(cfg, errmsg);
		if (env(ENV_K8S_INDEX))
			return from_k8s(cfg, errmsg);
		return fail(errmsg, "--shard auto: neither %s (Slurm array) nor %s (Kubernetes "
				    "Indexed Job) is set",
			    ENV_SLURM_TASK, ENV_K8S_INDEX);
	}
	if (cfg->shards_opt && !shard_given)
		return fail(errmsg, "--shards %u needs --shard K (0 <= K < %u) or --shard auto",
			    cfg->shards_opt, cfg->shards_opt);
	if (cfg->shard_no_count) {
		if (!cfg->shards_opt)
			return fail(errmsg, "--shard %u needs --shards N (or write --shard %u/N)",
				    cfg->shard, cfg->shard);
		if (cfg->shard >= cfg->shards_opt)
			return fail(errmsg, "--shard %u is not below --shards %u", cfg->shard,
				    cfg->shards_opt);
		cfg->shards = cfg->shards_opt;
		return MSW_OK;
	}
	if (cfg->shards_opt && cfg->shards_opt != cfg->shards)
		return fail(errmsg, "--shard %u/%u and --shards %u disagree", cfg->shard,
			    cfg->shards, cfg->shards_opt);
	return MSW_OK;
}

static msw_err resolve_run_id(struct msw_config *cfg, char **errmsg)
{
	const char *v;
	char buf[80];

	if (cfg->run_id) {
		if (!shard_valid_run_id(cfg->run_id))
			return fail(errmsg,
				    "bad value '%s' for --run-id: 1-64 of [A-Za-z0-9._:-], "
				    "starting with a letter or digit",
				    cfg->run_id);
		return MSW_OK;
	}
	if ((v = env(ENV_RUN_ID))) {
		if (!shard_valid_run_id(v))
			return fail(errmsg,
				    "bad value '%s' in %s: 1-64 of [A-Za-z0-9._:-], starting "
				    "with a letter or digit",
				    v, ENV_RUN_ID);
		return (cfg->run_id = strdup(v)) ? MSW_OK : MSW_ERR_NOMEM;
	}
	if ((v = env(ENV_SLURM_JOB))) {
		snprintf(buf, sizeof(buf), "slurm-%.60s", v);
		if (!shard_valid_run_id(buf))
			return fail(errmsg, "bad value '%s' in %s: not a job id", v, ENV_SLURM_JOB);
		return (cfg->run_id = strdup(buf)) ? MSW_OK : MSW_ERR_NOMEM;
	}
	return MSW_OK;
}

msw_err shard_resolve(struct msw_config *cfg, bool shard_given, char **errmsg)
{
	msw_err rc = resolve_run_id(cfg, errmsg);

	if (!rc)
		rc = resolve_shard(cfg, shard_given, errmsg);
	/* with --resume they only pick the scan to continue: its seed is the recorded one */
	if (rc || cfg->shards <= 1 || cfg->resume_db)
		return rc;
	if (!cfg->seed_set)
		return fail(errmsg,
			    "shard %u/%u needs an explicit --seed: every shard of a run must walk "
			    "the same permutation",
			    cfg->shard, cfg->shards);
	if (!cfg->run_id)
		return fail(errmsg,
			    "shard %u/%u needs a run id: --run-id ID, %s, or a Slurm array job "
			    "(%s)",
			    cfg->shard, cfg->shards, ENV_RUN_ID, ENV_SLURM_JOB);
	return MSW_OK;
}
