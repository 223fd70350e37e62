/* The figure of `geoembed plot` (see plot_figure.h): layout first (sizes of
 * text, panels, colour ranges, arrow scales), then drawing, each panel
 * bottom-up: field, contours, outlines, samples, arrows, frame and labels. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>

#include "cairo_lib.h"
#include "geoembed/model.h"
#include "plot_contour.h"
#include "plot_figure.h"

#define FONT "sans-serif"
#define PI 3.14159265358979323846
enum { RANGE_GRID = 256, ARROW_SPACING = 25, CONTOUR_STEP = 3, BAR_STOPS = 64 };
#define MAX_PIXELS 100000000.0
#define MAX_SIDE 16384

static const double INK[3] = {0.13, 0.13, 0.13};

/* ---- text -------------------------------------------------------------- */

static void set_font(cairo_t *cr, double size)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    /* metrics independent of the surface: the layout holds for PNG and SVG */
    cairo_font_options_t *o = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
    cairo_set_font_options(cr, o);
    cairo_font_options_destroy(o);
}

static double text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/* s with its box aligned at (x, y): ax 0 left, 0.5 centre, 1 right; ay
 * likewise top to bottom (the box is the font's ascent and descent). */
static void text_at(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
    cairo_font_extents_t f;
    cairo_font_extents(cr, &f);
    double w = text_width(cr, s), h = f.ascent + f.descent;
    cairo_move_to(cr, x - ax * w, y - ay * h + f.ascent);
    cairo_show_text(cr, s);
}

/* The same, turned to read upwards, its box centred on (x, y). */
static void text_up(cairo_t *cr, double x, double y, const char *s)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -PI / 2);
    text_at(cr, 0, 0, s, 0.5, 0.5);
    cairo_restore(cr);
}

static double widest(cairo_t *cr, const plot_ticks *t)
{
    double w = 0;
    for (int i = 0; i < t->n; i++)
        w = fmax(w, text_width(cr, t->label[i]));
    return w;
}

/* "lead", "(u, v)", "lead std", "(u, v) std" */
static void panel_title(const plot_spec *s, int k, char *buf, size_t n)
{
    const plot_panel *p = &s->panel[k];
    const char *std = p->kind == PANEL_STD ? " std" : "";
    if (p->kind == PANEL_ARROWS || (p->kind == PANEL_STD && p->comp[1] >= 0))
        snprintf(buf, n, "(%s, %s)%s", p->name[0], p->name[1], std);
    else
        snprintf(buf, n, "%s%s", p->name[0], std);
}

static void bar_caption(const plot_spec *s, int k, char *buf, size_t n)
{
    if (s->panel[k].kind == PANEL_ARROWS)
        snprintf(buf, n, "length");
    else
        panel_title(s, k, buf, n);
    size_t len = strlen(buf);
    if (s->units && *s->units && len < n)
        snprintf(buf + len, n - len, " (%s)", s->units);
}

static void key_label(const plot_spec *s, double key, char *buf, size_t n)
{
    char v[40];
    plot_format(v, sizeof v, key);
    if (s->units && *s->units)
        snprintf(buf, n, "%s %s", v, s->units);
    else
        snprintf(buf, n, "%s", v);
}

void plot_release_fonts(void)
{
    if (!lazy_lib_is_open(&ge_cairo_lib))
        return; /* nothing drawn: nothing to release, and no reason to open cairo */
    cairo_debug_reset_static_data();
    FcFini();
}

/* ---- what a panel shows ------------------------------------------------ */

/* The number a colour or std panel maps to a colour; an arrow panel's length. */
static double panel_value(const plot_panel *p, const double *out)
{
    if (p->kind == PANEL_COLOUR || (p->kind == PANEL_STD && p->comp[1] < 0))
        return out[p->comp[0]];
    return hypot(out[p->comp[0]], out[p->comp[1]]);
}

/* A std is a magnitude, never signed: a sequential map (viridis in place of
 * the diverging one), on a linear bar of its own range. */
