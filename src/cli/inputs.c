/* Reading samples for fit, eval and cv; CRS choice and reprojection; thread
 * and delimiter options. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/memory.h"
#include "geoembed/model.h"
#include "geoembed/reproject.h"
#include "geoembed/where.h"
#include "cluster.h"
#include "inputs.h"
#include "progress.h"

int apply_threads(const cli_args *a)
{
    const char *v = a->val[O_THREADS];
    if (a->val[O_MAX_MEMORY]) {
        uint64_t limit;
        if (ge_parse_size(a->val[O_MAX_MEMORY], &limit))
            return usage_error(a->cmd_name, "--max-memory expects a size such as 512M or 4G, "
                                            "got '%s'", a->val[O_MAX_MEMORY]);
        ge_mem_set_limit(limit);
    }
    if (!v)
        return 0;
    /* every thread costs memory: more than the cores only when forced with T! */
    size_t n = strlen(v);
    int forced = n > 1 && v[n - 1] == '!';
    char num[32];
    long t;
    if (n - forced >= sizeof num || (memcpy(num, v, n - forced), num[n - forced] = 0,
                                     parse_long_strict(num, &t)) ||
        t < 1 || t > 1024)
        return usage_error(a->cmd_name, "--threads expects a whole number from 1 to 1024 "
                                        "(T! for more than the cores), got '%s'", v);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (!forced && cores >= 1 && t > cores) {
        say(2, "geoembed: --threads %ld: using the %ld cores (write %ld! to force more)\n", t,
            cores, t);
        t = cores;
    }
#ifdef _OPENMP
    omp_set_num_threads((int)t);
#endif
    return 0;
}

int delimiter_option(const cli_args *a, char *out)
{
    const char *d = a->val[O_DELIMITER];
    *out = 0;
    if (!d)
        return 0;
    if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0)
        *out = '\t';
    else if (strlen(d) == 1 && d[0] != '"' && d[0] != '\n' && d[0] != '\r')
        *out = d[0];
    else
        return usage_error(a->cmd_name, "--delimiter expects one character or 'tab', got '%s'", d);
    return 0;
}

static int band_list(const cli_args *a, int *bands, int *n)
{
    double v[GE_MAX_OUTPUTS];
    *n = 0;
    if (!a->val[O_BAND])
        return 0;
    if (arg_doubles(a, O_BAND, 1, GE_MAX_OUTPUTS, v, n))
        return EXIT_USAGE;
    for (int k = 0; k < *n; k++) {
        if (v[k] != floor(v[k]) || v[k] < 1 || v[k] > 65535)
            return usage_error(a->cmd_name, "--band expects band numbers from 1, got '%s'",
                               a->val[O_BAND]);
        bands[k] = (int)v[k];
    }
    return 0;
}

/* Options that only some kinds of input use; any other option of the table
 * applies to every input its command reads. */
static const struct {
    opt_id id;
    unsigned kinds; /* bits 1 << ge_source_kind */
    const char *what;
} input_opts[] = {
    {O_X, 1u << GE_SOURCE_CSV, "CSV input"},
    {O_Y, 1u << GE_SOURCE_CSV, "CSV input"},
    {O_DELIMITER, 1u << GE_SOURCE_CSV, "CSV input"},
    {O_LAYER, 1u << GE_SOURCE_VECTOR, "vector sources"},
    {O_WHERE, 1u << GE_SOURCE_CSV | 1u << GE_SOURCE_VECTOR, "CSV input and vector sources"},
    {O_BAND, 1u << GE_SOURCE_RASTER, "raster input"},
    {O_MAX_SAMPLES, 1u << GE_SOURCE_RASTER, "raster input"},
    {O_WEIGHT, 1u << GE_SOURCE_CSV | 1u << GE_SOURCE_VECTOR, "CSV input and vector sources"},
    {O_SIGMA, 1u << GE_SOURCE_CSV | 1u << GE_SOURCE_VECTOR, "CSV input and vector sources"},
    {O_COVARIATES, 1u << GE_SOURCE_CSV | 1u << GE_SOURCE_VECTOR, "CSV input and vector sources"},
    {O_GROUP, 1u << GE_SOURCE_CSV | 1u << GE_SOURCE_VECTOR, "CSV input and vector sources"},
};

