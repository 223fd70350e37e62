/* Unit tests of the exact solver (src/core/solve.c) and the fitting policy
 * (src/core/learn.c): the penalty matrix is the trainer's curvature energy,
 * the solved model is the optimum of the trainer's objective (zero gradient;
 * gradient training from it does not go lower), its field is reproduced bit
 * for bit by the embedding + convolution, robust losses, singular systems,
 * the penalty search, and determinism across thread counts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/curvature.h"
#include "geoembed/fit.h"
#include "geoembed/isa.h"
#include "geoembed/learn.h"
#include "geoembed/rng.h"
#include "geoembed/solve.h"
#include "geoembed/train.h"
#include "unit.h"
#include "../../src/core/dual.h"

/* M seeded samples of a smooth 2-target field on [0,10] x [0,5], with noise. */
static void make_data(size_t M, int O, uint64_t seed, double noise, double *xy, double *y)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    for (size_t i = 0; i < M; i++) {
        double x = 10 * ge_rng_uniform(&r), yy = 5 * ge_rng_uniform(&r);
        xy[2 * i] = x;
        xy[2 * i + 1] = yy;
        for (int o = 0; o < O; o++)
            y[i * O + o] = (o ? cos(0.5 * x + yy) : sin(0.7 * x) * yy) + 3 * o +
                           noise * (2 * ge_rng_uniform(&r) - 1);
    }
}

static ge_learn_opts exact_opts(double smooth, ge_loss_kind loss)
{
    ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1};
    o.train.loss.kind = loss;
    o.train.loss.delta = 0.5;
    o.train.smooth = smooth;
    return o;
}

Test(solve, penalty_matrix_is_the_curvature_energy)
{
    static const int dims[][2] = {{2, 2}, {3, 3}, {4, 7}, {9, 5}, {12, 3}, {5, 2}};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
        for (int wrap = 0; wrap < 4; wrap++) {
            int W = dims[d][0], H = dims[d][1];
            ge_shape s = ut_shape(W, H, 1, 0, 0, 1, 0, 0, W, H, (ge_wrap)wrap,
                                  GE_READOUT_BILINEAR);
            ge_model m;
            ut_model(&m, &s);
            ge_error err;
            ge_solver *sv = ge_solver_new(&m, NULL, 0, &err);
            cr_assert(sv, "%s", err.msg);
            double *F = malloc((size_t)W * H * sizeof *F);
            ge_rng r;
            ge_rng_seed(&r, (uint64_t)(d * 4 + wrap));
            for (int i = 0; i < W * H; i++)
                F[i] = 2 * ge_rng_uniform(&r) - 1;
            /* ge_curvature returns lambda * energy / (W H O) */
            double want = ge_curvature(&m, F, (double)W * H, NULL);
            UT_ASSERT_CLOSE(ge_solver_energy(sv, F), want, 1e-12, 1e-12, "%dx%d wrap %d", W, H,
                            wrap);
            free(F);
            ge_solver_free(sv);
            ge_model_free(&m);
        }
}

Test(solve, set_field_is_reproduced_bit_for_bit)
{
    ge_shape s = ut_shape(9, 7, 3, 1, 2, 2, 0, 0, 9, 7, GE_WRAP_X, GE_READOUT_BILINEAR);
    ge_model m;
    ut_model(&m, &s);
    ge_model_init_params(&m, 5);
    double F[9 * 7 * 2], G[9 * 7 * 2], Kt[2 * 3 * 5 * 3];
    ge_rng r;
    ge_rng_seed(&r, 9);
    for (int i = 0; i < 9 * 7 * 2; i++)
        F[i] = 1e3 * (2 * ge_rng_uniform(&r) - 1);
    ge_error err;
    cr_assert_eq(ge_model_set_field(&m, F, &err), 0, "%s", err.msg);
    ge_kernel_transpose(&m, Kt);
    ge_field(&m, Kt, G);
    cr_assert_eq(memcmp(F, G, sizeof F), 0, "the convolution of the stored embedding is F");
    ge_model_free(&m);
    /* fewer features than outputs cannot hold the fields */
    s.N = 1;
    ut_model(&m, &s);
    cr_assert_eq(ge_model_set_field(&m, F, &err), -1);
    ge_model_free(&m);
}

