/* The writer of geoembed fill. It reads the input strip by strip in its own
 * data type (a valid pixel is never converted, so it is copied byte for
 * byte) and replaces only the holes: pixels that the band's mask marks
 * invalid (its nodata value, a mask band, an alpha band) and NaN. A mask or
 * alpha band shared by every band is written after them, valid where each
 * got a value. Drivers that cannot create a raster pixel by pixel (COG,
 * AAIGrid, PNG, ...) get a GeoTIFF staged beside the output and copied. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include "display.h"
#include "fill_raster.h"
#include "gdal_messages.h"
#include "geoembed/outfile.h"
#include "geoembed/samples.h"
#include "grid.h"
#include "pixel_type.h"
#include "progress.h"

enum { STRIP = 256 };

static void copy_band_description(GDALRasterBandH from, GDALRasterBandH to)
{
    int ok;
    double v = GDALGetRasterNoDataValue(from, &ok);
    if (ok)
        GDALSetRasterNoDataValue(to, v);
    GDALSetDescription(to, GDALGetDescription(from));
    v = GDALGetRasterOffset(from, &ok);
    if (ok && v != 0)
        GDALSetRasterOffset(to, v);
    v = GDALGetRasterScale(from, &ok);
    if (ok && v != 1)
        GDALSetRasterScale(to, v);
    const char *unit = GDALGetRasterUnitType(from);
    if (unit && *unit)
        GDALSetRasterUnitType(to, unit);
    GDALSetRasterColorInterpretation(to, GDALGetRasterColorInterpretation(from));
    GDALColorTableH ct = GDALGetRasterColorTable(from);
    if (ct)
        GDALSetRasterColorTable(to, ct);
    char **md = GDALGetMetadata(from, NULL);
    if (md)
        GDALSetMetadata(to, md, NULL);
}

/* An empty raster shaped like in: size, bands, data type, georeferencing,
 * metadata, per band nodata, description, scale, unit, colours; a mask band
 * when mask_band (inside the GeoTIFF: a sidecar .msk would keep the
 * temporary name). */
static GDALDatasetH create_like(GDALDriverH drv, const char *path, GDALDatasetH in, char **co,
                                int mask_band)
{
    const int nb = GDALGetRasterCount(in);
    GDALDataType dt = GDALGetRasterDataType(GDALGetRasterBand(in, 1));
    GDALDatasetH ds = GDALCreate(drv, path, GDALGetRasterXSize(in), GDALGetRasterYSize(in), nb,
                                 dt, co);
    if (!ds)
        return NULL;
    double gt[6];
    if (GDALGetGeoTransform(in, gt) == CE_None)
        GDALSetGeoTransform(ds, gt);
    const char *wkt = GDALGetProjectionRef(in);
    if (wkt && *wkt)
        GDALSetProjection(ds, wkt);
    char **md = GDALGetMetadata(in, NULL);
    if (md)
        GDALSetMetadata(ds, md, NULL);
    for (int b = 1; b <= nb; b++)
        copy_band_description(GDALGetRasterBand(in, b), GDALGetRasterBand(ds, b));
    if (mask_band) {
        CPLSetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES");
        CPLErr e = GDALCreateDatasetMaskBand(ds, GMF_PER_DATASET);
        CPLSetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", NULL);
        if (e != CE_None) {
            GDALClose(ds);
            return NULL;
        }
    }
    return ds;
}

/* GeoTIFF: the input's compression unless --co says otherwise, tiled. */
static char **creation_options(const cli_args *a, const char *driver, GDALDatasetH in)
{
    char **co = NULL;
    if (strcasecmp(driver, "GTiff") == 0) {
        const char *c = GDALGetMetadataItem(in, "COMPRESSION", "IMAGE_STRUCTURE");
        if (c && strcasecmp(c, "NONE") != 0)
            co = CSLSetNameValue(co, "COMPRESS", c);
        co = CSLSetNameValue(co, "TILED", "YES");
        co = CSLSetNameValue(co, "BIGTIFF", "IF_SAFER");
    }
    return grid_user_options(a, co);
}

