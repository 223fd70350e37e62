/* --mask POLYGONS (see mask.h). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "display.h"
#include "geoembed/reproject.h"
#include "mask.h"

typedef struct {
    double x0, y0, x1, y1;
    uint32_t poly; /* edges of one polygon (with its holes) count together */
} edge;

struct mask {
    edge *e;
    size_t ne, cap, npoly;
    double xmin, xmax, ymin, ymax; /* bounds of the edges */
    /* horizontal bands: band b holds edges idx[start[b] .. start[b+1]),
     * ascending by polygon */
    size_t nb, *start, *idx;
    double bh;
    double wrap; /* the exterior's width on a wrapped x axis, else 0 */
};

static int add_edge(mask *m, double x0, double y0, double x1, double y1)
{
    if (y0 == y1 || !isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
        return 0; /* horizontal edges cross no ray; unprojectable ones are dropped */
    if (m->ne == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        edge *e = realloc(m->e, cap * sizeof *e);
        if (!e)
            return -1;
        m->e = e;
        m->cap = cap;
    }
    m->e[m->ne++] = (edge){x0, y0, x1, y1, (uint32_t)m->npoly};
    m->xmin = fmin(m->xmin, fmin(x0, x1));
    m->xmax = fmax(m->xmax, fmax(x0, x1));
    m->ymin = fmin(m->ymin, fmin(y0, y1));
    m->ymax = fmax(m->ymax, fmax(y0, y1));
    return 0;
}

/* The rings of a polygon, in the model's CRS, as edges of polygon m->npoly. */
static int add_polygon(mask *m, OGRGeometryH poly, ge_transform *t)
{
    for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
        int n = OGR_G_GetPointCount(ring);
        if (n < 3)
            continue;
        double *xy = malloc((size_t)n * 2 * sizeof *xy);
        if (!xy)
            return -1;
        for (int i = 0; i < n; i++) {
            xy[2 * i] = OGR_G_GetX(ring, i);
            xy[2 * i + 1] = OGR_G_GetY(ring, i);
        }
        if (t)
            ge_transform_points(t, xy, (size_t)n);
        int bad = 0;
        for (int i = 0; i < n && !bad; i++) {
            int j = (i + 1) % n; /* closes the ring whether or not it repeats its start */
            bad = add_edge(m, xy[2 * i], xy[2 * i + 1], xy[2 * j], xy[2 * j + 1]);
        }
        free(xy);
        if (bad)
            return -1;
    }
    m->npoly++;
    return 0;
}

/* Every polygon of a geometry (multi-polygons and collections of them;
 * curves as their linear approximation). 1 when it holds something else. */
static int add_geometry(mask *m, OGRGeometryH g, ge_transform *t, int *oom)
{
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type == wkbPolygon) {
        *oom = add_polygon(m, g, t) != 0;
        return 0;
    }
    if (type == wkbMultiPolygon || type == wkbGeometryCollection || type == wkbMultiSurface) {
        for (int k = 0; k < OGR_G_GetGeometryCount(g) && !*oom; k++)
            if (add_geometry(m, OGR_G_GetGeometryRef(g, k), t, oom))
                return 1;
        return 0;
    }
    if (type == wkbCurvePolygon) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        int rc = lin ? add_geometry(m, lin, t, oom) : 1;
        if (lin)
            OGR_G_DestroyGeometry(lin);
        return rc;
    }
    return 1;
}

/* Buckets the edges into horizontal bands of about equal height. */
static int index_bands(mask *m)
{
    m->nb = (size_t)(2 * sqrt((double)m->ne)) + 1;
    if (m->nb > 65536)
        m->nb = 65536;
    m->bh = (m->ymax - m->ymin) / (double)m->nb;
    if (!(m->bh > 0))
        m->bh = 1;
    m->start = calloc(m->nb + 1, sizeof *m->start);
    if (!m->start)
        return -1;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t *fill = NULL;
        if (pass == 1) {
            for (size_t b = 0; b < m->nb; b++)
                m->start[b + 1] += m->start[b];
            total = m->start[m->nb];
            m->idx = malloc((total ? total : 1) * sizeof *m->idx);
            fill = calloc(m->nb, sizeof *fill);
            if (!m->idx || !fill) {
                free(fill);
                return -1;
            }
        }
        for (size_t i = 0; i < m->ne; i++) {
            const edge *e = &m->e[i];
            size_t b0 = (size_t)fmin((fmin(e->y0, e->y1) - m->ymin) / m->bh, (double)m->nb - 1);
            size_t b1 = (size_t)fmin((fmax(e->y0, e->y1) - m->ymin) / m->bh, (double)m->nb - 1);
            for (size_t b = b0; b <= b1; b++) {
                if (pass == 0)
                    m->start[b + 1]++;
                else
                    m->idx[m->start[b] + fill[b]++] = i; /* edges in order: by polygon */
            }
        }
        free(fill);
    }
    return 0;
}

