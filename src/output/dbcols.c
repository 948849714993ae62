/* The database sinks' columns read from the record (see dbcols.h). */
#include "output/dbcols.h"
#include "base/record.h"
#include "output/rpath.h"

const struct dbcol db_topic_cols[DB_TOPIC_COLS] = {
	{"topic", 't'}, {"topic", 'b'},	 {"retained", 'i'}, {"messages", 'i'},
	{"bytes", 'i'}, {"sample", 't'}, {"sample", 'b'},   {"sample_truncated", 'i'},
};

const struct dbcol db_finding_cols[DB_FINDING_COLS] = {
	{"id", 't'},	    {"category", 't'}, {"severity", 't'},    {"severity", 'r'},
	{"confidence", 't'}, {"cwe", 'i'},      {"topic", 't'},	      {"topic", 'b'},
	{"title", 't'},	    {"evidence", 't'}, {"remediation", 't'}, {"reproduce", 't'},
};

void dbv_read(const struct fval *v, char type, struct dbv *o)
{
	o->k = DBV_NULL;
	switch (type) {
	case 'i':
		if (rval_num(v, &o->d))
			o->k = DBV_NUM;
		break;
	case 't':
		if (rval_text(v, &o->s, &o->n))
			o->k = DBV_TEXT;
		break;
	case 'b':
		if (rval_b64_bytes(v, &o->s, &o->n))
			o->k = DBV_B64;
		break;
	case 'r': /* no severity reads as -1, as severity_from_str(NULL) */
		o->k = DBV_INT;
		o->i = !v->absent && v->t == FT_ENUM ? fenum_index(&msw_severity_enum, (int)v->i) : -1;
		break;
	default:
		break;
	}
}
