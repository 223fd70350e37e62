/* Unit tests of src/core/model.c and src/core/field.c: shape checks, the
 * parameter slab, the gather of a point's block under every wrap mode, the
 * block convolution against a brute-force sum, the field and the read-outs. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/cell.h"
#include "geoembed/model.h"
#include "unit.h"

/* ---- shapes ------------------------------------------------------------ */

static ge_shape good_shape(void)
{
    return ut_shape(4, 4, 5, 1, 1, 1, 0, 0, 10, 10, GE_WRAP_XY, GE_READOUT_CELL);
}

static void expect_reject(const ge_shape *s, const char *what)
{
    ge_error err = {{0}};
    cr_assert_eq(ge_shape_check(s, &err), -1, "%s must be rejected", what);
    cr_assert_neq(err.msg[0], '\0', "%s: an error message is expected", what);
    cr_assert_eq(ge_shape_check(s, NULL), -1, "%s (NULL error)", what);
    /* ge_model_init refuses it too, without leaving an allocation behind */
    ge_model m;
    cr_assert_eq(ge_model_init(&m, s, NULL), -1, "%s: ge_model_init", what);
    cr_assert_null(m.params, "%s: no parameter slab", what);
}

Test(model, shape_accepts_good)
{
    ge_shape s = good_shape();
    ge_error err = {{0}};
    cr_assert_eq(ge_shape_check(&s, &err), 0, "%s", err.msg);
    /* the smallest grids around a kernel: KW = 1 < W = 2, KH = 3 < H = 4 */
    s = ut_shape(2, 4, 1, 0, 1, 1, -1, -1, 2, 2, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    cr_assert_eq(ge_shape_check(&s, &err), 0, "%s", err.msg);
    /* a single column cannot hold even a 1-cell kernel (KW < W fails) */
    s.W = 1;
    expect_reject(&s, "W = 1 with KW = 1");
}

Test(model, shape_rejects_kernel_not_smaller_than_grid)
{
    ge_shape s = good_shape();
    s.W = 3; /* KW = 3 */
    expect_reject(&s, "KW == W");
    s = good_shape();
    s.H = 3;
    expect_reject(&s, "KH == H");
    s = good_shape();
    s.p0 = 2; /* KW = 5 > 4 */
    expect_reject(&s, "KW > W");
    s = good_shape();
    s.p1 = 10000;
    expect_reject(&s, "padding 10000");
    s = good_shape();
    s.p0 = INT_MAX;
    expect_reject(&s, "padding INT_MAX");
    s = good_shape();
    s.p0 = -1;
    expect_reject(&s, "negative padding");
    s = good_shape();
    s.p1 = INT_MIN;
    expect_reject(&s, "padding INT_MIN");
}

Test(model, shape_rejects_zero_and_negative_sizes)
{
    const char *what[] = {"W = 0", "H = 0", "N = 0", "O = 0", "W < 0", "N < 0", "O < 0"};
    for (int k = 0; k < 7; k++) {
        ge_shape s = good_shape();
        switch (k) {
        case 0: s.W = 0; break;
        case 1: s.H = 0; break;
        case 2: s.N = 0; break;
        case 3: s.O = 0; break;
        case 4: s.W = -4; break;
        case 5: s.N = -1; break;
        case 6: s.O = -2; break;
        }
        expect_reject(&s, what[k]);
    }
}

Test(model, shape_rejects_absurd_sizes)
{
    ge_shape s = good_shape();
    s.W = 1000000;
    s.H = 1000000;
    cr_assert_eq(ge_shape_param_bytes(&s), 0);
    expect_reject(&s, "1000000x1000000 cells");
    s.W = s.H = INT_MAX;
    expect_reject(&s, "INT_MAX x INT_MAX cells");
    /* within the cell limit, but the embedding is far too large */
    s = good_shape();
    s.W = s.H = 10000;
    s.N = 4096;
    cr_assert_eq(ge_shape_param_bytes(&s), 0);
    expect_reject(&s, "10000x10000x4096 embedding");
    s = good_shape();
    s.N = 1000000;
    expect_reject(&s, "a million features");
    s = good_shape();
    s.O = GE_MAX_OUTPUTS + 1;
    expect_reject(&s, "too many outputs");
    s.O = GE_MAX_OUTPUTS;
    cr_assert_eq(ge_shape_check(&s, NULL), 0);
    /* param bytes of a sane shape: 4*4*5 + 1*5*3*3 + 1 doubles */
    s = good_shape();
    cr_assert_eq(ge_shape_param_bytes(&s), (80 + 45 + 1) * sizeof(double));
}

Test(model, shape_rejects_bad_exterior)
{
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++)
        for (int f = 0; f < 4; f++) {
            ge_shape s = good_shape();
            double *field[] = {&s.xmin, &s.ymin, &s.width, &s.height};
            *field[f] = bad[k];
            expect_reject(&s, "non-finite exterior");
        }
    ge_shape s = good_shape();
    s.width = 0;
    expect_reject(&s, "zero width");
    s = good_shape();
    s.height = -10;
    expect_reject(&s, "negative height");
    /* finite, but cells too small to be told apart at that position: the
     * reference-rounded cell size is 0 */
    s = good_shape();
    s.xmin = 1e17;
    s.width = 1.0;
    cr_assert_eq(ge_cell_size(s.xmin, s.width, s.W), 0.0);
    expect_reject(&s, "exterior too small for its cells");
    /* finite numbers, but the upper corner xmin + width (or the extent
     * recovered from it) overflows: the cell size would be infinite */
    s = good_shape();
    s.xmin = 1e308;
    s.width = 1e308;
    cr_assert(isinf(ge_cell_size(s.xmin, s.width, s.W)));
    expect_reject(&s, "upper x corner overflowing");
    s = good_shape();
    s.ymin = 1.7e308;
    s.height = 1e307; /* both finite, ymax is not */
    cr_assert(isinf(ge_cell_size(s.ymin, s.height, s.H)));
    expect_reject(&s, "upper y corner overflowing");
    /* the largest usable exterior is fine */
    s = good_shape();
    s.xmin = -8e307;
    s.width = 1.6e308;
    cr_assert_eq(ge_shape_check(&s, NULL), 0);
}

