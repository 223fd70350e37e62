/* Contour lines by marching squares: the pieces of the line where a gridded
 * field crosses a level. Knows nothing of pictures. */
#ifndef GEOEMBED_CLI_PLOT_CONTOUR_H
#define GEOEMBED_CLI_PLOT_CONTOUR_H

typedef void (*plot_segment_fn)(void *ctx, double x0, double y0, double x1, double y1);

/* Values v[ny][nx] at the nodes (i, j) of a grid; seg receives each piece
 * of the line v = level inside a square of four nodes, in grid coordinates,
 * the crossings found by linear interpolation along the square's edges.
 * A square with a NaN corner gives nothing (no line into empty places).
 * A node equal to the level counts as above it. Returns the pieces. */
long plot_contour(const double *v, int nx, int ny, double level, plot_segment_fn seg, void *ctx);

#endif
