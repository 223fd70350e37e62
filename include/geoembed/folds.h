/* Seeded assignment of samples to cross-validation folds. */
#ifndef GEOEMBED_FOLDS_H
#define GEOEMBED_FOLDS_H

#include <stddef.h>
#include <stdint.h>

/* fold[i] in [0, K) for each of the M samples at xy[M][2]. block <= 0: a
 * shuffled round-robin (fold sizes differ by at most one). block > 0: the
 * plane is cut into square blocks of that size and each whole block goes to
 * one fold (spatial folds: random folds flatter a model on spatially
 * autocorrelated data). */
void ge_assign_folds(const double *xy, size_t M, int K, double block, uint64_t seed, int *fold);

#endif