/* The trainer's objective and gradient norm at the model's parameters. */
static double objective(ge_model *m, const ge_data *d, double smooth, ge_loss_kind loss,
                        double *gnorm)
{
    ge_train_opts o = {.loss = {.kind = loss, .delta = 0.5}, .smooth = smooth};
    o.optim = ge_optim_defaults(GE_OPT_ADAM);
    ge_error err;
    ge_trainer *t = ge_trainer_new(m, d, &o, &err);
    cr_assert(t, "%s", err.msg);
    double v = ge_trainer_loss(t, NULL, 0, 1);
    const double *g = ge_trainer_grad(t);
    double s = 0;
    for (size_t i = 0; i < m->n_emb; i++) /* the embedding: the field itself */
        s += g[i] * g[i];
    *gnorm = sqrt(s);
    ge_trainer_free(t);
    return v;
}

/* Standardised copy of y with the model's standardisation. */
static void standardised(const ge_model *m, const double *y, size_t M, double *ys)
{
    for (size_t i = 0; i < M; i++)
        for (int o = 0; o < m->s.O; o++)
            ys[i * m->s.O + o] = (y[i * m->s.O + o] - m->y_mean[o]) / m->y_std[o];
}

Test(solve, exact_fit_is_the_optimum_of_the_training_objective)
{
    enum { M = 300, O = 2 };
    static double xy[2 * M], y[M * O], ys[M * O];
    make_data(M, O, 1, 0.05, xy, y);
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_shape s = ut_shape(20, 12, 2, 1, 1, O, 0, 0, 10, 5, (ge_wrap)wrap,
                              GE_READOUT_BILINEAR);
        ge_learn_opts o = exact_opts(0.3, GE_LOSS_MSE);
        ge_model m;
        ge_learn_result r;
        ge_error err;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), 0, "%s", err.msg);
        cr_assert_eq(r.ridge, 0.0);
        standardised(&m, y, M, ys);
        ge_data d = {.M = M, .O = O, .xy = xy, .y = ys};
        double g0, g1;
        double best = objective(&m, &d, 0.3, GE_LOSS_MSE, &g0);
        UT_ASSERT_CLOSE(best, r.objective, 1e-12, 0, "reported objective, wrap %d", wrap);
        /* a random model of the same shape: gradient of order one */
        ge_model q;
        ut_model(&q, &s);
        ge_model_init_params(&q, 3);
        memcpy(q.y_mean, m.y_mean, sizeof(double) * O);
        memcpy(q.y_std, m.y_std, sizeof(double) * O);
        ut_fill_params(&q, 4, 0.5);
        double other = objective(&q, &d, 0.3, GE_LOSS_MSE, &g1);
        cr_assert_gt(other, best);
        cr_assert_lt(g0, 1e-9 * g1, "gradient at the optimum %g vs %g elsewhere", g0, g1);
        /* gradient training started from the optimum does not lower it */
        ge_train_opts to = {.loss = {.kind = GE_LOSS_MSE}, .smooth = 0.3};
        to.optim = ge_optim_defaults(GE_OPT_ADAM);
        to.optim.lr = 1e-3;
        ge_fit_opts fo = {.epochs = 30};
        ge_fit_result fr;
        cr_assert_eq(ge_fit(&m, &d, &to, &fo, &fr, &err), 0, "%s", err.msg);
        double after = objective(&m, &d, 0.3, GE_LOSS_MSE, &g1);
        cr_assert_geq(after, best * (1 - 1e-10), "Adam went below the exact optimum: %.17g < %.17g",
                      after, best);
        ge_model_free(&q);
        ge_model_free(&m);
    }
}

