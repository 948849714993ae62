/* The MQTT probe's access maps as the record keeps them: the record's own map ("acl", at
 * the record's top level) and, when several accounts were audited, one entry per account
 * ("accounts"). A copy made when the probe finishes (the maps themselves, mqtt_access.h,
 * are freed then), described by mqtt_access_table: an FB_TOP block, so both rows sit at the
 * record's top level where the probe's tree put them.
 *
 * Filters and write topics are the record's text: our own filters as they are, topic
 * families seen on the broker already redacted per --evidence (the probe copies them
 * through the redaction). A user name is the one the scan was given, never a password. */
#ifndef MSW_MQTT_ACCESS_REC_H
#define MSW_MQTT_ACCESS_REC_H
#include <stdbool.h>
#include <stdint.h>
#include "base/record.h"
#include "probes/mqtt_access.h"

/* One row of a map: a topic filter tried and its verdicts. */
struct acl_rec_row {
	char *filter;
	uint8_t read;           /* enum acl_read */
	uint8_t write;          /* enum acl_write */
	uint8_t suback;         /* the SUBACK code, ACL_NO_CODE when none came */
	uint8_t puback;         /* the MQTT 5 PUBACK reason of the write test, ACL_NO_CODE */
	char *write_topic;      /* where the write test went; NULL: none was sent */
};

struct acl_rec {
	struct acl_rec_row *rows;
	uint32_t n;
};

/* One audited account. */
struct access_account_rec {
	char *user;             /* NULL: none (anonymous) */
	enum msw_auth auth;
	enum msw_read_access read_access;
	enum msw_write_access write_access;
	uint64_t messages;      /* what its main pass received */
	bool mapped;            /* its access map was made: acl is written */
	struct acl_rec acl;
};

struct mqtt_access_rec {
	bool mapped;            /* the record's account's map was made: acl is written */
	struct acl_rec acl;
	struct access_account_rec *accounts; /* naccounts of them; written when there are any */
	uint32_t naccounts;
};

extern const struct fblock mqtt_access_table;

/* Room for n rows (zeroed): MSW_ERR_NOMEM. */
msw_err acl_rec_alloc(struct acl_rec *a, size_t n);
void acl_rec_free(struct acl_rec *a);
void mqtt_access_rec_free(void *p);

#endif
