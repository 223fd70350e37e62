/* geoembed fit INPUT -o MODEL: read samples, choose settings, train, save. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cluster.h"
#include "commands.h"
#include "display.h"
#include "geoembed/checkpoint.h"
#include "geoembed/crs.h"
#include "geoembed/fit.h"
#include "geoembed/memory.h"
#include "geoembed/model_stripes.h"
#include "geoembed/modelfile.h"
#include "geoembed/outfile.h"
#include "fit_inputs.h"
#include "groups.h"
#include "inputs.h"
#include "progress.h"
#include "settings.h"
#include "trainjob.h"

static volatile sig_atomic_t stop_signal, interruptions;

static void on_signal(int sig)
{
    stop_signal = sig;
    interruptions++;
}

static void catch_signals(int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on ? on_signal : SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* A signal before training began: nothing to save. */
static int interrupted_early(void)
{
    say(1, "geoembed: fit: interrupted before training began; nothing written\n");
    return stop_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
}

/* A signal during the exact solve (after the penalty search): a solve cut
 * short is no model, so nothing is written (what). */
static int interrupted_solving(const char *what)
{
    say(1, "geoembed: fit: interrupted while solving; %s\n", what);
    return stop_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
}

static int inside(const ge_shape *s, double x, double y)
{
    return x >= s->xmin && x <= s->xmin + s->width && y >= s->ymin && y <= s->ymin + s->height;
}

/* Brings samples into a wrapped exterior (longitude 200 is -160 on a
 * -180..180 globe) and drops those outside it (the library would clamp them);
 * per_group[g] (when given) counts those of group g. */
static int keep_inside(const cli_args *a, const ge_shape *sh, ge_samples *s, size_t *skipped,
                       size_t *per_group)
{
    size_t k = 0;
    for (size_t i = 0; i < s->M; i++) {
        ge_model_wrap_point(sh, &s->xy[2 * i], &s->xy[2 * i + 1]);
        if (!inside(sh, s->xy[2 * i], s->xy[2 * i + 1])) {
            if (a->val[O_STRICT]) {
                char where[1100];
                ge_sample_where(s, a->pos[0], i, where, sizeof where);
                return runtime_error("%s: (%.17g, %.17g) lies outside the exterior (--strict)",
                                     where, s->xy[2 * i], s->xy[2 * i + 1]);
            }
            if (per_group)
                per_group[s->group[i]]++;
            continue;
        }
        ge_samples_move(s, i, k++);
    }
    *skipped = s->M - k;
    s->M = k;
    return 0;
}

/* --init: the shape, standardisation and CRS come from the model. */
static int fit_init_model(const cli_args *a, const ge_samples *s, ge_model *m, ge_meta *init_meta,
                          fit_settings *fs)
{
    static const opt_id shape_opts[] = {O_SIZE, O_FEATURES, O_PADDING, O_BBOX, O_EXTERIOR, O_CRS};
    for (size_t i = 0; i < sizeof shape_opts / sizeof *shape_opts; i++)
        if (a->val[shape_opts[i]])
            return usage_error(a->cmd_name, "%s cannot be combined with --init (it comes from "
                                            "the model)",
                               opt_long_name(shape_opts[i]));
    ge_error err;
    if (ge_model_load(a->val[O_INIT], m, init_meta, &err))
        return fail_with(&err);
    /* --wrap and --readout may restate the model's own (the reference command does) */
    int wrap, readout;
    if (arg_choice(a, O_WRAP, "none x y xy", (int)m->s.wrap, &wrap) ||
        arg_choice(a, O_READOUT, "cell bilinear", (int)m->s.readout, &readout))
        return EXIT_USAGE;
    if (wrap != (int)m->s.wrap || readout != (int)m->s.readout)
        return usage_error(a->cmd_name, "--%s differs from the --init model's; it comes from the "
                                        "model",
                           wrap != (int)m->s.wrap ? "wrap" : "readout");
    if ((a->val[O_NO_STANDARDIZE] && init_meta->standardized) ||
        (a->val[O_STANDARDIZE] && !init_meta->standardized))
        return usage_error(a->cmd_name, "%s differs from the --init model's; it comes from the "
                                        "model",
                           a->val[O_STANDARDIZE] ? "--standardize" : "--no-standardize");
    if (m->s.O != s->O)
        return runtime_error("%s: the --init model has %d outputs but the input has %d targets",
                             a->val[O_INIT], m->s.O, s->O);
    /* gradient training does not fit covariate coefficients: the field would
     * be trained as if they were not there, and predictions add them */
    if (m->cov.P > 0)
        return usage_error(a->cmd_name, "--init: %s has covariates, which only the exact solve "
                                        "fits; fit it again without --init",
                           a->val[O_INIT]);
    /* a model of another quantity starts nothing useful: its outputs would
     * be trained into this target with that one's name and standardisation */
    for (int k = 0; k < s->O && init_meta->targets; k++)
        if (init_meta->targets[k] && strcmp(init_meta->targets[k], s->targets[k]) != 0)
            return runtime_error("%s: the --init model's target %d is '%s', the input's is '%s' "
                                 "(choose the same targets with --target)",
                                 a->val[O_INIT], k + 1, init_meta->targets[k], s->targets[k]);
    int rc = settings_training(a, s, fs);
    if (rc)
        return rc;
    fs->shape = m->s;
    if (settings_smooth(a, 0, m->s.readout == GE_READOUT_BILINEAR ? init_meta->smooth : 0, fs) ||
        settings_method(a, fs))
        return EXIT_USAGE;
    fs->standardize = init_meta->standardized;
    return 0;
}

