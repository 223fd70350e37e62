/* Unit tests of src/core/conv.c and isa.c: the planar, vectorised engine
 * agrees with the scalar block path (ge_block_forward / ge_block_backward) to
 * 1e-12 on random parameters, at every cell including the borders, in every
 * wrap mode and on every vector unit this CPU has; its results do not depend
 * on the thread count; GEOEMBED_SIMD caps the unit. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/conv.h"
#include "geoembed/isa.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"
#include "unit.h"

/* Small grids (mostly border), odd sizes against the tile widths, kernels
 * from 1x1 to the benchmark's 15x15, 1 to 5 outputs. */
static const struct {
    int W, H, N, p0, p1, O;
} shapes[] = {
    {9, 8, 3, 1, 2, 1},  {10, 7, 2, 2, 1, 2},  {7, 11, 4, 1, 3, 3}, {13, 12, 1, 3, 2, 5},
    {20, 17, 6, 0, 0, 4}, {16, 9, 2, 0, 3, 1}, {33, 40, 4, 7, 7, 2},
};
#define NSHAPES (sizeof shapes / sizeof *shapes)

static void make_model(ge_model *m, size_t i, ge_wrap wrap, uint64_t seed)
{
    ge_shape s = ut_shape(shapes[i].W, shapes[i].H, shapes[i].N, shapes[i].p0, shapes[i].p1,
                          shapes[i].O, -10, 5, 20, 12, wrap, GE_READOUT_CELL);
    ut_model(m, &s);
    ut_fill_params(m, seed, 1.0);
}

static ge_conv *make_conv(const ge_model *m, ge_isa isa)
{
    ge_error err = {{0}};
    ge_conv *c = ge_conv_new(&m->s, isa, &err);
    cr_assert(c, "ge_conv_new(%s): %s", ge_isa_name(isa), err.msg);
    cr_assert_eq(ge_conv_isa(c), isa);
    return c;
}

static void random_fill(double *v, size_t n, uint64_t seed)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = 2 * ge_rng_uniform(&r) - 1;
}

Test(conv, field_equals_the_block_path_everywhere)
{
    for (int isa = 0; isa < GE_ISA_COUNT; isa++) {
        if (!ge_isa_supported((ge_isa)isa))
            continue;
        for (size_t i = 0; i < NSHAPES; i++)
            for (int wrap = 0; wrap < 4; wrap++) {
                ge_model m;
                make_model(&m, i, (ge_wrap)wrap, 100 + i * 4 + (size_t)wrap);
                const int W = m.s.W, H = m.s.H, O = m.s.O;
                double *Kt = malloc(m.n_kernel * sizeof *Kt);
                double *F = malloc((size_t)W * H * O * sizeof *F);
                ge_kernel_transpose(&m, Kt);
                ge_conv *c = make_conv(&m, (ge_isa)isa);
                ge_conv_forward(F, c, &m);
                for (int w = 0; w < W; w++)
                    for (int h = 0; h < H; h++) {
                        double want[8];
                        ge_block_forward(&m, Kt, w, h, want);
                        for (int o = 0; o < O; o++)
                            UT_ASSERT_CLOSE(F[((size_t)w * H + h) * O + o], want[o], 1e-12, 1e-12,
                                            "%s shape %zu wrap %d cell (%d, %d) output %d",
                                            ge_isa_name((ge_isa)isa), i, wrap, w, h, o);
                    }
                ge_conv_free(c);
                free(Kt);
                free(F);
                ge_model_free(&m);
            }
    }
}

/* The gradients of a random field gradient at every cell, accumulated onto
 * random values: the block path's scatter against the engine's gather. */
