/* Coordinate transformations between CRSs (PROJ through OGR), in traditional
 * GIS axis order: x = easting/longitude, y = northing/latitude. */
#ifndef GEOEMBED_REPROJECT_H
#define GEOEMBED_REPROJECT_H

#include <stddef.h>

#include "geoembed/error.h"

typedef struct ge_transform ge_transform;

/* NULL and no error when the two CRSs are the same (or either is empty). */
ge_transform *ge_transform_new(const char *src_wkt, const char *dst_wkt, int *same,
                               ge_error *err);
void ge_transform_free(ge_transform *t);
/* In place; points that cannot be transformed become NaN. Returns how many. */
size_t ge_transform_points(ge_transform *t, double *xy, size_t n);
/* The bounds of a rectangle after transformation (densified edges). */
int ge_transform_bounds(ge_transform *t, const double in[4], double out[4], ge_error *err);

#endif
