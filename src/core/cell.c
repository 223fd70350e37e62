/* Cell arithmetic shared by training, prediction and the grid writers. */
#include <math.h>

#include "geoembed/cell.h"

double ge_cell_size(double min, double size, int cells)
{
    double extent = (min + size) - min;
    return (min + extent / cells) - min;
}

int64_t ge_cell_index(double v, double min, double cell, int cells, int pad)
{
    double q = floor((v - min) / cell);
    double lo = -(double)cells - pad - 1, hi = 2.0 * cells + pad;
    if (!(q >= lo))  /* also catches NaN, which the callers reject earlier */
        q = lo;
    if (q > hi)
        q = hi;
    return (int64_t)q;
}

int ge_resolve(int64_t v, int base, int wrap)
{
    if (wrap) {
        if (v < 0)
            v += base;
        if (v >= base)
            v -= base;
    }
    if (v < 0)
        return 0;
    if (v >= base)
        return base - 1;
    return (int)v;
}
