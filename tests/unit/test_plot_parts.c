/* Unit tests of the pure parts of `geoembed plot`: colour maps
 * (src/cli/plot_colour.c), ticks and their labels (plot_ticks.c) and
 * marching squares (plot_contour.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../src/cli/plot_colour.h"
#include "../../src/cli/plot_contour.h"
#include "../../src/cli/plot_ticks.h"

/* ---- colour maps ------------------------------------------------------- */

static void expect_rgb(plot_cmap m, double t, int r, int g, int b)
{
    double c[3];
    plot_colour(m, t, c);
    cr_assert(fabs(c[0] * 255 - r) < 0.51 && fabs(c[1] * 255 - g) < 0.51 &&
                  fabs(c[2] * 255 - b) < 0.51,
              "map %d at %g is (%g, %g, %g), expected (%d, %d, %d)", m, t, c[0] * 255,
              c[1] * 255, c[2] * 255, r, g, b);
}

Test(plot_colour, ends_and_middles)
{
    expect_rgb(CMAP_VIRIDIS, 0, 68, 1, 84);
    expect_rgb(CMAP_VIRIDIS, 0.5, 33, 144, 141);
    expect_rgb(CMAP_VIRIDIS, 1, 253, 231, 37);
    expect_rgb(CMAP_CIVIDIS, 0, 0, 34, 78);
    expect_rgb(CMAP_CIVIDIS, 1, 254, 232, 56);
    /* the diverging map is white at its middle, blue below, red above */
    expect_rgb(CMAP_DIVERGING, 0.5, 247, 247, 247);
    expect_rgb(CMAP_DIVERGING, 0, 5, 48, 97);
    expect_rgb(CMAP_DIVERGING, 1, 103, 0, 31);
}

Test(plot_colour, interpolates_and_clamps)
{
    /* halfway between viridis stops 0 and 1/8 */
    expect_rgb(CMAP_VIRIDIS, 1.0 / 16, 70, 23, 103);
    expect_rgb(CMAP_VIRIDIS, -3, 68, 1, 84);
    expect_rgb(CMAP_VIRIDIS, 7, 253, 231, 37);
    expect_rgb(CMAP_VIRIDIS, NAN, 68, 1, 84);
}

Test(plot_colour, bar_place)
{
    cr_assert_float_eq(plot_bar_place(25, 0, 100, 0), 0.25, 1e-15);
    cr_assert_float_eq(plot_bar_place(-5, 0, 100, 0), 0, 0);
    cr_assert_float_eq(plot_bar_place(500, 0, 100, 0), 1, 0);
    cr_assert_float_eq(plot_bar_place(10, 1, 1000, 1), 1.0 / 3, 1e-15);
    cr_assert_float_eq(plot_bar_place(-1, 1, 1000, 1), 0, 0);
    cr_assert(isnan(plot_bar_place(NAN, 0, 1, 0)));
}

/* ---- ticks ------------------------------------------------------------- */