static plot_cmap panel_cmap(const plot_spec *s, int k)
{
    if (s->panel[k].kind == PANEL_STD && s->cmap == CMAP_DIVERGING)
        return CMAP_VIRIDIS;
    return s->cmap;
}

static int panel_log(const plot_spec *s, int k)
{
    return s->panel[k].kind == PANEL_COLOUR && s->log;
}

/* ---- coordinates ------------------------------------------------------- */

void plot_to_pixel(const plot_spec *s, const plot_layout *L, int k, double x, double y,
                   double *px, double *py)
{
    const plot_rect *r = &L->area[k];
    *px = r->x + (x - s->x0) / (s->x1 - s->x0) * r->w;
    *py = r->y + (s->y1 - y) / (s->y1 - s->y0) * r->h;
}

/* The model point at offset (u, v) pixels into an area w x h. */
static void model_at(const plot_spec *s, double w, double h, double u, double v, double *x,
                     double *y)
{
    *x = s->x0 + u / w * (s->x1 - s->x0);
    *y = s->y1 - v / h * (s->y1 - s->y0);
}

/* ---- layout ------------------------------------------------------------ */

/* Range of each colour panel's value, and the longest vector of each arrow
 * panel, over a grid of points across the exterior. */
static void field_ranges(const plot_spec *s, double *lo, double *hi)
{
    for (int k = 0; k < s->npanels; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
#pragma omp parallel for schedule(static)
    for (int j = 0; j < RANGE_GRID; j++) {
        double mn[PLOT_MAX_PANELS], mx[PLOT_MAX_PANELS], out[PLOT_MAX_OUT], x, y;
        for (int k = 0; k < s->npanels; k++)
            mn[k] = INFINITY, mx[k] = -INFINITY;
        for (int i = 0; i < RANGE_GRID; i++) {
            model_at(s, RANGE_GRID, RANGE_GRID, i + 0.5, j + 0.5, &x, &y);
            if (s->field(s->field_ctx, x, y, out))
                continue;
            for (int k = 0; k < s->npanels; k++) {
                double v = panel_value(&s->panel[k], out);
                if (isfinite(v))
                    mn[k] = fmin(mn[k], v), mx[k] = fmax(mx[k], v);
            }
        }
#pragma omp critical(plot_ranges)
        for (int k = 0; k < s->npanels; k++)
            lo[k] = fmin(lo[k], mn[k]), hi[k] = fmax(hi[k], mx[k]);
    }
}

/* The bar of colour or std panel k: range, ticks, contour levels. --vmin,
 * --vmax, --log and --contours are about values: a std panel has none of
 * them, its bar spans its own range. */
static plot_status colour_range(const plot_spec *s, plot_layout *L, int k, double lo, double hi,
                                char *why, size_t n)
{
    const int value = s->panel[k].kind == PANEL_COLOUR, log = panel_log(s, k);
    const double vmin = value ? s->vmin : NAN, vmax = value ? s->vmax : NAN;
    char name[300];
    panel_title(s, k, name, sizeof name);
    if (!(lo <= hi)) {
        snprintf(why, n, "%s has no value to draw anywhere", name);
        return PLOT_NO_DATA;
    }
    if (panel_cmap(s, k) == CMAP_DIVERGING && isnan(vmin) && isnan(vmax)) {
        double m = fmax(fabs(lo), fabs(hi)); /* centred on zero */
        lo = -m, hi = m;
    }
    if (!isnan(vmin))
        lo = vmin;
    if (!isnan(vmax))
        hi = vmax;
    if (log && !(lo > 0)) {
        snprintf(why, n, "--log: %s has values down to %g; a logarithmic scale needs them above "
                         "0 (give --vmin)", name, lo);
        return PLOT_BAD_USAGE;
    }
    if (!(lo < hi) && !isnan(vmin)) {
        snprintf(why, n, "--vmin %g is not below the largest value %g of %s", lo, hi, name);
        return PLOT_BAD_USAGE;
    }
    if (!(lo < hi) && !isnan(vmax)) {
        snprintf(why, n, "--vmax %g is not above the smallest value %g of %s", hi, lo, name);
        return PLOT_BAD_USAGE;
    }
    if (!(lo < hi)) { /* a constant field: a bar around its value */
        double d = lo != 0 ? fabs(lo) * 0.5 : 0.5;
        lo = log ? lo / 2 : lo - d;
        hi = log ? hi * 2 : hi + d;
    }
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(hi - lo)) { /* the scale would divide by inf */
        snprintf(why, n, "the range %g to %g of %s is too wide to draw (its width overflows): "
                         "give a narrower --vmin/--vmax", lo, hi, name);
        return PLOT_BAD_USAGE;
    }
    L->lo[k] = lo, L->hi[k] = hi;
    if (log)
        plot_ticks_log(lo, hi, &L->bar[k]);
    else
        plot_ticks_linear(lo, hi, 5, TICK_PLAIN, &L->bar[k]);
    L->levels[k].n = 0;
    if (value && s->contours > 0) {
        plot_ticks t;
        if (log)
            plot_ticks_log(lo, hi, &t);
        else
            plot_ticks_linear(lo, hi, s->contours, TICK_PLAIN, &t);
        for (int i = 0; i < t.n; i++) /* a line at the very end of the range draws nothing */
            if (t.v[i] > lo && t.v[i] < hi)
                L->levels[k].v[L->levels[k].n++] = t.v[i];
    }
    return PLOT_OK;
}

