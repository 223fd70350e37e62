/* geoembed fill INPUT -o OUTPUT: the holes of a raster (nodata, masked or NaN pixels)
 * filled from a model of its valid pixels, one model per band, fitted with
 * fit's defaults (the exact solve, the penalty chosen by validation). The job
 * of gdal_fillnodata, done with a learned surface. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>

#include "commands.h"
#include "display.h"
#include "fill_raster.h"
#include "geoembed/crs.h"
#include "geoembed/outfile.h"
#include "geoembed/samples.h"
#include "inputs.h"
#include "settings.h"
#include "trainjob.h"

enum { DEFAULT_MAX_PIXELS = 100 }; /* gdal_fillnodata's -md */

/* --max-distance PIXELS|none, in pixels (0: none). */
static int max_pixels(const cli_args *a, double *px)
{
    if (a->val[O_MAX_DISTANCE] && strcmp(a->val[O_MAX_DISTANCE], "none") == 0) {
        *px = 0;
        return 0;
    }
    return arg_double(a, O_MAX_DISTANCE, DEFAULT_MAX_PIXELS, 1e-9, 1e12, px);
}

/* The bands to fill (1-based, marked in want[0..nb)): --band, else all
 * but an alpha band. Bands under one mask are filled together: a pixel of
 * the mask becomes valid only where every band has a value. */
static int chosen_bands(const cli_args *a, int nb, const fill_mask *m, int *want)
{
    for (int b = 0; b < nb; b++)
        want[b] = !a->val[O_BAND] && b + 1 != m->alpha;
    if (!a->val[O_BAND])
        return 0;
    double v[GE_MAX_OUTPUTS];
    int got;
    if (arg_doubles(a, O_BAND, 1, GE_MAX_OUTPUTS, v, &got))
        return EXIT_USAGE;
    for (int k = 0; k < got; k++) {
        if (v[k] != floor(v[k]) || v[k] < 1)
            return usage_error(a->cmd_name, "--band expects band numbers from 1, got '%s'",
                               a->val[O_BAND]);
        if (v[k] > nb)
            return runtime_error("%s: no band %.0f (the raster has %d)", a->pos[0], v[k], nb);
        if (v[k] == m->alpha)
            return usage_error(a->cmd_name, "--band %.0f: band %.0f of %s is its alpha band, the "
                                            "mask of the others, which fill updates where they "
                                            "are filled",
                               v[k], v[k], a->pos[0]);
        if (want[(int)v[k] - 1])
            return usage_error(a->cmd_name, "--band %.0f is given twice in '%s'", v[k],
                               a->val[O_BAND]);
        want[(int)v[k] - 1] = 1;
    }
    for (int b = 0; m->shared && b < nb; b++)
        if (!want[b] && b + 1 != m->alpha)
            return usage_error(a->cmd_name, "--band: the bands of %s share one %s, so they are "
                                            "filled together; band %d is left out (give every "
                                            "band, or no --band)",
                               a->pos[0], m->alpha ? "alpha band" : "mask band", b + 1);
    return 0;
}

/* One band's model, fitted on its valid pixels, ready to predict (p); none
 * (*fitted 0) for a band without holes. */
static int fit_band(const cli_args *a, int band, double max_px, long max_samples, predictor *p,
                    int *fitted)
{
    ge_sample_opts so = {.bands = &band, .nbands = 1, .need_targets = 1,
                         .max_samples = (size_t)max_samples};
    ge_samples s = {0};
    ge_error err;
    fit_settings fs = {0};
    ge_learn_result res = {0};
    memset(p, 0, sizeof *p);
    int rc;
    if (ge_samples_read_raster(a->pos[0], &so, &s, &err)) {
        rc = fail_with(&err);
        goto done;
    }
    *fitted = 0;
    if (s.M == 0) {
        rc = runtime_error("%s: band %d has no valid pixel to learn from", a->pos[0], band);
        goto done;
    }
    if (s.skipped_missing == 0 && !s.raster_step) { /* every pixel was read: none empty */
        say(2, "geoembed: fill: band %d: no empty pixels; copied\n", band);
        rc = 0;
        goto done;
    }
    if ((rc = settings_resolve(a, &s, ge_crs_is_geographic(s.crs), &fs)))
        goto done;
    if (s.M == 1 && fs.smooth_auto) {
        /* no pixel to hold out for the penalty's choice (the search failed as
         * "the normal equations are singular"): any penalty gives the flat
         * surface through the one value */
        say(1, "geoembed: fill: warning: %s: band %d has one valid pixel: its holes get its "
               "value\n",
            a->pos[0], band);
        fs.smooth_auto = 0;
        fs.train.smooth = 1;
    }
    say(3, "geoembed: fill: band %d: %zu valid pixels; %s\n", band, s.M, fs.chosen);
    train_job j = {.fs = &fs, .fo = {.keep_best = 1}};
    if (train_on(&j, &s, NULL, 0, &p->m, &res, &err)) {
        rc = runtime_error("%s: band %d: %s", a->pos[0], band, err.msg);
        goto done;
    }
    if (!(p->meta.crs = strdup(s.crs ? s.crs : ""))) {
        ge_model_free(&p->m);
        rc = runtime_error("out of memory");
        goto done;
    }
    if ((rc = predictor_init(p, a->pos[0])))
        goto done;
    /* pixels to the model's units: the larger side of a pixel */
    double px = s.raster_grid ? fmax(fabs(s.raster_gt[1]), fabs(s.raster_gt[5])) : 1;
    if (!s.raster_grid) { /* rotated: the length of a pixel's sides */
        GDALDatasetH ds = GDALOpen(a->pos[0], GA_ReadOnly);
        double gt[6];
        if (ds && GDALGetGeoTransform(ds, gt) == CE_None)
            px = fmax(hypot(gt[1], gt[4]), hypot(gt[2], gt[5]));
        if (ds)
            GDALClose(ds);
    }
    p->max_distance = max_px * px;
    *fitted = 1;
    say(2, "geoembed: fill: band %d: a model of %zu valid pixels (smooth %.3g)\n", band, s.M,
        res.smooth);
done:
    ge_samples_free(&s);
    return rc;
}

