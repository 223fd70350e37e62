/* Settings for fit: options first, data-driven defaults where none is given. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "display.h"
#include "geoembed/spacing.h"
#include "cluster.h"
#include "inputs.h"
#include "settings.h"

static void bounds(const ge_samples *s, double b[4])
{
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    for (size_t i = 0; i < s->M; i++) {
        b[0] = fmin(b[0], s->xy[2 * i]);
        b[1] = fmin(b[1], s->xy[2 * i + 1]);
        b[2] = fmax(b[2], s->xy[2 * i]);
        b[3] = fmax(b[3], s->xy[2 * i + 1]);
    }
    cluster_bounds(b); /* every process's, where each keeps its share */
}

static void append(fit_settings *fs, const char *fmt, const char *a, double v)
{
    size_t n = strlen(fs->chosen);
    snprintf(fs->chosen + n, sizeof fs->chosen - n, fmt, a, v);
}

/* The exterior: --bbox, --exterior, the globe for lon/lat data spanning it, or
 * the samples' bounds with a margin of half a typical spacing. */
static int resolve_exterior(const cli_args *a, const ge_samples *s, fit_settings *fs)
{
    ge_shape *sh = &fs->shape;
    double v[4];
    if (a->val[O_BBOX] && a->val[O_EXTERIOR])
        return usage_error(a->cmd_name, "give --bbox or --exterior, not both");
    if (a->val[O_BBOX]) {
        if (arg_doubles(a, O_BBOX, 4, 4, v, NULL))
            return EXIT_USAGE;
        if (!(v[2] > v[0] && v[3] > v[1]))
            return usage_error(a->cmd_name, "--bbox needs XMAX > XMIN and YMAX > YMIN");
        if (fs->geographic && degrees_box_check(a, O_BBOX, v[0], v[1], v[2], v[3]))
            return EXIT_USAGE;
        sh->xmin = v[0], sh->ymin = v[1], sh->width = v[2] - v[0], sh->height = v[3] - v[1];
        return 0;
    }
    if (a->val[O_EXTERIOR]) {
        if (arg_doubles(a, O_EXTERIOR, 4, 4, v, NULL))
            return EXIT_USAGE;
        if (!(v[2] > 0 && v[3] > 0))
            return usage_error(a->cmd_name, "--exterior needs a positive WIDTH and HEIGHT");
        if (fs->geographic &&
            degrees_box_check(a, O_EXTERIOR, v[0], v[1], v[0] + v[2], v[1] + v[3]))
            return EXIT_USAGE;
        sh->xmin = v[0], sh->ymin = v[1], sh->width = v[2], sh->height = v[3];
        return 0;
    }
    double b[4];
    bounds(s, b);
    if (fs->geographic && b[2] - b[0] > 180) {
        /* longitudes 0..360 (the climate and ocean convention) keep their
         * convention; anything else is -180..180 */
        int east = b[0] >= 0 && b[2] > 180;
        sh->xmin = east ? 0 : -180, sh->ymin = -90, sh->width = 360, sh->height = 180;
        append(fs, east ? "%sexterior: the globe, longitudes 0 to 360 (samples span %.0f degrees "
                          "of longitude)"
                        : "%sexterior: the globe (samples span %.0f degrees of longitude)",
               "", b[2] - b[0]);
        return 0;
    }
    double w = b[2] - b[0], h = b[3] - b[1];
    double span = fmax(w, h) > 0 ? fmax(w, h) : 1.0;
    /* A margin of 5% of the larger side keeps edge samples off the border cells. */
    double mx = 0.05 * span, my = 0.05 * span;
    sh->xmin = b[0] - mx;
    sh->ymin = b[1] - my;
    sh->width = w + 2 * mx;
    sh->height = h + 2 * my;
    append(fs, "%sexterior: the samples' bounds plus %g each side", "", mx);
    return 0;
}