static int contains(const mask *m, double x, double y)
{
    if (!(x >= m->xmin && x <= m->xmax && y >= m->ymin && y <= m->ymax))
        return 0;
    size_t b = (size_t)fmin((y - m->ymin) / m->bh, (double)m->nb - 1);
    int parity = 0;
    uint32_t poly = UINT32_MAX;
    for (size_t k = m->start[b]; k < m->start[b + 1]; k++) {
        const edge *e = &m->e[m->idx[k]];
        if (e->poly != poly) { /* even-odd per polygon: inside one is inside */
            if (parity)
                return 1;
            poly = e->poly;
        }
        if ((e->y0 > y) != (e->y1 > y) &&
            x < e->x0 + (y - e->y0) * (e->x1 - e->x0) / (e->y1 - e->y0))
            parity ^= 1;
    }
    return parity;
}

int mask_contains(const mask *m, double x, double y)
{
    if (contains(m, x, y))
        return 1;
    /* a wrapped axis: the outline may be drawn in another turn (-180..180
     * against a 0..360 model) */
    return m->wrap > 0 && (contains(m, x - m->wrap, y) || contains(m, x + m->wrap, y));
}

size_t mask_polygons(const mask *m) { return m->npoly; }

void mask_free(mask *m)
{
    if (!m)
        return;
    free(m->e);
    free(m->start);
    free(m->idx);
    free(m);
}

int mask_load(mask **out, const char *cmd, const char *path, const char *layer,
              const char *where, const char *model_wkt, const ge_shape *shape)
{
    *out = NULL;
    GDALAllRegister();
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return runtime_error("%s: cannot open the --mask as a vector source: %s", path,
                             *CPLGetLastErrorMsg() ? CPLGetLastErrorMsg() : "unknown format");
    OGRLayerH l = layer ? GDALDatasetGetLayerByName(ds, layer)
                        : (GDALDatasetGetLayerCount(ds) > 0 ? GDALDatasetGetLayer(ds, 0) : NULL);
    int rc = 0;
    ge_transform *t = NULL;
    char *wkt = NULL;
    mask *m = calloc(1, sizeof *m);
    if (!m) {
        rc = runtime_error("%s: out of memory", path);
        goto done;
    }
    m->xmin = m->ymin = INFINITY;
    m->xmax = m->ymax = -INFINITY;
    m->wrap = shape->wrap == GE_WRAP_X || shape->wrap == GE_WRAP_XY ? shape->width : 0;
    if (!l) {
        rc = layer ? usage_error(cmd, "--mask-layer: %s has no layer '%s'", path, layer)
                   : runtime_error("%s: the --mask has no layer", path);
        goto done;
    }
    if (where) { /* GDAL's complaint goes into the one line below */
        CPLPushErrorHandler(CPLQuietErrorHandler);
        OGRErr bad = OGR_L_SetAttributeFilter(l, where);
        CPLPopErrorHandler();
        if (bad != OGRERR_NONE) {
            rc = usage_error(cmd, "--mask-where '%s': %s", where, CPLGetLastErrorMsg());
            goto done;
        }
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(l);
    if (srs) {
        const char *opts[] = {"FORMAT=WKT2_2018", NULL};
        OSRExportToWktEx(srs, &wkt, opts);
    }
    if (wkt && model_wkt && *model_wkt) {
        ge_error err;
        int same;
        t = ge_transform_new(wkt, model_wkt, &same, &err);
        if (!t && !same) {
            rc = runtime_error("%s: the --mask cannot be brought into the model's CRS: %s", path,
                               err.msg);
            goto done;
        }
    } else if (!wkt && model_wkt && *model_wkt) {
        say(2, "geoembed: %s: %s: the --mask has no CRS; its coordinates are taken in the "
               "model's\n",
            cmd, path);
    } else if (wkt && *wkt && !(model_wkt && *model_wkt)) {
        say(1, "geoembed: %s: warning: %s: the --mask has a CRS but the model has none; its "
               "coordinates are taken as the model's\n",
            cmd, path);
    }
    OGR_L_ResetReading(l);
    OGRFeatureH f;
    int oom = 0;
    while (!oom && (f = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g && !OGR_G_IsEmpty(g) && add_geometry(m, g, t, &oom)) {
            rc = runtime_error("%s: feature %lld of the --mask is a %s; --mask takes polygons",
                               path, (long long)OGR_F_GetFID(f), OGR_G_GetGeometryName(g));
            OGR_F_Destroy(f);
            goto done;
        }
        OGR_F_Destroy(f);
    }
    if (oom || (m->ne && index_bands(m))) {
        rc = runtime_error("%s: out of memory for the --mask", path);
        goto done;
    }
    if (CPLGetLastErrorType() == CE_Failure) {
        rc = runtime_error("%s: reading the --mask: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    if (m->npoly == 0 || m->ne == 0) {
        rc = runtime_error("%s: the --mask holds no polygon%s", path,
                           where ? " that --mask-where selects" : "");
        goto done;
    }
done:
    CPLFree(wkt);
    ge_transform_free(t);
    GDALClose(ds);
    if (rc)
        mask_free(m);
    else
        *out = m;
    return rc;
}
