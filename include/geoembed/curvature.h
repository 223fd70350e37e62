/* The curvature penalty of the smooth model (SPEC 1b): the thin-plate energy of
 * the field, mean over the grid of Fxx^2 + Fyy^2 + 2 Fxy^2 (second differences
 * in cell units; wrapped axes are cyclic, clamped axes use interior cells). */
#ifndef GEOEMBED_CURVATURE_H
#define GEOEMBED_CURVATURE_H

#include "geoembed/model.h"

/* Index i + d along an axis of base cells: wrapped, or -1 past the edge of a
 * clamped axis. */
int ge_axis_step(int i, int d, int base, int wrap);

/* The energy as a sum of squares, sum over terms of c (v . F[idx])^2: for
 * each cell its second difference along w (3 cells, c 1), along h (3 cells,
 * c 1) and the mixed one (4 cells, c 2), each c times weight[kind] (kind 0,
 * 1, 2 in that order; NULL: 1): the one definition of the penalty's
 * stencil, for the exact solver's matrix and its coarse levels. */
typedef void (*ge_penalty_term)(void *ctx, const size_t *idx, const double *v, int n, double c);
void ge_penalty_terms(int W, int H, int wx, int wy, const double weight[3], ge_penalty_term fn,
                      void *ctx);
/* The same for the terms anchored at cells (w, h), w0 <= w < w1, h0 <= h < h1
 * (a term touches its anchor and cells one step from it along w and/or h,
 * wrapped): blocks that tile the grid give every term once, so that each
 * process of the distributed solver (src/petsc/) adds those of its block. */
void ge_penalty_terms_block(int W, int H, int wx, int wy, const double weight[3], int w0, int w1,
                            int h0, int h1, ge_penalty_term fn, void *ctx);

/* Returns lambda * energy(F); when dF is not NULL adds lambda * dEnergy/dF. */
double ge_curvature(const ge_model *m, const double *F, double lambda, double *dF);

/* The factor that makes --smooth LAMBDA mean the same at every resolution:
 * second differences in cell units shrink as h^2 when the grid gets finer, so
 * the trainer weighs the energy by (a_x a_y)^2 with a = L / (100 h), L the
 * larger side of the exterior: second derivatives measured as if on a grid of
 * 100 cells across the exterior. Exactly 1 for 100x100 cells on a square. */
double ge_curvature_scale(const ge_model *m);

#endif
