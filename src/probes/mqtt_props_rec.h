/* A CONNACK's MQTT 5 properties as the record keeps them (connack.properties): a copy of
 * the decoded properties that owns its bytes, and the table that writes them by their
 * specification names ({"receive_maximum": 20, "user_properties": [["k", "v"]], ...}). */
#ifndef MSW_MQTT_PROPS_REC_H
#define MSW_MQTT_PROPS_REC_H
#include "base/record.h"
#include "probes/mqtt_codec.h"

#define MQTT_PROPS_ROWS 28 /* rows of mqtt_props_table */
struct mqtt_props_rec {
	struct mqtt_props p; /* slices point into buf (user_key/user_val too) */
	struct mqtt_pair {
		struct slice k, v;
	} users[MQTT_MAX_USER_PROPS];
	uint8_t nusers;      /* user properties kept */
	uint8_t *buf;
	/* this copy's own table: mqtt_props_table's rows of the properties present only, so
	 * a writer walks 2 or 3 rows, not one per property the codec knows (fref .tbl) */
	struct fblock tbl;
	struct fdef rows[MQTT_PROPS_ROWS];
};

extern const struct fblock mqtt_props_table;
/* A copy of p owning its bytes, NULL when out of memory. Attach it with
 * fref_set(ref, &copy->tbl, copy) (mqtt_props_table describes it too); free with
 * fref_clear(). */
struct mqtt_props_rec *mqtt_props_keep(const struct mqtt_props *p);
/* The copy a reference holds (either table), or NULL. */
const struct mqtt_props_rec *mqtt_props_rec_of(const struct fref *ref);
/* The table's row for property id, or NULL (tests keep the rows and the codec in step). */
const struct fdef *mqtt_props_row(int id);

#endif