/* The driver: --of, else the input's for the same extension, else the one
 * the output's extension names. */
static int pick_driver(const cli_args *a, GDALDatasetH in, const char *in_path, GDALDriverH *drv)
{
    const char *out = a->val[O_OUTPUT], *name = a->val[O_OF];
    const char *ie = strrchr(in_path, '.'), *oe = strrchr(out, '.');
    if (!name && ie && oe && !strchr(ie, '/') && !strchr(oe, '/') && strcasecmp(ie, oe) == 0)
        name = GDALGetDriverShortName(GDALGetDatasetDriver(in));
    int rc;
    if (!name && (rc = grid_gdal_driver_for(a, out, &name)))
        return rc;
    *drv = GDALGetDriverByName(name);
    if (!*drv || !GDALGetMetadataItem(*drv, GDAL_DCAP_RASTER, NULL))
        return usage_error(a->cmd_name, "--of: unknown raster format '%s' (see 'gdalinfo "
                                        "--formats')",
                           name);
    if (!GDALGetMetadataItem(*drv, GDAL_DCAP_CREATE, NULL) &&
        !GDALGetMetadataItem(*drv, GDAL_DCAP_CREATECOPY, NULL))
        return usage_error(a->cmd_name, "GDAL's %s driver cannot write files", name);
    return 0;
}

/* Rows [r0, r0+nr) of band b: copied, holes filled. newly (NULL: no shared
 * mask) keeps 1 only at the pixels the mask marks invalid that got a value. */
static int fill_strip(GDALDatasetH in, GDALDatasetH ds, int b, fill_band *fb, int r0, int nr,
                      unsigned char *buf, unsigned char *mask, double *val,
                      unsigned char *newly, const char *out)
{
    GDALRasterBandH ib = GDALGetRasterBand(in, b + 1);
    const int W = GDALGetRasterXSize(in);
    const GDALDataType dt = GDALGetRasterDataType(ib);
    const int sz = GDALGetDataTypeSizeBytes(dt);
    if (GDALRasterIO(ib, GF_Read, 0, r0, W, nr, buf, W, nr, dt, 0, 0) != CE_None)
        return runtime_error("%s: read error: %s", GDALGetDescription(in), gdal_failure_msg());
    if (!fb->p && newly) /* a band without a model: no hole of the mask becomes valid */
        memset(newly, 0, (size_t)W * nr);
    if (fb->p) {
        if (GDALRasterIO(GDALGetMaskBand(ib), GF_Read, 0, r0, W, nr, mask, W, nr, GDT_Byte, 0,
                         0) != CE_None ||
            GDALRasterIO(ib, GF_Read, 0, r0, W, nr, val, W, nr, GDT_Float64, 0, 0) != CE_None)
            return runtime_error("%s: read error: %s", GDALGetDescription(in),
                                 gdal_failure_msg());
        pixel_type pt = {.type = dt};
        pt.nodata = GDALGetRasterNoDataValue(ib, &pt.has_nodata);
        /* the model learnt the band in its units (scale x stored + offset):
         * a prediction is stored back the band's way */
        double scale, offset; /* checked when the samples were read */
        ge_band_units(ib, &scale, &offset);
        double gt[6];
        GDALGetGeoTransform(in, gt);
        size_t holes = 0, filled = 0, clamped = 0, moved = 0;
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : holes, filled, clamped, moved)
        for (int r = 0; r < nr; r++) {
            pixel_counts counts = {0};
            for (int c = 0; c < W; c++) {
                size_t i = (size_t)r * W + c;
                if (mask[i] && isfinite(val[i])) {
                    if (newly)
                        newly[i] = 0;
                    continue;
                }
                holes++;
                double px = c + 0.5, py = r0 + r + 0.5, v;
                double x = gt[0] + px * gt[1] + py * gt[2], y = gt[3] + px * gt[4] + py * gt[5];
                if (predictor_at(fb->p, x, y, &v)) {
                    if (newly)
                        newly[i] = 0;
                    continue;
                }
                v = pixel_value(&pt, (v - offset) / scale, &counts);
                GDALCopyWords(&v, GDT_Float64, 0, buf + i * sz, dt, 0, 1);
                filled++;
                if (newly && mask[i]) /* valid already, only its value was NaN */
                    newly[i] = 0;
            }
            clamped += counts.clamped;
            moved += counts.moved;
        }
        fb->holes += holes;
        fb->filled += filled;
        fb->clamped += clamped;
        fb->moved += moved;
    }
    if (GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, r0, W, nr, buf, W, nr, dt, 0,
                     0) != CE_None)
        return runtime_error("%s: write failed: %s", out, gdal_failure_msg());
    return 0;
}

