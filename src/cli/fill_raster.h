/* geoembed fill: the input raster copied, with the holes of chosen bands
 * replaced by their model's predictions. */
#ifndef GEOEMBED_CLI_FILL_RASTER_H
#define GEOEMBED_CLI_FILL_RASTER_H

#include <stddef.h>

#include "options.h"
#include "predictor.h"

typedef struct {
    predictor *p; /* the band's model; NULL: the band is copied unchanged */
    /* counts, set by fill_raster_write */
    size_t holes;   /* nodata or masked pixels */
    size_t filled;  /* holes given a value */
    size_t clamped; /* predictions outside the data type's range, clamped into it */
    size_t moved;   /* predictions that rounded to the nodata value, moved one step off it */
} fill_band;

/* How the input marks its holes: each band by its nodata value (and NaN), or
 * one mask for every band, as gdal_fillnodata takes it: an alpha band or a
 * mask band. The output keeps that mask, made valid where every band was
 * filled. */
typedef struct {
    int shared; /* one mask for every band */
    int alpha;  /* the alpha band (1-based), not filled itself; 0: none (a mask band) */
} fill_mask;

/* Before any fitting: the input must be fillable (bands of one real data
 * type) and the output format writable, and able to hold a mask band when
 * the input has one; sets the driver's name and how holes are marked.
 * Returns 0 or an exit status (printed). */
int fill_raster_check(const cli_args *a, const char *in, const char **driver, fill_mask *m);
/* Writes OUT (a->val[O_OUTPUT]) as a copy of the raster at in: same size,
 * data type, georeferencing, nodata values, mask and metadata, every valid
 * pixel byte for byte; a hole of band b (0-based) with bands[b].p and a
 * prediction (within its max_distance) gets the prediction, rounded and
 * clamped into the data type; a shared mask (m) becomes valid (opaque) where
 * every band got one. Returns 0 or an exit status (printed). */
int fill_raster_write(const cli_args *a, const char *in, const char *driver, const fill_mask *m,
                      fill_band *bands, int nbands);

#endif
