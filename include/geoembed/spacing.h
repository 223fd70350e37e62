/* Sample spacing: the typical distance from a sample to its nearest neighbour,
 * which sets the default cell size (a clustered survey has a small spacing
 * inside its clumps even when its average density is low). */
#ifndef GEOEMBED_SPACING_H
#define GEOEMBED_SPACING_H

#include <stddef.h>
#include <stdint.h>

#include "geoembed/model.h"

/* Median over (a seeded subset of at most max_queries) samples of the distance
 * to the nearest other sample at a positive distance; NaN when there is none.
 * Expected time O(M) through a uniform hash grid. */
double ge_median_nn_distance(const double *xy, size_t M, size_t max_queries, uint64_t seed);
/* The same of the samples as the grid of shape sh places them: along a
 * wrapped axis each coordinate is taken into the exterior's period (xmin +
 * the remainder of x - xmin by the width), so that one place written as -160
 * or as 200 degrees is one sample (the raw numbers made the spacing, and so
 * the default grid and --max-distance, depend on how they were written). */
double ge_median_nn_distance_on(const ge_shape *sh, const double *xy, size_t M,
                                size_t max_queries, uint64_t seed);

#endif
