/* The levels of the multigrid solver (multigrid.c), shared with the level
 * kernels compiled per vector unit (mg_kernels.h). Internal to the library. */
#ifndef GEOEMBED_MG_LEVEL_H
#define GEOEMBED_MG_LEVEL_H

#include <stddef.h>

#include "multigrid.h"

#define CENTRE 12 /* the diagonal entry of a row: offset (0, 0) */
/* fine cells a coarse cell interpolates to, at most: linear 3 and cubic 5,
 * one more at an extrapolated edge */
#define LFROM 4
#define CFROM 6

/* One axis of a level, and its maps to the next coarser level: linear
 * interpolation for the Galerkin product of the data term (which keeps it in
 * the 5x5 box), cubic for the V-cycle's transfers (a fourth-order problem
 * needs transfers of order above 2 for a coarse correction that does not
 * weaken with the grid size; measured on a 400x400 grid: 96 iterations with
 * linear transfers and Galerkin coarse operators). */
typedef struct {
    int n, wrap;
    int (*nb)[5];    /* neighbour at offset -2..2, or -1 past a clamped edge */
    unsigned char *colour;
    int ncolour;
    int nc;          /* length of the coarser axis (n when not coarsened) */
    int (*lto)[2];   /* linear: fine index -> coarse indices (-1: none), weights */
    double (*ltw)[2];
    int (*lfrom)[LFROM]; /* linear: coarse index -> fine indices (-1: none), weights */
    double (*lfw)[LFROM];
    int (*to)[4];    /* cubic, likewise */
    double (*tw)[4];
    int (*from)[CFROM];
    double (*fw)[CFROM];
} axis;

typedef struct {
    axis ax[2]; /* w, h */
    size_t n;
    double hw, hh;   /* cell size in finest cells */
    double *d;       /* the data term's rows [n][GE_MG_BOX] */
    /* The operator, d + penalty (+ ridge), planar: entry k of row i at
     * a[k * n + i], so that a vector holds one entry of consecutive cells
     * of a column (mg_impl.h). */
    double *a;
    /* The V-cycle's operator: a in single precision, same layout. The
     * V-cycle is only the preconditioner (the conjugate gradients multiply
     * by a): its sweeps and residuals read half the bytes, and the solve
     * is bound by reading the operator. */
    float *s;
    double *inv;     /* 1 / the diagonal of s [n] */
    const double *zero; /* H * (block width) zeros: x of a column past a clamped edge */
    double *x, *b, *r; /* [n][cap]: the right-hand sides of a block interleaved */
    int *cols[5];    /* the columns of each w colour */
    int ncols[5];
} level;

#endif