/* Rows [r0, r0+nr) of the shared mask: the input's, valid (opaque: the
 * largest value of a Byte or UInt16 alpha band, 255 in a mask band) where
 * newly says. */
static int mask_strip(GDALDatasetH in, GDALDatasetH ds, const fill_mask *m, int r0, int nr,
                      const unsigned char *newly, unsigned char *buf, const char *out)
{
    const int W = GDALGetRasterXSize(in);
    GDALRasterBandH ib, ob;
    if (m->alpha) {
        ib = GDALGetRasterBand(in, m->alpha);
        ob = GDALGetRasterBand(ds, m->alpha);
    } else {
        ib = GDALGetMaskBand(GDALGetRasterBand(in, 1));
        ob = GDALGetMaskBand(GDALGetRasterBand(ds, 1));
    }
    const GDALDataType dt = m->alpha ? GDALGetRasterDataType(ib) : GDT_Byte;
    const int sz = GDALGetDataTypeSizeBytes(dt);
    const double opaque = dt == GDT_UInt16 ? 65535 : 255;
    if (GDALRasterIO(ib, GF_Read, 0, r0, W, nr, buf, W, nr, dt, 0, 0) != CE_None)
        return runtime_error("%s: read error: %s", GDALGetDescription(in), gdal_failure_msg());
    for (size_t i = 0; i < (size_t)W * nr; i++)
        if (newly[i])
            GDALCopyWords(&opaque, GDT_Float64, 0, buf + i * sz, dt, 0, 1);
    if (GDALRasterIO(ob, GF_Write, 0, r0, W, nr, buf, W, nr, dt, 0, 0) != CE_None)
        return runtime_error("%s: write failed: %s", out, gdal_failure_msg());
    return 0;
}

static int fill_all(GDALDatasetH in, GDALDatasetH ds, const fill_mask *m, fill_band *bands,
                    int nbands, const char *out)
{
    const int W = GDALGetRasterXSize(in), H = GDALGetRasterYSize(in);
    const size_t n = (size_t)W * STRIP;
    unsigned char *buf = malloc(n * 8), *mask = malloc(n), *newly = malloc(n);
    double *val = malloc(n * sizeof *val);
    int rc = 0;
    if (!buf || !mask || !val || !newly)
        rc = runtime_error("%s: out of memory for a strip of %d pixels", out, W);
    counter cnt; /* a live count of rows on a terminal */
    counter_init(&cnt, "geoembed: fill: writing", "rows");
    for (int r0 = 0; r0 < H && !rc; r0 += STRIP) {
        int nr = H - r0 < STRIP ? H - r0 : STRIP;
        if (m->shared)
            memset(newly, 1, (size_t)W * nr);
        for (int b = 0; b < nbands && !rc; b++)
            if (b + 1 != m->alpha)
                rc = fill_strip(in, ds, b, &bands[b], r0, nr, buf, mask, val,
                                m->shared ? newly : NULL, out);
        if (!rc && m->shared)
            rc = mask_strip(in, ds, m, r0, nr, newly, buf, out);
        counter_update(&cnt, r0 + nr, H);
    }
    counter_done(&cnt);
    free(buf);
    free(mask);
    free(newly);
    free(val);
    return rc;
}

