/* The calibration of the posterior spread on held-out residuals.
 *
 * The Gaussian posterior alone (a scale times the variance per unit noise)
 * is calibrated on noisy data, but on noise-free data the error is
 * interpolation error: tiny where the field is gentle, orders of magnitude
 * larger at a sharp front, at the edge of the data or where the data is
 * thin. Scaled to the mean square, such a spread held 87-94% of the
 * held-out errors within one std and wrongly few at the front. Here the
 * log of the field's variance is a linear function of three features of a
 * cell, read from the fit itself:
 *   - the log of the posterior variance per unit noise (where data is thin);
 *   - the log of the fit's curvature energy (a sharp front rings around it,
 *     and the ringing is the error);
 *   - the offset of the nearby data, |sum K(d) d| / sum K(d) over the
 *     samples at d from the cell (0 inside the data, about the reach at its
 *     edge, where the fit extrapolates).
 * The coefficients come from least squares of the log squared held-out
 * residuals (of the fold fits of learn.c's held_out_folds) on the features;
 * then a common factor of the coefficients and the scale are chosen so that the
 * held-out coverage is 68.3% within one std and 95.4% within two, or, when
 * the tails do not allow both, as close to both as tolerances of 5 and 3
 * points weigh them (a heavier tail trades a wider one-std share for the
 * two-std share, which matters more to a map of risk). The residuals are read
 * exactly as predict reads the std (the bilinear blend of the cells' std),
 * so the calibrated quantity is the one written. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "geoembed/curvature.h"

#define TARGET_1 0.683
#define TARGET_2 0.954
#define TOLERANCE_1 0.05
#define TOLERANCE_2 0.03
/* The common factor of the coefficients, and the share of held-out errors
 * within one std, searched on these grids. */
#define KAPPA_MIN 0.25
#define KAPPA_STEP 0.05
#define KAPPA_COUNT 36
#define SHARE_MIN 0.60
#define SHARE_STEP 0.0025
#define SHARE_COUNT 81
/* The offset's kernel is cut at this many reaches; past it a cell has no
 * data, and its offset is this. */
#define OFFSET_CUT 3.0
/* A grid far finer than the samples' spacing sees the offset within this
 * many cells only: the time stays linear in the cells. */
#define OFFSET_MAX_TAPS 64
#define MIN_SAMPLES 20

/* ---- features of a cell ---- */

/* Thin-plate curvature energy of f at every cell (the terms of
 * ge_curvature that start at the cell). */
static void curvature_map(const ge_model *m, const double *f, double *out)
{
    const int W = m->s.W, H = m->s.H, wx = ge_wrap_x(m), wy = ge_wrap_y(m);
    for (int w = 0; w < W; w++) {
        int wm = ge_axis_step(w, -1, W, wx), wp = ge_axis_step(w, 1, W, wx);
        for (int h = 0; h < H; h++) {
            int hm = ge_axis_step(h, -1, H, wy), hp = ge_axis_step(h, 1, H, wy);
            double e = 0, c = f[(size_t)w * H + h];
            if (wm >= 0 && wp >= 0 && W >= 3) {
                double d = f[(size_t)wp * H + h] - 2 * c + f[(size_t)wm * H + h];
                e += d * d;
            }
            if (hm >= 0 && hp >= 0 && H >= 3) {
                double d = f[(size_t)w * H + hp] - 2 * c + f[(size_t)w * H + hm];
                e += d * d;
            }
            if (wp >= 0 && hp >= 0 && W >= 2 && H >= 2) {
                double d = f[(size_t)wp * H + hp] - f[(size_t)wp * H + h] -
                           f[(size_t)w * H + hp] + c;
                e += 2 * d * d;
            }
            out[(size_t)w * H + h] = e;
        }
    }
}

/* Gaussian taps k[-r..r] (k + r) and k[d] * d of standard deviation sd cells. */
static int taps(double sd, double **k, double **kd)
{
    int r = (int)fmin(ceil(OFFSET_CUT * sd), OFFSET_MAX_TAPS);
    if (r < 1)
        r = 1;
    *k = malloc((size_t)(2 * r + 1) * sizeof **k);
    *kd = malloc((size_t)(2 * r + 1) * sizeof **kd);
    if (!*k || !*kd)
        return -1;
    for (int d = -r; d <= r; d++) {
        (*k)[d + r] = exp(-0.5 * (d / sd) * (d / sd));
        (*kd)[d + r] = (*k)[d + r] * d;
    }
    return r;
}

