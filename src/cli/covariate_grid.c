/* predict --grid --covariate NAME=RASTER: each covariate of the model read
 * from a raster onto the output grid (gdalwarp: its extent, size and CRS;
 * bilinear for numbers, nearest for classes), so that every cell has its
 * design row. */
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
#include "geoembed/memory.h"

/* The raster of covariate `name` among the --covariate options, or NULL. */
static const char *raster_of(const cli_args *a, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < a->ncovariate; i++)
        if (strncmp(a->covariate[i], name, n) == 0 && a->covariate[i][n] == '=')
            return a->covariate[i] + n + 1;
    return NULL;
}

/* The raster warped onto the grid, as doubles (NaN where it has no value). */
static int warp_onto(const char *path, const grid_spec *g, int nearest, double *out)
{
    GDALAllRegister();
    GDALDatasetH src = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!src)
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
    argv = CSLAddString(argv, "MEM");
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
    int usage = 0, rc = 0;
    GDALDatasetH dst = opts ? GDALWarp("", NULL, 1, &src, opts, &usage) : NULL;
    GDALWarpAppOptionsFree(opts);
    if (!dst) {
        rc = runtime_error("%s: cannot resample the covariate raster onto the grid: %s", path,
                           CPLGetLastErrorMsg());
    } else if (GDALRasterIO(GDALGetRasterBand(dst, 1), GF_Read, 0, 0, (int)g->cols,
                            (int)g->rows, out, (int)g->cols, (int)g->rows, GDT_Float64, 0,
                            0) != CE_None) {
        rc = runtime_error("%s: reading the resampled covariate: %s", path, CPLGetLastErrorMsg());
    }
    if (dst)
        GDALClose(dst);
    GDALClose(src);
    return rc;
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
    const size_t cells = (size_t)g->cols * (size_t)g->rows;
    for (int j = 0; j < cv->P; j++)
        if (!raster_of(a, cv->c[j].name))
            return usage_error(a->cmd_name, "the model has covariate '%s': give its raster "
                                            "with --covariate %s=RASTER",
                               cv->c[j].name, cv->c[j].name);
    /* the covariates are held for the whole grid (not streamed like the
     * predictions): refused up front when they cannot fit */
    ge_error err;
    if (ge_mem_check((double)cells * cv->P * sizeof *p->cov_grid, "the covariates of the grid",
                     &err))
        return runtime_error("%s", err.msg);
    if (!(p->cov_grid = malloc(cells * (size_t)cv->P * sizeof *p->cov_grid)))
        return runtime_error("out of memory for the covariates of a %ldx%ld grid", g->cols,
                             g->rows);
    p->grid_cols = g->cols;
    p->grid_cells = (long)cells;
    for (int j = 0; j < cv->P; j++) {
        const ge_covariate *c = &cv->c[j];
        double *v = p->cov_grid + (size_t)j * cells;
        int rc = warp_onto(raster_of(a, c->name), g, c->categorical, v);
        if (rc)
            return rc;
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
