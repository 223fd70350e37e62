/* Finite-difference checks of the training gradient (src/core/train.c with
 * model.c, field.c, curvature.c): for every parameter (embedding, conv weight,
 * conv bias), every loss, wrap mode and read-out, with and without the
 * curvature penalty, on a small grid and on wide ones (W = 40, H = 4 or 3,
 * N = 1) where the reference's backward pass drops gradient, and on a grid
 * big enough for the backward pass to run on two threads. Samples include
 * points exactly on the upper edges and points outside the exterior. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/cell.h"
#include "geoembed/curvature.h"
#include "geoembed/loss.h"
#include "geoembed/model.h"
#include "geoembed/train.h"
#include "unit.h"

#define FD_STEP 1e-6
#define FD_RTOL 1e-6
#define FD_ATOL 1e-9

typedef struct {
    ge_shape s;
    size_t M;
    double *xy, *y;
    ge_data d;
} problem;

/* Sample positions: one jittered point in every cell (wide) or random points
 * (grid), then the special ones: both upper edges, both corners, points just
 * and far outside the exterior. */
static size_t make_points(const ge_shape *s, int every_cell, ge_rng *r, double *xy)
{
    const double x0 = s->xmin, y0 = s->ymin, x1 = s->xmin + s->width, y1 = s->ymin + s->height;
    size_t M = 0;
    if (every_cell) {
        double cw = ge_cell_size(s->xmin, s->width, s->W), ch = ge_cell_size(s->ymin, s->height, s->H);
        for (int w = 0; w < s->W; w++)
            for (int h = 0; h < s->H; h++) {
                xy[2 * M] = x0 + (w + 0.1 + 0.8 * ge_rng_uniform(r)) * cw;
                xy[2 * M + 1] = y0 + (h + 0.1 + 0.8 * ge_rng_uniform(r)) * ch;
                M++;
            }
    } else {
        for (int i = 0; i < 24; i++) {
            xy[2 * M] = x0 + s->width * ge_rng_uniform(r);
            xy[2 * M + 1] = y0 + s->height * ge_rng_uniform(r);
            M++;
        }
        /* a duplicate of the first sample */
        xy[2 * M] = xy[0];
        xy[2 * M + 1] = xy[1];
        M++;
    }
    const double special[][2] = {
        {x1, y0 + 0.37 * s->height},         /* upper x edge */
        {x0 + 0.61 * s->width, y1},          /* upper y edge */
        {x1, y1},                            /* upper corner */
        {x0, y0},                            /* lower corner */
        {x0 - 0.3 * s->width, y0 + 0.5 * s->height}, /* outside, left */
        {x0 + 0.2 * s->width, y1 + 0.6 * s->height}, /* outside, above */
        {x1 + 0.05 * s->width, y0 - 0.05 * s->height}, /* just outside, lower right */
        {x0 + 1e6 * s->width, y0 - 1e6 * s->height},   /* far away */
    };
    for (size_t k = 0; k < sizeof special / sizeof *special; k++) {
        xy[2 * M] = special[k][0];
        xy[2 * M + 1] = special[k][1];
        M++;
    }
    return M;
}

/* Residuals r = prediction - target chosen for the loss: Huber on both sides
 * of delta = 1 (never near it), L1 away from 0. */
static double residual(ge_loss_kind k, size_t i, ge_rng *r)
{
    double sign = ge_rng_uniform(r) < 0.5 ? -1 : 1;
    switch (k) {
    case GE_LOSS_HUBER: {
        static const double mag[] = {0.3, 1.4, 0.6, 2.5};
        return sign * mag[i % 4] * (1 + 0.1 * ge_rng_uniform(r));
    }
    case GE_LOSS_L1:
        return sign * (0.2 + 0.8 * ge_rng_uniform(r));
    default:
        return 3 * ge_rng_uniform(r) - 1.5;
    }
}

/* A model with random parameters (embedding included) and data whose
 * residuals are set by `residual`. */