/* The offset of the data at every cell, in reaches, from the count of
 * samples per cell: two separable passes of the Gaussian and of its first
 * moment along each axis. */
static int offset_map(const ge_model *m, const double *count, double reach, double *out,
                      ge_error *err)
{
    const int W = m->s.W, H = m->s.H, wx = ge_wrap_x(m), wy = ge_wrap_y(m);
    const size_t ncell = (size_t)W * H;
    double *ky = NULL, *kdy = NULL, *kx = NULL, *kdx = NULL;
    double *t0 = malloc(ncell * sizeof *t0), *t1 = malloc(ncell * sizeof *t1);
    int ry = taps(reach / m->ch, &ky, &kdy), rx = taps(reach / m->cw, &kx, &kdx), rc = -1;
    if (ry < 0 || rx < 0 || !t0 || !t1) {
        ge_fail(err, "out of memory for the uncertainty of a %dx%d grid", W, H);
        goto done;
    }
    for (int w = 0; w < W; w++) /* along y: the sum and the first moment */
        for (int h = 0; h < H; h++) {
            double s0 = 0, s1 = 0;
            for (int d = -ry; d <= ry; d++) {
                int j = ge_axis_step(h, d, H, wy);
                if (j < 0)
                    continue;
                double c = count[(size_t)w * H + j];
                s0 += ky[d + ry] * c;
                s1 += kdy[d + ry] * c;
            }
            t0[(size_t)w * H + h] = s0;
            t1[(size_t)w * H + h] = s1;
        }
    for (int w = 0; w < W; w++) /* along x */
        for (int h = 0; h < H; h++) {
            double s0 = 0, mx = 0, my = 0;
            for (int d = -rx; d <= rx; d++) {
                int i = ge_axis_step(w, d, W, wx);
                if (i < 0)
                    continue;
                s0 += kx[d + rx] * t0[(size_t)i * H + h];
                mx += kdx[d + rx] * t0[(size_t)i * H + h];
                my += kx[d + rx] * t1[(size_t)i * H + h];
            }
            double off = s0 > 0 ? hypot(mx * m->cw, my * m->ch) / (s0 * reach) : OFFSET_CUT;
            out[(size_t)w * H + h] = off < OFFSET_CUT ? off : OFFSET_CUT;
        }
    rc = 0;
done:
    free(ky);
    free(kdy);
    free(kx);
    free(kdx);
    free(t0);
    free(t1);
    return rc;
}

int ge_cal_features(const ge_model *m, const ge_solver *s, const size_t *idx, size_t n,
                    const double *var, const double *f, double reach, double *out,
                    ge_error *err)
{
    const size_t ncell = (size_t)m->s.W * m->s.H;
    double *a = calloc(ncell, sizeof *a), *b = malloc(ncell * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return ge_fail(err, "out of memory for the uncertainty of a %dx%d grid", m->s.W, m->s.H);
    }
    /* a floor far below the typical value keeps the logs finite */
    double vmean = 0, cmean = 0;
    curvature_map(m, f, b);
    for (size_t c = 0; c < ncell; c++)
        vmean += var[c] / (double)ncell, cmean += b[c] / (double)ncell;
    for (size_t c = 0; c < ncell; c++) {
        out[c * GE_CAL_F + 0] = log(fmax(var[c], 1e-12 * vmean) + 1e-300);
        out[c * GE_CAL_F + 1] = log(b[c] + 1e-12 * cmean + 1e-300);
    }
    for (size_t k = 0; k < n; k++) { /* each sample counts in the cell it reads most */
        size_t cell[4];
        double w[4];
        ge_solver_readout(s, idx ? idx[k] : k, cell, w);
        int best = 0;
        for (int j = 1; j < 4; j++)
            if (w[j] > w[best])
                best = j;
        a[cell[best]] += 1;
    }
    int rc = offset_map(m, a, reach, b, err);
    for (size_t c = 0; !rc && c < ncell; c++)
        out[c * GE_CAL_F + 2] = b[c];
    free(a);
    free(b);
    return rc;
}

