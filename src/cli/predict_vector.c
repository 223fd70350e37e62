/* predict MODEL POINTS for an OGR vector source: one CSV row per feature, its
 * attributes, the point's x and y (a non-point geometry at its centroid) in the
 * source's CRS, and one prediction per target. The source's CRS (or
 * --src-crs) is transformed into the model's. */
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
#include "predict_vector.h"

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

static int write_row(FILE *f, OGRFeatureH feat, int nf, double x, double y, const double *v, int O)
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
    OGRLayerH layer = a->val[O_LAYER] ? GDALDatasetGetLayerByName(ds, a->val[O_LAYER])
                                      : GDALDatasetGetLayer(ds, 0);
    int rc = 0;
    ge_transform *tr = NULL;
    char *src = NULL;
    ge_outfile out = {0};
    if (!layer) {
        rc = runtime_error("%s: no layer%s%s", path, a->val[O_LAYER] ? " " : "s",
                           a->val[O_LAYER] ? a->val[O_LAYER] : "");
        goto done;
    }
    if (a->val[O_WHERE] && OGR_L_SetAttributeFilter(layer, a->val[O_WHERE]) != OGRERR_NONE) {
        rc = runtime_error("%s: invalid --where expression '%s'", path, a->val[O_WHERE]);
        goto done;
    }
    src = a->val[O_SRC_CRS] ? ge_crs_to_wkt(a->val[O_SRC_CRS], &err) : layer_wkt(layer);
    if (a->val[O_SRC_CRS] && !src) {
        rc = usage_error(a->cmd_name, "--src-crs: %s", err.msg);
        goto done;
    }
    if (src && *src && p->meta.crs && *p->meta.crs) {
        int same;
        tr = ge_transform_new(src, p->meta.crs, &same, &err);
        if (!tr && !same) {
            rc = fail_with(&err);
            goto done;
        }
    }
    if (ge_outfile_open(&out, a->val[O_OUTPUT] ? a->val[O_OUTPUT] : "-", &err)) {
        rc = fail_with(&err);
        goto done;
    }
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(layer);
    const int nf = OGR_FD_GetFieldCount(def), O = p->m.s.O;
    int bad = 0;
    for (int k = 0; k < nf; k++) {
        bad |= ge_csv_write_field(out.f, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, k)), ',');
        bad |= fputc(',', out.f) == EOF;
    }
    bad |= fputs("x,y", out.f) == EOF;
    for (int o = 0; o < O; o++) {
        char name[1024];
        snprintf(name, sizeof name, "%s_pred", p->meta.targets[o]);
        bad |= fputc(',', out.f) == EOF;
        bad |= ge_csv_write_field(out.f, name, ',');
    }
    bad |= fputc('\n', out.f) == EOF;
    OGRGeometryH centroid = OGR_G_CreateGeometry(wkbPoint);
    OGRFeatureH feat;
    size_t rows = 0, none = 0;
    OGR_L_ResetReading(layer);
    while (!bad && (feat = OGR_L_GetNextFeature(layer))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        double xy[2] = {NAN, NAN}, v[GE_MAX_OUTPUTS];
        if (g && !OGR_G_IsEmpty(g)) {
            if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint)
                xy[0] = OGR_G_GetX(g, 0), xy[1] = OGR_G_GetY(g, 0);
            else if (OGR_G_Centroid(g, centroid) == OGRERR_NONE)
                xy[0] = OGR_G_GetX(centroid, 0), xy[1] = OGR_G_GetY(centroid, 0);
        }
        double mxy[2] = {xy[0], xy[1]};
        if (tr && isfinite(mxy[0]))
            ge_transform_points(tr, mxy, 1);
        if (!isfinite(mxy[0]) || !isfinite(mxy[1]) || predictor_at(p, mxy[0], mxy[1], v)) {
            for (int o = 0; o < O; o++)
                v[o] = NAN;
            none++;
        }
        bad |= write_row(out.f, feat, nf, xy[0], xy[1], v, O);
        OGR_F_Destroy(feat);
        rows++;
    }
    OGR_G_DestroyGeometry(centroid);
    if (ge_outfile_commit(&out, &err)) {
        rc = fail_with(&err);
        goto done;
    }
    if (none)
        say(2, "geoembed: predict: %zu of %zu features had no prediction (no geometry, or "
               "outside the model's exterior)\n",
            none, rows);
done:
    if (rc && out.f)
        ge_outfile_abort(&out);
    ge_transform_free(tr);
    free(src);
    GDALClose(ds);
    return rc;
}
