/* Grid extent and size for predict --grid, and the CSV grid writer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "covariate_grid.h"
#include "display.h"
#include "geoembed/crs.h"
#include "inputs.h"
#include "geoembed/csv.h"
#include "geoembed/reproject.h"
#include "geoembed/outfile.h"
#include "grid.h"
#include "progress.h"

#define MAX_GRID_SIDE 10000000L

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n >= e && strcasecmp(path + n - e, ext) == 0;
}

/* --like RASTER: its grid exactly, in its CRS (the model's when neither has one). */
static int resolve_like(const cli_args *a, const predictor *p, grid_spec *g)
{
    static const opt_id excl[] = {O_BBOX, O_SIZE, O_RESOLUTION, O_DST_CRS, O_TAP, O_EXACT_RES};
    for (size_t i = 0; i < sizeof excl / sizeof *excl; i++)
        if (a->val[excl[i]])
            return usage_error(a->cmd_name, "%s cannot be combined with --like (the grid comes "
                                            "from the raster)",
                               opt_long_name(excl[i]));
    const char *ref = a->val[O_LIKE];
    double gt[6];
    int rc = grid_like_read(ref, gt, &g->cols, &g->rows, &g->crs_wkt);
    if (rc)
        return rc;
    const int model_crs = p->meta.crs && *p->meta.crs;
    if (model_crs != (*g->crs_wkt != 0))
        return runtime_error("%s: %s, the model %s: the grid cannot be placed on the model "
                             "(--like)",
                             ref, model_crs ? "the raster has no CRS" : "the raster has a CRS",
                             model_crs ? "has one" : "has none");
    if (model_crs) {
        ge_error err;
        int same;
        g->to_model = ge_transform_new(g->crs_wkt, p->meta.crs, &same, &err);
        if (!g->to_model && !same)
            return runtime_error("%s: %s", ref, err.msg);
    }
    /* the raster's own numbers, not recomputed: the output's geotransform is
     * the reference's bit for bit */
    g->xmin = gt[0], g->xres = gt[1], g->ymax = gt[3], g->yres = -gt[5];
    g->xmax = g->xmin + g->cols * g->xres;
    g->ymin = g->ymax - g->rows * g->yres;
    return 0;
}

/* The grid's CRS: --dst-crs (and the model's exterior carried into it), else
 * the model's. *reprojected: the grid is in another CRS than the model. */
static int resolve_crs(const cli_args *a, const predictor *p, grid_spec *g, int *reprojected)
{
    ge_error err;
    *reprojected = 0;
    if (!a->val[O_DST_CRS]) {
        g->crs_wkt = strdup(p->meta.crs ? p->meta.crs : "");
        return g->crs_wkt ? 0 : runtime_error("out of memory");
    }
    if (!*p->meta.crs)
        return usage_error(a->cmd_name, "--dst-crs: the model has no CRS to reproject from");
    if (!(g->crs_wkt = ge_crs_to_wkt(a->val[O_DST_CRS], &err)))
        return usage_error(a->cmd_name, "--dst-crs: %s", err.msg);
    int same;
    g->to_model = ge_transform_new(g->crs_wkt, p->meta.crs, &same, &err);
    if (!g->to_model && !same)
        return fail_with(&err);
    if (!same && !a->val[O_BBOX]) {
        ge_transform *fwd = ge_transform_new(p->meta.crs, g->crs_wkt, &same, &err);
        double in[4] = {g->xmin, g->ymin, g->xmax, g->ymax}, out[4];
        int bad = !fwd || ge_transform_bounds(fwd, in, out, &err);
        ge_transform_free(fwd);
        if (bad)
            return runtime_error("--dst-crs: %s; give --bbox in the target CRS", err.msg);
        g->xmin = out[0], g->ymin = out[1], g->xmax = out[2], g->ymax = out[3];
    }
    *reprojected = !same;
    return 0;
}

static int too_large(const cli_args *a, double c, double r)
{
    if (c <= MAX_GRID_SIDE && r <= MAX_GRID_SIDE)
        return 0;
    return usage_error(a->cmd_name, "the grid would be %.0f x %.0f pixels (at most %ld a side)",
                       c, r, MAX_GRID_SIDE);
}