/* ---- the held-out evidence ---- */

int ge_cal_data_init(ge_cal_data *d, size_t cap, ge_error *err)
{
    memset(d, 0, sizeof *d);
    d->cap = cap;
    d->x = malloc((cap ? cap : 1) * 4 * GE_CAL_F * sizeof *d->x);
    d->w = malloc((cap ? cap : 1) * 4 * sizeof *d->w);
    d->r2 = malloc((cap ? cap : 1) * sizeof *d->r2);
    if (!d->x || !d->w || !d->r2) {
        ge_cal_data_free(d);
        return ge_fail(err, "out of memory for the uncertainty");
    }
    return 0;
}

void ge_cal_data_free(ge_cal_data *d)
{
    free(d->x);
    free(d->w);
    free(d->r2);
    memset(d, 0, sizeof *d);
}

void ge_cal_add(ge_cal_data *d, double r2, const size_t cell[4], const double w[4],
                const double *feat)
{
    if (d->n >= d->cap || !isfinite(r2))
        return;
    for (int k = 0; k < 4; k++) {
        d->w[d->n * 4 + k] = (float)w[k];
        for (int f = 0; f < GE_CAL_F; f++)
            d->x[(d->n * 4 + k) * GE_CAL_F + f] = (float)feat[cell[k] * GE_CAL_F + f];
    }
    d->r2[d->n++] = r2;
}

void ge_cal_append(ge_cal_data *dst, const ge_cal_data *src)
{
    size_t n = src->n < dst->cap - dst->n ? src->n : dst->cap - dst->n;
    if (n == 0)
        return;
    memcpy(dst->x + dst->n * 4 * GE_CAL_F, src->x, n * 4 * GE_CAL_F * sizeof *dst->x);
    memcpy(dst->w + dst->n * 4, src->w, n * 4 * sizeof *dst->w);
    memcpy(dst->r2 + dst->n, src->r2, n * sizeof *dst->r2);
    dst->n += n;
}

/* ---- the fit ---- */

