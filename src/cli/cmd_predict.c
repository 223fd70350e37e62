/* geoembed predict MODEL POINTS [-o OUT]      predictions at points (CSV)
 * geoembed predict MODEL --grid OUT [options] the field as a grid */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/csv.h"
#include "geoembed/reproject.h"
#include "geoembed/outfile.h"
#include "grid.h"
#include "inputs.h"
#include "predict_vector.h"
#include "predictor.h"

static int find_coord(const ge_csv *c, const char *given, const char *hint, int lon)
{
    if (given)
        return ge_csv_find(c, given);
    int k = hint ? ge_csv_find(c, hint) : -1;
    for (int i = 0; k < 0 && i < ge_csv_ncols(c); i++)
        if (lon ? ge_is_lon_name(ge_csv_colname(c, i)) : ge_is_lat_name(ge_csv_colname(c, i)))
            k = i;
    if (k < 0)
        k = ge_csv_find(c, lon ? "x" : "y");
    return k;
}

static int write_header(FILE *f, const ge_csv *c, const predictor *p)
{
    const char d = ge_csv_delimiter(c);
    char name[1024];
    int bad = 0;
    for (int k = 0; k < ge_csv_ncols(c); k++) {
        bad |= k && fputc(d, f) == EOF;
        bad |= ge_csv_write_field(f, ge_csv_colname(c, k), d);
    }
    for (int o = 0; o < p->m.s.O; o++) {
        snprintf(name, sizeof name, "%s_pred", p->meta.targets[o]);
        bad |= fputc(d, f) == EOF;
        bad |= ge_csv_write_field(f, name, d);
    }
    return bad | (fputc('\n', f) == EOF);
}

static int predict_points(cli_args *a, predictor *p)
{
    ge_csv_opts co;
    ge_error err;
    if (delimiter_option(a, &co.delimiter))
        return EXIT_USAGE;
    ge_csv *c = ge_csv_open(a->pos[1], &co, &err);
    if (!c)
        return fail_with(&err);
    int xc = find_coord(c, a->val[O_X], p->meta.xcol, 1);
    int yc = find_coord(c, a->val[O_Y], p->meta.ycol, 0);
    if (xc < 0 || yc < 0) {
        int rc = runtime_error("%s: no %s column '%s' (name it with %s)", ge_csv_path(c),
                               xc < 0 ? "x" : "y",
                               xc < 0 ? (a->val[O_X] ? a->val[O_X] : p->meta.xcol)
                                      : (a->val[O_Y] ? a->val[O_Y] : p->meta.ycol),
                               xc < 0 ? "--x" : "--y");
        ge_csv_close(c);
        return rc;
    }
    /* Points are in the model's CRS unless --src-crs says otherwise, or they
     * are lon/lat columns and the model is projected. */
    ge_transform *tr = NULL;
    char *src = NULL;
    if (a->val[O_SRC_CRS])
        src = ge_crs_to_wkt(a->val[O_SRC_CRS], &err);
    else if (ge_is_lon_name(ge_csv_colname(c, xc)) && ge_is_lat_name(ge_csv_colname(c, yc)) &&
             *p->meta.crs && !ge_crs_is_geographic(p->meta.crs))
        src = ge_crs_to_wkt("EPSG:4326", &err);
    if (a->val[O_SRC_CRS] && !src) {
        ge_csv_close(c);
        return usage_error("predict", "--src-crs: %s", err.msg);
    }
    if (src) {
        int same;
        if (!*p->meta.crs) {
            free(src);
            ge_csv_close(c);
            return usage_error("predict", "the model has no CRS to reproject the points into");
        }
        tr = ge_transform_new(src, p->meta.crs, &same, &err);
        free(src);
        if (!tr && !same) {
            ge_csv_close(c);
            return fail_with(&err);
        }
    }
    ge_outfile out;
    if (ge_outfile_open(&out, a->val[O_OUTPUT] ? a->val[O_OUTPUT] : "-", &err)) {
        ge_transform_free(tr);
        ge_csv_close(c);
        return fail_with(&err);
    }
    const char d = ge_csv_delimiter(c);
    const int O = p->m.s.O;
    char *const *f;
    long line;
    int have, bad = write_header(out.f, c, p), rc = EXIT_OK;
    size_t rows = 0, outside = 0, missing = 0;
    while (!bad && (have = ge_csv_next(c, &f, &line, &err)) == 1) {
        double x, y, v[GE_MAX_OUTPUTS];
        for (int o = 0; o < O; o++)
            v[o] = NAN;
        if (ge_csv_is_missing(f[xc]) || ge_csv_is_missing(f[yc])) {
            missing++;
        } else {
            for (int k = 0; k < 2; k++) {
                int col = k ? yc : xc;
                double *dst = k ? &y : &x;
                if (ge_csv_number(f[col], dst) || !isfinite(*dst)) {
                    rc = runtime_error("%s:%ld: column '%s' (%d): expected a finite number, got "
                                       "'%.40s'",
                                       ge_csv_path(c), line, ge_csv_colname(c, col), col + 1,
                                       f[col]);
                    goto fail;
                }
            }
            double xy[2] = {x, y};
            if (tr)
                ge_transform_points(tr, xy, 1);
            outside += predictor_at(p, xy[0], xy[1], v) != 0;
        }
        for (int k = 0; k < ge_csv_ncols(c); k++) {
            bad |= k && fputc(d, out.f) == EOF;
            bad |= ge_csv_write_field(out.f, f[k], d);
        }
        for (int o = 0; o < O; o++) {
            bad |= fputc(d, out.f) == EOF;
            bad |= ge_csv_write_number(out.f, v[o]);
        }
        bad |= fputc('\n', out.f) == EOF;
        rows++;
    }
    if (!bad && have < 0) {
        rc = fail_with(&err);
        goto fail;
    }
    ge_transform_free(tr);
    tr = NULL;
    if (ge_outfile_commit(&out, &err)) {
        ge_csv_close(c);
        return fail_with(&err);
    }
    if (outside || missing)
        say(2, "geoembed: predict: %zu of %zu points had no prediction (%zu outside the model's "
               "exterior, %zu without coordinates)\n",
            outside + missing, rows, outside, missing);
    ge_csv_close(c);
    return EXIT_OK;
fail:
    ge_transform_free(tr);
    ge_outfile_abort(&out);
    ge_csv_close(c);
    return rc;
}