static void make_problem(problem *p, ge_model *m, const ge_shape *s, int every_cell,
                         ge_loss_kind loss, uint64_t seed)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    p->s = *s;
    ut_model(m, s);
    ut_fill_params(m, seed * 7 + 1, 0.6);
    size_t cap = (size_t)(every_cell ? s->W * s->H : 25) + 8;
    p->xy = malloc(cap * 2 * sizeof *p->xy);
    p->M = make_points(s, every_cell, &r, p->xy);
    cr_assert_leq(p->M, cap);
    /* the upper-edge samples really have the raw indices W and H */
    const size_t edge = p->M - 8;
    int64_t w, h;
    ge_model_cell(m, p->xy[2 * edge], p->xy[2 * edge + 1], &w, &h);
    cr_assert_eq(w, s->W, "upper x edge has cell %ld", (long)w);
    ge_model_cell(m, p->xy[2 * edge + 2], p->xy[2 * edge + 3], &w, &h);
    cr_assert_eq(h, s->H, "upper y edge has cell %ld", (long)h);
    const int O = s->O;
    p->y = malloc(p->M * O * sizeof *p->y);
    double *Kt = malloc(m->n_kernel * sizeof *Kt), *F = malloc((size_t)s->W * s->H * O * sizeof *F);
    ge_kernel_transpose(m, Kt);
    ge_field(m, Kt, F);
    for (size_t i = 0; i < p->M; i++) {
        double pred[GE_MAX_OUTPUTS];
        ge_predict_point(m, Kt, F, p->xy[2 * i], p->xy[2 * i + 1], pred);
        for (int o = 0; o < O; o++)
            p->y[i * O + o] = pred[o] - residual(loss, i * O + o, &r);
    }
    free(Kt);
    free(F);
    p->d = (ge_data){.M = p->M, .O = O, .xy = p->xy, .y = p->y};
}

static void free_problem(problem *p, ge_model *m)
{
    free(p->xy);
    free(p->y);
    ge_model_free(m);
}

/* Embedding cells (w*H + h) read by the samples idx[0..n): every cell of the
 * block of every cell the read-out uses. */
static void touched_cells(const ge_model *m, const problem *p, const size_t *idx, size_t n,
                          char *touched)
{
    const int W = m->s.W, H = m->s.H;
    memset(touched, 0, (size_t)W * H);
    for (size_t j = 0; j < n; j++) {
        size_t i = idx ? idx[j] : j;
        double x = p->xy[2 * i], y = p->xy[2 * i + 1];
        int64_t bw[4], bh[4];
        int nb = 0;
        if (m->s.readout == GE_READOUT_CELL) {
            ge_model_cell(m, x, y, &bw[0], &bh[0]);
            nb = 1;
        } else {
            size_t cell[4];
            double wgt[4];
            ge_readout_weights(m, x, y, cell, wgt);
            for (int k = 0; k < 4; k++)
                if (wgt[k] > 0) {
                    bw[nb] = (int64_t)(cell[k] / (size_t)H);
                    bh[nb] = (int64_t)(cell[k] % (size_t)H);
                    nb++;
                }
        }
        for (int b = 0; b < nb; b++)
            for (int kw = 0; kw < m->KW; kw++)
                for (int kh = 0; kh < m->KH; kh++) {
                    int iw = ge_resolve(bw[b] + kw - m->s.p0, W, ge_wrap_x(m));
                    int ih = ge_resolve(bh[b] + kh - m->s.p1, H, ge_wrap_y(m));
                    touched[(size_t)iw * H + ih] = 1;
                }
    }
}

/* The loss computed independently: predictions from the brute-force
 * convolution (cell read-out) or a brute-force field blended by the read-out
 * weights (bilinear), the pointwise loss, the mean, plus the penalty. */
