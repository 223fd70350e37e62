/* The figure of `geoembed plot`, drawn with cairo: one panel per scalar
 * target (a colour map with a colour bar, optional contour lines) or per
 * vector pair (arrows with a scale key), and optionally beside each the
 * predictive standard deviation (a colour map), laid out in a grid; axes in the
 * model's coordinates (degrees as 30°E, 10°S), samples as markers, outlines
 * on top. It asks a callback for the field, so it knows nothing of model
 * files; the command chooses the surface (PNG, SVG, PDF).
 *
 * Coordinates: pixels of the picture, (0, 0) its top-left corner, y down;
 * the model's y (north) is up. */
#ifndef GEOEMBED_CLI_PLOT_FIGURE_H
#define GEOEMBED_CLI_PLOT_FIGURE_H

#include <cairo.h>
#include <stddef.h>

#include "geoembed/model.h"
#include "geoembed/outlines.h"
#include "plot_colour.h"
#include "plot_ticks.h"

enum { PLOT_MAX_PANELS = 16, PLOT_MIN_AREA = 32 };

/* Outputs of the field per place at most: each target's value and std. */
#define PLOT_MAX_OUT (2 * GE_MAX_OUTPUTS)

/* out[nout] at (x, y) in the model's CRS: 0, or -1 where the field is
 * empty (out NaN). Called from several threads at once. */
typedef int (*plot_field_fn)(const void *ctx, double x, double y, double *out);

/* PANEL_STD: the predictive standard deviation of a colour panel's target
 * (comp[0] its std output, comp[1] -1), or of an arrow panel's pair as the
 * length of its error vector, sqrt(std_east^2 + std_north^2) (comp[] the
 * two std outputs); a colour map on a sequential map and a range of its own. */
typedef enum { PANEL_COLOUR, PANEL_ARROWS, PANEL_STD } plot_panel_kind;

typedef struct {
    plot_panel_kind kind;
    int comp[2];         /* the output drawn (colour), or the (east, north) pair */
    const char *name[2]; /* their target names (name[1] NULL for one) */
} plot_panel;

typedef struct {
    /* the frame: the model's exterior in its CRS */
    double x0, y0, x1, y1;
    const char *xname, *yname;
    int degrees; /* geographic: x longitude, y latitude */
    /* the field */
    plot_field_fn field;
    const void *field_ctx;
    int nout;
    plot_panel panel[PLOT_MAX_PANELS];
    int npanels;
    int cols; /* panels per row; 0: up to three, else a square grid */
    /* colour maps */
    plot_cmap cmap;
    double vmin, vmax; /* NaN: the field's own range */
    int log;
    int contours;      /* about this many lines per colour map; 0: none */
    const char *units; /* the targets' unit, or NULL */
    /* on top */
    const double *samples; /* [nsamples][2], in the model's CRS */
    size_t nsamples;
    double marker_size;  /* diameter in pixels; 0: from the number of samples */
    double marker_alpha; /* opacity in (0, 1]; 0: from the number of samples */
    const ge_outlines *overlay;
    /* the picture */
    int width, height;  /* height 0: from the exterior's shape */
    double raster_step; /* pixels per sample of the colour maps (1: every pixel) */
} plot_spec;

typedef struct {
    double x, y, w, h;
} plot_rect;

typedef struct {
    int w, h;    /* the picture */
    int cols;    /* panels per row */
    double font; /* text size, pixels */
    plot_rect area[PLOT_MAX_PANELS]; /* where each panel's field is drawn */
    plot_ticks xt, yt;
    /* colour and std panels: the bar's range and ticks, the contour levels */
    double lo[PLOT_MAX_PANELS], hi[PLOT_MAX_PANELS];
    plot_ticks bar[PLOT_MAX_PANELS], levels[PLOT_MAX_PANELS];
    /* arrow panels: the grid of arrows and pixels per unit of length */
    int nx, ny;
    double scale[PLOT_MAX_PANELS], key[PLOT_MAX_PANELS], longest[PLOT_MAX_PANELS];
    /* markers */
    double marker_size, marker_alpha;
} plot_layout;

/* What went wrong in plot_layout_make: the picture cannot be laid out as
 * asked (a usage error), or the field has nothing to draw (a failure). */
typedef enum { PLOT_OK = 0, PLOT_BAD_USAGE, PLOT_NO_DATA } plot_status;

/* Sizes everything; why gets one line when the status is not PLOT_OK. */
plot_status plot_layout_make(const plot_spec *s, plot_layout *L, char *why, size_t n);
/* Draws the whole picture onto cr (a surface L->w x L->h pixels). 0, or -1
 * when out of memory. */
int plot_draw(cairo_t *cr, const plot_spec *s, const plot_layout *L);

/* Frees cairo's and fontconfig's caches of fonts, which they otherwise keep
 * until the process ends (and leak checkers report): call once, after every
 * surface is destroyed, when no more text is drawn. */
void plot_release_fonts(void);

/* Pixel of a model point in panel k. */
void plot_to_pixel(const plot_spec *s, const plot_layout *L, int k, double x, double y,
                   double *px, double *py);

#endif
