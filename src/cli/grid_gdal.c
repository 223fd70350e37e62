/* predict --grid to a GDAL raster: one Float32 band per target, NaN nodata,
 * georeferencing, CRS and model metadata; written in strips of rows so memory
 * does not grow with the grid. COG goes through a temporary GeoTIFF because
 * GDAL's COG driver only offers CreateCopy. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include "display.h"
#include "geoembed/loss.h"
#include "geoembed/outfile.h"
#include "grid.h"

enum { STRIP = 256 }; /* the GeoTIFF tile height: each strip completes a row of tiles */

static char **creation_options(const cli_args *a, const char *driver)
{
    char **co = NULL;
    if (strcasecmp(driver, "GTiff") == 0) {
        co = CSLSetNameValue(co, "TILED", "YES");
        co = CSLSetNameValue(co, "COMPRESS", "DEFLATE");
        co = CSLSetNameValue(co, "PREDICTOR", "3");
        co = CSLSetNameValue(co, "BIGTIFF", "IF_SAFER");
    }
    for (int i = 0; i < a->nco; i++) {
        char *key = NULL;
        const char *val = CPLParseNameValue(a->co[i], &key);
        if (key && val)
            co = CSLSetNameValue(co, key, val);
        CPLFree(key);
    }
    return co;
}

static void describe(GDALDatasetH ds, const predictor *p, const char *model_path)
{
    char buf[64];
    const char *base = strrchr(model_path, '/');
    GDALSetMetadataItem(ds, "GEOEMBED_MODEL", base ? base + 1 : model_path, NULL);
    GDALSetMetadataItem(ds, "GEOEMBED_LOSS", ge_loss_name((ge_loss_kind)p->meta.loss), NULL);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)p->meta.samples);
    GDALSetMetadataItem(ds, "GEOEMBED_SAMPLES", buf, NULL);
    GDALSetMetadataItem(ds, "GEOEMBED_SOURCE", p->meta.source, NULL);
}

/* Fills a dataset of the grid's size with predictions, strip by strip; rows
 * of a strip in parallel (serially when reprojecting: a PROJ transformation is
 * not shared between threads). */
static int fill(GDALDatasetH ds, const predictor *p, const grid_spec *g, const char *name)
{
    const int O = p->m.s.O;
    float *buf = malloc((size_t)g->cols * STRIP * O * sizeof *buf);
    if (!buf)
        return runtime_error("%s: out of memory for a strip of %ld pixels", name, g->cols);
    int rc = 0, oom = 0;
    for (long r0 = 0; r0 < g->rows && !rc; r0 += STRIP) {
        long nr = g->rows - r0 < STRIP ? g->rows - r0 : STRIP;
#pragma omp parallel if (!g->to_model)
        {
            double v[GE_MAX_OUTPUTS];
            double *xy = malloc((size_t)g->cols * 2 * sizeof *xy);
#pragma omp for schedule(static)
            for (long r = 0; r < nr; r++) {
                if (!xy)
                    continue;
                grid_centres_in_model(g, r0 + r, 1, xy);
                for (long c = 0; c < g->cols; c++) {
                    predictor_at(p, xy[2 * c], xy[2 * c + 1], v);
                    for (int o = 0; o < O; o++)
                        buf[((size_t)o * nr + r) * g->cols + c] = (float)v[o];
                }
            }
            if (!xy) {
#pragma omp atomic write
                oom = 1;
            }
            free(xy);
        }
        if (oom)
            rc = runtime_error("%s: out of memory", name);
        for (int o = 0; o < O && !rc; o++) {
            GDALRasterBandH b = GDALGetRasterBand(ds, o + 1);
            if (GDALRasterIO(b, GF_Write, 0, (int)r0, (int)g->cols, (int)nr,
                             buf + (size_t)o * nr * g->cols, (int)g->cols, (int)nr, GDT_Float32,
                             0, 0) != CE_None)
                rc = runtime_error("%s: write failed: %s", name, CPLGetLastErrorMsg());
        }
    }
    free(buf);
    return rc;
}

static GDALDatasetH create(GDALDriverH drv, const char *path, const predictor *p,
                           const grid_spec *g, char **co, const char *model_path)
{
    GDALDatasetH ds = GDALCreate(drv, path, (int)g->cols, (int)g->rows, p->m.s.O, GDT_Float32, co);
    if (!ds)
        return NULL;
    double gt[6] = {g->xmin, g->xres, 0, g->ymax, 0, -g->yres};
    GDALSetGeoTransform(ds, gt);
    if (g->crs_wkt && *g->crs_wkt)
        GDALSetProjection(ds, g->crs_wkt);
    for (int o = 0; o < p->m.s.O; o++) {
        GDALRasterBandH b = GDALGetRasterBand(ds, o + 1);
        GDALSetDescription(b, p->meta.targets[o]);
        GDALSetRasterNoDataValue(b, NAN);
    }
    describe(ds, p, model_path);
    return ds;
}

