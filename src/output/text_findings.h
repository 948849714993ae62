/* The terminal's finding list under a service (text_findings.c). */
#ifndef MSW_TEXT_FINDINGS_H
#define MSW_TEXT_FINDINGS_H
#include <stdbool.h>
#include <stdio.h>
#include <cjson/cJSON.h>

/* Every finding of a service record, worst first, with its meaning, fix and reproduce line,
 * and the hints that help (detect: --detect was given). */
void text_findings(FILE *out, const cJSON *rec, bool color, bool detect);
/* The same for a record read through text_node.h (the record itself or a parsed one). */
struct tnode;
void text_findings_node(FILE *out, const struct tnode *rec, bool color, bool detect);

#endif
