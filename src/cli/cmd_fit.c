/* geoembed fit INPUT -o MODEL: read samples, choose settings, train, save. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "commands.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/fit.h"
#include "geoembed/modelfile.h"
#include "geoembed/rng.h"
#include "geoembed/samples.h"
#include "inputs.h"
#include "progress.h"
#include "settings.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void catch_signals(int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on ? on_signal : SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int inside(const ge_shape *s, double x, double y)
{
    return x >= s->xmin && x <= s->xmin + s->width && y >= s->ymin && y <= s->ymin + s->height;
}

/* Drops samples outside the exterior (the library would clamp them). */
static int keep_inside(const cli_args *a, const ge_shape *sh, ge_samples *s, size_t *skipped)
{
    size_t k = 0;
    const int O = s->O;
    for (size_t i = 0; i < s->M; i++) {
        if (!inside(sh, s->xy[2 * i], s->xy[2 * i + 1])) {
            if (a->val[O_STRICT])
                return runtime_error("%s: sample %zu at (%.17g, %.17g) lies outside the exterior "
                                     "(--strict)",
                                     a->pos[0], i + 1, s->xy[2 * i], s->xy[2 * i + 1]);
            continue;
        }
        memmove(s->xy + 2 * k, s->xy + 2 * i, 2 * sizeof *s->xy);
        memmove(s->y + (size_t)O * k, s->y + (size_t)O * i, (size_t)O * sizeof *s->y);
        k++;
    }
    *skipped = s->M - k;
    s->M = k;
    return 0;
}

static void standardize(const ge_samples *s, int on, ge_model *m, double *y)
{
    const int O = s->O;
    for (int o = 0; o < O; o++) {
        double mean = 0, var = 0;
        if (on && s->M) {
            for (size_t i = 0; i < s->M; i++)
                mean += s->y[i * O + o];
            mean /= (double)s->M;
            for (size_t i = 0; i < s->M; i++)
                var += (s->y[i * O + o] - mean) * (s->y[i * O + o] - mean);
            var /= (double)s->M;
            m->y_mean[o] = mean;
            m->y_std[o] = var > 0 ? sqrt(var) : 1.0;
        }
        for (size_t i = 0; i < s->M; i++)
            y[i * O + o] = (s->y[i * O + o] - m->y_mean[o]) / m->y_std[o];
    }
}

/* Moves a seeded random fraction of the samples to the end: [0, M-nv) train,
 * [M-nv, M) validation. */
static size_t split(ge_samples *s, double *y, double frac, uint64_t seed)
{
    size_t nv = (size_t)floor(frac * (double)s->M);
    if (nv == 0 || nv >= s->M)
        return 0;
    ge_rng r;
    ge_rng_seed(&r, seed ^ 0x5eedfa11ULL);
    const int O = s->O;
    for (size_t i = s->M; i > s->M - nv; i--) { /* partial Fisher-Yates from the end */
        size_t j = (size_t)ge_rng_below(&r, i), t = i - 1;
        for (int c = 0; c < 2; c++) {
            double v = s->xy[2 * t + c];
            s->xy[2 * t + c] = s->xy[2 * j + c];
            s->xy[2 * j + c] = v;
        }
        for (int o = 0; o < O; o++) {
            double v = y[t * O + o];
            y[t * O + o] = y[j * O + o];
            y[j * O + o] = v;
        }
    }
    return nv;
}

static int fit_init_model(const cli_args *a, const ge_samples *s, ge_model *m, ge_meta *init_meta,
                          fit_settings *fs)
{
    static const opt_id shape_opts[] = {O_SIZE,   O_FEATURES, O_PADDING, O_BBOX,
                                        O_EXTERIOR, O_WRAP,   O_READOUT};
    for (size_t i = 0; i < sizeof shape_opts / sizeof *shape_opts; i++)
        if (a->val[shape_opts[i]])
            return usage_error(a->cmd_name, "%s cannot be combined with --init (the shape "
                                            "comes from the model)",
                               opt_long_name(shape_opts[i]));
    ge_error err;
    if (ge_model_load(a->val[O_INIT], m, init_meta, &err))
        return fail_with(&err);
    if (m->s.O != s->O)
        return runtime_error("%s: the --init model has %d outputs but the input has %d targets",
                             a->val[O_INIT], m->s.O, s->O);
    int rc = settings_training(a, s, fs);
    if (rc)
        return rc;
    fs->shape = m->s;
    double smooth_default = m->s.readout == GE_READOUT_BILINEAR ? init_meta->smooth : 0;
    if (arg_double(a, O_SMOOTH, smooth_default, 0, 1e12, &fs->train.smooth))
        return EXIT_USAGE;
    fs->standardize = init_meta->standardized;
    return 0;
}

