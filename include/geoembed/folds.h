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

/* Above this many samples the random folds are a hash of each sample's
 * number: the shuffle takes 12 bytes a sample on every process that needs
 * a fold. */
#define GE_FOLDS_SHUFFLE_MAX ((size_t)1 << 22)

/* The random folds (block 0) of samples numbered ids[0..n) (NULL: 0..n-1)
 * among total: what ge_assign_folds gives sample ids[i] of all total, up to
 * GE_FOLDS_SHUFFLE_MAX; above, a seeded hash of the number. The same at any
 * split of the samples over processes. 0, or -1 out of memory. */
int ge_assign_folds_of(const size_t *ids, size_t n, size_t total, int K, uint64_t seed,
                       int *fold);

#endif
