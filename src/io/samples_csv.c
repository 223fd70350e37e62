/* Samples from a CSV/TSV file: column detection, strict numbers, skipped rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geoembed/csv.h"
#include "geoembed/memory.h"
#include "geoembed/model.h"
#include "geoembed/samples.h"
#include "geoembed/where.h"

static const char *const lon_names[] = {"lon", "longitude", "lng", NULL};
static const char *const lat_names[] = {"lat", "latitude", NULL};

static int in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(name, *list) == 0)
            return 1;
    return 0;
}

int ge_is_lon_name(const char *name) { return in_list(name, lon_names); }
int ge_is_lat_name(const char *name) { return in_list(name, lat_names); }

/* First column named like one of the candidates, in candidate order. */
static int detect(const ge_csv *c, const char *const *names, const char *fallback)
{
    for (; *names; names++) {
        int k = ge_csv_find(c, *names);
        if (k >= 0)
            return k;
    }
    return ge_csv_find(c, fallback);
}

static int column(const ge_csv *c, const char *name, const char *what, ge_error *err)
{
    int k = ge_csv_find(c, name);
    if (k < 0) {
        char cols[512];
        ge_csv_column_list(c, cols, sizeof cols);
        return ge_fail(err, "%s: no column '%s' (%s) in the header (columns: %s)",
                       ge_csv_path(c), name, what, cols);
    }
    return k;
}

/* The columns of --covariates into ccol[], and s->cov set up
 * (ge_covariates_setup; text columns become classes at their first value). */
static int covariate_columns(const ge_csv *c, const ge_sample_opts *o, ge_samples *s, int *ccol,
                             ge_error *err)
{
    char **names;
    int n, rc = 0;
    if (ge_covariates_setup(o, s, &names, &n, err))
        return -1;
    for (int j = 0; j < n && !rc; j++)
        if ((ccol[j] = column(c, names[j], "covariate", err)) < 0)
            rc = -1;
    ge_target_list_free(names, n);
    return rc;
}

/* Strict finite number for a coordinate or target cell. */
static int cell_number(const ge_csv *c, long line, int col, const char *field, double *v,
                       ge_error *err)
{
    if (ge_csv_number(field, v) == 0 && isfinite(*v))
        return 0;
    return ge_fail(err, "%s:%ld: column '%s' (%d): expected a finite number, got '%.40s'",
                   ge_csv_path(c), line, ge_csv_colname(c, col), col + 1, field);
}

typedef struct {
    size_t cap;
    int weights; /* keep s->w too */
    size_t covariates; /* and s->craw, this many a row */
    int groups; /* and s->group */
    ge_samples *s;
    const char *path;
} growth;

static int grow(growth *g, ge_error *err)
{
    ge_samples *s = g->s;
    if (s->M < g->cap)
        return 0;
    size_t cap = g->cap ? g->cap * 2 : 1024;
    /* a huge input must not take all memory before it fails */
    char what[160];
    snprintf(what, sizeof what, "%s: room for %zu samples", g->path, cap);
    if (ge_mem_check((double)cap * (3.0 + s->O) * 8, what, err))
        return -1;
    double *xy = realloc(s->xy, cap * 2 * sizeof *xy);
    if (xy)
        s->xy = xy;
    double *y = s->O ? realloc(s->y, cap * (size_t)s->O * sizeof *y) : s->y;
    if (y)
        s->y = y;
    long *lines = realloc(s->lines, cap * sizeof *lines);
    if (lines)
        s->lines = lines;
    double *w = g->weights ? realloc(s->w, cap * sizeof *w) : s->w;
    if (w)
        s->w = w;
    double *cr = g->covariates ? realloc(s->craw, cap * g->covariates * sizeof *cr) : s->craw;
    if (cr)
        s->craw = cr;
    size_t *gr = g->groups ? realloc(s->group, cap * sizeof *gr) : s->group;
    if (gr)
        s->group = gr;
    if (!xy || (s->O && !y) || !lines || (g->weights && !w) || (g->covariates && !cr) ||
        (g->groups && !gr))
        return ge_fail(err, "%s: out of memory after %zu samples", g->path, s->M);
    g->cap = cap;
    return 0;
}

