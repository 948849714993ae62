/* A field is described once: field tables (after zmap's fielddef_t) and the one walker
 * over them.
 *
 * Every result the record carries (the envelope, and each block a transport, probe,
 * classifier or the engine attaches: tls, websocket, http, smb, the host summary, ...) is
 * a C struct plus a `static const struct fblock` naming its fields in output order: name,
 * type, where it lives (offset, or a getter for a value computed from other fields), enum
 * names, flags (may be absent, null when absent, secret, ...), nested block or list.
 * Every sink reads the tables, not the structs: fields_walk() visits a value in table
 * order (JSON lines, the schema generator, the secret scrubber, a future PostgreSQL or
 * CERT export), fields_find()/fields_get() read one field by path (SQLite, CSV and HTML
 * columns). Adding a field is one row in its table (and the member in the struct).
 *
 * Contract for tables:
 *  - Only rows flagged F_OPT (may be left out) or F_NULL (null when absent) can be
 *    absent: when their pointer is NULL (STR, PTR, REF), their bytes pointer is
 *    NULL (BYTES), with F_ZERO when the value is 0 / false / empty (text, list), or when
 *    their getter says so. Other rows are always written (a NULL text reads as "").
 *  - STR, BYTES and CHARS hold bytes a peer (or a user) chose: sinks that need text
 *    write them as text when they are valid UTF-8 without NUL and as "<name>_b64"
 *    (standard base64 of the exact bytes) otherwise; an element of a string list that is
 *    not such text is written as {"b64": ...}. WORD is our own ASCII (vocabularies,
 *    constants): never checked, never escaped.
 *  - Field names are string literals: FIELD_KEY() keeps their JSON key text beside them,
 *    so the JSON writer copies `"name":` without formatting it. */
#ifndef MSW_FIELDS_H
#define MSW_FIELDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ftype {
	FT_BOOL,    /* bool */
	FT_INT,     /* signed integer, size bytes (1, 2, 4 or 8) */
	FT_UINT,    /* unsigned integer, size bytes */
	FT_WORD,    /* const char *: our own ASCII text */
	FT_STR,     /* char *: NUL-terminated text that may hold any byte but NUL */
	FT_BYTES,   /* struct mbytes: exact bytes */
	FT_CHARS,   /* char[size] inline, NUL-terminated */
	FT_ENUM,    /* an enum (int); names in enm */
	FT_HEX,     /* bytes shown as lowercase hex (a getter gives them) */
	FT_BLOCK,   /* a struct inline at off, described by sub */
	FT_PTR,     /* a pointer at off to a struct described by sub */
	FT_LIST,    /* a pointer at off to count structs (count: unsigned, size bytes, at off2),
		     * each described by sub */
	FT_STRLIST, /* a pointer at off to count struct mbytes (count as for FT_LIST) */
	FT_REF,     /* struct fref at off: a block whose table is known only at run time */
	FT_BLOCKS,  /* the blocks attached to a record for slot `arg` (the envelope only) */
	FT_JSON,    /* a value only, never a row: a parsed-JSON node (struct cJSON *), what a
		     * path gives in a parsed record (output/rpath.h) */
	FT__COUNT
};

enum fflag {
	F_OPT = 1u << 0,    /* may be left out (when absent) */
	F_NULL = 1u << 1,   /* written as null when absent */
	F_ZERO = 1u << 2,   /* 0, false, "" and an empty list count as absent */
	F_SECRET = 1u << 3, /* never written by a sink */
	F_DERIVED = 1u << 4,/* computed for columnar sinks (SQLite, CSV): not in the JSON */
	F_NULWRAP = 1u << 5,/* STRLIST: an element holding NUL is {"<name>_b64": ...} */
	F_TRUNC_NUL = 1u << 6, /* BYTES as text: only the bytes before a NUL (a C string) */
	F_SINKVAL = 1u << 7,/* WORD given by the sink, not the record (the tool version) */
	F_INLINE = 1u << 9, /* BLOCK/PTR: the sub-block's fields join this level (no key) */
};

/* Block flags. */
enum fbflag {
	FB_TOP = 1u << 0,   /* an attached block whose fields join the record's top level */
	FB_TUPLE = 1u << 1, /* written as a JSON array of its field values, not an object */
	FB_MAP = 1u << 2,   /* a list of these is one object: field 0 the key, field 1 the value;
			     * a key seen again turns its value into an array (DN parts) */
};

