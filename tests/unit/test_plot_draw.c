/* Unit tests of src/cli/plot_draw.c, the canvas of `geoembed plot`: every
 * primitive sets exactly the pixels it should, and no others.
 *
 * The canvas belongs to the command line, not to the library the unit tests
 * link against, so its source is compiled into this test directly (it has no
 * dependencies beyond libc and libm). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../../src/cli/plot_draw.c"

static const pd_rgb BLACK = {0, 0, 0}, WHITE = {255, 255, 255}, RED = {200, 10, 20};

static int same(pd_rgb a, pd_rgb b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static pd_canvas blank(int w, int h)
{
    pd_canvas c;
    cr_assert_eq(pd_init(&c, w, h), 0);
    return c;
}

/* Every pixel is col where want(x, y) is true, and black elsewhere. */
#define ASSERT_PIXELS(c, col, want)                                                              \
    do {                                                                                         \
        for (int y_ = 0; y_ < (c)->h; y_++)                                                      \
            for (int x_ = 0; x_ < (c)->w; x_++) {                                                \
                int x = x_, y = y_;                                                              \
                (void)x, (void)y;                                                                \
                pd_rgb got_ = pd_get((c), x_, y_);                                               \
                pd_rgb exp_ = (want) ? (col) : BLACK;                                            \
                cr_assert(same(got_, exp_), "pixel (%d, %d) is (%d, %d, %d), expected "          \
                                            "(%d, %d, %d)",                                      \
                          x_, y_, got_.r, got_.g, got_.b, exp_.r, exp_.g, exp_.b);               \
            }                                                                                    \
    } while (0)

static int count_col(const pd_canvas *c, pd_rgb col)
{
    int n = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            n += same(pd_get(c, x, y), col);
    return n;
}

/* ---- canvas and pixels ------------------------------------------------- */

Test(plot_draw, init_sizes)
{
    pd_canvas c;
    cr_assert_eq(pd_init(&c, 0, 5), -1);
    cr_assert_eq(pd_init(&c, 5, -1), -1);
    cr_assert_eq(pd_init(&c, PD_MAX_SIDE + 1, 1), -1);
    cr_assert_null(c.px);
    cr_assert_eq(pd_init(&c, 3, 2), 0);
    cr_assert_eq(c.w, 3);
    cr_assert_eq(c.h, 2);
    cr_assert_eq(count_col(&c, BLACK), 6, "a new canvas is black");
    pd_free(&c);
    cr_assert_null(c.px);
    pd_free(&c); /* twice is harmless */
}

Test(plot_draw, set_get_clip)
{
    pd_canvas c = blank(4, 3);
    pd_set(&c, 1, 2, RED);
    pd_set(&c, -1, 0, RED);
    pd_set(&c, 4, 0, RED);
    pd_set(&c, 0, 3, RED);
    ASSERT_PIXELS(&c, RED, x == 1 && y == 2);
    cr_assert(same(pd_get(&c, -1, -1), BLACK));
    cr_assert(same(pd_get(&c, 99, 1), BLACK));
    /* layout: rows top to bottom, RGB interleaved */
    cr_assert_eq(c.px[(2 * 4 + 1) * 3 + 0], 200);
    cr_assert_eq(c.px[(2 * 4 + 1) * 3 + 1], 10);
    cr_assert_eq(c.px[(2 * 4 + 1) * 3 + 2], 20);
    pd_free(&c);
}

Test(plot_draw, blend)
{
    pd_canvas c = blank(3, 1);
    pd_rgb k = {200, 100, 1};
    pd_blend(&c, 0, 0, k, 0.5);
    pd_blend(&c, 1, 0, k, 0.0);
    pd_blend(&c, 2, 0, k, 1.0);
    pd_blend(&c, 5, 0, k, 1.0);
    pd_blend(&c, 1, 0, k, NAN);
    pd_rgb h = pd_get(&c, 0, 0);
    /* halfway, rounded half away from zero (b: 0.5 -> 1) */
    cr_assert(h.r == 100 && h.g == 50 && h.b == 1, "(%d, %d, %d)", h.r, h.g, h.b);
    cr_assert(same(pd_get(&c, 1, 0), BLACK));
    cr_assert(same(pd_get(&c, 2, 0), k));
    pd_free(&c);
}