/* The input's bands must share one data type (a raster is created with one)
 * and hold real numbers; a mask or alpha band must be every band's. */
static int check_input(GDALDatasetH in, const char *path, fill_mask *m)
{
    GDALDataType dt = GDALGetRasterDataType(GDALGetRasterBand(in, 1));
    const int nb = GDALGetRasterCount(in);
    m->shared = m->alpha = 0;
    for (int b = 1; b <= nb; b++) {
        GDALRasterBandH h = GDALGetRasterBand(in, b);
        if (GDALGetRasterDataType(h) != dt)
            return runtime_error("%s: expected bands of one data type, band %d is %s and band 1 "
                                 "%s",
                                 path, b, GDALGetDataTypeName(GDALGetRasterDataType(h)),
                                 GDALGetDataTypeName(dt));
        if (GDALGetMaskFlags(h) & GMF_PER_DATASET)
            m->shared = 1;
        if ((GDALGetMaskFlags(h) & GMF_ALPHA) && !m->alpha)
            for (int k = 1; k <= nb; k++) /* the band that is the alpha */
                if (GDALGetRasterColorInterpretation(GDALGetRasterBand(in, k)) == GCI_AlphaBand)
                    m->alpha = k;
    }
    /* what GDAL reads as the mask must be what fill writes: every band's
     * (the alpha's own mask is all valid) */
    for (int b = 1; m->shared && b <= nb; b++) {
        int f = GDALGetMaskFlags(GDALGetRasterBand(in, b));
        if (b != m->alpha && !(f & GMF_PER_DATASET))
            return runtime_error("%s: band %d is not under the mask of the others (flags %d); "
                                 "fill takes one mask band or alpha band for every band",
                                 path, b, f);
    }
    if (m->shared && (GDALGetMaskFlags(GDALGetRasterBand(in, 1)) & GMF_ALPHA) && !m->alpha)
        return runtime_error("%s: an alpha mask without an alpha band", path);
    return 0;
}

int fill_raster_check(const cli_args *a, const char *in_path, const char **driver, fill_mask *m)
{
    GDALAllRegister();
    GDALDatasetH in = GDALOpenEx(in_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!in)
        return runtime_error("%s: cannot open as a raster: %s", in_path, gdal_failure_msg());
    GDALDriverH drv;
    int rc = check_input(in, in_path, m);
    if (!rc)
        rc = pick_driver(a, in, in_path, &drv);
    if (!rc)
        *driver = GDALGetDriverShortName(drv);
    /* the output keeps each band's type: a driver that would convert it is refused */
    for (int b = 0; !rc && b < GDALGetRasterCount(in); b++) {
        const GDALDataType t = GDALGetRasterDataType(GDALGetRasterBand(in, b + 1));
        char types[256];
        if (!grid_driver_writes_type(drv, t, types, sizeof types))
            rc = usage_error(a->cmd_name, "%s: band %d is %s, which GDAL's %s driver does not "
                                          "write (only %s): choose another format with --of",
                             in_path, b + 1, GDALGetDataTypeName(t), *driver, types);
    }
    if (!rc)
        rc = grid_check_user_options(a, drv);
    if (!rc && GDALGetRasterCount(in) > 1 && grid_one_band_format(*driver))
        rc = usage_error(a->cmd_name, "%s has %d bands; GDAL's %s driver writes one: choose a "
                                      "format with bands with --of (such as GTiff)",
                         in_path, GDALGetRasterCount(in), *driver);
    /* a mask band lives inside a GeoTIFF or a COG; other formats would drop
     * it, or keep it beside the file under the temporary name */
    if (!rc && m->shared && !m->alpha && strcasecmp(*driver, "GTiff") != 0 &&
        strcasecmp(*driver, "COG") != 0)
        rc = usage_error(a->cmd_name, "%s: the holes are marked by a mask band, which a %s "
                                      "output cannot hold; write GTiff or COG (or give the "
                                      "input a nodata value: gdal_translate -a_nodata)",
                         in_path, *driver);
    GDALClose(in);
    return rc;
}

