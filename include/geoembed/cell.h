/* Cell arithmetic: which cell a coordinate falls in, and how out-of-range
 * neighbour indices are resolved. Tiny pure functions, tested on their own.
 *
 * The reference (torch_geopooling) stores rectangles as min and max, so the
 * cell size is recovered by a subtraction, twice:
 *     extent = (min + size) - min;  cell = (min + extent / cells) - min
 * Points on cell boundaries depend on that rounding. */
#ifndef GEOEMBED_CELL_H
#define GEOEMBED_CELL_H

#include <stdint.h>

/* Cell size along one axis, rounded exactly as the reference rounds it. */
double ge_cell_size(double min, double size, int cells);

/* Raw cell index floor((v - min) / cell), for any finite v. Indices far outside
 * the grid all gather the same neighbourhood, so the result is clamped to
 * [-cells-pad-1, 2*cells+pad] (which keeps every distinct neighbourhood apart)
 * and never overflows. */
int64_t ge_cell_index(double v, double min, double cell, int cells, int pad);

/* Resolve a neighbour index v onto [0, base-1].
 * wrap != 0: the reference's reflection rule, one wrap only:
 *            v < 0 -> v + base, then v >= base -> v - base, then clamp.
 * wrap == 0: clamp to the border. */
int ge_resolve(int64_t v, int base, int wrap);

#endif
