/* predict MODEL POINTS for an OGR vector source. The points are the features'
 * geometries (a non-point geometry at its centroid) in the source's CRS (or
 * --src-crs), transformed into the model's to evaluate. Written as
 *   - an OGR vector format (by --of or the output's extension): every feature
 *     with its geometry, attributes and CRS, plus one <target>_pred field per
 *     target;
 *   - CSV text (the default): the attributes, the point's x and y, and the
 *     predictions.
 * Column names are unique (points_out.c renames a taken one). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/csv.h"
#include "geoembed/outfile.h"
#include "geoembed/reproject.h"
#include "inputs.h"
#include "points_out.h"
#include "predict_vector.h"
#include "progress.h"

static char *layer_wkt(OGRLayerH layer)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    char *w = NULL, *out = NULL;
    const char *opts[] = {"FORMAT=WKT2_2018", NULL};
    if (srs && OSRExportToWktEx(srs, &w, opts) == OGRERR_NONE && w)
        out = strdup(w);
    CPLFree(w);
    return out;
}

/* What is being read and where it goes. */
typedef struct {
    const char *path;
    OGRLayerH layer;
    int nf, O;
    char **names; /* nf attributes, [x, y when CSV], O predictions */
    const char *driver; /* NULL: CSV text */
    ge_outfile csv;
    vector_out vec;
} job;

static int write_csv_row(FILE *f, OGRFeatureH feat, int nf, double x, double y, const double *v,
                         int O)
{
    int bad = 0;
    for (int k = 0; k < nf; k++) {
        bad |= ge_csv_write_field(f, OGR_F_IsFieldSetAndNotNull(feat, k)
                                         ? OGR_F_GetFieldAsString(feat, k)
                                         : "",
                                  ',');
        bad |= fputc(',', f) == EOF;
    }
    bad |= ge_csv_write_number(f, x);
    bad |= fputc(',', f) == EOF;
    bad |= ge_csv_write_number(f, y);
    for (int o = 0; o < O; o++) {
        bad |= fputc(',', f) == EOF;
        bad |= ge_csv_write_number(f, v[o]);
    }
    return bad | (fputc('\n', f) == EOF);
}

static int write_vector_row(job *j, OGRFeatureH feat, const double *v)
{
    OGRFeatureH out = OGR_F_Create(OGR_L_GetLayerDefn(j->vec.layer));
    int *map = malloc(((size_t)j->nf + 1) * sizeof *map);
    if (!out || !map) {
        OGR_F_Destroy(out);
        free(map);
        return runtime_error("out of memory");
    }
    for (int k = 0; k < j->nf; k++)
        map[k] = k; /* the output's fields are the input's, in order, then the predictions */
    OGR_F_SetFromWithMap(out, feat, TRUE, map);
    free(map);
    for (int o = 0; o < j->O; o++) {
        if (isnan(v[o]))
            OGR_F_SetFieldNull(out, j->nf + o);
        else
            OGR_F_SetFieldDouble(out, j->nf + o, v[o]);
    }
    int rc = vector_out_write(&j->vec, out);
    OGR_F_Destroy(out);
    return rc;
}

/* Opens the output: the header of a CSV, or a layer with the input's
 * geometry type and CRS (src_wkt) and fields. */
static int open_output(cli_args *a, job *j, const predictor *p, const char *src_wkt)
{
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(j->layer);
    const int nf = j->nf, O = j->O, csv = j->driver == NULL;
    const int n = nf + 2 * csv + O;
    char **raw = calloc((size_t)n + 1, sizeof *raw), pred[1024];
    int rc = 0;
    for (int k = 0; raw && k < nf; k++)
        raw[k] = (char *)OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, k));
    if (raw && csv) {
        raw[nf] = "x";
        raw[nf + 1] = "y";
    }
    for (int o = 0; raw && o < O; o++) {
        predictor_output_name(p, o, 1, pred, sizeof pred);
        if (!(raw[nf + 2 * csv + o] = strdup(pred)))
            rc = runtime_error("out of memory");
    }
    j->names = raw && !rc ? unique_names(raw, n) : NULL;
    for (int o = 0; raw && o < O; o++)
        free(raw[nf + 2 * csv + o]);
    free(raw);
    if (!j->names)
        return rc ? rc : runtime_error("out of memory");
    ge_error err;
    const char *out = a->val[O_OUTPUT] ? a->val[O_OUTPUT] : "-";
    if (csv) {
        if (ge_outfile_open(&j->csv, out, &err))
            return fail_with(&err);
        int bad = 0;
        for (int k = 0; k < n; k++) {
            bad |= k && fputc(',', j->csv.f) == EOF;
            bad |= ge_csv_write_field(j->csv.f, j->names[k], ',');
        }
        bad |= fputc('\n', j->csv.f) == EOF;
        return bad ? runtime_error("%s: write failed", out) : 0;
    }
    OGRSpatialReferenceH srs = src_wkt && *src_wkt ? OSRNewSpatialReference(src_wkt) : NULL;
    if (srs)
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    rc = vector_out_open(&j->vec, out, j->driver, srs, OGR_L_GetGeomType(j->layer));
    if (srs)
        OSRRelease(srs);
    for (int k = 0; !rc && k < nf; k++) { /* the input's field definitions, renamed if taken */
        OGRFieldDefnH in = OGR_FD_GetFieldDefn(def, k);
        OGRFieldDefnH fd = OGR_Fld_Create(j->names[k], OGR_Fld_GetType(in));
        OGR_Fld_SetSubType(fd, OGR_Fld_GetSubType(in));
        OGR_Fld_SetWidth(fd, OGR_Fld_GetWidth(in));
        OGR_Fld_SetPrecision(fd, OGR_Fld_GetPrecision(in));
        if (OGR_L_CreateField(j->vec.layer, fd, TRUE) != OGRERR_NONE)
            rc = runtime_error("%s: cannot add the field '%s': %s", out, j->names[k],
                               CPLGetLastErrorMsg());
        OGR_Fld_Destroy(fd);
    }
    for (int o = 0; !rc && o < O; o++)
        rc = vector_out_field(&j->vec, j->names[nf + o], OFTReal);
    if (!rc && OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(j->vec.layer)) != nf + O)
        rc = runtime_error("%s: %s did not keep every field", out, j->driver);
    return rc;
}