Test(solve, robust_losses_by_reweighting)
{
    enum { M = 200, O = 1 };
    static double xy[2 * M], y[M], ys[M];
    make_data(M, O, 2, 0.02, xy, y);
    for (int k = 0; k < 10; k++)
        y[k * 17] += 50; /* outliers */
    ge_shape s = ut_shape(16, 10, 1, 1, 1, O, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ge_loss_kind kinds[] = {GE_LOSS_L1, GE_LOSS_HUBER};
    for (int i = 0; i < 2; i++) {
        ge_learn_opts o = exact_opts(0.1, kinds[i]);
        ge_learn_opts ls = exact_opts(0.1, GE_LOSS_MSE);
        ge_model m, q;
        ge_learn_result r, rq;
        ge_error err;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), 0, "%s", err.msg);
        cr_assert_eq(ge_learn(&s, xy, y, M, &ls, &q, &rq, &err), 0, "%s", err.msg);
        cr_assert_gt(r.irls, 1, "reweighting ran");
        standardised(&m, y, M, ys);
        ge_data d = {.M = M, .O = O, .xy = xy, .y = ys};
        double g, robust = objective(&m, &d, 0.1, kinds[i], &g);
        double ls_robust = objective(&q, &d, 0.1, kinds[i], &g);
        cr_assert_lt(robust, ls_robust, "the robust fit has the lower %s objective",
                     ge_loss_name(kinds[i]));
        /* and it is pulled less by the outliers: a smaller error on the clean
         * samples than the least-squares fit has */
        double err_clean[2] = {0, 0};
        ge_model *fits[2] = {&m, &q};
        for (int f = 0; f < 2; f++) {
            double Kt[9], F[16 * 10], out;
            ge_kernel_transpose(fits[f], Kt);
            ge_field(fits[f], Kt, F);
            for (size_t j = 0; j < M; j++) {
                if (j % 17 == 0 && j / 17 < 10)
                    continue;
                ge_predict_point(fits[f], Kt, F, xy[2 * j], xy[2 * j + 1], &out);
                err_clean[f] += fabs(out - y[j]);
            }
        }
        /* (the huber delta of 0.5 standard deviations is wide: less gain) */
        cr_assert_lt(err_clean[0], (kinds[i] == GE_LOSS_L1 ? 0.5 : 0.8) * err_clean[1],
                     "%s: clean-sample error %g, least squares %g", ge_loss_name(kinds[i]),
                     err_clean[0], err_clean[1]);
        ge_model_free(&m);
        ge_model_free(&q);
    }
}

Test(solve, singular_system_gets_a_ridge)
{
    double xy[2] = {3, 2}, y[1] = {7};
    ge_shape s = ut_shape(8, 8, 1, 1, 1, 1, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ge_learn_opts o = exact_opts(1, GE_LOSS_MSE);
    ge_model m;
    ge_learn_result r;
    ge_error err;
    cr_assert_eq(ge_learn(&s, xy, y, 1, &o, &m, &r, &err), 0, "%s", err.msg);
    cr_assert_gt(r.ridge, 0.0, "one sample leaves the plane free: a ridge");
    double Kt[9], F[64], out;
    ge_kernel_transpose(&m, Kt);
    ge_field(&m, Kt, F);
    ge_predict_point(&m, Kt, F, 3, 2, &out);
    UT_ASSERT_CLOSE(out, 7.0, 1e-6, 1e-9, "the one sample is reproduced");
    ge_model_free(&m);
}

Test(solve, penalty_search_prefers_smooth_for_noise_and_little_for_clean_data)
{
    enum { M = 400, O = 1 };
    static double xy[2 * M], y[M];
    ge_shape s = ut_shape(24, 12, 1, 1, 1, O, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    double chosen[2];
    for (int noisy = 0; noisy < 2; noisy++) {
        make_data(M, O, 3, noisy ? 1.0 : 0.0, xy, y);
        ge_learn_opts o = exact_opts(0, GE_LOSS_MSE);
        o.smooth_auto = 1;
        ge_model m;
        ge_learn_result r;
        ge_error err;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), 0, "%s", err.msg);
        cr_assert_eq(r.folds, 5);
        cr_assert_geq(r.candidates, 11);
        cr_assert(isfinite(r.cv_loss) && r.cv_loss > 0);
        chosen[noisy] = r.smooth;
        ge_model_free(&m);
    }
    cr_assert_gt(chosen[1], 10 * chosen[0], "noise asks for more smoothing: %g vs %g", chosen[1],
                 chosen[0]);
}