Test(model, shape_rejects_unknown_modes)
{
    ge_shape s = good_shape();
    s.wrap = (ge_wrap)4;
    expect_reject(&s, "wrap 4");
    s.wrap = (ge_wrap)-1;
    expect_reject(&s, "wrap -1");
    s = good_shape();
    s.readout = (ge_readout)2;
    expect_reject(&s, "readout 2");
}

Test(model, init_layout)
{
    ge_shape s = ut_shape(7, 6, 3, 2, 1, 2, -3.5, 10, 14, 7.5, GE_WRAP_X, GE_READOUT_BILINEAR);
    ge_model m;
    ut_model(&m, &s);
    cr_assert_eq(m.KW, 5);
    cr_assert_eq(m.KH, 3);
    cr_assert_eq(m.cw, ge_cell_size(-3.5, 14, 7));
    cr_assert_eq(m.ch, ge_cell_size(10, 7.5, 6));
    cr_assert_eq(m.n_emb, 7 * 6 * 3);
    cr_assert_eq(m.n_kernel, 2 * 3 * 5 * 3);
    cr_assert_eq(m.n_params, 126 + 90 + 2);
    cr_assert_eq(m.E, m.params);
    cr_assert_eq(m.K, m.params + 126);
    cr_assert_eq(m.b, m.params + 216);
    for (size_t i = 0; i < m.n_params; i++)
        cr_assert_eq(m.params[i], 0.0);
    cr_assert_eq(m.y_mean[0], 0.0);
    cr_assert_eq(m.y_mean[1], 0.0);
    cr_assert_eq(m.y_std[0], 1.0);
    cr_assert_eq(m.y_std[1], 1.0);
    cr_assert(ge_wrap_x(&m) && !ge_wrap_y(&m));

    ut_fill_params(&m, 3, 1.0);
    m.y_mean[1] = 4;
    m.y_std[0] = 0.5;
    ge_model c;
    ge_error err;
    cr_assert_eq(ge_model_copy(&c, &m, &err), 0);
    cr_assert_neq(c.params, m.params);
    cr_assert_eq(memcmp(c.params, m.params, m.n_params * sizeof(double)), 0);
    cr_assert_eq(c.y_mean[1], 4.0);
    cr_assert_eq(c.y_std[0], 0.5);
    cr_assert_eq(c.K, c.params + 126);
    ge_model_free(&c);
    cr_assert_null(c.params);
    ge_model_free(&m);
}

