/* Unit tests of src/cli/plot_figure.c, the figure of `geoembed plot`: fields
 * known everywhere are drawn into a PNG file, read back with cairo, and
 * pixels are checked at places computed from the layout: the colour of a
 * known value, empty places left blank, which way arrows point, markers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/cli/plot_figure.h"

/* each test runs in a process of its own: free the font caches it made */
static void release(void)
{
    plot_release_fonts();
}

TestSuite(plot_figure, .fini = release);

/* ---- fields ------------------------------------------------------------ */

/* out[0] = x (minus *ctx when given), empty where x > 80 */
static int ramp_x(const void *ctx, double x, double y, double *out)
{
    (void)y;
    out[0] = x > 80 ? NAN : ctx ? x - *(const double *)ctx : x;
    return x > 80 ? -1 : 0;
}

/* a constant vector (east, north) from ctx */
static int uniform(const void *ctx, double x, double y, double *out)
{
    (void)x, (void)y;
    const double *v = ctx;
    out[0] = v[0], out[1] = v[1];
    return 0;
}

static plot_spec spec(plot_field_fn f, const void *ctx, plot_panel_kind kind)
{
    plot_spec s = {.x0 = 0, .y0 = 0, .x1 = 100, .y1 = 50, .xname = "x", .yname = "y",
                   .field = f, .field_ctx = ctx, .nout = 2, .npanels = 1,
                   .cmap = CMAP_VIRIDIS, .vmin = NAN, .vmax = NAN, .width = 400,
                   .raster_step = 1};
    s.panel[0] = (plot_panel){kind, {0, 1}, {"a", "b"}};
    return s;
}

/* a vector (1, 0) whose components have the stds 0.03 x and 0.04 x: the
 * error vector's length 0.05 x; empty where x > 80 */
static int spread_x(const void *ctx, double x, double y, double *out)
{
    (void)ctx, (void)y;
    out[0] = 1, out[1] = 0, out[2] = 0.03 * x, out[3] = 0.04 * x;
    if (x > 80)
        out[0] = out[1] = out[2] = out[3] = NAN;
    return x > 80 ? -1 : 0;
}

/* ---- drawing and reading back ------------------------------------------ */

typedef struct {
    cairo_surface_t *img;
    int w, h, stride;
    const unsigned char *data;
} picture;

/* Draws s into a PNG file, reads the file back. */
static picture draw(const plot_spec *s, plot_layout *L)
{
    char why[512];
    cr_assert_eq(plot_layout_make(s, L, why, sizeof why), PLOT_OK, "%s", why);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, L->w, L->h);
    cairo_t *cr = cairo_create(sf);
    cr_assert_eq(plot_draw(cr, s, L), 0);
    cairo_destroy(cr);
    const char *t = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/geoembed-ut-plot.XXXXXX", t && *t ? t : "/tmp");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    close(fd);
    cr_assert_eq(cairo_surface_write_to_png(sf, path), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(sf);
    picture p;
    p.img = cairo_image_surface_create_from_png(path);
    unlink(path);
    cr_assert_eq(cairo_surface_status(p.img), CAIRO_STATUS_SUCCESS);
    p.w = cairo_image_surface_get_width(p.img);
    p.h = cairo_image_surface_get_height(p.img);
    p.stride = cairo_image_surface_get_stride(p.img);
    p.data = cairo_image_surface_get_data(p.img);
    cr_assert_eq(p.w, L->w);
    cr_assert_eq(p.h, L->h);
    return p;
}

/* The pixel containing the point (x, y) of the picture: r, g, b. */
static void pixel(const picture *p, double x, double y, int rgb[3])
{
    int i = (int)floor(x), j = (int)floor(y);
    cr_assert(i >= 0 && j >= 0 && i < p->w && j < p->h, "(%g, %g) is outside", x, y);
    uint32_t v;
    memcpy(&v, p->data + (size_t)j * p->stride + 4 * (size_t)i, 4);
    rgb[0] = v >> 16 & 255, rgb[1] = v >> 8 & 255, rgb[2] = v & 255;
}

static int dark(const picture *p, double x, double y)
{
    int c[3];
    pixel(p, x, y, c);
    return c[0] < 110 && c[1] < 110 && c[2] < 110;
}

/* Ink (255 minus the lightest channel) summed over the pixels from (x, y)
 * to (x + dx * (n-1), y + dy * (n-1)). */
static int ink(const picture *p, double x, double y, double dx, double dy, int n)
{
    int sum = 0, c[3];
    for (int k = 0; k < n; k++) {
        pixel(p, x + k * dx, y + k * dy, c);
        sum += 255 - (c[0] > c[1] ? (c[0] > c[2] ? c[0] : c[2]) : (c[1] > c[2] ? c[1] : c[2]));
    }
    return sum;
}

