/* predict --grid --covariate NAME=RASTER: each covariate of the model read
 * from a raster onto the output grid (gdalwarp: its extent, size and CRS;
 * bilinear for numbers, nearest for classes), so that every cell has its
 * design row. The warp is a virtual raster of the whole grid (GDAL's warped
 * VRT) that computes its blocks as windows of it are read: the grid's
 * chunks (or, under mpirun, each process's band of them) read their window
 * only, so that no process holds a covariate for the whole grid, and a
 * cell's value is the same in any window. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>

#include "covariate_grid.h"
#include "display.h"
#include "geoembed/samples.h"

/* The rasters warped onto the grid (src: as opened; warp: its virtual
 * warp, which reads src) and the values of the window last read,
 * v[P][rows * cols] from row r0 and column c0 (cap values held). */
struct covariate_window {
    int P, open;
    GDALDatasetH src[GE_MAX_COVARIATES], warp[GE_MAX_COVARIATES];
    double scale[GE_MAX_COVARIATES], offset[GE_MAX_COVARIATES]; /* of each source band */
    double *v;
    size_t cap;
    long r0, c0, rows, cols;
};

/* The raster of covariate `name` among the --covariate options, or NULL. */
static const char *raster_of(const cli_args *a, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < a->ncovariate; i++)
        if (strncmp(a->covariate[i], name, n) == 0 && a->covariate[i][n] == '=')
            return a->covariate[i] + n + 1;
    return NULL;
}

/* The raster at path opened (*src) and warped onto the grid as a virtual
 * raster (*warp), nothing computed yet. */
static int warp_onto(const char *path, const grid_spec *g, int nearest, GDALDatasetH *src,
                     GDALDatasetH *warp)
{
    GDALAllRegister();
    *warp = NULL;
    *src = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!*src)
        return runtime_error("%s: cannot open the covariate raster: %s", path,
                             CPLGetLastErrorMsg());
    char te[4][32], ts[2][32];
    snprintf(te[0], sizeof te[0], "%.17g", g->xmin);
    snprintf(te[1], sizeof te[1], "%.17g", g->ymin);
    snprintf(te[2], sizeof te[2], "%.17g", g->xmax);
    snprintf(te[3], sizeof te[3], "%.17g", g->ymax);
    snprintf(ts[0], sizeof ts[0], "%ld", g->cols);
    snprintf(ts[1], sizeof ts[1], "%ld", g->rows);
    char **argv = NULL;
    argv = CSLAddString(argv, "-of");
    argv = CSLAddString(argv, "VRT");
    argv = CSLAddString(argv, "-te");
    for (int k = 0; k < 4; k++)
        argv = CSLAddString(argv, te[k]);
    argv = CSLAddString(argv, "-ts");
    argv = CSLAddString(argv, ts[0]);
    argv = CSLAddString(argv, ts[1]);
    argv = CSLAddString(argv, "-ot");
    argv = CSLAddString(argv, "Float64");
    argv = CSLAddString(argv, "-r");
    argv = CSLAddString(argv, nearest ? "near" : "bilinear");
    argv = CSLAddString(argv, "-dstnodata");
    argv = CSLAddString(argv, "nan");
    if (g->crs_wkt && *g->crs_wkt) {
        argv = CSLAddString(argv, "-t_srs");
        argv = CSLAddString(argv, g->crs_wkt);
    }
    GDALWarpAppOptions *opts = GDALWarpAppOptionsNew(argv, NULL);
    CSLDestroy(argv);
    int usage = 0;
    *warp = opts ? GDALWarp("", NULL, 1, src, opts, &usage) : NULL;
    GDALWarpAppOptionsFree(opts);
    if (!*warp)
        return runtime_error("%s: cannot resample the covariate raster onto the grid: %s", path,
                             CPLGetLastErrorMsg());
    return 0;
}

