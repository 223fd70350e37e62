/* Outlines to draw over a map (coastlines, borders, field boundaries): the
 * lines and polygon rings of any OGR vector source, as polylines in a
 * target CRS. */
#ifndef GEOEMBED_OUTLINES_H
#define GEOEMBED_OUTLINES_H

#include <stddef.h>

#include "geoembed/error.h"

typedef struct {
    double *xy; /* [n][2]; a point that could not be transformed is NaN (a gap) */
    size_t n;
} ge_polyline;

typedef struct {
    ge_polyline *line;
    size_t n;
    size_t points;   /* point features, which have no outline (not read) */
    size_t features; /* features read */
    int crs_unused;  /* the layer has a CRS, dst_wkt none: read as they stand */
} ge_outlines;

/* Reads every line and polygon ring (of multi-geometries and collections
 * too) of layer (NULL: the first) of path, reprojected from the layer's CRS
 * into dst_wkt (no reprojection when either is empty). */
int ge_outlines_read(const char *path, const char *layer, const char *dst_wkt, ge_outlines *o,
                     ge_error *err);
void ge_outlines_free(ge_outlines *o);

#endif
