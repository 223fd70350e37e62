/* Minimal JSON writing for --json outputs. */
#ifndef GEOEMBED_CLI_JSON_H
#define GEOEMBED_CLI_JSON_H

#include <stdio.h>

void json_string(FILE *f, const char *s);
/* Shortest exact form; NaN and infinities as null. */
void json_number(FILE *f, double v);

#endif
