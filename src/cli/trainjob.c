/* Training runs on subsets, folds, and the automatic curvature penalty. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/rng.h"
#include "trainjob.h"

/* Standardisation of subset targets: mean and population std per target. */
static void standardize(const double *y, size_t n, int O, int on, ge_model *m)
{
    for (int o = 0; o < O && on; o++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += y[i * O + o];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (y[i * O + o] - mean) * (y[i * O + o] - mean);
        var /= (double)n;
        m->y_mean[o] = mean;
        m->y_std[o] = var > 0 ? sqrt(var) : 1.0;
    }
}

/* Moves a seeded random fraction of the rows to the end; returns how many. */
static size_t split_tail(double *xy, double *y, size_t n, int O, double frac, uint64_t seed)
{
    size_t nv = (size_t)floor(frac * (double)n);
    if (nv == 0 || nv >= n)
        return 0;
    ge_rng r;
    ge_rng_seed(&r, seed ^ 0x5eedfa11ULL);
    for (size_t i = n; i > n - nv; i--) { /* partial Fisher-Yates from the end */
        size_t j = (size_t)ge_rng_below(&r, i), t = i - 1;
        for (int c = 0; c < 2; c++) {
            double v = xy[2 * t + c];
            xy[2 * t + c] = xy[2 * j + c];
            xy[2 * j + c] = v;
        }
        for (int o = 0; o < O; o++) {
            double v = y[t * O + o];
            y[t * O + o] = y[j * O + o];
            y[j * O + o] = v;
        }
    }
    return nv;
}

