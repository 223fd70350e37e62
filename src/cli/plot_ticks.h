/* Tick values and their labels for the axes and colour bars of `geoembed
 * plot`: round numbers (1, 2 or 5 times a power of ten; for degrees also 10,
 * 15, 30, 45, 60 or 90), written with just enough digits, and degrees as
 * 30°E, 10°S. Pure functions. */
#ifndef GEOEMBED_CLI_PLOT_TICKS_H
#define GEOEMBED_CLI_PLOT_TICKS_H

#include <stddef.h>

enum { PLOT_MAX_TICKS = 32 };

typedef enum { TICK_PLAIN, TICK_LON, TICK_LAT } tick_style;

typedef struct {
    int n;
    double v[PLOT_MAX_TICKS];
    char label[PLOT_MAX_TICKS][40];
} plot_ticks;

/* About target round values in [lo, hi], labelled. */
void plot_ticks_linear(double lo, double hi, int target, tick_style style, plot_ticks *t);
/* Round values for a logarithmic bar on [lo, hi] (lo > 0): powers of ten,
 * with 2 and 5 times them when the range spans less than three decades. */
void plot_ticks_log(double lo, double hi, plot_ticks *t);
/* The largest 1, 2 or 5 times a power of ten not above v (v > 0). */
double plot_round_down(double v);
/* A round value (up to six significant digits), exponents written short
 * (1.5e6). */
void plot_format(char *buf, size_t n, double v);

#endif