Test(conv, backward_equals_the_block_path_everywhere)
{
    for (int isa = 0; isa < GE_ISA_COUNT; isa++) {
        if (!ge_isa_supported((ge_isa)isa))
            continue;
        for (size_t i = 0; i < NSHAPES; i++)
            for (int wrap = 0; wrap < 4; wrap++) {
                ge_model m;
                make_model(&m, i, (ge_wrap)wrap, 200 + i * 4 + (size_t)wrap);
                const int W = m.s.W, H = m.s.H, O = m.s.O, N = m.s.N, KW = m.KW, KH = m.KH;
                const size_t nF = (size_t)W * H * O, nk = m.n_kernel;
                double *Kt = malloc(nk * sizeof *Kt), *F = malloc(nF * sizeof *F);
                double *dF = malloc(nF * sizeof *dF);
                double *want = malloc(m.n_params * sizeof *want), *dKt = calloc(nk, sizeof *dKt);
                double *got = malloc(m.n_params * sizeof *got);
                random_fill(dF, nF, 300 + i);
                /* the engine sets the gradient: got starts as garbage */
                memset(want, 0, m.n_params * sizeof *want);
                random_fill(got, m.n_params, 400 + i);
                ge_kernel_transpose(&m, Kt);
                for (int w = 0; w < W; w++)
                    for (int h = 0; h < H; h++)
                        ge_block_backward(&m, Kt, w, h, dF + ((size_t)w * H + h) * O, want, dKt,
                                          want + m.n_emb + nk);
                for (int o = 0; o < O; o++)
                    for (int n = 0; n < N; n++)
                        for (int kw = 0; kw < KW; kw++)
                            for (int kh = 0; kh < KH; kh++)
                                want[m.n_emb + (((size_t)o * N + n) * KW + kw) * KH + kh] +=
                                    dKt[(((size_t)kw * KH + kh) * N + n) * O + o];
                ge_conv *c = make_conv(&m, (ge_isa)isa);
                ge_conv_forward(F, c, &m);
                ge_conv_backward(got, got + m.n_emb, got + m.n_emb + nk, c, &m, dF);
                for (size_t p = 0; p < m.n_params; p++)
                    UT_ASSERT_CLOSE(got[p], want[p], 1e-12, 1e-12, "%s shape %zu wrap %d %s %zu",
                                    ge_isa_name((ge_isa)isa), i, wrap,
                                    p < m.n_emb ? "dE" : p < m.n_emb + nk ? "dK" : "db",
                                    p < m.n_emb ? p : p < m.n_emb + nk ? p - m.n_emb : p - m.n_emb - nk);
                ge_conv_free(c);
                free(Kt), free(F), free(dF), free(want), free(dKt), free(got);
                ge_model_free(&m);
            }
    }
}

/* One pass of forward and backward: field and gradient slab. */
static void run_engine(const ge_model *m, ge_isa isa, int threads, double *F, double *grad)
{
    const size_t nF = (size_t)m->s.W * m->s.H * m->s.O;
    double *dF = malloc(nF * sizeof *dF);
    random_fill(dF, nF, 77);
    memset(grad, 0, m->n_params * sizeof *grad);
    ut_set_threads(threads);
    ge_conv *c = make_conv(m, isa);
    ge_conv_forward(F, c, m);
    ge_conv_backward(grad, grad + m->n_emb, grad + m->n_emb + m->n_kernel, c, m, dF);
    ge_conv_free(c);
    ut_set_threads(2);
    free(dF);
}

