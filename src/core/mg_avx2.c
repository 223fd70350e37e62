/* The multigrid level kernels for AVX2 + FMA (mg_kernels.h): this file alone
 * is compiled for that unit (the Makefile lets it fuse a*b + c), and
 * multigrid.c calls it only on a CPU that has it. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx2,fma")
#define KTABLE ge_mg_avx2

#include "mg_impl.h"
#else
typedef int ge_mg_avx2_unused; /* not an x86-64 build */
#endif