static void expect_labels(const plot_ticks *t, const char *want)
{
    char got[1024] = "";
    for (int i = 0; i < t->n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", t->label[i]);
    cr_assert_str_eq(got, want);
}

Test(plot_ticks, round_steps)
{
    plot_ticks t;
    plot_ticks_linear(0, 100, 5, TICK_PLAIN, &t);
    expect_labels(&t, "0 20 40 60 80 100");
    plot_ticks_linear(-0.99, 0.99, 4, TICK_PLAIN, &t);
    expect_labels(&t, "-0.5 0 0.5");
    plot_ticks_linear(4001000, 4003000, 4, TICK_PLAIN, &t);
    expect_labels(&t, "4001000 4001500 4002000 4002500 4003000");
    plot_ticks_linear(0, 3e-6, 3, TICK_PLAIN, &t);
    expect_labels(&t, "0 1e-6 2e-6 3e-6");
}

Test(plot_ticks, degrees)
{
    plot_ticks t;
    plot_ticks_linear(-180, 180, 6, TICK_LON, &t);
    expect_labels(&t, "180\u00b0 120\u00b0W 60\u00b0W 0\u00b0 60\u00b0E 120\u00b0E 180\u00b0");
    plot_ticks_linear(-90, 90, 6, TICK_LAT, &t);
    expect_labels(&t, "90\u00b0S 60\u00b0S 30\u00b0S 0\u00b0 30\u00b0N 60\u00b0N 90\u00b0N");
    /* a 0-360 model: past 180 is west */
    plot_ticks_linear(150, 210, 2, TICK_LON, &t);
    expect_labels(&t, "150\u00b0E 180\u00b0 150\u00b0W");
    plot_ticks_linear(10.5, 11.5, 4, TICK_LAT, &t);
    expect_labels(&t, "10.6\u00b0N 10.8\u00b0N 11.0\u00b0N 11.2\u00b0N 11.4\u00b0N");
}

Test(plot_ticks, logarithmic)
{
    plot_ticks t;
    plot_ticks_log(1, 1000, &t);
    expect_labels(&t, "1 10 100 1000");
    plot_ticks_log(0.9, 60, &t);
    expect_labels(&t, "1 2 5 10 20 50");
    cr_assert_float_eq(plot_round_down(1.406), 1, 0);
    cr_assert_float_eq(plot_round_down(0.0031), 0.002, 1e-18);
    cr_assert_float_eq(plot_round_down(730), 500, 0);
}

/* ---- contours ---------------------------------------------------------- */

typedef struct {
    int n;
    double seg[16][4];
} pieces;

static void keep(void *ctx, double x0, double y0, double x1, double y1)
{
    pieces *p = ctx;
    if (p->n < 16)
        memcpy(p->seg[p->n], (double[4]){x0, y0, x1, y1}, sizeof p->seg[0]);
    p->n++;
}

Test(plot_contour, straight_line)
{
    /* v = i on a 5 x 3 grid: the level 1.5 is the line x = 1.5 */
    double v[15];
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 5; i++)
            v[j * 5 + i] = i;
    pieces p = {0};
    cr_assert_eq(plot_contour(v, 5, 3, 1.5, keep, &p), 2);
    cr_assert_eq(p.n, 2);
    for (int k = 0; k < 2; k++) {
        cr_assert_float_eq(p.seg[k][0], 1.5, 1e-12);
        cr_assert_float_eq(p.seg[k][2], 1.5, 1e-12);
        cr_assert_float_eq(fabs(p.seg[k][3] - p.seg[k][1]), 1, 1e-12);
    }
}

/* Each piece has its middle within 0.5 of one of the corners (cx, cy). */
static void near_corners(const pieces *p, const double cx[2], const double cy[2])
{
    for (int k = 0; k < p->n; k++) {
        double mx = (p->seg[k][0] + p->seg[k][2]) / 2, my = (p->seg[k][1] + p->seg[k][3]) / 2;
        double d = fmin(hypot(mx - cx[0], my - cy[0]), hypot(mx - cx[1], my - cy[1]));
        cr_assert(d < 0.5, "piece %d at (%g, %g) does not cut off a corner", k, mx, my);
    }
}

Test(plot_contour, saddle_and_empty)
{
    /* grid order: v[0] (0,0), v[1] (1,0), v[2] (0,1), v[3] (1,1); (0,0) and
     * (1,1) high. Centre (mean 0.45) below the level 0.5: the high corners
     * are cut off; centre above the level 0.4: the low ones. */
    double v[4] = {1, 0, 0, 0.8};
    pieces p = {0};
    cr_assert_eq(plot_contour(v, 2, 2, 0.5, keep, &p), 2);
    near_corners(&p, (double[2]){0, 1}, (double[2]){0, 1});
    p.n = 0;
    cr_assert_eq(plot_contour(v, 2, 2, 0.4, keep, &p), 2);
    near_corners(&p, (double[2]){1, 0}, (double[2]){0, 1});
    v[3] = NAN;
    p.n = 0;
    cr_assert_eq(plot_contour(v, 2, 2, 0.5, keep, &p), 0);
    /* a level nothing reaches */
    double w[4] = {1, 2, 3, 4};
    cr_assert_eq(plot_contour(w, 2, 2, 9, keep, &p), 0);
}
