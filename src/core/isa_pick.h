/* The table of kernels compiled for a vector unit (isa.h): the generic one,
 * or where the compiler built them for x86-64, the AVX2 or AVX-512 one.
 * Shared by the convolution (conv.c) and the multigrid (multigrid.c).
 * Library-internal. */
#ifndef GEOEMBED_CORE_ISA_PICK_H
#define GEOEMBED_CORE_ISA_PICK_H

#include "geoembed/isa.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define GE_ISA_PICK(isa, generic, avx2, avx512)                                                \
    ((isa) == GE_ISA_AVX512 ? &(avx512) : (isa) == GE_ISA_AVX2 ? &(avx2) : &(generic))
#else
#define GE_ISA_PICK(isa, generic, avx2, avx512) ((void)(isa), &(generic))
#endif

#endif
