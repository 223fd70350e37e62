/* ge_median_nn_distance: the sample spacing behind the default cell size. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "geoembed/rng.h"
#include "geoembed/spacing.h"
#include "unit.h"

Test(spacing, lattice_spacing)
{
    enum { N = 30 };
    double xy[2 * N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            xy[2 * (i * N + j)] = 10 + 2.5 * i;
            xy[2 * (i * N + j) + 1] = -7 + 2.5 * j;
        }
    UT_ASSERT_CLOSE(ge_median_nn_distance(xy, N * N, 100000, 1), 2.5, 1e-12, 0, "lattice");
    /* a seeded subset of queries gives the same answer on a lattice */
    UT_ASSERT_CLOSE(ge_median_nn_distance(xy, N * N, 50, 1), 2.5, 1e-12, 0, "subset");
}

Test(spacing, duplicates_are_not_neighbours)
{
    /* pairs of identical points 1 apart along x: the spacing is 1, not 0 */
    double xy[2 * 40];
    for (int i = 0; i < 20; i++) {
        xy[4 * i] = xy[4 * i + 2] = i;
        xy[4 * i + 1] = xy[4 * i + 3] = 0;
    }
    UT_ASSERT_CLOSE(ge_median_nn_distance(xy, 40, 1000, 0), 1.0, 1e-12, 0, "duplicates");
}

Test(spacing, degenerate_inputs)
{
    double one[2] = {1, 2}, same[6] = {1, 1, 1, 1, 1, 1};
    cr_assert(isnan(ge_median_nn_distance(one, 1, 10, 0)));
    cr_assert(isnan(ge_median_nn_distance(same, 3, 10, 0)));
}

Test(spacing, clustered_samples_give_the_spacing_inside_the_clumps)
{
    /* 4 clumps of 100 points 1 unit apart, far from each other */
    double xy[2 * 400];
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 100; k++) {
            xy[2 * (c * 100 + k)] = 1000.0 * c + k % 10;
            xy[2 * (c * 100 + k) + 1] = 500.0 * c + k / 10;
        }
    UT_ASSERT_CLOSE(ge_median_nn_distance(xy, 400, 1000, 3), 1.0, 1e-12, 0, "clumps");
}

Test(spacing, many_copies_of_one_point_and_an_outlier_are_fast)
{
    /* 200000 copies of one point and one far away: each query used to scan every
     * copy (over two minutes); the copies are one distinct point */
    size_t M = 200001;
    double *xy = malloc(2 * M * sizeof *xy);
    cr_assert(xy);
    for (size_t i = 0; i + 1 < M; i++)
        xy[2 * i] = xy[2 * i + 1] = 5;
    xy[2 * (M - 1)] = xy[2 * (M - 1) + 1] = 1000;
    UT_ASSERT_CLOSE(ge_median_nn_distance(xy, M, 20000, 1), 995 * sqrt(2), 1e-12, 0, "one spot");
    free(xy);
}

Test(spacing, a_tight_cluster_with_far_outliers_keeps_its_spacing)
{
    /* a 300x300 lattice of spacing 1e-3 and ten points a million away: the grid
     * spans the bulk, not the outliers, and the answer is exact */
    size_t M = 300 * 300 + 10, k = 0;
    double *xy = malloc(2 * M * sizeof *xy);
    cr_assert(xy);
    for (int i = 0; i < 300; i++)
        for (int j = 0; j < 300; j++, k++) {
            xy[2 * k] = 1e-3 * i;
            xy[2 * k + 1] = 1e-3 * j;
        }
    for (int o = 0; o < 10; o++, k++) {
        xy[2 * k] = 1e6 + 7.0 * o;
        xy[2 * k + 1] = -1e6;
    }
    UT_ASSERT_CLOSE(ge_median_nn_distance(xy, M, 20000, 2), 1e-3, 1e-9, 0, "cluster");
    free(xy);
}
