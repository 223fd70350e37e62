/* Predictions into a band's data type (see pixel_type.h). */
#include <float.h>
#include <math.h>

#include <gdal.h>

#include "pixel_type.h"

int pixel_type_range(int type, double *lo, double *hi)
{
    switch ((GDALDataType)type) {
    case GDT_Byte: *lo = 0, *hi = 255; return 1;
    case GDT_UInt16: *lo = 0, *hi = 65535; return 1;
    case GDT_Int16: *lo = -32768, *hi = 32767; return 1;
    case GDT_UInt32: *lo = 0, *hi = 4294967295.0; return 1;
    case GDT_Int32: *lo = -2147483648.0, *hi = 2147483647.0; return 1;
#if GDAL_VERSION_NUM >= 3050000
    /* the largest doubles below 2^64 and 2^63: the conversion cannot overflow */
    case GDT_UInt64: *lo = 0, *hi = 18446744073709549568.0; return 1;
    case GDT_Int64: *lo = -9223372036854775808.0, *hi = 9223372036854774784.0; return 1;
#endif
#if GDAL_VERSION_NUM >= 3070000
    case GDT_Int8: *lo = -128, *hi = 127; return 1;
#endif
    case GDT_Float32: *lo = -FLT_MAX, *hi = FLT_MAX; return 0;
    default: *lo = -DBL_MAX, *hi = DBL_MAX; return 0;
    }
}

double pixel_value(const pixel_type *t, double v, pixel_counts *c)
{
    double lo, hi;
    const int integer = pixel_type_range(t->type, &lo, &hi);
    if (integer)
        v = round(v);
    if (v < lo || v > hi) {
        v = v < lo ? lo : hi;
        c->clamped++;
    }
    if (t->type == GDT_Float32)
        v = (float)v;
    if (t->has_nodata && v == t->nodata) {
        if (integer)
            v = v + 1 <= hi ? v + 1 : v - 1;
        else if (t->type == GDT_Float32)
            v = nextafterf((float)v, v < hi ? FLT_MAX : -FLT_MAX);
        else
            v = nextafter(v, v < hi ? DBL_MAX : -DBL_MAX);
        c->moved++;
    }
    return v;
}
