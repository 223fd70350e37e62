/* Unit tests of src/core/calibrate.c: the fit of the field's variance to
 * held-out coverage. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "../../src/core/calibrate.h"
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