int input_options_check(const cli_args *a, ge_source_kind kind, const char *path)
{
    static const char *const kinds[] = {"", "a CSV file", "a vector source", "a raster"};
    const char *shown = strcmp(path, "-") ? path : "<stdin>";
    for (size_t i = 0; i < sizeof input_opts / sizeof *input_opts; i++)
        if (a->val[input_opts[i].id] && !(input_opts[i].kinds & 1u << kind))
            return usage_error(a->cmd_name, "%s does not apply to %s (%s); it is for %s",
                               opt_long_name(input_opts[i].id), shown, kinds[kind],
                               input_opts[i].what);
    if (kind == GE_SOURCE_RASTER && a->val[O_BAND] && a->val[O_TARGET])
        return usage_error(a->cmd_name, "give --band or --target (band names), not both");
    if (kind == GE_SOURCE_CSV && a->val[O_WHERE]) { /* a syntax error is a usage error */
        ge_error err;
        ge_where *w = ge_where_parse(a->val[O_WHERE], &err);
        if (!w)
            return usage_error(a->cmd_name, "%s", err.msg);
        ge_where_free(w);
    }
    return 0;
}

typedef struct {
    const cli_args *a;
    const char *path;
    int refused; /* the usage error is printed */
} kind_check;

static int check_kind(void *ctx, ge_source_kind kind, ge_error *err)
{
    kind_check *k = ctx;
    if (!input_options_check(k->a, kind, k->path))
        return 0;
    k->refused = 1;
    return ge_fail(err, "option does not apply");
}

/* The flag a command's signal handler sets (inputs_stop_on). */
static volatile sig_atomic_t *g_stop;

void inputs_stop_on(volatile sig_atomic_t *flag) { g_stop = flag; }

static void reading_progress(void *ctx, double done, double total)
{
    counter_update(ctx, done, total);
}

int target_rasters_list(const cli_args *a, ge_target_source **t, int *n)
{
    ge_error err;
    if (ge_target_sources(a->val[O_TARGET], t, n, &err))
        return usage_error(a->cmd_name, "--target: %s", err.msg);
    return 0;
}

int target_rasters_input(cli_args *a)
{
    const char *list = a->val[O_TARGET];
    if (a->npos > 0 || !list || !strchr(list, '='))
        return 0;
    if (a->val[O_BAND])
        return usage_error(a->cmd_name, "--band does not apply to --target NAME=RASTER,...; "
                                        "choose a band as NAME=RASTER:BAND");
    ge_target_source *t;
    int n;
    if (target_rasters_list(a, &t, &n))
        return EXIT_USAGE;
    ge_target_sources_free(t, n);
    a->pos[0] = list;
    a->npos = 1;
    a->target_rasters = 1;
    return 0;
}

int read_samples(const cli_args *a, const char *path, int need_targets, ge_samples *s)
{
    return read_samples_for(a, path, NULL, NULL, need_targets ? "" : NULL, s);
}

