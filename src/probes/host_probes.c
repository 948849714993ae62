/* The host-stage probes (depth host), in the order the engine runs them on a host. */
#include <stddef.h>
#include "probes/probe.h"

const struct probe *const host_probes[] = { &probe_http, &probe_amqp, &probe_smb, NULL };
