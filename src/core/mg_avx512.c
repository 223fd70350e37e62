/* The multigrid level kernels for AVX-512F (mg_kernels.h): this file alone
 * is compiled for that unit (the Makefile lets it fuse a*b + c), and
 * multigrid.c calls it only on a CPU that has it. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx512f,avx2,fma")
#define KTABLE ge_mg_avx512

#include "mg_impl.h"
#else
typedef int ge_mg_avx512_unused; /* not an x86-64 build */
#endif