/* Arrows: one per ARROW_SPACING pixels; the longest is 0.9 of the spacing;
 * the key is the largest round length not above the longest. */
static void arrow_scale(const plot_spec *s, plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    const plot_panel *p = &s->panel[k];
    double longest = 0, sx = r->w / L->nx, sy = r->h / L->ny;
    for (int j = 0; j < L->ny; j++)
        for (int i = 0; i < L->nx; i++) {
            double out[PLOT_MAX_OUT], x, y;
            model_at(s, r->w, r->h, (i + 0.5) * sx, (j + 0.5) * sy, &x, &y);
            if (s->field(s->field_ctx, x, y, out))
                continue;
            double len = hypot(out[p->comp[0]], out[p->comp[1]]);
            if (isfinite(len))
                longest = fmax(longest, len);
        }
    L->longest[k] = longest;
    L->scale[k] = longest > 0 ? 0.9 * fmin(sx, sy) / longest : 0;
    L->key[k] = longest > 0 ? plot_round_down(longest) : 0;
}

/* Markers cover about 2% of a panel whatever their number, within 1.5 to 6
 * pixels; when they cannot be smaller they get lighter. */
static void marker_style(const plot_spec *s, plot_layout *L)
{
    double area = L->area[0].w * L->area[0].h, n = s->nsamples ? (double)s->nsamples : 1;
    double d = sqrt(0.08 * area / (PI * n));
    d = d < 1.5 ? 1.5 : d > 6 ? 6 : d;
    L->marker_size = s->marker_size > 0 ? s->marker_size : d;
    double cover = n * PI * L->marker_size * L->marker_size / 4 / area;
    double a = cover > 0.02 ? 0.85 * 0.02 / cover : 0.85;
    L->marker_alpha = s->marker_alpha > 0 ? s->marker_alpha : a < 0.25 ? 0.25 : a;
}

