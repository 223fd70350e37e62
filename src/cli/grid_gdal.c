/* predict --grid to a GDAL raster: one band per target (Float32, or --ot),
 * NaN nodata (or --nodata),
 * georeferencing, CRS and model metadata; written in strips of rows so memory
 * does not grow with the grid, by any GDAL driver that creates Float32
 * rasters. Drivers that only copy a finished dataset (COG, PNG, AAIGrid, XYZ,
 * ...) get a GeoTIFF staged in TMPDIR. Either way the driver writes into a
 * private temporary directory that outfile.c moves into place (sidecars
 * included) or copies to a stream. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include "cluster.h"
#include "display.h"
#include "gdal_messages.h"
#include "geoembed/loss.h"
#include "geoembed/outfile.h"
#include "contours.h"
#include "covariate_grid.h"
#include "grid.h"
#include "grid_band.h"
#include "grid_chunks.h"
#include "pixel_type.h"
#include "progress.h"

enum { STRIP = 256 }; /* the GeoTIFF tile height: each strip completes a row of tiles */

/* GeoTIFF and COG compress blocks on as many threads as --threads gives
 * the predictions (GDAL's NUM_THREADS; the file is the same on any number). */
static char **compression_threads(char **co)
{
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    char n[16];
    snprintf(n, sizeof n, "%d", threads);
    return CSLSetNameValue(co, "NUM_THREADS", n);
}

static char **creation_options(const cli_args *a, const char *driver, GDALDataType type)
{
    char **co = NULL;
    if (strcasecmp(driver, "GTiff") == 0) {
        co = CSLSetNameValue(co, "TILED", "YES");
        co = CSLSetNameValue(co, "COMPRESS", "DEFLATE");
        co = CSLSetNameValue(co, "PREDICTOR", GDALDataTypeIsFloating(type) ? "3" : "2");
        co = CSLSetNameValue(co, "BIGTIFF", "IF_SAFER");
    }
    if (strcasecmp(driver, "GTiff") == 0 || strcasecmp(driver, "COG") == 0)
        co = compression_threads(co);
    return grid_user_options(a, co);
}

char **grid_user_options(const cli_args *a, char **co)
{
    for (int i = 0; i < a->nco; i++) {
        char *key = NULL;
        const char *val = CPLParseNameValue(a->co[i], &key);
        if (key && val)
            co = CSLSetNameValue(co, key, val);
        CPLFree(key);
    }
    return co;
}

