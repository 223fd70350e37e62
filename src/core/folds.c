/* Cross-validation folds: random, or whole spatial blocks. */
#include <math.h>
#include <stdlib.h>

#include "geoembed/folds.h"
#include "geoembed/rng.h"

void ge_assign_folds(const double *xy, size_t M, int K, double block, uint64_t seed, int *fold)
{
    ge_rng r;
    ge_rng_seed(&r, seed ^ 0xf01d5ULL);
    if (block <= 0) {
        /* A shuffled round-robin: folds differ in size by at most one. */
        size_t *perm = malloc(M * sizeof *perm);
        if (!perm) { /* fall back to a deterministic stride */
            for (size_t i = 0; i < M; i++)
                fold[i] = (int)(i % (size_t)K);
            return;
        }
        for (size_t i = 0; i < M; i++)
            perm[i] = i;
        ge_rng_shuffle(&r, perm, M);
        for (size_t i = 0; i < M; i++)
            fold[perm[i]] = (int)(i % (size_t)K);
        free(perm);
        return;
    }
    /* Spatial blocks: hash each block's integer coordinates with the seed. */
    uint64_t salt = ge_rng_next(&r);
    for (size_t i = 0; i < M; i++) {
        int64_t bx = (int64_t)floor(xy[2 * i] / block), by = (int64_t)floor(xy[2 * i + 1] / block);
        uint64_t h = salt ^ ((uint64_t)bx * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)by * 0xc2b2ae3d27d4eb4fULL);
        h ^= h >> 31;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        fold[i] = (int)(h % (uint64_t)K);
    }
}


/* A sample number's fold where the whole shuffle would not fit: a hash of
 * the number and the seed (folds then differ in size by about sqrt(M/K)). */
static int hashed_fold(size_t id, int K, uint64_t salt)
{
    uint64_t h = salt ^ ((uint64_t)id * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (int)(h % (uint64_t)K);
}

int ge_assign_folds_of(const size_t *ids, size_t n, size_t total, int K, uint64_t seed,
                       int *fold)
{
    if (total > GE_FOLDS_SHUFFLE_MAX) {
        ge_rng r;
        ge_rng_seed(&r, seed ^ 0xf01d5ULL);
        uint64_t salt = ge_rng_next(&r);
        for (size_t i = 0; i < n; i++)
            fold[i] = hashed_fold(ids ? ids[i] : i, K, salt);
        return 0;
    }
    if (!ids && n == total) {
        ge_assign_folds(NULL, n, K, 0, seed, fold);
        return 0;
    }
    int *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return -1;
    ge_assign_folds(NULL, total, K, 0, seed, all);
    for (size_t i = 0; i < n; i++)
        fold[i] = all[ids ? ids[i] : i];
    free(all);
    return 0;
}