int cmd_fill(cli_args *a)
{
    if (a->npos != 1)
        return usage_error("fill", "expected one INPUT raster, got %d", a->npos);
    if (!a->val[O_OUTPUT])
        return usage_error("fill", "missing -o OUTPUT (the filled raster to write)");
    ge_error err;
    if (ge_output_is_input(a->val[O_OUTPUT], a->pos[0], &err))
        return usage_error("fill", "%s", err.msg);
    double max_px;
    long max_samples;
    if (apply_threads(a) || max_pixels(a, &max_px) ||
        arg_long(a, O_MAX_SAMPLES, 0, 1, 1L << 40, &max_samples))
        return EXIT_USAGE;
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler); /* the message below says it */
    GDALDatasetH ds = GDALOpenEx(a->pos[0], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds) {
        char what[512];
        if (ge_source_describe(a->pos[0], what, sizeof what))
            return runtime_error("%s: expected a raster to fill, found %s", a->pos[0], what);
        return runtime_error("%s: expected a raster to fill (GDAL cannot open it)", a->pos[0]);
    }
    const int nb = GDALGetRasterCount(ds);
    const char *type = nb ? GDALGetDataTypeName(GDALGetRasterDataType(GDALGetRasterBand(ds, 1)))
                          : "";
    GDALClose(ds);
    if (nb < 1)
        return runtime_error("%s: expected a raster to fill, found no raster bands", a->pos[0]);
    int *want = calloc((size_t)nb, sizeof *want);
    fill_band *bands = calloc((size_t)nb, sizeof *bands);
    predictor *preds = calloc((size_t)nb, sizeof *preds);
    int rc = !want || !bands || !preds ? runtime_error("out of memory") : 0;
    const char *driver = NULL;
    fill_mask m = {0};
    if (!rc)
        rc = fill_raster_check(a, a->pos[0], &driver, &m);
    if (!rc)
        rc = chosen_bands(a, nb, &m, want);
    for (int b = 0; b < nb && !rc; b++) {
        int fitted = 0;
        if (want[b] && !(rc = fit_band(a, b + 1, max_px, max_samples, &preds[b], &fitted)) &&
            fitted)
            bands[b].p = &preds[b];
    }
    if (!rc)
        rc = fill_raster_write(a, a->pos[0], driver, &m, bands, nb);
    for (int b = 0; b < nb && !rc; b++) {
        const fill_band *f = &bands[b];
        if (!f->p)
            continue;
        say(2, "geoembed: fill: band %d: filled %zu of %zu empty pixels", b + 1, f->filled,
            f->holes);
        if (f->holes > f->filled)
            say(2, " (%zu farther than %g pixels from a valid pixel left empty)",
                f->holes - f->filled, max_px);
        say(2, "\n");
        if (f->clamped)
            say(1, "geoembed: fill: warning: band %d: %zu predictions outside the range of %s "
                   "were clamped into it\n",
                b + 1, f->clamped, type);
        if (f->moved)
            say(2, "geoembed: fill: band %d: %zu predictions equal to the nodata value were "
                   "moved one step off it\n",
                b + 1, f->moved);
    }
    for (int b = 0; b < nb; b++)
        if (bands && bands[b].p)
            predictor_free(&preds[b]);
    free(want);
    free(bands);
    free(preds);
    return rc;
}
