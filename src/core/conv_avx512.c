/* The convolution kernels for AVX-512F (conv_kernels.h): this file alone is
 * compiled for that unit, and isa.c calls it only on a CPU that has it.
 * Thirty-two registers: twice the accumulators of AVX2. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#include "conv_kernels.h"

typedef __m512d vd;

#define VL 8
#define VLOAD(p) _mm512_loadu_pd(p)
#define VSTORE(p, v) _mm512_storeu_pd((p), (v))
#define VSET1(x) _mm512_set1_pd(x)
#define VZERO _mm512_setzero_pd()
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define CORR_NV 2
#define CORR_ACC 16
#define WG_NB 4
#define WG_KB 3
#define KTABLE ge_conv_avx512

#include "conv_impl.h"
#else
typedef int ge_conv_avx512_unused; /* not an x86-64 build */
#endif
