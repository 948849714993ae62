/* Compact JSON text of a cJSON tree, byte for byte what cJSON_PrintUnformatted() (cJSON
 * 1.7.15) writes, appended to a capped dbuf. Why not cJSON's printer: it grows its buffer
 * by realloc, prints every number with sprintf("%1.15g") and reads it back with sscanf,
 * and asks localeconv() each time; for a record of ~1 KiB that was most of the user CPU a
 * fast scan spends per target. Here integers up to 1e15 are written digit by digit and
 * only other numbers take the printf round trip (the same one cJSON takes, so the text is
 * the same; mqttsweep never calls setlocale(), so printf's decimal point is '.'); strings
 * are copied whole when nothing in them needs escaping. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "output/jsonw.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSONW_MAX_DEPTH 1000

static inline msw_err put(struct dbuf *b, const void *p, size_t n)
{
	if (b->alloc - b->len >= n) {   /* the usual case: room already there */
		memcpy(b->p + b->len, p, n);
		b->len += n;
		return MSW_OK;
	}
	return dbuf_append(b, p, n);
}

/* Bytes a JSON string may hold as they are (not '"', '\\', or a control character). */
static const uint8_t plain[256] = {
	[32 ... 33] = 1, [35 ... 91] = 1, [93 ... 255] = 1,   /* 34 '"', 92 '\\' */
};

static msw_err put_int(struct dbuf *b, long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	unsigned long long u = v < 0 ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	return put(b, tmp + i, sizeof(tmp) - i);
}

static msw_err put_number(struct dbuf *b, double d)
{
	char tmp[32];
	double test = 0;
	int n;

	if (isnan(d) || isinf(d))
		return put(b, "null", 4);
	if (d == floor(d) && fabs(d) < 1e15 && !(d == 0 && signbit(d)))
		return put_int(b, (long long)d);   /* what %1.15g prints for these */
	n = snprintf(tmp, sizeof(tmp), "%1.15g", d);
	test = strtod(tmp, NULL);
	if (fabs(test - d) > (fabs(test) > fabs(d) ? fabs(test) : fabs(d)) * DBL_EPSILON)
		n = snprintf(tmp, sizeof(tmp), "%1.17g", d);
	return n > 0 && (size_t)n < sizeof(tmp) ? put(b, tmp, (size_t)n) : MSW_ERR_INTERNAL;
}

/* Escapes one chunk of a string into reserved room (6 bytes per input byte at most). */
static size_t escape_chunk(uint8_t *o, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *start = o;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (plain[c]) {
			*o++ = c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = (uint8_t)hex[c >> 4];
			*o++ = (uint8_t)hex[c & 15];
		}
	}
	return (size_t)(o - start);
}

#define ESC_CHUNK 4096

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The bytes of w that may need escaping (below 0x20, '"', '\\') have their high bit set
 * in the result (exact as "any": a borrow only ever follows a real hit). */
static inline uint64_t escape_bits(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), s = w ^ (ONES * '\\');
	return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((s - ONES) & ~s)) & HIGHS;
}

/* Length of the prefix of p[0..n) that needs no escaping. Eight bytes at a time; bytes
 * from 0x80 need none. */
#ifdef __SSE2__
/* Sixteen bytes at a time (SSE2 is part of every x86-64): bit k of the result is set when
 * byte k needs escaping ('"', '\\', below 0x20), or, with ascii, is 0x80 or above. */
static inline unsigned sse_escapes(const unsigned char *p, bool ascii)
{
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	__m128i ctl = ascii ? _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)) /* signed: 0x80.. too */
			    : _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
	__m128i q = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
	__m128i bs = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, _mm_or_si128(q, bs)));
}
#endif

static size_t plain_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; n - i >= 16; i += 16)
		if (sse_escapes(p + i, false))
			break;
#endif
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (escape_bits(w))
			break; /* some byte in this word needs escaping: look one by one */
	}
	while (i < n && plain[p[i]])
		i++;
	return i;
}

bool jsonw_ascii_plain(const void *v, size_t n)
{
	const unsigned char *p = v;
	size_t i = 0;

#ifdef __SSE2__
	for (; n - i >= 16; i += 16)
		if (sse_escapes(p + i, true))
			return false;
#endif
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if ((w & HIGHS) | escape_bits(w))
			return false;
	}
	for (; i < n; i++)
		if (p[i] >= 0x80 || !plain[p[i]])
			return false;
	return true;
}