/* Before any data is read: an output that is the input is refused, and one
 * whose directory cannot take the file fails now rather than after the fit
 * (checked by creating and dropping the temporary file the save would use;
 * streams and devices are left to the save). */
/* Long enough for any name a person gives; short enough for every output's
 * names (netCDF's variables hold 256 bytes, with a suffix such as _std). */
#define MAX_TARGET_NAME 200

static int check_output(const cli_args *a)
{
    const char *out = a->val[O_OUTPUT];
    ge_error err;
    struct stat st;
    if (strcmp(out, "-") == 0)
        return 0;
    for (int i = 0; i < a->npos && !a->target_rasters; i++)
        if (strcmp(a->pos[i], "-") != 0 && ge_output_is_input(out, a->pos[i], &err))
            return usage_error("fit", "%s", err.msg);
    if (a->target_rasters) {
        ge_target_source *t;
        int n, same = 0;
        if (target_rasters_list(a, &t, &n))
            return EXIT_USAGE;
        for (int k = 0; k < n && !same; k++)
            same = ge_output_is_input(out, t[k].source, &err);
        ge_target_sources_free(t, n);
        if (same)
            return usage_error("fit", "%s", err.msg);
    }
    if (stat(out, &st) == 0 && !S_ISREG(st.st_mode))
        return 0;
    ge_outfile probe;
    if (ge_outfile_open(&probe, out, &err))
        return fail_with(&err);
    ge_outfile_abort(&probe);
    return 0;
}

/* The distributed solver of an MPI run (cluster.h) when it can take the fit:
 * the exact squared error without covariates; the uncertainty's draws are
 * left out unless asked for. Otherwise one process falls back to the local
 * solver and several refuse. */
static int choose_backend(const cli_args *a, const ge_samples *s, fit_settings *fs,
                          const ge_backend **be)
{
    *be = cluster_backend();
    if (!*be)
        return 0;
    if (fs->method == GE_METHOD_EXACT && fs->train.loss.kind == GE_LOSS_MSE && s->cov.P == 0 &&
        (fs->draws == 0 || !a->val[O_DRAWS])) {
        fs->draws = 0;
        return 0;
    }
    *be = NULL;
    if (cluster_size() == 1)
        return 0;
    return runtime_error("fit: under mpirun the distributed solver fits the exact squared error "
                         "only (no --loss l1/huber, gradient training, covariates or --draws)");
}

/* A step that may fail on some processes only, where each keeps its share
 * of the samples (cluster.h): all of them agree on its status before the
 * next collective step. */
static int agreed(int rc) { return cluster_samples_kept() ? cluster_agree(rc) : rc; }

/* The samples a fit under mpirun was read into, by share. */
typedef struct {
    size_t total, *ids; /* routed: this process's numbers among total; 0: all here */
    double spacing;      /* routed: the whole data's (0: none) */
} routed_samples;

/* Kept shares go to the process whose stripe holds their first read-out
 * cell when the distributed solver fits them whole (cluster_route), with
 * the spacing of all samples measured first; otherwise (groups, or a fit
 * without it) every process receives them all. */
