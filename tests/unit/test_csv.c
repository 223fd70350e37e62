/* Unit tests of src/io/csv.c: header and delimiter handling, quoting, line
 * numbers, the error messages, number and missing-value parsing, and the
 * writers' round trips through the reader. Input files are made with mkstemp
 * under $TMPDIR (or /tmp) and removed by the suite's fini. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geoembed/csv.h"

/* ------------------------------------------------------------ helpers */

#define MAX_TMP 64
static char *tmp_paths[MAX_TMP];
static int n_tmp;

static void cleanup(void)
{
    for (int i = 0; i < n_tmp; i++) {
        unlink(tmp_paths[i]);
        free(tmp_paths[i]);
    }
    n_tmp = 0;
}

TestSuite(csv, .fini = cleanup);

/* A new temporary file holding data[0, n); returns its path. */
static const char *tmp_data(const void *data, size_t n)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    cr_assert(n_tmp < MAX_TMP);
    size_t len = strlen(dir) + sizeof "/ge-csv-test-XXXXXX";
    char *path = malloc(len);
    cr_assert(path);
    snprintf(path, len, "%s/ge-csv-test-XXXXXX", dir);
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp in %s failed", dir);
    tmp_paths[n_tmp++] = path;
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        cr_assert(w > 0, "write to %s failed", path);
        p += w;
        n -= (size_t)w;
    }
    close(fd);
    return path;
}

static const char *tmp_text(const char *text)
{
    return tmp_data(text, strlen(text));
}

static ge_csv *must_open(const char *path, char delim)
{
    ge_csv_opts o = {delim};
    ge_error err = {{0}};
    ge_csv *c = ge_csv_open(path, &o, &err);
    cr_assert(c, "ge_csv_open(%s): %s", path, err.msg);
    return c;
}

/* The next row must start at line and hold exactly the n strings given. */
static void expect_row(ge_csv *c, long line, int n, ...)
{
    char *const *f;
    long l = -1;
    ge_error err = {{0}};
    int r = ge_csv_next(c, &f, &l, &err);
    cr_assert_eq(r, 1, "ge_csv_next returned %d: %s", r, err.msg);
    cr_assert_eq(ge_csv_ncols(c), n);
    cr_assert_eq(l, line, "row starts at line %ld, expected %ld", l, line);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        cr_assert_str_eq(f[i], want, "line %ld field %d", line, i);
    }
    va_end(ap);
}