Test(plot_draw, fill_rect_frame)
{
    pd_canvas c = blank(10, 8);
    pd_fill(&c, WHITE);
    cr_assert_eq(count_col(&c, WHITE), 80);
    pd_fill(&c, BLACK);
    pd_rect(&c, 2, 3, 4, 2, RED);
    ASSERT_PIXELS(&c, RED, x >= 2 && x < 6 && y >= 3 && y < 5);
    pd_fill(&c, BLACK);
    pd_rect(&c, -3, 6, 5, 100, RED); /* clipped */
    ASSERT_PIXELS(&c, RED, x < 2 && y >= 6);
    pd_fill(&c, BLACK);
    pd_rect(&c, 3, 3, 0, 4, RED); /* empty */
    pd_rect(&c, 3, 3, -2, 4, RED);
    cr_assert_eq(count_col(&c, BLACK), 80);
    pd_frame(&c, 1, 1, 5, 4, RED);
    ASSERT_PIXELS(&c, RED,
                  (x >= 1 && x <= 5 && y >= 1 && y <= 4) && (x == 1 || x == 5 || y == 1 || y == 4));
    pd_fill(&c, BLACK);
    pd_frame(&c, 7, 6, 1, 1, RED);
    ASSERT_PIXELS(&c, RED, x == 7 && y == 6);
    pd_free(&c);
}

/* ---- lines ------------------------------------------------------------- */

Test(plot_draw, line_axis_aligned)
{
    pd_canvas c = blank(10, 10);
    pd_line(&c, 2, 4, 7, 4, RED);
    ASSERT_PIXELS(&c, RED, y == 4 && x >= 2 && x <= 7);
    pd_fill(&c, BLACK);
    pd_line(&c, 3, 8, 3, 1, RED); /* upwards */
    ASSERT_PIXELS(&c, RED, x == 3 && y >= 1 && y <= 8);
    pd_fill(&c, BLACK);
    pd_line(&c, 5, 5, 5, 5, RED);
    ASSERT_PIXELS(&c, RED, x == 5 && y == 5);
    pd_free(&c);
}

Test(plot_draw, line_diagonal_and_shallow)
{
    pd_canvas c = blank(10, 10);
    pd_line(&c, 1, 1, 6, 6, RED);
    ASSERT_PIXELS(&c, RED, x == y && x >= 1 && x <= 6);
    pd_fill(&c, BLACK);
    pd_line(&c, 8, 0, 0, 8, RED);
    ASSERT_PIXELS(&c, RED, x + y == 8);
    /* slope 1/3 has no ties: the pixel nearest the true line in each column */
    static const int ys[7] = {0, 0, 1, 1, 1, 2, 2};
    for (int dir = 0; dir < 2; dir++) {
        pd_fill(&c, BLACK);
        if (dir)
            pd_line(&c, 7, 5, 1, 3, RED);
        else
            pd_line(&c, 1, 3, 7, 5, RED);
        ASSERT_PIXELS(&c, RED, x >= 1 && x <= 7 && y == 3 + ys[x - 1]);
    }
    /* steep: its transpose */
    pd_fill(&c, BLACK);
    pd_line(&c, 3, 1, 5, 7, RED);
    ASSERT_PIXELS(&c, RED, y >= 1 && y <= 7 && x == 3 + ys[y - 1]);
    pd_free(&c);
}

Test(plot_draw, line_clipped)
{
    pd_canvas c = blank(5, 5);
    pd_line(&c, -3, 2, 8, 2, RED);
    ASSERT_PIXELS(&c, RED, y == 2);
    pd_free(&c);
}

Test(plot_draw, line_aa_on_pixel_centres)
{
    /* a one-pixel line through the centres of row 5 covers exactly that row */
    pd_canvas c = blank(10, 10);
    pd_line_aa(&c, 2.5, 5.5, 7.5, 5.5, 1.0, WHITE);
    ASSERT_PIXELS(&c, WHITE, y == 5 && x >= 2 && x <= 7);
    /* the same vertically */
    pd_fill(&c, BLACK);
    pd_line_aa(&c, 4.5, 1.5, 4.5, 8.5, 1.0, RED);
    ASSERT_PIXELS(&c, RED, x == 4 && y >= 1 && y <= 8);
    pd_free(&c);
}

