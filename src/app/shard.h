/* One run over many machines: which shard this process scans and which run it belongs to,
 * from the command line (--shard K/N, zmap's --shards N --shard K, --shard auto, --run-id)
 * and from the scheduler's environment (Slurm job arrays, Kubernetes Indexed Jobs). */
#ifndef MSW_SHARD_H
#define MSW_SHARD_H
#include <stdbool.h>
#include "base/config.h"
#include "base/err.h"

/* Environment variables read (documented in docs/distributed.md). */
#define ENV_RUN_ID          "MQTTSWEEP_RUN_ID"
#define ENV_SLURM_JOB       "SLURM_ARRAY_JOB_ID"
#define ENV_SLURM_TASK      "SLURM_ARRAY_TASK_ID"
#define ENV_SLURM_TASK_MIN  "SLURM_ARRAY_TASK_MIN"
#define ENV_SLURM_TASK_MAX  "SLURM_ARRAY_TASK_MAX"
#define ENV_SLURM_TASK_CNT  "SLURM_ARRAY_TASK_COUNT"
#define ENV_K8S_INDEX       "JOB_COMPLETION_INDEX"

/* After parsing: settle cfg->shard/shards from the spellings given and the environment,
 * take the run id from the environment when --run-id was not given, and refuse a sharded
 * scan that lacks an explicit seed or a run id (its shards could not be put together;
 * with --resume the shard and run id only pick the recorded scan, whose seed is replayed).
 * Returns MSW_ERR_USAGE with a message naming the option or variable at fault. */
msw_err shard_resolve(struct msw_config *cfg, bool shard_given, char **errmsg);

/* A run id: 1-64 of [A-Za-z0-9._:-], starting with a letter or digit. */
bool shard_valid_run_id(const char *s);

#endif
