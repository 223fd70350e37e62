/* Unit tests of src/core/curvature.c: the thin-plate energy of the field
 * F[W][H][O], lambda * mean(Fxx^2 + Fyy^2 + 2 Fxy^2), and its gradient. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/curvature.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"
#include "unit.h"

/* A model is needed only for its shape (W, H, O, wrap). */
static void shape_model(ge_model *m, int W, int H, int O, ge_wrap wrap)
{
    ge_shape s = ut_shape(W, H, 1, 0, 0, O, 0, 0, W, H, wrap, GE_READOUT_BILINEAR);
    ut_model(m, &s);
}

#define AT(w, h, o) (((size_t)(w) * H + (h)) * O + (o))

Test(curvature, zero_for_linear_field_clamped)
{
    const int W = 6, H = 5, O = 2;
    ge_model m;
    shape_model(&m, W, H, O, GE_WRAP_NONE);
    double F[6 * 5 * 2], dF[6 * 5 * 2];
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++) {
            F[AT(w, h, 0)] = 2.0 * w - 3.0 * h + 5.0; /* integers: exact */
            F[AT(w, h, 1)] = -7.0 * w + 11.0 * h - 1.0;
        }
    memset(dF, 0, sizeof dF);
    cr_assert_eq(ge_curvature(&m, F, 1.0, dF), 0.0);
    for (size_t i = 0; i < sizeof dF / sizeof *dF; i++)
        cr_assert_eq(dF[i], 0.0, "dF[%zu] = %g", i, dF[i]);
    /* non-integer slopes: zero up to rounding */
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++) {
            F[AT(w, h, 0)] = 0.37 * w + 1.91 * h - 0.2;
            F[AT(w, h, 1)] = -2.3 * w + 0.01 * h;
        }
    cr_assert_lt(ge_curvature(&m, F, 1.0, NULL), 1e-28);
    ge_model_free(&m);
}

Test(curvature, wrapped_axis_sees_the_seam)
{
    /* F = w is linear, but on a wrapped x axis the step from W-1 back to 0 is
     * a kink; F = h has no curvature under wrap x (x-differences are 0). */
    const int W = 5, H = 4, O = 1;
    double F[5 * 4];
    ge_model mx, my, mn;
    shape_model(&mx, W, H, O, GE_WRAP_X);
    shape_model(&my, W, H, O, GE_WRAP_Y);
    shape_model(&mn, W, H, O, GE_WRAP_NONE);
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++)
            F[AT(w, h, 0)] = w;
    cr_assert_gt(ge_curvature(&mx, F, 1.0, NULL), 0.0);
    cr_assert_eq(ge_curvature(&my, F, 1.0, NULL), 0.0);
    cr_assert_eq(ge_curvature(&mn, F, 1.0, NULL), 0.0);
    /* exact: the seam gives Fxx = F[1]-2F[0]+F[4] = 5 at w = 0 and
     * F[0]-2F[4]+F[3] = -5 at w = 4, for each h; Fxy = 0 (no h dependence). */
    UT_ASSERT_CLOSE(ge_curvature(&mx, F, 1.0, NULL), (25.0 + 25.0) * H / (W * H), 1e-15, 0,
                    "wrap x");
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++)
            F[AT(w, h, 0)] = h;
    cr_assert_eq(ge_curvature(&mx, F, 1.0, NULL), 0.0);
    cr_assert_gt(ge_curvature(&my, F, 1.0, NULL), 0.0);
    ge_model_free(&mx);
    ge_model_free(&my);
    ge_model_free(&mn);
}

