/* Escaping for the places broker-derived strings end up. Each function takes arbitrary
 * bytes (NUL, invalid UTF-8, escape sequences, 64 KB strings are all normal input) and
 * returns a malloc'ed, NUL-terminated, valid UTF-8 string safe for its context, or NULL
 * on out-of-memory. Nothing is dropped silently: bytes that cannot be shown are written
 * as visible \xNN (invalid UTF-8, control characters) or \u{NNNN} (C1 and bidi controls).
 *
 *  escape_html      element text AND double/single-quoted attribute values
 *                   (& < > " ' escaped; controls shown as \xNN text)
 *  escape_term      one terminal line: printable text as is, every C0/C1 control, DEL,
 *                   bidi override and invalid byte shown, never executed; '\' doubled
 *  escape_csv_cell  one complete CSV cell, always double-quoted (RFC 4180, "" inside),
 *                   with a leading ' when it would start with = + - @ TAB CR (formula
 *                   injection, OWASP); controls other than TAB/CR/LF shown as \xNN */
#ifndef MSW_ESCAPE_H
#define MSW_ESCAPE_H
#include <stddef.h>

char *escape_html(const void *p, size_t n);
char *escape_term(const void *p, size_t n);
char *escape_csv_cell(const void *p, size_t n);
/* NUL-terminated convenience forms (NULL input gives ""). */
char *escape_html_s(const char *s);
char *escape_term_s(const char *s);
char *escape_csv_s(const char *s);

#endif
