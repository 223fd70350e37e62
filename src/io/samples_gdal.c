/* Samples from GIS sources: OGR vector layers (point features; other
 * geometries by their centroid) and GDAL rasters (every valid pixel centre,
 * read block row by block row; a seeded reservoir keeps --max-samples). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "geoembed/csv.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"
#include "geoembed/samples.h"

static int ends_with(const char *s, const char *e)
{
    size_t n = strlen(s), m = strlen(e);
    return n >= m && strcasecmp(s + n - m, e) == 0;
}

int ge_is_csv_path(const char *path)
{
    return strcmp(path, "-") == 0 || ends_with(path, ".csv") || ends_with(path, ".tsv") ||
           ends_with(path, ".txt");
}

static char *wkt_of(OGRSpatialReferenceH srs)
{
    if (!srs)
        return NULL;
    char *w = NULL;
    const char *opts[] = {"FORMAT=WKT2_2018", NULL};
    OSRExportToWktEx(srs, &w, opts);
    char *out = w ? strdup(w) : NULL;
    CPLFree(w);
    return out;
}

/* Coordinate names: lon/lat for geographic sources, x/y otherwise. */
static int name_coords(ge_samples *s, OGRSpatialReferenceH srs)
{
    int geo = srs && OSRIsGeographic(srs);
    s->xcol = strdup(geo ? "lon" : "x");
    s->ycol = strdup(geo ? "lat" : "y");
    return s->xcol && s->ycol ? 0 : -1;
}

static int push(ge_samples *s, size_t *cap, double x, double y, const double *t)
{
    if (s->M == *cap) {
        size_t c = *cap ? *cap * 2 : 1024;
        double *xy = realloc(s->xy, c * 2 * sizeof *xy);
        if (xy)
            s->xy = xy;
        double *yy = s->O ? realloc(s->y, c * (size_t)s->O * sizeof *yy) : s->y;
        if (yy)
            s->y = yy;
        if (!xy || (s->O && !yy))
            return -1;
        *cap = c;
    }
    s->xy[2 * s->M] = x;
    s->xy[2 * s->M + 1] = y;
    if (s->O)
        memcpy(s->y + s->M * s->O, t, (size_t)s->O * sizeof *t);
    s->M++;
    return 0;
}

static int numeric_field(OGRFieldDefnH fd)
{
    OGRFieldType t = OGR_Fld_GetType(fd);
    return t == OFTInteger || t == OFTInteger64 || t == OFTReal;
}

static GDALDatasetH open_source(const char *path, unsigned kinds)
{
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, kinds | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    return ds;
}

static int read_vector(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                       ge_error *err);
static int read_raster(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                       ge_error *err);

int ge_samples_read_vector(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    return read_vector(open_source(path, GDAL_OF_VECTOR), path, o, s, err);
}

int ge_samples_read_raster(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    return read_raster(open_source(path, GDAL_OF_RASTER), path, o, s, err);
}

/* The readers' common ending: close the source, restore error reporting, and
 * leave nothing allocated on failure. */
static int finish(GDALDatasetH ds, int rc, ge_samples *s)
{
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    if (rc)
        ge_samples_free(s);
    return rc;
}