static int route_or_join(const cli_args *a, ge_samples *s, const fit_settings *fs,
                         const ge_backend *backend, size_t total, routed_samples *r)
{
    if (!cluster_samples_kept())
        return 0;
    if (!backend || s->group)
        return cluster_samples_join(a->pos[0], s, s->w != NULL, 0);
    /* the spacing measured by the settings, unless samples were left out since */
    double nn = total == fs->spacing_M
                    ? fs->spacing
                    : cluster_spacing(&fs->shape, s->xy, s->M, 20000, fs->train.seed);
    r->spacing = isfinite(nn) && nn > 0 ? nn : 0;
    return cluster_route(&fs->shape, s, &r->ids, &r->total);
}

/* Bytes a process of a distributed fit holds for its stripe of the model
 * (learn.h): the embedding, the fields and the coverage's sweep of its rows
 * and their halo. The distributed solver checks its own before its set-up
 * (dsolve.h). */
static double stripe_bytes(const ge_shape *sh, int R)
{
    const double rows = ceil((double)sh->W / R) + 2.0 * (sh->p0 > 1 ? sh->p0 : 1);
    return rows * sh->H * (8.0 * sh->N + 8.0 * sh->O + 36.0);
}

/* -v: the rows of the model each process held, where the distributed
 * solver fitted it in stripes (learn.h: no process held the whole grid). */
static void tell_stripes(const ge_model *m)
{
    if (!m->part)
        return;
    const int R = cluster_size();
    char list[2048] = "";
    for (int r = 0; r < R; r++) {
        size_t at = strlen(list);
        int w0, w1;
        ge_stripe_rows(m->s.W, r, R, &w0, &w1);
        snprintf(list + at, sizeof list - at, "%s%d-%d", r ? ", " : "", w0, w1 - 1);
    }
    say(3, "geoembed: fit: rows of the model's %d held by %d processes: %s (the embedding %d "
           "more either side)\n",
        m->s.W, R, list, m->s.p0);
}