/* --resolution kept exactly (--exact-resolution, --target-aligned-pixels):
 * the extent grows to a whole number of pixels, from its top-left corner or,
 * aligned, to multiples of the resolution (gdalwarp -tr, -tap). */
static int exact_resolution(const cli_args *a, grid_spec *g, double xr, double yr)
{
    if (a->val[O_TAP]) {
        g->xmin = floor(g->xmin / xr) * xr;
        g->xmax = ceil(g->xmax / xr) * xr;
        g->ymin = floor(g->ymin / yr) * yr;
        g->ymax = ceil(g->ymax / yr) * yr;
    }
    /* a count within a part in 1e9 of whole is whole: no sliver column */
    double c = ceil((g->xmax - g->xmin) / xr - 1e-9), r = ceil((g->ymax - g->ymin) / yr - 1e-9);
    if (too_large(a, c, r))
        return EXIT_USAGE;
    g->cols = c < 1 ? 1 : (long)c;
    g->rows = r < 1 ? 1 : (long)r;
    g->xres = xr, g->yres = yr;
    g->xmax = g->xmin + g->cols * xr;
    g->ymin = g->ymax - g->rows * yr;
    return 0;
}

/* The pixel count (and size) from --size or --resolution, or the defaults:
 * the model's cell size, or as many pixels as the model has cells when the
 * grid is reprojected. */
static int resolve_size(const cli_args *a, const predictor *p, grid_spec *g, int reprojected)
{
    const ge_shape *s = &p->m.s;
    double v[2];
    if (a->val[O_SIZE] && a->val[O_RESOLUTION])
        return usage_error(a->cmd_name, "give --size or --resolution, not both");
    for (int k = 0; k < 2; k++) {
        opt_id id = k ? O_EXACT_RES : O_TAP;
        if (a->val[id] && !a->val[O_RESOLUTION])
            return usage_error(a->cmd_name, "%s needs --resolution (the pixel size to keep)",
                               opt_long_name(id));
    }
    if (a->val[O_SIZE]) {
        if (arg_doubles(a, O_SIZE, 2, 2, v, NULL))
            return EXIT_USAGE;
        if (v[0] != floor(v[0]) || v[1] != floor(v[1]) || v[0] < 1 || v[1] < 1 ||
            v[0] > MAX_GRID_SIDE || v[1] > MAX_GRID_SIDE)
            return usage_error(a->cmd_name, "--size expects whole numbers COLS,ROWS from 1 to %ld",
                               MAX_GRID_SIDE);
        g->cols = (long)v[0];
        g->rows = (long)v[1];
    } else if (reprojected && !a->val[O_RESOLUTION]) {
        g->cols = s->W;
        g->rows = s->H;
    } else {
        double xr = p->m.cw, yr = p->m.ch;
        if (p->meta.has_grid) /* a raster's model: the raster's pixel size */
            xr = p->meta.grid_gt[1], yr = -p->meta.grid_gt[5];
        if (a->val[O_RESOLUTION]) {
            if (arg_doubles(a, O_RESOLUTION, 2, 2, v, NULL))
                return EXIT_USAGE;
            if (!(v[0] > 0 && v[1] > 0))
                return usage_error(a->cmd_name, "--resolution needs positive XRES,YRES");
            xr = v[0], yr = v[1];
            if (a->val[O_TAP] || a->val[O_EXACT_RES])
                return exact_resolution(a, g, xr, yr);
        }
        double c = round((g->xmax - g->xmin) / xr), r = round((g->ymax - g->ymin) / yr);
        if (too_large(a, c, r))
            return EXIT_USAGE;
        g->cols = c < 1 ? 1 : (long)c;
        g->rows = r < 1 ? 1 : (long)r;
    }
    g->xres = (g->xmax - g->xmin) / g->cols;
    g->yres = (g->ymax - g->ymin) / g->rows;
    /* whole pixels over the extent: a pixel size asked for that does not
     * divide it is adjusted; said when by more than 1% (1500 over a width of
     * 1000 became 1000 without a word) */
    if (a->val[O_RESOLUTION] && !a->val[O_TAP] && !a->val[O_EXACT_RES] &&
        (fabs(g->xres / v[0] - 1) > 0.01 || fabs(g->yres / v[1] - 1) > 0.01))
        say(1, "geoembed: %s: warning: --resolution %g,%g makes %ld x %ld pixels of %.6g x %.6g "
               "over the grid's extent (%.6g x %.6g); --exact-resolution keeps the pixel size "
               "and grows the extent\n",
            a->cmd_name, v[0], v[1], g->cols, g->rows, g->xres, g->yres, g->xmax - g->xmin,
            g->ymax - g->ymin);
    return 0;
}

