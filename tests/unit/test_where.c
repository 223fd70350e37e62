/* Unit tests of src/io/where.c: the --where grammar, its error messages, and
 * SQL's three-valued logic over a CSV row. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geoembed/csv.h"
#include "geoembed/where.h"

static char path[256];
static ge_csv *csv;

/* A CSV with columns a, b, "Soil Type", note and one row of cells. */
static void open_row(const char *row)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/ge-where-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    cr_assert(f);
    fprintf(f, "a,b,Soil Type,note\n%s\n", row);
    fclose(f);
    ge_error err;
    csv = ge_csv_open(path, NULL, &err);
    cr_assert(csv, "%s", err.msg);
}

static void close_row(void)
{
    ge_csv_close(csv);
    csv = NULL;
    unlink(path);
}

TestSuite(where, .fini = close_row);

/* 1 / 0 for the row, -1 for an evaluation error (message in *msg). */
static int eval_on(const char *row, const char *expr, char *msg)
{
    open_row(row);
    ge_error err;
    ge_where *w = ge_where_parse(expr, &err);
    cr_assert(w, "parse '%s': %s", expr, err.msg);
    cr_assert_eq(ge_where_bind(w, csv, &err), 0, "bind: %s", err.msg);
    char *const *f;
    long line;
    cr_assert_eq(ge_csv_next(csv, &f, &line, &err), 1);
    int v = ge_where_eval(w, csv, f, line, &err);
    if (v < 0 && msg)
        strcpy(msg, err.msg);
    ge_where_free(w);
    close_row();
    return v;
}

Test(where, comparisons_numbers_and_text)
{
    cr_assert_eq(eval_on("5,x,clay,", "a > 4", NULL), 1);
    cr_assert_eq(eval_on("5,x,clay,", "a >= 5 AND a <= 5 and a = 5 and a == 5", NULL), 1);
    cr_assert_eq(eval_on("5,x,clay,", "a <> 5 OR a != 5 or a < 5", NULL), 0);
    cr_assert_eq(eval_on("5,x,clay,", "-1 < a", NULL), 1);
    cr_assert_eq(eval_on("5,x,clay,", "\"Soil Type\" = 'clay'", NULL), 1);
    cr_assert_eq(eval_on("5,x,clay,", "\"soil type\" = 'Clay'", NULL), 0); /* text is exact */
    cr_assert_eq(eval_on("5,x,it's,", "\"Soil Type\" = 'it''s'", NULL), 1);
    cr_assert_eq(eval_on("5,10,clay,", "a < b", NULL), 1); /* numbers, not text: "5" > "10" */
    cr_assert_eq(eval_on("5,x,clay,", "b > a", NULL), 1);  /* text when one is not a number */
    cr_assert_eq(eval_on("5,x,clay,", "NOT (a > 4 AND b = 'y')", NULL), 1);
}

Test(where, missing_values_are_unknown)
{
    /* NULL compared is unknown; NOT unknown is unknown; unknown OR true is true */
    cr_assert_eq(eval_on(",x,clay,", "a > 4", NULL), 0);
    cr_assert_eq(eval_on(",x,clay,", "NOT a > 4", NULL), 0);
    cr_assert_eq(eval_on("NA,x,clay,", "a > 4 OR b = 'x'", NULL), 1);
    cr_assert_eq(eval_on("NaN,x,clay,", "a > 4 AND b = 'x'", NULL), 0);
    cr_assert_eq(eval_on(",x,clay,", "a IS NULL AND note is null", NULL), 1);
    cr_assert_eq(eval_on("1,x,clay,n", "a IS NOT NULL AND NOT note IS NULL", NULL), 1);
}

Test(where, text_compared_with_a_number_is_an_error)
{
    char msg[1024] = "";
    cr_assert_eq(eval_on("5,abc,clay,", "b > 3", msg), -1);
    cr_assert(strstr(msg, ":2: column 'b' (2): --where compares it with 3, got 'abc'"), "%s",
              msg);
}

static void parse_fails(const char *expr, const char *want)
{
    ge_error err;
    ge_where *w = ge_where_parse(expr, &err);
    cr_assert_null(w, "'%s' parsed", expr);
    cr_assert(strstr(err.msg, want), "'%s': %s (expected '%s')", expr, err.msg, want);
}

Test(where, syntax_errors_say_where)
{
    parse_fails("a >", "expected a column, number or 'text' at character 4 of 'a >'");
    parse_fails("a 5", "expected a comparison (= != <> < <= > >=) or IS [NOT] NULL at character 3");
    parse_fails("(a > 5", "expected ')' at character 7");
    parse_fails("a > 5 b", "expected AND, OR or the end at character 7");
    parse_fails("a = 'x", "expected a closing ' of the text");
    parse_fails("a IS 5", "expected NULL");
    parse_fails("AND = 1", "expected a column, number or 'text' at character 1");
    parse_fails("a > 1e999", "expected a number");
    parse_fails("", "expected a column, number or 'text' at character 1");
    char deep[1000];
    memset(deep, '(', 500);
    strcpy(deep + 500, "a > 1");
    parse_fails(deep, "less nesting");
}

Test(where, unknown_column_lists_the_columns)
{
    open_row("1,2,3,4");
    ge_error err;
    ge_where *w = ge_where_parse("zinc > 1", &err);
    cr_assert(w);
    cr_assert_eq(ge_where_bind(w, csv, &err), -1);
    cr_assert(strstr(err.msg, "--where: no column 'zinc' (columns: a, b, Soil Type, note)"), "%s",
              err.msg);
    ge_where_free(w);
}