int cmd_predict(cli_args *a)
{
    int grid = a->val[O_GRID] != NULL;
    if (grid ? a->npos != 1 : a->npos != 2)
        return usage_error("predict", grid ? "with --grid, expected only MODEL"
                                           : "expected MODEL and POINTS (or --grid OUT)");
    if (grid && a->val[O_OUTPUT])
        return usage_error("predict", "--grid names the output; -o is for points");
    if (!grid && (a->val[O_BBOX] || a->val[O_RESOLUTION] || a->val[O_SIZE] || a->val[O_OF] ||
                  a->val[O_DST_CRS] || a->nco))
        return usage_error("predict", "--bbox, --resolution, --size, --of, --co and --dst-crs "
                                      "apply to --grid");
    ge_error err; /* an output must not destroy an input */
    for (int i = 0; i < a->npos; i++)
        if (ge_output_is_input(grid ? a->val[O_GRID] : a->val[O_OUTPUT], a->pos[i], &err))
            return usage_error("predict", "%s", err.msg);
    if (apply_threads(a))
        return EXIT_USAGE;
    grid_spec gs = {0};
    predictor p;
    int rc = predictor_load(&p, a->pos[0]);
    if (rc)
        return rc;
    if (grid) {
        rc = grid_spec_resolve(a, &p, &gs);
        if (!rc)
            rc = grid_write(a, &p, &gs);
        grid_spec_free(&gs);
    } else if (ge_is_csv_path(a->pos[1])) {
        rc = predict_points(a, &p);
    } else if ((rc = predict_points_vector(a, &p)) < 0) {
        rc = predict_points(a, &p);
    }
    predictor_free(&p);
    return rc;
}