Test(plot_draw, line_aa_between_rows)
{
    /* on the boundary between rows 4 and 5: half of each */
    pd_canvas c = blank(10, 10);
    pd_line_aa(&c, 2.5, 5.0, 7.5, 5.0, 1.0, WHITE);
    const pd_rgb half = {128, 128, 128};
    ASSERT_PIXELS(&c, half, (y == 4 || y == 5) && x >= 2 && x <= 7);
    pd_free(&c);
}

Test(plot_draw, line_aa_wide_and_degenerate)
{
    pd_canvas c = blank(12, 12);
    /* width 3 through row centres: rows 4, 5, 6 fully covered, caps round */
    pd_line_aa(&c, 3.5, 5.5, 8.5, 5.5, 3.0, WHITE);
    for (int x = 3; x <= 8; x++)
        for (int y = 4; y <= 6; y++)
            cr_assert(same(pd_get(&c, x, y), WHITE), "(%d, %d)", x, y);
    for (int x = 0; x < 12; x++) {
        cr_assert(same(pd_get(&c, x, 2), BLACK));
        cr_assert(same(pd_get(&c, x, 8), BLACK));
    }
    /* nothing for a non-finite or zero width */
    pd_fill(&c, BLACK);
    pd_line_aa(&c, 0, 0, 5, 5, 0, WHITE);
    pd_line_aa(&c, NAN, 0, 5, 5, 1, WHITE);
    pd_line_aa(&c, 0, 0, INFINITY, 5, 1, WHITE);
    cr_assert_eq(count_col(&c, BLACK), 144);
    /* far outside: only the visible part is visited */
    pd_line_aa(&c, -1e9, 5.5, 1e9, 5.5, 1, WHITE);
    ASSERT_PIXELS(&c, WHITE, y == 5);
    pd_line_aa(&c, -1e300, 0, 1e300, 5, 1, WHITE); /* no overflow, no crash */
    pd_free(&c);
}

/* ---- triangles and discs ----------------------------------------------- */

Test(plot_draw, triangle_exact)
{
    pd_canvas c = blank(10, 10);
    /* centre (i+.5, j+.5) is inside x + y <= 8 when i + j <= 7 */
    pd_triangle(&c, 0, 0, 8, 0, 0, 8, RED, 0);
    ASSERT_PIXELS(&c, RED, x + y <= 7);
    cr_assert_eq(count_col(&c, RED), 36);
    /* the other winding sets the same pixels */
    pd_fill(&c, BLACK);
    pd_triangle(&c, 0, 0, 0, 8, 8, 0, RED, 0);
    ASSERT_PIXELS(&c, RED, x + y <= 7);
    /* shifted into the middle and clipped at the right */
    pd_fill(&c, BLACK);
    pd_triangle(&c, 6, 2, 14, 2, 6, 10, RED, 0);
    ASSERT_PIXELS(&c, RED, x >= 6 && y >= 2 && (x - 6) + (y - 2) <= 7);
    pd_free(&c);
}

Test(plot_draw, triangle_degenerate)
{
    pd_canvas c = blank(8, 8);
    pd_triangle(&c, 1, 1, 5, 5, 3, 3, RED, 0); /* collinear */
    pd_triangle(&c, 1, 1, 5, 5, 3, 3, RED, 1);
    pd_triangle(&c, 1, NAN, 5, 5, 3, 0, RED, 0);
    pd_triangle(&c, -1e300, 0, 1e300, 0, 0, 1e300, RED, 1); /* huge: clipped, no overflow */
    pd_fill(&c, BLACK);
    pd_triangle(&c, 1, 1, 5, 5, 3, 3, RED, 0);
    cr_assert_eq(count_col(&c, BLACK), 64);
    pd_free(&c);
}

Test(plot_draw, triangle_aa)
{
    pd_canvas c = blank(10, 10);
    pd_triangle(&c, 0, 0, 8, 0, 0, 8, WHITE, 1);
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 10; x++) {
            pd_rgb k = pd_get(&c, x, y);
            if (x + y <= 6) /* wholly inside */
                cr_assert(same(k, WHITE), "(%d, %d)", x, y);
            else if (x + y >= 8) /* wholly outside */
                cr_assert(same(k, BLACK), "(%d, %d)", x, y);
            else /* cut in half by the hypotenuse: 10 of 16 subsamples */
                cr_assert(k.r == 159 && k.r == k.g && k.g == k.b, "(%d, %d): %d", x, y, k.r);
        }
    pd_free(&c);
}

