/* Minimal JSON writing for --json outputs, and its counterpart for text meant
 * for a terminal: strings from files (a model's names) are never written raw. */
#ifndef GEOEMBED_CLI_JSON_H
#define GEOEMBED_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>

/* A JSON string: always valid UTF-8 (invalid bytes become U+FFFD) with control
 * characters (C0, DEL, C1) escaped. */
void json_string(FILE *f, const char *s);
/* Shortest exact form; NaN and infinities as null. */
void json_number(FILE *f, double v);
/* For a terminal: control characters (C0, DEL, C1) and bytes that are not
 * UTF-8 written as \xNN, so that a file cannot send escape sequences. */
void text_string(FILE *f, const char *s);
/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when it is not one. */
size_t utf8_seq(const unsigned char *p);

#endif
