/* ge_assign_folds: folds partition the samples; spatial folds keep blocks whole. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "geoembed/folds.h"
#include "geoembed/rng.h"

static double *random_points(size_t M, uint64_t seed)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    double *xy = malloc(2 * M * sizeof *xy);
    for (size_t i = 0; i < 2 * M; i++)
        xy[i] = 1000 * ge_rng_uniform(&r);
    return xy;
}

Test(folds, random_folds_partition_and_balance)
{
    const size_t M = 1003;
    const int K = 5;
    double *xy = random_points(M, 1);
    int *fold = malloc(M * sizeof *fold), count[5] = {0};
    ge_assign_folds(xy, M, K, 0, 7, fold);
    for (size_t i = 0; i < M; i++) {
        cr_assert(fold[i] >= 0 && fold[i] < K, "sample %zu in fold %d", i, fold[i]);
        count[fold[i]]++;
    }
    int total = 0;
    for (int k = 0; k < K; k++) {
        cr_assert(count[k] == 200 || count[k] == 201, "fold %d has %d samples", k, count[k]);
        total += count[k];
    }
    cr_assert_eq(total, (int)M); /* every sample in exactly one fold */
    free(xy);
    free(fold);
}

Test(folds, seeded)
{
    const size_t M = 300;
    double *xy = random_points(M, 2);
    int *a = malloc(M * sizeof *a), *b = malloc(M * sizeof *b), *c = malloc(M * sizeof *c);
    ge_assign_folds(xy, M, 4, 0, 11, a);
    ge_assign_folds(xy, M, 4, 0, 11, b);
    ge_assign_folds(xy, M, 4, 0, 12, c);
    int same = 1, differ = 0;
    for (size_t i = 0; i < M; i++) {
        same &= a[i] == b[i];
        differ |= a[i] != c[i];
    }
    cr_assert(same, "same seed, same folds");
    cr_assert(differ, "another seed, other folds");
    free(xy);
    free(a);
    free(b);
    free(c);
}

Test(folds, spatial_blocks_stay_whole)
{
    const size_t M = 2000;
    const double block = 100;
    double *xy = random_points(M, 3);
    int *fold = malloc(M * sizeof *fold), used[5] = {0};
    ge_assign_folds(xy, M, 5, block, 5, fold);
    /* all samples of one 100x100 block share a fold */
    int first[10][10];
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            first[i][j] = -1;
    for (size_t i = 0; i < M; i++) {
        int bx = (int)floor(xy[2 * i] / block), by = (int)floor(xy[2 * i + 1] / block);
        cr_assert(fold[i] >= 0 && fold[i] < 5);
        used[fold[i]] = 1;
        if (first[bx][by] < 0)
            first[bx][by] = fold[i];
        cr_assert_eq(fold[i], first[bx][by], "block (%d,%d) split across folds", bx, by);
    }
    for (int k = 0; k < 5; k++)
        cr_assert(used[k], "fold %d is empty", k);
    free(xy);
    free(fold);
}