Test(solve, same_model_on_one_and_two_threads)
{
    enum { M = 600, O = 2 };
    static double xy[2 * M], y[M * O];
    make_data(M, O, 5, 0.1, xy, y);
    ge_shape s = ut_shape(30, 15, 2, 1, 1, O, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ge_model m[2];
    ge_learn_result r[2];
    for (int t = 0; t < 2; t++) {
        ut_set_threads(t + 1);
        ge_learn_opts o = exact_opts(0, GE_LOSS_MSE);
        o.smooth_auto = 1;
        ge_error err;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m[t], &r[t], &err), 0, "%s", err.msg);
    }
    ut_set_threads(2);
    cr_assert_eq(r[0].smooth, r[1].smooth);
    cr_assert_eq(memcmp(m[0].params, m[1].params, m[0].n_params * sizeof(double)), 0,
                 "byte-identical parameters");
    ge_model_free(&m[0]);
    ge_model_free(&m[1]);
}

Test(solve, standardize_refuses_overflow)
{
    double y[4] = {1e300, -1e300, 1.7e308, 0}, mean, std;
    ge_error err;
    cr_assert_eq(ge_standardize(y, 4, 1, &mean, &std, &err), 0, "%s", err.msg);
    cr_assert(isfinite(mean) && isfinite(std) && std > 1e307);
    double z[3] = {1.7e308, -1.7e308, -1.7e308}; /* 1.7e308 - mean overflows */
    cr_assert_eq(ge_standardize(z, 3, 1, &mean, &std, &err), -1, "a spread past the largest "
                                                                   "double is refused");
}

/* Held-out absolute error sum of fold k by the normal equations. */
static double direct_fold_error(const ge_model *m, const double *xy, const double *ys, size_t M,
                                const int *fold, int k, double lambda)
{
    const int O = m->s.O;
    const size_t n = (size_t)m->s.W * m->s.H;
    ge_error err;
    ge_solver *s = ge_solver_new(m, xy, M, &err);
    cr_assert(s, "%s", err.msg);
    size_t *tr = malloc(M * sizeof *tr), ntr = 0;
    for (size_t i = 0; i < M; i++)
        if (fold[i] != k)
            tr[ntr++] = i;
    double *f = malloc(n * O * sizeof *f), sum = 0;
    ge_solver_set_data(s, tr, ntr, NULL, 0);
    cr_assert_eq(ge_solver_factor(s, lambda, &err), 0, "%s", err.msg);
    for (int o = 0; o < O; o++)
        ge_solver_rhs(s, tr, ntr, NULL, ys, O, o, f + o * n);
    cr_assert_eq(ge_solver_solve(s, f, O, f, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < M; i++)
        if (fold[i] == k)
            for (int o = 0; o < O; o++)
                sum += fabs(ge_solver_predict(s, i, f + o * n) - ys[i * O + o]);
    free(tr);
    free(f);
    ge_solver_free(s);
    return sum;
}

Test(solve, dual_form_scores_equal_the_normal_equations)
{
    enum { M = 150, O = 2, K = 3 };
    static double xy[2 * M], y[M * O];
    make_data(M, O, 8, 0.1, xy, y);
    int fold[M];
    for (int i = 0; i < M; i++)
        fold[i] = i % K;
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_shape s = ut_shape(14, 9, 2, 1, 1, O, 0, 0, 10, 5, (ge_wrap)wrap, GE_READOUT_BILINEAR);
        ge_model m;
        ut_model(&m, &s);
        ge_error err;
        ge_dual *d = ge_dual_new(&m, xy, y, M, fold, K, &err);
        cr_assert(d, "%s", err.msg);
        double lg[3] = {-2, 0, 1.5}, sums[3 * K];
        cr_assert_eq(ge_dual_scores(d, lg, 3, sums, &err), 0, "%s", err.msg);
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < K; k++)
                UT_ASSERT_CLOSE(sums[c * K + k],
                                direct_fold_error(&m, xy, y, M, fold, k, pow(10.0, lg[c])), 1e-7,
                                1e-12, "wrap %d, lambda 1e%g, fold %d", wrap, lg[c], k);
        ge_dual_free(d);
        ge_model_free(&m);
    }
}

