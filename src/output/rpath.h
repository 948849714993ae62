/* A record's field read by its dotted path, wherever the record keeps that part.
 *
 * Column sinks (SQLite, PostgreSQL, CSV, HTML, the output's tallies) name the fields they
 * want as paths of the record's JSON ("broker.product", "topics.count", "risk.chain",
 * "smb.secrets_read", "accounts"). A path is looked up, in the order the JSON writer puts
 * the parts:
 *   1. the envelope's rows (record_table; resolved once, by rpath_init());
 *   2. the attached blocks before the tail (RB_SLOT_LAYER): one named by the path's first
 *      part ("tls.version"), or an FB_TOP block whose rows join the top level;
 *   3. the tail's blocks (RB_SLOT_TAIL: "risk.chain" of the host summary, probe blocks,
 *      the classifier's members).
 * These are the values the cJSON tree (record_to_json) gives at the path. A parsed record
 * (a cJSON tree, when a record's text could not be read back into a struct) is read with
 * rpath_get_in() from an FT_JSON value holding its root, by the same paths.
 *
 * Values come as struct fval (base/fields.h). A typed field reads as its row says. A JSON
 * member reads as: string -> FT_STR (its bytes), number -> FT_INT (i: the number cut to an
 * integer; rval_num() gives the number itself), true/false -> FT_BOOL, object, array or raw
 * -> FT_JSON (p: the cJSON node), null or missing -> absent. A JSON leaf keeps its node in
 * v->p; a typed scalar has v->p NULL.
 *
 * Lists are walked the same way whether typed (FT_LIST of blocks, FT_STRLIST) or JSON:
 * rpath_len(), rpath_elem(), and rpath_get_in() with a path relative to the element.
 *
 * An rpath caches the table it was last found in (attached blocks, list elements): use one
 * per thread. Nothing here allocates. */
#ifndef MSW_RPATH_H
#define MSW_RPATH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/fields.h"
#include "base/record.h"

#define RPATH_MAX 64 /* bytes of a path, with its NUL */

struct rpath {
	char path[RPATH_MAX];
	size_t first;            /* length of the first part */
	struct fpath env;        /* the envelope's rows (n == 0: not an envelope field) */
	/* the last table a lookup went into, and what it found there (n == 0: nothing) */
	const struct fblock *tbl;
	size_t tbl_skip;         /* bytes of path skipped before looking in tbl */
	struct fpath in;
};

/* Prepare a path (false: empty or longer than RPATH_MAX - 1 bytes). */
bool rpath_init(struct rpath *p, const char *path);
/* The field at p in r (see above). */
void rpath_get(const struct msw_record *r, struct rpath *p, struct fval *v);
/* The field at p below a node: a block (FT_BLOCK/FT_PTR/FT_REF value, or an element from
 * rpath_elem()) or a JSON object (FT_JSON). Anything else: absent. */
void rpath_get_in(const struct fval *node, struct rpath *p, struct fval *v);

/* Elements of a list value: a typed FT_LIST/FT_STRLIST, or a JSON node's children (an
 * array's elements; an object's members, as cJSON_ArrayForEach visits them); 0 for
 * anything else. */
size_t rpath_len(const struct fval *list);
/* Element i (< rpath_len) as a value: a typed list's block (FT_BLOCK: p, tbl) or string
 * (FT_BYTES), a JSON child as a member reads. */
void rpath_elem(const struct fval *list, size_t i, struct fval *e);
/* A list: typed FT_LIST/FT_STRLIST or a JSON array. */
bool rval_is_list(const struct fval *v);

/* The value as text, as the record's JSON holds it under the field's own name: words and
 * enum names; peer text (STR, BYTES, CHARS) only when it is valid UTF-8 without NUL (else
 * the JSON has "<name>_b64" and this is false). Absent, numbers, booleans, blocks: false. */
bool rval_text(const struct fval *v, const uint8_t **s, size_t *n);
/* Peer text that the JSON writes as "<name>_b64" (present, not valid UTF-8 or holding NUL):
 * its bytes. */
bool rval_b64_bytes(const struct fval *v, const uint8_t **s, size_t *n);
/* The value as the number the JSON holds: integers (as a double, as the cJSON tree held
 * them), a JSON number as it is (NaN included). A boolean reads as 0 or 1 (as the database
 * columns hold it). Anything else: false. */
bool rval_num(const struct fval *v, double *d);

#endif