/* A model fit from a raster, asked for no other grid: the raster's grid. */
static int uses_source_grid(const cli_args *a, const predictor *p)
{
    static const opt_id other[] = {O_BBOX, O_SIZE, O_RESOLUTION, O_DST_CRS};
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (a->val[other[i]])
            return 0;
    return p->meta.has_grid;
}

int grid_spec_resolve(const cli_args *a, const predictor *p, grid_spec *g)
{
    const ge_shape *s = &p->m.s;
    double v[4];
    int rc;
    memset(g, 0, sizeof *g);
    if (a->val[O_LIKE]) {
        if ((rc = resolve_like(a, p, g)))
            return rc;
    } else if (uses_source_grid(a, p)) {
        const double *gt = p->meta.grid_gt;
        if (!(g->crs_wkt = strdup(p->meta.crs ? p->meta.crs : "")))
            return runtime_error("out of memory");
        g->cols = (long)p->meta.grid_cols;
        g->rows = (long)p->meta.grid_rows;
        g->xmin = gt[0], g->xres = gt[1], g->ymax = gt[3], g->yres = -gt[5];
        g->xmax = g->xmin + g->cols * g->xres;
        g->ymin = g->ymax - g->rows * g->yres;
    } else {
        g->xmin = s->xmin;
        g->ymin = s->ymin;
        g->xmax = s->xmin + s->width;
        g->ymax = s->ymin + s->height;
        if (p->meta.has_grid) { /* a raster's model: the raster's extent */
            const double *gt = p->meta.grid_gt;
            g->xmin = gt[0], g->ymax = gt[3];
            g->xmax = gt[0] + (double)p->meta.grid_cols * gt[1];
            g->ymin = gt[3] + (double)p->meta.grid_rows * gt[5];
        }
        int reprojected;
        if ((rc = resolve_crs(a, p, g, &reprojected)))
            return rc;
        if (a->val[O_BBOX]) {
            if (arg_doubles(a, O_BBOX, 4, 4, v, NULL))
                return EXIT_USAGE;
            if (!(v[2] > v[0] && v[3] > v[1]))
                return usage_error(a->cmd_name, "--bbox needs XMAX > XMIN and YMAX > YMIN");
            if (ge_crs_is_geographic(g->crs_wkt) &&
                degrees_box_check(a, O_BBOX, v[0], v[1], v[2], v[3]))
                return EXIT_USAGE;
            g->xmin = v[0], g->ymin = v[1], g->xmax = v[2], g->ymax = v[3];
        }
        if ((rc = resolve_size(a, p, g, reprojected)))
            return rc;
    }
    const char *of = a->val[O_OF];
    g->csv = of ? strcasecmp(of, "CSV") == 0 : (has_ext(a->val[O_GRID], ".csv") ||
                                                strcmp(a->val[O_GRID], "-") == 0);
    g->driver = of;
    if ((rc = grid_gdal_type(a, g)))
        return rc;
    if (!g->csv && !of && (rc = grid_gdal_driver_for(a, a->val[O_GRID], &g->driver)))
        return rc;
    /* GeoPackage records no NaN nodata (GDAL warns and drops it): the empty
     * cells would be marked by nothing */
    if (!g->csv && g->driver && strcasecmp(g->driver, "GPKG") == 0 && isnan(g->nodata))
        return usage_error(a->cmd_name, "a GeoPackage raster cannot record NaN as its nodata "
                                        "value, so its empty cells would be unmarked: give "
                                        "--nodata VALUE (e.g. --nodata -9999)");
    return 0;
}

void grid_centre(const grid_spec *g, long col, long row, double *x, double *y)
{
    *x = g->xmin + (col + 0.5) * g->xres;
    *y = g->ymax - (row + 0.5) * g->yres;
}

void grid_centres_in_model(const grid_spec *g, long r0, long nr, double *xy)
{
    grid_centres_block(g, r0, nr, 0, g->cols, xy);
}

