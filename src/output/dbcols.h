/* The columns both database sinks (SQLite, PostgreSQL) read from a record through its field
 * tables (output/rpath.h), and a field's value as a column holds it.
 *
 * A column is a field's path and how it is read: 't' the field's text under its own name
 * (NULL when the record's JSON has "<name>_b64" instead), 'b' that "<name>_b64" form, 'i'
 * the number the JSON holds (a boolean as 0 or 1), 'r' a severity's rank (its enum value).
 * These are the values the sinks bound from the record's cJSON tree before the tables. */
#ifndef MSW_DBCOLS_H
#define MSW_DBCOLS_H
#include <stddef.h>
#include <stdint.h>
#include "base/fields.h"

struct dbcol {
	const char *path;
	char type;
};

/* A topic row's columns after the key (topic .. sample_truncated), and a finding row's
 * (id .. reproduce), in the tables' order. */
#define DB_TOPIC_COLS 8
#define DB_FINDING_COLS 12
extern const struct dbcol db_topic_cols[DB_TOPIC_COLS];
extern const struct dbcol db_finding_cols[DB_FINDING_COLS];

enum dbkind {
	DBV_NULL,
	DBV_NUM,  /* d */
	DBV_TEXT, /* s, n */
	DBV_B64,  /* s, n: the bytes to write as base64 */
	DBV_INT,  /* i */
};
struct dbv {
	enum dbkind k;
	double d;
	int64_t i;
	const uint8_t *s;
	size_t n;
};

/* Field value v read as a column of this type. */
void dbv_read(const struct fval *v, char type, struct dbv *o);

#endif