plot_status plot_layout_make(const plot_spec *s, plot_layout *L, char *why, size_t n)
{
    memset(L, 0, sizeof *L);
    const int np = s->npanels;
    L->cols = s->cols > 0 ? s->cols : np <= 3 ? np : (int)ceil(sqrt(np));
    const int rows = (np + L->cols - 1) / L->cols;
    const double cw = floor((double)s->width / L->cols);
    /* text grows with the panel; a short picture gets smaller text */
    double fs = fmin(26, fmax(11, round(cw / 58)));
    if (s->height)
        fs = fmax(7, fmin(fs, floor((double)s->height / rows / 10)));
    L->font = fs;

    double lo[PLOT_MAX_PANELS], hi[PLOT_MAX_PANELS];
    field_ranges(s, lo, hi);
    int any = 0, colour = 0, arrows = 0;
    for (int k = 0; k < np; k++) {
        any |= lo[k] <= hi[k];
        colour |= s->panel[k].kind != PANEL_ARROWS;
        arrows |= s->panel[k].kind == PANEL_ARROWS;
    }
    if (!any) {
        snprintf(why, n, "the model's field has no finite value to plot");
        return PLOT_NO_DATA;
    }
    for (int k = 0; k < np; k++) {
        plot_status st;
        if (s->panel[k].kind != PANEL_ARROWS && (st = colour_range(s, L, k, lo[k], hi[k], why, n)))
            return st;
    }

    /* the margins of a panel, in pixels, measured with the font */
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(scratch);
    set_font(cr, fs);
    double barlab = 0, caption = 0;
    for (int k = 0; k < np; k++) {
        char buf[256];
        if (s->panel[k].kind != PANEL_ARROWS) {
            barlab = fmax(barlab, widest(cr, &L->bar[k]));
            caption = fs * 1.2;
        } else {
            key_label(s, 1.5e-5, buf, sizeof buf); /* about the widest a key's number gets */
            barlab = fmax(barlab, text_width(cr, buf) - 0.6 * fs);
        }
    }
    const double tick = 0.4 * fs, pad = 0.6 * fs;
    const double top = pad + 1.3 * fs * 1.15 + 0.4 * fs;
    const double bottom = tick + 0.3 * fs + 1.2 * fs + 0.3 * fs + 1.2 * fs + pad;
    const double right = 0.8 * fs + 1.1 * fs + 0.3 * fs + 0.3 * fs + barlab + 0.5 * fs + caption +
                         pad;
    double left = pad + 1.2 * fs + 0.5 * fs + text_width(cr, "-0000") + 0.3 * fs + tick;
    tick_style xs = s->degrees ? TICK_LON : TICK_PLAIN, ys = s->degrees ? TICK_LAT : TICK_PLAIN;
    double pw = 0, ph = 0, ch = 0;
    for (int pass = 0; pass < 3; pass++) {
        pw = floor(cw - left - right);
        if (s->height) {
            ch = floor((double)s->height / rows);
            ph = floor(ch - top - bottom);
        } else {
            double want = pw * (s->y1 - s->y0) / (s->x1 - s->x0);
            want = fmax(fmax(PLOT_MIN_AREA, pw / 8), fmin(want, 4 * pw));
            ph = round(want);
            ch = ceil(top + ph + bottom);
        }
        if (pw < PLOT_MIN_AREA || ph < PLOT_MIN_AREA) {
            if (s->height)
                snprintf(why, n, "--size %d,%d leaves no room for %d panel%s inside their axes "
                                 "(at least %.0f,%.0f)",
                         s->width, s->height, np, np > 1 ? "s" : "",
                         ceil(L->cols * (left + right + PLOT_MIN_AREA)),
                         ceil(rows * (top + bottom + PLOT_MIN_AREA)));
            else
                snprintf(why, n, "--size %d leaves no room for %d panel%s inside their axes "
                                 "(at least %.0f)",
                         s->width, np, np > 1 ? "s" : "",
                         ceil(L->cols * (left + right + PLOT_MIN_AREA)));
            cairo_destroy(cr);
            cairo_surface_destroy(scratch);
            return PLOT_BAD_USAGE;
        }
        int ty = (int)(ph / (3.5 * fs));
        plot_ticks_linear(s->y0, s->y1, ty < 2 ? 2 : ty > 10 ? 10 : ty, ys, &L->yt);
        left = pad + 1.2 * fs + 0.5 * fs + widest(cr, &L->yt) + 0.3 * fs + tick;
    }
    int tx = (int)(pw / (6.5 * fs));
    plot_ticks_linear(s->x0, s->x1, tx < 2 ? 2 : tx > 12 ? 12 : tx, xs, &L->xt);
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);

    L->w = (int)(cw * L->cols);
    L->h = s->height ? s->height : (int)(ch * rows);
    if (L->w > MAX_SIDE || L->h > MAX_SIDE || (double)L->w * L->h > MAX_PIXELS) {
        snprintf(why, n, "a picture of %d x %d pixels is too large (at most %d on a side and "
                         "%.0f pixels)", L->w, L->h, MAX_SIDE, MAX_PIXELS);
        return PLOT_BAD_USAGE;
    }
    for (int k = 0; k < np; k++) {
        int c = k % L->cols, r = k / L->cols;
        L->area[k] = (plot_rect){floor(c * cw + left), floor(r * ch + top), pw, ph};
    }
    L->nx = (int)lround(pw / ARROW_SPACING), L->ny = (int)lround(ph / ARROW_SPACING);
    L->nx = L->nx < 2 ? 2 : L->nx, L->ny = L->ny < 2 ? 2 : L->ny;
    for (int k = 0; arrows && k < np; k++)
        if (s->panel[k].kind == PANEL_ARROWS)
            arrow_scale(s, L, k);
    marker_style(s, L);
    return PLOT_OK;
}