int fill_raster_write(const cli_args *a, const char *in_path, const char *driver,
                      const fill_mask *m, fill_band *bands, int nbands)
{
    const char *out = a->val[O_OUTPUT];
    if (!CPLGetConfigOption("GDAL_CACHEMAX", NULL))
        GDALSetCacheMax64(64 << 20);
    GDALDatasetH in = GDALOpenEx(in_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!in)
        return runtime_error("%s: cannot open as a raster: %s", in_path, gdal_failure_msg());
    GDALDriverH drv = GDALGetDriverByName(driver);
    int rc = 0;
    const int direct = GDALGetMetadataItem(drv, GDAL_DCAP_CREATE, NULL) != NULL;
    gdal_write_begin();
    ge_staged st = {0}, stage = {0};
    ge_error err;
    char **co = creation_options(a, driver, in);
    GDALDatasetH ds = NULL;
    if (ge_staged_open(&st, out, &err)) {
        rc = fail_with(&err);
        goto done;
    }
    gdal_write_alias(st.target, out);
    if (direct) {
        ds = create_like(drv, st.target, in, co, m->shared && !m->alpha);
        if (!ds) {
            rc = runtime_error("%s: cannot create %s raster: %s", out, driver, gdal_failure_msg());
            goto done;
        }
        rc = fill_all(in, ds, m, bands, nbands, out);
    } else {
        /* staged beside the output: its file system has room for it */
        const char *slash = st.dest ? strrchr(st.dest, '/') : NULL, *tmp = getenv("TMPDIR");
        char name[4200];
        if (st.dest)
            snprintf(name, sizeof name, "%.*sgeoembed-stage.tif",
                     slash ? (int)(slash - st.dest + 1) : 0, st.dest);
        else
            snprintf(name, sizeof name, "%s/geoembed-stage.tif", tmp && *tmp ? tmp : "/tmp");
        if (ge_staged_open(&stage, name, &err)) {
            rc = runtime_error("%s: cannot stage the raster: %s", out, err.msg);
            goto done;
        }
        char **sco = CSLSetNameValue(NULL, "TILED", "YES");
        sco = CSLSetNameValue(sco, "BIGTIFF", "IF_SAFER");
        GDALDatasetH sds = create_like(GDALGetDriverByName("GTiff"), stage.target, in, sco,
                                       m->shared && !m->alpha);
        CSLDestroy(sco);
        if (!sds) {
            rc = runtime_error("%s: cannot stage the raster: %s", out, gdal_failure_msg());
            goto done;
        }
        rc = fill_all(in, sds, m, bands, nbands, out);
        if (!rc && !(ds = GDALCreateCopy(drv, st.target, sds, FALSE, co, NULL, NULL)))
            rc = runtime_error("%s: cannot write %s raster: %s", out, driver, gdal_failure_msg());
        GDALClose(sds);
    }
    if (ds)
        GDALClose(ds);
    ds = NULL;
    if (!rc && gdal_write_failures())
        rc = runtime_error("%s: cannot write %s raster: %s", out, driver, gdal_failure_msg());
    if (!rc && ge_staged_commit(&st, &err))
        rc = fail_with(&err);
done:
    if (ds)
        GDALClose(ds);
    GDALClose(in);
    ge_staged_abort(&stage);
    ge_staged_abort(&st);
    CSLDestroy(co);
    gdal_write_end();
    return rc;
}