static const char *basename_of(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* The model's CRS: --crs (samples reprojected into it), the --init model's,
 * or the samples' own. */
static int resolve_crs(const cli_args *a, ge_samples *s, const ge_meta *init, char **model_crs)
{
    char *src = NULL;
    ge_error err;
    int rc = agreed(samples_crs(a, s, init ? init->crs : NULL, &src));
    if (rc) {
        free(src);
        return rc;
    }
    const char *dst_def = a->val[O_CRS];
    if (init && *init->crs) {
        *model_crs = strdup(init->crs);
    } else if (dst_def) {
        if (!(*model_crs = ge_crs_to_wkt(dst_def, &err))) {
            free(src);
            return usage_error("fit", "--crs: %s", err.msg);
        }
    } else {
        *model_crs = src;
        return *model_crs ? 0 : runtime_error("out of memory");
    }
    rc = samples_to_crs(a, s, src, *model_crs);
    free(src);
    return rc;
}

/* The base names of the rasters of --target NAME=RASTER,... */
static char *raster_names(const cli_args *a)
{
    ge_target_source *t;
    int n;
    if (target_rasters_list(a, &t, &n))
        return NULL;
    char *names[GE_MAX_OUTPUTS];
    for (int k = 0; k < n; k++)
        names[k] = (char *)basename_of(t[k].source);
    char *out = ge_target_list_join(names, n);
    ge_target_sources_free(t, n);
    return out;
}

/* The inputs' base names, comma separated ("<stdin>" for -). */
static char *source_names(const cli_args *a)
{
    if (a->target_rasters)
        return raster_names(a);
    size_t n = 1;
    for (int i = 0; i < a->npos; i++)
        n += strlen(a->pos[i]) + 10;
    char *out = malloc(n);
    if (!out)
        return NULL;
    out[0] = 0;
    for (int i = 0; i < a->npos; i++) {
        if (i)
            strcat(out, ", ");
        strcat(out, strcmp(a->pos[i], "-") ? basename_of(a->pos[i]) : "<stdin>");
    }
    return out;
}

static int fill_meta(ge_meta *meta, const cli_args *a, const ge_samples *s, const fit_settings *fs,
                     const ge_learn_result *res, size_t samples, size_t skipped)
{
    /* Called before training (for checkpoints) and after: replace all but the CRS. */
    char *crs = meta->crs;
    meta->crs = NULL;
    ge_meta_free(meta);
    meta->crs = crs;
    meta->xcol = strdup(s->xcol);
    meta->ycol = strdup(s->ycol);
    meta->source = source_names(a);
    if (!meta->xcol || !meta->ycol || !meta->source || ge_meta_set_targets(meta, s->O, s->targets))
        return -1;
    meta->loss = fs->train.loss.kind;
    meta->huber_delta = fs->train.loss.delta;
    const int exact = fs->method == GE_METHOD_EXACT;
    meta->optimizer = exact ? GE_OPT_EXACT : fs->train.optim.kind;
    meta->lr = exact ? 0 : fs->train.optim.lr;
    meta->smooth = fs->smooth_auto ? res->smooth : fs->train.smooth;
    meta->standardized = fs->standardize;
    meta->epochs = res->fit.epochs_run;
    meta->best_epoch = res->fit.best_epoch;
    meta->batch_size = fs->train.batch_size;
    meta->seed = fs->train.seed;
    meta->samples = samples;
    meta->skipped = skipped;
    /* the data term of the saved parameters (the epoch loop's figure is the
     * loss before its last step, penalty included) */
    meta->train_loss = res->train_loss;
    meta->valid_loss = exact ? NAN : res->fit.valid_loss;
    /* a raster's own grid is predict's default, while the model keeps its CRS */
    if (s->raster_grid && !a->val[O_CRS] && !a->val[O_INIT]) {
        meta->has_grid = 1;
        memcpy(meta->grid_gt, s->raster_gt, sizeof meta->grid_gt);
        meta->grid_cols = (uint64_t)s->raster_cols;
        meta->grid_rows = (uint64_t)s->raster_rows;
    }
    return 0;
}

/* What a checkpoint must match to be resumed: the samples as trained on and
 * every setting that shapes the trajectory. */
static uint64_t fingerprint(const ge_samples *s, const fit_settings *fs)
{
    uint64_t h = ge_fingerprint(0, s->xy, s->M * 2 * sizeof *s->xy);
    h = ge_fingerprint(h, s->y, s->M * (size_t)s->O * sizeof *s->y);
    /* Field by field: structs have padding bytes of no fixed value. */
    const ge_shape *sh = &fs->shape;
    const ge_train_opts *t = &fs->train;
    const double v[] = {sh->W, sh->H, sh->N, sh->p0, sh->p1, sh->O, sh->xmin, sh->ymin,
                        sh->width, sh->height, sh->wrap, sh->readout, t->loss.kind,
                        t->loss.delta, t->optim.kind, t->optim.lr, t->optim.beta1,
                        t->optim.beta2, t->optim.eps, t->optim.momentum,
                        fs->smooth_auto ? -1 : t->smooth, (double)t->batch_size, (double)t->seed,
                        (double)fs->epochs, (double)fs->patience, fs->validation,
                        fs->standardize};
    return ge_fingerprint(h, v, sizeof v);
}

typedef struct {
    char *path;
    ge_meta *meta;
    uint64_t fingerprint;
} ckpt_ctx;

static int save_checkpoint(void *ctx, const ge_model *m, const ge_fit_state *st, ge_error *err)
{
    ckpt_ctx *c = ctx;
    c->meta->epochs = st->res.epochs_run;
    c->meta->best_epoch = st->res.best_epoch;
    c->meta->train_loss = st->res.train_loss;
    c->meta->valid_loss = st->res.valid_loss;
    if (ge_checkpoint_save(c->path, m, c->meta, st, c->fingerprint, err))
        return -1;
    say(3, "geoembed: fit: checkpoint after epoch %ld in %s\n", st->epoch, c->path);
    return 0;
}

static char *checkpoint_path(const char *model)
{
    size_t n = strlen(model) + 6;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.ckpt", model);
    return p;
}

/* --group: no group's model file is an input (checked before any is fit). */
static int check_group_outputs(const cli_args *a, const ge_samples *s)
{
    ge_error err;
    int rc = 0;
    for (size_t g = 0; g < s->ngroups && !rc; g++) {
        char *path = group_output_path(a->val[O_OUTPUT], s->groups[g]);
        if (!path)
            rc = runtime_error("out of memory");
        for (int i = 0; i < a->npos && !rc; i++)
            if (strcmp(a->pos[i], "-") != 0 && ge_output_is_input(path, a->pos[i], &err))
                rc = usage_error("fit", "%s", err.msg);
        free(path);
    }
    return rc;
}

/* --group: one model per group, each fit on its group's samples on the grid
 * of all, saved as group_output_path names it, in the groups' order. */
static int fit_groups(const cli_args *a, const ge_samples *s, const fit_settings *fs,
                      const train_job *j, ge_meta *meta, const size_t *order,
                      const size_t *outside_g)
{
    size_t *start = NULL, *members = group_members(s, &start);
    ge_error err;
    int rc = members ? 0 : runtime_error("out of memory");
    if (!rc)
        say(2, "geoembed: fit: %zu groups of '%s', a model each on this grid\n", s->ngroups,
            a->val[O_GROUP]);
    for (size_t k = 0; k < s->ngroups && !rc; k++) {
        const size_t g = order[k];
        const char *name = s->groups[g];
        const size_t *idx = members + start[g], n = start[g + 1] - start[g];
        char *path = group_output_path(a->val[O_OUTPUT], name);
        if (!path) {
            rc = runtime_error("out of memory");
            break;
        }
        ge_model m = {0};
        ge_learn_result res = {0};
        double t0 = now_seconds();
        if (!rc && n == 0)
            rc = runtime_error("%s: group '%s' (--group %s): no usable samples (%zu outside the "
                               "exterior)",
                               a->pos[0], name, a->val[O_GROUP], outside_g[g]);
        char why[400];
        if (!rc && n > 0 && s->cov.P && !covariates_vary(s, idx, n, why, sizeof why))
            rc = runtime_error("%s: group '%s' (--group %s): %s: nothing to learn from it",
                               a->pos[0], name, a->val[O_GROUP], why);
        if (!rc && train_on(j, s, idx, n, &m, &res, &err)) {
            char what[300];
            snprintf(what, sizeof what, "wrote the models of the %zu groups before '%s'", k,
                     name);
            rc = res.interrupted ? interrupted_solving(what) : fail_with(&err);
        }
        if (!rc && *j->stop) {
            say(1, "geoembed: fit: interrupted in group '%s'; wrote the models of the %zu "
                   "groups before\n",
                name, k);
            rc = *j->stop == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
        }
        if (!rc) {
            /* the group's own figures, on the settings of all */
            ge_samples one = *s;
            one.M = n;
            if (fill_meta(meta, a, &one, fs, &res, one.M, outside_g[g]))
                rc = runtime_error("out of memory");
        }
        if (!rc)
            rc = cluster_model_save(path, &m, meta);
        if (!rc)
            say(2, "geoembed: fit: wrote %s: group '%s', %zu samples, training loss %.6g%s, "
                   "%.1fs\n",
                path, name, n, res.train_loss, fs->standardize ? " (standardised units)" : "",
                now_seconds() - t0);
        ge_model_free(&m);
        free(path);
    }
    free(members);
    free(start);
    return rc;
}

/* A penalty of the search as people write it: 1e-5, 0.01, 3.16e5. */
static const char *penalty_text(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.3g", v);
    char *e = strchr(buf, 'e'); /* 1e-05 -> 1e-5, 3.16e+05 -> 3.16e5 */
    if (e) {
        const int x = atoi(e + 1);
        snprintf(e, n - (size_t)(e - buf), "e%d", x);
    }
    return buf;
}

int cmd_fit(cli_args *a)
{
    double *z = NULL; /* the covariates' design rows */
    int nz = 0;
    if (target_rasters_input(a))
        return EXIT_USAGE;
    if (a->npos < 1)
        return usage_error("fit", "expected an INPUT (samples to learn from), or --target "
                                  "NAME=RASTER,... (a raster per target)");
    if (!a->val[O_OUTPUT])
        return usage_error("fit", "missing -o MODEL (the model file to write)");
    long every;
    if (apply_threads(a) || arg_long(a, O_CHECKPOINT_EVERY, 0, 1, 1L << 40, &every))
        return EXIT_USAGE;
    if (a->val[O_RESUME] && a->val[O_INIT])
        return usage_error("fit", "--resume and --init cannot be combined");
    if (strcmp(a->val[O_OUTPUT], "-") == 0 && (every || a->val[O_RESUME]))
        return usage_error("fit", "--checkpoint-every and --resume need -o to name a file");
    if (a->val[O_GROUP] && strcmp(a->val[O_OUTPUT], "-") == 0)
        return usage_error("fit", "--group writes a model file per group: -o must name a file, "
                                  "not standard output");
    if (a->val[O_GROUP] && (every || a->val[O_RESUME]))
        return usage_error("fit", "%s does not apply with --group (a checkpoint holds one fit)",
                           every ? "--checkpoint-every" : "--resume");
    ge_samples s = {0};
    ge_model m = {0}, init = {0};
    ge_meta meta = {0}, init_meta = {0};
    ge_checkpoint ck = {0};
    fit_settings fs = {0};
    int rc;
    ge_error err;
    size_t *outside_g = NULL; /* --group: samples of each group outside the exterior */
    size_t *order = NULL;     /* --group: the groups in the order to fit them */
    routed_samples routed = {0};
    double t0 = now_seconds();
    char *ckpath = checkpoint_path(a->val[O_OUTPUT]);
    if (!ckpath)
        return runtime_error("out of memory");
    stop_signal = 0, interruptions = 0;
    catch_signals(1);

    inputs_stop_on(&stop_signal);
    if (cluster_rank() == 0 && (rc = check_output(a)))
        goto done;
    if ((rc = read_fit_inputs(a, &s))) {
        if (stop_signal)
            rc = interrupted_early();
        goto done;
    }
    if (stop_signal) {
        rc = interrupted_early();
        goto done;
    }
    if (s.group && ((rc = groups_prepare(a, &s, &order)) || (rc = check_group_outputs(a, &s))))
        goto done;
    if (a->val[O_INIT] && (rc = fit_init_model(a, &s, &init, &init_meta, &fs)))
        goto done;
    if ((rc = resolve_crs(a, &s, a->val[O_INIT] ? &init_meta : NULL, &meta.crs)))
        goto done;
    if (!*meta.crs)
        say(2, "geoembed: fit: no CRS: coordinates '%s'/'%s' are taken as planar; outputs will "
               "carry no CRS\n",
            s.xcol, s.ycol);
    if (!a->val[O_INIT] &&
        (rc = agreed(settings_resolve(a, &s, ge_crs_is_geographic(meta.crs), &fs))))
        goto done;
    size_t outside = 0;
    if (s.group && !(outside_g = calloc(s.ngroups, sizeof *outside_g))) {
        rc = runtime_error("out of memory");
        goto done;
    }
    if ((rc = agreed(keep_inside(a, &fs.shape, &s, &outside, outside_g))))
        goto done;
    /* where each process keeps its share: the counts of all of them */
    const size_t total = cluster_total(s.M);
    outside = cluster_total(outside);
    if (total == 0) {
        rc = runtime_error("%s: no usable samples (%zu outside the exterior, %zu without a "
                           "target value)",
                           a->pos[0], outside, s.skipped_missing);
        goto done;
    }
    if (total == 1 && fs.smooth_auto && !a->val[O_RESUME]) {
        /* before, the search failed with "the normal equations are singular" */
        rc = runtime_error("%s: one sample cannot choose --smooth (the choice scores samples "
                           "held out of the fit); give --smooth, for example --smooth 1",
                           a->pos[0]);
        goto done;
    }
    for (int k = 0; k < s.O; k++)
        if (strlen(s.targets[k]) > MAX_TARGET_NAME) {
            /* the outputs named after it (a column, a band, a netCDF variable)
             * cut it short, each at its own length, without a word */
            rc = runtime_error("%s: target %d's name is %zu bytes long; at most %d (rename its "
                               "column or band)",
                               a->pos[0], k + 1, strlen(s.targets[k]), MAX_TARGET_NAME);
            goto done;
        }
    report_targets(a, &s);
    say(2, "geoembed: fit: %zu samples (%zu skipped: %zu outside the exterior, %zu without a "
           "target value)\n",
        total, outside + s.skipped_missing, outside, s.skipped_missing);
    if (fs.chosen[0])
        say(2, "geoembed: fit: chose %s\n", fs.chosen);
    if (a->val[O_RESUME]) {
        if (ge_checkpoint_load(ckpath, &ck, &err)) {
            rc = fail_with(&err);
            goto done;
        }
        if (fs.smooth_auto)
            fs.train.smooth = ck.meta.smooth;
        if (ck.fingerprint != fingerprint(&s, &fs)) {
            rc = runtime_error("%s: the checkpoint was made with other data or options; run "
                               "the same fit command with --resume",
                               ckpath);
            goto done;
        }
        if (ge_checkpoint_check(&ck, &fs.shape, fs.epochs, ckpath, &err)) {
            rc = fail_with(&err);
            goto done;
        }
        say(2, "geoembed: fit: resuming after epoch %ld from %s\n", ck.state.epoch, ckpath);
    }
    const ge_backend *backend;
    if ((rc = choose_backend(a, &s, &fs, &backend)))
        goto done;
    if ((rc = route_or_join(a, &s, &fs, backend, total, &routed)))
        goto done;
    const ge_shape *sh = &fs.shape;
    char smooth[32], how[96];
    if (fs.smooth_auto)
        snprintf(smooth, sizeof smooth, "auto");
    else
        snprintf(smooth, sizeof smooth, "%g", fs.train.smooth);
    if (fs.method == GE_METHOD_EXACT)
        snprintf(how, sizeof how, "exact solve (%s%s)",
                 backend ? "distributed conjugate gradients, PETSc"
                 : ge_solver_uses_multigrid((ge_solver_kind)fs.solver, sh->W, sh->H)
                     ? "multigrid conjugate gradients"
                     : "sparse Cholesky",
                 fs.train.loss.kind == GE_LOSS_MSE ? "" : ", reweighted least squares");
    else
        snprintf(how, sizeof how, "%s lr %g, %ld epochs", ge_optim_name(fs.train.optim.kind),
                 fs.train.optim.lr, fs.epochs);
    say(2, "geoembed: fit: grid %dx%d cells x %d features, padding %d,%d, wrap %s, readout %s, "
           "smooth %s; %s, %s%s\n",
        sh->W, sh->H, sh->N, sh->p0, sh->p1, (const char *[]){"none", "x", "y", "xy"}[sh->wrap],
        sh->readout == GE_READOUT_CELL ? "cell" : "bilinear", smooth,
        ge_loss_name(fs.train.loss.kind), how, fs.standardize ? ", standardised targets" : "");

    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    double bytes = fs.method == GE_METHOD_EXACT
                       ? ge_solve_memory(sh, s.M, fs.smooth_auto ? threads : 1, (ge_solver_kind)fs.solver)
                       : ge_train_memory(sh, s.M, threads, fs.train.optim.kind == GE_OPT_ADAM);
    if (backend) /* the local solver's estimate: this process's part instead */
        bytes = stripe_bytes(sh, cluster_size());
    if (bytes > 256e6)
        say(2, "geoembed: fit: this model needs about %.0f MB of memory to %s\n", bytes / 1e6,
            fs.method == GE_METHOD_EXACT ? "solve" : "train");
    if (ge_mem_check(bytes,
                     backend                           ? "a process's stripe of the model"
                     : fs.method == GE_METHOD_EXACT ? "the exact solve"
                                                    : "training",
                     &err)) {
        rc = fail_with(&err);
        goto done;
    }
    progress p;
    progress_init(&p, fs.method == GE_METHOD_EXACT ? 0 : fs.epochs, a->val[O_PROGRESS] != NULL,
                  "geoembed: fit");
    phase_progress pp;
    phase_progress_init(&pp, "geoembed: fit", "solves", a->val[O_PROGRESS] != NULL);
    if ((rc = samples_design(&s, &z, &nz)))
        goto done;
    /* under mpirun: every process is ready to solve, or none starts (cluster.h) */
    if ((rc = cluster_agree(0)))
        goto done;
    train_job j = {.fs = &fs, .init = a->val[O_INIT] ? &init : NULL, .validation = fs.validation,
                   .z = z, .nz = nz,
                   .fo = {.epochs = fs.epochs, .patience = fs.patience,
                          .keep_best = !settings_is_reference(&fs),
                          .progress = progress_epoch, .ctx = &p, .stop = &stop_signal},
                   .progress = phase_progress_update, .ctx = &pp, .stop = &stop_signal, .interrupts = &interruptions,
                   .backend = backend, .total = routed.total, .ids = routed.ids,
                   .spacing = routed.spacing};
    ge_learn_result res = {0};
    if (stop_signal) {
        rc = interrupted_early();
        goto done;
    }
    if (s.group) {
        rc = fit_groups(a, &s, &fs, &j, &meta, order, outside_g);
        progress_done(&p);
        phase_progress_done(&pp);
        goto done;
    }
    ckpt_ctx cc = {.path = ckpath, .meta = &meta, .fingerprint = fingerprint(&s, &fs)};
    if (a->val[O_RESUME]) {
        j.init = &ck.model;
        j.fo.resume = &ck.state;
    }
    if (every || a->val[O_RESUME]) {
        if (fill_meta(&meta, a, &s, &fs, &res, total, outside + s.skipped_missing)) {
            rc = runtime_error("out of memory");
            goto done;
        }
        j.fo.checkpoint = save_checkpoint;
        j.fo.checkpoint_ctx = &cc;
        j.fo.checkpoint_every = every;
    }
    fit_settings fs_run = fs;
    if (a->val[O_RESUME])
        fs_run.smooth_auto = 0; /* the checkpoint's penalty, chosen before */
    j.fs = &fs_run;
    int frc = train_on(&j, &s, NULL, 0, &m, &res, &err);
    progress_done(&p);
    phase_progress_done(&pp);
    if (!frc && fs_run.smooth_auto) {
        char how[32] = "hold-out", lo[32], hi[32];
        if (res.folds > 1)
            snprintf(how, sizeof how, "%d-fold", res.folds);
        say(2,
            res.interpolated ? "geoembed: fit: chose smooth %.3g (minimum of the %s validation "
                               "error, interpolated between %d candidates from %s to %s)\n"
                             : "geoembed: fit: chose smooth %.3g (lowest %s validation error of "
                               "%d candidates from %s to %s)\n",
            res.smooth, how, res.candidates, penalty_text(res.tried_lo, lo, sizeof lo),
            penalty_text(res.tried_hi, hi, sizeof hi));
    }
    if (frc) {
        catch_signals(0);
        rc = res.interrupted ? interrupted_solving("nothing written") : fail_with(&err);
        goto done;
    }
    if (fill_meta(&meta, a, &s, &fs, &res, total, outside + s.skipped_missing)) {
        catch_signals(0);
        rc = runtime_error("out of memory");
        goto done;
    }
    rc = cluster_model_save(a->val[O_OUTPUT], &m, &meta);
    catch_signals(0);
    if (rc)
        goto done;
    /* losses on standardised targets are not in the targets' units */
    const char *units = fs.standardize ? " (standardised units)" : "";
    if (fs.method == GE_METHOD_EXACT)
        say(2, "geoembed: fit: wrote %s: exact solve, training loss %.6g, objective %.6g%s",
            a->val[O_OUTPUT], res.train_loss, res.objective, units);
    else
        say(2, "geoembed: fit: wrote %s: %ld epochs, training loss %.6g, objective %.6g%s",
            a->val[O_OUTPUT], res.fit.epochs_run, res.train_loss, res.objective, units);
    if (!isnan(res.fit.valid_loss))
        say(2, ", validation loss %.6g (best epoch %ld)", res.fit.valid_loss, res.fit.best_epoch);
    say(2, ", %.1fs\n", now_seconds() - t0);
    char solved[256];
    cluster_describe(solved, sizeof solved);
    if (*solved)
        say(2, "geoembed: fit: %s\n", solved);
    tell_stripes(&m);
    if (res.ridge > 0)
        say(1, "geoembed: fit: warning: the system was singular (too few samples for the "
               "penalty to fix the field); a ridge of %.3g was added\n",
            res.ridge);
    rc = EXIT_OK;
    if (res.search_stopped || res.fit.stopped == 1) {
        if (res.search_stopped)
            say(1, "geoembed: fit: interrupted while choosing --smooth; saved the model of the "
                   "best penalty so far (%g)\n",
                res.smooth);
        else
            say(1, "geoembed: fit: interrupted after epoch %ld; saved the model so far%s\n",
                res.fit.epochs_run, j.fo.checkpoint ? " (continue with --resume)" : "");
        rc = stop_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
    } else if (j.fo.checkpoint) {
        remove(ckpath); /* finished: the checkpoint is stale */
    } else if (res.fit.stopped == 2) {
        say(2, "geoembed: fit: stopped early after %ld epochs without improvement\n",
            fs.patience);
    }
done:
    free(z);
    free(routed.ids);
    free(outside_g);
    free(order);
    catch_signals(0);
    free(ckpath);
    ge_checkpoint_free(&ck);
    ge_model_free(&m);
    ge_model_free(&init);
    ge_meta_free(&meta);
    ge_meta_free(&init_meta);
    ge_samples_free(&s);
    return rc;
}