/* ---- gather: the upstream unit test and its wrap variants --------------- */

/* 4x4x5 manifold, E[a][b][:] = (a+1)*10+b, padding 1,1, exterior (0,0,10,10). */
static void upstream_model(ge_model *m, ge_wrap wrap)
{
    ge_shape s = ut_shape(4, 4, 5, 1, 1, 1, 0, 0, 10, 10, wrap, GE_READOUT_CELL);
    ut_model(m, &s);
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int n = 0; n < 5; n++)
                m->E[(a * 4 + b) * 5 + n] = (a + 1) * 10 + b;
}

/* The block of (x, y) must be rows[kw] x cols[kh] of E. */
static void expect_block(ge_wrap wrap, double x, double y, const int rows[3], const int cols[3])
{
    ge_model m;
    upstream_model(&m, wrap);
    double out[3 * 3 * 5];
    ge_gather(&m, x, y, out);
    for (int kw = 0; kw < 3; kw++)
        for (int kh = 0; kh < 3; kh++)
            for (int n = 0; n < 5; n++) {
                double want = (rows[kw] + 1) * 10 + cols[kh];
                cr_assert_eq(out[(kw * 3 + kh) * 5 + n], want,
                             "wrap %d point (%g, %g) tap (%d, %d) feature %d: %g, want %g",
                             (int)wrap, x, y, kw, kh, n, out[(kw * 3 + kh) * 5 + n], want);
            }
    ge_model_free(&m);
}

Test(model, gather_upstream_unit_test)
{
    /* torch_geopooling test/embedding_test.cc: with reflection, (1,1) is in
     * cell (0,0) and gathers rows {3,0,1} x cols {3,0,1}; (6,6) is in cell
     * (2,2) and gathers rows {1,2,3} x cols {1,2,3}. */
    const int r301[3] = {3, 0, 1}, r123[3] = {1, 2, 3};
    expect_block(GE_WRAP_XY, 1, 1, r301, r301);
    expect_block(GE_WRAP_XY, 6, 6, r123, r123);
    /* the first values of the golden gather0 array: 43 x5, 40 x5, 41 x5, 13 ... */
    ge_model m;
    upstream_model(&m, GE_WRAP_XY);
    double out[45];
    ge_gather(&m, 1, 1, out);
    cr_assert_eq(out[0], 43);
    cr_assert_eq(out[5], 40);
    cr_assert_eq(out[10], 41);
    cr_assert_eq(out[15], 13);
    cr_assert_eq(out[44], 21);
    ge_model_free(&m);
}

Test(model, gather_wrap_modes_at_lower_corner)
{
    const int r301[3] = {3, 0, 1}, r001[3] = {0, 0, 1};
    expect_block(GE_WRAP_NONE, 1, 1, r001, r001);
    expect_block(GE_WRAP_X, 1, 1, r301, r001); /* x wraps, y clamps */
    expect_block(GE_WRAP_Y, 1, 1, r001, r301); /* y wraps, x clamps */
    expect_block(GE_WRAP_XY, 1, 1, r301, r301);
}

