/* The option table and its parser (GDAL-family spellings, strict numbers). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "options.h"

#define ALL (C_FIT | C_PREDICT | C_EVAL | C_INFO | C_CV | C_PLOT | C_FILL)
#define TRAIN (C_FIT | C_CV)
#define READS (C_FIT | C_EVAL | C_CV | C_PREDICT)

const opt_spec opt_table[] = {
    {O_HELP, "--help", 0, NULL, ALL, NULL, "show this help and exit"},
    {O_HELP, "-h", 0, NULL, ALL, NULL, NULL},
    {O_QUIET, "--quiet", 0, NULL, ALL, NULL, "print nothing but errors and warnings"},
    {O_QUIET, "-q", 0, NULL, ALL, NULL, NULL},
    {O_VERBOSE, "--verbose", 0, NULL, ALL, NULL, "print more detail"},
    {O_VERBOSE, "-v", 0, NULL, ALL, NULL, NULL},
    {O_OUTPUT, "--output", 1, "FILE", C_FIT, NULL, "model file to write (required)"},
    {O_OUTPUT, "--output", 1, "FILE", C_PREDICT, NULL,
     "the points with predictions: CSV, or any OGR vector format by extension or --of "
     "(default: CSV on standard output)"},
    {O_OUTPUT, "--output", 1, "FILE", C_PLOT, NULL,
     "picture to write (required): PNG, SVG or PDF by extension or --of"},
    {O_OUTPUT, "--output", 1, "FILE", C_FILL, NULL,
     "the filled raster to write (required): the input's format, or any GDAL raster by "
     "extension or --of"},
    {O_OUTPUT, "-o", 1, "FILE", C_FIT | C_PREDICT | C_PLOT | C_FILL, NULL, NULL},
    {O_JSON, "--json", 0, NULL, C_EVAL | C_INFO | C_CV, NULL, "print JSON instead of text"},

    {O_X, "--x", 1, "COL", READS, NULL,
     "x (easting/longitude) column (default: lon, longitude, lng or x)"},
    {O_Y, "--y", 1, "COL", READS, NULL,
     "y (northing/latitude) column (default: lat, latitude or y)"},
    {O_TARGET, "--target", 1, "COL[,COL...]", C_FIT | C_CV, NULL,
     "target columns, or a raster's band names; \"a,b\" in double quotes names a column with "
     "commas (default: every other numeric column, every band); without an INPUT, "
     "NAME=RASTER[:BAND],... reads each target from a raster of its own (one grid)"},
    {O_TARGET, "--target", 1, "COL[,COL...]", C_EVAL, NULL,
     "target columns, or a raster's band names; \"a,b\" in double quotes names a column with "
     "commas (default: every other numeric column, every band)"},
    {O_TARGET, "--target", 1, "NAME", C_PLOT, NULL,
     "draw only this target, as a colour map (default: every target)"},
    {O_DELIMITER, "--delimiter", 1, "CHAR", READS, NULL,
     "CSV field delimiter: a character, or tab (default: detected)"},
    {O_SRC_CRS, "--src-crs", 1, "CRS", READS, NULL,
     "CRS of the input coordinates: EPSG:code, WKT or PROJ string (default: the input's own; "
     "lon/lat columns of a CSV are EPSG:4326)"},
    {O_SRC_CRS, "-s_srs", 1, "CRS", READS, NULL, NULL},
    {O_CRS, "--crs", 1, "CRS", TRAIN, NULL,
     "the model's CRS; samples are reprojected into it (default: the input's)"},
    {O_LAYER, "--layer", 1, "NAME", C_FIT | C_EVAL | C_CV | C_PREDICT, NULL,
     "vector input: the layer to read (default: the first)"},
    {O_WHERE, "--where", 1, "EXPR", C_FIT | C_EVAL | C_CV | C_PREDICT, NULL,
     "keep the rows or features that match, e.g. \"depth < 10 AND soil = 'clay'\" (vector "
     "input: any OGR attribute filter; CSV: comparisons, IS [NOT] NULL, AND, OR, NOT)"},
    {O_BAND, "--band", 1, "B[,B...]", C_FIT | C_EVAL | C_CV, NULL,
     "raster input: bands to learn (default: all)"},
    {O_BAND, "--band", 1, "B[,B...]", C_FILL, NULL,
     "bands to fill, each from its own model (default: all; the others are copied)"},
    {O_MAX_SAMPLES, "--max-samples", 1, "N", C_FIT | C_CV, NULL,
     "raster input: keep a seeded random subset of N valid pixels"},
    {O_MAX_SAMPLES, "--max-samples", 1, "N", C_FILL, NULL,
     "fit each band's model on a seeded random subset of N valid pixels (huge rasters); every "
     "hole is still filled"},
    {O_STRICT, "--strict", 0, NULL, C_FIT, NULL,
     "a sample outside the exterior is an error, not skipped"},

    {O_SIZE, "--size", 1, "W,H", TRAIN, NULL, "grid cells along x and y (default: from the data)"},
    {O_SIZE, "--size", 1, "COLS,ROWS", C_PREDICT, NULL, "grid size in pixels"},
    {O_SIZE, "--size", 1, "WIDTH,HEIGHT", C_PLOT, NULL, "picture size in pixels (default 800 wide)"},
    {O_SIZE, "-ts", 2, "COLS ROWS", C_PREDICT, NULL, NULL},
    {O_FEATURES, "--features", 1, "N", TRAIN, NULL,
     "features per cell (default 4, or the number of targets when larger)"},
    {O_PADDING, "--padding", 1, "P[,Q]", TRAIN, NULL,
     "kernel reach in cells along x (and y) (default 1)"},
    {O_BBOX, "--bbox", 1, "XMIN,YMIN,XMAX,YMAX", TRAIN, NULL,
     "the model's exterior (default: the samples' bounds with a margin)"},
    {O_BBOX, "--bbox", 1, "XMIN,YMIN,XMAX,YMAX", C_PREDICT, NULL,
     "grid extent (default: the model's exterior)"},
    {O_BBOX, "-te", 4, "XMIN YMIN XMAX YMAX", C_PREDICT, NULL, NULL},
    {O_EXTERIOR, "--exterior", 1, "X,Y,WIDTH,HEIGHT", TRAIN, NULL,
     "the model's exterior as origin and size (the reference's form)"},
    {O_WRAP, "--wrap", 1, "MODE", TRAIN, "none x y xy",
     "neighbours across the edges: none, x, y or xy (default: x for a 360-degree "
     "geographic exterior, else none)"},
    {O_READOUT, "--readout", 1, "MODE", TRAIN, "bilinear cell",
     "bilinear (default, smooth) or cell (the reference: --smooth then defaults to 0, and with "
     "it training to --method gradient)"},
    {O_SMOOTH, "--smooth", 1, "LAMBDA", TRAIN, "auto",
     "curvature penalty weight, or auto (default auto; 0 with --readout cell, the reference)"},

    {O_METHOD, "--method", 1, "METHOD", TRAIN, "exact gradient",
     "exact: solve the default model's normal equations (default); gradient: epochs of "
     "--optimizer (the default when --readout cell --smooth 0, --init or any of --epochs --lr "
     "--optimizer --momentum --batch-size --validation --patience --checkpoint-every --resume "
     "is given)"},
    {O_WEIGHT, "--weight", 1, "COLUMN", TRAIN, NULL,
     "relative sample weights from this column, 0 to 1e150 (0 drops a sample; default all 1)"},
    {O_SIGMA, "--sigma", 1, "COLUMN", TRAIN, NULL,
     "each sample's standard deviation from this column, 1e-150 to 1e150 (weight 1/sigma^2)"},
    {O_COVARIATES, "--covariates", 1, "NAMES", TRAIN, NULL,
     "learn a linear term in these columns beside the field (regression kriging): numbers "
     "standardised, text (or --categorical) as one coefficient per class"},
    {O_CATEGORICAL, "--categorical", 1, "NAMES", TRAIN, NULL,
     "covariates that hold classes, though written as numbers"},
    {O_GROUP, "--group", 1, "COLUMN", C_FIT, NULL,
     "fit one model per value of this column (days of a monitoring network), all on the grid "
     "of every sample: -o m.bin writes m_VALUE.bin for each value"},
    {O_GROUP, "--group", 1, "COLUMN", C_CV, NULL,
     "cross-validate one model per value of this column, all on the grid of every sample; a "
     "line per group"},
    {O_DRAWS, "--draws", 1, "N", TRAIN, NULL,
     "posterior draws behind the model's uncertainty (predict --std, --exceed) (default 50 "
     "up to 300000 cells, else 20; 0: none; the std of a cell is within about 10% at 50)"},
    {O_SOLVER, "--solver", 1, "S", TRAIN, "auto cholesky multigrid",
     "how the exact solve solves: cholesky (sparse factorisation), multigrid (conjugate "
     "gradients, memory linear in the cells) or auto: multigrid above 200000 cells (default)"},
    {O_TRANSFORM, "--transform", 1, "T", TRAIN, "none log",
     "log: fit the targets' logarithms and predict back with exp, so that predictions of a "
     "positive, skewed target (a concentration) stay positive; log:NAME,... for some targets "
     "only (default none)"},
    {O_EPOCHS, "--epochs", 1, "E", TRAIN, NULL, "gradient training epochs (default 300)"},
    {O_LR, "--lr", 1, "LR", TRAIN, NULL, "learning rate (default 0.05 adam, 0.01 sgd)"},
    {O_LOSS, "--loss", 1, "LOSS", TRAIN, "l1 mse huber",
     "l1, mse or huber (default mse; the reference uses l1)"},
    {O_HUBER_DELTA, "--huber-delta", 1, "D", TRAIN, NULL, "delta of the huber loss (default 1)"},
    {O_OPTIMIZER, "--optimizer", 1, "OPT", TRAIN, "adam sgd", "adam (default) or sgd"},
    {O_MOMENTUM, "--momentum", 1, "M", TRAIN, NULL, "sgd momentum (default 0)"},
    {O_BATCH_SIZE, "--batch-size", 1, "B", TRAIN, NULL, "samples per step; 0 = all (default 0)"},
    {O_SEED, "--seed", 1, "S", TRAIN, NULL,
     "seed of initialisation, shuffling and splits (default 0)"},
    {O_THREADS, "--threads", 1, "T", ALL & ~C_INFO, NULL,
     "threads to use, at most the cores unless written T! (default: all cores)"},
    {O_MAX_MEMORY, "--max-memory", 1, "SIZE", ALL, NULL,
     "refuse work needing more memory than SIZE, e.g. 4G (default: what is available)"},
    {O_VALIDATION, "--validation", 1, "FRACTION", C_FIT, NULL,
     "hold out this fraction of the samples and report its error (default 0)"},
    {O_PATIENCE, "--patience", 1, "N", C_FIT, NULL,
     "with --validation: stop after N epochs without improvement, keep the best"},
    {O_STANDARDIZE, "--standardize", 0, NULL, TRAIN, NULL,
     "train on standardised targets (the default)"},
    {O_NO_STANDARDIZE, "--no-standardize", 0, NULL, TRAIN, NULL,
     "train on raw targets (the reference)"},
    {O_INIT, "--init", 1, "MODEL", C_FIT, NULL, "start from this model's parameters"},
    {O_CHECKPOINT_EVERY, "--checkpoint-every", 1, "N", C_FIT, NULL,
     "every N epochs save the training state to MODEL.ckpt (also on SIGINT/SIGTERM)"},
    {O_RESUME, "--resume", 0, NULL, C_FIT, NULL,
     "continue the training saved in MODEL.ckpt (same input and options)"},
    {O_PROGRESS, "--progress", 0, NULL, C_FIT | C_CV, NULL,
     "show progress even when standard error is not a terminal"},

    {O_MAX_DISTANCE, "--max-distance", 1, "DIST", C_PREDICT | C_EVAL | C_PLOT, "auto none",
     "leave predictions farther than DIST (model units) from every training sample empty; "
     "auto: the model's own, ten median sample spacings; none: predict everywhere (default "
     "auto)"},
    {O_MASK, "--mask", 1, "POLYGONS", C_PREDICT | C_EVAL | C_PLOT, NULL,
     "leave predictions outside these polygons empty (any OGR source, reprojected to the "
     "model's CRS)"},
    {O_MASK_LAYER, "--mask-layer", 1, "NAME", C_PREDICT | C_EVAL | C_PLOT, NULL,
     "the layer of --mask (default: the first)"},
    {O_MASK_WHERE, "--mask-where", 1, "EXPR", C_PREDICT | C_EVAL | C_PLOT, NULL,
     "only the --mask features this OGR SQL attribute filter selects"},
    {O_COVARIATE, "--covariate", 1, "NAME=RASTER", C_PREDICT, NULL,
     "with --grid: the values of a covariate of the model, from any GDAL raster (resampled "
     "bilinearly to the grid; repeat for each covariate)"},
    {O_STD, "--std", 0, NULL, C_PREDICT, NULL,
     "also write each target's predictive standard deviation (NAME_std)"},
    {O_STD, "--std", 0, NULL, C_PLOT, NULL,
     "also draw each target's predictive standard deviation, a panel beside its value (a "
     "vector pair: the length of its error vector)"},
    {O_EXCEED, "--exceed", 1, "VALUE", C_PREDICT, NULL,
     "also write the probability that each target exceeds VALUE (NAME=VALUE,... for some "
     "targets) (NAME_p_exceed)"},
    {O_MAX_DISTANCE, "--max-distance", 1, "PIXELS", C_FILL, "none",
     "leave pixels farther than PIXELS from every valid pixel of their band empty (default "
     "100, as gdal_fillnodata -md; none: fill every hole)"},
    {O_GRID, "--grid", 1, "OUT", C_PREDICT, NULL,
     "write the field as a grid (GeoTIFF, COG, CSV, any GDAL raster; - for CSV on stdout)"},
    {O_RESOLUTION, "--resolution", 1, "XRES,YRES", C_PREDICT, NULL,
     "grid cell size (default: the model's cell size)"},
    {O_RESOLUTION, "-tr", 2, "XRES YRES", C_PREDICT, NULL, NULL},
    {O_EXACT_RES, "--exact-resolution", 0, NULL, C_PREDICT, NULL,
     "keep --resolution exactly and grow the extent to a whole number of pixels, as gdalwarp "
     "-tr does (default: the pixel count is rounded and the pixels fill the extent)"},
    {O_TAP, "--target-aligned-pixels", 0, NULL, C_PREDICT, NULL,
     "with --resolution: align the extent to multiples of the resolution, kept exactly, as "
     "gdalwarp -tap does"},
    {O_TAP, "--tap", 0, NULL, C_PREDICT, NULL, NULL},
    {O_TAP, "-tap", 0, NULL, C_PREDICT, NULL, NULL},
    {O_LIKE, "--like", 1, "RASTER", C_PREDICT, NULL,
     "write the grid of this raster: its extent, pixel size, size and CRS"},
    {O_OT, "--ot", 1, "TYPE", C_PREDICT,
     "Byte Int16 UInt16 Int32 UInt32 Float32 Float64",
     "raster grid: the bands' data type, any real GDAL type; predictions are rounded for "
     "integer types and clamped into the type's range, with a warning (default Float32)"},
    {O_OT, "-ot", 1, "TYPE", C_PREDICT, NULL, NULL},
    {O_NODATA, "--nodata", 1, "VALUE", C_PREDICT, NULL,
     "raster grid: the value of empty pixels, a number that fits --ot or nan (default nan; "
     "needed for integer types)"},
    {O_NODATA, "-a_nodata", 1, "VALUE", C_PREDICT, NULL, NULL},
    {O_CONTOURS, "--contours", 1, "INTERVAL", C_PREDICT, NULL,
     "with --grid: also write contour lines of the target every INTERVAL (a one-target "
     "model) to --contours-out"},
    {O_CONTOURS_OUT, "--contours-out", 1, "FILE", C_PREDICT, NULL,
     "the vector file of --contours: any OGR format by extension (.gpkg, .geojson, .shp, "
     ".fgb, ...)"},
    {O_OF, "--of", 1, "FORMAT", C_PREDICT, "CSV GTiff COG GPKG GeoJSON",
     "output format: for --grid CSV, GTiff, COG or any GDAL raster driver (default: from the "
     "extension, .csv or .tif); for points CSV or any OGR vector driver (default: from the "
     "extension, else CSV)"},
    {O_OF, "--of", 1, "FORMAT", C_FILL, "GTiff COG",
     "output format: any GDAL raster driver (default: the input's for the same extension, "
     "else from the extension)"},
    {O_OF, "-of", 1, "FORMAT", C_PREDICT | C_FILL, NULL, NULL},
    {O_OF, "--of", 1, "FORMAT", C_PLOT, "png svg pdf",
     "picture format: png, svg or pdf (default: from the extension of -o; png without one)"},
    {O_DST_CRS, "--dst-crs", 1, "CRS", C_PREDICT, NULL,
     "write the grid in this CRS (default: the model's)"},
    {O_DST_CRS, "-t_srs", 1, "CRS", C_PREDICT, NULL, NULL},
    {O_CO, "--co", 1, "KEY=VALUE", C_PREDICT, NULL,
     "GDAL creation option, repeatable (GeoTIFF default: TILED=YES COMPRESS=DEFLATE "
     "PREDICTOR=3)"},
    {O_CO, "--co", 1, "KEY=VALUE", C_FILL, NULL,
     "GDAL creation option, repeatable (GeoTIFF default: the input's compression, tiled)"},
    {O_CO, "-co", 1, "KEY=VALUE", C_PREDICT | C_FILL, NULL, NULL},

    {O_FOLDS, "--folds", 1, "K", C_CV, NULL, "number of folds (default 5)"},
    {O_SAMPLES, "--samples", 1, "FILE", C_PLOT, NULL,
     "draw these points as markers: a CSV (the model's coordinate columns, or lon/lat) or any "
     "OGR vector source, reprojected into the model's CRS"},
    {O_VECTOR, "--vector", 1, "EAST,NORTH", C_PLOT, NULL,
     "draw these two targets as arrows, or none (default: a model of two targets named u,v, "
     "east,north or dx,dy; any others are colour maps)"},
    {O_CMAP, "--cmap", 1, "NAME", C_PLOT, "viridis cividis diverging",
     "colour map: viridis (default), cividis or diverging (blue-white-red, centred on 0)"},
    {O_VMIN, "--vmin", 1, "V", C_PLOT, NULL,
     "value at the low end of the colour bars (default: the field's smallest)"},
    {O_VMAX, "--vmax", 1, "V", C_PLOT, NULL,
     "value at the high end of the colour bars (default: the field's largest)"},
    {O_LOG, "--log", 0, NULL, C_PLOT, NULL, "logarithmic colour bars (values above 0)"},
    {O_CONTOURS, "--contours", 1, "N", C_PLOT, NULL,
     "contour lines at about N round values across each colour bar"},
    {O_UNITS, "--units", 1, "TEXT", C_PLOT, NULL,
     "the targets' unit, shown on the colour bars and the arrow key"},
    {O_MARKER_SIZE, "--marker-size", 1, "PIXELS", C_PLOT, NULL,
     "diameter of the sample markers (default: from their number, 1.5 to 6)"},
    {O_MARKER_ALPHA, "--marker-alpha", 1, "A", C_PLOT, NULL,
     "opacity of the sample markers, 0.01 to 1 (default: lighter when they are many)"},
    {O_OVERLAY, "--overlay", 1, "FILE", C_PLOT, NULL,
     "draw the lines and polygon outlines of this OGR vector source on top (reprojected)"},
    {O_OVERLAY_LAYER, "--overlay-layer", 1, "NAME", C_PLOT, NULL,
     "the layer of --overlay to draw (default: the first)"},
    {O_POOLED, "--pooled", 0, NULL, C_EVAL | C_CV, NULL,
     "also report all targets pooled, the (all) row: for targets in the same units, such as "
     "u and v of one vector field (default: only with one target)"},
    {O_BLOCK, "--block", 1, "SIZE", C_CV, NULL,
     "spatial folds: whole square blocks of SIZE (in the model's units) go to one fold"},
};
const size_t opt_table_len = sizeof opt_table / sizeof *opt_table;

const char *opt_long_name(opt_id id)
{
    for (size_t i = 0; i < opt_table_len; i++)
        if (opt_table[i].id == id && opt_table[i].help)
            return opt_table[i].name;
    return "?";
}

/* Edit distance counting an adjacent transposition as one edit (optimal
 * string alignment), case-insensitive: "versoin" is one edit from "version". */