int ge_samples_read_csv(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    memset(s, 0, sizeof *s);
    if (o->check_kind && o->check_kind(o->check_ctx, GE_SOURCE_CSV, err))
        return -1;
    ge_csv_opts co = {.delimiter = o->delimiter};
    ge_where *w = NULL;
    if (o->where && !(w = ge_where_parse(o->where, err)))
        return -1;
    ge_csv *c = ge_csv_open(path, &co, err);
    if (!c) {
        ge_where_free(w);
        return -1;
    }
    int *tcol = NULL, rc = -1, xc, yc;
    char *const *f;
    long line;
    growth g = {.s = s, .path = path && strcmp(path, "-") ? path : "<stdin>"};
    const int shared = o->share && path && strcmp(path, "-") != 0;
    const long long data_begin = ge_csv_offset(c); /* after the header */
    const long data_line = ge_csv_line(c);

    xc = o->x ? column(c, o->x, "--x", err) : -1;
    yc = o->y ? column(c, o->y, "--y", err) : -1;
    if (!o->x && o->x_hint)
        xc = ge_csv_find(c, o->x_hint);
    if (!o->y && o->y_hint)
        yc = ge_csv_find(c, o->y_hint);
    if (!o->x && xc < 0)
        xc = detect(c, lon_names, "x");
    if (!o->y && yc < 0)
        yc = detect(c, lat_names, "y");
    if ((o->x && xc < 0) || (o->y && yc < 0))
        goto done;
    if (xc < 0 || yc < 0) {
        char cols[512];
        ge_csv_column_list(c, cols, sizeof cols);
        ge_fail(err, "%s: no %s column found (looked for lon, longitude, lng, x and lat, "
                     "latitude, y; columns: %s); name them with --x and --y",
                ge_csv_path(c), xc < 0 ? "x" : "y", cols);
        goto done;
    }
    if (w && ge_where_bind(w, c, err))
        goto done;
    if (xc == yc) {
        ge_fail(err, "%s: x and y are the same column '%s'", ge_csv_path(c),
                ge_csv_colname(c, xc));
        goto done;
    }
    int wc = -1;
    if (o->weight) {
        if ((wc = column(c, o->weight, o->weight_is_sigma ? "--sigma" : "--weight", err)) < 0)
            goto done;
        g.weights = 1;
    }
    int gc = -1;
    if (o->group) {
        if ((gc = column(c, o->group, "--group", err)) < 0)
            goto done;
        g.groups = 1;
    }
    int ccol[GE_MAX_COVARIATES];
    if (o->covariates && covariate_columns(c, o, s, ccol, err))
        goto done;
    g.covariates = s->cov.P;
    s->lonlat = ge_is_lon_name(ge_csv_colname(c, xc)) && ge_is_lat_name(ge_csv_colname(c, yc));
    s->xcol = strdup(ge_csv_colname(c, xc));
    s->ycol = strdup(ge_csv_colname(c, yc));
    tcol = calloc((size_t)ge_csv_ncols(c) + 1, sizeof *tcol);
    if (!s->xcol || !s->ycol || !tcol) {
        ge_fail(err, "out of memory");
        goto done;
    }

    int have = ge_csv_next(c, &f, &line, err); /* the first row settles default targets */
    if (have < 0)
        goto done;
    if (o->need_targets && o->targets) {
        char **names;
        int n;
        ge_error why;
        if (ge_target_list(o->targets, &names, &n, &why)) {
            ge_fail(err, "%s: %s", ge_csv_path(c), why.msg);
            goto done;
        }
        for (int j = 0; j < n; j++) {
            /* the exact name first: a model's target is matched verbatim */
            int k = -1;
            for (int i = 0; i < ge_csv_ncols(c) && k < 0; i++)
                if (strcmp(ge_csv_colname(c, i), names[j]) == 0)
                    k = i;
            if (k < 0)
                k = column(c, names[j], "--target", err);
            for (int i = 0; k >= 0 && i < s->O; i++)
                if (tcol[i] == k) { /* two spellings of one column; tcol has a slot per column */
                    ge_fail(err, "%s: target column '%s' (%d) is named twice", ge_csv_path(c),
                            ge_csv_colname(c, k), k + 1);
                    k = -1;
                }
            if (k < 0) {
                ge_target_list_free(names, n);
                goto done;
            }
            tcol[s->O++] = k;
        }
        ge_target_list_free(names, n);
    } else if (o->need_targets) {
        int numeric = 0;
        for (int k = 0; k < ge_csv_ncols(c) && have == 1; k++) {
            double v;
            int is_cov = 0;
            for (int j = 0; j < s->cov.P; j++)
                is_cov |= ccol[j] == k;
            if (k == xc || k == yc || k == wc || k == gc || is_cov)
                continue;
            if (ge_csv_is_missing(f[k]) || ge_csv_number(f[k], &v) == 0) {
                if (s->O < GE_MAX_OUTPUTS)
                    tcol[s->O++] = k;
                numeric++;
            }
        }
        if (numeric > GE_MAX_OUTPUTS) { /* never drop columns silently */
            ge_fail(err, "%s: %d numeric columns besides the coordinates, more than the %d "
                         "targets a model holds; choose them with --target",
                    ge_csv_path(c), numeric, GE_MAX_OUTPUTS);
            goto done;
        }
    }
    if (o->need_targets && s->O == 0) {
        ge_fail(err, "%s: %s", ge_csv_path(c),
                have ? "no numeric target column besides the coordinates; name them with --target"
                     : "no data rows after the header");
        goto done;
    }
    /* a model's targets are found by name (eval, --init): two columns of one
     * name made a model nothing could score */
    for (int k = 0; k < s->O; k++)
        for (int j = 0; j < k; j++)
            if (strcmp(ge_csv_colname(c, tcol[j]), ge_csv_colname(c, tcol[k])) == 0) {
                ge_fail(err, "%s: columns %d and %d are both named '%s': rename one, or choose "
                             "the targets with --target",
                        ge_csv_path(c), tcol[j] + 1, tcol[k] + 1, ge_csv_colname(c, tcol[k]));
                goto done;
            }
    s->targets = calloc((size_t)s->O + 1, sizeof *s->targets);
    for (int k = 0; s->targets && k < s->O; k++)
        if (!(s->targets[k] = strdup(ge_csv_colname(c, tcol[k])))) {
            ge_fail(err, "out of memory");
            goto done;
        }
    if (!s->targets) {
        ge_fail(err, "out of memory");
        goto done;
    }

    if (shared) { /* this process's rows only, from the first of its share */
        long long begin, end;
        long from;
        if (o->share(o->share_ctx, path, data_begin, data_line, &begin, &end, &from, err) ||
            ge_csv_range(c, begin, end, from, err) ||
            (have = ge_csv_next(c, &f, &line, err)) < 0)
            goto done;
    }
    size_t rows = 0;
    int first_row = 1; /* a text covariate in the first row holds classes */
    for (; have == 1; have = ge_csv_next(c, &f, &line, err)) {
        if (o->progress && ++rows % 4096 == 0)
            o->progress(o->progress_ctx, (double)rows, 0);
        if (o->stop && *o->stop) {
            ge_fail(err, "%s: interrupted at line %ld", path, line);
            goto done;
        }
        if (w) {
            int keep = ge_where_eval(w, c, f, line, err);
            if (keep < 0)
                goto done;
            if (!keep)
                continue;
        }
        if (grow(&g, err))
            goto done;
        double *xy = s->xy + 2 * s->M, *y = s->y + (size_t)s->O * s->M;
        if (cell_number(c, line, xc, f[xc], &xy[0], err) ||
            cell_number(c, line, yc, f[yc], &xy[1], err))
            goto done;
        if (wc >= 0) {
            double v;
            const char *why;
            if (cell_number(c, line, wc, f[wc], &v, err))
                goto done;
            int keep = ge_sample_weight(v, o->weight_is_sigma, &s->w[s->M], &why);
            if (keep < 0) {
                ge_fail(err, "%s:%ld: column '%s' (%d): %s, got '%.40s'", ge_csv_path(c), line,
                        ge_csv_colname(c, wc), wc + 1, why, f[wc]);
                goto done;
            }
            if (!keep) {
                s->skipped_weight++;
                continue;
            }
        }
        if (s->cov.P) {
            int got = 1;
            for (int j = 0; j < s->cov.P && got > 0; j++) {
                const char *why;
                got = ge_covariate_value(&s->cov.c[j], o->classes_of, j, f[ccol[j]], first_row,
                                         &s->craw[s->M * (size_t)s->cov.P + j], &why, err);
                if (got < 0 && why)
                    ge_fail(err, "%s:%ld: column '%s' (%d) (covariate): %s, got '%.40s'",
                            ge_csv_path(c), line, ge_csv_colname(c, ccol[j]), ccol[j] + 1, why,
                            f[ccol[j]]);
            }
            first_row = 0;
            if (got < 0)
                goto done;
            if (!got) {
                s->skipped_covariate++;
                continue;
            }
        }
        int present = 0; /* a missing value is NaN: the sample still teaches the others */
        for (int k = 0; k < s->O; k++) {
            const char *v = f[tcol[k]];
            if (ge_csv_is_missing(v))
                y[k] = NAN;
            else if (cell_number(c, line, tcol[k], v, &y[k], err))
                goto done;
            else
                present++;
        }
        if (s->O > 0 && present == 0) {
            s->skipped_missing++;
            continue;
        }
        if (gc >= 0) { /* a sample of no group cannot be given to any model */
            if (ge_csv_is_missing(f[gc])) {
                ge_fail(err, "%s:%ld: column '%s' (%d) (--group): no value; every sample needs "
                             "a group (filter such rows out with --where)",
                        ge_csv_path(c), line, ge_csv_colname(c, gc), gc + 1);
                goto done;
            }
            if (ge_samples_group_of(s, f[gc], &s->group[s->M], err))
                goto done;
        }
        s->lines[s->M] = line;
        s->M++;
    }
    if (have < 0)
        goto done;
    if (o->need_targets && !o->targets && !shared && ge_samples_leave_out_suspects(s, err))
        goto done;
    rc = 0;
done:
    free(tcol);
    ge_where_free(w);
    ge_csv_close(c);
    if (rc)
        ge_samples_free(s);
    return rc;
}