Test(model, gather_interior_same_in_every_mode)
{
    const int r012[3] = {0, 1, 2}, r123[3] = {1, 2, 3};
    for (int wrap = 0; wrap < 4; wrap++) {
        expect_block((ge_wrap)wrap, 6, 6, r123, r123);
        expect_block((ge_wrap)wrap, 2.5, 5.0, r012, r123); /* exact cell edges: (1, 2) */
    }
}

Test(model, gather_upper_edge)
{
    /* x = xmin + width = 10 has index W = 4: wrapped, its block is cell 0's
     * {3,0,1}; clamped, the kernel shifts a cell: {3,3,3}. y = 9.9: cell 3. */
    const int r301[3] = {3, 0, 1}, r333[3] = {3, 3, 3}, r230[3] = {2, 3, 0}, r233[3] = {2, 3, 3};
    expect_block(GE_WRAP_XY, 10, 9.9, r301, r230);
    expect_block(GE_WRAP_X, 10, 9.9, r301, r233);
    expect_block(GE_WRAP_Y, 10, 9.9, r333, r230);
    expect_block(GE_WRAP_NONE, 10, 9.9, r333, r233);
    /* both upper edges */
    expect_block(GE_WRAP_XY, 10, 10, r301, r301);
    expect_block(GE_WRAP_NONE, 10, 10, r333, r333);
}

Test(model, gather_outside_exterior)
{
    const int r230[3] = {2, 3, 0}, r000[3] = {0, 0, 0}, r012[3] = {0, 1, 2}, r333[3] = {3, 3, 3},
              r123[3] = {1, 2, 3}, r233[3] = {2, 3, 3}, r301[3] = {3, 0, 1};
    /* x = -1: cell -1, wrapped {-2,-1,0} -> {2,3,0}, clamped {0,0,0} */
    expect_block(GE_WRAP_X, -1, 6, r230, r123);
    expect_block(GE_WRAP_NONE, -1, 6, r000, r123);
    /* x = 13: cell 5, one wrap {4,5,6} -> {0,1,2}; clamped {3,3,3} */
    expect_block(GE_WRAP_XY, 13, 1, r012, r301);
    expect_block(GE_WRAP_Y, 13, 1, r333, r301);
    /* x = 18: cell 7, {6,7,8} -> {2,3,4}, and 4 clamps: {2,3,3} */
    expect_block(GE_WRAP_XY, 18, 6, r233, r123);
    /* y = -11: cell -5, {-6,-5,-4} -> {-2,-1,0} -> {0,0,0} after one wrap */
    expect_block(GE_WRAP_XY, 6, -11, r123, r000);
    /* far away: clamped raw indices, every tap at the border */
    expect_block(GE_WRAP_XY, 1e9, -1e9, r333, r000);
    expect_block(GE_WRAP_NONE, -1e300, 1e300, r000, r333);
    expect_block(GE_WRAP_XY, -1e300, 1e300, r000, r333);
}

/* ---- the convolution of a block ----------------------------------------- */

/* W=7, H=6, N=3, O=2, padding (2,1): KW=5, KH=3; parameters random. */
static void random_model(ge_model *m, ge_wrap wrap, ge_readout readout, uint64_t seed)
{
    ge_shape s = ut_shape(7, 6, 3, 2, 1, 2, -3.5, 10, 14, 7.5, wrap, readout);
    ut_model(m, &s);
    ut_fill_params(m, seed, 1.0);
}