/* Grid size: cells of 3/4 of the samples' median nearest-neighbour spacing
 * (the curvature penalty fills the cells between samples), 8 to 1024 a side,
 * at most 16384 + M cells in all (fine grids help sparse data; dense data
 * gains nothing from more cells than samples, and time grows with cells). */
static void default_size(const ge_samples *s, ge_shape *sh, fit_settings *fs)
{
    const size_t M = cluster_total(s->M);
    double nn = cluster_spacing(sh, s->xy, s->M, 20000, fs->train.seed);
    fs->spacing = isfinite(nn) && nn > 0 ? nn : 0;
    fs->spacing_M = M;
    double cell = 0.75 * nn;
    if (!(cell > 0)) /* no spacing to go by: one cell per sample */
        cell = sqrt(sh->width * sh->height / fmax(1.0, (double)M));
    double W = ceil(sh->width / cell), H = ceil(sh->height / cell);
    double over = W * H / (16384.0 + (double)M);
    if (over > 1)
        W /= sqrt(over), H /= sqrt(over);
    sh->W = (int)fmin(1024, fmax(8, round(W)));
    sh->H = (int)fmin(1024, fmax(8, round(H)));
    char buf[160];
    if (fs->spacing > 0)
        snprintf(buf, sizeof buf, "%sgrid: cells of 3/4 the median sample spacing %.6g",
                 fs->chosen[0] ? "; " : "", nn);
    else /* one sample, or all at one place: no spacing, not "nan" */
        snprintf(buf, sizeof buf, "%sgrid: %dx%d cells (the samples are all at one place: no "
                 "spacing to go by)", fs->chosen[0] ? "; " : "", sh->W, sh->H);
    size_t n = strlen(fs->chosen);
    snprintf(fs->chosen + n, sizeof fs->chosen - n, "%s", buf);
}

int settings_training(const cli_args *a, const ge_samples *s, fit_settings *fs)
{
    (void)s;
    ge_train_opts *t = &fs->train;
    int loss, opt;
    long batch, seed;
    if (arg_choice(a, O_LOSS, "l1 mse huber", GE_LOSS_MSE, &loss) ||
        arg_choice(a, O_OPTIMIZER, "adam sgd", GE_OPT_ADAM, &opt))
        return EXIT_USAGE;
    t->loss.kind = (ge_loss_kind)loss;
    t->optim = ge_optim_defaults((ge_optim_kind)opt);
    double lr_default = opt == GE_OPT_ADAM ? 0.05 : 0.01;
    if (arg_double(a, O_HUBER_DELTA, 1.0, 1e-300, 1e300, &t->loss.delta) ||
        arg_double(a, O_LR, lr_default, 1e-300, 1e6, &t->optim.lr) ||
        arg_double(a, O_MOMENTUM, 0, 0, 1, &t->optim.momentum) ||
        arg_long(a, O_BATCH_SIZE, 0, 0, 1L << 40, &batch) ||
        arg_long(a, O_SEED, 0, 0, 1L << 62, &seed) ||
        arg_long(a, O_EPOCHS, 300, 0, 100000000, &fs->epochs) ||
        arg_long(a, O_PATIENCE, 0, 0, 100000000, &fs->patience) ||
        arg_double(a, O_VALIDATION, 0, 0, 0.9, &fs->validation))
        return EXIT_USAGE;
    if (a->val[O_MOMENTUM] && opt != GE_OPT_SGD)
        return usage_error(a->cmd_name, "--momentum applies to --optimizer sgd");
    if (a->val[O_PATIENCE] && fs->validation <= 0)
        return usage_error(a->cmd_name, "--patience needs --validation FRACTION");
    t->batch_size = (size_t)batch;
    t->seed = (uint64_t)seed;
    fs->standardize = !a->val[O_NO_STANDARDIZE];
    if (a->val[O_TRANSFORM] && a->val[O_INIT])
        return usage_error(a->cmd_name, "--transform: a fit from --init keeps that model's "
                                        "transform");
    return 0;
}

/* --transform none|log|log:NAME,...: which targets are fit on their
 * logarithm; their values must be positive (missing ones aside). */
