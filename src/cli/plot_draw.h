/* A tiny RGB canvas for `geoembed plot`: fill, rectangles, lines (plain or
 * anti-aliased), filled triangles, discs, a built-in 5x7 bitmap font and a
 * viridis-like palette. Knows nothing of models or files.
 *
 * Coordinates: pixel (x, y) is column x, row y, row 0 at the top. The
 * continuous-coordinate primitives (anti-aliased lines, triangles, discs) see
 * pixel (x, y) as the unit square [x, x+1) x [y, y+1), centre (x+0.5, y+0.5);
 * without anti-aliasing they set exactly the pixels whose centre is inside
 * the shape. Everything is clipped to the canvas. */
#ifndef GEOEMBED_CLI_PLOT_DRAW_H
#define GEOEMBED_CLI_PLOT_DRAW_H

typedef struct {
    unsigned char r, g, b;
} pd_rgb;

typedef struct {
    int w, h;
    unsigned char *px; /* [h][w][3], rows top to bottom */
} pd_canvas;

/* Largest side accepted by pd_init. */
#define PD_MAX_SIDE 32768

/* 0, or -1 for a bad size or no memory. The canvas starts black. */
int pd_init(pd_canvas *c, int w, int h);
void pd_free(pd_canvas *c);

/* ---- pixels ------------------------------------------------------------ */
/* Black outside the canvas. */
pd_rgb pd_get(const pd_canvas *c, int x, int y);
void pd_set(pd_canvas *c, int x, int y, pd_rgb col);
/* Mixes col over the pixel with weight a in [0, 1] (1 sets it exactly). */
void pd_blend(pd_canvas *c, int x, int y, pd_rgb col, double a);
void pd_fill(pd_canvas *c, pd_rgb col);
/* Filled rectangle of w x h pixels with top-left (x, y). */
void pd_rect(pd_canvas *c, int x, int y, int w, int h, pd_rgb col);
/* One-pixel outline of the same rectangle. */
void pd_frame(pd_canvas *c, int x, int y, int w, int h, pd_rgb col);

/* ---- shapes ------------------------------------------------------------ */
/* Bresenham line between pixel (x0, y0) and pixel (x1, y1), both included. */
void pd_line(pd_canvas *c, int x0, int y0, int x1, int y1, pd_rgb col);
/* Anti-aliased line of the given width (round caps), continuous coordinates:
 * each pixel gets the coverage of its centre's distance to the segment. */
void pd_line_aa(pd_canvas *c, double x0, double y0, double x1, double y1, double width,
                pd_rgb col);
/* Filled triangle (either winding); aa: blend edge pixels by their coverage
 * (4x4 subsamples). Without aa: the pixels whose centre is inside or on an
 * edge. */
void pd_triangle(pd_canvas *c, double x0, double y0, double x1, double y1, double x2, double y2,
                 pd_rgb col, int aa);
/* Filled disc of radius r about (cx, cy); aa as for triangles. Without aa:
 * the pixels whose centre is within r. */
void pd_disc(pd_canvas *c, double cx, double cy, double r, pd_rgb col, int aa);

/* ---- text: a 5x7 bitmap font ------------------------------------------- */
/* Digits, letters, space and - . + _ ( ) , : / | = ?; anything else is drawn
 * as '?'. Glyphs are 7 pixels high and 1 to 5 wide, one pixel apart; every
 * font pixel becomes a scale x scale block. */
#define PD_FONT_H 7
/* Width in pixels of s drawn at this scale (0 for ""). */
int pd_text_width(const char *s, int scale);
/* Draws s with its top-left corner at (x, y); returns its width. */
int pd_text(pd_canvas *c, int x, int y, const char *s, int scale, pd_rgb col);
/* Draws s turned a quarter turn anticlockwise (reading upwards), occupying
 * the columns x .. x + 7*scale - 1 and the rows above y (its last row is
 * y - 1); returns its length. */
int pd_text_up(pd_canvas *c, int x, int y, const char *s, int scale, pd_rgb col);

/* ---- colour ------------------------------------------------------------ */
/* The viridis-like palette: t in [0, 1] (clamped) from dark purple through
 * teal to yellow, linearly interpolated between 9 stops; NaN gives grey. */
pd_rgb pd_palette(double t);

#endif
