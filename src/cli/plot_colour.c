/* Colour maps as a few stops linearly interpolated in sRGB: enough for the
 * perceptually even maps, whose lightness changes almost linearly between
 * stops, and small enough to read. */
#include <math.h>

#include "plot_colour.h"

typedef struct {
    int n;
    const unsigned char (*stop)[3];
} ramp;

/* viridis (matplotlib) at t = 0, 1/8, ..., 1 */
static const unsigned char viridis[9][3] = {
    {68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
    {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37},
};

/* cividis (Nuñez et al. 2018), readable with red-green colour blindness,
 * at t = 0, 1/5, ..., 1 */
static const unsigned char cividis[6][3] = {
    {0, 34, 78}, {53, 69, 108}, {102, 105, 112}, {148, 142, 119}, {200, 184, 102}, {254, 232, 56},
};

/* ColorBrewer's RdBu reversed: blue below the middle, white at it, red
 * above (negative cold, positive warm), at t = 0, 1/10, ..., 1 */
static const unsigned char diverging[11][3] = {
    {5, 48, 97},     {33, 102, 172},  {67, 147, 195}, {146, 197, 222}, {209, 229, 240},
    {247, 247, 247}, {253, 219, 199}, {244, 165, 130}, {214, 96, 77},  {178, 24, 43},
    {103, 0, 31},
};

static const ramp ramps[CMAP_COUNT] = {{9, viridis}, {6, cividis}, {11, diverging}};

void plot_colour(plot_cmap m, double t, double rgb[3])
{
    const ramp *r = &ramps[m >= 0 && m < CMAP_COUNT ? m : CMAP_VIRIDIS];
    t = t > 0 ? (t < 1 ? t : 1) : 0; /* NaN -> 0 */
    double pos = t * (r->n - 1);
    int i = (int)pos;
    if (i > r->n - 2)
        i = r->n - 2;
    double f = pos - i;
    for (int k = 0; k < 3; k++)
        rgb[k] = (r->stop[i][k] + (r->stop[i + 1][k] - r->stop[i][k]) * f) / 255.0;
}

double plot_bar_place(double v, double lo, double hi, int log)
{
    if (isnan(v))
        return NAN;
    double t;
    if (log)
        t = v > 0 ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : 0;
    else
        t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return t > 0 ? (t < 1 ? t : 1) : 0;
}
