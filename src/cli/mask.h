/* --mask POLYGONS: an outline (any OGR polygon source) outside of which
 * predictions are left empty, as a GIS user clips a map to a country or a
 * study area. The polygons are brought into the model's CRS once; a query is
 * a crossing count over the edges of one horizontal band, so it is cheap,
 * and read-only, so threads may share it. */
#ifndef GEOEMBED_CLI_MASK_H
#define GEOEMBED_CLI_MASK_H

#include "geoembed/model.h"

typedef struct mask mask;

/* Reads the polygons of path (layer: NULL for the first; where: an OGR
 * attribute filter or NULL) into the CRS model_wkt ("" or NULL: planar, the
 * coordinates taken as they are). A wrapped model's x is tested modulo its
 * exterior. Returns 0, or an exit status after printing the error. */
int mask_load(mask **out, const char *cmd, const char *path, const char *layer,
              const char *where, const char *model_wkt, const ge_shape *shape);
/* 1 when (x, y) lies inside some polygon (holes excluded). */
int mask_contains(const mask *m, double x, double y);
/* Polygons and edges read (for messages and tests). */
size_t mask_polygons(const mask *m);
void mask_free(mask *m);

#endif