Test(solve, coverage_is_the_distance_to_the_nearest_sample)
{
    enum { M = 40 };
    double xy[2 * M];
    ge_rng r;
    ge_rng_seed(&r, 12);
    for (int i = 0; i < M; i++) /* a clump in one corner and a few strays */
        xy[2 * i] = i < 30 ? 2 * ge_rng_uniform(&r) : 10 * ge_rng_uniform(&r),
        xy[2 * i + 1] = i < 30 ? 2 * ge_rng_uniform(&r) : 5 * ge_rng_uniform(&r);
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_shape s = ut_shape(40, 20, 1, 1, 1, 1, 0, 0, 10, 5, (ge_wrap)wrap, GE_READOUT_BILINEAR);
        ge_model m;
        ut_model(&m, &s);
        ge_error err;
        cr_assert_eq(ge_model_coverage(&m, xy, M, &err), 0, "%s", err.msg);
        double worst = 0;
        for (int w = 0; w < 40; w++)
            for (int h = 0; h < 20; h++) {
                double cx = (w + 0.5) * m.cw, cy = (h + 0.5) * m.ch, best = INFINITY;
                for (int i = 0; i < M; i++) {
                    double ex = fabs(xy[2 * i] - cx), ey = fabs(xy[2 * i + 1] - cy);
                    if ((wrap & GE_WRAP_X) && ex > 5)
                        ex = 10 - ex;
                    if ((wrap & GE_WRAP_Y) && ey > 2.5)
                        ey = 5 - ey;
                    best = fmin(best, sqrt(ex * ex + ey * ey));
                }
                double got = m.coverage[w * 20 + h];
                cr_assert_geq(got, best * (1 - 1e-6), "a distance to some sample is no shorter");
                worst = fmax(worst, got - best);
            }
        cr_assert_lt(worst, 0.01, "wrap %d: cell-centre distances within 0.01 of exact (%g)", wrap,
                     worst);
        /* a point far out: its distance through the edge cell is an upper bound */
        cr_assert_gt(ge_model_distance(&m, 9.9, 4.9), 0.0);
        ge_model_free(&m);
    }
}

/* The draws' variances against the exact diagonal of H^-1 (solves of unit
 * vectors) on a W x H grid: within the sampling error of 4000 draws
 * (relative sd sqrt(2/4000) = 2.2%; 10% is 4.5 sd). */