/* An enum's names: names[v] for 0 <= v < n; any other value reads as names[fallback]. */
struct fenum {
	const char *const *names;
	int n;
	int fallback;
};
const char *fenum_name(const struct fenum *e, int v);
int fenum_lookup(const struct fenum *e, const char *name); /* -1 when unknown */
/* The value whose name fenum_name() gives for v: v itself, or the fallback. */
int fenum_index(const struct fenum *e, int v);

/* Bytes as received: not necessarily UTF-8, not NUL-terminated (a NUL is appended for
 * convenience but len excludes it). */
struct mbytes {
	uint8_t *p;
	size_t len;
};

struct fdef;
struct fval;
struct fblock {
	const char *name;       /* key of an attached block; "" for the envelope */
	const char *jkey;       /* `"name":` (FBLOCK_KEY) */
	uint8_t jklen;
	const struct fdef *f;
	size_t n;
	size_t size;            /* sizeof the struct (attached blocks: allocated by the record) */
	unsigned flags;         /* enum fbflag */
	int slot;               /* attached blocks: where in the envelope (FT_BLOCKS arg) */
	int rank;               /* attached blocks: order within the slot */
	void (*free)(void *p);  /* releases what the struct owns (not the struct itself) */
	const char *desc;
};

/* A block whose table is chosen at run time (e.g. the CONNACK's MQTT 5 properties, kept by
 * a probe, in the record that knows no probe). */
struct fref {
	const struct fblock *tbl;
	void *p; /* owned: tbl->free(p), then free(p) */
};

/* One value read from a field. */
struct fval {
	enum ftype t;  /* BOOL, INT, UINT, WORD, STR (bytes in s), ENUM, HEX (bytes in s),
			* BLOCK (p + tbl), LIST (p, n, tbl / strings), REF, JSON */
	bool absent;
	bool b;
	int64_t i;     /* INT, ENUM (the index) */
	uint64_t u;
	const uint8_t *s; /* STR/WORD/BYTES/CHARS/HEX/ENUM(name) bytes */
	size_t n;         /* their length; list: element count */
	const void *p;    /* BLOCK/PTR/REF/LIST: the struct(s); STRLIST: struct mbytes[]; JSON */
	const struct fblock *tbl; /* BLOCK/PTR/REF/LIST: the table */
	char buf[48];     /* a getter's room for a short computed text (s may point here) */
};

/* A computed field: fills *out (out->t, out->absent and out->tbl are preset from the row). */
typedef void (*fget_fn)(const void *obj, const struct fdef *f, struct fval *out);
/* Its inverse, for a reader of records (JSON text back into the struct): sets in obj what
 * makes the getter give v (v->absent: null or left out; for a BLOCK row only its presence,
 * its rows are read into what the getter points at; for a LIST/STRLIST row only its
 * presence, its elements are read into the row's off/off2 members, which the row must then
 * name as a stored list does). Returns 0, or an msw_err when no
 * struct gives that value (the text was not written from one). */
typedef int (*fset_fn)(void *obj, const struct fdef *f, const struct fval *v);

struct fdef {
	const char *name;
	const char *jkey, *jkey64;   /* `"name":` and `"name_b64":` */
	uint8_t jklen, jk64len;
	uint8_t type;                /* enum ftype */
	uint8_t size;                /* INT/UINT/CHARS: bytes; LIST/STRLIST: the count's bytes */
	uint16_t flags;              /* enum fflag */
	uint32_t off, off2;
	const struct fenum *enm;     /* FT_ENUM */
	const struct fblock *sub;    /* BLOCK/PTR/LIST */
	fget_fn get;                 /* computed value (instead of off) */
	fset_fn set;                 /* the getter's inverse (the record reader), or NULL */
	intptr_t arg;                /* for get, and FT_BLOCKS' slot */
	const char *desc;            /* one line, for the schema and the docs */
	int64_t min, max;            /* INT/UINT bounds in the schema (min == max: none) */
	const char *pattern;         /* text pattern in the schema, or NULL */
};

