/* The seeded generator behind initialisation, shuffling and data splits:
 * xoshiro256** seeded through splitmix64. Same seed, same sequence, on every
 * machine; that is what makes `--seed` give byte-identical models. */
#ifndef GEOEMBED_RNG_H
#define GEOEMBED_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} ge_rng;

void ge_rng_seed(ge_rng *r, uint64_t seed);
uint64_t ge_rng_next(ge_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double ge_rng_uniform(ge_rng *r);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t ge_rng_below(ge_rng *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void ge_rng_shuffle(ge_rng *r, size_t *idx, size_t n);

#endif
