/* predict MODEL POINTS for a CSV of points: every row with its columns and
 * one <target>_pred column per target, as CSV text (the default, in the
 * input's delimiter) or as point features of an OGR vector format (by --of or
 * the output's extension; the columns become text fields, the coordinates
 * the geometry and real fields). --where keeps the rows it matches. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/csv.h"
#include "geoembed/outfile.h"
#include "geoembed/reproject.h"
#include "geoembed/where.h"
#include "inputs.h"
#include "points_out.h"
#include "predict_vector.h"
#include "progress.h"

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

typedef struct {
    ge_csv *c;
    int xc, yc, ncols, O;
    char **names; /* ncols columns, then O predictions */
    const char *driver; /* NULL: CSV text */
    ge_outfile out;
    vector_out vec;
    ge_transform *tr;
    char *src; /* the points' CRS when it is not the model's */
    int degrees; /* the points' CRS is geographic */
    int ccol[GE_MAX_COVARIATES]; /* the model's covariates among the columns */
    ge_where *where;
} job;

static int open_output(const cli_args *a, job *j, const predictor *p)
{
    const int n = j->ncols + j->O;
    char **raw = calloc((size_t)n + 1, sizeof *raw), pred[1024];
    int rc = raw ? 0 : runtime_error("out of memory");
    for (int k = 0; !rc && k < j->ncols; k++)
        raw[k] = (char *)ge_csv_colname(j->c, k);
    for (int o = 0; !rc && o < j->O; o++) {
        predictor_output_name(p, o, 1, pred, sizeof pred);
        if (!(raw[j->ncols + o] = strdup(pred)))
            rc = runtime_error("out of memory");
    }
    if (!rc && !(j->names = unique_names(raw, n)))
        rc = runtime_error("out of memory");
    for (int o = 0; raw && o < j->O; o++)
        free(raw[j->ncols + o]);
    free(raw);
    if (rc)
        return rc;
    const char *path = a->val[O_OUTPUT] ? a->val[O_OUTPUT] : "-";
    ge_error err;
    if (!j->driver) {
        if (ge_outfile_open(&j->out, path, &err))
            return fail_with(&err);
        const char d = ge_csv_delimiter(j->c);
        int bad = 0;
        for (int k = 0; k < n; k++) {
            bad |= k && fputc(d, j->out.f) == EOF;
            bad |= ge_csv_write_field(j->out.f, j->names[k], d);
        }
        return bad | (fputc('\n', j->out.f) == EOF) ? runtime_error("%s: write failed", path) : 0;
    }
    const char *wkt = j->src ? j->src : p->meta.crs;
    OGRSpatialReferenceH srs = wkt && *wkt ? OSRNewSpatialReference(wkt) : NULL;
    if (srs)
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    rc = vector_out_open(&j->vec, path, j->driver, srs, wkbPoint);
    if (srs)
        OSRRelease(srs);
    for (int k = 0; !rc && k < n; k++)
        rc = vector_out_field(&j->vec, j->names[k],
                              k >= j->ncols || k == j->xc || k == j->yc ? OFTReal : OFTString);
    return rc;
}

static int write_row(job *j, char *const *f, double x, double y, const double *v)
{
    if (!j->driver) {
        const char d = ge_csv_delimiter(j->c);
        FILE *o = j->out.f;
        int bad = 0;
        for (int k = 0; k < j->ncols; k++) {
            bad |= k && fputc(d, o) == EOF;
            bad |= ge_csv_write_field(o, f[k], d);
        }
        for (int k = 0; k < j->O; k++) {
            bad |= fputc(d, o) == EOF;
            bad |= ge_csv_write_number(o, v[k]);
        }
        return bad | (fputc('\n', o) == EOF) ? runtime_error("%s: write failed", j->out.path) : 0;
    }
    OGRFeatureH ft = OGR_F_Create(OGR_L_GetLayerDefn(j->vec.layer));
    if (!ft)
        return runtime_error("out of memory");
    for (int k = 0; k < j->ncols; k++) {
        if (ge_csv_is_missing(f[k]))
            OGR_F_SetFieldNull(ft, k);
        else if (k == j->xc || k == j->yc)
            OGR_F_SetFieldDouble(ft, k, k == j->xc ? x : y);
        else
            OGR_F_SetFieldString(ft, k, f[k]);
    }
    for (int o = 0; o < j->O; o++) {
        if (isnan(v[o]))
            OGR_F_SetFieldNull(ft, j->ncols + o);
        else
            OGR_F_SetFieldDouble(ft, j->ncols + o, v[o]);
    }
    if (isfinite(x) && isfinite(y)) {
        OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(g, 0, x, y);
        OGR_F_SetGeometryDirectly(ft, g);
    }
    int rc = vector_out_write(&j->vec, ft);
    OGR_F_Destroy(ft);
    return rc;
}