int grid_check_user_options(const cli_args *a, void *driver)
{
    if (a->nco == 0)
        return 0;
    char **user = grid_user_options(a, NULL);
    const int ok = GDALValidateCreationOptions((GDALDriverH)driver, user); /* warns why */
    CSLDestroy(user);
    if (ok)
        return 0;
    const char *name = GDALGetDriverShortName((GDALDriverH)driver);
    return usage_error(a->cmd_name, "--co: GDAL's %s driver does not take these creation "
                                    "options as given (see 'gdalinfo --format %s')",
                       name, name);
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

/* Values changed to fit the band type, over one grid (reported after it). */
static pixel_counts type_counts;

/* Predictions of one chunk: rows [r0, r0+nr) x columns [c0, c0+nc), in
 * buf[O][nr][nc]; xy[nr*nc][2] holds the cells' centres in the model's CRS.
 * Rows in parallel, each cell on its own: the values do not depend on the
 * threads or on the chunks. Rows are handed out one at a time: on a busy
 * machine a thread that loses its core does not hold up the chunk. Empty places get the nodata value; the others are
 * made to fit the band type (pixel_type.h). */
static void predict_chunk(const predictor *p, const grid_spec *g, long r0, long nr, long c0,
                          long nc, const double *xy, double *buf, pixel_counts *counts)
{
    const int O = predictor_outputs(p);
    const pixel_type pt = {.type = g->type, .has_nodata = 1, .nodata = g->nodata};
    size_t clamped = 0, moved = 0, empties = 0;
#pragma omp parallel reduction(+ : clamped, moved, empties)
    {
        double v[PREDICTOR_MAX_OUT];
        pixel_counts pc = {0};
#pragma omp for schedule(dynamic, 1)
        for (long r = 0; r < nr; r++)
            for (long c = 0; c < nc; c++) {
                size_t i = (size_t)r * nc + c;
                int empty =
                    predictor_at_cell(p, xy[2 * i], xy[2 * i + 1], r0 + r, c0 + c, v) != 0;
                empties += (size_t)empty;
                for (int o = 0; o < O; o++)
                    buf[(size_t)o * nr * nc + i] =
                        empty || !isfinite(v[o]) ? g->nodata : pixel_value(&pt, v[o], &pc);
            }
        clamped += pc.clamped;
        moved += pc.moved;
    }
    counts->clamped += clamped;
    counts->moved += moved;
    counts->empty += empties;
}

/* Writes chunk buf[O][nr][nc] at (c0, r0) of ds, every band at once. */
static int write_chunk(GDALDatasetH ds, const char *name, long r0, long nr, long c0, long nc,
                       int O, double *buf)
{
    if (GDALDatasetRasterIO(ds, GF_Write, (int)c0, (int)r0, (int)nc, (int)nr, buf, (int)nc,
                            (int)nr, GDT_Float64, O, NULL, 0, 0,
                            (GSpacing)nr * nc * sizeof *buf) != CE_None)
        return runtime_error("%s: write failed: %s", name, gdal_failure_msg());
    return 0;
}

/* One process: chunk after chunk, computed and written. */
static int fill_alone(GDALDatasetH ds, const predictor *p, const grid_spec *g, const char *name,
                      grid_chunks ch)
{
    const int O = predictor_outputs(p);
    size_t cells = (size_t)ch.rows * (size_t)ch.cols;
    double *buf = malloc(cells * O * sizeof *buf), *xy = malloc(cells * 2 * sizeof *xy);
    int rc = 0;
    if (!buf || !xy)
        rc = runtime_error("%s: out of memory for a chunk of %ld x %ld pixels", name, ch.cols,
                           ch.rows);
    for (long r0 = 0; r0 < g->rows && !rc; r0 += ch.rows) {
        long nr = g->rows - r0 < ch.rows ? g->rows - r0 : ch.rows;
        for (long c0 = 0; c0 < g->cols && !rc; c0 += ch.cols) {
            long nc = g->cols - c0 < ch.cols ? g->cols - c0 : ch.cols;
            grid_centres_block(g, r0, nr, c0, nc, xy);
            if ((rc = predictor_covariate_window(p, r0, nr, c0, nc)))
                break;
            predict_chunk(p, g, r0, nr, c0, nc, xy, buf, &type_counts);
            rc = write_chunk(ds, name, r0, nr, c0, nc, O, buf);
        }
        grid_progress(g, r0 + nr);
    }
    free(buf);
    free(xy);
    return rc;
}

/* Columns [*lo, *lo + *n) of band [b0, b0 + bn) in chunk [c0, c0 + nc). */
static void overlap(long b0, long bn, long c0, long nc, long *lo, long *n)
{
    *lo = b0 > c0 ? b0 : c0;
    long hi = b0 + bn < c0 + nc ? b0 + bn : c0 + nc;
    *n = hi > *lo ? hi - *lo : 0;
}

/* Several processes: each computes its band of columns (grid_band.h) over
 * a row of chunks at a time, so that it reads only its part of the model;
 * then chunk after chunk, rank 0 (the only one with the dataset) gathers
 * the pieces of the bands that fall in it and writes it. The same chunks
 * in the same order as one process: the same file. */
static int fill_bands(GDALDatasetH ds, const predictor *p, const grid_spec *g, const char *name,
                      grid_chunks ch)
{
    const int O = predictor_outputs(p), R = cluster_size();
    long b0, bn;
    grid_band(g, &b0, &bn);
    const size_t band = (size_t)ch.rows * (size_t)(bn ? bn : 1);
    const size_t cells = (size_t)ch.rows * (size_t)ch.cols;
    double *mine = malloc(band * O * sizeof *mine), *xy = malloc(band * 2 * sizeof *xy);
    double *piece = malloc(cells * O * sizeof *piece);
    double *got = ds ? malloc(cells * O * sizeof *got) : NULL;
    double *buf = ds ? malloc(cells * O * sizeof *buf) : NULL;
    int rc = 0;
    if (!mine || !xy || !piece || (ds && (!got || !buf)))
        rc = runtime_error("%s: out of memory for a row of chunks of %ld x %ld pixels", name,
                           bn, ch.rows);
    rc = cluster_agree(rc);
    for (long r0 = 0; r0 < g->rows && !rc; r0 += ch.rows) {
        long nr = g->rows - r0 < ch.rows ? g->rows - r0 : ch.rows;
        if (bn > 0) { /* (more processes than columns: some have none) */
            grid_centres_block(g, r0, nr, b0, bn, xy);
            /* each process warps its band's covariates only */
            rc = predictor_covariate_window(p, r0, nr, b0, bn);
            if (!rc)
                predict_chunk(p, g, r0, nr, b0, bn, xy, mine, &type_counts);
        }
        if (p->cov && (rc = cluster_agree(rc)))
            break;
        for (long c0 = 0; c0 < g->cols && !rc; c0 += ch.cols) {
            long nc = g->cols - c0 < ch.cols ? g->cols - c0 : ch.cols, lo, k;
            overlap(b0, bn, c0, nc, &lo, &k);
            for (size_t ro = 0; k > 0 && ro < (size_t)O * nr; ro++) /* each band's row */
                memcpy(piece + ro * k, mine + ro * bn + (lo - b0), (size_t)k * sizeof *piece);
            cluster_gatherv(got, piece, (long)O * nr * k);
            for (int q = 0, at = 0; ds && q < R; q++) { /* the pieces in place */
                long qb0, qbn, qlo, qk;
                cluster_share_of(q, g->cols, &qb0, &qbn);
                overlap(qb0, qbn, c0, nc, &qlo, &qk);
                for (size_t ro = 0; qk > 0 && ro < (size_t)O * nr; ro++, at += (int)qk)
                    memcpy(buf + ro * nc + (qlo - c0), got + at, (size_t)qk * sizeof *buf);
            }
            if (ds)
                rc = write_chunk(ds, name, r0, nr, c0, nc, O, buf);
            rc = cluster_agree(rc);
        }
        grid_progress(g, r0 + nr);
    }
    free(mine);
    free(xy);
    free(piece);
    free(got);
    free(buf);
    return rc;
}

/* Fills a dataset of the grid's size with predictions, chunk by chunk (whole
 * blocks of the format, grid_chunks.h), every band of a chunk in one write,
 * so that a block is finished when GDAL's cache lets it go. Under mpirun
 * only rank 0 has the dataset (ds NULL elsewhere). */
static int fill(GDALDatasetH ds, const predictor *p, const grid_spec *g, const char *name)
{
    int rc = cluster_agree(0); /* rank 0 has its dataset */
    if (rc)
        return rc;
    const int O = predictor_outputs(p);
    long block[2] = {0, 0};
    if (ds) {
        int bx, by;
        GDALGetBlockSize(GDALGetRasterBand(ds, 1), &bx, &by);
        block[0] = bx, block[1] = by;
    }
    cluster_bcast(block, 2);
    /* a cell's values, centre and covariates */
    grid_chunks ch = grid_chunks_plan(g->cols, g->rows, block[0], block[1],
                                      (O + 2 + p->m.cov.P) * (long)sizeof(double),
                                      GRID_CHUNK_BYTES);
    rc = cluster_size() > 1 ? fill_bands(ds, p, g, name, ch) : fill_alone(ds, p, g, name, ch);
    if (!rc) { /* rank 0 reports the values changed to fit the band type */
        unsigned long n[3] = {type_counts.clamped, type_counts.moved, type_counts.empty};
        cluster_sum(n, 3);
        type_counts.clamped = n[0], type_counts.moved = n[1], type_counts.empty = n[2];
    }
    return rc;
}

static GDALDatasetH create(GDALDriverH drv, const char *path, const predictor *p,
                           const grid_spec *g, char **co, const char *model_path)
{
    GDALDatasetH ds =
        GDALCreate(drv, path, (int)g->cols, (int)g->rows, predictor_outputs(p),
                   (GDALDataType)g->type, co);
    if (!ds)
        return NULL;
    double gt[6] = {g->xmin, g->xres, 0, g->ymax, 0, -g->yres};
    GDALSetGeoTransform(ds, gt);
    if (g->crs_wkt && *g->crs_wkt)
        GDALSetProjection(ds, g->crs_wkt);
    for (int o = 0; o < predictor_outputs(p); o++) {
        GDALRasterBandH b = GDALGetRasterBand(ds, o + 1);
        char name[1100];
        predictor_output_name(p, o, 0, name, sizeof name);
        GDALSetDescription(b, name);
        GDALSetRasterNoDataValue(b, g->nodata);
    }
    describe(ds, p, model_path);
    return ds;
}

/* Formats of one band: GDAL writes the first band of a grid of several and
 * drops the rest with a warning (XYZ), or fails after the grid is computed.
 * GDAL's drivers state no band limit, so they are named here. */
int grid_one_band_format(const char *driver)
{
    static const char *const one[] = {"XYZ",      "AAIGrid", "GSAG",  "GSBG",     "GS7BG",
                                      "USGSDEM",  "SRTMHGT", "BT",    "Leveller", "Terragen",
                                      "HF2",      "ZMap",    "SAGA",  "RST",      "PCRaster",
                                      NULL};
    for (int i = 0; one[i]; i++)
        if (!strcasecmp(driver, one[i]))
            return 1;
    return 0;
}

int grid_driver_writes_type(void *driver, int type, char *types, size_t n)
{
    const char *list = GDALGetMetadataItem((GDALDriverH)driver, GDAL_DMD_CREATIONDATATYPES, NULL);
    size_t k = 0; /* "Byte UInt16" as "Byte, UInt16" */
    for (const char *c = list ? list : ""; *c && k + 2 < n; c++) {
        if (*c == ' ')
            types[k++] = ',';
        types[k++] = *c;
    }
    if (n)
        types[k] = 0; /* k + 2 < n held */
    if (!list || !*list)
        return 1;
    char **names = CSLTokenizeString(list);
    int ok = CSLFindString(names, GDALGetDataTypeName((GDALDataType)type)) >= 0;
    CSLDestroy(names);
    return ok;
}

/* Does drv create rasters of this data type with Create (written strip by
 * strip)? Otherwise the grid is staged as a GeoTIFF and copied. */
static int creates_type(GDALDriverH drv, GDALDataType type)
{
    if (!GDALGetMetadataItem(drv, GDAL_DCAP_CREATE, NULL))
        return 0;
    const char *types = GDALGetMetadataItem(drv, GDAL_DMD_CREATIONDATATYPES, NULL);
    if (!types)
        return 1;
    char **list = CSLTokenizeString(types);
    int ok = CSLFindString(list, GDALGetDataTypeName(type)) >= 0;
    CSLDestroy(list);
    return ok;
}

int grid_gdal_type(const cli_args *a, grid_spec *g)
{
    g->type = GDT_Float32;
    g->nodata = NAN;
    const char *ot = a->val[O_OT], *nd = a->val[O_NODATA];
    if (g->csv && (ot || nd))
        return usage_error(a->cmd_name, "%s applies to raster grids, not to a CSV grid (it has "
                                        "numbers and empty fields)",
                           ot ? "--ot" : "--nodata");
    if (g->csv && a->val[O_CO])
        return usage_error(a->cmd_name, "--co applies to raster grids: a CSV grid has no "
                                        "creation options");
    if (ot) {
        GDALDataType t = GDALGetDataTypeByName(ot);
        if (t == GDT_Unknown || GDALDataTypeIsComplex(t))
            return usage_error(a->cmd_name, "--ot expects a real GDAL data type (Byte, Int16, "
                                            "UInt16, Int32, UInt32, Float32, Float64, ...), "
                                            "got '%s'",
                               ot);
        g->type = t;
    }
    double lo, hi;
    const int integer = pixel_type_range(g->type, &lo, &hi);
    const char *tname = GDALGetDataTypeName((GDALDataType)g->type);
    if (integer && a->val[O_EXCEED]) /* every probability would read 0 or 1 */
        return usage_error(a->cmd_name, "--ot %s would round the probabilities of --exceed (0 "
                                        "to 1) to 0 or 1: give --ot Float32",
                           tname);
    if (!nd) {
        if (integer)
            return usage_error(a->cmd_name, "--ot %s cannot hold NaN, the value of empty pixels: "
                                            "give --nodata VALUE",
                               tname);
        return 0;
    }
    if (strcasecmp(nd, "nan") == 0) {
        if (integer)
            return usage_error(a->cmd_name, "--nodata nan does not fit --ot %s: give a whole "
                                            "number",
                               tname);
        return 0;
    }
    if (parse_double_strict(nd, &g->nodata) || g->nodata < lo || g->nodata > hi ||
        (integer && g->nodata != floor(g->nodata)) ||
        (g->type == GDT_Float32 && (double)(float)g->nodata != g->nodata))
        return usage_error(a->cmd_name, "--nodata expects a value that %s holds exactly (%s "
                                        "from %.17g to %.17g), got '%s'",
                           tname, integer ? "a whole number" : "nan or a number", lo, hi, nd);
    return 0;
}

static int writes_rasters(GDALDriverH drv)
{
    return GDALGetMetadataItem(drv, GDAL_DCAP_RASTER, NULL) &&
           (GDALGetMetadataItem(drv, GDAL_DCAP_CREATE, NULL) ||
            GDALGetMetadataItem(drv, GDAL_DCAP_CREATECOPY, NULL));
}

int grid_gdal_driver_for(const cli_args *a, const char *path, const char **driver)
{
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base + 1 : path, '.');
    const char *found[16];
    int n = 0;
    GDALAllRegister();
    for (int i = 0; dot && dot[1] && i < GDALGetDriverCount(); i++) {
        GDALDriverH d = GDALGetDriver(i);
        const char *exts = GDALGetMetadataItem(d, GDAL_DMD_EXTENSIONS, NULL);
        if (!exts)
            exts = GDALGetMetadataItem(d, GDAL_DMD_EXTENSION, NULL);
        if (!exts || !writes_rasters(d))
            continue;
        char **list = CSLTokenizeString(exts);
        for (int k = 0; list && list[k] && n < 16; k++)
            if (strcasecmp(list[k], dot + 1) == 0) {
                found[n++] = GDALGetDriverShortName(d);
                break;
            }
        CSLDestroy(list);
    }
    for (int k = 0; k < n; k++)
        if (strcmp(found[k], "GTiff") == 0) /* .tif: GTiff rather than COG, as GDAL does */
            found[0] = found[k], n = 1;
    if (n == 1) {
        *driver = found[0];
        return 0;
    }
    if (n == 0)
        return usage_error(a->cmd_name, "cannot tell the grid format of '%s' from its extension; "
                                        "name it with --of",
                           path);
    char names[256] = "";
    for (int k = 0; k < n; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                 found[k]);
    return usage_error(a->cmd_name, "several GDAL drivers write '%s' files (%s); name one with --of",
                       dot, names);
}