/* ---- the field --------------------------------------------------------- */

static uint32_t argb(plot_cmap m, double t)
{
    double c[3];
    plot_colour(m, t, c);
    return 0xff000000u | (uint32_t)lround(c[0] * 255) << 16 | (uint32_t)lround(c[1] * 255) << 8 |
           (uint32_t)lround(c[2] * 255);
}

/* The colour map as an image, one sample per raster_step pixels; empty
 * places transparent. */
static int draw_colour(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    const double step = s->raster_step > 1 ? s->raster_step : 1;
    const int iw = (int)ceil(r->w / step), ih = (int)ceil(r->h / step);
    const plot_panel *p = &s->panel[k];
    const plot_cmap cmap = panel_cmap(s, k);
    const int log = panel_log(s, k);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, iw, ih);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return -1;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    const int stride = cairo_image_surface_get_stride(img);
    const double iwd = r->w / step, ihd = r->h / step;
#pragma omp parallel for schedule(static)
    for (int j = 0; j < ih; j++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)j * stride);
        double out[PLOT_MAX_OUT], x, y;
        for (int i = 0; i < iw; i++) {
            model_at(s, iwd, ihd, fmin(i + 0.5, iwd), fmin(j + 0.5, ihd), &x, &y);
            double v = s->field(s->field_ctx, x, y, out) ? NAN : panel_value(p, out);
            if (isnan(v)) {
                row[i] = 0;
                continue;
            }
            row[i] = argb(cmap, plot_bar_place(v, L->lo[k], L->hi[k], log));
        }
    }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_clip(cr);
    cairo_translate(cr, r->x, r->y);
    cairo_scale(cr, step, step);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr),
                             step > 1 ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    return 0;
}

/* Contour pieces joined into runs where one ends where the next starts, so
 * that a vector picture holds lines, not thousands of separate strokes. */
typedef struct {
    cairo_t *cr;
    double ox, oy, sx, sy; /* grid to pixels */
    double lx, ly;         /* where the path ends, NaN: nowhere yet */
} contour_path;

static void contour_piece(void *ctx, double x0, double y0, double x1, double y1)
{
    contour_path *c = ctx;
    x0 = c->ox + x0 * c->sx, y0 = c->oy + y0 * c->sy;
    x1 = c->ox + x1 * c->sx, y1 = c->oy + y1 * c->sy;
    const double eps = 1e-6;
    if (fabs(x1 - c->lx) < eps && fabs(y1 - c->ly) < eps) { /* reversed */
        double tx = x0, ty = y0;
        x0 = x1, y0 = y1, x1 = tx, y1 = ty;
    }
    if (!(fabs(x0 - c->lx) < eps && fabs(y0 - c->ly) < eps))
        cairo_move_to(c->cr, x0, y0);
    cairo_line_to(c->cr, x1, y1);
    c->lx = x1, c->ly = y1;
}