Test(model, kernel_transpose_layout)
{
    ge_model m;
    random_model(&m, GE_WRAP_NONE, GE_READOUT_CELL, 1);
    double *Kt = malloc(m.n_kernel * sizeof *Kt);
    ge_kernel_transpose(&m, Kt);
    const int O = 2, N = 3, KW = 5, KH = 3;
    for (int o = 0; o < O; o++)
        for (int n = 0; n < N; n++)
            for (int kw = 0; kw < KW; kw++)
                for (int kh = 0; kh < KH; kh++)
                    cr_assert_eq(Kt[((kw * KH + kh) * N + n) * O + o],
                                 m.K[((o * N + n) * KW + kw) * KH + kh]);
    free(Kt);
    ge_model_free(&m);
}

Test(model, block_forward_equals_brute_force)
{
    /* Points across and around the exterior [-3.5, 10.5) x [10, 17.5),
     * including exact cell edges and both upper edges. */
    const double xs[] = {-3.5, -3.4, -1.5, 0.5, 2.5, 6.0, 8.5, 10.4, 10.5, 12.0, -5.0, -40, 1e7};
    const double ys[] = {10.0, 10.1, 11.25, 13.0, 15.0, 16.25, 17.4, 17.5, 18.0, 8.0, -1e9};
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_model m;
        random_model(&m, (ge_wrap)wrap, GE_READOUT_CELL, 10 + wrap);
        double *Kt = malloc(m.n_kernel * sizeof *Kt);
        ge_kernel_transpose(&m, Kt);
        for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
            for (size_t j = 0; j < sizeof ys / sizeof *ys; j++) {
                int64_t w, h;
                double got[2], want[2];
                ge_model_cell(&m, xs[i], ys[j], &w, &h);
                ge_block_forward(&m, Kt, w, h, got);
                ut_brute_point(&m, xs[i], ys[j], want);
                for (int o = 0; o < 2; o++)
                    UT_ASSERT_CLOSE(got[o], want[o], 1e-13, 1e-14, "wrap %d (%g, %g) out %d",
                                    wrap, xs[i], ys[j], o);
            }
        free(Kt);
        ge_model_free(&m);
    }
}

Test(model, block_forward_hand_value)
{
    /* Upstream model, N = 5, O = 1; K = 1 on tap (kw=0, kh=2), feature 4 only,
     * and 0.5 on (1,1) feature 0; bias 0.25. Point (1,1), wrap xy: tap (0,2)
     * is E[3][1] = 41, tap (1,1) is E[0][0] = 10: y = 0.25 + 41 + 5. */
    ge_model m;
    upstream_model(&m, GE_WRAP_XY);
    m.K[(4 * 3 + 0) * 3 + 2] = 1.0;
    m.K[(0 * 3 + 1) * 3 + 1] = 0.5;
    m.b[0] = 0.25;
    double Kt[45], y;
    ge_kernel_transpose(&m, Kt);
    ge_block_forward(&m, Kt, 0, 0, &y);
    cr_assert_eq(y, 46.25);
    /* clamped, tap (0,2) is E[0][1] = 11 */
    m.s.wrap = GE_WRAP_NONE;
    ge_block_forward(&m, Kt, 0, 0, &y);
    cr_assert_eq(y, 0.25 + 11 + 5);
    /* interior cell (2,2): taps (0,2) = E[1][3] = 23, (1,1) = E[2][2] = 32 */
    ge_block_forward(&m, Kt, 2, 2, &y);
    cr_assert_eq(y, 0.25 + 23 + 16);
    ge_model_free(&m);
}

