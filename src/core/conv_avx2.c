/* The convolution kernels for AVX2 + FMA (conv_kernels.h): this file alone is
 * compiled for that unit, and isa.c calls it only on a CPU that has it. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "conv_kernels.h"

typedef __m256d vd;

#define VL 4
#define VLOAD(p) _mm256_loadu_pd(p)
#define VSTORE(p, v) _mm256_storeu_pd((p), (v))
#define VSET1(x) _mm256_set1_pd(x)
#define VZERO _mm256_setzero_pd()
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define CORR_NV 2
#define CORR_ACC 12
#define WG_NB 4
#define WG_KB 1
#define KTABLE ge_conv_avx2

#include "conv_impl.h"
#else
typedef int ge_conv_avx2_unused; /* not an x86-64 build */
#endif