Test(curvature, positive_for_curved_field)
{
    /* F = w^2 on 4x3 (clamped): Fxx = 2 at w = 1, 2 for each h, Fyy = Fxy = 0.
     * Energy 6 * 4 = 24, mean over 12 cells 2, times lambda 0.5: 1. */
    const int W = 4, H = 3, O = 1;
    ge_model m;
    shape_model(&m, W, H, O, GE_WRAP_NONE);
    double F[4 * 3];
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++)
            F[AT(w, h, 0)] = (double)w * w;
    cr_assert_eq(ge_curvature(&m, F, 0.5, NULL), 1.0);
    /* F = w h: only the twist, Fxy = 1 on the (W-1)(H-1) = 6 forward squares,
     * weighted 2: 12 / 12 cells = 1. */
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++)
            F[AT(w, h, 0)] = (double)w * h;
    cr_assert_eq(ge_curvature(&m, F, 1.0, NULL), 1.0);
    ge_model_free(&m);
}

Test(curvature, hand_example_3x3)
{
    /* F[w][h] =  h:  0  1  2
     *      w=0:      1  2  4
     *      w=1:      0  3  1
     *      w=2:      2  2  5
     * Fxx (w=1):  h0: 2-0+1 = 3, h1: 2-6+2 = -2, h2: 5-2+4 = 7    -> 9+4+49 = 62
     * Fyy (h=1):  w0: 4-4+1 = 1, w1: 1-6+0 = -5, w2: 5-4+2 = 3    -> 1+25+9 = 35
     * Fxy (w,h in {0,1}): (0,0) 3-0-2+1 = 2, (0,1) 1-3-4+2 = -4,
     *                     (1,0) 2-2-3+0 = -3, (1,1) 5-2-1+3 = 5   -> 2*(4+16+9+25) = 108
     * energy 205, mean over 9 cells, lambda 0.9: 0.9 * 205 / 9 = 20.5 */
    const int W = 3, H = 3, O = 1;
    const double F[9] = {1, 2, 4, 0, 3, 1, 2, 2, 5};
    ge_model m;
    shape_model(&m, W, H, O, GE_WRAP_NONE);
    UT_ASSERT_CLOSE(ge_curvature(&m, F, 0.9, NULL), 20.5, 1e-15, 0, "3x3 example");
    /* the gradient by hand, lambda/9 = 0.1 times the derivative of the terms
     * that touch F[0][0]:
     *   Fxx at (1,0) = 3 (coefficient +1), Fyy at (0,1) = 1 (coefficient +1),
     *   Fxy at (0,0) = 2 (coefficient +1, weight 2)
     * -> 0.1 * (2*3 + 2*1 + 4*2) = 1.6 */
    double dF[9] = {0};
    ge_curvature(&m, F, 0.9, dF);
    UT_ASSERT_CLOSE(dF[0], 1.6, 1e-14, 0, "dF[0][0]");
    /* F[1][1] (centre): Fxx(1,1) = -2 coef -2; Fyy(1,1) = -5 coef -2;
     * Fxy (0,0) = 2 coef +1, (0,1) = -4 coef -1, (1,0) = -3 coef -1, (1,1) = 5 coef +1
     * -> 0.1 * (2*(-2)(-2) + 2*(-5)(-2) + 4*(2 + 4 + 3 + 5)) = 0.1 * (8 + 20 + 56) = 8.4 */
    UT_ASSERT_CLOSE(dF[4], 8.4, 1e-14, 0, "dF[1][1]");
    ge_model_free(&m);
}

Test(curvature, hand_example_2x2_twist)
{
    /* W = H = 2: no second differences, one twist (1 - 0 - 0 + 0), weight 2,
     * mean over 4 cells: 0.5. */
    const int W = 2, H = 2, O = 1;
    const double F[4] = {0, 0, 0, 1};
    ge_model m;
    shape_model(&m, W, H, O, GE_WRAP_NONE);
    cr_assert_eq(ge_curvature(&m, F, 1.0, NULL), 0.5);
    cr_assert_eq(ge_curvature(&m, F, 3.0, NULL), 1.5);
    cr_assert_eq(ge_curvature(&m, F, 0.0, NULL), 0.0);
    ge_model_free(&m);
}

