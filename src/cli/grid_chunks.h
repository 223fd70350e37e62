/* The pieces predict --grid computes and writes at a time: rectangles of
 * whole blocks of the output format (tiles, or strips of full rows), as many
 * as fit a fixed number of cells, so that memory does not depend on the
 * grid's size and every block is complete when it leaves the block cache
 * (a block written twice is compressed twice and, in a GeoTIFF, stored twice). */
#ifndef GEOEMBED_CLI_GRID_CHUNKS_H
#define GEOEMBED_CLI_GRID_CHUNKS_H

/* Cells computed at a time: with the outputs and the coordinates of each
 * cell in doubles, a few tens of megabytes. */
#define GRID_CHUNK_BYTES (64L << 20)

typedef struct {
    long rows, cols; /* a chunk's height and width, both at least 1 */
} grid_chunks;

/* For a cols x rows grid stored in bx x by blocks, with bytes_per_cell of
 * buffers and at most max_bytes of them: tiles (bx < cols) one block row
 * high and as many blocks wide as fit; full-width strips (bx >= cols) as
 * many blocks high as fit, up to about 256 rows. At least one block. */
grid_chunks grid_chunks_plan(long cols, long rows, long bx, long by, long bytes_per_cell,
                             long max_bytes);

#endif