int grid_write_gdal(const cli_args *a, const predictor *p, const grid_spec *g)
{
    const char *out = a->val[O_GRID];
    GDALAllRegister();
    /* Finished tiles are written out once the block cache is full; a small
     * cache keeps memory flat however large the grid (unless the user set one). */
    if (!CPLGetConfigOption("GDAL_CACHEMAX", NULL))
        GDALSetCacheMax64(32 << 20);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int cog = strcasecmp(g->driver, "COG") == 0;
    GDALDriverH drv = GDALGetDriverByName(cog ? "GTiff" : g->driver);
    GDALDriverH final_drv = GDALGetDriverByName(g->driver);
    int rc = 0;
    char *tmp = NULL, *stage = NULL;
    char **co = NULL;
    if (!drv || !final_drv) {
        rc = usage_error(a->cmd_name, "unknown raster format '%s' (see 'gdalinfo --formats')",
                         g->driver);
        goto done;
    }
    if (!cog && !GDALGetMetadataItem(drv, GDAL_DCAP_CREATE, NULL)) {
        rc = usage_error(a->cmd_name, "GDAL's %s driver cannot create files", g->driver);
        goto done;
    }
    if (g->cols > 2147483647L || g->rows > 2147483647L) {
        rc = usage_error(a->cmd_name, "grid too large for GDAL");
        goto done;
    }
    ge_error err;
    if (ge_temp_reserve(out, &tmp, &err)) { /* GDAL creates the file itself */
        rc = fail_with(&err);
        goto done;
    }
    const char *target = tmp ? tmp : out;
    if (cog) { /* beside the output, or in TMPDIR when writing to a pipe */
        const char *dir = getenv("TMPDIR");
        size_t n = strlen(target) + (dir ? strlen(dir) : 4) + 40;
        stage = malloc(n);
        if (stage && tmp)
            snprintf(stage, n, "%s.stage.tif", target);
        else if (stage) {
            snprintf(stage, n, "%s/geoembed-stage-XXXXXX", dir && *dir ? dir : "/tmp");
            int fd = mkstemp(stage);
            if (fd >= 0)
                close(fd);
            else
                stage[0] = 0;
        }
        if (!stage || !stage[0]) {
            rc = runtime_error("%s: cannot create a temporary file for the COG", out);
            goto done;
        }
    }
    co = cog ? creation_options(a, "GTiff") : creation_options(a, g->driver);
    GDALDatasetH ds = create(drv, cog ? stage : target, p, g, cog ? NULL : co, a->pos[0]);
    if (!ds) {
        rc = runtime_error("%s: cannot create %s raster: %s", out, g->driver, CPLGetLastErrorMsg());
        goto done;
    }
    rc = fill(ds, p, g, out);
    if (cog && !rc) {
        char **cco = NULL;
        for (int i = 0; i < a->nco; i++)
            cco = CSLAddString(cco, a->co[i]);
        if (!CSLFetchNameValue(cco, "COMPRESS"))
            cco = CSLSetNameValue(cco, "COMPRESS", "DEFLATE");
        if (!CSLFetchNameValue(cco, "PREDICTOR"))
            cco = CSLSetNameValue(cco, "PREDICTOR", "FLOATING_POINT");
        GDALDatasetH cds = GDALCreateCopy(final_drv, target, ds, FALSE, cco, NULL, NULL);
        CSLDestroy(cco);
        if (cds) {
            CPLErrorReset();
            GDALClose(cds);
        }
        if (!cds || CPLGetLastErrorType() == CE_Failure)
            rc = runtime_error("%s: cannot write COG: %s", out, CPLGetLastErrorMsg());
    }
    CPLErrorReset();
    GDALClose(ds);
    if (CPLGetLastErrorType() == CE_Failure && !rc)
        rc = runtime_error("%s: write failed: %s", out, CPLGetLastErrorMsg());
done:
    if (stage) {
        unlink(stage);
        free(stage);
    }
    if (ge_temp_finish(tmp, out, rc == 0, &err))
        rc = fail_with(&err);
    CSLDestroy(co);
    CPLPopErrorHandler();
    return rc;
}