static size_t edit_distance(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    enum { MAXLEN = 64 };
    if (n >= MAXLEN || m >= MAXLEN)
        return (size_t)-1;
    size_t d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j - 1] + !same;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

const char *suggest_name(const char *word, size_t len, const char *const *names, size_t n)
{
    size_t core = len; /* leading dashes are not part of what was meant */
    for (const char *p = word; core && *p == '-'; p++)
        core--;
    size_t limit = core <= 3 ? 1 : 2, best = (size_t)-1;
    const char *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, len, names[i]);
        if (d <= limit && d < core && d < best) {
            best = d;
            pick = names[i];
        }
    }
    return pick;
}

/* The option of command cmd closest to a misspelt one, or NULL. */
static const char *suggest_option(const char *name, size_t len, unsigned cmd)
{
    const char *names[sizeof opt_table / sizeof *opt_table];
    size_t n = 0;
    for (size_t i = 0; i < opt_table_len; i++)
        if (opt_table[i].cmds & cmd)
            names[n++] = opt_table[i].name;
    return suggest_name(name, len, names, n);
}

static const opt_spec *find(const char *name, size_t len, unsigned cmd, int *other_cmd)
{
    *other_cmd = 0;
    for (size_t i = 0; i < opt_table_len; i++) {
        const opt_spec *o = &opt_table[i];
        if (strlen(o->name) != len || strncmp(o->name, name, len) != 0)
            continue;
        if (o->cmds & cmd)
            return o;
        *other_cmd = 1;
    }
    return NULL;
}

