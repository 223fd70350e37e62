/* The chunks of predict --grid (see grid_chunks.h). */
#include "grid_chunks.h"

static long min_l(long a, long b) { return a < b ? a : b; }
static long max_l(long a, long b) { return a > b ? a : b; }

grid_chunks grid_chunks_plan(long cols, long rows, long bx, long by, long bytes_per_cell,
                             long max_bytes)
{
    bx = min_l(max_l(bx, 1), cols);
    by = min_l(max_l(by, 1), rows);
    long block_bytes = bx * by * max_l(bytes_per_cell, 1);
    long fit = max_l(1, max_bytes / block_bytes); /* blocks per chunk */
    grid_chunks c;
    if (bx >= cols) { /* strips: a few of them, as tall as a row of tiles would be */
        long k = min_l(max_l(1, 256 / by), fit);
        c.rows = min_l(rows, k * by);
        c.cols = cols;
    } else { /* tiles: one row of them, in pieces */
        long across = (cols + bx - 1) / bx;
        c.rows = by;
        c.cols = min_l(cols, min_l(across, fit) * bx);
    }
    return c;
}
