/* A symmetric positive definite system on a W x H grid whose rows couple
 * each cell with the cells of its 5x5 box (wrapped where an axis wraps):
 * the default model's normal equations (the 13-point thin-plate stencil
 * plus the 9-point bilinear read-out terms fit in the box, and so do their
 * Galerkin coarsenings). Solved by conjugate gradients preconditioned with
 * one geometric multigrid V-cycle: memory and work linear in the cells,
 * where a sparse Cholesky factor grows faster and no longer fits for grids
 * of millions of cells. Results do not depend on the thread count. */
#ifndef GEOEMBED_MULTIGRID_H
#define GEOEMBED_MULTIGRID_H

#include <stddef.h>

#include "geoembed/error.h"

/* Entries of a row: offsets (dw, dh) in [-2, 2]^2 at (dw + 2) * 5 + dh + 2. */
#define GE_MG_BOX 25

typedef struct ge_mg ge_mg;

/* Cell (w, h) is number w * H + h. */
ge_mg *ge_mg_new(int W, int H, int wx, int wy);
void ge_mg_free(ge_mg *g);

/* The finest level's data rows [W*H][GE_MG_BOX], filled by the caller
 * (with ge_mg_add) before ge_mg_setup: the operator is these plus mu times
 * the curvature penalty (curvature.h) plus a ridge on the diagonal. */
double *ge_mg_data(ge_mg *g);

/* a_ij += v in rows a of this grid's finest level (the caller adds a_ji too). */
void ge_mg_add(const ge_mg *g, double *a, size_t i, size_t j, double v);

/* Builds the levels' operators for this mu and ridge (their data rows only
 * when the finest data changed) and factorises the coarsest. Returns 0, 1
 * when the coarsest level is not positive definite (the system is singular,
 * or nearly), -1 on failure (err set). */
int ge_mg_setup(ge_mg *g, double mu, double ridge, ge_error *err);

/* The largest diagonal entry of the finest operator (after a setup). */
double ge_mg_diagonal_max(const ge_mg *g);

/* Right-hand sides solved side by side: each V-cycle reads the operator's
 * rows once for all of them (the solve is bound by memory traffic). At
 * most GE_MG_BLOCK; ge_mg_block_width tells how many a W x H grid takes
 * (fewer on large grids, where every right-hand side adds 85 bytes a cell).
 * Measured on 500x500 cells, one thread: a posterior draw 0.55 s alone,
 * 0.35 s in blocks of 4, 0.27 s in blocks of 8. */
#define GE_MG_BLOCK 8
int ge_mg_block_width(int W, int H);

/* The block solves give up (-1, "interrupted") as soon as stop(ctx) says so,
 * checked once an iteration (NULL: never). */
void ge_mg_on_interrupt(ge_mg *g, int (*stop)(void *ctx), void *ctx);

/* Solves nr (1 to GE_MG_BLOCK) systems A x_q = b_q at once to a relative
 * residual rtol, starting from x; b and x interleaved (entry q of cell i at
 * i * nr + q). Each column comes out bit for bit as it does solved alone
 * (nr = 1). *iters: the most any took. */
int ge_mg_solve_block(ge_mg *g, int nr, const double *b, double *x, double rtol, int *iters,
                      ge_error *err);

/* Bytes of the solver of a W x H grid (rows, vectors, coarse levels). */
double ge_mg_bytes(int W, int H);

#endif
