/* The bottom layer: plain TCP on a socket the engine has already connected (the engine
 * owns non-blocking connect, its timeout and its error mapping). send() writes what the
 * kernel takes now and queues the rest in a capped buffer that flush() drains when the
 * engine sees EPOLLOUT; recv() is one non-blocking recv(). destroy() closes the fd. */
#include "transport/layer.h"
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include "base/dbuf.h"

#define TCP_OUTQ_MAX (256u * 1024u)

struct tcp_state {
	struct dbuf outq;
};

static msw_err tcp_open(struct layer *l, const struct msw_target *t, const struct msw_config *cfg)
{
	struct tcp_state *s = l->state;
	dbuf_init(&s->outq, TCP_OUTQ_MAX);
	return MSW_OK;
}

static msw_err tcp_handshake(struct layer *l, bool *want_write)
{
	*want_write = false;
	l->ready = true;
	return MSW_OK;
}

static msw_err err_of(int e)
{
	switch (e) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return MSW_ERR_AGAIN;
	case ECONNRESET:
	case EPIPE:
		return MSW_ERR_CLOSED;
	case ECONNREFUSED:
		return MSW_ERR_REFUSED;
	case ETIMEDOUT:
		return MSW_ERR_TIMEOUT;
	default:
		return MSW_ERR_IO;
	}
}

/* Write as much of p as the kernel takes; *done = bytes written. */
static msw_err write_some(int fd, const uint8_t *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t w = send(fd, p + *done, n - *done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			*done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		msw_err rc = w < 0 ? err_of(errno) : MSW_ERR_IO;
		return rc == MSW_ERR_AGAIN ? MSW_OK : rc;
	}
	return MSW_OK;
}

static msw_err tcp_flush(struct layer *l)
{
	struct tcp_state *s = l->state;
	size_t done;

	if (!s->outq.len)
		return MSW_OK;
	msw_err rc = write_some(l->fd, s->outq.p, s->outq.len, &done);
	if (rc)
		return rc;
	dbuf_consume(&s->outq, done);
	if (!s->outq.len && s->outq.alloc > 4096)
		dbuf_free(&s->outq);
	return s->outq.len ? MSW_ERR_AGAIN : MSW_OK;
}

static msw_err tcp_send(struct layer *l, const uint8_t *p, size_t n)
{
	struct tcp_state *s = l->state;
	size_t done = 0;

	if (!n)
		return MSW_OK;
	if (s->outq.len) {
		/* keep order: queue behind what is already waiting, then try to drain */
		msw_err rc = dbuf_append(&s->outq, p, n);
		if (rc)
			return rc;
		rc = tcp_flush(l);
		return rc == MSW_ERR_AGAIN ? MSW_OK : rc;
	}
	msw_err rc = write_some(l->fd, p, n, &done);
	if (rc)
		return rc;
	return dbuf_append(&s->outq, p + done, n - done);
}

static msw_err tcp_recv(struct layer *l, uint8_t *p, size_t n, size_t *got)
{
	*got = 0;
	for (;;) {
		ssize_t r = recv(l->fd, p, n, MSG_DONTWAIT);
		if (r > 0) {
			*got = (size_t)r;
			return MSW_OK;
		}
		if (r == 0)
			return MSW_ERR_CLOSED;
		if (errno == EINTR)
			continue;
		return err_of(errno);
	}
}

static size_t tcp_pending(struct layer *l)
{
	struct tcp_state *s = l->state;
	return s->outq.len;
}

static void tcp_destroy(struct layer *l)
{
	struct tcp_state *s = l->state;
	if (s)
		dbuf_free(&s->outq);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

const struct layer_ops layer_tcp = {
	.name = "tcp",
	.state_size = sizeof(struct tcp_state),
	.open = tcp_open,
	.handshake = tcp_handshake,
	.send = tcp_send,
	.recv = tcp_recv,
	.pending_out = tcp_pending,
	.flush = tcp_flush,
	.describe = NULL,
	.destroy = tcp_destroy,
};
