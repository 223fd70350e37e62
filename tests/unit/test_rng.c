/* Unit tests of src/core/rng.c: xoshiro256** seeded through splitmix64. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/rng.h"

Test(rng, seed_state_is_splitmix64)
{
    /* The first four outputs of splitmix64 from state 0 and 42 (the published
     * sequence; computed independently with Python integers). */
    ge_rng r;
    ge_rng_seed(&r, 0);
    cr_assert_eq(r.s[0], 0xe220a8397b1dcdafULL);
    cr_assert_eq(r.s[1], 0x6e789e6aa1b965f4ULL);
    cr_assert_eq(r.s[2], 0x06c45d188009454fULL);
    cr_assert_eq(r.s[3], 0xf88bb8a8724c81ecULL);
    ge_rng_seed(&r, 42);
    cr_assert_eq(r.s[0], 0xbdd732262feb6e95ULL);
    cr_assert_eq(r.s[3], 0x581ce1ff0e4ae394ULL);
}

Test(rng, known_sequence)
{
    /* xoshiro256** outputs, computed independently: the same on every machine,
     * which is what makes --seed reproducible across builds. */
    static const uint64_t want0[4] = {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                      0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL};
    static const uint64_t want42[4] = {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                       0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL};
    ge_rng r;
    ge_rng_seed(&r, 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(ge_rng_next(&r), want0[i], "seed 0 output %d", i);
    ge_rng_seed(&r, 42);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(ge_rng_next(&r), want42[i], "seed 42 output %d", i);
    /* uniform: the top 53 bits times 2^-53 */
    ge_rng_seed(&r, 12345);
    cr_assert_eq(ge_rng_uniform(&r), 0.7438081631565894);
    cr_assert_eq(ge_rng_uniform(&r), 0.13004553462783452);
    cr_assert_eq(ge_rng_uniform(&r), 0.9633344930128545);
}

Test(rng, same_seed_same_sequence)
{
    ge_rng a, b, c;
    ge_rng_seed(&a, 987654321);
    ge_rng_seed(&b, 987654321);
    ge_rng_seed(&c, 987654322);
    int differ = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = ge_rng_next(&a);
        cr_assert_eq(x, ge_rng_next(&b), "draw %d", i);
        differ += x != ge_rng_next(&c);
    }
    cr_assert_geq(differ, 9990, "a neighbouring seed must give another sequence");
    /* reseeding restarts the sequence */
    ge_rng_seed(&a, 5);
    uint64_t first = ge_rng_next(&a);
    ge_rng_next(&a);
    ge_rng_seed(&a, 5);
    cr_assert_eq(ge_rng_next(&a), first);
}

Test(rng, uniform_range_and_mean)
{
    ge_rng r;
    ge_rng_seed(&r, 1);
    double sum = 0, lo = 1, hi = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = ge_rng_uniform(&r);
        cr_assert(u >= 0.0 && u < 1.0, "uniform out of [0,1): %.17g", u);
        sum += u;
        lo = fmin(lo, u);
        hi = fmax(hi, u);
    }
    /* mean 1/2, standard error 1/sqrt(12 n) ~ 6.5e-4 */
    cr_assert(fabs(sum / n - 0.5) < 0.004, "mean %.6f", sum / n);
    cr_assert_lt(lo, 1e-4);
    cr_assert_gt(hi, 1 - 1e-4);
}

Test(rng, below_range)
{
    static const uint64_t ns[] = {1, 2, 3, 7, 10, 1000, 1ULL << 32, (1ULL << 63) + 1,
                                  UINT64_MAX - 1, UINT64_MAX};
    ge_rng r;
    ge_rng_seed(&r, 77);
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
        for (int i = 0; i < 2000; i++) {
            uint64_t v = ge_rng_below(&r, ns[k]);
            cr_assert_lt(v, ns[k], "n %llu gave %llu", (unsigned long long)ns[k],
                         (unsigned long long)v);
        }
    for (int i = 0; i < 100; i++)
        cr_assert_eq(ge_rng_below(&r, 1), 0);
}

