/* The canvas of `geoembed plot`: pixels, shapes, a 5x7 bitmap font and a
 * palette (see plot_draw.h for the coordinate conventions). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_draw.h"

/* ---- pixels ------------------------------------------------------------ */

int pd_init(pd_canvas *c, int w, int h)
{
    c->w = c->h = 0;
    c->px = NULL;
    if (w < 1 || h < 1 || w > PD_MAX_SIDE || h > PD_MAX_SIDE)
        return -1;
    c->px = calloc((size_t)w * (size_t)h, 3);
    if (!c->px)
        return -1;
    c->w = w;
    c->h = h;
    return 0;
}

void pd_free(pd_canvas *c)
{
    free(c->px);
    c->px = NULL;
    c->w = c->h = 0;
}

static int inside(const pd_canvas *c, int x, int y)
{
    return x >= 0 && y >= 0 && x < c->w && y < c->h;
}

pd_rgb pd_get(const pd_canvas *c, int x, int y)
{
    pd_rgb k = {0, 0, 0};
    if (inside(c, x, y)) {
        const unsigned char *p = c->px + ((size_t)y * c->w + x) * 3;
        k.r = p[0], k.g = p[1], k.b = p[2];
    }
    return k;
}

void pd_set(pd_canvas *c, int x, int y, pd_rgb col)
{
    if (!inside(c, x, y))
        return;
    unsigned char *p = c->px + ((size_t)y * c->w + x) * 3;
    p[0] = col.r, p[1] = col.g, p[2] = col.b;
}

static unsigned char mix(unsigned char a, unsigned char b, double t)
{
    return (unsigned char)lround(a + (b - a) * t);
}

void pd_blend(pd_canvas *c, int x, int y, pd_rgb col, double a)
{
    if (!inside(c, x, y) || !(a > 0))
        return;
    if (a >= 1) {
        pd_set(c, x, y, col);
        return;
    }
    unsigned char *p = c->px + ((size_t)y * c->w + x) * 3;
    p[0] = mix(p[0], col.r, a);
    p[1] = mix(p[1], col.g, a);
    p[2] = mix(p[2], col.b, a);
}

void pd_fill(pd_canvas *c, pd_rgb col)
{
    pd_rect(c, 0, 0, c->w, c->h, col);
}

static int clampi(long v, long lo, long hi)
{
    return (int)(v < lo ? lo : v > hi ? hi : v);
}

void pd_rect(pd_canvas *c, int x, int y, int w, int h, pd_rgb col)
{
    int x0 = clampi(x, 0, c->w), x1 = clampi((long)x + w, 0, c->w);
    int y0 = clampi(y, 0, c->h), y1 = clampi((long)y + h, 0, c->h);
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            pd_set(c, i, j, col);
}

void pd_frame(pd_canvas *c, int x, int y, int w, int h, pd_rgb col)
{
    if (w < 1 || h < 1)
        return;
    pd_rect(c, x, y, w, 1, col);
    pd_rect(c, x, y + h - 1, w, 1, col);
    pd_rect(c, x, y, 1, h, col);
    pd_rect(c, x + w - 1, y, 1, h, col);
}

/* ---- shapes ------------------------------------------------------------ */