/* The staged GeoTIFF: tiled, and compressed fast (ZSTD level 1 where GDAL
 * has it, else DEFLATE level 1) so that a large grid takes a fraction of its
 * uncompressed size on disk. */
static char **stage_options(GDALDataType type)
{
    const char *list =
        GDALGetMetadataItem(GDALGetDriverByName("GTiff"), GDAL_DMD_CREATIONOPTIONLIST, NULL);
    const int zstd = list && strstr(list, "ZSTD");
    char **co = CSLSetNameValue(NULL, "TILED", "YES");
    co = CSLSetNameValue(co, "BIGTIFF", "IF_SAFER");
    co = CSLSetNameValue(co, "COMPRESS", zstd ? "ZSTD" : "DEFLATE");
    co = CSLSetNameValue(co, zstd ? "ZSTD_LEVEL" : "ZLEVEL", "1");
    co = CSLSetNameValue(co, "PREDICTOR", GDALDataTypeIsFloating(type) ? "3" : "2");
    return compression_threads(co);
}

/* GDAL's progress of copying the staged grid into the output format. */
static int CPL_STDCALL copy_progress(double done, const char *msg, void *ctx)
{
    (void)msg;
    counter_update(ctx, 100 * done, 100);
    return TRUE;
}

/* The grid as a GeoTIFF in a private temporary directory, for drivers that
 * only copy a finished dataset (COG, PNG, AAIGrid, ...): beside a file output
 * (its file system has room for the grid), else in TMPDIR. */