static double brute_loss(const ge_model *m, const problem *p, const ge_train_opts *o,
                         const size_t *idx, size_t n)
{
    const int W = m->s.W, H = m->s.H, O = m->s.O;
    double *F = malloc((size_t)W * H * O * sizeof *F);
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++)
            ut_brute_point(m, m->s.xmin + (w + 0.5) * m->cw, m->s.ymin + (h + 0.5) * m->ch,
                           F + ((size_t)w * H + h) * O);
    double sum = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = idx ? idx[j] : j;
        double pred[GE_MAX_OUTPUTS] = {0};
        if (m->s.readout == GE_READOUT_CELL) {
            ut_brute_point(m, p->xy[2 * i], p->xy[2 * i + 1], pred);
        } else {
            size_t cell[4];
            double wgt[4];
            ge_readout_weights(m, p->xy[2 * i], p->xy[2 * i + 1], cell, wgt);
            for (int k = 0; k < 4; k++)
                for (int q = 0; q < O; q++)
                    pred[q] += wgt[k] * F[cell[k] * O + q];
        }
        for (int q = 0; q < O; q++)
            sum += ge_loss_value(&o->loss, pred[q] - p->y[i * O + q]);
    }
    double loss = sum / ((double)n * O);
    if (o->smooth > 0)
        loss += ge_curvature(m, F, o->smooth * ge_curvature_scale(m), NULL);
    free(F);
    return loss;
}

/* The check itself: the gradient of ge_trainer_loss for samples idx[0..n)
 * against central differences, for every parameter (or the parameters
 * which[0..nwhich) when which is not NULL). Returns the number of touched
 * embedding cells checked for a nonzero gradient. */
static size_t check_gradient_of(ge_model *m, const problem *p, const ge_train_opts *o,
                                const size_t *idx, size_t n, const size_t *which, size_t nwhich,
                                double step, const char *what)
{
    ge_error err = {{0}};
    /* The gradient is computed with two threads (partial gradients reduced
     * across threads); the probes, which only evaluate the loss, run on one
     * thread: a forward pass gives the same bits on any thread count, and
     * thousands of tiny parallel regions would dominate the run time. */
    ut_set_threads(2);
    ge_trainer *t = ge_trainer_new(m, &p->d, o, &err);
    cr_assert_not_null(t, "%s: %s", what, err.msg);
    if (!idx)
        n = p->M;
    double L = ge_trainer_loss(t, idx, n, 1);
    double *g = malloc(m->n_params * sizeof *g);
    memcpy(g, ge_trainer_grad(t), m->n_params * sizeof *g);
    UT_ASSERT_CLOSE(L, brute_loss(m, p, o, idx, n), 1e-12, 1e-14, "%s: loss value", what);
    cr_assert(isfinite(L) && L > 0, "%s: loss %g", what, L);

    const int W = m->s.W, H = m->s.H, N = m->s.N;
    char *touched = malloc((size_t)W * H);
    touched_cells(m, p, idx, n, touched);
    size_t nonzero_checked = 0;
    ut_set_threads(1);
    if (!which)
        nwhich = m->n_params;
    for (size_t wi = 0; wi < nwhich; wi++) {
        size_t i = which ? which[wi] : wi;
        double keep = m->params[i];
        m->params[i] = keep + step;
        double lp = ge_trainer_loss(t, idx, n, 0);
        m->params[i] = keep - step;
        double lm = ge_trainer_loss(t, idx, n, 0);
        m->params[i] = keep;
        double fd = (lp - lm) / (2 * step);
        const char *part = i < m->n_emb ? "E" : i < m->n_emb + m->n_kernel ? "K" : "b";
        UT_ASSERT_CLOSE(g[i], fd, FD_RTOL, FD_ATOL, "%s: d loss / d %s[%zu]", what, part,
                        i < m->n_emb ? i : i < m->n_emb + m->n_kernel ? i - m->n_emb
                                                                       : i - m->n_emb - m->n_kernel);
        if (i < m->n_emb) {
            size_t cell = i / (size_t)N;
            if (touched[cell]) {
                /* the reference drops exactly such gradients on wide grids */
                cr_assert(fabs(g[i]) > 1e-7, "%s: embedding cell (%zu, %zu) feature %zu is read "
                          "by a sample but has gradient %g", what, cell / H, cell % H, i % N, g[i]);
                nonzero_checked++;
            } else if (o->smooth == 0) {
                cr_assert_eq(g[i], 0.0, "%s: cell (%zu, %zu) is read by no sample", what,
                             cell / H, cell % H);
            }
        }
    }
    /* the gradient left in the trainer is unchanged by the probes' forward passes */
    ut_set_threads(2);
    L = ge_trainer_loss(t, idx, n, 1);
    cr_assert_eq(memcmp(g, ge_trainer_grad(t), m->n_params * sizeof *g), 0,
                 "%s: gradient not reproducible", what);
    free(touched);
    free(g);
    ge_trainer_free(t);
    return nonzero_checked;
}