void grid_centres_block(const grid_spec *g, long r0, long nr, long c0, long nc, double *xy)
{
    for (long r = 0; r < nr; r++)
        for (long c = 0; c < nc; c++) {
            size_t i = (size_t)r * nc + c;
            grid_centre(g, c0 + c, r0 + r, &xy[2 * i], &xy[2 * i + 1]);
        }
    if (g->to_model)
        ge_transform_points(g->to_model, xy, (size_t)nr * nc);
}

void grid_spec_free(grid_spec *g)
{
    free(g->crs_wkt);
    ge_transform_free(g->to_model);
    g->crs_wkt = NULL;
    g->to_model = NULL;
}

static int write_csv_grid(const cli_args *a, const predictor *p, const grid_spec *g)
{
    ge_outfile out;
    ge_error err;
    if (ge_outfile_open(&out, a->val[O_GRID], &err))
        return fail_with(&err);
    const int O = predictor_outputs(p);
    int bad = fputs("x,y", out.f) == EOF;
    for (int o = 0; o < O; o++) {
        char name[1100];
        predictor_output_name(p, o, 0, name, sizeof name);
        bad |= fputc(',', out.f) == EOF;
        bad |= ge_csv_write_field(out.f, name, ',');
    }
    bad |= fputc('\n', out.f) == EOF;
    double v[PREDICTOR_MAX_OUT];
    double *xy = malloc((size_t)g->cols * 2 * sizeof *xy);
    if (!xy) {
        ge_outfile_abort(&out);
        return runtime_error("out of memory");
    }
    int rc = 0;
    size_t empty = 0;
    for (long r = 0; r < g->rows && !bad && !rc; r++) {
        grid_centres_in_model(g, r, 1, xy);
        if ((rc = predictor_covariate_window(p, r, 1, 0, g->cols)))
            break;
        for (long c = 0; c < g->cols && !bad; c++) {
            double x, y;
            grid_centre(g, c, r, &x, &y);
            empty += predictor_at_cell(p, xy[2 * c], xy[2 * c + 1], r, c, v) != 0;
            bad |= ge_csv_write_number(out.f, x);
            bad |= fputc(',', out.f) == EOF;
            bad |= ge_csv_write_number(out.f, y);
            for (int o = 0; o < O; o++) {
                bad |= fputc(',', out.f) == EOF;
                bad |= ge_csv_write_number(out.f, v[o]);
            }
            bad |= fputc('\n', out.f) == EOF;
        }
        grid_progress(g, r + 1);
    }
    free(xy);
    if (rc) {
        ge_outfile_abort(&out);
        return rc;
    }
    if (ge_outfile_commit(&out, &err))
        return fail_with(&err);
    grid_count_empty(empty);
    return EXIT_OK;
}

/* One grid is written at a time; its writer reports rows done, and the
 * cells it left empty. */
static counter grid_counter;
static size_t grid_empty;

void grid_count_empty(size_t cells) { grid_empty += cells; }

/* Cells without a value are said, counted: a model whose reach
 * (--max-distance) came out tiny wrote a map of nodata with exit 0 and no
 * word. A whole grid empty is a warning (shown under -q too); a tile of a
 * larger area may lie away from every sample. */
static void say_empty(const predictor *p, const grid_spec *g)
{
    char rule[160];
    const size_t all = (size_t)g->cols * (size_t)g->rows;
    if (!grid_empty)
        return;
    predictor_empty_rule(p, rule, sizeof rule);
    if (p->cov) {
        size_t k = strlen(rule);
        snprintf(rule + k, sizeof rule - k, ", or without a --covariate value");
    }
    if (grid_empty >= all)
        say(1, "geoembed: predict: warning: every one of the %zu cells of the grid is empty "
               "(%s): the map holds no value\n",
            all, rule);
    else
        say(2, "geoembed: predict: %zu of %zu cells empty (%s)\n", grid_empty, all, rule);
}

void grid_progress(const grid_spec *g, long rows_done)
{
    counter_update(&grid_counter, (double)rows_done, (double)g->rows);
}

int grid_write(const cli_args *a, const predictor *p, const grid_spec *g)
{
    counter_init(&grid_counter, "geoembed: predict", "rows");
    grid_empty = 0;
    int rc = g->csv ? write_csv_grid(a, p, g) : grid_write_gdal(a, p, g);
    counter_done(&grid_counter);
    if (!rc)
        say_empty(p, g);
    return rc;
}