int predictor_covariate_grid(predictor *p, const cli_args *a, const grid_spec *g)
{
    const ge_covariates *cv = &p->m.cov;
    if (!cv->P) {
        if (a->ncovariate)
            return usage_error(a->cmd_name, "--covariate: the model has no covariates");
        return 0;
    }
    for (int i = 0; i < a->ncovariate; i++) { /* every option names a covariate of the model */
        int known = 0;
        for (int j = 0; j < cv->P; j++) {
            size_t n = strlen(cv->c[j].name);
            known |= strncmp(a->covariate[i], cv->c[j].name, n) == 0 && a->covariate[i][n] == '=';
        }
        if (!known)
            return usage_error(a->cmd_name, "--covariate '%s': expected NAME=RASTER with NAME a "
                                            "covariate of the model",
                               a->covariate[i]);
    }
    for (int j = 0; j < cv->P; j++)
        if (!raster_of(a, cv->c[j].name))
            return usage_error(a->cmd_name, "the model has covariate '%s': give its raster "
                                            "with --covariate %s=RASTER",
                               cv->c[j].name, cv->c[j].name);
    if (!(p->cov = calloc(1, sizeof *p->cov)))
        return runtime_error("out of memory");
    p->cov->P = cv->P;
    for (int j = 0; j < cv->P; j++) {
        const ge_covariate *c = &cv->c[j];
        int rc = warp_onto(raster_of(a, c->name), g, c->categorical, &p->cov->src[j],
                           &p->cov->warp[j]);
        p->cov->open = j + 1;
        if (rc)
            return rc;
        /* the values in the band's units, as the samples gave them (the
         * warp reads the stored numbers) */
        double sc, off;
        if (ge_band_units(GDALGetRasterBand(p->cov->src[j], 1), &sc, &off))
            return runtime_error("%s: band 1 has scale %g and offset %g: its values cannot be "
                                 "read in its units",
                                 raster_of(a, c->name), sc, off);
        if (c->categorical && (sc != 1 || off != 0))
            return runtime_error("%s: the classes of covariate '%s' are stored with scale %g and "
                                 "offset %g; classes are the raster's values as they stand",
                                 raster_of(a, c->name), c->name, sc, off);
        p->cov->scale[j] = sc, p->cov->offset[j] = off;
    }
    return 0;
}

int predictor_covariate_window(const predictor *p, long r0, long nr, long c0, long nc)
{
    covariate_window *w = p->cov;
    if (!w)
        return 0;
    const size_t cells = (size_t)nr * (size_t)nc, need = cells * (size_t)w->P;
    if (need > w->cap) {
        free(w->v);
        w->cap = 0;
        if (!(w->v = malloc(need * sizeof *w->v)))
            return runtime_error("out of memory for the covariates of %ld x %ld cells", nc, nr);
        w->cap = need;
    }
    w->r0 = r0, w->c0 = c0, w->rows = nr, w->cols = nc;
    for (int j = 0; j < w->P; j++) {
        const ge_covariate *c = &p->m.cov.c[j];
        double *v = w->v + (size_t)j * cells;
        if (GDALRasterIO(GDALGetRasterBand(w->warp[j], 1), GF_Read, (int)c0, (int)r0, (int)nc,
                         (int)nr, v, (int)nc, (int)nr, GDT_Float64, 0, 0) != CE_None)
            return runtime_error("%s: reading the resampled covariate '%s': %s",
                                 GDALGetDescription(w->src[j]), c->name, CPLGetLastErrorMsg());
        if (w->scale[j] != 1 || w->offset[j] != 0)
            for (size_t i = 0; i < cells; i++)
                v[i] = v[i] * w->scale[j] + w->offset[j];
        for (size_t i = 0; c->categorical && i < cells; i++) {
            /* a class is the raster's value, written as the training data wrote it */
            char text[64];
            snprintf(text, sizeof text, "%.17g", v[i]);
            v[i] = isnan(v[i]) ? NAN : ge_covariate_class(c, text);
            if (v[i] < 0)
                v[i] = NAN;
        }
    }
    return 0;
}

void covariate_window_at(const covariate_window *w, long row, long col, double *raw)
{
    const size_t cells = (size_t)w->rows * (size_t)w->cols;
    const size_t at = (size_t)(row - w->r0) * (size_t)w->cols + (size_t)(col - w->c0);
    for (int j = 0; j < w->P; j++)
        raw[j] = w->v[(size_t)j * cells + at];
}

void predictor_covariates_close(predictor *p)
{
    covariate_window *w = p->cov;
    for (int j = 0; w && j < w->open; j++) {
        if (w->warp[j])
            GDALClose(w->warp[j]); /* before its source, which it reads */
        if (w->src[j])
            GDALClose(w->src[j]);
    }
    if (w)
        free(w->v);
    free(w);
    p->cov = NULL;
}
