/* Builds the layer stack for a transport: tcp at the bottom, then tls, then ws.
 * mqtt → ws → tls → tcp for wss; the probe only ever sees the top. */
#include "transport/layer.h"
#include <stdlib.h>
#include "base/record.h"

static msw_err push(struct layer **top, const struct layer_ops *ops, int fd,
		    const struct msw_target *t, const struct msw_config *cfg)
{
	struct layer *l = calloc(1, sizeof(*l));
	if (!l)
		return MSW_ERR_NOMEM;
	l->ops = ops;
	l->below = *top;
	l->fd = fd;
	if (ops->state_size) {
		l->state = calloc(1, ops->state_size);
		if (!l->state) {
			free(l);
			return MSW_ERR_NOMEM;
		}
	}
	*top = l;  /* linked first so stack_destroy frees it even if open fails */
	return ops->open ? ops->open(l, t, cfg) : MSW_OK;
}

msw_err stack_build(int fd, int transport, const struct msw_target *t,
		    const struct msw_config *cfg, struct layer **top)
{
	*top = NULL;
	msw_err rc = push(top, &layer_tcp, fd, t, cfg);
	if (!rc && (transport == TRANSPORT_TLS || transport == TRANSPORT_WSS))
		rc = push(top, &layer_tls, fd, t, cfg);
	if (!rc && (transport == TRANSPORT_WS || transport == TRANSPORT_WSS))
		rc = push(top, &layer_ws, fd, t, cfg);
	if (rc) {
		stack_destroy(*top);
		*top = NULL;
	}
	return rc;
}

void stack_destroy(struct layer *top)
{
	while (top) {
		struct layer *below = top->below;
		if (top->ops->destroy)
			top->ops->destroy(top);
		free(top->state);
		free(top);
		top = below;
	}
}

size_t stack_pending_out(struct layer *top)
{
	size_t n = 0;
	for (struct layer *l = top; l; l = l->below)
		if (l->ops->pending_out)
			n += l->ops->pending_out(l);
	return n;
}

msw_err stack_flush(struct layer *top)
{
	msw_err last = MSW_OK;
	for (struct layer *l = top; l; l = l->below) {
		if (!l->ops->flush)
			continue;
		msw_err rc = l->ops->flush(l);
		if (rc && rc != MSW_ERR_AGAIN)
			return rc;
		if (rc)
			last = rc;
	}
	return last;
}

bool stack_query(struct layer *top, enum layer_query q)
{
	for (struct layer *l = top; l; l = l->below)
		if (l->ops->query && l->ops->query(l, q))
			return true;
	return false;
}

void stack_describe(struct layer *top, struct msw_record *r)
{
	for (struct layer *l = top; l; l = l->below)
		if (l->ops->describe)
			l->ops->describe(l, r);
}