static int settings_transform(const cli_args *a, const ge_samples *s, fit_settings *fs)
{
    const char *v = a->val[O_TRANSFORM];
    memset(fs->transform, GE_TRANSFORM_NONE, sizeof fs->transform);
    fs->transformed = 0;
    if (!v || strcmp(v, "none") == 0)
        return 0;
    if (strcmp(v, "log") == 0) {
        memset(fs->transform, GE_TRANSFORM_LOG, (size_t)s->O);
    } else if (strncmp(v, "log:", 4) == 0) {
        char **names;
        int n;
        ge_error why;
        if (ge_target_list(v + 4, &names, &n, &why))
            return usage_error(a->cmd_name, "--transform: %s", why.msg);
        for (int j = 0; j < n; j++) {
            int k = 0;
            while (k < s->O && strcmp(s->targets[k], names[j]) != 0)
                k++;
            if (k == s->O) {
                int rc = usage_error(a->cmd_name, "--transform: '%s' is not a target", names[j]);
                ge_target_list_free(names, n);
                return rc;
            }
            fs->transform[k] = GE_TRANSFORM_LOG;
        }
        ge_target_list_free(names, n);
    } else {
        return usage_error(a->cmd_name, "--transform expects none, log or log:NAME,..., got '%s'",
                           v);
    }
    fs->transformed = 1;
    for (size_t i = 0; i < s->M; i++)
        for (int k = 0; k < s->O; k++) {
            double y = s->y[i * s->O + k];
            if (fs->transform[k] == GE_TRANSFORM_LOG && !isnan(y) && !(y > 0)) {
                char where[1100];
                ge_sample_where(s, a->pos[0], i, where, sizeof where);
                return runtime_error("%s: %s is %g: --transform log fits the logarithm, which "
                                     "needs positive values",
                                     where, s->targets[k], y);
            }
        }
    return 0;
}

/* Options that only gradient training uses. */
static const opt_id gradient_opts[] = {O_OPTIMIZER, O_EPOCHS, O_LR, O_MOMENTUM, O_BATCH_SIZE,
                                       O_VALIDATION, O_PATIENCE, O_CHECKPOINT_EVERY, O_RESUME,
                                       O_INIT};

int settings_is_reference(const fit_settings *fs)
{
    return fs->shape.readout == GE_READOUT_CELL && !fs->smooth_auto && fs->train.smooth == 0;
}

int settings_method(const cli_args *a, fit_settings *fs)
{
    opt_id given = O_COUNT;
    for (size_t i = 0; i < sizeof gradient_opts / sizeof *gradient_opts; i++)
        if (a->val[gradient_opts[i]] && given == O_COUNT)
            given = gradient_opts[i];
    int def = given != O_COUNT || settings_is_reference(fs) ? GE_METHOD_GRADIENT : GE_METHOD_EXACT;
    int method;
    if (arg_choice(a, O_METHOD, "exact gradient", def, &method))
        return EXIT_USAGE;
    static const opt_id exact_only[] = {O_WEIGHT, O_SIGMA, O_DRAWS, O_COVARIATES, O_SOLVER};
    for (size_t i = 0; i < sizeof exact_only / sizeof *exact_only; i++)
        if (method == GE_METHOD_GRADIENT && a->val[exact_only[i]])
            return usage_error(a->cmd_name, "%s applies to the exact solve, not gradient training",
                               opt_long_name(exact_only[i]));
    if (a->val[O_COVARIATES] && fs->train.loss.kind != GE_LOSS_MSE)
        return usage_error(a->cmd_name, "--covariates needs --loss mse");
    if (method == GE_METHOD_EXACT && given != O_COUNT)
        return usage_error(a->cmd_name, "%s applies to gradient training, not --method exact",
                           opt_long_name(given));
    fs->method = (ge_method)method;
    return 0;
}