static int draw_contours(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    const int nx = (int)ceil(r->w / CONTOUR_STEP) + 1, ny = (int)ceil(r->h / CONTOUR_STEP) + 1;
    const int comp = s->panel[k].comp[0];
    double *v = malloc((size_t)nx * ny * sizeof *v);
    if (!v)
        return -1;
    const double sx = r->w / (nx - 1), sy = r->h / (ny - 1);
#pragma omp parallel for schedule(static)
    for (int j = 0; j < ny; j++) {
        double out[PLOT_MAX_OUT], x, y;
        for (int i = 0; i < nx; i++) {
            model_at(s, r->w, r->h, i * sx, j * sy, &x, &y);
            v[(size_t)j * nx + i] = s->field(s->field_ctx, x, y, out) ? NAN : out[comp];
        }
    }
    cairo_save(cr);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.6);
    cairo_set_line_width(cr, fmax(0.7, L->font / 16));
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int i = 0; i < L->levels[k].n; i++) {
        contour_path c = {cr, r->x, r->y, sx, sy, NAN, NAN};
        cairo_new_path(cr);
        plot_contour(v, nx, ny, L->levels[k].v[i], contour_piece, &c);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    free(v);
    return 0;
}

/* ---- on top: outlines, samples, arrows --------------------------------- */

/* Drawing confined to panel k until the matching cairo_restore. */
static void clip_to_panel(cairo_t *cr, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    cairo_save(cr);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_clip(cr);
}

