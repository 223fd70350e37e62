/* The level operations of the multigrid V-cycle (multigrid.c), one table per
 * vector unit. mg_impl.h holds their single source; mg_generic.c, mg_avx2.c
 * and mg_avx512.c compile it for their unit, and multigrid.c picks the
 * table with isa.c (GEOEMBED_SIMD caps it).
 *
 * Each takes nr right-hand sides interleaved (entry q of cell i at i*nr + q)
 * and works on one column w (cells w*H .. w*H + H-1) of a level, so that
 * multigrid.c runs the columns in parallel. Within one table a block's
 * columns come out bit for bit as each does alone (nr = 1). Tables of
 * different units round differently (fused multiply-add, the order of
 * sums), so solves on different units agree within the solver's tolerance,
 * not bit for bit. */
#ifndef GEOEMBED_MG_KERNELS_H
#define GEOEMBED_MG_KERNELS_H

#include "mg_level.h"

typedef struct {
    /* Gauss-Seidel along column w, forward (h ascending) or backward, on l->s. */
    void (*sweep)(const level *l, double *x, const double *b, int backward, int w, int nr);
    /* Column w of r = b - A x, or of r = A x when b is NULL; A is l->s
     * (single 1) or l->a. */
    void (*residual)(const level *l, int single, const double *x, const double *b, double *r,
                     int w, int nr);
    /* Coarse column I of c->b = P' r (level l's residual onto c, cubic). */
    void (*restrict_to)(const level *l, const double *r, const level *c, int I, int nr);
    /* Column w of x += P xc. */
    void (*prolong_add)(const level *l, const double *xc, double *x, int w, int nr);
} ge_mg_kernels;

extern const ge_mg_kernels ge_mg_generic;
#if defined(__x86_64__) && defined(__GNUC__)
extern const ge_mg_kernels ge_mg_avx2;
extern const ge_mg_kernels ge_mg_avx512;
#endif

#endif
