/* Samples from one raster per target (--target u=u.tif,v=v.tif): the rasters
 * must share one grid, checked here; their bands are then stacked into an
 * in-memory VRT, one band per target, that the raster reader reads as one
 * multi-band raster. Each VRT band takes its source's mask (nodata, alpha,
 * mask band) and is NaN where it is masked, so that a pixel missing in one
 * raster is a missing value of that target only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "geoembed/samples.h"
#include "raster_samples.h"

typedef struct {
    int W, H;
    double gt[6];
    char *crs;            /* WKT, "" for none */
    double scale, offset; /* of the target's band: its values in its units */
} grid_of;

/* Opens t's source and reads its grid; checks its band. */
static int source_grid(const ge_target_source *t, grid_of *g, ge_error *err)
{
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(t->source,
                                 GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, NULL,
                                 NULL, NULL);
    if (!ds)
        return ge_fail(err, "%s: cannot open as a raster (target '%s'): %s", t->source, t->name,
                       *CPLGetLastErrorMsg() ? CPLGetLastErrorMsg() : "not a GDAL raster");
    int rc = 0, nb = GDALGetRasterCount(ds);
    g->W = GDALGetRasterXSize(ds);
    g->H = GDALGetRasterYSize(ds);
    const char *wkt = GDALGetProjectionRef(ds);
    g->crs = strdup(wkt ? wkt : "");
    if (!g->crs)
        rc = ge_fail(err, "out of memory");
    else if (GDALGetGeoTransform(ds, g->gt) != CE_None)
        rc = ge_fail(err, "%s: the raster has no georeferencing (geotransform)", t->source);
    else if (t->band > nb)
        rc = ge_fail(err, "%s: no band %d (the raster has %d) (target '%s')", t->source, t->band,
                     nb, t->name);
    else if (GDALDataTypeIsComplex(GDALGetRasterDataType(GDALGetRasterBand(ds, t->band))))
        rc = ge_fail(err, "%s: band %d is complex and geoembed learns real values; write the "
                          "part you want to a real band first (gdal_translate -ot Float32 keeps "
                          "the real part)",
                     t->source, t->band);
    if (!rc && ge_band_units(GDALGetRasterBand(ds, t->band), &g->scale, &g->offset))
        rc = ge_fail(err, "%s: band %d has scale %g and offset %g: its values cannot be read "
                          "in its units (target '%s')",
                     t->source, t->band, g->scale, g->offset, t->name);
    GDALClose(ds);
    return rc;
}

static int same_crs(const char *a, const char *b)
{
    if (!*a || !*b)
        return !*a && !*b;
    OGRSpatialReferenceH sa = OSRNewSpatialReference(a), sb = OSRNewSpatialReference(b);
    int same = sa && sb && OSRIsSame(sa, sb);
    if (sa)
        OSRDestroySpatialReference(sa);
    if (sb)
        OSRDestroySpatialReference(sb);
    return same;
}

/* One grid: the same size, the same geotransform up to rounding (1e-9 of a
 * pixel, as two tools may print one number differently), the same CRS. */
static int same_grid(const grid_of *a, const grid_of *b)
{
    if (a->W != b->W || a->H != b->H)
        return 0;
    double px = fmax(fmax(fabs(a->gt[1]), fabs(a->gt[2])), fmax(fabs(a->gt[4]), fabs(a->gt[5])));
    for (int i = 0; i < 6; i++)
        if (!(fabs(a->gt[i] - b->gt[i]) <= 1e-9 * px))
            return 0;
    return same_crs(a->crs, b->crs);
}

static void describe(const grid_of *g, char *buf, size_t n)
{
    snprintf(buf, n, "%dx%d pixels, origin (%.10g, %.10g), pixel %.10g x %.10g%s", g->W, g->H,
             g->gt[0], g->gt[3], g->gt[1], g->gt[5], *g->crs ? "" : ", no CRS");
}

/* Appends text to the growing string *x (of length *len); -1: out of memory. */
static int add(char **x, size_t *len, const char *text)
{
    size_t n = strlen(text);
    char *more = realloc(*x, *len + n + 1);
    if (!more)
        return -1;
    memcpy(more + *len, text, n + 1);
    *x = more;
    *len += n;
    return 0;
}

/* The VRT that stacks the sources, one Float64 band per target, each in its
 * units (the source band's scale and offset applied, as GDAL's -unscale). */
