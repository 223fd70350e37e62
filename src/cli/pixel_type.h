/* Predictions as a raster band of a given GDAL data type holds them: rounded
 * for integer types, clamped into the type's range, kept off the nodata value
 * (a value must never read as empty), and counted when changed so that the
 * command can say so. Shared by predict --grid --ot and fill. */
#ifndef GEOEMBED_CLI_PIXEL_TYPE_H
#define GEOEMBED_CLI_PIXEL_TYPE_H

#include <stddef.h>

typedef struct {
    int type;       /* a GDALDataType */
    int has_nodata; /* nodata holds the band's nodata value (NaN allowed) */
    double nodata;
} pixel_type;

typedef struct {
    size_t clamped; /* outside the type's range */
    size_t moved;   /* equal to the nodata value, moved one step off it */
    size_t empty;   /* cells without a prediction (the predictor's empty rule) */
} pixel_counts;

/* The range of values of a real data type; 1 for an integer type. */
int pixel_type_range(int type, double *lo, double *hi);
/* v (finite) as the band will hold it; counts what was changed. */
double pixel_value(const pixel_type *t, double v, pixel_counts *c);

#endif