static void draw_overlay(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const ge_outlines *o = s->overlay;
    if (!o)
        return;
    clip_to_panel(cr, L, k);
    cairo_new_path(cr);
    for (size_t i = 0; i < o->n; i++) {
        int pen = 0;
        for (size_t j = 0; j < o->line[i].n; j++) {
            double x = o->line[i].xy[2 * j], y = o->line[i].xy[2 * j + 1], px, py;
            if (!isfinite(x) || !isfinite(y)) {
                pen = 0;
                continue;
            }
            plot_to_pixel(s, L, k, x, y, &px, &py);
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
        }
    }
    /* outlines bolder than contour lines, to tell them apart */
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, fmax(1.3, L->font / 9));
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void draw_samples(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    if (!s->nsamples)
        return;
    clip_to_panel(cr, L, k);
    /* each marker a zero-length line with round caps: a disc, and in SVG
     * and PDF a few bytes instead of four curves */
    cairo_new_path(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, L->marker_size);
    for (size_t i = 0; i < s->nsamples; i++) {
        double px, py;
        plot_to_pixel(s, L, k, s->samples[2 * i], s->samples[2 * i + 1], &px, &py);
        if (!isfinite(px) || !isfinite(py))
            continue;
        cairo_move_to(cr, px, py);
        cairo_close_path(cr);
    }
    /* dark on colour maps; on arrows (dark) a warm red, beneath them */
    if (s->panel[k].kind == PANEL_ARROWS)
        cairo_set_source_rgba(cr, 0.84, 0.19, 0.15, L->marker_alpha);
    else
        cairo_set_source_rgba(cr, 0, 0, 0, L->marker_alpha);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* An arrow centred on (cx, cy) pixels with components (dx, dy) pixels (y
 * down): a shaft (stroked) and a filled head, at most 40% of the arrow.
 * Shafts and heads are separate paths, added to the current one, so that
 * all the arrows of a panel are one stroke and one fill. */
static void arrow_shaft(cairo_t *cr, double cx, double cy, double dx, double dy, double lw)
{
    double len = hypot(dx, dy);
    if (len < 0.5)
        return;
    double hl = fmin(0.4 * len, 3.5 * lw + 2);
    cairo_move_to(cr, cx - dx / 2, cy - dy / 2);
    cairo_line_to(cr, cx + dx / 2 - 0.8 * hl * dx / len, cy + dy / 2 - 0.8 * hl * dy / len);
}

static void arrow_head(cairo_t *cr, double cx, double cy, double dx, double dy, double lw)
{
    double len = hypot(dx, dy);
    if (len < 0.5) { /* calm: a dot, not nothing */
        cairo_new_sub_path(cr);
        cairo_arc(cr, cx, cy, lw * 0.75, 0, 2 * PI);
        cairo_close_path(cr);
        return;
    }
    double ux = dx / len, uy = dy / len;
    double hl = fmin(0.4 * len, 3.5 * lw + 2), hw = 0.55 * hl;
    double tx = cx + dx / 2, ty = cy + dy / 2, bx = tx - hl * ux, by = ty - hl * uy;
    cairo_move_to(cr, tx, ty);
    cairo_line_to(cr, bx - hw * uy, by + hw * ux);
    cairo_line_to(cr, bx + hw * uy, by - hw * ux);
    cairo_close_path(cr);
}

static double arrow_width(const plot_layout *L)
{
    return fmax(1.0, L->font / 11);
}

static void draw_arrows(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    const plot_panel *p = &s->panel[k];
    const double sx = r->w / L->nx, sy = r->h / L->ny, lw = arrow_width(L);
    cairo_save(cr);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
    cairo_set_line_width(cr, lw);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    for (int pass = 0; pass < 2; pass++) { /* the shafts, then the heads */
        cairo_new_path(cr);
        for (int j = 0; j < L->ny; j++)
            for (int i = 0; i < L->nx; i++) {
                double out[PLOT_MAX_OUT], x, y, u = (i + 0.5) * sx, v = (j + 0.5) * sy;
                model_at(s, r->w, r->h, u, v, &x, &y);
                if (s->field(s->field_ctx, x, y, out))
                    continue;
                double e = out[p->comp[0]], n = out[p->comp[1]];
                if (!isfinite(e) || !isfinite(n))
                    continue;
                /* north is up: rows grow southwards */
                (pass ? arrow_head : arrow_shaft)(cr, r->x + u, r->y + v, e * L->scale[k],
                                                  -n * L->scale[k], lw);
            }
        if (pass)
            cairo_fill(cr);
        else
            cairo_stroke(cr);
    }
    cairo_restore(cr);
}

/* ---- frame, axes, bar, key --------------------------------------------- */

static void draw_gridlines(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < L->xt.n; i++) {
        double px, py;
        plot_to_pixel(s, L, k, L->xt.v[i], s->y0, &px, &py);
        cairo_move_to(cr, floor(px) + 0.5, r->y);
        cairo_line_to(cr, floor(px) + 0.5, r->y + r->h);
    }
    for (int i = 0; i < L->yt.n; i++) {
        double px, py;
        plot_to_pixel(s, L, k, s->x0, L->yt.v[i], &px, &py);
        cairo_move_to(cr, r->x, floor(py) + 0.5);
        cairo_line_to(cr, r->x + r->w, floor(py) + 0.5);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void draw_axes(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    const double fs = L->font, tick = 0.4 * fs;
    cairo_save(cr);
    cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, r->x - 0.5, r->y - 0.5, r->w + 1, r->h + 1);
    for (int i = 0; i < L->xt.n; i++) {
        double px, py;
        plot_to_pixel(s, L, k, L->xt.v[i], s->y0, &px, &py);
        px = fmin(floor(px), r->x + r->w - 1) + 0.5;
        cairo_move_to(cr, px, r->y + r->h + 0.5);
        cairo_line_to(cr, px, r->y + r->h + 0.5 + tick);
        text_at(cr, px, r->y + r->h + tick + 0.3 * fs, L->xt.label[i], 0.5, 0);
    }
    for (int i = 0; i < L->yt.n; i++) {
        double px, py;
        plot_to_pixel(s, L, k, s->x0, L->yt.v[i], &px, &py);
        py = fmin(floor(py), r->y + r->h - 1) + 0.5;
        cairo_move_to(cr, r->x - 0.5, py);
        cairo_line_to(cr, r->x - 0.5 - tick, py);
        text_at(cr, r->x - tick - 0.3 * fs, py, L->yt.label[i], 1, 0.5);
    }
    cairo_stroke(cr);
    text_at(cr, r->x + r->w / 2, r->y + r->h + tick + 0.3 * fs + 1.2 * fs + 0.3 * fs, s->xname,
            0.5, 0);
    text_up(cr, r->x - tick - 0.3 * fs - widest(cr, &L->yt) - 0.5 * fs - 0.6 * fs,
            r->y + r->h / 2, s->yname);
    char title[300];
    panel_title(s, k, title, sizeof title);
    cairo_set_font_size(cr, fs * 1.15);
    text_at(cr, r->x + r->w / 2, r->y - 0.4 * fs, title, 0.5, 1);
    cairo_restore(cr);
}

static void draw_bar(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    const plot_rect *r = &L->area[k];
    const double fs = L->font, bx = r->x + r->w + 0.8 * fs, bw = 1.1 * fs;
    cairo_pattern_t *g = cairo_pattern_create_linear(0, r->y + r->h, 0, r->y);
    for (int i = 0; i <= BAR_STOPS; i++) {
        double c[3], t = (double)i / BAR_STOPS;
        plot_colour(panel_cmap(s, k), t, c);
        cairo_pattern_add_color_stop_rgb(g, t, c[0], c[1], c[2]);
    }
    cairo_save(cr);
    cairo_rectangle(cr, bx, r->y, bw, r->h);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, bx - 0.5, r->y - 0.5, bw + 1, r->h + 1);
    const plot_ticks *t = &L->bar[k];
    for (int i = 0; i < t->n; i++) {
        double y = r->y + r->h * (1 - plot_bar_place(t->v[i], L->lo[k], L->hi[k], panel_log(s, k)));
        cairo_move_to(cr, bx + bw + 0.5, y);
        cairo_line_to(cr, bx + bw + 0.5 + 0.3 * fs, y);
        text_at(cr, bx + bw + 0.6 * fs, y, t->label[i], 0, 0.5);
    }
    cairo_stroke(cr);
    for (int i = 0; i < L->levels[k].n; i++) { /* the contour levels, across the bar */
        double y = r->y + r->h * (1 - plot_bar_place(L->levels[k].v[i], L->lo[k], L->hi[k],
                                                     panel_log(s, k)));
        cairo_move_to(cr, bx, y);
        cairo_line_to(cr, bx + bw, y);
    }
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.75);
    cairo_stroke(cr);
    char cap[300];
    bar_caption(s, k, cap, sizeof cap);
    cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
    text_up(cr, bx + bw + 0.6 * fs + widest(cr, t) + 0.5 * fs + 0.6 * fs, r->y + r->h / 2, cap);
    cairo_restore(cr);
}