static size_t check_gradient(ge_model *m, const problem *p, const ge_train_opts *o,
                             const size_t *idx, size_t n, const char *what)
{
    return check_gradient_of(m, p, o, idx, n, NULL, 0, FD_STEP, what);
}

static const char *wrap_name(int w) { return (const char *[]){"none", "x", "y", "xy"}[w]; }

/* Every wrap mode, both read-outs, with and without the penalty. */
static void check_all_modes(ge_shape base, int every_cell, ge_loss_kind loss, size_t min_cells)
{
    for (int wrap = 0; wrap < 4; wrap++)
        for (int ro = 0; ro < 2; ro++)
            for (int sm = 0; sm < 2; sm++) {
                ge_shape s = base;
                s.wrap = (ge_wrap)wrap;
                s.readout = (ge_readout)ro;
                problem p;
                ge_model m;
                make_problem(&p, &m, &s, every_cell, loss, 100 + wrap * 4 + ro * 2 + sm);
                ge_train_opts o = {.loss = {loss, 1.0},
                                   .optim = ge_optim_defaults(GE_OPT_ADAM),
                                   .smooth = sm ? 0.05 : 0,
                                   .seed = 1};
                char what[128];
                snprintf(what, sizeof what, "%dx%dx%d loss %s wrap %s readout %s smooth %g", s.W,
                         s.H, s.N, ge_loss_name(loss), wrap_name(wrap), ro ? "bilinear" : "cell",
                         o.smooth);
                size_t n = check_gradient(&m, &p, &o, NULL, 0, what);
                cr_assert_geq(n, min_cells * (size_t)s.N, "%s: only %zu touched cells", what, n);
                free_problem(&p, &m);
            }
}

/* 7 x 5 cells, N = 2, O = 2, padding (2, 1): kernel 5 x 3. */
static ge_shape grid_shape(void)
{
    return ut_shape(7, 5, 2, 2, 1, 2, -3.5, 10, 14, 7.5, GE_WRAP_NONE, GE_READOUT_CELL);
}

/* 40 x 4 cells, N = 1, O = 1, padding (1, 1): W much larger than H*N, the
 * shape where the reference's backward (partitioned by j0*W + j1 instead of
 * j0*H + j1) silently loses gradient. (40 x 3 needs padding (1, 0): a 3-cell
 * kernel must be smaller than the grid.) */
static ge_shape wide_shape(void)
{
    return ut_shape(40, 4, 1, 1, 1, 1, -180, -2, 360, 4, GE_WRAP_NONE, GE_READOUT_CELL);
}

static ge_shape wide3_shape(void)
{
    return ut_shape(40, 3, 1, 1, 0, 1, -180, -1.5, 360, 3, GE_WRAP_NONE, GE_READOUT_CELL);
}

Test(gradcheck, mse_grid) { check_all_modes(grid_shape(), 0, GE_LOSS_MSE, 10); }
Test(gradcheck, huber_grid) { check_all_modes(grid_shape(), 0, GE_LOSS_HUBER, 10); }
Test(gradcheck, l1_grid) { check_all_modes(grid_shape(), 0, GE_LOSS_L1, 10); }
Test(gradcheck, mse_wide) { check_all_modes(wide_shape(), 1, GE_LOSS_MSE, 160); }
Test(gradcheck, huber_wide) { check_all_modes(wide_shape(), 1, GE_LOSS_HUBER, 160); }
Test(gradcheck, l1_wide) { check_all_modes(wide_shape(), 1, GE_LOSS_L1, 160); }
Test(gradcheck, mse_wide_h3) { check_all_modes(wide3_shape(), 1, GE_LOSS_MSE, 120); }