static GDALDatasetH stage_grid(ge_staged *stage, const ge_staged *st, const predictor *p,
                               const grid_spec *g, const char *out, const char *model_path,
                               int *rc)
{
    const char *dir = getenv("TMPDIR"), *slash = st->dest ? strrchr(st->dest, '/') : NULL;
    char name[4200];
    ge_error err;
    if (st->dest)
        snprintf(name, sizeof name, "%.*sgeoembed-stage.tif",
                 slash ? (int)(slash - st->dest + 1) : 0, st->dest);
    else
        snprintf(name, sizeof name, "%s/geoembed-stage.tif", dir && *dir ? dir : "/tmp");
    if (ge_staged_open(stage, name, &err)) {
        *rc = runtime_error("%s: cannot stage the grid: %s", out, err.msg);
        return NULL;
    }
    char **co = stage_options((GDALDataType)g->type);
    GDALDatasetH ds =
        create(GDALGetDriverByName("GTiff"), stage->target, p, g, co, model_path);
    CSLDestroy(co);
    if (!ds) {
        *rc = runtime_error("%s: cannot stage the grid in %s: %s", out, stage->dir,
                            gdal_failure_msg());
        return NULL;
    }
    /* netCDF names its variables after NETCDF_VARNAME (with the band number
     * appended when there are several) and copies long_name */
    for (int o = 0; o < predictor_outputs(p) && strcasecmp(g->driver, "netCDF") == 0; o++) {
        GDALRasterBandH b = GDALGetRasterBand(ds, o + 1);
        char name[1100];
        predictor_output_name(p, o, 0, name, sizeof name);
        GDALSetMetadataItem(b, "NETCDF_VARNAME", name, NULL);
        GDALSetMetadataItem(b, "long_name", name, NULL);
    }
    if ((*rc = fill(ds, p, g, out))) {
        GDALClose(ds);
        return NULL;
    }
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
    if (g->cols > 2147483647L || g->rows > 2147483647L)
        return usage_error(a->cmd_name, "grid too large for GDAL");
    GDALDriverH drv = GDALGetDriverByName(g->driver);
    if (!drv || !GDALGetMetadataItem(drv, GDAL_DCAP_RASTER, NULL))
        return usage_error(a->cmd_name, "unknown raster format '%s' (see 'gdalinfo --formats')",
                           g->driver);
    if (strcasecmp(g->driver, "MEM") == 0)
        return usage_error(a->cmd_name, "GDAL's MEM driver keeps rasters in memory: it writes no "
                                        "file");
    if (!writes_rasters(drv))
        return usage_error(a->cmd_name, "GDAL's %s driver cannot write files", g->driver);
    /* netCDF names its variables after the bands only in CreateCopy */
    const int direct =
        creates_type(drv, (GDALDataType)g->type) && strcasecmp(g->driver, "netCDF") != 0;
    if (!direct && !GDALGetMetadataItem(drv, GDAL_DCAP_CREATECOPY, NULL))
        return usage_error(a->cmd_name, "GDAL's %s driver cannot write %s rasters", g->driver,
                           GDALGetDataTypeName((GDALDataType)g->type));
    char types[256];
    if (!grid_driver_writes_type(drv, g->type, types, sizeof types))
        return usage_error(a->cmd_name, "GDAL's %s driver writes %s rasters only, not %s: give "
                                        "--ot with one of them (and --nodata), or another format",
                           g->driver, types, GDALGetDataTypeName((GDALDataType)g->type));
    if (predictor_outputs(p) > 1 && grid_one_band_format(g->driver)) {
        char names[2048] = "";
        for (int o = 0; o < predictor_outputs(p); o++) {
            char name[1100];
            size_t k = strlen(names);
            predictor_output_name(p, o, 0, name, sizeof name);
            snprintf(names + k, sizeof names - k, "%s%.100s", o ? ", " : "", name);
        }
        return usage_error(a->cmd_name, "GDAL's %s driver writes one band; this grid has %d (%s): "
                                        "use a format with bands, such as GTiff",
                           g->driver, predictor_outputs(p), names);
    }
    int bad = grid_check_user_options(a, drv);
    if (bad)
        return bad;
    type_counts = (pixel_counts){0};
    if (cluster_rank() > 0) /* rank 0 writes; the others compute their shares */
        return fill(NULL, p, g, out);

    gdal_write_begin();
    ge_staged st = {0}, stage = {0};
    ge_error err;
    int rc = 0;
    char **co = creation_options(a, g->driver, (GDALDataType)g->type);
    GDALDatasetH ds = NULL;
    char *pam = CPLStrdup(CPLGetThreadLocalConfigOption("GDAL_PAM_ENABLED", NULL));
    if (ge_staged_open(&st, out, &err)) {
        rc = fail_with(&err);
        goto done;
    }
    gdal_write_alias(st.target, out);
    if (st.stream) /* one file to copy to the stream: no .aux.xml beside it */
        CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO");
    if (direct) {
        ds = create(drv, st.target, p, g, co, a->pos[0]);
        if (!ds) {
            rc = runtime_error("%s: cannot create %s raster: %s", out, g->driver,
                               gdal_failure_msg());
            goto done;
        }
        rc = fill(ds, p, g, out);
        if (!rc && a->val[O_CONTOURS])
            rc = contours_write(a, p, ds);
    } else {
        GDALDatasetH sds = stage_grid(&stage, &st, p, g, out, a->pos[0], &rc);
        if (!sds)
            goto done;
        if (strcasecmp(g->driver, "netCDF") == 0 && !CSLFetchNameValue(co, "WRITE_GDAL_HISTORY"))
            co = CSLSetNameValue(co, "WRITE_GDAL_HISTORY", "NO"); /* it names the temporary file */
        if (strcasecmp(g->driver, "COG") == 0) {
            if (!CSLFetchNameValue(co, "COMPRESS"))
                co = CSLSetNameValue(co, "COMPRESS", "DEFLATE");
            if (!CSLFetchNameValue(co, "PREDICTOR"))
                co = CSLSetNameValue(co, "PREDICTOR",
                                     GDALDataTypeIsFloating((GDALDataType)g->type)
                                         ? "FLOATING_POINT"
                                         : "STANDARD");
        }
        /* not strict, as gdal_translate: a driver that cannot hold the type
         * converts, and says so in a warning */
        if (a->val[O_CONTOURS] && (rc = contours_write(a, p, sds))) {
            GDALClose(sds);
            goto done;
        }
        counter copying;
        char label[96];
        snprintf(label, sizeof label, "geoembed: predict: writing %s", g->driver);
        counter_init(&copying, label, "%");
        ds = GDALCreateCopy(drv, st.target, sds, FALSE, co, copy_progress, &copying);
        counter_done(&copying);
        GDALClose(sds);
        if (!ds && !rc)
            rc = runtime_error("%s: cannot write %s raster: %s", out, g->driver,
                               gdal_failure_msg());
    }
    if (ds)
        GDALClose(ds);
    ds = NULL;
    if (!rc && gdal_write_failures())
        rc = runtime_error("%s: cannot write %s raster: %s", out, g->driver, gdal_failure_msg());
    if (!rc && ge_staged_commit(&st, &err))
        rc = fail_with(&err);
    if (!rc)
        grid_count_empty(type_counts.empty);
    if (!rc && type_counts.clamped)
        say(1, "geoembed: predict: warning: %zu values outside the range of %s were clamped "
               "into it\n",
            type_counts.clamped, GDALGetDataTypeName((GDALDataType)g->type));
    if (!rc && type_counts.moved)
        say(2, "geoembed: predict: %zu values equal to --nodata were moved one step off it\n",
            type_counts.moved);
done:
    if (ds)
        GDALClose(ds);
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", *pam ? pam : NULL);
    CPLFree(pam);
    ge_staged_abort(&stage);
    ge_staged_abort(&st);
    CSLDestroy(co);
    gdal_write_end();
    return rc;
}