void ge_samples_move(ge_samples *s, size_t from, size_t to)
{
    const size_t O = (size_t)s->O, P = (size_t)s->cov.P;
    memmove(s->xy + 2 * to, s->xy + 2 * from, 2 * sizeof *s->xy);
    if (O)
        memmove(s->y + O * to, s->y + O * from, O * sizeof *s->y);
    if (s->lines)
        s->lines[to] = s->lines[from];
    if (s->w)
        s->w[to] = s->w[from];
    if (P)
        memmove(s->craw + P * to, s->craw + P * from, P * sizeof *s->craw);
    if (s->group)
        s->group[to] = s->group[from];
}

void ge_samples_free(ge_samples *s)
{
    free(s->xy);
    free(s->y);
    free(s->xcol);
    free(s->ycol);
    for (int k = 0; s->targets && k < s->O; k++)
        free(s->targets[k]);
    free(s->targets);
    free(s->crs);
    free(s->lines);
    free(s->left_out);
    free(s->w);
    free(s->craw);
    for (size_t k = 0; k < s->ngroups; k++)
        free(s->groups[k]);
    free(s->groups);
    free(s->group);
    ge_covariates_free(&s->cov);
    memset(s, 0, sizeof *s);
}

void ge_sample_where(const ge_samples *s, const char *path, size_t i, char *buf, size_t len)
{
    const char *name = strcmp(path, "-") ? path : "<stdin>";
    if (s->lines)
        snprintf(buf, len, "%s:%ld", name, s->lines[i]);
    else
        snprintf(buf, len, "%s: sample %zu", name, i + 1);
}
