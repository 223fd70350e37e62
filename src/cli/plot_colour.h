/* Colour maps of `geoembed plot`: a value's place t in [0, 1] along the
 * colour bar becomes an sRGB colour. Knows nothing of fields or cairo. */
#ifndef GEOEMBED_CLI_PLOT_COLOUR_H
#define GEOEMBED_CLI_PLOT_COLOUR_H

typedef enum { CMAP_VIRIDIS, CMAP_CIVIDIS, CMAP_DIVERGING, CMAP_COUNT } plot_cmap;

/* The names --cmap takes, space-separated, in enum order. */
#define PLOT_CMAP_NAMES "viridis cividis diverging"

/* rgb[3] in [0, 1] for t in [0, 1] (clamped; NaN is taken as 0). */
void plot_colour(plot_cmap m, double t, double rgb[3]);

/* Where a value falls on a bar from lo to hi (linear, or logarithmic when
 * log: lo > 0 then), clamped to [0, 1]; NaN for NaN. */
double plot_bar_place(double v, double lo, double hi, int log);

#endif