int args_parse(cli_args *a, const char *cmd_name, unsigned cmd, int argc, char **argv, int first)
{
    memset(a, 0, sizeof *a);
    a->cmd_name = cmd_name;
    a->cmd = cmd;
    int only_positional = 0;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->npos == MAX_POSITIONAL)
                return usage_error(cmd_name, "too many arguments");
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        int other;
        const opt_spec *o = find(arg, len, cmd, &other);
        if (!o) {
            if (other)
                return usage_error(cmd_name, "option '%.*s' does not apply to '%s'", (int)len,
                                   arg, cmd_name);
            const char *near = suggest_option(arg, len, cmd);
            if (near)
                return usage_error(cmd_name, "unknown option '%.*s'; did you mean '%s'?",
                                   (int)len, arg, near);
            return usage_error(cmd_name, "unknown option '%.*s'", (int)len, arg);
        }
        if (o->nargs == 0) {
            if (eq)
                return usage_error(cmd_name, "option '%s' takes no value", o->name);
            a->val[o->id] = "1";
            /* The later of --standardize / --no-standardize wins. */
            if (o->id == O_STANDARDIZE)
                a->val[O_NO_STANDARDIZE] = NULL;
            if (o->id == O_NO_STANDARDIZE)
                a->val[O_STANDARDIZE] = NULL;
            continue;
        }
        const char *v;
        if (eq) {
            if (o->nargs != 1)
                return usage_error(cmd_name, "option '%s' takes %d values", o->name, o->nargs);
            v = eq + 1;
        } else if (o->nargs == 1) {
            if (i + 1 >= argc)
                return usage_error(cmd_name, "option '%s' needs a value (%s)", o->name,
                                   o->metavar);
            v = argv[++i];
        } else {
            if (i + o->nargs >= argc)
                return usage_error(cmd_name, "option '%s' needs %d values (%s)", o->name,
                                   o->nargs, o->metavar);
            size_t n = 1;
            for (int k = 1; k <= o->nargs; k++)
                n += strlen(argv[i + k]) + 1;
            char *j = malloc(n);
            if (!j)
                return runtime_error("out of memory");
            j[0] = 0;
            for (int k = 1; k <= o->nargs; k++) {
                if (k > 1)
                    strcat(j, ",");
                strcat(j, argv[i + k]);
            }
            i += o->nargs;
            free(a->joined[o->id]);
            a->joined[o->id] = j;
            v = j;
        }
        if (o->id == O_COVARIATE) {
            if (a->ncovariate == MAX_REPEAT)
                return usage_error(cmd_name, "too many --covariate options (at most %d)",
                                   MAX_REPEAT);
            a->covariate[a->ncovariate++] = v;
        }
        if (o->id == O_CO) {
            if (a->nco == MAX_REPEAT)
                return usage_error(cmd_name, "too many --co options");
            if (!strchr(v, '='))
                return usage_error(cmd_name, "--co expects KEY=VALUE, got '%s'", v);
            a->co[a->nco++] = v;
        }
        /* one value per option: the last silently replaced the others */
        if (a->val[o->id] && o->id != O_COVARIATE && o->id != O_CO)
            return usage_error(cmd_name, "%s given twice ('%s' and '%s'); give it once%s",
                               opt_long_name(o->id), a->val[o->id], v,
                               o->metavar && strstr(o->metavar, "...")
                                   ? ", with the values separated by commas"
                                   : "");
        a->val[o->id] = v;
    }
    return 0;
}