void report_targets(const cli_args *a, const ge_samples *s)
{
    char line[2048];
    size_t at = 0;
    if (!a->val[O_TARGET]) {
        at += (size_t)snprintf(line, sizeof line, "geoembed: %s: targets ", a->cmd_name);
        for (int k = 0; k < s->O && at < sizeof line; k++)
            at += (size_t)snprintf(line + at, sizeof line - at, "%s%s", k ? ", " : "",
                                   s->targets[k]);
        if (s->left_out && at < sizeof line)
            at += (size_t)snprintf(line + at, sizeof line - at,
                                   "; left out %s: name them with --target to fit them",
                                   s->left_out);
        if (at < sizeof line)
            say(2, "%s\n", line);
    }
    at = 0;
    unsigned long miss[GE_MAX_OUTPUTS] = {0};
    for (int k = 0; k < s->O; k++)
        for (size_t i = 0; i < s->M; i++)
            miss[k] += isnan(s->y[i * s->O + k]);
    if (cluster_samples_kept()) /* every process's share */
        cluster_sum(miss, s->O);
    for (int k = 0; k < s->O; k++)
        if (miss[k] && at < sizeof line)
            at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %lu", at ? ", " : "",
                                   s->targets[k], miss[k]);
    if (at)
        say(2, "geoembed: %s: values missing (each sample still teaches its other targets): "
               "%s\n",
            a->cmd_name, line);
    if (s->skipped_weight)
        say(2, "geoembed: %s: %zu samples of weight 0 left out\n", a->cmd_name,
            s->skipped_weight);
    if (s->skipped_covariate)
        say(2, "geoembed: %s: %zu samples without a value of some covariate left out\n",
            a->cmd_name, s->skipped_covariate);
}

/* The model whose covariates the next read takes (inputs_covariates_of). */
static const ge_covariates *g_model_cov;

void inputs_covariates_of(const ge_covariates *cov) { g_model_cov = cov && cov->P ? cov : NULL; }

