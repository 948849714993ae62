/* Stackable connection layers (after curl's connection filters): mqtt → ws → tls → tcp.
 * The engine builds a stack per connection, drives handshake() until it returns MSW_OK,
 * then the probe talks through send()/recv() of the top layer only and never knows what
 * is underneath. Each layer calls l->below for its own I/O; tcp is the bottom and does the
 * syscalls on l->fd.
 *
 * Contract:
 *  - handshake(): MSW_OK when this layer (and everything below) is ready; MSW_ERR_AGAIN
 *    when it must wait (set *want_write if it needs EPOLLOUT); any other error is final.
 *  - send(): accepts all n bytes or fails (the tcp layer queues what the kernel would
 *    not take, up to its cap, and flushes on EPOLLOUT). Returns MSW_OK or an error.
 *  - recv(): fills up to n bytes; *got = bytes produced. MSW_ERR_AGAIN when nothing is
 *    available now, MSW_ERR_CLOSED on orderly EOF, other errors are final.
 *  - pending_out(): bytes still queued for the network (engine then waits for EPOLLOUT).
 *  - describe(): add this layer's facts to the record (tls block, websocket block).
 *  - query(): a typed fact the layer knows (after curl's connection-filter queries), for
 *    the engine's decisions; false when the layer does not know or does not say. Optional.
 *  - destroy(): free state; the bottom layer closes the fd. */
#ifndef MSW_LAYER_H
#define MSW_LAYER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

struct msw_config;
struct msw_record;
struct msw_target;

/* What query() can be asked. */
enum layer_query {
	LQ_PEER_CERT, /* the peer showed a certificate (it speaks TLS, whatever else failed) */
};

struct layer;
struct layer_ops {
	const char *name;
	size_t state_size;
	msw_err (*open)(struct layer *l, const struct msw_target *t, const struct msw_config *cfg);
	msw_err (*handshake)(struct layer *l, bool *want_write);
	msw_err (*send)(struct layer *l, const uint8_t *p, size_t n);
	msw_err (*recv)(struct layer *l, uint8_t *p, size_t n, size_t *got);
	size_t (*pending_out)(struct layer *l);
	msw_err (*flush)(struct layer *l);  /* push queued bytes; MSW_ERR_AGAIN if some remain */
	void (*describe)(struct layer *l, struct msw_record *r);
	bool (*query)(struct layer *l, enum layer_query q);
	void (*destroy)(struct layer *l);
};

struct layer {
	const struct layer_ops *ops;
	struct layer *below;  /* NULL for tcp */
	int fd;               /* the socket (shared by the whole stack) */
	void *state;          /* ops->state_size bytes, zeroed */
	bool ready;           /* handshake finished */
};

extern const struct layer_ops layer_tcp;
extern const struct layer_ops layer_tls;
extern const struct layer_ops layer_ws;

/* Build a stack for a transport on an already-connecting fd; returns the top layer.
 * stack_destroy() frees every layer from the top down. */
msw_err stack_build(int fd, int transport, const struct msw_target *t,
		    const struct msw_config *cfg, struct layer **top);
void stack_destroy(struct layer *top);
size_t stack_pending_out(struct layer *top);
msw_err stack_flush(struct layer *top);
void stack_describe(struct layer *top, struct msw_record *r);
/* true when a layer of the stack answers q with true. */
bool stack_query(struct layer *top, enum layer_query q);

#endif