static const char *basename_of(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

int cmd_fit(cli_args *a)
{
    if (a->npos != 1)
        return usage_error("fit", "expected one INPUT (samples to learn from), got %d", a->npos);
    if (!a->val[O_OUTPUT])
        return usage_error("fit", "missing -o MODEL (the model file to write)");
    if (apply_threads(a))
        return EXIT_USAGE;
    ge_samples s;
    ge_model m = {0};
    ge_meta meta = {0}, init_meta = {0};
    fit_settings fs;
    double *y = NULL;
    int rc;
    ge_error err;
    double t0 = now_seconds();

    if ((rc = read_samples(a, a->pos[0], 1, &s)))
        return rc;
    char *src_crs = NULL;
    if ((rc = samples_crs(a, &s, NULL, &src_crs)))
        goto done;
    if (a->val[O_CRS]) {
        if (!(meta.crs = ge_crs_to_wkt(a->val[O_CRS], &err))) {
            free(src_crs);
            rc = usage_error("fit", "--crs: %s", err.msg);
            goto done;
        }
        rc = samples_to_crs(a, &s, src_crs, meta.crs);
        free(src_crs);
        if (rc)
            goto done;
    } else {
        meta.crs = src_crs;
    }
    if (!*meta.crs)
        say(2, "geoembed: fit: no CRS: coordinates '%s'/'%s' are taken as planar; outputs will "
               "carry no CRS\n",
            s.xcol, s.ycol);
    int geographic = ge_crs_is_geographic(meta.crs);
    rc = a->val[O_INIT] ? fit_init_model(a, &s, &m, &init_meta, &fs)
                        : settings_resolve(a, &s, geographic, &fs);
    if (rc)
        goto done;
    size_t outside = 0;
    if ((rc = keep_inside(a, &fs.shape, &s, &outside)))
        goto done;
    if (s.M == 0) {
        rc = runtime_error("%s: no usable samples (%zu outside the exterior, %zu with missing "
                           "targets)",
                           a->pos[0], outside, s.skipped_missing);
        goto done;
    }
    if (!a->val[O_INIT]) {
        if (ge_model_init(&m, &fs.shape, &err)) {
            rc = fail_with(&err);
            goto done;
        }
        ge_model_init_params(&m, fs.train.seed);
    }
    y = malloc(s.M * (size_t)s.O * sizeof *y);
    if (!y) {
        rc = runtime_error("out of memory");
        goto done;
    }
    standardize(&s, fs.standardize && !a->val[O_INIT], &m, y);
    size_t nv = split(&s, y, fs.validation, fs.train.seed);
    ge_data train = {.M = s.M - nv, .O = s.O, .xy = s.xy, .y = y};
    ge_data valid = {.M = nv, .O = s.O, .xy = s.xy + 2 * (s.M - nv), .y = y + (s.M - nv) * s.O};

    say(2, "geoembed: fit: %zu samples (%zu skipped: %zu outside the exterior, %zu with missing "
           "targets)%s\n",
        s.M, outside + s.skipped_missing, outside, s.skipped_missing,
        nv ? "" : "");
    say(2, "geoembed: fit: grid %dx%d cells x %d features, padding %d,%d, wrap %s, readout %s, "
           "smooth %g; %s, %s lr %g, %ld epochs%s\n",
        m.s.W, m.s.H, m.s.N, m.s.p0, m.s.p1, (const char *[]){"none", "x", "y", "xy"}[m.s.wrap],
        m.s.readout == GE_READOUT_CELL ? "cell" : "bilinear", fs.train.smooth,
        ge_loss_name(fs.train.loss.kind), ge_optim_name(fs.train.optim.kind), fs.train.optim.lr,
        fs.epochs, fs.standardize ? ", standardised targets" : "");
    if (fs.chosen[0])
        say(3, "geoembed: fit: chose %s\n", fs.chosen);

    progress p;
    progress_init(&p, fs.epochs, a->val[O_PROGRESS] != NULL, "geoembed: fit");
    ge_fit_opts fo = {.epochs = fs.epochs, .patience = fs.patience, .valid = nv ? &valid : NULL,
                      .progress = progress_epoch, .ctx = &p, .stop = &stop_signal};
    ge_fit_result res;
    catch_signals(1);
    int frc = ge_fit(&m, &train, &fs.train, &fo, &res, &err);
    progress_done(&p);
    if (frc) {
        catch_signals(0);
        rc = fail_with(&err);
        goto done;
    }
    meta.xcol = strdup(s.xcol);
    meta.ycol = strdup(s.ycol);
    meta.source = strdup(strcmp(a->pos[0], "-") ? basename_of(a->pos[0]) : "<stdin>");
    if (!meta.xcol || !meta.ycol || !meta.source || ge_meta_set_targets(&meta, s.O, s.targets)) {
        catch_signals(0);
        rc = runtime_error("out of memory");
        goto done;
    }
    meta.loss = fs.train.loss.kind;
    meta.huber_delta = fs.train.loss.delta;
    meta.optimizer = fs.train.optim.kind;
    meta.lr = fs.train.optim.lr;
    meta.smooth = fs.train.smooth;
    meta.standardized = fs.standardize;
    meta.epochs = res.epochs_run;
    meta.best_epoch = res.best_epoch;
    meta.batch_size = fs.train.batch_size;
    meta.seed = fs.train.seed;
    meta.samples = s.M;
    meta.skipped = outside + s.skipped_missing;
    meta.train_loss = res.train_loss;
    meta.valid_loss = res.valid_loss;
    if (ge_model_save(a->val[O_OUTPUT], &m, &meta, &err)) {
        catch_signals(0);
        rc = fail_with(&err);
        goto done;
    }
    catch_signals(0);
    say(2, "geoembed: fit: wrote %s: %ld epochs, training loss %.6g", a->val[O_OUTPUT],
        res.epochs_run, res.train_loss);
    if (nv)
        say(2, ", validation loss %.6g (best epoch %ld)", res.valid_loss, res.best_epoch);
    say(2, ", %.1fs\n", now_seconds() - t0);
    rc = EXIT_OK;
    if (res.stopped == 1) {
        say(1, "geoembed: fit: interrupted after epoch %ld; saved the model so far\n",
            res.epochs_run);
        rc = stop_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
    } else if (res.stopped == 2) {
        say(2, "geoembed: fit: stopped early after %ld epochs without improvement\n",
            fs.patience);
    }
done:
    free(y);
    ge_model_free(&m);
    ge_meta_free(&meta);
    ge_meta_free(&init_meta);
    ge_samples_free(&s);
    return rc;
}
