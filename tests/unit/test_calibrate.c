/* Unit tests of src/core/calibrate.c: the fit of the field's variance to
 * held-out coverage. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "../../src/core/calibrate.h"
#include "geoembed/learn.h"
#include "geoembed/rng.h"
#include "unit.h"

static double normal(ge_rng *g)
{
    double u = ge_rng_uniform(g), v = ge_rng_uniform(g);
    return sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v);
}

/* The true log variance of the synthetic residuals. */
static double true_log_var(const double *x) { return -3 + 1.0 * x[0] + 2.0 * x[1]; }

/* Residuals that are Gaussian given features (the third without effect),
 * each read from one cell: the calibration finds their variance, and the
 * coverage it reaches on them is the Gaussian's. Tolerances: 4000 samples
 * (binomial sd of a share about 0.7%), the grids of the search. */
Test(calibrate, recovers_a_heteroscedastic_gaussian)
{
    enum { N = 4000 };
    ge_cal_data d;
    ge_error err = {{0}};
    cr_assert_eq(ge_cal_data_init(&d, N, &err), 0, "%s", err.msg);
    ge_rng g;
    ge_rng_seed(&g, 7);
    size_t cell[4] = {0, 1, 2, 3};
    double w[4] = {1, 0, 0, 0};
    for (int i = 0; i < N; i++) {
        double feat[4 * GE_CAL_F] = {0};
        for (int f = 0; f < GE_CAL_F; f++)
            feat[f] = 2 * ge_rng_uniform(&g) - 1;
        double r = sqrt(exp(true_log_var(feat))) * normal(&g);
        ge_cal_add(&d, r * r, cell, w, feat);
    }
    cr_assert_eq(d.n, (size_t)N);
    ge_cal c;
    cr_assert_eq(ge_cal_solve(&d, 0.0, &c, &err), 0, "%s", err.msg);
    UT_ASSERT_CLOSE(c.within[0], 0.683, 0, 0.02, "share within one std");
    UT_ASSERT_CLOSE(c.within[1], 0.954, 0, 0.01, "share within two stds");
    double at[][GE_CAL_F] = {{0, 0, 0}, {0.8, -0.5, 0.3}, {-0.6, 0.7, -0.9}};
    for (int k = 0; k < 3; k++)
        UT_ASSERT_CLOSE(log(ge_cal_variance(&c, at[k])), true_log_var(at[k]), 0, 0.3,
                        "log variance at place %d", k);
    ge_cal_data_free(&d);
}

Test(calibrate, too_few_samples_leave_it_to_the_caller)
{
    ge_cal_data d;
    ge_error err = {{0}};
    cr_assert_eq(ge_cal_data_init(&d, 5, &err), 0, "%s", err.msg);
    size_t cell[4] = {0, 0, 0, 0};
    double w[4] = {1, 0, 0, 0}, feat[GE_CAL_F] = {0};
    for (int i = 0; i < 10; i++) /* past the capacity: ignored */
        ge_cal_add(&d, 1.0, cell, w, feat);
    cr_assert_eq(d.n, (size_t)5);
    ge_cal c = {.log_scale = 42};
    cr_assert_eq(ge_cal_solve(&d, 0.0, &c, &err), 1);
    cr_assert_eq(c.log_scale, 42, "left untouched");
    ge_cal_data_free(&d);
}

/* A two-scale field sampled in clumps (as surveys are): a few Gaussian
 * clusters and a thin uniform background on [0, 10]^2, every point drawn
 * from the same process, training and test alike. */
static double clustered_truth(double x, double y)
{
    return sin(x / 3) * cos(y / 0.5) + 0.2 * sin((x + 0.5 * y) / 0.15);
}