/* The next feature, or NULL at the end or on a read error (*failed, with
 * GDAL's message in msg): a truncated file must fail, not end early. */
static OGRFeatureH next_feature(OGRLayerH layer, int *failed, char *msg, size_t n)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    OGRFeatureH f = OGR_L_GetNextFeature(layer);
    if (CPLGetLastErrorType() >= CE_Failure) {
        *failed = 1;
        snprintf(msg, n, "%s", CPLGetLastErrorMsg());
    }
    CPLPopErrorHandler();
    return f;
}

int predict_points_vector(cli_args *a, const predictor *p)
{
    const char *path = a->pos[1];
    ge_error err;
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds || GDALDatasetGetLayerCount(ds) == 0) {
        if (ds)
            GDALClose(ds);
        return -1; /* not a vector source: the caller reads it as CSV */
    }
    job j = {.path = path, .O = predictor_outputs(p)};
    int rc = input_options_check(a, GE_SOURCE_VECTOR, path);
    if (!rc)
        rc = points_format(a, &j.driver);
    ge_transform *tr = NULL;
    char *src = NULL;
    if (rc)
        goto done;
    j.layer = a->val[O_LAYER] ? GDALDatasetGetLayerByName(ds, a->val[O_LAYER])
                              : GDALDatasetGetLayer(ds, 0);
    if (!j.layer) {
        rc = runtime_error("%s: no layer%s%s", path, a->val[O_LAYER] ? " " : "s",
                           a->val[O_LAYER] ? a->val[O_LAYER] : "");
        goto done;
    }
    if (a->val[O_WHERE]) { /* GDAL's complaint goes into the one line below */
        CPLPushErrorHandler(CPLQuietErrorHandler);
        OGRErr bad = OGR_L_SetAttributeFilter(j.layer, a->val[O_WHERE]);
        CPLPopErrorHandler();
        if (bad != OGRERR_NONE) {
            rc = runtime_error("%s: invalid --where expression '%s': %s", path, a->val[O_WHERE],
                               CPLGetLastErrorMsg());
            goto done;
        }
    }
    src = a->val[O_SRC_CRS] ? ge_crs_to_wkt(a->val[O_SRC_CRS], &err) : layer_wkt(j.layer);
    if (a->val[O_SRC_CRS] && !src) {
        rc = usage_error(a->cmd_name, "--src-crs: %s", err.msg);
        goto done;
    }
    if (!*p->meta.crs && (rc = no_crs_to_reproject_into(a, src, path)))
        goto done;
    if (src && *src && p->meta.crs && *p->meta.crs) {
        int same;
        tr = ge_transform_new(src, p->meta.crs, &same, &err);
        if (!tr && !same) {
            rc = fail_with(&err);
            goto done;
        }
    }
    /* points in a geographic CRS: a latitude beyond a pole is refused (any
     * longitude names a meridian) */
    const int degrees = ge_crs_is_geographic(src && *src ? src : p->meta.crs);
    j.nf = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(j.layer));
    int cfield[GE_MAX_COVARIATES]; /* the model's covariates among the attributes */
    for (int k = 0; k < p->m.cov.P; k++)
        if ((cfield[k] = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(j.layer),
                                              p->m.cov.c[k].name)) < 0) {
            rc = runtime_error("%s: layer '%s' has no field '%s', a covariate of the model", path,
                               OGR_L_GetName(j.layer), p->m.cov.c[k].name);
            goto done;
        }
    if ((rc = open_output(a, &j, p, src)))
        goto done;
    OGRGeometryH centroid = OGR_G_CreateGeometry(wkbPoint);
    OGRFeatureH feat;
    size_t rows = 0, none = 0, nocov = 0;
    /* -1 when it would be slow; a filter GDAL cannot run fails here first,
     * quietly: the reading below says it in one line */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GIntBig total = OGR_L_GetFeatureCount(j.layer, FALSE);
    CPLPopErrorHandler();
    CPLErrorReset();
    counter cnt;
    counter_init(&cnt, "geoembed: predict", "features");
    OGR_L_ResetReading(j.layer);
    int bad = 0, failed = 0;
    char why[300] = "";
    while (!bad && !rc && !failed && (feat = next_feature(j.layer, &failed, why, sizeof why))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        double xy[2] = {NAN, NAN}, v[PREDICTOR_MAX_OUT];
        if (g && !OGR_G_IsEmpty(g)) {
            if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint)
                xy[0] = OGR_G_GetX(g, 0), xy[1] = OGR_G_GetY(g, 0);
            else if (OGR_G_Centroid(g, centroid) == OGRERR_NONE)
                xy[0] = OGR_G_GetX(centroid, 0), xy[1] = OGR_G_GetY(centroid, 0);
        }
        double mxy[2] = {xy[0], xy[1]}, z[GE_MAX_DESIGN];
        const char *text[GE_MAX_COVARIATES];
        char held[GE_MAX_COVARIATES][256]; /* OGR reuses its string of a number */
        int badc = 0, got = 1;
        for (int k = 0; k < p->m.cov.P; k++) {
            snprintf(held[k], sizeof held[k], "%s",
                     OGR_F_IsFieldSetAndNotNull(feat, cfield[k])
                         ? OGR_F_GetFieldAsString(feat, cfield[k])
                         : "");
            text[k] = held[k];
        }
        if (p->m.cov.P && (got = predictor_covariate_row(p, text, z, &badc)) < 0) {
            rc = runtime_error("%s: layer '%s' feature %lld: field '%s' (a covariate): expected "
                               "a number, got '%.40s'",
                               path, OGR_L_GetName(j.layer), (long long)OGR_F_GetFID(feat),
                               p->m.cov.c[badc].name, text[badc]);
            OGR_F_Destroy(feat);
            break;
        }
        if (degrees && (mxy[1] < -90 || mxy[1] > 90)) {
            rc = runtime_error("%s: layer '%s' feature %lld: (%g, %g) is not a longitude/latitude "
                               "in degrees (%s is geographic)",
                               path, OGR_L_GetName(j.layer), (long long)OGR_F_GetFID(feat),
                               mxy[0], mxy[1],
                               a->val[O_SRC_CRS] ? "the CRS of --src-crs"
                               : src && *src     ? "the layer's CRS"
                                                 : "the model's CRS");
            OGR_F_Destroy(feat);
            break;
        }
        nocov += !got;
        if (tr && isfinite(mxy[0]))
            ge_transform_points(tr, mxy, 1);
        if (!got || !isfinite(mxy[0]) || !isfinite(mxy[1]) ||
            predictor_at_z(p, mxy[0], mxy[1], z, v)) {
            for (int o = 0; o < j.O; o++)
                v[o] = NAN;
            none++;
        }
        if (j.driver)
            rc = write_vector_row(&j, feat, v);
        else
            bad |= write_csv_row(j.csv.f, feat, j.nf, xy[0], xy[1], v, j.O);
        OGR_F_Destroy(feat);
        rows++;
        if (rows % 1024 == 0)
            counter_update(&cnt, (double)rows, total > 0 ? (double)total : 0);
    }
    counter_done(&cnt);
    OGR_G_DestroyGeometry(centroid);
    if (!rc && failed)
        rc = runtime_error("%s: reading layer '%s': %s", path, OGR_L_GetName(j.layer), why);
    if (rc)
        goto done;
    if (j.driver ? (rc = vector_out_commit(&j.vec)) != 0
                 : ge_outfile_commit(&j.csv, &err) && (rc = fail_with(&err)) != 0)
        goto done;
    if (none) {
        char rule[128];
        predictor_empty_rule(p, rule, sizeof rule);
        say(2, "geoembed: predict: %zu of %zu features had no prediction (no geometry, or %s%s)\n",
            none, rows, rule, nocov ? ", or without a covariate value (or of an unknown class)" : "");
    }
done:
    if (rc) {
        if (j.csv.f)
            ge_outfile_abort(&j.csv);
        vector_out_abort(&j.vec);
    }
    names_free(j.names, j.nf + 2 * (j.driver == NULL) + j.O);
    ge_transform_free(tr);
    free(src);
    GDALClose(ds);
    return rc;
}