/* The scale key: an arrow of a round length and what it stands for. */
static void draw_key(cairo_t *cr, const plot_spec *s, const plot_layout *L, int k)
{
    if (!(L->key[k] > 0))
        return;
    const plot_rect *r = &L->area[k];
    const double fs = L->font, len = L->key[k] * L->scale[k], x = r->x + r->w + 0.8 * fs;
    cairo_save(cr);
    cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
    const double lw = arrow_width(L);
    cairo_set_line_width(cr, lw);
    arrow_shaft(cr, x + len / 2, r->y + 0.6 * fs, len, 0, lw);
    cairo_stroke(cr);
    arrow_head(cr, x + len / 2, r->y + 0.6 * fs, len, 0, lw);
    cairo_fill(cr);
    char buf[120];
    key_label(s, L->key[k], buf, sizeof buf);
    text_at(cr, x, r->y + 1.3 * fs, buf, 0, 0);
    cairo_restore(cr);
}

int plot_draw(cairo_t *cr, const plot_spec *s, const plot_layout *L)
{
    set_font(cr, L->font);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    for (int k = 0; k < s->npanels; k++) {
        if (s->panel[k].kind != PANEL_ARROWS) {
            if (draw_colour(cr, s, L, k) || (L->levels[k].n && draw_contours(cr, s, L, k)))
                return -1;
            draw_overlay(cr, s, L, k);
            draw_samples(cr, s, L, k);
            draw_bar(cr, s, L, k);
        } else {
            draw_gridlines(cr, s, L, k);
            draw_overlay(cr, s, L, k);
            draw_samples(cr, s, L, k);
            draw_arrows(cr, s, L, k);
            draw_key(cr, s, L, k);
        }
        draw_axes(cr, s, L, k);
    }
    return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