/* n bytes (no NUL among them) as a JSON string. */
static msw_err put_string_n(struct dbuf *b, const unsigned char *p, size_t n)
{
	size_t i = plain_prefix(p, n);
	msw_err rc;

	if (i == n) { /* nothing to escape: one copy (reserving only when there is no room) */
		if (b->alloc - b->len < n + 2 && (rc = dbuf_reserve(b, n + 2)) != MSW_OK)
			return rc;
		b->p[b->len] = '"';
		memcpy(b->p + b->len + 1, p, n);
		b->p[b->len + 1 + n] = '"';
		b->len += n + 2;
		return MSW_OK;
	}
	rc = put(b, "\"", 1);
	while (!rc && n) {
		size_t k = n < ESC_CHUNK ? n : ESC_CHUNK;

		rc = dbuf_reserve(b, 6 * k);
		if (rc)
			break;
		b->len += escape_chunk(b->p + b->len, p, k);
		p += k;
		n -= k;
	}
	return rc ? rc : put(b, "\"", 1);
}

static msw_err put_string(struct dbuf *b, const char *s)
{
	s = s ? s : "";
	return put_string_n(b, (const unsigned char *)s, strlen(s));
}

static msw_err put_value(struct dbuf *b, const cJSON *it, int depth);

static msw_err put_children(struct dbuf *b, const cJSON *it, int depth, bool object)
{
	msw_err rc = put(b, object ? "{" : "[", 1);

	for (const cJSON *c = it->child; !rc && c; c = c->next) {
		if (c != it->child)
			rc = put(b, ",", 1);
		if (!rc && object) {
			rc = put_string(b, c->string);
			if (!rc)
				rc = put(b, ":", 1);
		}
		if (!rc)
			rc = put_value(b, c, depth + 1);
	}
	return rc ? rc : put(b, object ? "}" : "]", 1);
}

static msw_err put_value(struct dbuf *b, const cJSON *it, int depth)
{
	if (depth > JSONW_MAX_DEPTH)
		return MSW_ERR_TOO_BIG;
	switch (it->type & 0xFF) {
	case cJSON_NULL: return put(b, "null", 4);
	case cJSON_False: return put(b, "false", 5);
	case cJSON_True: return put(b, "true", 4);
	case cJSON_Number: return put_number(b, it->valuedouble);
	case cJSON_String: return put_string(b, it->valuestring);
	case cJSON_Raw:
		return it->valuestring ? put(b, it->valuestring, strlen(it->valuestring))
				       : MSW_ERR_INTERNAL;
	case cJSON_Array: return put_children(b, it, depth, false);
	case cJSON_Object: return put_children(b, it, depth, true);
	default: return MSW_ERR_INTERNAL;
	}
}

msw_err jsonw_append(struct dbuf *b, const cJSON *item)
{
	size_t mark = b->len;
	msw_err rc = item ? put_value(b, item, 0) : MSW_ERR_INTERNAL;

	if (rc)
		b->len = mark;   /* nothing half-written */
	return rc;
}

msw_err jsonw_raw(struct dbuf *b, const char *p, size_t n)
{
	return put(b, p, n);
}

msw_err jsonw_string(struct dbuf *b, const char *s)
{
	return put_string(b, s);
}

msw_err jsonw_string_n(struct dbuf *b, const void *p, size_t n)
{
	return put_string_n(b, p, n);
}

msw_err jsonw_number(struct dbuf *b, double d)
{
	return put_number(b, d);
}

/* Integers below 1e15 in magnitude print as their digits (what %1.15g prints for them);
 * larger ones take the double's form, as cJSON stores every number as a double. */
msw_err jsonw_int(struct dbuf *b, int64_t v)
{
	if (v > -1000000000000000LL && v < 1000000000000000LL)
		return put_int(b, v);
	return put_number(b, (double)v);
}

msw_err jsonw_uint(struct dbuf *b, uint64_t v)
{
	if (v < 1000000000000000ULL)
		return put_int(b, (long long)v);
	return put_number(b, (double)v);
}
