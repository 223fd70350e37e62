/* Outlines from OGR (see outlines.h): geometries are walked recursively, so
 * a MultiPolygon of islands or a GeometryCollection gives all its rings. */
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "geoembed/outlines.h"
#include "geoembed/reproject.h"

void ge_outlines_free(ge_outlines *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->line[i].xy);
    free(o->line);
    memset(o, 0, sizeof *o);
}

static int add_line(ge_outlines *o, size_t *cap, OGRGeometryH g)
{
    int n = OGR_G_GetPointCount(g);
    if (n < 2)
        return 0;
    if (o->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        ge_polyline *p = realloc(o->line, nc * sizeof *p);
        if (!p)
            return -1;
        o->line = p;
        *cap = nc;
    }
    double *xy = malloc((size_t)n * 2 * sizeof *xy);
    if (!xy)
        return -1;
    for (int i = 0; i < n; i++) {
        xy[2 * i] = OGR_G_GetX(g, i);
        xy[2 * i + 1] = OGR_G_GetY(g, i);
    }
    o->line[o->n].xy = xy;
    o->line[o->n].n = (size_t)n;
    o->n++;
    return 0;
}

/* Lines and rings are leaves; polygons and collections hold them. */
static int walk(ge_outlines *o, size_t *cap, OGRGeometryH g)
{
    if (!g)
        return 0;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPoint || t == wkbMultiPoint) {
        o->points++;
        return 0;
    }
    int parts = OGR_G_GetGeometryCount(g);
    if (parts == 0 || t == wkbLineString || t == wkbLinearRing)
        return add_line(o, cap, g);
    for (int i = 0; i < parts; i++)
        if (walk(o, cap, OGR_G_GetGeometryRef(g, i)))
            return -1;
    return 0;
}

static char *layer_wkt(OGRLayerH layer)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    char *wkt = NULL, *copy = NULL;
    if (srs && OSRExportToWkt(srs, &wkt) == OGRERR_NONE && wkt)
        copy = strdup(wkt);
    CPLFree(wkt);
    return copy;
}

int ge_outlines_read(const char *path, const char *layer_name, const char *dst_wkt,
                     ge_outlines *o, ge_error *err)
{
    memset(o, 0, sizeof *o);
    size_t cap = 0;
    int rc = -1;
    char *src = NULL;
    ge_transform *tr = NULL;
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        ge_fail(err, "%s: cannot open as a vector source: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    OGRLayerH layer = layer_name ? GDALDatasetGetLayerByName(ds, layer_name)
                                 : GDALDatasetGetLayer(ds, 0);
    if (!layer) {
        if (layer_name)
            ge_fail(err, "%s: no layer '%s'", path, layer_name);
        else
            ge_fail(err, "%s: no layers", path);
        goto done;
    }
    src = layer_wkt(layer);
    o->crs_unused = src && *src && !(dst_wkt && *dst_wkt);
    int same = 1;
    ge_error why;
    if (src && dst_wkt && *dst_wkt && !(tr = ge_transform_new(src, dst_wkt, &same, &why)) &&
        !same) {
        ge_fail(err, "%s: %s", path, why.msg);
        goto done;
    }
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer))) {
        int bad = walk(o, &cap, OGR_F_GetGeometryRef(f));
        OGR_F_Destroy(f);
        if (bad) {
            ge_fail(err, "%s: out of memory", path);
            goto done;
        }
        o->features++;
    }
    for (size_t i = 0; tr && i < o->n; i++)
        ge_transform_points(tr, o->line[i].xy, o->line[i].n);
    rc = 0;
done:
    if (tr)
        ge_transform_free(tr);
    free(src);
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    if (rc)
        ge_outlines_free(o);
    return rc;
}
