/* Row filters for CSV input: the part of OGR SQL's WHERE clause that people
 * write against attribute tables, evaluated over a CSV's columns, so that
 * --where means the same on a CSV as on a vector source.
 *
 *   expr    := term { OR term }
 *   term    := factor { AND factor }
 *   factor  := NOT factor | '(' expr ')' | operand IS [NOT] NULL
 *            | operand cmp operand
 *   cmp     := = | == | != | <> | < | <= | > | >=
 *   operand := column (a bare name or "double-quoted") | number
 *            | 'single-quoted text' ('' inside is one quote)
 *
 * Keywords and column names are case-insensitive. A comparison with a number
 * is numeric: the cell must then hold a number (an error names the file, line
 * and column); two columns compare as numbers when both cells are numbers,
 * else as text. Missing cells (empty, NA, NaN, null) are NULL, as in SQL: a
 * comparison with NULL is unknown, NOT unknown is unknown, and a row is kept
 * only when the whole filter is true. */
#ifndef GEOEMBED_WHERE_H
#define GEOEMBED_WHERE_H

#include "geoembed/csv.h"
#include "geoembed/error.h"

typedef struct ge_where ge_where;

/* Parses expr; NULL with a message ("--where: expected ... at character N of
 * 'EXPR'") on a syntax error. */
ge_where *ge_where_parse(const char *expr, ge_error *err);
/* Resolves the column names against c's header: -1 with "FILE: --where: no
 * column 'NAME' (columns: ...)" when one is missing. */
int ge_where_bind(ge_where *w, const ge_csv *c, ge_error *err);
/* 1 when the row passes, 0 when not, -1 with "FILE:LINE: ..." when a cell that
 * is compared with a number is not one. fields are the row's cells. */
int ge_where_eval(const ge_where *w, const ge_csv *c, char *const *fields, long line,
                  ge_error *err);
void ge_where_free(ge_where *w);

#endif
