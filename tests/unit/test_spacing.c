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
