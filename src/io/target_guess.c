/* Default targets: of the numeric columns an input has, the ones that look
 * like measurements. Identifiers, times and small integer codes are numbers
 * too, but fitting a surface to a station number or a soil class code is
 * never what the user meant (issue: `id,time,lon,lat,temp` took id and time
 * as targets). They are left out, and the reader says which and why. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/model.h"
#include "geoembed/samples.h"

/* Codes: integer values with at most GE_CODE_MAX_DISTINCT distinct ones, in
 * at least CODE_MIN_ROWS rows (fewer rows cannot tell a code from a
 * measurement). */
#define CODE_MIN_ROWS 20

static int name_is(const char *lower, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(lower, *list) == 0)
            return 1;
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n > t && strcmp(s + n - t, tail) == 0;
}

/* Why a column name reads as no measurement, or NULL. */
static const char *suspect_name(const char *name)
{
    static const char *const ids[] = {"id",    "fid",   "gid",   "oid",      "uid",     "pk",
                                      "objectid", "ogc_fid", "index", "idx", "row",
                                      "rowid", "rownames", "station", "",    NULL};
    static const char *const times[] = {"time", "date", "datetime", "timestamp", "year",
                                        "month", "day", "hour", "minute", "doy", "julian",
                                        NULL};
    static const char *const codes[] = {"code", "class", "category", "type", NULL};
    char lower[64];
    size_t n = strlen(name);
    if (n >= sizeof lower)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    if (name_is(lower, ids) || ends_with(lower, "_id") || ends_with(lower, ".id") ||
        strncmp(lower, "id_", 3) == 0 ||
        (n > 2 && strcmp(name + n - 2, "ID") == 0 && islower((unsigned char)name[n - 3])))
        return "an identifier";
    if (name_is(lower, times))
        return "a time";
    if (name_is(lower, codes) || ends_with(lower, "_code"))
        return "a code";
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void ge_column_summarise(const ge_samples *s, size_t first_row, int k, ge_column_summary *c,
                         double *scratch)
{
    *c = (ge_column_summary){.counter = 1};
    size_t n = 0;
    for (size_t i = 0; i < s->M; i++) {
        double v = s->y[i * s->O + k];
        if (isnan(v)) {
            c->counter = 0; /* row numbers fill every row */
            continue;
        }
        if (v != floor(v) || fabs(v) > 1e15)
            c->fraction = 1;
        if (n == 0)
            c->base = v - (double)(first_row + i);
        else if (v != c->base + (double)(first_row + i))
            c->counter = 0;
        scratch[n++] = v;
    }
    c->n = (double)n;
    if (c->fraction) {
        c->counter = 0;
        return;
    }
    qsort(scratch, n, sizeof *scratch, cmp_double);
    for (size_t i = 0; i < n && c->ndistinct <= GE_CODE_MAX_DISTINCT; i++)
        if (i == 0 || scratch[i] != scratch[i - 1])
            c->distinct[c->ndistinct++] = scratch[i];
}

/* Why the values of a column (summarised over all `rows` rows) read as no
 * measurement, or NULL: row numbers (consecutive integers in file order) or
 * a few integer codes. */
static const char *suspect_values(const ge_column_summary *c, size_t rows)
{
    if (c->fraction || c->n < CODE_MIN_ROWS)
        return NULL;
    if (c->counter && c->n == (double)rows)
        return "row numbers";
    return c->ndistinct <= GE_CODE_MAX_DISTINCT ? "integer codes" : NULL;
}

/* Appends "name (why)" to the note, comma-separated, within len. */
static void note_add(char *note, size_t len, const char *name, const char *why)
{
    size_t at = strlen(note);
    if (at + 1 < len)
        snprintf(note + at, len - at, "%s'%s' (%s)", at ? ", " : "", name, why);
}

int ge_samples_leave_out_suspects(ge_samples *s, ge_error *err)
{
    ge_column_summary c[GE_MAX_OUTPUTS];
    if (s->O < 2)
        return 0;
    double *scratch = malloc((s->M ? s->M : 1) * sizeof *scratch);
    if (!scratch)
        return ge_fail(err, "out of memory");
    for (int k = 0; k < s->O; k++)
        ge_column_summarise(s, 0, k, &c[k], scratch);
    free(scratch);
    return ge_samples_leave_out_summarised(s, c, s->M, err);
}

int ge_samples_leave_out_summarised(ge_samples *s, const ge_column_summary *c, size_t rows,
                                    ge_error *err)
{
    const int O = s->O;
    if (O < 2)
        return 0;
    int keep[GE_MAX_OUTPUTS], kept = 0;
    const char *why[GE_MAX_OUTPUTS];
    for (int k = 0; k < O; k++) {
        why[k] = suspect_name(s->targets[k]);
        if (!why[k])
            why[k] = suspect_values(&c[k], rows);
        keep[k] = !why[k];
        kept += keep[k];
    }
    if (kept == 0 || kept == O) /* nothing else to fit: every column is taken */
        return 0;
    char note[1024] = "";
    for (int k = 0; k < O; k++)
        if (!keep[k])
            note_add(note, sizeof note, s->targets[k], why[k]);
    if (!(s->left_out = strdup(note)))
        return ge_fail(err, "out of memory");
    /* compact the columns (row by row, in place: a row's new place never
     * lies past its old one), then drop rows left with no value at all */
    for (size_t i = 0; i < s->M; i++) {
        int j = 0;
        for (int k = 0; k < O; k++)
            if (keep[k])
                s->y[i * kept + j++] = s->y[i * O + k];
    }
    s->O = kept;
    size_t M = 0;
    for (size_t i = 0; i < s->M; i++) {
        int present = 0;
        for (int k = 0; k < kept; k++)
            present += !isnan(s->y[i * kept + k]);
        if (present)
            ge_samples_move(s, i, M++);
        else
            s->skipped_missing++;
    }
    s->M = M;
    int j = 0;
    for (int k = 0; k < O; k++) {
        if (keep[k])
            s->targets[j++] = s->targets[k];
        else
            free(s->targets[k]);
    }
    s->targets[j] = NULL;
    return 0;
}