static void expect_end(ge_csv *c)
{
    char *const *f;
    long l;
    ge_error err = {{0}};
    cr_assert_eq(ge_csv_next(c, &f, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_csv_next(c, &f, &l, &err), 0, "end of input is sticky");
}

/* ge_csv_next must fail with the message "PATH" followed by suffix. */
static void expect_next_error(ge_csv *c, const char *path, const char *suffix)
{
    char *const *f;
    long l;
    ge_error err = {{0}};
    char want[2048];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    cr_assert_eq(ge_csv_next(c, &f, &l, &err), -1);
    cr_assert_str_eq(err.msg, want);
    /* sticky */
    ge_error again = {{0}};
    cr_assert_eq(ge_csv_next(c, &f, &l, &again), -1);
    cr_assert_str_eq(again.msg, want);
}

/* ge_csv_open must fail with the message "PATH" followed by suffix. */
static void expect_open_error(const char *path, char delim, const char *suffix)
{
    ge_csv_opts o = {delim};
    ge_error err = {{0}};
    char want[2048];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    ge_csv *c = ge_csv_open(path, &o, &err);
    cr_assert_null(c);
    cr_assert_str_eq(err.msg, want);
}

/* ------------------------------------------------------------ header */

Test(csv, header_and_lookup)
{
    const char *p = tmp_text("x,y,Value,value,\n1,2,3,4,5\n");
    ge_csv *c = must_open(p, 0);
    cr_assert_eq(ge_csv_ncols(c), 5);
    cr_assert_str_eq(ge_csv_colname(c, 0), "x");
    cr_assert_str_eq(ge_csv_colname(c, 2), "Value");
    cr_assert_str_eq(ge_csv_colname(c, 4), "", "empty names are allowed");
    cr_assert_null(ge_csv_colname(c, 5));
    cr_assert_null(ge_csv_colname(c, -1));
    cr_assert_eq(ge_csv_delimiter(c), ',');
    cr_assert_str_eq(ge_csv_path(c), p);
    cr_assert_eq(ge_csv_find(c, "X"), 0);
    cr_assert_eq(ge_csv_find(c, "VALUE"), 2, "first of duplicates");
    cr_assert_eq(ge_csv_find(c, "value"), 3, "the exact spelling first");
    cr_assert_eq(ge_csv_find(c, "Value"), 2);
    cr_assert_eq(ge_csv_find(c, "z"), -1);
    cr_assert_eq(ge_csv_find(c, "valu"), -1);
    expect_row(c, 2, 5, "1", "2", "3", "4", "5");
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, header_only_file)
{
    ge_csv *c = must_open(tmp_text("a,b\n"), 0);
    cr_assert_eq(ge_csv_ncols(c), 2);
    expect_end(c);
    ge_csv_close(c);
    /* no final newline */
    c = must_open(tmp_text("a;b;c"), 0);
    cr_assert_eq(ge_csv_ncols(c), 3);
    cr_assert_str_eq(ge_csv_colname(c, 2), "c");
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, empty_file)
{
    expect_open_error(tmp_text(""), 0, ": empty file, expected a header row");
    expect_open_error(tmp_text("\xEF\xBB\xBF"), 0, ": empty file, expected a header row");
    expect_open_error(tmp_text("\n\r\n  \n"), ',', ": empty file, expected a header row");
}

Test(csv, cannot_open)
{
    char path[4096];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/ge-csv-no-such-dir/none.csv", dir && *dir ? dir : "/tmp");
    expect_open_error(path, 0, ": cannot open: No such file or directory");
    expect_open_error(dir && *dir ? dir : "/tmp", 0, ": cannot open: Is a directory");
}

Test(csv, invalid_delimiter_option)
{
    ge_csv_opts o = {'"'};
    ge_error err = {{0}};
    cr_assert_null(ge_csv_open(tmp_text("a\n"), &o, &err));
    cr_assert(strstr(err.msg, "invalid CSV delimiter"), "%s", err.msg);
}

/* --------------------------------------------------------- delimiters */

Test(csv, detect_comma_tab_semicolon)
{
    ge_csv *c = must_open(tmp_text("a,b;c,d\n1,2;3,4\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ',');
    cr_assert_eq(ge_csv_ncols(c), 3);
    expect_row(c, 2, 3, "1", "2;3", "4");
    ge_csv_close(c);

    c = must_open(tmp_text("lon\tlat\tname, full\n1.5\t2\tx, y\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), '\t');
    cr_assert_str_eq(ge_csv_colname(c, 2), "name, full");
    expect_row(c, 2, 3, "1.5", "2", "x, y");
    ge_csv_close(c);

    c = must_open(tmp_text("a;b;c\n1,5;2,5;x\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ';');
    expect_row(c, 2, 3, "1,5", "2,5", "x");
    ge_csv_close(c);

    /* none: comma, one column */
    c = must_open(tmp_text("value\n3\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ',');
    cr_assert_eq(ge_csv_ncols(c), 1);
    expect_row(c, 2, 1, "3");
    ge_csv_close(c);

    /* tie: comma first */
    c = must_open(tmp_text("a,b;c\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ',');
    ge_csv_close(c);
}

Test(csv, detect_ignores_quoted_and_blank_lines)
{
    /* four ';' inside quotes, one ',' outside */
    ge_csv *c = must_open(tmp_text("\"a;b;c\",\"d;e\nf;g\"\n1,2\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ',');
    cr_assert_eq(ge_csv_ncols(c), 2);
    cr_assert_str_eq(ge_csv_colname(c, 1), "d;e\nf;g");
    expect_row(c, 3, 2, "1", "2");
    ge_csv_close(c);

    /* leading blank lines: the header is the first non-blank line */
    c = must_open(tmp_text("\n  \r\n\t\na;b\n1;2\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ';');
    expect_row(c, 5, 2, "1", "2");
    ge_csv_close(c);
}

Test(csv, explicit_delimiter)
{
    const char *p = tmp_text("a,b;c,d\n1,2;3,4\n");
    ge_csv *c = must_open(p, ';');
    cr_assert_eq(ge_csv_delimiter(c), ';');
    cr_assert_eq(ge_csv_ncols(c), 2);
    cr_assert_str_eq(ge_csv_colname(c, 0), "a,b");
    expect_row(c, 2, 2, "1,2", "3,4");
    expect_end(c);
    ge_csv_close(c);

    c = must_open(tmp_text("a|b\n1|2\n"), '|');
    expect_row(c, 2, 2, "1", "2");
    ge_csv_close(c);
}

Test(csv, tab_delimiter_keeps_empty_fields)
{
    /* tab is the delimiter, so it is not trimmed as a space */
    ge_csv *c = must_open(tmp_text("a\tb\tc\n\t2\t\n 1 \t\t3\n"), '\t');
    expect_row(c, 2, 3, "", "2", "");
    expect_row(c, 3, 3, "1", "", "3");
    expect_end(c);
    ge_csv_close(c);
}

/* ------------------------------------------------------------- quoting */

Test(csv, quoted_fields_and_line_numbers)
{
    const char *p = tmp_text("id,text,n\n"
                             "1,\"a, b\",2\n"
                             "2,\"say \"\"hi\"\"\",3\n"
                             "3,\"multi\nline\n\nfield\",4\n"
                             "4,\"\",5\n"
                             "5,  \"padded\"  ,6\n");
    ge_csv *c = must_open(p, 0);
    expect_row(c, 2, 3, "1", "a, b", "2");
    expect_row(c, 3, 3, "2", "say \"hi\"", "3");
    expect_row(c, 4, 3, "3", "multi\nline\n\nfield", "4");
    expect_row(c, 8, 3, "4", "", "5");
    expect_row(c, 9, 3, "5", "padded", "6");
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, spaces_trimmed_outside_quotes_only)
{
    ge_csv *c = must_open(tmp_text(" a , b \n  1  ,\" 2 \"\n"), 0);
    cr_assert_str_eq(ge_csv_colname(c, 0), "a");
    cr_assert_str_eq(ge_csv_colname(c, 1), "b");
    expect_row(c, 2, 2, "1", " 2 ");
    ge_csv_close(c);
}

Test(csv, crlf_line_ends)
{
    ge_csv *c = must_open(tmp_text("a,b\r\n1,2\r\n\"x\r\ny\",\"q\"\r\n\r\n3,\r\n"), 0);
    cr_assert_str_eq(ge_csv_colname(c, 1), "b");
    expect_row(c, 2, 2, "1", "2");
    expect_row(c, 3, 2, "x\r\ny", "q");
    expect_row(c, 6, 2, "3", "");
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, bom_skipped)
{
    ge_csv *c = must_open(tmp_text("\xEF\xBB\xBFid;val\n1;2\n"), 0);
    cr_assert_eq(ge_csv_delimiter(c), ';');
    cr_assert_str_eq(ge_csv_colname(c, 0), "id");
    cr_assert_eq(ge_csv_find(c, "id"), 0);
    expect_row(c, 2, 2, "1", "2");
    ge_csv_close(c);
}

Test(csv, blank_lines_skipped)
{
    ge_csv *c = must_open(tmp_text("a,b\n\n1,2\n   \n\r\n\n3,4\n\n"), 0);
    expect_row(c, 3, 2, "1", "2");
    expect_row(c, 7, 2, "3", "4");
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, last_row_without_newline)
{
    ge_csv *c = must_open(tmp_text("a,b\n1,2\n3,"), 0);
    expect_row(c, 2, 2, "1", "2");
    expect_row(c, 3, 2, "3", "");
    expect_end(c);
    ge_csv_close(c);

    c = must_open(tmp_text("a,b\n1,\"x\"  "), 0);
    expect_row(c, 2, 2, "1", "x");
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, utf8_accepted)
{
    ge_csv *c = must_open(tmp_text("naïve,ψ\n\xF0\x9F\x8C\x8D,\xE2\x82\xAC\n"), 0);
    cr_assert_str_eq(ge_csv_colname(c, 0), "naïve");
    expect_row(c, 2, 2, "\xF0\x9F\x8C\x8D", "\xE2\x82\xAC");
    ge_csv_close(c);
}

/* -------------------------------------------------------------- errors */

Test(csv, ragged_row)
{
    const char *p = tmp_text("a,b\n1,2\n\n1,2,3\n4,5\n");
    ge_csv *c = must_open(p, 0);
    expect_row(c, 2, 2, "1", "2");
    expect_next_error(c, p, ":4: expected 2 fields as in the header, got 3");
    ge_csv_close(c);

    p = tmp_text("a,b,c\n\"x\ny\",2\n");
    c = must_open(p, 0);
    expect_next_error(c, p, ":2: expected 3 fields as in the header, got 2");
    ge_csv_close(c);
}

Test(csv, invalid_utf8)
{
    const char *p = tmp_text("a,b\n1,2\n3,\xC3\x28\n");
    ge_csv *c = must_open(p, 0);
    expect_row(c, 2, 2, "1", "2");
    expect_next_error(c, p, ":3: invalid UTF-8 in column 'b' (column 2)");
    ge_csv_close(c);

    /* the line of the bad byte inside a multi-line field */
    p = tmp_text("a,b\n\"ok\nok\n\xFF\",1\n");
    c = must_open(p, 0);
    expect_next_error(c, p, ":4: invalid UTF-8 in column 'a' (column 1)");
    ge_csv_close(c);

    static const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong, 3 bytes */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xF4\x90\x80\x80", /* > U+10FFFF */
        "\xE2\x82",         /* truncated */
        "\x80",             /* stray continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[64];
        snprintf(text, sizeof text, "a\n%s\n", bad[i]);
        p = tmp_text(text);
        c = must_open(p, 0);
        expect_next_error(c, p, ":2: invalid UTF-8 in column 'a' (column 1)");
        ge_csv_close(c);
    }

    expect_open_error(tmp_text("ok,b\xFF\n1,2\n"), 0, ":1: invalid UTF-8 in the header (column 2)");
}

Test(csv, nul_byte)
{
    const char *p = tmp_data("a,b\n1,x\0y\n", 10);
    ge_csv *c = must_open(p, 0);
    expect_next_error(c, p, ":2: NUL byte in column 'b' (column 2)");
    ge_csv_close(c);
}

Test(csv, malformed_quotes)
{
    const char *p = tmp_text("a,b\n1,2\n3,x\"y\n");
    ge_csv *c = must_open(p, 0);
    expect_row(c, 2, 2, "1", "2");
    expect_next_error(c, p,
                      ":3: malformed quoting (a quote inside an unquoted field, or text after a "
                      "closing quote) in column 'b' (column 2)");
    ge_csv_close(c);

    p = tmp_text("a,b\n\"x\"y,2\n");
    c = must_open(p, 0);
    char *const *f;
    long l;
    ge_error err = {{0}};
    cr_assert_eq(ge_csv_next(c, &f, &l, &err), -1);
    cr_assert(strstr(err.msg, ":2: malformed quoting"), "%s", err.msg);
    ge_csv_close(c);
}

Test(csv, unterminated_quote)
{
    const char *p = tmp_text("a,b\n1,2\n3,\"abc\ndef\n");
    ge_csv *c = must_open(p, 0);
    expect_row(c, 2, 2, "1", "2");
    expect_next_error(c, p,
                      ":3: unterminated quoted field at end of file in column 'b' (column 2)");
    ge_csv_close(c);
}

Test(csv, line_longer_than_1mib)
{
    size_t big = (size_t)GE_CSV_MAX_FIELD + 10;
    char *text = malloc(big + 16);
    cr_assert(text);
    memcpy(text, "a\n1\n", 4);
    memset(text + 4, 'x', big);
    memcpy(text + 4 + big, "\n", 1);
    const char *p = tmp_data(text, big + 5);
    ge_csv *c = must_open(p, 0);
    expect_row(c, 2, 1, "1");
    expect_next_error(c, p, ":3: line longer than 1 MiB");
    ge_csv_close(c);

    /* exactly 1 MiB is fine */
    text[4 + GE_CSV_MAX_FIELD] = '\n';
    p = tmp_data(text, 4 + (size_t)GE_CSV_MAX_FIELD + 1);
    c = must_open(p, 0);
    expect_row(c, 2, 1, "1");
    char *const *f;
    long l;
    ge_error err = {{0}};
    cr_assert_eq(ge_csv_next(c, &f, &l, &err), 1, "%s", err.msg);
    cr_assert_eq(strlen(f[0]), (size_t)GE_CSV_MAX_FIELD);
    expect_end(c);
    ge_csv_close(c);
    free(text);
}

Test(csv, field_longer_than_1mib_over_many_lines)
{
    /* a quoted field of short lines: caught while it is being read */
    size_t lines = 3 * (size_t)GE_CSV_MAX_FIELD / 100, n = 0;
    char *text = malloc(lines * 100 + 16);
    cr_assert(text);
    n += (size_t)sprintf(text, "a,b\n1,\"");
    for (size_t i = 0; i < lines; i++) {
        memset(text + n, 'y', 99);
        text[n + 99] = '\n';
        n += 100;
    }
    const char *p = tmp_data(text, n); /* no closing quote at all */
    ge_csv *c = must_open(p, 0);
    expect_next_error(c, p, ":2: field longer than 1 MiB in column 'b' (column 2)");
    ge_csv_close(c);

    /* closed just past 1 MiB: caught when it ends */
    n = (size_t)sprintf(text, "a,b\n1,\"");
    for (size_t i = 0; i < (size_t)GE_CSV_MAX_FIELD / 100 + 1; i++) {
        memset(text + n, 'y', 99);
        text[n + 99] = '\n';
        n += 100;
    }
    n += (size_t)sprintf(text + n, "\"\n");
    p = tmp_data(text, n);
    c = must_open(p, 0);
    expect_next_error(c, p, ":2: field longer than 1 MiB in column 'b' (column 2)");
    ge_csv_close(c);
    free(text);
}

/* ---------------------------------------------------------- streaming */

Test(csv, many_rows_across_chunks)
{
    /* ~300 KB: several 64 KiB chunks, rows and a quoted newline crossing
     * chunk boundaries */
    size_t cap = 400000, n = 0;
    char *text = malloc(cap);
    cr_assert(text);
    n += (size_t)snprintf(text, cap, "i,s\n");
    long rows = 20000;
    for (long i = 0; i < rows; i++)
        n += (size_t)snprintf(text + n, cap - n, "%ld,\"r\n%ld\"\n", i, i * 7);
    const char *p = tmp_data(text, n);
    free(text);
    ge_csv *c = must_open(p, 0);
    char *const *f;
    long l;
    ge_error err = {{0}};
    for (long i = 0; i < rows; i++) {
        cr_assert_eq(ge_csv_next(c, &f, &l, &err), 1, "%s", err.msg);
        cr_assert_eq(l, 2 + 2 * i);
        cr_assert_eq(strtol(f[0], NULL, 10), i);
        char want[32];
        snprintf(want, sizeof want, "r\n%ld", i * 7);
        cr_assert_str_eq(f[1], want);
    }
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, read_from_stdin)
{
    const char *p = tmp_text("a,b\n1,2\n");
    cr_assert(freopen(p, "r", stdin));
    ge_csv *c = must_open("-", 0);
    cr_assert_str_eq(ge_csv_path(c), "<stdin>");
    expect_row(c, 2, 2, "1", "2");
    expect_end(c);
    ge_csv_close(c);
}

/* ------------------------------------------------------------ numbers */

Test(csv, number_strictness)
{
    double v = 0;
    cr_assert_eq(ge_csv_number("1e3", &v), 0);
    cr_assert_eq(v, 1000.0);
    cr_assert_eq(ge_csv_number(" 3.5 ", &v), 0);
    cr_assert_eq(v, 3.5);
    cr_assert_eq(ge_csv_number("\t-2\t", &v), 0);
    cr_assert_eq(v, -2.0);
    cr_assert_eq(ge_csv_number("1e-3", &v), 0);
    cr_assert_eq(v, 1e-3);
    cr_assert_eq(ge_csv_number("+.5", &v), 0);
    cr_assert_eq(v, 0.5);
    cr_assert_eq(ge_csv_number("inf", &v), 0);
    cr_assert(isinf(v) && v > 0);
    cr_assert_eq(ge_csv_number("-Infinity", &v), 0);
    cr_assert(isinf(v) && v < 0);
    cr_assert_eq(ge_csv_number("NaN", &v), 0);
    cr_assert(isnan(v));
    cr_assert_eq(ge_csv_number("1e-320", &v), 0, "underflow to a subnormal is a value");

    v = 42;
    static const char *bad[] = {"10x", "", "   ", "1,5", "1 2", "x", "1e", "--1", "\n5",
                                "5\n", "1e999", "-1e999", "0x", "."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(ge_csv_number(bad[i], &v), -1, "'%s' accepted", bad[i]);
    cr_assert_eq(v, 42, "*v untouched on error");
    cr_assert_eq(ge_csv_number(NULL, &v), -1);
}

Test(csv, missing_values)
{
    static const char *yes[] = {"", "  ", "\t", "NA", "na", "Na", "N/A", "n/a", "NaN",
                                "nan", "NAN", "null", "NULL", "Null", " NA "};
    static const char *no[] = {"0", "N", "NAA", "none", "-", "nil", "inf", "N A", "-nan"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        cr_assert(ge_csv_is_missing(yes[i]), "'%s'", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_assert(!ge_csv_is_missing(no[i]), "'%s'", no[i]);
}

/* ------------------------------------------------------------- writing */

/* Runs fn(f) on a temporary file and returns its whole content. */
static char *written(void (*fn)(FILE *))
{
    const char *p = tmp_text("");
    FILE *f = fopen(p, "wb");
    cr_assert(f);
    fn(f);
    cr_assert(!ferror(f));
    cr_assert_eq(fclose(f), 0);
    f = fopen(p, "rb");
    cr_assert(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *const FIELDS[] = {
    "plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", " lead", "trail\t", "", "x;y", "ünï",
};
#define NF ((int)(sizeof FIELDS / sizeof *FIELDS))

static void write_rows(FILE *f, char delim)
{
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < NF; i++) {
            if (i)
                cr_assert_eq(fputc(delim, f), delim);
            cr_assert_eq(ge_csv_write_field(f, r == 0 ? FIELDS[(i + 1) % NF] : FIELDS[i], delim),
                         0);
        }
        fputc('\n', f);
    }
}

static void write_rows_comma(FILE *f)
{
    write_rows(f, ',');
}
static void write_rows_semicolon(FILE *f)
{
    write_rows(f, ';');
}
static void write_rows_tab(FILE *f)
{
    write_rows(f, '\t');
}

static void check_round_trip(void (*fn)(FILE *), char delim)
{
    char *text = written(fn);
    const char *p = tmp_text(text);
    ge_csv *c = must_open(p, delim);
    cr_assert_eq(ge_csv_ncols(c), NF);
    for (int i = 0; i < NF; i++)
        cr_assert_str_eq(ge_csv_colname(c, i), FIELDS[(i + 1) % NF]);
    char *const *f;
    long l;
    ge_error err = {{0}};
    cr_assert_eq(ge_csv_next(c, &f, &l, &err), 1, "%s", err.msg);
    for (int i = 0; i < NF; i++)
        cr_assert_str_eq(f[i], FIELDS[i], "field %d", i);
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, write_field_round_trip)
{
    check_round_trip(write_rows_comma, ',');
    check_round_trip(write_rows_semicolon, ';');
    check_round_trip(write_rows_tab, '\t');
}

static void write_some_fields(FILE *f)
{
    ge_csv_write_field(f, "plain", ',');
    fputc('|', f);
    ge_csv_write_field(f, "x;y", ',');
    fputc('|', f);
    ge_csv_write_field(f, "x;y", ';');
    fputc('|', f);
    ge_csv_write_field(f, "a\"b", ',');
    fputc('|', f);
    ge_csv_write_field(f, NULL, ',');
    fputc('|', f);
    ge_csv_write_field(f, " s", ',');
}

Test(csv, write_field_quotes_only_when_needed)
{
    cr_assert_str_eq(written(write_some_fields), "plain|x;y|\"x;y\"|\"a\"\"b\"||\" s\"");
}

static const double NUMS[] = {0.1,  1 / 3.,    1e300,   -0.0,  2.857142857142861, 0.0,
                              -1.5, 123456789, 5e-324,  1e-7,  -2.5e-310,         1.7976931348623157e308,
                              0.3,  2. / 3,    100.125, 1e22};
#define NN ((int)(sizeof NUMS / sizeof *NUMS))

static void write_nums(FILE *f)
{
    for (int i = 0; i < NN; i++) {
        cr_assert_eq(ge_csv_write_number(f, NUMS[i]), 0);
        fputc('\n', f);
    }
}

Test(csv, write_number_round_trip)
{
    char *text = written(write_nums);
    char *save = NULL, *tok = strtok_r(text, "\n", &save);
    for (int i = 0; i < NN; i++, tok = strtok_r(NULL, "\n", &save)) {
        cr_assert(tok);
        double v;
        cr_assert_eq(ge_csv_number(tok, &v), 0, "'%s'", tok);
        cr_assert(memcmp(&v, &NUMS[i], sizeof v) == 0, "%.17g written as '%s'", NUMS[i], tok);
        /* shortest: no longer than %.17g, and 15 digits when that is exact */
        char g17[64];
        snprintf(g17, sizeof g17, "%.17g", NUMS[i]);
        cr_assert_leq(strlen(tok), strlen(g17));
    }
}

static void write_specials(FILE *f)
{
    ge_csv_write_number(f, 0.1);
    fputc(',', f);
    ge_csv_write_number(f, -0.0);
    fputc(',', f);
    ge_csv_write_number(f, NAN);
    fputc(',', f);
    ge_csv_write_number(f, INFINITY);
    fputc(',', f);
    ge_csv_write_number(f, -INFINITY);
    fputc(',', f);
    ge_csv_write_number(f, 2.857142857142861);
}

Test(csv, write_number_forms)
{
    cr_assert_str_eq(written(write_specials), "0.1,-0,,inf,-inf,2.857142857142861");
}

/* ------------------------------------------------------------- ranges */

/* One process's share of a file (src/petsc/csv_share.c): the rows in
 * [begin, end), numbered from the line given, after the header. */
Test(csv, range_reads_rows_between_offsets)
{
    const char *text = "\xEF\xBB\xBFid,text\r\n"
                       "1,\"two\nlines\"\r\n"
                       "2,b\r\n"
                       "\n"
                       "3,\"x\"\"y\"\r\n"
                       "4,d";
    const char *p = tmp_text(text);
    ge_csv *c = must_open(p, 0);
    long long data = ge_csv_offset(c);
    cr_assert_eq(data, (long long)strlen("\xEF\xBB\xBFid,text\r\n"));
    cr_assert_eq(ge_csv_line(c), 2);
    expect_row(c, 2, 2, "1", "two\nlines");
    long long second = ge_csv_offset(c); /* where row 2 starts, on line 4 */
    cr_assert_eq(second, (long long)(strstr(text, "2,b") - text));
    cr_assert_eq(ge_csv_line(c), 4);
    ge_error err = {{0}};
    long long fourth = (long long)(strstr(text, "4,d") - text);
    /* the middle share: rows 2 and 3 (the blank line is no row) */
    cr_assert_eq(ge_csv_range(c, second, fourth, 4, &err), 0, "%s", err.msg);
    expect_row(c, 4, 2, "2", "b");
    expect_row(c, 6, 2, "3", "x\"y");
    expect_end(c);
    /* the last share, to the end (-1), and the first again */
    cr_assert_eq(ge_csv_range(c, fourth, -1, 7, &err), 0);
    expect_row(c, 7, 2, "4", "d");
    expect_end(c);
    cr_assert_eq(ge_csv_range(c, data, second, 2, &err), 0);
    expect_row(c, 2, 2, "1", "two\nlines");
    expect_end(c);
    /* an empty share */
    cr_assert_eq(ge_csv_range(c, second, second, 4, &err), 0);
    expect_end(c);
    ge_csv_close(c);
}

Test(csv, range_error_names_the_files_line)
{
    const char *text = "a,b\n1,2\n3,4\n5\n";
    const char *p = tmp_text(text);
    ge_csv *c = must_open(p, 0);
    ge_error err = {{0}};
    cr_assert_eq(ge_csv_range(c, (long long)(strstr(text, "3,4") - text), -1, 3, &err), 0);
    expect_row(c, 3, 2, "3", "4");
    expect_next_error(c, p, ":4: expected 2 fields as in the header, got 1");
    ge_csv_close(c);
}
