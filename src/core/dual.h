/* The dual (kriging) form of the default model's optimum, for the penalty
 * search on few samples (see dual.c). Library-internal. */
#ifndef GEOEMBED_CORE_DUAL_H
#define GEOEMBED_CORE_DUAL_H

#include <stddef.h>

#include "geoembed/error.h"
#include "geoembed/model.h"

typedef struct ge_dual ge_dual;

/* Prepares the folds fold[M] in [0, K) of the M samples xy, targets ys[M][O]
 * (standardised; kept by pointer) on the grid of m (bilinear or cell
 * read-out). NULL with err when the grid is under 4x4, a fold's samples do not
 * fix the plane, or memory runs out (the caller then solves directly). */
ge_dual *ge_dual_new(const ge_model *m, const double *xy, const double *ys, size_t M,
                     const int *fold, int K, ge_error *err);
void ge_dual_free(ge_dual *d);

/* Held-out absolute error sums sums[c][k] of candidates lg[0..nc) (log10 of
 * the penalty weight) on every fold, for the squared-error fit. */
int ge_dual_scores(const ge_dual *d, const double *lg, int nc, double *sums, ge_error *err);

#endif