Test(gradcheck, wide_sparse_samples)
{
    /* A handful of samples on the wide grid: exactly the cells of their blocks
     * get gradient (nonzero and right), every other cell exactly none. */
    ge_shape s = wide_shape();
    for (int wrap = 0; wrap < 4; wrap++) {
        s.wrap = (ge_wrap)wrap;
        problem p;
        ge_model m;
        make_problem(&p, &m, &s, 0, GE_LOSS_MSE, 500 + wrap);
        /* keep 5 random samples and the 8 special ones */
        memmove(p.xy + 10, p.xy + 2 * (p.M - 8), 16 * sizeof *p.xy);
        memmove(p.y + 5, p.y + (p.M - 8), 8 * sizeof *p.y);
        p.M = p.d.M = 13;
        ge_train_opts o = {.loss = {GE_LOSS_MSE, 1.0}, .optim = ge_optim_defaults(GE_OPT_SGD)};
        char what[64];
        snprintf(what, sizeof what, "wide sparse, wrap %s", wrap_name(wrap));
        size_t n = check_gradient(&m, &p, &o, NULL, 0, what);
        cr_assert_geq(n, 15, "%s: %zu touched cells", what, n);
        cr_assert_lt(n, 160, "%s: %zu touched cells", what, n);
        free_problem(&p, &m);
    }
}

Test(gradcheck, minibatch_subset)
{
    /* The gradient of a subset idx (unsorted, as a shuffled batch is; 26, 27,
     * 30 and 31 are the upper-edge, corner and outside samples) is the
     * gradient of those samples alone (plus the whole-grid penalty). */
    static const size_t idx[] = {27, 5, 2, 30, 9, 11, 31, 0, 26};
    const size_t n = sizeof idx / sizeof *idx;
    for (int ro = 0; ro < 2; ro++)
        for (int sm = 0; sm < 2; sm++) {
            ge_shape s = grid_shape();
            s.wrap = GE_WRAP_X;
            s.readout = (ge_readout)ro;
            problem p;
            ge_model m;
            make_problem(&p, &m, &s, 0, GE_LOSS_HUBER, 700 + ro * 2 + sm);
            cr_assert_gt(p.M, 31);
            ge_train_opts o = {.loss = {GE_LOSS_HUBER, 1.0},
                               .optim = ge_optim_defaults(GE_OPT_ADAM),
                               .smooth = sm ? 0.1 : 0};
            char what[64];
            snprintf(what, sizeof what, "mini-batch readout %d smooth %g", ro, o.smooth);
            check_gradient(&m, &p, &o, idx, n, what);

            /* the same samples as a data set of their own */
            double xy[2 * 9], y[2 * 9];
            for (size_t j = 0; j < n; j++) {
                memcpy(xy + 2 * j, p.xy + 2 * idx[j], 2 * sizeof *xy);
                memcpy(y + 2 * j, p.y + 2 * idx[j], 2 * sizeof *y);
            }
            ge_data sub = {.M = n, .O = 2, .xy = xy, .y = y};
            ge_trainer *ta = ge_trainer_new(&m, &p.d, &o, NULL);
            ge_trainer *tb = ge_trainer_new(&m, &sub, &o, NULL);
            cr_assert(ta && tb);
            double la = ge_trainer_loss(ta, idx, n, 1), lb = ge_trainer_loss(tb, NULL, 0, 1);
            UT_ASSERT_CLOSE(la, lb, 1e-14, 0, "%s: subset loss", what);
            const double *ga = ge_trainer_grad(ta), *gb = ge_trainer_grad(tb);
            for (size_t i = 0; i < m.n_params; i++)
                UT_ASSERT_CLOSE(ga[i], gb[i], 1e-12, 1e-15, "%s: subset gradient %zu", what, i);
            /* and differs from the full-batch gradient */
            double lf = ge_trainer_loss(ta, NULL, 0, 1);
            cr_assert_neq(lf, la);
            ge_trainer_free(ta);
            ge_trainer_free(tb);
            free_problem(&p, &m);
        }
}