/* Brute force: every cell, neighbours by index arithmetic, cyclic on wrapped
 * axes; a term counts only when all its cells exist. */
static double brute(int W, int H, int O, int wx, int wy, const double *F)
{
    double e = 0;
    for (int o = 0; o < O; o++)
        for (int w = 0; w < W; w++)
            for (int h = 0; h < H; h++) {
                int wm = w - 1, wp = w + 1, hm = h - 1, hp = h + 1;
                if (wx) {
                    wm = (wm + W) % W;
                    wp = wp % W;
                }
                if (wy) {
                    hm = (hm + H) % H;
                    hp = hp % H;
                }
                int okwm = wm >= 0, okwp = wp < W, okhm = hm >= 0, okhp = hp < H;
                if (okwm && okwp) {
                    double d = F[AT(wp, h, o)] - 2 * F[AT(w, h, o)] + F[AT(wm, h, o)];
                    e += d * d;
                }
                if (okhm && okhp) {
                    double d = F[AT(w, hp, o)] - 2 * F[AT(w, h, o)] + F[AT(w, hm, o)];
                    e += d * d;
                }
                if (okwp && okhp) {
                    double d = F[AT(wp, hp, o)] - F[AT(wp, h, o)] - F[AT(w, hp, o)] + F[AT(w, h, o)];
                    e += 2 * d * d;
                }
            }
    return e / ((double)W * H * O);
}

Test(curvature, matches_brute_force_every_mode)
{
    static const int dims[][2] = {{3, 3}, {4, 7}, {9, 5}, {12, 3}};
    ge_rng r;
    ge_rng_seed(&r, 31);
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
        for (int wrap = 0; wrap < 4; wrap++) {
            const int W = dims[d][0], H = dims[d][1], O = 2;
            ge_model m;
            shape_model(&m, W, H, O, (ge_wrap)wrap);
            double *F = malloc((size_t)W * H * O * sizeof *F);
            for (int i = 0; i < W * H * O; i++)
                F[i] = 2 * ge_rng_uniform(&r) - 1;
            double got = ge_curvature(&m, F, 0.7, NULL);
            double want = 0.7 * brute(W, H, O, wrap & 1, (wrap >> 1) & 1, F);
            UT_ASSERT_CLOSE(got, want, 1e-13, 0, "%dx%d wrap %d", W, H, wrap);
            cr_assert_gt(got, 0.0);
            free(F);
            ge_model_free(&m);
        }
}

Test(curvature, gradient_matches_finite_differences)
{
    static const int dims[][2] = {{3, 4}, {6, 5}, {10, 3}};
    ge_rng r;
    ge_rng_seed(&r, 5);
    const double lambda = 1.3, step = 1e-6;
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
        for (int wrap = 0; wrap < 4; wrap++) {
            const int W = dims[d][0], H = dims[d][1], O = 2;
            const size_t n = (size_t)W * H * O;
            ge_model m;
            shape_model(&m, W, H, O, (ge_wrap)wrap);
            double *F = malloc(n * sizeof *F), *dF = malloc(n * sizeof *dF);
            for (size_t i = 0; i < n; i++) {
                F[i] = 2 * ge_rng_uniform(&r) - 1;
                dF[i] = 0.25; /* ge_curvature adds to dF */
            }
            double e0 = ge_curvature(&m, F, lambda, dF);
            for (size_t i = 0; i < n; i++) {
                double keep = F[i];
                F[i] = keep + step;
                double ep = ge_curvature(&m, F, lambda, NULL);
                F[i] = keep - step;
                double em = ge_curvature(&m, F, lambda, NULL);
                F[i] = keep;
                double fd = (ep - em) / (2 * step);
                UT_ASSERT_CLOSE(dF[i] - 0.25, fd, 1e-6, 1e-9, "%dx%d wrap %d, F[%zu]", W, H,
                                wrap, i);
            }
            /* the probes restored F exactly */
            cr_assert_eq(ge_curvature(&m, F, lambda, NULL), e0);
            free(F);
            free(dF);
            ge_model_free(&m);
        }
}