static int light(const picture *p, double x, double y)
{
    int c[3];
    pixel(p, x, y, c);
    return c[0] > 200 && c[1] > 200 && c[2] > 200;
}

/* ---- colour maps ------------------------------------------------------- */

Test(plot_figure, colour_of_known_values)
{
    plot_spec s = spec(ramp_x, NULL, PANEL_COLOUR);
    s.vmin = 0, s.vmax = 100;
    plot_layout L;
    picture p = draw(&s, &L);
    const plot_rect *r = &L.area[0];
    cr_assert(r->w >= 200 && r->h >= 80, "plot area %gx%g", r->w, r->h);
    /* down the middle row, every tenth column: the colour of its value */
    for (int i = 0; i < (int)r->w; i += 10) {
        double x = (i + 0.5) / r->w * 100;
        if (x > 80)
            continue;
        double want[3];
        plot_colour(CMAP_VIRIDIS, x / 100, want);
        int got[3];
        pixel(&p, r->x + i + 0.5, r->y + r->h / 2, got);
        for (int k = 0; k < 3; k++)
            cr_assert(abs(got[k] - (int)lround(want[k] * 255)) <= 1,
                      "column %d (x %g): (%d, %d, %d), expected (%g, %g, %g)", i, x, got[0],
                      got[1], got[2], want[0] * 255, want[1] * 255, want[2] * 255);
    }
    /* x > 80 is empty: the paper shows */
    int c[3];
    pixel(&p, r->x + 0.9 * r->w, r->y + r->h / 2, c);
    cr_assert(c[0] == 255 && c[1] == 255 && c[2] == 255, "empty place is (%d, %d, %d)", c[0],
              c[1], c[2]);
    /* the margins are paper too */
    cr_assert(light(&p, 1, 1));
    cairo_surface_destroy(p.img);
}

Test(plot_figure, range_and_log)
{
    plot_spec s = spec(ramp_x, NULL, PANEL_COLOUR);
    plot_layout L;
    char why[512];
    /* the field's own range: 0 to 80 (up to the sampling of the range) */
    cr_assert_eq(plot_layout_make(&s, &L, why, sizeof why), PLOT_OK);
    cr_assert(L.lo[0] >= 0 && L.lo[0] < 0.5, "lo %g", L.lo[0]);
    cr_assert(L.hi[0] > 79.5 && L.hi[0] <= 80, "hi %g", L.hi[0]);
    /* diverging: centred on zero */
    s.cmap = CMAP_DIVERGING;
    cr_assert_eq(plot_layout_make(&s, &L, why, sizeof why), PLOT_OK);
    cr_assert_float_eq(L.lo[0], -L.hi[0], 1e-12);
    /* a logarithmic bar needs values above zero */
    const double ten = 10;
    s.field_ctx = &ten;
    s.cmap = CMAP_VIRIDIS;
    s.log = 1;
    cr_assert_eq(plot_layout_make(&s, &L, why, sizeof why), PLOT_BAD_USAGE);
    cr_assert(strstr(why, "--log") != NULL, "%s", why);
    s.vmin = 1;
    cr_assert_eq(plot_layout_make(&s, &L, why, sizeof why), PLOT_OK);
    cr_assert_str_eq(L.bar[0].label[0], "1");
    cr_assert_str_eq(L.bar[0].label[1], "2"); /* 1 to 70: 1, 2, 5, 10, ... */
    /* --vmin above everything */
    s.log = 0, s.vmin = 90;
    cr_assert_eq(plot_layout_make(&s, &L, why, sizeof why), PLOT_BAD_USAGE);
    cr_assert(strstr(why, "--vmin 90") != NULL, "%s", why);
}

/* The std of a vector pair, alone in its picture: the length of the error
 * vector on viridis, on its own range whatever the values' options say. */
Test(plot_figure, std_of_a_vector_pair)
{
    plot_spec s = spec(spread_x, NULL, PANEL_STD);
    s.nout = 4;
    s.panel[0].comp[0] = 2, s.panel[0].comp[1] = 3;
    s.cmap = CMAP_DIVERGING, s.vmin = 100, s.vmax = 200, s.log = 1, s.contours = 5;
    plot_layout L;
    picture p = draw(&s, &L);
    cr_assert(L.lo[0] >= 0 && L.lo[0] < 0.05, "lo %g", L.lo[0]);
    cr_assert(L.hi[0] > 3.95 && L.hi[0] <= 4, "hi %g", L.hi[0]);
    cr_assert_eq(L.levels[0].n, 0, "contour lines on a std panel");
    const plot_rect *r = &L.area[0];
    for (int i = 5; i < (int)(0.75 * r->w); i += 20) {
        double x = (i + 0.5) / r->w * 100, want[3];
        plot_colour(CMAP_VIRIDIS, plot_bar_place(0.05 * x, L.lo[0], L.hi[0], 0), want);
        int got[3];
        pixel(&p, r->x + i + 0.5, r->y + r->h / 2, got);
        for (int k = 0; k < 3; k++)
            cr_assert(abs(got[k] - (int)lround(want[k] * 255)) <= 1,
                      "column %d (x %g): (%d, %d, %d), expected (%g, %g, %g)", i, x, got[0],
                      got[1], got[2], want[0] * 255, want[1] * 255, want[2] * 255);
    }
    cairo_surface_destroy(p.img);
}