int read_samples_for(const cli_args *a, const char *path, const char *xcol, const char *ycol,
                     const char *targets, ge_samples *s)
{
    int bands[GE_MAX_OUTPUTS], nb;
    long maxs = 0, seed = 0;
    ge_sample_opts o = {.x = a->val[O_X], .y = a->val[O_Y], .x_hint = xcol, .y_hint = ycol,
                        .targets = a->val[O_TARGET], .need_targets = targets != NULL,
                        .layer = a->val[O_LAYER], .where = a->val[O_WHERE]};
    if (!o.targets && targets && *targets)
        o.targets = targets;
    if (a->val[O_WEIGHT] && a->val[O_SIGMA])
        return usage_error(a->cmd_name, "give --weight or --sigma, not both");
    o.weight = a->val[O_WEIGHT] ? a->val[O_WEIGHT] : a->val[O_SIGMA];
    o.weight_is_sigma = a->val[O_SIGMA] != NULL;
    if (a->val[O_CATEGORICAL] && !a->val[O_COVARIATES])
        return usage_error(a->cmd_name, "--categorical applies to --covariates");
    o.covariates = a->val[O_COVARIATES];
    o.group = targets ? a->val[O_GROUP] : NULL;
    o.categorical = a->val[O_CATEGORICAL];
    const int stacked = a->target_rasters && path == a->pos[0]; /* one raster per target */
    if (a->val[O_TARGET] && targets && !stacked) { /* a repeated or empty name: usage error */
        char **names;
        int n;
        ge_error why;
        if (ge_target_list(a->val[O_TARGET], &names, &n, &why))
            return usage_error(a->cmd_name, "--target: %s", why.msg);
        ge_target_list_free(names, n);
    }
    if (delimiter_option(a, &o.delimiter) || band_list(a, bands, &nb) ||
        arg_long(a, O_MAX_SAMPLES, 0, 1, 1L << 40, &maxs) || arg_long(a, O_SEED, 0, 0, 1L << 62, &seed))
        return EXIT_USAGE;
    ge_target_source *rasters = NULL;
    int nrasters = 0;
    if (stacked && target_rasters_list(a, &rasters, &nrasters))
        return EXIT_USAGE;
    char *model_cov = NULL;
    if (g_model_cov) { /* the model's covariates, their classes as the model has them */
        char *names[GE_MAX_COVARIATES];
        for (int j = 0; j < g_model_cov->P; j++)
            names[j] = g_model_cov->c[j].name;
        if (!(model_cov = ge_target_list_join(names, g_model_cov->P))) {
            ge_target_sources_free(rasters, nrasters);
            return runtime_error("out of memory");
        }
        o.covariates = model_cov;
        o.classes_of = g_model_cov;
    }
    o.bands = nb ? bands : NULL;
    o.nbands = nb;
    o.max_samples = (size_t)maxs;
    o.seed = (unsigned long long)seed;
    kind_check kc = {a, path, 0};
    o.check_kind = check_kind;
    o.check_ctx = &kc;
    char label[64];
    snprintf(label, sizeof label, "geoembed: %s: reading", a->cmd_name);
    counter cnt;
    counter_init(&cnt, label, "rows");
    o.progress = reading_progress;
    o.progress_ctx = &cnt;
    o.stop = g_stop;
    /* under mpirun a CSV file's rows are parsed by shares, then joined
     * (cluster.h); rows whose meaning depends on the rows before them
     * (classes of covariates, groups in order seen) are read whole */
    const int shared = cluster_size() > 1 && !rasters && strcmp(path, "-") != 0 &&
                       ge_is_csv_path(path) && !o.covariates && !o.group;
    if (shared) {
        o.share = cluster_csv_share;
        o.progress = NULL; /* rank 0's count would be its share's */
    }
    ge_error err;
    int bad = rasters ? ge_samples_read_rasters(rasters, nrasters, path, &o, s, &err)
                      : ge_samples_read(path, &o, s, &err);
    ge_target_sources_free(rasters, nrasters);
    free(model_cov);
    counter_done(&cnt);
    if (bad && g_stop && *g_stop)
        return EXIT_RUNTIME; /* the command says it was interrupted */
    if (bad && shared && cluster_failed())
        return cluster_failed(); /* agreed on while sharing, and said */
    if (bad)
        return kc.refused ? EXIT_USAGE : fail_with(&err);
    /* the rows stay with the processes that parsed them (fit routes them,
     * cluster.h) unless a step needs them all first: a model to start
     * from, or several inputs; the default targets' check is made on the
     * processes' summaries of their rows */
    const int suspects = o.need_targets && !o.targets && s->O > 1;
    const int keep = shared && a->cmd == C_FIT && a->npos == 1 && !a->val[O_INIT] &&
                     !a->val[O_RESUME];
    int rc = keep && suspects ? cluster_samples_suspects(s) : 0;
    if (!rc && keep)
        rc = cluster_samples_keep(path, s);
    else if (!rc && shared)
        rc = cluster_samples_join(path, s, o.weight != NULL, suspects);
    if (rc) {
        ge_samples_free(s);
        return rc;
    }
    if (cluster_total(s->M) == 0) {
        int rc = runtime_error("%s: no samples%s", path,
                               s->skipped_weight    ? " with a weight above 0"
                               : s->skipped_missing ? " with a target value"
                                                    : "");
        ge_samples_free(s);
        return rc;
    }
    if (s->centroids)
        say(2, "geoembed: %s: %zu non-point features taken at their centroid\n", path,
            s->centroids);
    if (s->skipped_geometry)
        say(2, "geoembed: %s: %zu features without a geometry skipped\n", path,
            s->skipped_geometry);
    return 0;
}

/* Points read in a geographic CRS are longitudes and latitudes in degrees:
 * a latitude beyond a pole is a mistake in the data (or in the CRS), not a
 * place to predict at; so is a longitude outside -180..360 when LON_TOO
 * (lon/lat columns taken as EPSG:4326). HOW says where the CRS came from. */
static int check_degrees(const cli_args *a, const ge_samples *s, int lon_too, const char *how)
{
    for (size_t i = 0; i < s->M; i++) {
        double lon = s->xy[2 * i], lat = s->xy[2 * i + 1];
        if ((lon_too && (lon < -180 || lon > 360)) || lat < -90 || lat > 90) {
            char where[1100];
            ge_sample_where(s, a->pos[a->npos - 1], i, where, sizeof where);
            if (s->crs) /* a vector source: no columns to name */
                return runtime_error("%s: (%g, %g) is not a longitude/latitude in degrees "
                                     "(%s)",
                                     where, lon, lat, how);
            return runtime_error("%s: (%g, %g) is not a longitude/latitude in degrees; "
                                 "columns '%s'/'%s' are read %s",
                                 where, lon, lat, s->xcol, s->ycol, how);
        }
    }
    return 0;
}