static void variances_match_the_inverse(int W, int H, int M)
{
    double *xy = malloc(2 * (size_t)M * sizeof *xy), *y = malloc((size_t)M * sizeof *y);
    make_data(M, 1, 9, 0.1, xy, y);
    ge_shape sh = ut_shape(W, H, 1, 1, 1, 1, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ge_model m;
    ge_error err;
    cr_assert_eq(ge_model_init(&m, &sh, &err), 0, "%s", err.msg);
    ge_solver *s = ge_solver_new(&m, xy, (size_t)M, &err);
    cr_assert_not_null(s, "%s", err.msg);
    ge_solver_set_data(s, NULL, (size_t)M, NULL, 0);
    cr_assert_eq(ge_solver_factor(s, 0.3, &err), 0, "%s", err.msg);
    const size_t n = ge_solver_cells(s);
    double *cell = malloc(n * sizeof *cell), *e = malloc(n * sizeof *e), *col = malloc(n * sizeof *col);
    double at[3];
    size_t pts[3] = {0, 7, 21};
    cr_assert_eq(ge_solver_variances(s, NULL, (size_t)M, NULL, 4000, 5, cell, pts, 3, at, &err),
                 0, "%s", err.msg);
    for (size_t j = 0; j < n; j++) {
        memset(e, 0, n * sizeof *e);
        e[j] = 1;
        cr_assert_eq(ge_solver_solve(s, e, 1, col, &err), 0, "%s", err.msg);
        UT_ASSERT_CLOSE(cell[j], col[j], 0.10, 0, "%dx%d, cell %zu: draws against the inverse", W,
                        H, j);
    }
    for (int k = 0; k < 3; k++) { /* a_i H^-1 a_i' from the columns of the read-out cells */
        size_t c[4];
        double w[4], exact = 0;
        ge_solver_readout(s, pts[k], c, w);
        for (int a = 0; a < 4; a++) {
            memset(e, 0, n * sizeof *e);
            e[c[a]] = 1;
            cr_assert_eq(ge_solver_solve(s, e, 1, col, &err), 0, "%s", err.msg);
            for (int b = 0; b < 4; b++)
                exact += w[a] * w[b] * col[c[b]];
        }
        UT_ASSERT_CLOSE(at[k], exact, 0.10, 0, "%dx%d, sample %zu: draws against the inverse", W,
                        H, pts[k]);
    }
    ge_solver_free(s);
    ge_model_free(&m);
    free(xy), free(y), free(cell), free(e), free(col);
}

/* 7x6 cells: CHOLMOD factors simplicially (LDL'); 20x20: supernodal (LL').
 * The draws are P'L^-T z from either factor. */
Test(solve, posterior_variances_by_draws_match_the_inverse)
{
    variances_match_the_inverse(7, 6, 40);
    variances_match_the_inverse(20, 20, 300);
}

/* The multigrid path solves the same normal equations: on a grid of three
 * levels (every wrap mode), its model equals the Cholesky solve's within the
 * conjugate gradients' tolerance, and it is byte-identical on 1 and 2 threads
 * (its sums do not depend on the thread count). */
Test(solve, multigrid_equals_cholesky_and_ignores_the_thread_count)
{
    enum { M = 3000, O = 2, W = 170, H = 130 };
    static double xy[2 * M], y[M * O];
    make_data(M, O, 11, 0.05, xy, y);
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_shape s = ut_shape(W, H, 2, 1, 1, O, 0, 0, 10, 5, (ge_wrap)wrap, GE_READOUT_BILINEAR);
        ge_model m[3];
        ge_learn_result r[3];
        ge_error err;
        for (int k = 0; k < 3; k++) {
            ut_set_threads(k == 2 ? 2 : 1);
            ge_learn_opts o = exact_opts(0.3, GE_LOSS_MSE);
            o.solver = k == 0 ? GE_SOLVER_CHOLESKY : GE_SOLVER_MULTIGRID;
            cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m[k], &r[k], &err), 0, "%s", err.msg);
        }
        ut_set_threads(2);
        double top = 0, diff = 0;
        for (size_t i = 0; i < m[0].n_params; i++) {
            top = fmax(top, fabs(m[0].params[i]));
            diff = fmax(diff, fabs(m[0].params[i] - m[1].params[i]));
        }
        cr_assert_lt(diff, 1e-7 * top, "wrap %d: multigrid differs by %g (largest %g)", wrap,
                     diff, top);
        UT_ASSERT_CLOSE(r[1].objective, r[0].objective, 1e-12, 1e-10, "objective, wrap %d",
                        wrap);
        cr_assert_eq(memcmp(m[1].params, m[2].params, m[1].n_params * sizeof(double)), 0,
                     "wrap %d: 1 and 2 threads differ", wrap);
        for (int k = 0; k < 3; k++)
            ge_model_free(&m[k]);
    }
}

/* The multigrid's level kernels run on the vector unit GEOEMBED_SIMD
 * names (src/core/mg_kernels.h): a solver made after this call uses unit. */
static void use_unit(ge_isa unit) { setenv("GEOEMBED_SIMD", ge_isa_name(unit), 1); }

/* nr right-hand sides rhs solved into out by a new multigrid solver of the
 * samples xy[M] (unit weights, penalty 0.3). */