static char *stack_vrt(const ge_target_source *t, int n, const grid_of *gs)
{
    const grid_of *g = &gs[0];
    char *x = NULL, line[512];
    size_t len = 0;
    int bad = 0;
    char *srs = CPLEscapeString(g->crs, -1, CPLES_XML);
    snprintf(line, sizeof line, "<VRTDataset rasterXSize=\"%d\" rasterYSize=\"%d\">\n<SRS>", g->W,
             g->H);
    bad |= add(&x, &len, line) || add(&x, &len, srs) || add(&x, &len, "</SRS>\n");
    CPLFree(srs);
    snprintf(line, sizeof line,
             "<GeoTransform>%.17g, %.17g, %.17g, %.17g, %.17g, %.17g</GeoTransform>\n", g->gt[0],
             g->gt[1], g->gt[2], g->gt[3], g->gt[4], g->gt[5]);
    bad |= add(&x, &len, line);
    for (int k = 0; k < n && !bad; k++) {
        char *name = CPLEscapeString(t[k].name, -1, CPLES_XML);
        char *src = CPLEscapeString(t[k].source, -1, CPLES_XML);
        snprintf(line, sizeof line,
                 "<VRTRasterBand dataType=\"Float64\" band=\"%d\">\n<Description>", k + 1);
        bad |= add(&x, &len, line) || add(&x, &len, name) ||
               add(&x, &len, "</Description>\n<NoDataValue>nan</NoDataValue>\n<ComplexSource>\n"
                             "<SourceFilename relativeToVRT=\"0\">") ||
               add(&x, &len, src);
        snprintf(line, sizeof line,
                 "</SourceFilename>\n<SourceBand>%d</SourceBand>\n<UseMaskBand>true</UseMaskBand>"
                 "\n<SrcRect xOff=\"0\" yOff=\"0\" xSize=\"%d\" ySize=\"%d\"/>\n<DstRect "
                 "xOff=\"0\" yOff=\"0\" xSize=\"%d\" ySize=\"%d\"/>\n<ScaleOffset>%.17g"
                 "</ScaleOffset>\n<ScaleRatio>%.17g</ScaleRatio>\n</ComplexSource>\n"
                 "</VRTRasterBand>\n",
                 t[k].band, g->W, g->H, g->W, g->H, gs[k].offset, gs[k].scale);
        bad |= add(&x, &len, line);
        CPLFree(name);
        CPLFree(src);
    }
    bad |= add(&x, &len, "</VRTDataset>\n");
    if (bad) {
        free(x);
        return NULL;
    }
    return x;
}

int ge_samples_read_rasters(const ge_target_source *t, int n, const char *label,
                            const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    memset(s, 0, sizeof *s);
    if (o->check_kind && o->check_kind(o->check_ctx, GE_SOURCE_RASTER, err))
        return -1;
    GDALAllRegister();
    grid_of *g = calloc((size_t)(n ? n : 1), sizeof *g);
    if (!g)
        return ge_fail(err, "out of memory");
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int rc = 0;
    for (int k = 0; k < n && !rc; k++) {
        rc = source_grid(&t[k], &g[k], err);
        if (!rc && !same_grid(&g[0], &g[k])) {
            char a[200], b[200];
            describe(&g[k], a, sizeof a);
            describe(&g[0], b, sizeof b);
            rc = ge_fail(err, "%s: its grid (%s%s) differs from %s's (%s): the rasters of "
                              "--target NAME=RASTER must share one grid; warp one onto the "
                              "other first (gdalwarp -te -ts -t_srs)",
                         t[k].source, a, same_crs(g[0].crs, g[k].crs) ? "" : ", another CRS",
                         t[0].source, b);
        }
    }
    char *vrt = rc ? NULL : stack_vrt(t, n, &g[0]);
    if (!rc && !vrt)
        rc = ge_fail(err, "out of memory");
    GDALDatasetH ds = NULL;
    if (!rc && !(ds = GDALOpenEx(vrt, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL)))
        rc = ge_fail(err, "%s: cannot stack the rasters: %s", label, CPLGetLastErrorMsg());
    CPLPopErrorHandler();
    free(vrt);
    for (int k = 0; k < n; k++)
        free(g[k].crs);
    free(g);
    if (rc)
        return -1;
    ge_sample_opts every = *o; /* every band of the stack, each a target */
    every.targets = NULL;
    every.bands = NULL;
    every.nbands = 0;
    every.check_kind = NULL;
    return ge_raster_samples(ds, label, &every, s, err);
}