/* Large enough (W*H*n_kernel above GE_PARALLEL_WORK) for the threaded loops. */
Test(conv, same_bytes_on_one_and_two_threads)
{
    ge_shape s = ut_shape(70, 50, 4, 7, 7, 2, 0, 0, 70, 50, GE_WRAP_X, GE_READOUT_CELL);
    ge_model m;
    ut_model(&m, &s);
    ut_fill_params(&m, 5, 1.0);
    cr_assert_gt((double)s.W * s.H * m.n_kernel, GE_PARALLEL_WORK);
    const size_t nF = (size_t)s.W * s.H * s.O;
    double *F1 = malloc(nF * sizeof *F1), *F2 = malloc(nF * sizeof *F2);
    double *g1 = malloc(m.n_params * sizeof *g1), *g2 = malloc(m.n_params * sizeof *g2);
    for (int isa = 0; isa < GE_ISA_COUNT; isa++) {
        if (!ge_isa_supported((ge_isa)isa))
            continue;
        run_engine(&m, (ge_isa)isa, 1, F1, g1);
        run_engine(&m, (ge_isa)isa, 2, F2, g2);
        cr_assert_eq(memcmp(F1, F2, nF * sizeof *F1), 0, "%s: field", ge_isa_name((ge_isa)isa));
        cr_assert_eq(memcmp(g1, g2, m.n_params * sizeof *g1), 0, "%s: gradient",
                     ge_isa_name((ge_isa)isa));
    }
    free(F1), free(F2), free(g1), free(g2);
    ge_model_free(&m);
}

/* Both fused units add the same terms in the same order per cell: the field
 * and the embedding's gradient are the same bits (the kernel's gradient sums
 * across lanes, whose number differs). */
Test(conv, avx2_and_avx512_agree_bit_for_bit)
{
    if (!ge_isa_supported(GE_ISA_AVX512))
        cr_skip_test("no AVX-512 on this CPU");
    ge_shape s = ut_shape(37, 29, 3, 3, 5, 2, 0, 0, 37, 29, GE_WRAP_NONE, GE_READOUT_CELL);
    ge_model m;
    ut_model(&m, &s);
    ut_fill_params(&m, 6, 1.0);
    const size_t nF = (size_t)s.W * s.H * s.O;
    double *F1 = malloc(nF * sizeof *F1), *F2 = malloc(nF * sizeof *F2);
    double *g1 = malloc(m.n_params * sizeof *g1), *g2 = malloc(m.n_params * sizeof *g2);
    run_engine(&m, GE_ISA_AVX2, 1, F1, g1);
    run_engine(&m, GE_ISA_AVX512, 1, F2, g2);
    cr_assert_eq(memcmp(F1, F2, nF * sizeof *F1), 0);
    cr_assert_eq(memcmp(g1, g2, m.n_emb * sizeof *g1), 0);
    free(F1), free(F2), free(g1), free(g2);
    ge_model_free(&m);
}

Test(isa, names_parse_back)
{
    for (int i = 0; i < GE_ISA_COUNT; i++)
        cr_assert_eq(ge_isa_parse(ge_isa_name((ge_isa)i)), i);
    cr_assert_eq(ge_isa_parse("sse9"), -1);
    cr_assert(ge_isa_supported(GE_ISA_GENERIC));
}

/* GEOEMBED_SIMD caps the choice and never selects a unit the CPU lacks. */
Test(isa, environment_caps_the_default)
{
    unsetenv("GEOEMBED_SIMD");
    ge_isa best = ge_isa_default();
    cr_assert(ge_isa_supported(best));
    for (int i = best + 1; i < GE_ISA_COUNT; i++)
        cr_assert(!ge_isa_supported((ge_isa)i), "%s is supported but not chosen",
                  ge_isa_name((ge_isa)i));
    setenv("GEOEMBED_SIMD", "generic", 1);
    cr_assert_eq(ge_isa_default(), GE_ISA_GENERIC);
    setenv("GEOEMBED_SIMD", "avx2", 1);
    cr_assert_eq(ge_isa_default(), ge_isa_supported(GE_ISA_AVX2) ? GE_ISA_AVX2 : GE_ISA_GENERIC);
    setenv("GEOEMBED_SIMD", "avx512", 1);
    cr_assert_eq(ge_isa_default(), best);
    setenv("GEOEMBED_SIMD", "nonsense", 1);
    cr_assert_eq(ge_isa_default(), best);
    unsetenv("GEOEMBED_SIMD");
}
