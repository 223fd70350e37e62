/* Unit tests of the penalty's terms (src/core/curvature.c) as the distributed
 * solver uses them: blocks of anchors that tile the grid add up to the whole
 * curvature energy, whatever the tiling; and of ge_learn's backend hook: a
 * backend that solves like the local solver gives the local solver's model,
 * the penalty search included, and options it does not take are refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/curvature.h"
#include "geoembed/learn.h"
#include "geoembed/solve.h"
#include "unit.h"

typedef struct {
    const double *f;
    double sum;
} energy;

static void add_energy(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    energy *e = ctx;
    double t = 0;
    for (int k = 0; k < n; k++)
        t += v[k] * e->f[idx[k]];
    e->sum += c * t * t;
}

Test(penalty, tiled_anchors_add_up_to_the_curvature_energy)
{
    static const int dims[][2] = {{3, 3}, {4, 7}, {9, 5}, {12, 3}, {17, 11}};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
        for (int wrap = 0; wrap < 4; wrap++) {
            int W = dims[d][0], H = dims[d][1], wx = wrap & 1, wy = (wrap & 2) != 0;
            ge_shape s = ut_shape(W, H, 1, 0, 0, 1, 0, 0, W, H, (ge_wrap)wrap,
                                  GE_READOUT_BILINEAR);
            ge_model m;
            ut_model(&m, &s);
            double *F = malloc((size_t)W * H * sizeof *F);
            ge_rng r;
            ge_rng_seed(&r, (uint64_t)(d * 4 + wrap));
            for (int i = 0; i < W * H; i++)
                F[i] = 2 * ge_rng_uniform(&r) - 1;
            /* ge_curvature returns lambda * energy / (W H O) */
            double want = ge_curvature(&m, F, (double)W * H, NULL);
            /* a 3 x 2 tiling of uneven blocks, as a process grid would own them */
            int cw[] = {0, W / 3, (2 * W) / 3 + 1 > W ? W : (2 * W) / 3 + 1, W};
            int ch[] = {0, H / 2, H};
            energy e = {F, 0};
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                    ge_penalty_terms_block(W, H, wx, wy, NULL, cw[i], cw[i + 1], ch[j],
                                           ch[j + 1], add_energy, &e);
            UT_ASSERT_CLOSE(e.sum, want, 1e-12, 1e-12, "%dx%d wrap %d", W, H, wrap);
            free(F);
            ge_model_free(&m);
        }
}

/* A backend that solves with the local solver, as the distributed one
 * solves: per target, data weights 0 at missing values. */
static int local_fields(void *ctx, const ge_model *m, const double *xy, const double *ys,
                        const double *w, size_t M, const size_t *idx, size_t n, double lambda,
                        double *f, ge_error *err)
{
    int *calls = ctx;
    const int O = m->s.O;
    const size_t ncell = (size_t)m->s.W * m->s.H, N = idx ? n : M;
    ge_solver *s = ge_solver_new(m, xy, M, err);
    double *d = malloc((N ? N : 1) * sizeof *d);
    int rc = -1;
    if (!s || !d)
        goto done;
    for (int o = 0; o < O; o++) {
        for (size_t k = 0; k < N; k++) {
            size_t i = idx ? idx[k] : k;
            d[k] = isnan(ys[i * O + o]) ? 0.0 : (w ? w[i] : 1.0);
        }
        ge_solver_set_data(s, idx, N, d, 0);
        if (ge_solver_factor(s, lambda, err))
            goto done;
        ge_solver_rhs(s, idx, N, d, ys, O, o, f + (size_t)o * ncell);
        if (ge_solver_solve(s, f + (size_t)o * ncell, 1, f + (size_t)o * ncell, err))
            goto done;
    }
    (*calls)++;
    rc = 0;
done:
    free(d);
    ge_solver_free(s);
    return rc;
}

static void make_data(size_t M, double *xy, double *y)
{
    ge_rng r;
    ge_rng_seed(&r, 5);
    for (size_t i = 0; i < M; i++) {
        double x = 10 * ge_rng_uniform(&r), yy = 5 * ge_rng_uniform(&r);
        xy[2 * i] = x;
        xy[2 * i + 1] = yy;
        y[2 * i] = sin(0.7 * x) * yy + 0.05 * ge_rng_uniform(&r);
        y[2 * i + 1] = i % 9 == 4 ? NAN : cos(0.5 * x + yy);
    }
}

Test(penalty, backend_gives_the_local_model)
{
    enum { M = 1200 };
    double *xy = malloc(M * 2 * sizeof *xy), *y = malloc(M * 2 * sizeof *y);
    make_data(M, xy, y);
    ge_shape s = ut_shape(20, 12, 2, 1, 1, 2, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    for (int autos = 0; autos < 2; autos++) {
        int calls = 0;
        ge_backend be = {.fields = local_fields, .ctx = &calls};
        ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1, .smooth_auto = autos};
        o.train.smooth = 0.3;
        o.train.loss.kind = GE_LOSS_MSE;
        ge_model a, b;
        ge_learn_result ra, rb;
        ge_error err;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &a, &ra, &err), 0, "%s", err.msg);
        o.backend = &be;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &b, &rb, &err), 0, "%s", err.msg);
        cr_assert(calls >= 1 + (autos ? 6 * ge_learn_folds(M) : 0), "%d calls", calls);
        cr_assert_eq(ra.smooth, rb.smooth);
        for (size_t k = 0; k < a.n_params; k++)
            UT_ASSERT_CLOSE(b.params[k], a.params[k], 1e-9, 1e-9, "param %zu", k);
        ge_model_free(&a);
        ge_model_free(&b);
    }
    free(xy);
    free(y);
}

Test(penalty, backend_refuses_what_it_does_not_solve)
{
    enum { M = 200 };
    double *xy = malloc(M * 2 * sizeof *xy), *y = malloc(M * 2 * sizeof *y);
    make_data(M, xy, y);
    ge_shape s = ut_shape(10, 6, 2, 1, 1, 2, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    int calls = 0;
    ge_backend be = {.fields = local_fields, .ctx = &calls};
    ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1, .backend = &be};
    o.train.smooth = 1;
    o.train.loss.kind = GE_LOSS_L1;
    ge_model m;
    ge_learn_result r;
    ge_error err;
    cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), -1);
    cr_assert(strstr(err.msg, "squared error"), "%s", err.msg);
    o.train.loss.kind = GE_LOSS_MSE;
    o.draws = 10;
    cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), -1);
    cr_assert_eq(calls, 0);
    free(xy);
    free(y);
}