/* Points are in the model's CRS unless --src-crs says otherwise, or they are
 * lon/lat columns and the model is projected. */
static int points_crs(const cli_args *a, job *j, const predictor *p)
{
    ge_error err;
    if (a->val[O_SRC_CRS])
        j->src = ge_crs_to_wkt(a->val[O_SRC_CRS], &err);
    else if (ge_is_lon_name(ge_csv_colname(j->c, j->xc)) &&
             ge_is_lat_name(ge_csv_colname(j->c, j->yc)) && *p->meta.crs &&
             !ge_crs_is_geographic(p->meta.crs))
        j->src = ge_crs_to_wkt("EPSG:4326", &err);
    if (a->val[O_SRC_CRS] && !j->src)
        return usage_error("predict", "--src-crs: %s", err.msg);
    /* points in a geographic CRS: a latitude beyond a pole is refused (any
     * longitude names a meridian) */
    j->degrees = ge_crs_is_geographic(j->src ? j->src : p->meta.crs);
    if (!j->src)
        return 0;
    int same;
    if (!*p->meta.crs)
        return usage_error("predict", "the model has no CRS to reproject the points into");
    j->tr = ge_transform_new(j->src, p->meta.crs, &same, &err);
    return !j->tr && !same ? fail_with(&err) : 0;
}