/* Both readers take ownership of ds (NULL: the source could not be opened). */
static int read_vector(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                       ge_error *err)
{
    memset(s, 0, sizeof *s);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int rc = -1, *fields = NULL;
    size_t cap = 0;
    if (!ds) {
        ge_fail(err, "%s: cannot open as a vector source: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    OGRLayerH layer = o->layer ? GDALDatasetGetLayerByName(ds, o->layer)
                               : GDALDatasetGetLayer(ds, 0);
    if (!layer) {
        ge_fail(err, "%s: %s%s%s", path, o->layer ? "no layer '" : "no layers",
                o->layer ? o->layer : "", o->layer ? "'" : "");
        goto done;
    }
    if (o->where && OGR_L_SetAttributeFilter(layer, o->where) != OGRERR_NONE) {
        ge_fail(err, "%s: invalid --where expression '%s': %s", path, o->where,
                CPLGetLastErrorMsg());
        goto done;
    }
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(layer);
    int nf = OGR_FD_GetFieldCount(def);
    fields = calloc((size_t)nf + 1, sizeof *fields);
    if (!fields)
        goto oom;
    if (o->need_targets && o->targets) {
        char *list = strdup(o->targets), *save = NULL;
        for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
            int k = OGR_FD_GetFieldIndex(def, t);
            if (k < 0 || s->O == GE_MAX_OUTPUTS ||
                (!numeric_field(OGR_FD_GetFieldDefn(def, k)) &&
                 OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, k)) != OFTString)) {
                ge_fail(err, "%s: %s field '%s' in layer '%s'", path,
                        k < 0 ? "no" : "not a numeric", t, OGR_L_GetName(layer));
                free(list);
                goto done;
            }
            fields[s->O++] = k;
        }
        free(list);
    } else if (o->need_targets) {
        /* Every numeric attribute but copies of the coordinates (lon, lat, x, y):
         * the geometry is where a sample is. */
        for (int k = 0; k < nf && s->O < GE_MAX_OUTPUTS; k++) {
            OGRFieldDefnH fd = OGR_FD_GetFieldDefn(def, k);
            const char *nm = OGR_Fld_GetNameRef(fd);
            if (numeric_field(fd) && !ge_is_lon_name(nm) && !ge_is_lat_name(nm) &&
                strcasecmp(nm, "x") != 0 && strcasecmp(nm, "y") != 0)
                fields[s->O++] = k;
        }
        if (s->O == 0) {
            ge_fail(err, "%s: layer '%s' has no numeric attribute to learn", path,
                    OGR_L_GetName(layer));
            goto done;
        }
    }
    s->targets = calloc((size_t)s->O + 1, sizeof *s->targets);
    if (!s->targets)
        goto oom;
    for (int k = 0; k < s->O; k++)
        if (!(s->targets[k] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, fields[k])))))
            goto oom;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    s->crs = wkt_of(srs);
    if (name_coords(s, srs))
        goto oom;
    OGRFeatureH f;
    double t[GE_MAX_OUTPUTS];
    OGRGeometryH centroid = OGR_G_CreateGeometry(wkbPoint);
    OGR_L_ResetReading(layer);
    CPLErrorReset();
    while ((f = OGR_L_GetNextFeature(layer))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        int missing = 0;
        for (int k = 0; k < s->O; k++) {
            if (!OGR_F_IsFieldSetAndNotNull(f, fields[k]))
                missing = 1;
            else if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, fields[k])) == OFTString) {
                /* text attributes (a CSV through ogr2ogr) must hold numbers */
                const char *v = OGR_F_GetFieldAsString(f, fields[k]);
                if (ge_csv_is_missing(v))
                    missing = 1;
                else if (ge_csv_number(v, &t[k])) {
                    ge_fail(err, "%s: layer '%s' feature %lld: field '%s' is not a number: "
                                 "'%.40s'",
                            path, OGR_L_GetName(layer), (long long)OGR_F_GetFID(f),
                            s->targets[k], v);
                    OGR_F_Destroy(f);
                    OGR_G_DestroyGeometry(centroid);
                    goto done;
                }
            } else
                t[k] = OGR_F_GetFieldAsDouble(f, fields[k]);
            if (!missing && !isfinite(t[k]))
                missing = 1;
        }
        double x = NAN, y = NAN;
        if (!g || OGR_G_IsEmpty(g)) {
            s->skipped_geometry++;
        } else if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint) {
            x = OGR_G_GetX(g, 0);
            y = OGR_G_GetY(g, 0);
        } else if (OGR_G_Centroid(g, centroid) == OGRERR_NONE) {
            x = OGR_G_GetX(centroid, 0);
            y = OGR_G_GetY(centroid, 0);
            s->centroids++;
        } else {
            s->skipped_geometry++;
        }
        OGR_F_Destroy(f);
        if (isnan(x))
            continue;
        if (!isfinite(x) || !isfinite(y)) {
            OGR_G_DestroyGeometry(centroid);
            ge_fail(err, "%s: a feature has a non-finite coordinate", path);
            goto done;
        }
        if (missing) {
            s->skipped_missing++;
            continue;
        }
        if (push(s, &cap, x, y, t)) {
            OGR_G_DestroyGeometry(centroid);
            goto oom;
        }
    }
    OGR_G_DestroyGeometry(centroid);
    if (CPLGetLastErrorType() == CE_Failure) { /* e.g. a --where naming no field */
        ge_fail(err, "%s: reading layer '%s'%s%s%s: %.200s", path, OGR_L_GetName(layer),
                o->where ? " (invalid --where '" : "", o->where ? o->where : "", o->where ? "'?)" : "",
                CPLGetLastErrorMsg());
        goto done;
    }
    rc = 0;
    goto done;
oom:
    ge_fail(err, "%s: out of memory", path);
done:
    free(fields);
    return finish(ds, rc, s);
}

/* Keeps a uniform seeded random subset of at most cap samples (reservoir). */
typedef struct {
    size_t seen, cap;
    ge_rng rng;
} reservoir;