Test(model, wrap_x_wraps_x_only)
{
    /* Under wrap x the block of raw column -1 is the block of W-1 (the
     * neighbourhood {-3..1} wraps to {4,5,6,0,1}, as {4..8} does), and raw
     * column W is column 0; rows clamp: raw row -1 is not row H-1. Wrap y is
     * the mirror image. */
    const int W = 7, H = 6;
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_model m;
        random_model(&m, (ge_wrap)wrap, GE_READOUT_CELL, 40);
        double Kt[90], a[2], b[2];
        ge_kernel_transpose(&m, Kt);
        int wx = wrap & 1, wy = (wrap >> 1) & 1;
        for (int h = 0; h < H; h++) {
            ge_block_forward(&m, Kt, -1, h, a);
            ge_block_forward(&m, Kt, W - 1, h, b);
            cr_assert_eq(wx, a[0] == b[0] && a[1] == b[1], "wrap %d row %d: column -1", wrap, h);
            ge_block_forward(&m, Kt, W, h, a);
            ge_block_forward(&m, Kt, 0, h, b);
            cr_assert_eq(wx, a[0] == b[0] && a[1] == b[1], "wrap %d row %d: column W", wrap, h);
        }
        for (int w = 0; w < W; w++) {
            ge_block_forward(&m, Kt, w, -1, a);
            ge_block_forward(&m, Kt, w, H - 1, b);
            cr_assert_eq(wy, a[0] == b[0] && a[1] == b[1], "wrap %d column %d: row -1", wrap, w);
            ge_block_forward(&m, Kt, w, H, a);
            ge_block_forward(&m, Kt, w, 0, b);
            cr_assert_eq(wy, a[0] == b[0] && a[1] == b[1], "wrap %d column %d: row H", wrap, w);
        }
        ge_model_free(&m);
    }
}

Test(model, block_backward_is_the_adjoint)
{
    /* <dy, d forward / dE . dE'> = <backward(dy), dE'>: forward is affine in E
     * and in K, so a directional derivative is a difference of two forwards. */
    ge_rng r;
    ge_rng_seed(&r, 9);
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_model m;
        random_model(&m, (ge_wrap)wrap, GE_READOUT_CELL, 50 + wrap);
        double Kt[90], dKt[90], db[2], dy[2] = {0.7, -1.3};
        double *dE = calloc(m.n_emb, sizeof *dE), *dir = malloc(m.n_emb * sizeof *dir);
        ge_kernel_transpose(&m, Kt);
        const int64_t cells[][2] = {{0, 0}, {3, 2}, {6, 5}, {7, 3}, {-1, -1}, {2, 6}, {-8, 20}};
        for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
            memset(dE, 0, m.n_emb * sizeof *dE);
            memset(dKt, 0, sizeof dKt);
            db[0] = 1.0; /* accumulates */
            db[1] = 0.0;
            ge_block_backward(&m, Kt, cells[c][0], cells[c][1], dy, dE, dKt, db);
            cr_assert_eq(db[0], 1.7);
            cr_assert_eq(db[1], -1.3);
            for (size_t i = 0; i < m.n_emb; i++)
                dir[i] = 2 * ge_rng_uniform(&r) - 1;
            double y0[2], y1[2], dot = 0;
            ge_block_forward(&m, Kt, cells[c][0], cells[c][1], y0);
            for (size_t i = 0; i < m.n_emb; i++) {
                m.E[i] += dir[i];
                dot += dir[i] * dE[i];
            }
            ge_block_forward(&m, Kt, cells[c][0], cells[c][1], y1);
            for (size_t i = 0; i < m.n_emb; i++)
                m.E[i] -= dir[i];
            double lin = dy[0] * (y1[0] - y0[0]) + dy[1] * (y1[1] - y0[1]);
            UT_ASSERT_CLOSE(dot, lin, 1e-12, 1e-12, "wrap %d cell (%ld, %ld): dE", wrap,
                            (long)cells[c][0], (long)cells[c][1]);
            /* dKt[tap][n][o] = dy[o] * E(tap)[n]: compare with the gather */
            double g[45], x = -3.5 + (cells[c][0] + 0.5) * m.cw, yy = 10 + (cells[c][1] + 0.5) * m.ch;
            ge_gather(&m, x, yy, g);
            for (int t = 0; t < 15; t++)
                for (int n = 0; n < 3; n++)
                    for (int o = 0; o < 2; o++)
                        UT_ASSERT_CLOSE(dKt[(t * 3 + n) * 2 + o], dy[o] * g[t * 3 + n], 1e-15,
                                        1e-300, "dKt");
        }
        free(dE);
        free(dir);
        ge_model_free(&m);
    }
}