Test(gradcheck, step_applies_the_gradient)
{
    /* ge_trainer_step with plain SGD: p_new = p - lr * grad, returning the
     * loss before the step. */
    ge_shape s = grid_shape();
    s.readout = GE_READOUT_BILINEAR;
    problem p;
    ge_model m;
    make_problem(&p, &m, &s, 0, GE_LOSS_MSE, 900);
    ge_train_opts o = {.loss = {GE_LOSS_MSE, 1.0}, .optim = ge_optim_defaults(GE_OPT_SGD),
                       .smooth = 0.2};
    o.optim.lr = 0.05;
    ge_trainer *t = ge_trainer_new(&m, &p.d, &o, NULL);
    cr_assert_not_null(t);
    double L = ge_trainer_loss(t, NULL, 0, 1);
    double *want = malloc(m.n_params * sizeof *want);
    for (size_t i = 0; i < m.n_params; i++)
        want[i] = m.params[i] - 0.05 * ge_trainer_grad(t)[i];
    cr_assert_eq(ge_trainer_step(t, NULL, 0), L);
    for (size_t i = 0; i < m.n_params; i++)
        cr_assert_eq(m.params[i], want[i], "param %zu", i);
    cr_assert_lt(ge_trainer_loss(t, NULL, 0, 0), L);
    cr_assert_eq(ge_trainer_optim(t)->t, 1);
    free(want);
    ge_trainer_free(t);
    free_problem(&p, &m);
}

Test(gradcheck, threaded_backward)
{
    /* A model big enough for the backward pass to split the cells over two
     * threads (64 x 48 cells with the penalty on, 500 kernel weights): the
     * gradient equals the one-thread gradient to rounding, and central
     * differences confirm a sample of parameters of every kind. */
    ge_shape s = ut_shape(64, 48, 10, 2, 2, 2, -180, -90, 360, 180, GE_WRAP_X, GE_READOUT_BILINEAR);
    const double work = (double)s.W * s.H * (2 * 10 * 25) * 2;
    cr_assert_geq(work, GE_PARALLEL_WORK, "shape too small to exercise threads");
    problem p;
    ge_model m;
    make_problem(&p, &m, &s, 0, GE_LOSS_MSE, 4242);
    ge_train_opts o = {.loss = {GE_LOSS_MSE, 1.0}, .optim = ge_optim_defaults(GE_OPT_ADAM),
                       .smooth = 0.05};

    ut_set_threads(1);
    ge_trainer *t1 = ge_trainer_new(&m, &p.d, &o, NULL);
    ut_set_threads(2);
    ge_trainer *t2 = ge_trainer_new(&m, &p.d, &o, NULL);
    cr_assert(t1 && t2);
    double l1 = ge_trainer_loss(t1, NULL, 0, 1), l2 = ge_trainer_loss(t2, NULL, 0, 1);
    cr_assert_eq(l1, l2, "the loss is computed without any thread reduction");
    const double *g1 = ge_trainer_grad(t1), *g2 = ge_trainer_grad(t2);
    double gmax = 0;
    for (size_t i = 0; i < m.n_params; i++)
        gmax = fmax(gmax, fabs(g1[i]));
    for (size_t i = 0; i < m.n_params; i++)
        UT_ASSERT_CLOSE(g2[i], g1[i], 1e-12, 1e-14 * gmax, "1 vs 2 threads, parameter %zu", i);
    ge_trainer_free(t1);
    ge_trainer_free(t2);

    /* central differences: every bias, 60 kernel weights, 120 embedding
     * values (half of them in cells the samples read) */
    size_t which[2 + 60 + 120], nw = 0;
    ge_rng r;
    ge_rng_seed(&r, 17);
    which[nw++] = m.n_params - 2;
    which[nw++] = m.n_params - 1;
    for (int k = 0; k < 60; k++)
        which[nw++] = m.n_emb + ge_rng_below(&r, m.n_kernel);
    char *touched = malloc((size_t)s.W * s.H);
    touched_cells(&m, &p, NULL, p.M, touched);
    for (int k = 0; k < 120;) {
        size_t i = ge_rng_below(&r, m.n_emb);
        if (k < 60 && !touched[i / 10])
            continue;
        which[nw++] = i;
        k++;
    }
    free(touched);
    /* The MSE and the penalty are quadratic in any single parameter, so a
     * central difference is exact at any step; a large one keeps the rounding
     * of a loss summed over 6144 field values (~1e-14) out of the quotient. */
    check_gradient_of(&m, &p, &o, NULL, 0, which, nw, 1e-2, "64x48x10 threaded, sampled parameters");
    free_problem(&p, &m);
}