/* Solves the small SPD system G x = b (n x n, both overwritten) by Cholesky. */
static void spd_solve(double *G, double *b, int n, double *x)
{
    for (int j = 0; j < n; j++) {
        double s = G[j * n + j];
        for (int k = 0; k < j; k++)
            s -= G[j * n + k] * G[j * n + k];
        G[j * n + j] = sqrt(fmax(s, 1e-300));
        for (int i = j + 1; i < n; i++) {
            double t = G[i * n + j];
            for (int k = 0; k < j; k++)
                t -= G[i * n + k] * G[j * n + k];
            G[i * n + j] = t / G[j * n + j];
        }
    }
    for (int i = 0; i < n; i++) {
        double t = b[i];
        for (int k = 0; k < i; k++)
            t -= G[i * n + k] * b[k];
        b[i] = t / G[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double t = b[i];
        for (int k = i + 1; k < n; k++)
            t -= G[k * n + i] * x[k];
        x[i] = t / G[i * n + i];
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The standardised linear predictor of corner k of sample j (without the
 * common factor). */
static double predictor(const ge_cal *c, const ge_cal_data *d, size_t j, int k)
{
    double e = 0;
    for (int f = 0; f < GE_CAL_F; f++)
        e += c->coef[f] * (d->x[(j * 4 + k) * GE_CAL_F + f] - c->mean[f]) / c->sd[f];
    return e;
}

/* Least squares of the log squared residuals on the standardised features:
 * c->mean, sd and coef (the intercept is left to the scale). */
static void regress(const ge_cal_data *d, ge_cal *c)
{
    const size_t n = d->n;
    enum { P = GE_CAL_F + 1 };
    double G[P * P] = {0}, b[P] = {0}, x[P], r2mean = 0;
    for (size_t j = 0; j < n; j++)
        r2mean += d->r2[j] / (double)n;
    for (int f = 0; f < GE_CAL_F; f++) {
        double s = 0, ss = 0;
        for (size_t j = 0; j < n; j++) {
            double v = 0;
            for (int k = 0; k < 4; k++)
                v += d->w[j * 4 + k] * d->x[(j * 4 + k) * GE_CAL_F + f];
            s += v, ss += v * v;
        }
        c->mean[f] = s / (double)n;
        double var = ss / (double)n - c->mean[f] * c->mean[f];
        c->sd[f] = var > 1e-12 ? sqrt(var) : 1.0; /* a constant feature gets 0 */
    }
    for (size_t j = 0; j < n; j++) {
        double a[P] = {1};
        for (int f = 0; f < GE_CAL_F; f++) {
            double v = 0;
            for (int k = 0; k < 4; k++)
                v += d->w[j * 4 + k] * d->x[(j * 4 + k) * GE_CAL_F + f];
            a[f + 1] = (v - c->mean[f]) / c->sd[f];
        }
        double y = log(d->r2[j] + 1e-12 * r2mean + 1e-300);
        for (int p = 0; p < P; p++) {
            b[p] += a[p] * y;
            for (int q = 0; q < P; q++)
                G[p * P + q] += a[p] * a[q];
        }
    }
    for (int p = 1; p < P; p++) /* a ridge for features that do not vary */
        G[p * P + p] += 1e-9 * (double)n;
    spd_solve(G, b, P, x);
    for (int f = 0; f < GE_CAL_F; f++)
        c->coef[f] = x[f + 1];
}

int ge_cal_solve(const ge_cal_data *d, double noise2, ge_cal *c, ge_error *err)
{
    const size_t n = d->n;
    if (n < MIN_SAMPLES)
        return 1;
    ge_cal fit;
    regress(d, &fit);
    double *eta = malloc(n * 4 * sizeof *eta), *base = malloc(n * sizeof *base);
    double *t = malloc(n * sizeof *t);
    if (!eta || !base || !t) {
        free(eta);
        free(base);
        free(t);
        return ge_fail(err, "out of memory for the uncertainty");
    }
    /* centred, so that the exponentials stay in range */
    double centre = 0;
    for (size_t j = 0; j < n; j++)
        for (int k = 0; k < 4; k++)
            centre += d->w[j * 4 + k] * (eta[j * 4 + k] = predictor(&fit, d, j, k)) / (double)n;
    double best = INFINITY, best_kappa = 1, best_scale = 1;
    for (int a = 0; a < KAPPA_COUNT; a++) {
        double kappa = KAPPA_MIN + a * KAPPA_STEP;
        for (size_t j = 0; j < n; j++) {
            double s = 0; /* the std read out as predict reads it, per unit scale */
            for (int k = 0; k < 4; k++)
                if (d->w[j * 4 + k] > 0)
                    s += d->w[j * 4 + k] * exp(fmin(0.5 * kappa * (eta[j * 4 + k] - centre), 300));
            base[j] = fmax(s * s, 1e-300);
            t[j] = fmax(d->r2[j] - noise2, 0) / base[j];
        }
        qsort(t, n, sizeof *t, cmp_double);
        for (int q = 0; q < SHARE_COUNT; q++) {
            /* the scale that holds this share of the errors within one std */
            size_t at = (size_t)ceil((SHARE_MIN + q * SHARE_STEP) * (double)n) - 1;
            double scale = fmax(t[at < n ? at : n - 1], 1e-300);
            size_t in1 = 0, in2 = 0;
            for (size_t j = 0; j < n; j++) {
                double v = scale * base[j] + noise2;
                in1 += d->r2[j] <= v;
                in2 += d->r2[j] <= 4 * v;
            }
            double c1 = (double)in1 / (double)n, c2 = (double)in2 / (double)n;
            double miss = fmax(fabs(c1 - TARGET_1) / TOLERANCE_1, fabs(c2 - TARGET_2) / TOLERANCE_2);
            if (miss < best) {
                best = miss, best_kappa = kappa, best_scale = scale;
                fit.within[0] = c1, fit.within[1] = c2;
            }
        }
    }
    for (int f = 0; f < GE_CAL_F; f++)
        fit.coef[f] *= best_kappa;
    fit.log_scale = log(best_scale) - best_kappa * centre;
    *c = fit;
    free(eta);
    free(base);
    free(t);
    return 0;
}

double ge_cal_variance(const ge_cal *c, const double *x)
{
    double e = c->log_scale;
    for (int f = 0; f < GE_CAL_F; f++)
        e += c->coef[f] * (x[f] - c->mean[f]) / c->sd[f];
    return exp(fmax(fmin(e, 700), -700));
}