int samples_crs(const cli_args *a, const ge_samples *s, const char *model_wkt, char **wkt)
{
    ge_error err;
    const char *how = NULL;
    *wkt = NULL;
    if (a->val[O_SRC_CRS]) {
        if (!(*wkt = ge_crs_to_wkt(a->val[O_SRC_CRS], &err)))
            return usage_error(a->cmd_name, "--src-crs: %s", err.msg);
        how = "in the CRS of --src-crs";
    } else if (s->crs) {
        *wkt = strdup(s->crs);
        how = "the input's CRS is geographic";
    } else if (s->lonlat && !(model_wkt && *model_wkt && ge_crs_is_geographic(model_wkt))) {
        how = "as EPSG:4326 (give --src-crs otherwise)";
        int rc = check_degrees(a, s, 1, how);
        if (rc)
            return rc;
        return (*wkt = ge_crs_to_wkt("EPSG:4326", &err)) ? 0 : fail_with(&err);
    } else if (model_wkt) {
        *wkt = strdup(model_wkt);
        how = "in the model's CRS (give --src-crs otherwise)";
    } else {
        *wkt = strdup("");
    }
    if (!*wkt)
        return runtime_error("out of memory");
    /* a longitude outside -180..360 names a meridian the wrap finds */
    if (how && ge_crs_is_geographic(*wkt)) {
        int rc = check_degrees(a, s, 0, how);
        if (rc) {
            free(*wkt);
            *wkt = NULL;
            return rc;
        }
    }
    return 0;
}

int degrees_box_check(const cli_args *a, opt_id opt, double xmin, double ymin, double xmax,
                      double ymax)
{
    if (ymin < -90 || ymax > 90)
        return usage_error(a->cmd_name, "%s: latitudes run from -90 to 90 in a geographic CRS, "
                                        "got %g to %g",
                           opt_long_name(opt), ymin, ymax);
    if (xmin < -180 || xmax > 360 || xmax - xmin > 360)
        return usage_error(a->cmd_name, "%s: longitudes %g to %g: a geographic box lies within "
                                        "-180 to 360 and spans at most 360 degrees",
                           opt_long_name(opt), xmin, xmax);
    return 0;
}

int no_crs_to_reproject_into(const cli_args *a, const char *input_crs, const char *path)
{
    if (a->val[O_SRC_CRS])
        return usage_error(a->cmd_name, "--src-crs: the model has no CRS to reproject the points "
                                        "into; its coordinates are planar");
    if (input_crs && *input_crs) {
        char *name = ge_crs_name(input_crs);
        say(1, "geoembed: %s: warning: %s is in %s but the model has no CRS: its coordinates are "
               "taken as the model's\n",
            a->cmd_name, path, name ? name : "a CRS");
        free(name);
    }
    return 0;
}

int samples_to_crs(const cli_args *a, ge_samples *s, const char *src, const char *dst)
{
    ge_error err;
    int same;
    if (dst && *dst && (!src || !*src))
        return usage_error(a->cmd_name, "the input has no CRS to reproject from; give --src-crs");
    ge_transform *t = ge_transform_new(src, dst, &same, &err);
    if (!t)
        return same ? 0 : fail_with(&err);
    size_t bad = cluster_total(ge_transform_points(t, s->xy, s->M));
    ge_transform_free(t);
    if (bad)
        return runtime_error("%s: %zu of %zu points cannot be transformed to the model's CRS",
                             a->pos[a->npos - 1], bad, cluster_total(s->M));
    return 0;
}
