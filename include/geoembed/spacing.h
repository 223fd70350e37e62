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

/* The pieces of ge_median_nn_distance, for samples spread over processes
 * (each holds some; the median is the one of all of them together): */
/* how many samples it queries of M, */
size_t ge_nn_query_count(size_t M, size_t max_queries);
/* their numbers idx[ge_nn_query_count] among the M (seeded), */
void ge_nn_queries(size_t M, size_t max_queries, uint64_t seed, size_t *idx);
/* the distance d[k] from each query point q[k] to the nearest of xy[M] at a
 * positive distance (INFINITY: none; the nearest of several sets is the
 * least of theirs); 0, or -1 out of memory, */
int ge_nn_distances(const double *xy, size_t M, const double *q, size_t nq, double *d);
/* and the median of the finite d[nq] (reordered), NaN when none is. */
double ge_nn_median(double *d, size_t nq);
/* The samples as the grid of sh places them (ge_median_nn_distance_on): a
 * new array, NULL out of memory. */
double *ge_points_on(const ge_shape *sh, const double *xy, size_t M);

#endif
