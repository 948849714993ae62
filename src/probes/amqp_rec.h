/* What a broker's AMQP port said before any login, as the record keeps it (the "amqp"
 * block): the protocol it answered with, the kind of answer, the Connection.Start server
 * properties (product, version, platform, cluster name, copyright, information), the SASL
 * mechanisms and locales it offers, its capabilities, and the 1.0 SASL mechanisms when a
 * 1.0 server was asked again. Filled from the codec's replies (amqp_codec.h) when the probe
 * finishes, described by amqp_table.
 *
 * The property texts are the codec's: valid UTF-8 kept, control bytes and invalid
 * sequences as '?', cut at AMQP_STR - 1 bytes; mechanisms, capabilities and locales are
 * printable ASCII words. */
#ifndef MSW_AMQP_REC_H
#define MSW_AMQP_REC_H
#include <stdbool.h>
#include "base/record.h"
#include "probes/amqp_codec.h"

/* The kind of the first answer (to the 0-9-1 protocol header). */
enum amqp_answer { AMQP_ANSWER_START, AMQP_ANSWER_SASL, AMQP_ANSWER_HEADER, AMQP_ANSWER__COUNT };
extern const struct fenum amqp_answer_enum;

struct amqp_info {
	char protocol[20];      /* "0-9-1", "1.0 (SASL)", "1.0", "1.0 (TLS)", or "a.b.c.d" */
	enum amqp_answer answer;
	struct amqp_str product, version, platform, cluster_name, copyright, information;
	struct strlist mechanisms;   /* 0-9-1 SASL mechanisms offered */
	char locales[32];
	struct strlist capabilities; /* server capabilities set to true */
	bool sasl_asked;             /* a 1.0 server answered the SASL header with its mechanisms */
	struct strlist sasl_mechanisms;
};

extern const struct fblock amqp_table;

/* Fill *b from the answer to the 0-9-1 header (first) and, when the 1.0 SASL header got a
 * sasl-mechanisms answer, that one (sasl, else NULL). MSW_ERR_NOMEM leaves a block that
 * lacks some mechanisms or capabilities. */
msw_err amqp_info_fill(struct amqp_info *b, const struct amqp_reply *first,
		       const struct amqp_reply *sasl);
void amqp_info_free(void *b);

#endif