void pd_line(pd_canvas *c, int x0, int y0, int x1, int y1, pd_rgb col)
{
    long dx = labs((long)x1 - x0), dy = -labs((long)y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    long e = dx + dy;
    for (;;) {
        pd_set(c, x0, y0, col);
        if (x0 == x1 && y0 == y1)
            break;
        long e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

/* Pixel range [*lo, *hi) covering [a, b] on an axis of n pixels; the cast is
 * safe because the values are clamped first. */
static void span(double a, double b, int n, int *lo, int *hi)
{
    double l = floor(fmin(a, b)), h = floor(fmax(a, b)) + 1;
    *lo = (int)fmax(0.0, fmin(l, (double)n));
    *hi = (int)fmax(0.0, fmin(h, (double)n));
}

static int finite6(double a, double b, double c, double d, double e, double f)
{
    return isfinite(a) && isfinite(b) && isfinite(c) && isfinite(d) && isfinite(e) &&
           isfinite(f);
}

static double seg_dist(double px, double py, double x0, double y0, double x1, double y1)
{
    double dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

void pd_line_aa(pd_canvas *c, double x0, double y0, double x1, double y1, double width,
                pd_rgb col)
{
    if (!finite6(x0, y0, x1, y1, width, 0) || !(width > 0))
        return;
    const double hw = width / 2;
    int i0, i1, j0, j1;
    span(fmin(x0, x1) - hw - 1, fmax(x0, x1) + hw + 1, c->w, &i0, &i1);
    span(fmin(y0, y1) - hw - 1, fmax(y0, y1) + hw + 1, c->h, &j0, &j1);
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++) {
            double d = seg_dist(i + 0.5, j + 0.5, x0, y0, x1, y1);
            pd_blend(c, i, j, col, hw + 0.5 - d);
        }
}

/* Which side of the edge a -> b the point p is on (twice the signed area). */
static double edge(double ax, double ay, double bx, double by, double px, double py)
{
    return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

typedef struct {
    double x[3], y[3], sign;
} tri;

static int tri_has(const tri *t, double px, double py)
{
    for (int k = 0; k < 3; k++) {
        int n = (k + 1) % 3;
        if (t->sign * edge(t->x[k], t->y[k], t->x[n], t->y[n], px, py) < 0)
            return 0;
    }
    return 1;
}

void pd_triangle(pd_canvas *c, double x0, double y0, double x1, double y1, double x2, double y2,
                 pd_rgb col, int aa)
{
    if (!finite6(x0, y0, x1, y1, x2, y2))
        return;
    tri t = {{x0, x1, x2}, {y0, y1, y2}, 0};
    double area = edge(x0, y0, x1, y1, x2, y2);
    if (area == 0)
        return;
    t.sign = area > 0 ? 1 : -1;
    int i0, i1, j0, j1;
    span(fmin(x0, fmin(x1, x2)), fmax(x0, fmax(x1, x2)), c->w, &i0, &i1);
    span(fmin(y0, fmin(y1, y2)), fmax(y0, fmax(y1, y2)), c->h, &j0, &j1);
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++) {
            if (!aa) {
                if (tri_has(&t, i + 0.5, j + 0.5))
                    pd_set(c, i, j, col);
                continue;
            }
            int n = 0;
            for (int sj = 0; sj < 4; sj++)
                for (int si = 0; si < 4; si++)
                    n += tri_has(&t, i + (si + 0.5) / 4, j + (sj + 0.5) / 4);
            pd_blend(c, i, j, col, n / 16.0);
        }
}

void pd_disc(pd_canvas *c, double cx, double cy, double r, pd_rgb col, int aa)
{
    if (!finite6(cx, cy, r, 0, 0, 0) || !(r > 0))
        return;
    const double r2 = r * r;
    int i0, i1, j0, j1;
    span(cx - r, cx + r, c->w, &i0, &i1);
    span(cy - r, cy + r, c->h, &j0, &j1);
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++) {
            if (!aa) {
                double dx = i + 0.5 - cx, dy = j + 0.5 - cy;
                if (dx * dx + dy * dy <= r2)
                    pd_set(c, i, j, col);
                continue;
            }
            int n = 0;
            for (int sj = 0; sj < 4; sj++)
                for (int si = 0; si < 4; si++) {
                    double dx = i + (si + 0.5) / 4 - cx, dy = j + (sj + 0.5) / 4 - cy;
                    n += dx * dx + dy * dy <= r2;
                }
            pd_blend(c, i, j, col, n / 16.0);
        }
}

/* ---- text -------------------------------------------------------------- */

/* Each glyph is 7 rows of equal length (its width): '#' on, '.' off. */
typedef struct {
    char ch;
    const char *row[PD_FONT_H];
} glyph;

static const glyph font[] = {
    {' ', {"...", "...", "...", "...", "...", "...", "..."}},
    {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}},
    {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}},
    {'3', {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."}},
    {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}},
    {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}},
    {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}},
    {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}},
    {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}},
    {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}},
    {'-', {"....", "....", "....", "####", "....", "....", "...."}},
    {'+', {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."}},
    {'.', {"..", "..", "..", "..", "..", "##", "##"}},
    {',', {"..", "..", "..", "..", "##", ".#", "#."}},
    {':', {"..", "##", "##", "..", "##", "##", ".."}},
    {'_', {".....", ".....", ".....", ".....", ".....", ".....", "#####"}},
    {'(', {"..#", ".#.", "#..", "#..", "#..", ".#.", "..#"}},
    {')', {"#..", ".#.", "..#", "..#", "..#", ".#.", "#.."}},
    {'/', {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."}},
    {'|', {"#", "#", "#", "#", "#", "#", "#"}},
    {'=', {".....", ".....", "#####", ".....", "#####", ".....", "....."}},
    {'?', {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."}},
    {'a', {".....", ".....", ".###.", "....#", ".####", "#...#", ".####"}},
    {'b', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."}},
    {'c', {".....", ".....", ".###.", "#....", "#....", "#...#", ".###."}},
    {'d', {"....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"}},
    {'e', {".....", ".....", ".###.", "#...#", "#####", "#....", ".###."}},
    {'f', {"..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."}},
    {'g', {".....", ".####", "#...#", "#...#", ".####", "....#", ".###."}},
    {'h', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'i', {".#.", "...", "##.", ".#.", ".#.", ".#.", "###"}},
    {'j', {"...#", "....", "..##", "...#", "...#", "#..#", ".##."}},
    {'k', {"#...", "#...", "#..#", "#.#.", "##..", "#.#.", "#..#"}},
    {'l', {"##.", ".#.", ".#.", ".#.", ".#.", ".#.", "###"}},
    {'m', {".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"}},
    {'n', {".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"}},
    {'o', {".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."}},
    {'p', {".....", ".....", "####.", "#...#", "####.", "#....", "#...."}},
    {'q', {".....", ".....", ".##.#", "#..##", ".####", "....#", "....#"}},
    {'r', {".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."}},
    {'s', {".....", ".....", ".####", "#....", ".###.", "....#", "####."}},
    {'t', {".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."}},
    {'u', {".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"}},
    {'v', {".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'w', {".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."}},
    {'x', {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"}},
    {'y', {".....", ".....", "#...#", "#...#", ".####", "....#", ".###."}},
    {'z', {".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"}},
    {'A', {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'B', {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."}},
    {'C', {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."}},
    {'D', {"###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."}},
    {'E', {"#####", "#....", "#....", "####.", "#....", "#....", "#####"}},
    {'F', {"#####", "#....", "#....", "####.", "#....", "#....", "#...."}},
    {'G', {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"}},
    {'H', {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'I', {"###", ".#.", ".#.", ".#.", ".#.", ".#.", "###"}},
    {'J', {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."}},
    {'K', {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"}},
    {'L', {"#....", "#....", "#....", "#....", "#....", "#....", "#####"}},
    {'M', {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"}},
    {'N', {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"}},
    {'O', {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'P', {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."}},
    {'Q', {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"}},
    {'R', {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"}},
    {'S', {".####", "#....", "#....", ".###.", "....#", "....#", "####."}},
    {'T', {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
    {'U', {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'V', {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'W', {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."}},
    {'X', {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"}},
    {'Y', {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."}},
    {'Z', {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"}},
};
enum { NGLYPHS = sizeof font / sizeof *font };

static const glyph *find_glyph(char ch)
{
    const glyph *unknown = NULL;
    for (int k = 0; k < NGLYPHS; k++) {
        if (font[k].ch == ch)
            return &font[k];
        if (font[k].ch == '?')
            unknown = &font[k];
    }
    return unknown;
}

static int glyph_width(const glyph *g)
{
    return (int)strlen(g->row[0]);
}

int pd_text_width(const char *s, int scale)
{
    int w = 0;
    for (const char *p = s; *p; p++)
        w += glyph_width(find_glyph(*p)) + (p[1] ? 1 : 0);
    return w * scale;
}

/* Draws s in font units; each font pixel (gx, gy) becomes the block
 * ox + gx*ux + gy*vx, oy + gx*uy + gy*vy (in units of scale pixels). */
static int draw_text(pd_canvas *c, int ox, int oy, int ux, int uy, int vx, int vy, const char *s,
                     int scale, pd_rgb col)
{
    int pen = 0;
    for (const char *p = s; *p; p++) {
        const glyph *g = find_glyph(*p);
        const int gw = glyph_width(g);
        for (int gy = 0; gy < PD_FONT_H; gy++)
            for (int gx = 0; gx < gw; gx++) {
                if (g->row[gy][gx] != '#')
                    continue;
                long bx = ox + ((long)(pen + gx) * ux + (long)gy * vx) * scale;
                long by = oy + ((long)(pen + gx) * uy + (long)gy * vy) * scale;
                if (bx > -scale && by > -scale && bx < c->w && by < c->h)
                    pd_rect(c, (int)bx, (int)by, scale, scale, col);
            }
        pen += gw + 1;
    }
    return pd_text_width(s, scale);
}

int pd_text(pd_canvas *c, int x, int y, const char *s, int scale, pd_rgb col)
{
    return draw_text(c, x, y, 1, 0, 0, 1, s, scale, col);
}

int pd_text_up(pd_canvas *c, int x, int y, const char *s, int scale, pd_rgb col)
{
    /* along the text: up; down the glyph: right */
    return draw_text(c, x, y - scale, 0, -1, 1, 0, s, scale, col);
}

/* ---- colour ------------------------------------------------------------ */

/* viridis at t = 0, 1/8, ..., 1 */
static const unsigned char stops[9][3] = {
    {68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
    {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37},
};

pd_rgb pd_palette(double t)
{
    if (isnan(t)) {
        pd_rgb grey = {128, 128, 128};
        return grey;
    }
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double pos = t * 8;
    int i = (int)pos;
    if (i > 7)
        i = 7;
    double f = pos - i;
    pd_rgb k = {mix(stops[i][0], stops[i + 1][0], f), mix(stops[i][1], stops[i + 1][1], f),
                mix(stops[i][2], stops[i + 1][2], f)};
    return k;
}
