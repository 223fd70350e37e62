/* Which vector unit the convolution kernels run on (conv.h).
 *
 * The build stays generic (no -march): the kernels are compiled once per
 * instruction set, each file for its own unit, and the widest one the CPU and
 * the operating system support is chosen when a workspace is made. The
 * environment variable GEOEMBED_SIMD=generic|avx2|avx512 caps the choice (to
 * compare the paths, or to rule a unit out); it never selects a unit the CPU
 * lacks. AVX2 and AVX-512 give the same field and embedding gradient bit for
 * bit; the generic path has no fused multiply-add and differs in the last
 * bits (well inside the conformance tolerance). */
#ifndef GEOEMBED_ISA_H
#define GEOEMBED_ISA_H

typedef enum {
    GE_ISA_GENERIC = 0, /* any CPU: two-lane vectors, multiply then add */
    GE_ISA_AVX2 = 1,    /* x86-64 AVX2 + FMA: four doubles a vector */
    GE_ISA_AVX512 = 2,  /* x86-64 AVX-512F: eight doubles a vector */
} ge_isa;

#define GE_ISA_COUNT 3

/* 1 when this CPU runs the kernels of isa (and they were compiled in). */
int ge_isa_supported(ge_isa isa);
/* The widest supported unit, capped by GEOEMBED_SIMD when it is set. */
ge_isa ge_isa_default(void);
const char *ge_isa_name(ge_isa isa);
/* The unit named name ("generic", "avx2", "avx512"), or -1. */
int ge_isa_parse(const char *name);

#endif