static int read_raster(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                       ge_error *err)
{
    memset(s, 0, sizeof *s);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int rc = -1, *bands = NULL;
    double *buf = NULL;
    unsigned char *mask = NULL;
    size_t cap = 0;
    reservoir res = {0};
    if (!ds) {
        ge_fail(err, "%s: cannot open as a raster: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    int nb = GDALGetRasterCount(ds), W = GDALGetRasterXSize(ds), H = GDALGetRasterYSize(ds);
    double gt[6];
    if (GDALGetGeoTransform(ds, gt) != CE_None) {
        ge_fail(err, "%s: the raster has no georeferencing (geotransform)", path);
        goto done;
    }
    int nsel = o->bands ? o->nbands : nb;
    if (nsel < 1 || nsel > GE_MAX_OUTPUTS) {
        ge_fail(err, "%s: %d bands selected (1 to %d allowed)", path, nsel, GE_MAX_OUTPUTS);
        goto done;
    }
    bands = calloc((size_t)nsel, sizeof *bands);
    if (!bands)
        goto oom;
    for (int k = 0; k < nsel; k++) {
        bands[k] = o->bands ? o->bands[k] : k + 1;
        if (bands[k] < 1 || bands[k] > nb) {
            ge_fail(err, "%s: no band %d (the raster has %d)", path, bands[k], nb);
            goto done;
        }
    }
    s->O = o->need_targets ? nsel : 0;
    s->targets = calloc((size_t)nsel + 1, sizeof *s->targets);
    if (!s->targets)
        goto oom;
    for (int k = 0; k < s->O; k++) {
        const char *d = GDALGetDescription(GDALGetRasterBand(ds, bands[k]));
        char name[32];
        snprintf(name, sizeof name, "band_%d", bands[k]);
        if (!(s->targets[k] = strdup(d && *d ? d : name)))
            goto oom;
    }
    const char *pw = GDALGetProjectionRef(ds);
    OGRSpatialReferenceH srs = NULL;
    if (pw && *pw) {
        s->crs = strdup(pw);
        srs = OSRNewSpatialReference(pw);
    }
    int nc = name_coords(s, srs);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (nc)
        goto oom;
    int bx, by;
    GDALGetBlockSize(GDALGetRasterBand(ds, bands[0]), &bx, &by);
    int strip = by > 0 && by < 1024 ? by : 64;
    buf = malloc((size_t)W * strip * nsel * sizeof *buf);
    mask = malloc((size_t)W * strip * nsel);
    if (!buf || !mask)
        goto oom;
    res.cap = o->max_samples;
    ge_rng_seed(&res.rng, o->seed);
    const int O = s->O;
    for (int r0 = 0; r0 < H; r0 += strip) {
        int nr = H - r0 < strip ? H - r0 : strip;
        for (int k = 0; k < nsel; k++) {
            GDALRasterBandH b = GDALGetRasterBand(ds, bands[k]);
            GDALRasterBandH mb = GDALGetMaskBand(b);
            double *dst = buf + (size_t)k * W * nr;
            unsigned char *md = mask + (size_t)k * W * nr;
            if (GDALRasterIO(b, GF_Read, 0, r0, W, nr, dst, W, nr, GDT_Float64, 0, 0) != CE_None ||
                GDALRasterIO(mb, GF_Read, 0, r0, W, nr, md, W, nr, GDT_Byte, 0, 0) != CE_None) {
                ge_fail(err, "%s: read error: %s", path, CPLGetLastErrorMsg());
                goto done;
            }
        }
        for (int r = 0; r < nr; r++)
            for (int c = 0; c < W; c++) {
                double t[GE_MAX_OUTPUTS];
                int valid = 1;
                for (int k = 0; k < nsel; k++) {
                    size_t i = (size_t)k * W * nr + (size_t)r * W + c;
                    t[k] = buf[i];
                    valid &= mask[i] != 0 && isfinite(buf[i]);
                }
                if (!valid) {
                    s->skipped_missing++;
                    continue;
                }
                double px = c + 0.5, py = r0 + r + 0.5;
                double x = gt[0] + px * gt[1] + py * gt[2], y = gt[3] + px * gt[4] + py * gt[5];
                res.seen++;
                if (res.cap && s->M == res.cap) { /* reservoir: replace with probability cap/seen */
                    size_t j = (size_t)ge_rng_below(&res.rng, res.seen);
                    if (j < res.cap) {
                        s->xy[2 * j] = x;
                        s->xy[2 * j + 1] = y;
                        if (O)
                            memcpy(s->y + j * O, t, (size_t)O * sizeof *t);
                    }
                    continue;
                }
                if (push(s, &cap, x, y, t))
                    goto oom;
            }
    }
    rc = 0;
    goto done;
oom:
    ge_fail(err, "%s: out of memory", path);
done:
    free(bands);
    free(buf);
    free(mask);
    return finish(ds, rc, s);
}

int ge_samples_read(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    if (ge_is_csv_path(path))
        return ge_samples_read_csv(path, o, s, err);
    /* Opened once: /vsistdin/ can be read only once. */
    GDALDatasetH ds = open_source(path, GDAL_OF_RASTER | GDAL_OF_VECTOR);
    if (ds && GDALGetRasterCount(ds) > 0)
        return read_raster(ds, path, o, s, err);
    if (ds && GDALDatasetGetLayerCount(ds) > 0)
        return read_vector(ds, path, o, s, err);
    if (ds)
        GDALClose(ds);
    /* Not a GIS source: a delimited text file without the usual extension. */
    return ge_samples_read_csv(path, o, s, err);
}