Test(rng, below_rough_uniformity)
{
    /* 10 bins, 100000 draws: each count ~ 10000 +- 95 (1 sigma); chi-square
     * with 9 degrees of freedom far below 40 (p ~ 1e-5). */
    ge_rng r;
    ge_rng_seed(&r, 2024);
    long count[10] = {0};
    const long n = 100000;
    for (long i = 0; i < n; i++)
        count[ge_rng_below(&r, 10)]++;
    double chi2 = 0;
    for (int k = 0; k < 10; k++) {
        cr_assert(labs(count[k] - n / 10) < 600, "bin %d has %ld", k, count[k]);
        double d = (double)count[k] - n / 10.0;
        chi2 += d * d / (n / 10.0);
    }
    cr_assert_lt(chi2, 40.0);

    /* A bound just above 2^63 makes half of all raw draws rejections; the
     * accepted values must still cover [0, n) evenly: half below 2^62... */
    const uint64_t big = (1ULL << 63) + 1;
    long top = 0, m = 20000;
    for (long i = 0; i < m; i++)
        top += ge_rng_below(&r, big) >= (1ULL << 62);
    cr_assert(labs(top - m / 2) < 500, "upper half got %ld of %ld", top, m);
    /* ... and odd/even equally */
    long odd = 0;
    for (long i = 0; i < m; i++)
        odd += ge_rng_below(&r, 3) == 1;
    cr_assert(labs(odd - m / 3) < 450, "value 1 of 3 drawn %ld times of %ld", odd, m);
}

Test(rng, shuffle_is_permutation)
{
    const size_t n = 1000;
    size_t *idx = malloc(n * sizeof *idx), *seen = calloc(n, sizeof *seen);
    cr_assert(idx && seen);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    ge_rng r;
    ge_rng_seed(&r, 3);
    ge_rng_shuffle(&r, idx, n);
    size_t fixed = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(idx[i], n);
        seen[idx[i]]++;
        fixed += idx[i] == i;
    }
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(seen[i], 1, "value %zu appears %zu times", i, seen[i]);
    /* a random permutation has ~1 fixed point; the identity has 1000 */
    cr_assert_lt(fixed, 10);

    /* same seed, same permutation; another seed, another one */
    size_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    cr_assert(a && b);
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] = i;
    ge_rng_seed(&r, 3);
    ge_rng_shuffle(&r, a, n);
    cr_assert_eq(memcmp(a, idx, n * sizeof *a), 0);
    ge_rng_seed(&r, 4);
    ge_rng_shuffle(&r, b, n);
    cr_assert_neq(memcmp(a, b, n * sizeof *a), 0);
    free(a);
    free(b);
    free(idx);
    free(seen);
}

Test(rng, shuffle_trivial_sizes)
{
    ge_rng r, r0;
    ge_rng_seed(&r, 9);
    r0 = r;
    size_t one = 7;
    ge_rng_shuffle(&r, NULL, 0);
    ge_rng_shuffle(&r, &one, 1);
    cr_assert_eq(one, 7);
    /* nothing to draw for n < 2 */
    cr_assert_eq(memcmp(&r, &r0, sizeof r), 0);
}

Test(rng, shuffle_uniform_over_permutations)
{
    /* All 6 orders of 3 items, 60000 shuffles: each ~10000 +- 91. */
    ge_rng r;
    ge_rng_seed(&r, 11);
    long count[6] = {0};
    const long n = 60000;
    for (long i = 0; i < n; i++) {
        size_t v[3] = {0, 1, 2};
        ge_rng_shuffle(&r, v, 3);
        cr_assert(v[0] != v[1] && v[1] != v[2] && v[0] != v[2]);
        int code = (int)(v[0] * 2 + (v[1] > v[2])); /* v[0] and the order of the rest */
        count[code]++;
    }
    for (int k = 0; k < 6; k++)
        cr_assert(labs(count[k] - n / 6) < 600, "permutation %d drawn %ld times", k, count[k]);
}
