/* Depth tcp: a connect scan. Nothing is sent: the engine (conn.c) sees connect_only,
 * records an accepted connection as success ("open") and aborts it (RST, so neither side
 * keeps TIME_WAIT or FIN_WAIT state, as after a SYN scan); a refusal is
 * connection-refused ("closed"), no answer within --connect-timeout is
 * connection-timeout ("filtered"). The probe itself has no callbacks. */
#include "probes/probe.h"

const struct probe probe_tcp = {
	.name = "tcp",
	.connect_only = true,
	.help = "TCP connect only: open, closed (refused) or filtered (no answer)",
};