Test(plot_figure, too_small)
{
    plot_spec s = spec(ramp_x, NULL, PANEL_COLOUR);
    s.width = 60;
    plot_layout L;
    char why[512];
    cr_assert_eq(plot_layout_make(&s, &L, why, sizeof why), PLOT_BAD_USAGE);
    cr_assert(strstr(why, "no room") != NULL, "%s", why);
}

/* ---- arrows ------------------------------------------------------------ */

/* Arrow (i, j) of the grid: its centre and length in pixels. */
static void arrow_at(const plot_layout *L, int i, int j, double *cx, double *cy, double *len)
{
    const plot_rect *r = &L->area[0];
    double sx = r->w / L->nx, sy = r->h / L->ny;
    *cx = r->x + (i + 0.5) * sx, *cy = r->y + (j + 0.5) * sy;
    *len = L->scale[0] * L->longest[0];
}

Test(plot_figure, arrows_point_east)
{
    const double v[2] = {3, 0};
    plot_spec s = spec(uniform, v, PANEL_ARROWS);
    plot_layout L;
    picture p = draw(&s, &L);
    cr_assert_float_eq(L.longest[0], 3, 1e-12);
    cr_assert_float_eq(L.key[0], 2, 0);
    int checked = 0;
    for (int j = 1; j < L.ny - 1; j++)
        for (int i = 1; i < L.nx - 1; i++) {
            double cx, cy, len;
            arrow_at(&L, i, j, &cx, &cy, &len);
            cr_assert(len > 15, "arrows %g pixels long", len);
            /* across the arrow near its east end (the head, 4 to 6 pixels wide)
             * more than twice the ink near its west end (the shaft) */
            int head = ink(&p, cx + 0.3 * len, cy - 5, 0, 1, 11);
            int tail = ink(&p, cx - 0.3 * len, cy - 5, 0, 1, 11);
            cr_assert(head > 2 * tail && tail > 150, "arrow (%d, %d): ink %d near the east end, "
                      "%d near the west end", i, j, head, tail);
            /* nothing north or south of it */
            cr_assert(light(&p, cx, cy - 0.3 * len));
            cr_assert(light(&p, cx, cy + 0.3 * len));
            checked++;
        }
    cr_assert(checked > 10);
    cairo_surface_destroy(p.img);
}

Test(plot_figure, arrows_point_north)
{
    const double v[2] = {0, 0.5};
    plot_spec s = spec(uniform, v, PANEL_ARROWS);
    plot_layout L;
    picture p = draw(&s, &L);
    double cx, cy, len;
    arrow_at(&L, L.nx / 2, L.ny / 2, &cx, &cy, &len);
    /* north is up: the head is above the centre (rows grow southwards) */
    int head = ink(&p, cx - 5, cy - 0.3 * len, 1, 0, 11);
    int tail = ink(&p, cx - 5, cy + 0.3 * len, 1, 0, 11);
    cr_assert(head > 2 * tail && tail > 150, "ink %d near the north end, %d near the south end",
              head, tail);
    cairo_surface_destroy(p.img);
}

/* ---- samples ----------------------------------------------------------- */

Test(plot_figure, markers_where_the_samples_are)
{
    const double v[2] = {0, 0};
    const double xy[4] = {20, 40, 75, 10};
    plot_spec s = spec(uniform, v, PANEL_COLOUR);
    s.samples = xy, s.nsamples = 2, s.marker_size = 8, s.marker_alpha = 1;
    plot_layout L;
    picture p = draw(&s, &L);
    for (int k = 0; k < 2; k++) {
        double px, py;
        plot_to_pixel(&s, &L, 0, xy[2 * k], xy[2 * k + 1], &px, &py);
        int c[3];
        pixel(&p, px, py, c);
        cr_assert(c[0] < 20 && c[1] < 20 && c[2] < 20, "marker %d is (%d, %d, %d)", k, c[0], c[1],
                  c[2]);
        cr_assert(!dark(&p, px + 6, py), "marker %d is wider than 8 pixels", k);
    }
    cairo_surface_destroy(p.img);
}
