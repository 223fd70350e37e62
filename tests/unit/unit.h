/* Shared helpers of the unit tests (tests/unit/test_*.c): tolerant float
 * comparisons and small model / data builders. Header-only, static inline. */
#ifndef GEOEMBED_TESTS_UNIT_H
#define GEOEMBED_TESTS_UNIT_H

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "geoembed/model.h"
#include "geoembed/rng.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* Threads of the OpenMP loops that follow. */
static inline void ut_set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* |a - b| <= rtol * max(|a|, |b|) + atol */
static inline int ut_close(double a, double b, double rtol, double atol)
{
    double d = fabs(a - b), s = fmax(fabs(a), fabs(b));
    return d <= rtol * s + atol;
}

/* Asserts ut_close(a, b, rtol, atol); the trailing arguments are a printf
 * message (format literal first) describing the value. */
#define UT_ASSERT_CLOSE(a, b, rtol, atol, ...)                                                   \
    do {                                                                                         \
        double ut_a_ = (a), ut_b_ = (b);                                                         \
        if (!ut_close(ut_a_, ut_b_, (rtol), (atol))) {                                           \
            char ut_msg_[512];                                                                   \
            snprintf(ut_msg_, sizeof ut_msg_, __VA_ARGS__);                                      \
            cr_assert_fail("%s = %.17g, expected %.17g (diff %.3g): %s", #a, ut_a_, ut_b_,       \
                           fabs(ut_a_ - ut_b_), ut_msg_);                                        \
        }                                                                                        \
    } while (0)

static inline ge_shape ut_shape(int W, int H, int N, int p0, int p1, int O, double xmin,
                                double ymin, double width, double height, ge_wrap wrap,
                                ge_readout readout)
{
    ge_shape s = {.W = W, .H = H, .N = N, .p0 = p0, .p1 = p1, .O = O, .xmin = xmin,
                  .ymin = ymin, .width = width, .height = height, .wrap = wrap,
                  .readout = readout};
    return s;
}

/* Initialises m with shape s; fails the test on error. */
static inline void ut_model(ge_model *m, const ge_shape *s)
{
    ge_error err = {{0}};
    int rc = ge_model_init(m, s, &err);
    cr_assert_eq(rc, 0, "ge_model_init: %s", err.msg);
}

/* Every parameter (E, K, b) uniform in [-a, a] from a seeded generator. */
static inline void ut_fill_params(ge_model *m, uint64_t seed, double a)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] = (2 * ge_rng_uniform(&r) - 1) * a;
}

/* Brute-force convolution of a point: gathers its block with ge_gather and
 * applies the torch-layout kernel K[o][n][kw][kh] directly. */
static inline void ut_brute_point(const ge_model *m, double x, double y, double *out)
{
    const int N = m->s.N, O = m->s.O, KW = m->KW, KH = m->KH;
    double blk[4096];
    cr_assert(KW * KH * N <= 4096);
    ge_gather(m, x, y, blk);
    for (int o = 0; o < O; o++) {
        double s = m->b[o];
        for (int n = 0; n < N; n++)
            for (int kw = 0; kw < KW; kw++)
                for (int kh = 0; kh < KH; kh++)
                    s += m->K[((o * N + n) * KW + kw) * KH + kh] * blk[(kw * KH + kh) * N + n];
        out[o] = s;
    }
}

#endif