int predict_points_csv(cli_args *a, const predictor *p)
{
    ge_csv_opts co;
    ge_error err;
    job j = {.O = predictor_outputs(p)};
    const char *path = a->pos[1];
    int rc = input_options_check(a, GE_SOURCE_CSV, path);
    if (rc || (rc = points_format(a, &j.driver)) || delimiter_option(a, &co.delimiter))
        return rc ? rc : EXIT_USAGE;
    if (a->val[O_WHERE] && !(j.where = ge_where_parse(a->val[O_WHERE], &err)))
        return usage_error(a->cmd_name, "%s", err.msg);
    if (!(j.c = ge_csv_open(path, &co, &err))) {
        ge_where_free(j.where);
        char what[700]; /* a raster or a damaged GeoJSON: say so, not "NUL byte" */
        if (!ge_is_csv_path(path) && ge_source_describe(path, what, sizeof what))
            return runtime_error("%s: %s; expected points: a CSV or a vector source", path,
                                 what);
        return fail_with(&err);
    }
    j.ncols = ge_csv_ncols(j.c);
    j.xc = find_coord(j.c, a->val[O_X], p->meta.xcol, 1);
    j.yc = find_coord(j.c, a->val[O_Y], p->meta.ycol, 0);
    char what[700];
    if ((j.xc < 0 || j.yc < 0) && !ge_is_csv_path(path) &&
        ge_source_describe(path, what, sizeof what)) {
        rc = runtime_error("%s: %s; expected points: a CSV or a vector source", path, what);
        goto done;
    }
    if (j.xc < 0 || j.yc < 0) {
        char cols[512];
        ge_csv_column_list(j.c, cols, sizeof cols);
        rc = runtime_error("%s: no %s column '%s' (columns: %s; name it with %s)",
                           ge_csv_path(j.c), j.xc < 0 ? "x" : "y",
                           j.xc < 0 ? (a->val[O_X] ? a->val[O_X] : p->meta.xcol)
                                    : (a->val[O_Y] ? a->val[O_Y] : p->meta.ycol),
                           cols, j.xc < 0 ? "--x" : "--y");
        goto done;
    }
    for (int k = 0; k < p->m.cov.P; k++)
        if ((j.ccol[k] = ge_csv_find(j.c, p->m.cov.c[k].name)) < 0) {
            char cols[512];
            ge_csv_column_list(j.c, cols, sizeof cols);
            rc = runtime_error("%s: no column '%s', a covariate of the model (columns: %s)",
                               ge_csv_path(j.c), p->m.cov.c[k].name, cols);
            goto done;
        }
    if ((j.where && ge_where_bind(j.where, j.c, &err) && (rc = fail_with(&err))) ||
        (rc = points_crs(a, &j, p)) || (rc = open_output(a, &j, p)))
        goto done;
    char *const *f;
    long line;
    int have = 0;
    size_t rows = 0, outside = 0, missing = 0, nocov = 0;
    counter cnt;
    counter_init(&cnt, "geoembed: predict", "rows");
    while (!rc && (have = ge_csv_next(j.c, &f, &line, &err)) == 1) {
        if (j.where) {
            int keep = ge_where_eval(j.where, j.c, f, line, &err);
            if (keep < 0) {
                rc = fail_with(&err);
                break;
            }
            if (!keep)
                continue;
        }
        double xy[2] = {NAN, NAN}, v[PREDICTOR_MAX_OUT];
        for (int o = 0; o < j.O; o++)
            v[o] = NAN;
        if (ge_csv_is_missing(f[j.xc]) || ge_csv_is_missing(f[j.yc])) {
            missing++;
        } else {
            for (int k = 0; k < 2 && !rc; k++) {
                int col = k ? j.yc : j.xc;
                if (ge_csv_number(f[col], &xy[k]) || !isfinite(xy[k]))
                    rc = runtime_error("%s:%ld: column '%s' (%d): expected a finite number, got "
                                       "'%.40s'",
                                       ge_csv_path(j.c), line, ge_csv_colname(j.c, col), col + 1,
                                       f[col]);
            }
            if (rc)
                break;
            double m[2] = {xy[0], xy[1]}, z[GE_MAX_DESIGN];
            const char *text[GE_MAX_COVARIATES];
            int bad = 0, got = 1;
            for (int k = 0; k < p->m.cov.P; k++)
                text[k] = f[j.ccol[k]];
            if (p->m.cov.P && (got = predictor_covariate_row(p, text, z, &bad)) < 0) {
                rc = runtime_error("%s:%ld: column '%s' (%d): expected a number (a covariate), "
                                   "got '%.40s'",
                                   ge_csv_path(j.c), line, ge_csv_colname(j.c, j.ccol[bad]),
                                   j.ccol[bad] + 1, f[j.ccol[bad]]);
                break;
            }
            if (j.degrees && (m[1] < -90 || m[1] > 90)) {
                rc = runtime_error("%s:%ld: (%g, %g) is not a longitude/latitude in degrees; "
                                   "columns '%s'/'%s' are read %s",
                                   ge_csv_path(j.c), line, m[0], m[1],
                                   ge_csv_colname(j.c, j.xc), ge_csv_colname(j.c, j.yc),
                                   a->val[O_SRC_CRS] ? "in the CRS of --src-crs"
                                   : j.src ? "as EPSG:4326 (give --src-crs otherwise)"
                                           : "in the model's CRS (give --src-crs otherwise)");
                break;
            }
            if (j.tr)
                ge_transform_points(j.tr, m, 1);
            if (!got)
                nocov++; /* empty: a covariate missing, or of a class the model never saw */
            else
                outside += predictor_at_z(p, m[0], m[1], z, v) != 0;
        }
        rc = write_row(&j, f, xy[0], xy[1], v);
        if (++rows % 4096 == 0)
            counter_update(&cnt, (double)rows, 0);
    }
    counter_done(&cnt);
    if (!rc && have < 0)
        rc = fail_with(&err);
    if (rc)
        goto done;
    if (j.driver ? (rc = vector_out_commit(&j.vec)) != 0
                 : ge_outfile_commit(&j.out, &err) && (rc = fail_with(&err)) != 0)
        goto done;
    if (outside || missing || nocov) {
        char rule[128], cov[96] = "";
        predictor_empty_rule(p, rule, sizeof rule);
        if (nocov)
            snprintf(cov, sizeof cov, ", %zu without a covariate value (or of an unknown class)",
                     nocov);
        say(2, "geoembed: predict: %zu of %zu points had no prediction (%zu %s, %zu without "
               "coordinates%s)\n",
            outside + missing + nocov, rows, outside, rule, missing, cov);
    }
done:
    if (rc) {
        if (j.out.f)
            ge_outfile_abort(&j.out);
        vector_out_abort(&j.vec);
    }
    names_free(j.names, j.ncols + j.O);
    ge_transform_free(j.tr);
    free(j.src);
    ge_where_free(j.where);
    ge_csv_close(j.c);
    return rc;
}