static void clustered_points(ge_rng *g, const double centre[6][2], const double sd[6],
                             size_t n, double *xy, double *v)
{
    for (size_t i = 0; i < n;) {
        double x, y;
        if (ge_rng_uniform(g) < 80.0 / 440) {
            x = 10 * ge_rng_uniform(g), y = 10 * ge_rng_uniform(g);
        } else {
            int c = (int)(6 * ge_rng_uniform(g)) % 6;
            x = centre[c][0] + sd[c] * normal(g), y = centre[c][1] + sd[c] * normal(g);
        }
        if (x < 0 || x > 10 || y < 0 || y > 10)
            continue;
        xy[2 * i] = x, xy[2 * i + 1] = y;
        v[i++] = clustered_truth(x, y);
    }
}

/* The calibrated spread of a fit to clustered data holds the targets of
 * issue 13 at new points from the same process. The held-out evidence must
 * err as the fit does at new points: with fold fits on 4/5 of the samples
 * the held-out samples lay farther from the rest than new points lie from
 * all of them (most of all in the thin background), and the std fell short
 * far from the clumps: 91.5% within 2 std over these fields, 93.4% with
 * the finer folds (91.0% and 93.0% over 24 fields; 20 of them no worse). A
 * statistical test with fixed seeds: 12 fields of 220 samples, 2000 new
 * points each; the bound allows for the calibration's own noise (its 220
 * held-out samples: a field's share varies by about 2 points, the mean of
 * 12 by about 0.6) and the heavy tail the log-linear spread leaves (the mean
 * still falls short of 95.4%, see bench/accuracy/RESULTS.md). */
Test(calibrate, std_holds_new_points_of_clustered_data, .timeout = 120)
{
    enum { M = 220, T = 2000, FIELDS = 12 };
    static double xy[2 * M], v[M], txy[2 * T], tv[T];
    double in1 = 0, in2 = 0;
    for (int f = 0; f < FIELDS; f++) {
        ge_rng g;
        ge_rng_seed(&g, 101 + (uint64_t)f);
        double centre[6][2], sd[6];
        for (int c = 0; c < 6; c++) {
            centre[c][0] = 1 + 8 * ge_rng_uniform(&g), centre[c][1] = 1 + 8 * ge_rng_uniform(&g);
            sd[c] = 0.25 + 0.35 * ge_rng_uniform(&g);
        }
        clustered_points(&g, centre, sd, M, xy, v);
        clustered_points(&g, centre, sd, T, txy, tv);
        ge_shape s = ut_shape(72, 72, 4, 1, 1, 1, -0.5, -0.5, 11, 11, GE_WRAP_NONE,
                              GE_READOUT_BILINEAR);
        ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1, .smooth_auto = 1,
                           .draws = 50};
        o.train.loss.kind = GE_LOSS_MSE;
        ge_model m;
        ge_learn_result r;
        ge_error err = {{0}};
        cr_assert_eq(ge_learn(&s, xy, v, M, &o, &m, &r, &err), 0, "%s", err.msg);
        double *Kt = malloc((size_t)m.KW * m.KH * s.N * s.O * sizeof *Kt);
        double *F = malloc((size_t)s.W * s.H * s.O * sizeof *F);
        cr_assert(Kt && F);
        ge_kernel_transpose(&m, Kt);
        ge_field(&m, Kt, F);
        for (int i = 0; i < T; i++) {
            double p, e;
            ge_predict_point(&m, Kt, F, txy[2 * i], txy[2 * i + 1], &p);
            cr_assert_eq(ge_predict_sd(&m, txy[2 * i], txy[2 * i + 1], &e), 0);
            in1 += fabs(p - tv[i]) <= e;
            in2 += fabs(p - tv[i]) <= 2 * e;
        }
        free(Kt);
        free(F);
        ge_model_free(&m);
    }
    in1 /= FIELDS * T, in2 /= FIELDS * T;
    cr_log_info("clustered: %.1f%% within 1 std, %.1f%% within 2", 100 * in1, 100 * in2);
    cr_expect(in1 >= 0.60 && in1 <= 0.76, "%.1f%% within 1 std", 100 * in1);
    cr_expect(in2 >= 0.93 && in2 <= 0.98, "%.1f%% within 2 std", 100 * in2);
}