Test(plot_draw, disc_exact)
{
    pd_canvas c = blank(10, 10);
    /* radius 2 about a pixel corner: the 4x4 block without its corners */
    pd_disc(&c, 5, 5, 2, RED, 0);
    ASSERT_PIXELS(&c, RED, x >= 3 && x <= 6 && y >= 3 && y <= 6 &&
                               !((x == 3 || x == 6) && (y == 3 || y == 6)));
    cr_assert_eq(count_col(&c, RED), 12);
    /* radius 1 about a pixel centre: a plus sign */
    pd_fill(&c, BLACK);
    pd_disc(&c, 2.5, 7.5, 1, RED, 0);
    ASSERT_PIXELS(&c, RED, abs(x - 2) + abs(y - 7) <= 1);
    /* clipped at the corner */
    pd_fill(&c, BLACK);
    pd_disc(&c, 0, 0, 2, RED, 0);
    ASSERT_PIXELS(&c, RED, x + y <= 1);
    /* nothing for r <= 0 or NaN */
    pd_fill(&c, BLACK);
    pd_disc(&c, 5, 5, 0, RED, 0);
    pd_disc(&c, 5, 5, -1, RED, 1);
    pd_disc(&c, NAN, 5, 2, RED, 0);
    cr_assert_eq(count_col(&c, BLACK), 100);
    pd_free(&c);
}

Test(plot_draw, disc_aa)
{
    pd_canvas c = blank(12, 12);
    pd_disc(&c, 6, 6, 3, WHITE, 1);
    /* the four pixels around the centre are wholly inside, far ones untouched,
     * and the rim is partly covered */
    for (int y = 4; y <= 7; y++)
        for (int x = 4; x <= 7; x++)
            cr_assert(same(pd_get(&c, x, y), WHITE), "(%d, %d)", x, y);
    for (int k = 0; k < 12; k++) {
        cr_assert(same(pd_get(&c, k, 1), BLACK));
        cr_assert(same(pd_get(&c, 1, k), BLACK));
    }
    pd_rgb rim = pd_get(&c, 4, 3);
    cr_assert(rim.r > 0 && rim.r < 255, "rim %d", rim.r);
    /* symmetric */
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 12; x++)
            cr_assert(same(pd_get(&c, x, y), pd_get(&c, 11 - x, y)) &&
                          same(pd_get(&c, x, y), pd_get(&c, y, x)),
                      "(%d, %d)", x, y);
    pd_free(&c);
}

/* ---- text -------------------------------------------------------------- */

Test(plot_draw, font_table_well_formed)
{
    for (int k = 0; k < NGLYPHS; k++) {
        size_t w = strlen(font[k].row[0]);
        cr_assert(w >= 1 && w <= 5, "glyph '%c'", font[k].ch);
        for (int r = 0; r < PD_FONT_H; r++) {
            cr_assert_eq(strlen(font[k].row[r]), w, "glyph '%c' row %d", font[k].ch, r);
            cr_assert_eq(strspn(font[k].row[r], "#."), w, "glyph '%c' row %d", font[k].ch, r);
        }
        for (int j = 0; j < k; j++)
            cr_assert_neq(font[j].ch, font[k].ch, "glyph '%c' twice", font[k].ch);
    }
    /* what axis labels need */
    for (const char *p = "0123456789-.+eE abcxyzABCXYZ_()"; *p; p++) {
        const glyph *g = find_glyph(*p);
        cr_assert(g && g->ch == *p, "no glyph for '%c'", *p);
    }
}

Test(plot_draw, text_width)
{
    cr_assert_eq(pd_text_width("", 1), 0);
    cr_assert_eq(pd_text_width("8", 1), 5);
    cr_assert_eq(pd_text_width("1.5", 1), 5 + 1 + 2 + 1 + 5);
    cr_assert_eq(pd_text_width("1.5", 3), 3 * 14);
    cr_assert_eq(pd_text_width("-10", 2), 2 * (4 + 1 + 5 + 1 + 5));
    cr_assert_eq(pd_text_width("\x01", 1), 5, "unknown characters are drawn as '?'");
}

