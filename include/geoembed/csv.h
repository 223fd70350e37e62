/* CSV input and output, on top of libcsv.
 *
 * Reading streams: the file is read in 64 KiB chunks and one row at a time is
 * kept, so memory is bounded by the longest row, not the file. The header row
 * is read by ge_csv_open; every data row must have as many fields as it.
 *
 * Dialect: RFC 4180 quoting ("" inside a quoted field is one quote; quoted
 * fields may hold the delimiter, CR and LF), LF or CRLF line ends, an optional
 * UTF-8 BOM. Spaces (and tabs, unless tab is the delimiter) around an unquoted
 * field, and around the quotes of a quoted one, are trimmed; inside quotes
 * they are kept. Fully blank lines are skipped. A quote inside an unquoted
 * field, or text after a closing quote, is an error. Every field must be
 * valid UTF-8 without NUL bytes, and no field or line may exceed 1 MiB.
 *
 * Errors go through ge_error; messages start with "FILE:" or "FILE:LINE:". */
#ifndef GEOEMBED_CSV_H
#define GEOEMBED_CSV_H

#include <stdio.h>

#include "geoembed/error.h"

/* Longest field, and longest line, accepted: 1 MiB. */
#define GE_CSV_MAX_FIELD (1024L * 1024L)
/* Most columns a header may have. */
#define GE_CSV_MAX_COLS (1 << 20)

typedef struct ge_csv ge_csv;

typedef struct {
    /* 0: detect from the header line among ',', '\t', ';' (the one that occurs
     * most outside quotes; ',' when none). Otherwise any ASCII character but
     * '"', CR or LF. */
    char delimiter;
} ge_csv_opts;

/* Opens path ("-" = standard input) and reads the header row. o may be NULL
 * (detect the delimiter). Errors (message names the file): cannot open
 * (strerror), empty file ("FILE: empty file, expected a header row"), invalid
 * UTF-8 (with line). Duplicate or empty column names are allowed. A UTF-8 BOM
 * at the start is skipped. Returns NULL on error. */
ge_csv *ge_csv_open(const char *path, const ge_csv_opts *o, ge_error *err);
int ge_csv_ncols(const ge_csv *c);
/* Name of column i (0-based), NULL when out of range. */
const char *ge_csv_colname(const ge_csv *c, int i);
char ge_csv_delimiter(const ge_csv *c);
/* The path as given ("-" shown as "<stdin>"). */
const char *ge_csv_path(const ge_csv *c);
/* Case-insensitive (ASCII) column lookup: the first match, -1 when absent. */
int ge_csv_find(const ge_csv *c, const char *name);
/* The header's column names for messages: "a, b, c" (", ..." when they do
 * not fit in n bytes). */
void ge_csv_column_list(const ge_csv *c, char *buf, size_t n);
/* Next data row: returns 1 and sets *fields (ncols NUL-terminated strings,
 * valid until the next call or ge_csv_close) and *line (1-based line where the
 * row starts), 0 at end of input, -1 on error ("FILE:LINE: ..."): ragged row,
 * invalid UTF-8 or NUL byte, a field or line longer than 1 MiB, malformed
 * quoting, unterminated quote at end of file, read errors. After an error
 * every later call fails with the same message. */
int ge_csv_next(ge_csv *c, char *const **fields, long *line, ge_error *err);
/* The file offset of the first byte not yet parsed: after the header, or
 * after a row that ge_csv_next returned, where the next line starts. */
long long ge_csv_offset(const ge_csv *c);
/* The line of that byte (1-based). */
long ge_csv_line(const ge_csv *c);
/* From now on reads the rows in bytes [begin, end) of the file only (end
 * -1: to the end), the one at begin on line `line`; both ends must start a
 * line outside quotes (as ge_csv_offset after a row): one process's share
 * of a file (src/petsc/csv_share.c). The header stays as read. Not for
 * standard input. Returns 0 or -1 with err. */
int ge_csv_range(ge_csv *c, long long begin, long long end, long line, ge_error *err);
/* NULL is allowed. Standard input is not closed. */
void ge_csv_close(ge_csv *c);

/* Strict number parsing of a field: spaces and tabs around it are allowed,
 * the rest must be one number in strtod syntax with '.' as decimal point
 * ("1e3" yes; "10x", "", "1,5" no). Overflow ("1e999") is rejected; inf and
 * nan spellings are accepted (callers decide). Returns 0 and *v, or -1. */
int ge_csv_number(const char *field, double *v);
/* 1 when the field is a missing value: empty or blank, or NA, N/A, NaN, null
 * (any letter case); 0 otherwise. */
int ge_csv_is_missing(const char *field);

/* Writes one field (NULL as empty), quoted with libcsv's csv_fwrite only when
 * needed: it holds the delimiter, a quote, CR or LF, or starts or ends with a
 * space or tab. Returns 0, or -1 on a write error (see ferror). */
int ge_csv_write_field(FILE *f, const char *s, char delim);
/* Writes a double in the shortest of %.15g, %.16g, %.17g that reads back to
 * the same value (the sign of zero included); NaN as an empty field, the
 * infinities as inf and -inf. Returns 0 or -1. */
int ge_csv_write_number(FILE *f, double v);

#endif