/* ---- the field and the read-outs --------------------------------------- */

Test(model, field_is_the_block_at_every_cell)
{
    for (int wrap = 0; wrap < 4; wrap++) {
        ge_model m;
        random_model(&m, (ge_wrap)wrap, GE_READOUT_CELL, 60 + wrap);
        double Kt[90], F[7 * 6 * 2];
        ge_kernel_transpose(&m, Kt);
        ge_field(&m, Kt, F);
        for (int w = 0; w < 7; w++)
            for (int h = 0; h < 6; h++) {
                double want[2];
                ut_brute_point(&m, -3.5 + (w + 0.5) * m.cw, 10 + (h + 0.5) * m.ch, want);
                for (int o = 0; o < 2; o++)
                    UT_ASSERT_CLOSE(F[(w * 6 + h) * 2 + o], want[o], 1e-13, 1e-14,
                                    "wrap %d cell (%d, %d)", wrap, w, h);
            }
        ge_model_free(&m);
    }
}

Test(model, readout_weights_cell)
{
    ge_model m;
    random_model(&m, GE_WRAP_NONE, GE_READOUT_CELL, 1);
    size_t cell[4];
    double wgt[4];
    /* cw = 2, ch = 1.25: (0.5, 13) is cell (2, 2) */
    cr_assert_eq(ge_readout_weights(&m, 0.5, 13.0, cell, wgt), 1);
    cr_assert_eq(cell[0], 2 * 6 + 2);
    cr_assert_eq(wgt[0], 1.0);
    /* upper edge under clamping: the block is not a grid cell */
    cr_assert_eq(ge_readout_weights(&m, 10.5, 13.0, cell, wgt), 0);
    cr_assert_eq(ge_readout_weights(&m, 0.5, 17.5, cell, wgt), 0);
    cr_assert_eq(ge_readout_weights(&m, -4.0, 13.0, cell, wgt), 0);
    /* under wrap x the upper x edge is cell 0; y still clamps */
    m.s.wrap = GE_WRAP_X;
    cr_assert_eq(ge_readout_weights(&m, 10.5, 13.0, cell, wgt), 1);
    cr_assert_eq(cell[0], 0 * 6 + 2);
    cr_assert_eq(ge_readout_weights(&m, 0.5, 17.5, cell, wgt), 0);
    m.s.wrap = GE_WRAP_XY;
    cr_assert_eq(ge_readout_weights(&m, 10.5, 17.5, cell, wgt), 1);
    cr_assert_eq(cell[0], 0);
    ge_model_free(&m);
}

