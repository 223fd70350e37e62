/* The machine's peak: double-precision fused multiply-adds per second of one
 * core, measured by a loop of independent multiply-adds on registers (no
 * memory), for `geoembed-bench peak` (bench/README.md). Each loop is
 * compiled for its unit; the caller runs only the ones the CPU has. */
#include <time.h>

#include "fma_peak.h"

/* Enough independent chains to cover the latency of every FMA pipe. */
#define CHAINS 12

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static double loop_avx512(long iters)
{
    __m512d acc[CHAINS], a = _mm512_set1_pd(0.999999), b = _mm512_set1_pd(1e-7);
    for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm512_set1_pd(c);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 12
        for (int c = 0; c < CHAINS; c++)
            acc[c] = _mm512_fmadd_pd(acc[c], a, b);
    double out[8], s = 0;
    for (int c = 1; c < CHAINS; c++)
        acc[0] = _mm512_add_pd(acc[0], acc[c]);
    _mm512_storeu_pd(out, acc[0]);
    for (int l = 0; l < 8; l++)
        s += out[l];
    return s;
}

__attribute__((target("avx2,fma"))) static double loop_avx2(long iters)
{
    __m256d acc[CHAINS], a = _mm256_set1_pd(0.999999), b = _mm256_set1_pd(1e-7);
    for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm256_set1_pd(c);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 12
        for (int c = 0; c < CHAINS; c++)
            acc[c] = _mm256_fmadd_pd(acc[c], a, b);
    double out[4], s = 0;
    for (int c = 1; c < CHAINS; c++)
        acc[0] = _mm256_add_pd(acc[0], acc[c]);
    _mm256_storeu_pd(out, acc[0]);
    for (int l = 0; l < 4; l++)
        s += out[l];
    return s;
}
#endif

/* Two lanes, multiply then add: two flops an element like an FMA. */
static double loop_generic(long iters)
{
    typedef double v2 __attribute__((vector_size(16)));
    v2 acc[CHAINS], a = {0.999999, 0.999999}, b = {1e-7, 1e-7};
    for (int c = 0; c < CHAINS; c++)
        acc[c] = (v2){c, c};
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 12
        for (int c = 0; c < CHAINS; c++)
            acc[c] = acc[c] * a + b;
    double s = 0;
    for (int c = 0; c < CHAINS; c++)
        s += acc[c][0] + acc[c][1];
    return s;
}

double fma_loop(ge_isa isa, long iters)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (isa == GE_ISA_AVX512)
        return loop_avx512(iters);
    if (isa == GE_ISA_AVX2)
        return loop_avx2(iters);
#endif
    return loop_generic(iters);
}

double fma_loop_flop(ge_isa isa, long iters)
{
    const int lanes = isa == GE_ISA_AVX512 ? 8 : isa == GE_ISA_AVX2 ? 4 : 2;
    return 2.0 * lanes * CHAINS * (double)iters;
}

double fma_peak_gflops(ge_isa isa, long iters, double *sink)
{
    double t0 = thread_cpu();
    *sink += fma_loop(isa, iters);
    return fma_loop_flop(isa, iters) / (thread_cpu() - t0) / 1e9;
}
