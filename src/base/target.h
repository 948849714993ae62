/* A target is one (address, port, transport) the engine connects to. Targets are produced
 * by the target iterator (engine/targets.c) in a seeded pseudo-random order and are owned by
 * the engine while in flight. */
#ifndef MSW_TARGET_H
#define MSW_TARGET_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* One port to probe on a host: the port list of the target space and the host-stage probes
 * (depth host) both produce these. */
struct probe;
struct port_spec {
	uint16_t port;
	int transport;               /* enum msw_transport */
	const struct probe *probe;   /* NULL = MQTT */
};

struct msw_target {
	struct sockaddr_storage sa;  /* address and port, ready for connect() */
	socklen_t salen;
	char ip[64];                 /* numeric address text */
	uint16_t port;
	int transport;               /* enum msw_transport */
	const char *hostname;        /* name as given (for SNI, Host:, records), or NULL */
	const char *username;        /* from an mqtt://user:pass@ URL, or NULL (secret) */
	const char *password;
	const char *ws_path;         /* from a ws:// URL path, or NULL */
	uint64_t index;              /* position in the scan's target space (resume key) */
	bool named;                  /* the user named this host (not only a range containing it) */
};

#endif
