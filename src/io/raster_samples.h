/* The raster reader on a dataset already open (the io readers share it). */
#ifndef GEOEMBED_IO_RASTER_SAMPLES_H
#define GEOEMBED_IO_RASTER_SAMPLES_H

#include <gdal.h>

#include "geoembed/samples.h"

/* Every valid pixel centre of ds as a sample, as ge_samples_read_raster
 * reads; takes ownership of ds (NULL: could not be opened); path names it in
 * messages. */
int ge_raster_samples(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                      ge_error *err);

#endif