/* Row helpers: FIELD_KEY("name") fills name and its JSON key texts. Each key text is
 * followed by FKEY_PAD NUL bytes, so a writer may copy FKEY_COPY bytes from it at once
 * (a name is at most FKEY_NAME_MAX bytes: the table test checks). */
#define FKEY_COPY 40
#define FKEY_NAME_MAX (FKEY_COPY - 7)
#define FKEY_PAD "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
#define FIELD_KEY(nm)                                                                     \
	.name = nm, .jkey = "\"" nm "\":" FKEY_PAD, .jkey64 = "\"" nm "_b64\":" FKEY_PAD,   \
	.jklen = sizeof("\"" nm "\":") - 1, .jk64len = sizeof("\"" nm "_b64\":") - 1
#define FMEMBER(T, m) .off = (uint32_t)offsetof(T, m)
#define FSIZED(T, m) .off = (uint32_t)offsetof(T, m), .size = (uint8_t)sizeof(((T *)0)->m)
#define FCOUNT(T, m) .off2 = (uint32_t)offsetof(T, m), .size = (uint8_t)sizeof(((T *)0)->m)
#define FIELDS(arr) .f = arr, .n = sizeof(arr) / sizeof(arr[0])
#define FBLOCK_KEY(nm) .name = nm, .jkey = "\"" nm "\":" FKEY_PAD, .jklen = sizeof("\"" nm "\":") - 1

/* Read field f of obj into *v (v->absent tells whether it is there). */
void fields_get(const void *obj, const struct fdef *f, struct fval *v);
/* Element i of a list value (from fields_get): the struct (a string list's: struct mbytes). */
const void *fields_elem(const struct fval *list, size_t i);

/* ---- the walker ---- */

enum fnode { FN_OBJECT, FN_ARRAY, FN_TUPLE, FN_MAP };

/* A visitor: value() gets every scalar (and every absent F_NULL field as v->absent; the
 * values of a tuple block, FB_TUPLE, come with elem set, absent ones too);
 * open()/close() bracket a block (FN_OBJECT, or FN_TUPLE for FB_TUPLE), a list
 * (FN_ARRAY; each element is then an open/close of its block, or a value() with f the
 * list's row and elem true), or a map list (FN_MAP: the visitor gets the list as one
 * value() with v->t FT_LIST and reads the entries itself: fields_map_*). f is the row
 * (NULL for the top block and for list elements). Attached blocks of FT_BLOCKS rows come
 * as open(f = NULL, blk = their table) unless FB_TOP, whose fields join the level.
 * Rows flagged F_SECRET are skipped; F_DERIVED rows too unless `derived` is set. */
struct fvisitor {
	void (*value)(void *ctx, const struct fdef *f, const struct fval *v, bool elem);
	void (*open)(void *ctx, const struct fdef *f, const struct fblock *blk, enum fnode k,
		     bool elem);
	void (*close)(void *ctx, const struct fdef *f, const struct fblock *blk, enum fnode k);
	bool derived;
	/* optional: stop early (an error in the sink) */
	bool (*stopped)(void *ctx);
};

/* Walk obj (described by blk) in table order. An FT_BLOCKS row's getter gives the
 * attached blocks of its slot as an array of struct fref (v->p, v->n). */
void fields_walk(const struct fblock *blk, const void *obj, const struct fvisitor *v,
		 void *ctx);

/* ---- by path ---- */

/* "broker.product", "topics.count": a chain of rows from blk down nested blocks
 * (BLOCK/PTR). Returns the number of rows, 0 when a name is unknown. */
#define FPATH_MAX 4
struct fpath {
	const struct fdef *f[FPATH_MAX];
	int n;
};
int fields_find(const struct fblock *blk, const char *path, struct fpath *out);
/* The value at path in obj (absent when a block on the way is absent). */
void fields_get_path(const void *obj, const struct fpath *p, struct fval *v);

/* ---- map lists (FB_MAP) ---- */

/* Entry i of a map list value: its key and value rows read into *k and *val. */
void fields_map_entry(const struct fval *list, size_t i, struct fval *k, struct fval *val);

/* ---- text helpers shared by sinks ---- */

/* p[0..n) is valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF) without NUL: it may be written as text. */
bool fields_text_ok(const uint8_t *p, size_t n);

#endif