int settings_smooth(const cli_args *a, int auto_default, double def, fit_settings *fs)
{
    const char *v = a->val[O_SMOOTH];
    fs->smooth_auto = v ? strcmp(v, "auto") == 0 : auto_default;
    if (fs->smooth_auto) {
        fs->train.smooth = 1.0; /* replaced by choose_smooth */
        return 0;
    }
    return arg_double(a, O_SMOOTH, def, 0, 1e12, &fs->train.smooth);
}

int settings_resolve(const cli_args *a, const ge_samples *s, int geographic, fit_settings *fs)
{
    memset(fs, 0, sizeof *fs);
    fs->geographic = geographic;
    ge_shape *sh = &fs->shape;
    int rc = settings_training(a, s, fs);
    if (rc)
        return rc;
    if ((rc = resolve_exterior(a, s, fs)))
        return rc;
    /* the wrap before the size: the default size measures the spacing of
     * the samples as a wrapped axis places them */
    int wrap_default = geographic && sh->width == 360 ? GE_WRAP_X : GE_WRAP_NONE;
    int wrap, readout;
    if (arg_choice(a, O_WRAP, "none x y xy", wrap_default, &wrap) ||
        arg_choice(a, O_READOUT, "cell bilinear", GE_READOUT_BILINEAR, &readout))
        return EXIT_USAGE;
    sh->wrap = (ge_wrap)wrap;
    sh->readout = (ge_readout)readout;
    double v[2];
    int got;
    if (a->val[O_SIZE]) {
        if (arg_doubles(a, O_SIZE, 2, 2, v, NULL))
            return EXIT_USAGE;
        if (v[0] != floor(v[0]) || v[1] != floor(v[1]) || v[0] < 1 || v[1] < 1 ||
            v[0] > 1e7 || v[1] > 1e7)
            return usage_error(a->cmd_name, "--size expects two whole numbers W,H of at least 1, "
                                            "got '%s'", a->val[O_SIZE]);
        sh->W = (int)v[0];
        sh->H = (int)v[1];
    } else {
        default_size(s, sh, fs);
    }
    long N;
    /* The exact solve stores a field per target in the embedding: at least
     * one feature per target. */
    if (arg_long(a, O_FEATURES, s->O > 4 ? s->O : 4, 1, 4096, &N))
        return EXIT_USAGE;
    sh->N = (int)N;
    if (a->val[O_PADDING]) {
        if (arg_doubles(a, O_PADDING, 1, 2, v, &got))
            return EXIT_USAGE;
        if (got == 1)
            v[1] = v[0];
        if (v[0] != floor(v[0]) || v[1] != floor(v[1]) || v[0] < 0 || v[1] < 0 ||
            v[0] > GE_MAX_PADDING || v[1] > GE_MAX_PADDING)
            return usage_error(a->cmd_name,
                               "--padding expects whole numbers P[,Q] from 0 to %d, got '%s'",
                               GE_MAX_PADDING, a->val[O_PADDING]);
        sh->p0 = (int)v[0];
        sh->p1 = (int)v[1];
    } else {
        sh->p0 = sh->p1 = 1;
    }
    sh->O = s->O;
    if (settings_smooth(a, readout == GE_READOUT_BILINEAR, 0.0, fs) || settings_method(a, fs))
        return EXIT_USAGE;
    if ((rc = settings_transform(a, s, fs)))
        return rc;
    /* the uncertainty's draws: each a solve with the factor of the fit */
    if (arg_long(a, O_DRAWS, (double)sh->W * sh->H <= 300000 ? 50 : 20, 0, 100000, &fs->draws) ||
        arg_choice(a, O_SOLVER, "auto cholesky multigrid", GE_SOLVER_AUTO, &fs->solver))
        return EXIT_USAGE;
    if (fs->method == GE_METHOD_EXACT && sh->N < sh->O)
        return usage_error(a->cmd_name, "the exact solve needs --features of at least the %d "
                                        "targets, got %d (or use --method gradient)",
                           sh->O, sh->N);
    ge_error err;
    if (ge_shape_check(sh, &err))
        return usage_error(a->cmd_name, "%s", err.msg);
    return 0;
}