Test(model, readout_weights_bilinear)
{
    ge_model m;
    random_model(&m, GE_WRAP_NONE, GE_READOUT_BILINEAR, 1);
    size_t cell[4];
    double wgt[4];
    /* centre of cell (2, 3): x = -3.5 + 2.5 * 2 = 1.5, y = 10 + 3.5 * 1.25 = 14.375 */
    cr_assert_eq(ge_readout_weights(&m, 1.5, 14.375, cell, wgt), 4);
    for (int k = 0; k < 4; k++)
        if (cell[k] == 2 * 6 + 3)
            cr_assert_eq(wgt[k], 1.0);
        else
            cr_assert_eq(wgt[k], 0.0);
    /* halfway between the centres of (2,3) and (3,3), a quarter up to (.,4) */
    cr_assert_eq(ge_readout_weights(&m, 2.5, 14.375 + 0.3125, cell, wgt), 4);
    double sum[7 * 6] = {0};
    for (int k = 0; k < 4; k++)
        sum[cell[k]] += wgt[k];
    cr_assert_eq(sum[2 * 6 + 3], 0.375);
    cr_assert_eq(sum[3 * 6 + 3], 0.375);
    cr_assert_eq(sum[2 * 6 + 4], 0.125);
    cr_assert_eq(sum[3 * 6 + 4], 0.125);
    /* clamped: the lower-left corner of the exterior reads cell (0,0) only */
    ge_readout_weights(&m, -3.5, 10, cell, wgt);
    memset(sum, 0, sizeof sum);
    for (int k = 0; k < 4; k++)
        sum[cell[k]] += wgt[k];
    cr_assert_eq(sum[0], 1.0);
    /* wrapped: it blends the four corner cells equally */
    m.s.wrap = GE_WRAP_XY;
    ge_readout_weights(&m, -3.5, 10, cell, wgt);
    memset(sum, 0, sizeof sum);
    for (int k = 0; k < 4; k++)
        sum[cell[k]] += wgt[k];
    cr_assert_eq(sum[0], 0.25);
    cr_assert_eq(sum[5], 0.25);
    cr_assert_eq(sum[6 * 6], 0.25);
    cr_assert_eq(sum[6 * 6 + 5], 0.25);
    /* wrap x only: the left edge blends columns 6 and 0, rows clamp to 0 */
    m.s.wrap = GE_WRAP_X;
    ge_readout_weights(&m, -3.5, 10, cell, wgt);
    memset(sum, 0, sizeof sum);
    for (int k = 0; k < 4; k++)
        sum[cell[k]] += wgt[k];
    cr_assert_eq(sum[0], 0.5);
    cr_assert_eq(sum[6 * 6], 0.5);
    /* any point, any mode: nonnegative weights summing to 1 on grid cells */
    ge_rng r;
    ge_rng_seed(&r, 4);
    for (int wrap = 0; wrap < 4; wrap++) {
        m.s.wrap = (ge_wrap)wrap;
        for (int i = 0; i < 500; i++) {
            double x = -20 + 45 * ge_rng_uniform(&r), y = 5 + 20 * ge_rng_uniform(&r), s = 0;
            cr_assert_eq(ge_readout_weights(&m, x, y, cell, wgt), 4);
            for (int k = 0; k < 4; k++) {
                cr_assert(wgt[k] >= 0 && cell[k] < 42);
                s += wgt[k];
            }
            UT_ASSERT_CLOSE(s, 1.0, 1e-15, 0, "weights at (%g, %g)", x, y);
        }
    }
    ge_model_free(&m);
}

Test(model, predict_point_destandardises)
{
    for (int ro = 0; ro < 2; ro++) {
        ge_model m;
        random_model(&m, GE_WRAP_NONE, (ge_readout)ro, 70);
        m.y_mean[0] = 100;
        m.y_mean[1] = -3;
        m.y_std[0] = 10;
        m.y_std[1] = 0.5;
        double Kt[90], F[84], out[2];
        ge_kernel_transpose(&m, Kt);
        ge_field(&m, Kt, F);
        const double pts[][2] = {{0.5, 13.0}, {10.5, 17.5}, {-30, 40}, {1.7, 11.1}};
        for (int p = 0; p < 4; p++) {
            double x = pts[p][0], y = pts[p][1], raw[2] = {0, 0};
            ge_predict_point(&m, Kt, F, x, y, out);
            if (ro == GE_READOUT_CELL) {
                ut_brute_point(&m, x, y, raw);
            } else {
                size_t cell[4];
                double wgt[4];
                ge_readout_weights(&m, x, y, cell, wgt);
                for (int k = 0; k < 4; k++)
                    for (int o = 0; o < 2; o++)
                        raw[o] += wgt[k] * F[cell[k] * 2 + o];
            }
            UT_ASSERT_CLOSE(out[0], 100 + 10 * raw[0], 1e-13, 1e-13, "readout %d point %d", ro, p);
            UT_ASSERT_CLOSE(out[1], -3 + 0.5 * raw[1], 1e-13, 1e-13, "readout %d point %d", ro, p);
        }
        ge_model_free(&m);
    }
}
