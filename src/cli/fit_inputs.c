/* fit A B C...: several inputs (any mix of CSV, vector sources and rasters)
 * read as one set of samples. The first input names the targets and the
 * coordinate columns the others are read with. Each input keeps its own CRS
 * (--src-crs names the CRS of those without one) and is reprojected into the
 * common one, --src-crs or else the first's; fit's --crs then applies to the
 * whole set as to one input. */
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "fit_inputs.h"
#include "inputs.h"

/* Appends t's samples (and weights: 1 where an input has none) to s; 0 or -1
 * (out of memory). */
static int append(ge_samples *s, const ge_samples *t)
{
    const int O = s->O;
    size_t M = s->M + t->M;
    if (s->w || t->w) {
        double *w = realloc(s->w, (M ? M : 1) * sizeof *w);
        if (!w)
            return -1;
        for (size_t i = 0; !s->w && i < s->M; i++)
            w[i] = 1;
        for (size_t i = 0; i < t->M; i++)
            w[s->M + i] = t->w ? t->w[i] : 1;
        s->w = w;
    }
    double *xy = realloc(s->xy, M * 2 * sizeof *xy);
    if (xy)
        s->xy = xy;
    double *y = xy ? realloc(s->y, M * O * sizeof *y) : NULL;
    if (!y)
        return -1;
    s->y = y;
    memcpy(s->xy + 2 * s->M, t->xy, t->M * 2 * sizeof *xy);
    memcpy(s->y + (size_t)O * s->M, t->y, t->M * O * sizeof *y);
    if (t->group) { /* t's groups by their index in s (--group reads every input) */
        size_t *g = realloc(s->group, (M ? M : 1) * sizeof *g);
        if (!g)
            return -1;
        s->group = g;
        ge_error err;
        for (size_t i = 0; i < t->M; i++)
            if (ge_samples_group_of(s, t->groups[t->group[i]], &g[s->M + i], &err))
                return -1;
    }
    s->M = M;
    s->skipped_missing += t->skipped_missing;
    s->centroids += t->centroids;
    s->skipped_geometry += t->skipped_geometry;
    s->skipped_weight += t->skipped_weight;
    return 0;
}

/* An input's own CRS (a vector or raster file's), else what samples_crs
 * gives it: --src-crs, EPSG:4326 for lon/lat columns, else common's. */
static int input_crs(const cli_args *a, const ge_samples *t, const char *common, char **wkt)
{
    if (t->crs && *t->crs) {
        *wkt = strdup(t->crs);
        return *wkt ? 0 : runtime_error("out of memory");
    }
    return samples_crs(a, t, common, wkt);
}

/* t, read from path, into the common CRS. */
static int to_common(const cli_args *a, const char *path, ge_samples *t, const char *common)
{
    char *src = NULL;
    int rc = input_crs(a, t, common, &src);
    if (rc)
        return rc;
    if (*common && !*src)
        rc = runtime_error("%s: no CRS to reproject from; give --src-crs", path);
    else if (!*common && *src)
        rc = runtime_error("%s: has a CRS, and %s has none: they cannot be merged; give "
                           "--src-crs (the CRS of the inputs without one)",
                           path, a->pos[0]);
    else
        rc = samples_to_crs(a, t, src, common);
    free(src);
    return rc;
}

/* Input k read with the first's target names and coordinate columns. */
static int read_more(const cli_args *a, int k, const ge_samples *first, const char *names,
                     ge_samples *t)
{
    const char *path = a->pos[k];
    int rc = read_samples_for(a, path, first->xcol, first->ycol, names, t);
    if (rc)
        return rc;
    for (int o = 0; o < first->O; o++)
        if (t->O != first->O || strcmp(t->targets[o], first->targets[o]) != 0)
            return runtime_error("%s: expected the targets of %s (%s), found %d other%s; name "
                                 "them with --target",
                                 path, a->pos[0], names, t->O, t->O == 1 ? "" : "s");
    return 0;
}

int read_fit_inputs(const cli_args *a, ge_samples *s)
{
    for (int i = 0; i < a->npos; i++)
        for (int j = i + 1; j < a->npos; j++)
            if (strcmp(a->pos[i], "-") == 0 && strcmp(a->pos[j], "-") == 0)
                return usage_error("fit", "standard input (-) can be read once only");
    if (a->npos > 1 && a->val[O_COVARIATES])
        return usage_error("fit", "--covariates reads one INPUT; merge the inputs into one file "
                                  "first");
    int rc = read_samples(a, a->pos[0], 1, s);
    if (rc || a->npos == 1)
        return rc;
    /* the common CRS: --src-crs, else the first input's */
    char *common = NULL, *names = ge_target_list_join(s->targets, s->O);
    if (!names)
        return runtime_error("out of memory");
    rc = a->val[O_SRC_CRS] ? samples_crs(a, s, NULL, &common) : input_crs(a, s, NULL, &common);
    if (!rc)
        rc = to_common(a, a->pos[0], s, common);
    size_t counts[MAX_POSITIONAL] = {s->M};
    for (int k = 1; k < a->npos && !rc; k++) {
        ge_samples t = {0};
        rc = read_more(a, k, s, names, &t);
        if (!rc)
            rc = to_common(a, a->pos[k], &t, common);
        counts[k] = t.M;
        if (!rc && append(s, &t))
            rc = runtime_error("out of memory");
        ge_samples_free(&t);
    }
    free(names);
    if (rc) {
        free(common);
        return rc;
    }
    /* one set in the common CRS: no line numbers, no single raster grid */
    free(s->crs);
    s->crs = common;
    free(s->lines);
    s->lines = NULL;
    s->raster_grid = 0;
    s->raster_step = 0;
    for (int k = 0; k < a->npos; k++)
        say(2, "geoembed: fit: %s: %zu samples\n", a->pos[k], counts[k]);
    return 0;
}