/* Pixel (x, y) of the glyph of ch at (ox, oy), scale 1. */
static int glyph_on(char ch, int ox, int oy, int x, int y)
{
    const glyph *g = find_glyph(ch);
    int gx = x - ox, gy = y - oy;
    return gx >= 0 && gy >= 0 && gx < glyph_width(g) && gy < PD_FONT_H && g->row[gy][gx] == '#';
}

Test(plot_draw, text_pixels)
{
    pd_canvas c = blank(20, 12);
    cr_assert_eq(pd_text(&c, 3, 2, "1", 1, RED), 5);
    ASSERT_PIXELS(&c, RED, glyph_on('1', 3, 2, x, y));
    cr_assert_eq(count_col(&c, RED), 10);
    /* two glyphs, one column apart */
    pd_fill(&c, BLACK);
    cr_assert_eq(pd_text(&c, 1, 1, "-7", 1, RED), 10);
    ASSERT_PIXELS(&c, RED, glyph_on('-', 1, 1, x, y) || glyph_on('7', 6, 1, x, y));
    /* scale 2: every font pixel is a 2x2 block */
    pd_fill(&c, BLACK);
    pd_text(&c, 0, 0, ".", 2, RED);
    ASSERT_PIXELS(&c, RED, x < 4 && y >= 10 && y < 14);
    /* unknown characters: '?' */
    pd_fill(&c, BLACK);
    pd_text(&c, 2, 3, "\t", 1, RED);
    ASSERT_PIXELS(&c, RED, glyph_on('?', 2, 3, x, y));
    /* clipped at every edge without harm */
    pd_fill(&c, BLACK);
    pd_text(&c, -4, -3, "88", 1, RED);
    pd_text(&c, 17, 9, "88", 3, RED);
    pd_text(&c, -2000000000, 2000000000, "88", 4, RED);
    cr_assert(count_col(&c, RED) > 0);
    pd_free(&c);
}

Test(plot_draw, text_up_pixels)
{
    /* a quarter turn anticlockwise: glyph column gx goes up from row y-1,
     * glyph row gy goes right from column x */
    pd_canvas c = blank(16, 24);
    cr_assert_eq(pd_text_up(&c, 2, 15, "L", 1, RED), 5);
    ASSERT_PIXELS(&c, RED, glyph_on('L', 0, 0, 15 - 1 - y, x - 2));
    /* 'L' read upwards: its stem is the left column's run along the bottom row */
    for (int x = 2; x <= 8; x++)
        cr_assert(same(pd_get(&c, x, 14), RED), "(%d, 14)", x);
    pd_fill(&c, BLACK);
    pd_text_up(&c, 0, 24, "12", 2, RED);
    int n = 0;
    for (const char *p = "12"; *p; p++) {
        const glyph *g = find_glyph(*p);
        for (int r = 0; r < PD_FONT_H; r++)
            for (const char *q = g->row[r]; *q; q++)
                n += *q == '#';
    }
    cr_assert_eq(count_col(&c, RED), 4 * n);
    pd_free(&c);
}

/* ---- palette ----------------------------------------------------------- */

Test(plot_draw, palette)
{
    pd_rgb lo = pd_palette(0), mid = pd_palette(0.5), hi = pd_palette(1);
    cr_assert(lo.r == 68 && lo.g == 1 && lo.b == 84);
    cr_assert(mid.r == 33 && mid.g == 144 && mid.b == 141);
    cr_assert(hi.r == 253 && hi.g == 231 && hi.b == 37);
    cr_assert(same(pd_palette(-3), lo) && same(pd_palette(7), hi), "clamped");
    cr_assert(same(pd_palette(-INFINITY), lo) && same(pd_palette(INFINITY), hi));
    pd_rgb g = pd_palette(NAN);
    cr_assert(g.r == 128 && g.g == 128 && g.b == 128);
    /* halfway between the first two stops, rounded */
    pd_rgb q = pd_palette(1.0 / 16);
    cr_assert(q.r == 70 && q.g == 23 && q.b == 103, "(%d, %d, %d)", q.r, q.g, q.b);
    /* brightness rises monotonically (a sequential map) */
    double prev = -1;
    for (int i = 0; i <= 64; i++) {
        pd_rgb k = pd_palette(i / 64.0);
        double lum = 0.2126 * k.r + 0.7152 * k.g + 0.0722 * k.b;
        cr_assert(lum > prev, "at %d/64", i);
        prev = lum;
    }
}