/* Options that apply only together with another (or without it) are refused
 * otherwise, so that no option is ever silently ignored. What depends on the
 * kind of input (--band on a CSV) is checked when the input is opened
 * (input_options_check in inputs.c). */
int options_check(const cli_args *a)
{
    if (a->cmd == C_PREDICT) {
        static const opt_id grid_only[] = {O_BBOX, O_RESOLUTION, O_SIZE, O_DST_CRS, O_CO,
                                           O_COVARIATE, O_LIKE, O_TAP, O_EXACT_RES, O_OT,
                                           O_NODATA, O_CONTOURS, O_CONTOURS_OUT};
        static const opt_id points_only[] = {O_OUTPUT, O_X, O_Y, O_SRC_CRS, O_WHERE,
                                             O_DELIMITER, O_LAYER};
        const int grid = a->val[O_GRID] != NULL;
        for (size_t i = 0; !grid && i < sizeof grid_only / sizeof *grid_only; i++)
            if (a->val[grid_only[i]])
                return usage_error(a->cmd_name, "%s applies to --grid, not to predictions at "
                                                "points",
                                   opt_long_name(grid_only[i]));
        for (size_t i = 0; grid && i < sizeof points_only / sizeof *points_only; i++)
            if (a->val[points_only[i]])
                return usage_error(a->cmd_name, "%s applies to predictions at POINTS, not to "
                                                "--grid%s",
                                   opt_long_name(points_only[i]),
                                   points_only[i] == O_OUTPUT ? " (--grid names the output)"
                                                              : "");
    }
    if ((a->cmd & TRAIN) && a->val[O_HUBER_DELTA] &&
        !(a->val[O_LOSS] && strcmp(a->val[O_LOSS], "huber") == 0))
        return usage_error(a->cmd_name, "--huber-delta applies to --loss huber");
    return 0;
}