int train_on(const train_job *j, const ge_samples *s, const size_t *idx, size_t n, ge_model *m,
             ge_fit_result *res, ge_error *err)
{
    const int O = s->O;
    if (!idx)
        n = s->M;
    double *xy = malloc(n * 2 * sizeof *xy), *y = malloc(n * (size_t)O * sizeof *y);
    int rc = -1;
    memset(m, 0, sizeof *m);
    if (!xy || !y) {
        ge_fail(err, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        xy[2 * k] = s->xy[2 * i];
        xy[2 * k + 1] = s->xy[2 * i + 1];
        memcpy(y + k * O, s->y + i * O, (size_t)O * sizeof *y);
    }
    if (j->init) {
        if (ge_model_copy(m, j->init, err))
            goto done;
    } else {
        if (ge_model_init(m, &j->fs->shape, err))
            goto done;
        ge_model_init_params(m, j->fs->train.seed);
        standardize(y, n, O, j->fs->standardize, m);
    }
    for (size_t k = 0; k < n; k++)
        for (int o = 0; o < O; o++)
            y[k * O + o] = (y[k * O + o] - m->y_mean[o]) / m->y_std[o];
    size_t nv = split_tail(xy, y, n, O, j->validation, j->fs->train.seed);
    ge_data train = {.M = n - nv, .O = O, .xy = xy, .y = y};
    ge_data valid = {.M = nv, .O = O, .xy = xy + 2 * (n - nv), .y = y + (n - nv) * O};
    ge_fit_opts fo = j->fo;
    fo.valid = nv ? &valid : NULL;
    rc = ge_fit(m, &train, &j->fs->train, &fo, res, err);
done:
    free(xy);
    free(y);
    if (rc)
        ge_model_free(m);
    return rc;
}

void fold_split(const int *fold, size_t M, int k, size_t *tr, size_t *ntr, size_t *te,
                size_t *nte)
{
    *ntr = *nte = 0;
    for (size_t i = 0; i < M; i++) {
        if (fold[i] == k)
            te[(*nte)++] = i;
        else
            tr[(*ntr)++] = i;
    }
}

/* Mean squared error, in standardised units, of a model on samples idx. */
static double held_out_error(const ge_model *m, const ge_samples *s, const size_t *idx, size_t n)
{
    const int O = s->O;
    ge_data d = {.M = n, .O = O};
    double *xy = malloc(n * 2 * sizeof *xy), *y = malloc(n * (size_t)O * sizeof *y);
    if (!xy || !y) {
        free(xy);
        free(y);
        return INFINITY;
    }
    for (size_t k = 0; k < n; k++) {
        xy[2 * k] = s->xy[2 * idx[k]];
        xy[2 * k + 1] = s->xy[2 * idx[k] + 1];
        for (int o = 0; o < O; o++)
            y[k * O + o] = (s->y[idx[k] * O + o] - m->y_mean[o]) / m->y_std[o];
    }
    d.xy = xy;
    d.y = y;
    ge_loss mse = {.kind = GE_LOSS_MSE};
    double e = ge_data_loss(m, &d, &mse);
    free(xy);
    free(y);
    return e;
}

/* Trains (warm from `from` when given, for `epochs`) on the fold's training
 * part and adds the validation error to *score; keeps the model in *out. */
static int path_step(fit_settings *trial, const ge_samples *s, const size_t *tr, size_t ntr,
                     const size_t *te, size_t nte, const ge_model *from, long epochs,
                     volatile sig_atomic_t *stop, ge_model *out, double *score, ge_error *err)
{
    train_job j = {.fs = trial, .init = from, .fo = {.epochs = epochs, .stop = stop}};
    ge_fit_result res;
    if (train_on(&j, s, tr, ntr, out, &res, err)) {
        *score = INFINITY; /* a diverging candidate just loses */
        memset(out, 0, sizeof *out);
        return 0;
    }
    *score += held_out_error(out, s, te, nte) * (double)nte;
    return 0;
}

int choose_smooth(fit_settings *fs, const ge_samples *s, volatile sig_atomic_t *stop, char *why,
                  size_t whylen, ge_error *err)
{
    /* A regularisation path: decades from the smoothest down, each candidate
     * warm-started from the previous one's solution with a third of the
     * epochs; then the half-decades either side of the best. Scored by
     * K-fold validation for small data, else by one 25% hold-out. */
    static const double decades[] = {1000, 100, 10, 1, 0.1, 0.01};
    enum { ND = sizeof decades / sizeof *decades };
    /* Folds where data is small enough to afford them: a single hold-out of a
     * few hundred points is too noisy to place a sharp front (measured). */
    const int K = s->M <= 2000 ? 5 : (s->M <= 5000 ? 3 : 1);
    const long short_epochs = fs->epochs / 3 > 1 ? fs->epochs / 3 : 1;
    int *fold = malloc(s->M * sizeof *fold);
    size_t *tr = malloc(s->M * sizeof *tr), *te = malloc(s->M * sizeof *te);
    ge_model *kept = calloc((size_t)K * ND, sizeof *kept); /* [K][ND] */
    double score[ND + 2] = {0};
    int rc = -1;
    if (!fold || !tr || !te || !kept) {
        ge_fail(err, "out of memory");
        goto done;
    }
    ge_assign_folds(s->xy, s->M, K > 1 ? K : 4, 0, fs->train.seed, fold);
    fit_settings trial = *fs;
    for (int pass = 0; pass < 2; pass++) {
        int best = 0;
        for (int c = 1; c < ND; c++)
            if (score[c] < score[best])
                best = c;
        const double around[2] = {decades[best] * sqrt(10.0), decades[best] / sqrt(10.0)};
        for (int k = 0; k < K; k++) {
            size_t ntr, nte;
            fold_split(fold, s->M, k, tr, &ntr, te, &nte);
            if (ntr == 0 || nte == 0)
                continue;
            if (pass == 0) {
                for (int c = 0; c < ND; c++) {
                    const ge_model *from = c && kept[k * ND + c - 1].params ? &kept[k * ND + c - 1] : NULL;
                    trial.train.smooth = decades[c];
                    path_step(&trial, s, tr, ntr, te, nte, from, from ? short_epochs : fs->epochs,
                              stop, &kept[k * ND + c], &score[c], err);
                }
            } else {
                for (int c = 0; c < 2; c++) {
                    ge_model m;
                    const ge_model *from = kept[k * ND + best].params ? &kept[k * ND + best] : NULL;
                    trial.train.smooth = around[c];
                    path_step(&trial, s, tr, ntr, te, nte, from, from ? short_epochs : fs->epochs,
                              stop, &m, &score[ND + c], err);
                    ge_model_free(&m);
                }
            }
        }
        if (stop && *stop) {
            ge_fail(err, "interrupted while choosing --smooth");
            goto done;
        }
        if (pass == 1) {
            double bv = decades[best], bs = score[best];
            for (int c = 0; c < 2; c++)
                if (score[ND + c] < bs)
                    bs = score[ND + c], bv = around[c];
            if (!isfinite(bs)) {
                ge_fail(err, "every candidate of --smooth auto diverged; set --smooth and --lr");
                goto done;
            }
            fs->train.smooth = bv;
        }
    }
    snprintf(why, whylen, "smooth %.3g (lowest %s validation error over 0.01 to 1000)",
             fs->train.smooth, K == 5 ? "5-fold" : K == 3 ? "3-fold" : "hold-out");
    rc = 0;
done:
    for (int i = 0; kept && i < K * ND; i++)
        ge_model_free(&kept[i]);
    free(kept);
    free(fold);
    free(tr);
    free(te);
    return rc;
}