static void mg_solve_all(const ge_model *m, const double *xy, size_t M, const double *rhs,
                         int nr, double *out)
{
    ge_error err;
    ge_solver *s = ge_solver_new_kind(m, xy, M, GE_SOLVER_MULTIGRID, &err);
    cr_assert_not_null(s, "%s", err.msg);
    ge_solver_set_data(s, NULL, M, NULL, 0);
    cr_assert_eq(ge_solver_factor(s, 0.3, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_solver_solve(s, rhs, nr, out, &err), 0, "%s", err.msg);
    ge_solver_free(s);
}

/* The multigrid solves right-hand sides in blocks that read the operator
 * once for all of them: each column must come out bit for bit as it does
 * solved alone (13 columns: a block of 8 and a partial one of 5), on one
 * thread and on two, on every wrap mode, on each vector unit of this CPU. */
Test(solve, multigrid_blocks_solve_each_column_as_alone)
{
    enum { M = 3000, W = 170, H = 130, NR = 13 };
    static double xy[2 * M], y[M], rhs[NR * W * H], block[NR * W * H], alone[W * H];
    make_data(M, 1, 11, 0.05, xy, y);
    ge_rng g;
    ge_rng_seed(&g, 3);
    for (size_t i = 0; i < (size_t)NR * W * H; i++)
        rhs[i] = ge_rng_uniform(&g) - 0.5;
    for (int uw = 0; uw < GE_ISA_COUNT * 4; uw++) {
        const int unit = uw / 4, wrap = uw % 4;
        if (!ge_isa_supported((ge_isa)unit))
            continue;
        use_unit((ge_isa)unit);
        ge_shape sh = ut_shape(W, H, 2, 1, 1, 1, 0, 0, 10, 5, (ge_wrap)wrap, GE_READOUT_BILINEAR);
        ge_model m;
        ge_error err;
        cr_assert_eq(ge_model_init(&m, &sh, &err), 0, "%s", err.msg);
        for (int threads = 1; threads <= 2; threads++) {
            ut_set_threads(threads);
            mg_solve_all(&m, xy, M, rhs, NR, block);
            for (int k = 0; k < NR; k++) {
                /* a fresh solver: no warm start from another column */
                mg_solve_all(&m, xy, M, rhs + (size_t)k * W * H, 1, alone);
                cr_assert_eq(memcmp(alone, block + (size_t)k * W * H, sizeof alone), 0,
                             "%s, wrap %d, %d thread(s): column %d of the block differs",
                             ge_isa_name((ge_isa)unit), wrap, threads, k);
            }
        }
        ge_model_free(&m);
    }
    unsetenv("GEOEMBED_SIMD");
    ut_set_threads(2);
}

/* The vector units round differently (fused multiply-adds): each unit's
 * multigrid solve of a block of 8 agrees with the generic one within the
 * solver's tolerance, and is byte-identical on 1 and 2 threads. */
Test(solve, multigrid_units_agree_with_generic)
{
    enum { M = 3000, W = 170, H = 130, NR = 8 };
    static double xy[2 * M], y[M], rhs[NR * W * H], ref[NR * W * H], f[2][NR * W * H];
    make_data(M, 1, 11, 0.05, xy, y);
    ge_rng g;
    ge_rng_seed(&g, 5);
    for (size_t i = 0; i < (size_t)NR * W * H; i++)
        rhs[i] = ge_rng_uniform(&g) - 0.5;
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_shape sh = ut_shape(W, H, 2, 1, 1, 1, 0, 0, 10, 5, (ge_wrap)wrap, GE_READOUT_BILINEAR);
        ge_model m;
        ge_error err;
        cr_assert_eq(ge_model_init(&m, &sh, &err), 0, "%s", err.msg);
        for (int unit = 0; unit < GE_ISA_COUNT; unit++) {
            if (!ge_isa_supported((ge_isa)unit))
                continue;
            use_unit((ge_isa)unit);
            for (int threads = 1; threads <= 2; threads++) {
                ut_set_threads(threads);
                mg_solve_all(&m, xy, M, rhs, NR, f[threads - 1]);
            }
            cr_assert_eq(memcmp(f[0], f[1], sizeof f[0]), 0, "%s, wrap %d: 1 and 2 threads differ",
                         ge_isa_name((ge_isa)unit), wrap);
            if (unit == GE_ISA_GENERIC)
                memcpy(ref, f[0], sizeof ref);
            double top = 0, diff = 0;
            for (size_t i = 0; i < (size_t)NR * W * H; i++) {
                top = fmax(top, fabs(ref[i]));
                diff = fmax(diff, fabs(ref[i] - f[0][i]));
            }
            cr_assert_lt(diff, 1e-7 * top, "%s, wrap %d: differs from generic by %g (largest %g)",
                         ge_isa_name((ge_isa)unit), wrap, diff, top);
        }
        ge_model_free(&m);
    }
    unsetenv("GEOEMBED_SIMD");
    ut_set_threads(2);
}