Test(curvature, scales_with_lambda_and_ignores_null_gradient)
{
    const int W = 5, H = 4, O = 3;
    ge_model m;
    shape_model(&m, W, H, O, GE_WRAP_XY);
    double F[5 * 4 * 3], dF1[5 * 4 * 3] = {0}, dF2[5 * 4 * 3] = {0};
    ge_rng r;
    ge_rng_seed(&r, 77);
    for (int i = 0; i < W * H * O; i++)
        F[i] = ge_rng_uniform(&r);
    double e1 = ge_curvature(&m, F, 1.0, dF1);
    double e2 = ge_curvature(&m, F, 2.0, dF2);
    cr_assert_gt(e1, 0.0);
    UT_ASSERT_CLOSE(e2, 2 * e1, 1e-15, 0, "lambda scaling");
    cr_assert_eq(ge_curvature(&m, F, 1.0, NULL), e1);
    for (int i = 0; i < W * H * O; i++)
        UT_ASSERT_CLOSE(dF2[i], 2 * dF1[i], 1e-15, 1e-300, "dF[%d]", i);
    /* Euler: a quadratic form satisfies <F, dE/dF> = 2 E */
    double dot = 0;
    for (int i = 0; i < W * H * O; i++)
        dot += F[i] * dF1[i];
    UT_ASSERT_CLOSE(dot, 2 * e1, 1e-13, 0, "Euler identity");
    ge_model_free(&m);
}

Test(curvature, scale_is_one_at_100_cells_and_follows_resolution)
{
    ge_model m;
    ge_shape s = ut_shape(100, 100, 1, 0, 0, 1, 0, 0, 5000, 5000, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ut_model(&m, &s);
    UT_ASSERT_CLOSE(ge_curvature_scale(&m), 1.0, 1e-12, 0, "100x100 on a square");
    ge_model_free(&m);
    /* 50 cells: second differences of a smooth field are 4x larger per cell,
     * so the energy must be weighed by (1/2)^4 */
    s = ut_shape(50, 50, 1, 0, 0, 1, 0, 0, 5000, 5000, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ut_model(&m, &s);
    UT_ASSERT_CLOSE(ge_curvature_scale(&m), 0.0625, 1e-12, 0, "50x50");
    ge_model_free(&m);
    /* the larger side sets the reference: 200 x 100 cells on a 2:1 exterior */
    s = ut_shape(200, 100, 1, 0, 0, 1, 0, 0, 10000, 5000, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ut_model(&m, &s);
    UT_ASSERT_CLOSE(ge_curvature_scale(&m), 16.0, 1e-12, 0, "200x100");
    ge_model_free(&m);
}

/* A smooth field sampled at two resolutions has about the same scaled energy. */
Test(curvature, scaled_energy_does_not_depend_on_resolution)
{
    double e[2];
    for (int r = 0; r < 2; r++) {
        int W = r ? 128 : 64;
        ge_model m;
        ge_shape s = ut_shape(W, W, 1, 0, 0, 1, 0, 0, 1, 1, GE_WRAP_NONE, GE_READOUT_BILINEAR);
        ut_model(&m, &s);
        double *F = malloc((size_t)W * W * sizeof *F);
        for (int w = 0; w < W; w++)
            for (int h = 0; h < W; h++) {
                double x = (w + 0.5) / W, y = (h + 0.5) / W;
                F[w * W + h] = sin(3 * x) * cos(2 * y);
            }
        e[r] = ge_curvature(&m, F, ge_curvature_scale(&m), NULL);
        free(F);
        ge_model_free(&m);
    }
    UT_ASSERT_CLOSE(e[1], e[0], 0.05, 0, "energy at 128 vs 64 cells");
}