void args_free(cli_args *a)
{
    for (int i = 0; i < O_COUNT; i++)
        free(a->joined[i]);
    memset(a->joined, 0, sizeof a->joined);
}

int parse_long_strict(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

int parse_double_strict(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int arg_long(const cli_args *a, opt_id id, long def, long min, long max, long *out)
{
    const char *s = a->val[id];
    if (!s) {
        *out = def;
        return 0;
    }
    if (parse_long_strict(s, out) || *out < min || *out > max)
        return usage_error(a->cmd_name, "%s expects a whole number from %ld to %ld, got '%s'",
                           opt_long_name(id), min, max, s);
    return 0;
}

int arg_double(const cli_args *a, opt_id id, double def, double min, double max, double *out)
{
    const char *s = a->val[id];
    if (!s) {
        *out = def;
        return 0;
    }
    if (parse_double_strict(s, out) || *out < min || *out > max) {
        if (isinf(min) && isinf(max))
            return usage_error(a->cmd_name, "%s expects a finite number, got '%s'",
                               opt_long_name(id), s);
        return usage_error(a->cmd_name, "%s expects a number from %g to %g, got '%s'",
                           opt_long_name(id), min, max, s);
    }
    return 0;
}

int arg_doubles(const cli_args *a, opt_id id, int nmin, int n, double *out, int *got)
{
    const char *s = a->val[id];
    int k = 0;
    const char *p = s;
    char buf[128];
    while (p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (k == n || len >= sizeof buf)
            goto bad;
        memcpy(buf, p, len);
        buf[len] = 0;
        if (parse_double_strict(buf, &out[k]))
            goto bad;
        k++;
        p = c ? c + 1 : NULL;
    }
    if (k < nmin)
        goto bad;
    if (got)
        *got = k;
    return 0;
bad:
    if (nmin == n)
        return usage_error(a->cmd_name, "%s expects %d comma-separated numbers, got '%s'",
                           opt_long_name(id), n, s);
    return usage_error(a->cmd_name, "%s expects %d to %d comma-separated numbers, got '%s'",
                       opt_long_name(id), nmin, n, s);
}

int arg_choice(const cli_args *a, opt_id id, const char *choices, int def, int *out)
{
    const char *s = a->val[id];
    *out = def;
    if (!s)
        return 0;
    int k = 0;
    for (const char *p = choices; *p; k++) {
        size_t len = strcspn(p, " ");
        if (strlen(s) == len && strncmp(s, p, len) == 0) {
            *out = k;
            return 0;
        }
        p += len;
        while (*p == ' ')
            p++;
    }
    const char *names[16];
    char copy[128];
    size_t n = 0;
    snprintf(copy, sizeof copy, "%s", choices);
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && n < 16;
         t = strtok_r(NULL, " ", &save))
        names[n++] = t;
    const char *near = suggest_name(s, strlen(s), names, n);
    if (near)
        return usage_error(a->cmd_name, "%s expects one of: %s; got '%s' (did you mean '%s'?)",
                           opt_long_name(id), choices, s, near);
    return usage_error(a->cmd_name, "%s expects one of: %s; got '%s'", opt_long_name(id),
                       choices, s);
}

void options_help(unsigned cmd, void *fp)
{
    FILE *f = fp;
    for (size_t i = 0; i < opt_table_len; i++) {
        const opt_spec *o = &opt_table[i];
        if (!(o->cmds & cmd) || !o->help)
            continue;
        char left[96], alias[48] = "";
        for (size_t j = 0; j < opt_table_len; j++)
            if (opt_table[j].id == o->id && !opt_table[j].help && (opt_table[j].cmds & cmd)) {
                size_t n = strlen(alias);
                snprintf(alias + n, sizeof alias - n, "%s, ", opt_table[j].name);
            }
        snprintf(left, sizeof left, "%s%s%s%s", alias, o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        if (strlen(left) > 26)
            fprintf(f, "  %s\n  %-26s  %s\n", left, "", o->help);
        else
            fprintf(f, "  %-26s  %s\n", left, o->help);
    }
}

static const char *const cmd_names[] = {"fit", "predict", "eval", "info", "cv", "plot", "fill"};

void options_list(void *fp)
{
    FILE *f = fp;
    for (size_t i = 0; i < opt_table_len; i++) {
        const opt_spec *o = &opt_table[i];
        for (int c = 0; c < (int)(sizeof cmd_names / sizeof *cmd_names); c++)
            if (o->cmds & (1u << c))
                fprintf(f, "%s\t%s\t%d\t%s\t%s\t%s\n", cmd_names[c], o->name, o->nargs,
                        o->metavar ? o->metavar : "", o->choices ? o->choices : "",
                        o->help ? o->help : "");
    }
}
