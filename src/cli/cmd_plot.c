/* geoembed plot MODEL -o PICTURE.png [--size WIDTH[,HEIGHT]] [--samples FILE]
 *
 * The field as a picture, the figures of the founding guide: a colour map of
 * a one-output model; for two or more outputs, a quiver plot of the first two
 * as (u, v), u east and v north, arrows coloured by their length. Both have
 * axes in the model's coordinates (north up) and a colour bar. The picture is
 * drawn on the canvas of plot_draw.c and written as PNG through GDAL: a MEM
 * dataset copied by the PNG driver into a private temporary directory, moved
 * into place when complete (outfile.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>

#include "commands.h"
#include "display.h"
#include "gdal_messages.h"
#include "geoembed/outfile.h"
#include "geoembed/samples.h"
#include "inputs.h"
#include "plot_draw.h"
#include "predictor.h"

enum { DEFAULT_WIDTH = 800, MAX_SIDE = 16384, MIN_PLOT = 16, MAX_TICKS = 24 };
#define MAX_PIXELS 100000000L

static const pd_rgb PAPER = {255, 255, 255}, INK = {34, 34, 34}, QUIVER_BG = {244, 244, 244},
                    GRID_LINE = {222, 222, 222}, SAMPLE = {16, 16, 16};

/* ---- numbers as labels ------------------------------------------------- */

/* 1.5e+06 -> 1.5e6, 2e-05 -> 2e-5 */
static void tidy_exponent(char *s)
{
    char *e = strchr(s, 'e');
    if (!e)
        return;
    char *d = e + 1, *src = e + 1;
    if (*src == '+')
        src++;
    else if (*src == '-')
        *d++ = *src++;
    while (*src == '0' && src[1])
        src++;
    memmove(d, src, strlen(src) + 1);
}

/* v with enough digits to tell apart values step apart, in a set whose
 * largest magnitude is big; step 0: three significant digits. */
static void format_value(char *buf, size_t n, double v, double step, double big)
{
    if (v == 0) {
        snprintf(buf, n, "0");
    } else if (!(step > 0)) {
        snprintf(buf, n, "%.3g", v);
    } else {
        /* plain digits (a northing of 4001500) unless there would be too many */
        int decimals = (int)-floor(log10(step) + 1e-9);
        decimals = decimals < 0 ? 0 : decimals;
        int whole = big >= 1 ? (int)floor(log10(big)) + 1 : 1;
        if (step >= 1e-4 && big < 1e9 && whole + decimals <= 9) {
            snprintf(buf, n, "%.*f", decimals, v);
        } else {
            int digits = (int)ceil(log10(fmax(big, step) / step)) + 1;
            snprintf(buf, n, "%.*g", digits < 1 ? 1 : digits > 15 ? 15 : digits, v);
        }
    }
    tidy_exponent(buf);
}

typedef struct {
    int n;
    double v[MAX_TICKS];
    char label[MAX_TICKS][32];
} ticks;

/* About target round values in [lo, hi]: steps of 1, 2 or 5 times a power of
 * ten, or for degrees 10, 15, 30, 45, 60 or 90. */
static void nice_ticks(double lo, double hi, int target, int degrees, ticks *t)
{
    t->n = 0;
    double raw = (hi - lo) / (target < 1 ? 1 : target);
    if (!(raw > 0) || !isfinite(raw))
        return;
    const double mag = pow(10, floor(log10(raw)));
    double step = 10 * mag;
    static const double mult[] = {1, 2, 5};
    for (int i = 2; i >= 0; i--)
        if (mult[i] * mag >= raw * (1 - 1e-9))
            step = mult[i] * mag;
    if (degrees && raw > 5 && raw <= 90) {
        static const double deg[] = {90, 60, 45, 30, 15, 10};
        for (int i = 0; i < 6; i++)
            if (deg[i] >= raw * (1 - 1e-9))
                step = deg[i];
    }
    const double big = fmax(fabs(lo), fabs(hi));
    for (double k = ceil(lo / step - 1e-9); k <= floor(hi / step + 1e-9) && t->n < MAX_TICKS;
         k++) {
        t->v[t->n] = k * step + 0.0; /* + 0.0: no "-0" */
        format_value(t->label[t->n], sizeof t->label[0], t->v[t->n], step, big);
        t->n++;
    }
}

static int widest(const ticks *t, int scale)
{
    int w = 0;
    for (int i = 0; i < t->n; i++) {
        int k = pd_text_width(t->label[i], scale);
        w = k > w ? k : w;
    }
    return w;
}

/* ---- layout ------------------------------------------------------------ */

typedef struct {
    int w, h;              /* the picture */
    int s;                 /* font scale: a font pixel is s x s pixels */
    int lw;                /* width of axis lines and ticks */
    int px, py, pw, ph;    /* the plot area: top-left pixel and size */
    int bar_x, bar_w;      /* the colour bar, as tall as the plot */
    double x0, x1, y0, y1; /* the model coordinates the plot area shows */
    ticks xt, yt;
} layout;

/* Lays out a picture w wide and h high (h 0: from the exterior's aspect
 * ratio) for bar labels up to barlab wide and a caption above the bar. */
static int make_layout(layout *L, const char *cmd, int w, int h, const ge_shape *e, int degrees,
                       int barlab, const char *caption)
{
    memset(L, 0, sizeof *L);
    int base = h ? (w < 2 * h ? w : 2 * h) : w;
    const int s = L->s = base >= 2100 ? 4 : 1 + base / 700;
    const int fh = PD_FONT_H * s, tl = 4 * s, lg = 3 * s;
    L->lw = s / 2 > 1 ? s / 2 : 1;
    L->x0 = e->xmin, L->x1 = e->xmin + e->width;
    L->y0 = e->ymin, L->y1 = e->ymin + e->height;
    const int top = 20 * s, bottom = L->lw + tl + lg + fh + 6 * s + fh + 6 * s;
    L->bar_w = 10 * s;
    int right = L->lw + 10 * s + L->bar_w + L->lw + tl / 2 + lg + barlab + 8 * s;
    int capw = 10 * s + pd_text_width(caption, s) + 6 * s;
    right = capw > right ? capw : right;
    int left = 6 * s + fh + 6 * s + pd_text_width("-000", s) + lg + tl + L->lw;
    for (int pass = 0; pass < 3; pass++) {
        L->pw = w - left - right;
        if (h) {
            L->ph = h - top - bottom;
        } else {
            double ph = L->pw * (e->height / e->width);
            /* not absurdly flat or tall, and within the largest side */
            double lo = fmax(MIN_PLOT, L->pw / 8.0);
            double hi = fmin(4.0 * L->pw, MAX_SIDE - top - bottom);
            L->ph = (int)lround(ph < lo ? lo : ph > hi ? hi : ph);
        }
        if ((L->pw < MIN_PLOT || L->ph < MIN_PLOT) && h)
            return usage_error(cmd, "--size %d,%d leaves no room for the plot inside its axes "
                                    "(at least %d,%d)",
                               w, h, left + right + MIN_PLOT, top + bottom + MIN_PLOT);
        if (L->pw < MIN_PLOT || L->ph < MIN_PLOT)
            return usage_error(cmd, "--size %d leaves no room for the plot inside its axes "
                                    "(at least %d)",
                               w, left + right + MIN_PLOT);
        if (pass == 2)
            break;
        int target = L->ph / (36 * s);
        nice_ticks(L->y0, L->y1, target < 2 ? 2 : target > 10 ? 10 : target, degrees, &L->yt);
        left = 6 * s + fh + 6 * s + widest(&L->yt, s) + lg + tl + L->lw;
    }
    int target = L->pw / (50 * s);
    nice_ticks(L->x0, L->x1, target < 2 ? 2 : target > 12 ? 12 : target, degrees, &L->xt);
    L->w = w;
    L->h = h ? h : top + L->ph + bottom;
    L->px = left;
    L->py = top;
    L->bar_x = L->px + L->pw + L->lw + 10 * s;
    if ((long)L->w * L->h > MAX_PIXELS)
        return usage_error(cmd, "a picture of %d x %d pixels is too large (at most %ld pixels)",
                           L->w, L->h, MAX_PIXELS);
    return 0;
}

/* Continuous pixel coordinates of a model point, and back. */
static double col_of(const layout *L, double x)
{
    return L->px + (x - L->x0) / (L->x1 - L->x0) * L->pw;
}

static double row_of(const layout *L, double y)
{
    return L->py + (L->y1 - y) / (L->y1 - L->y0) * L->ph;
}

static void model_at(const layout *L, double cx, double cy, double *x, double *y)
{
    *x = L->x0 + (cx - L->px) / L->pw * (L->x1 - L->x0);
    *y = L->y1 - (cy - L->py) / L->ph * (L->y1 - L->y0);
}

/* The pixel a tick at continuous coordinate v falls in, kept inside [lo, hi]. */
static int tick_pixel(double v, int lo, int hi)
{
    double f = floor(v);
    if (!(f >= lo)) /* NaN too */
        return lo;
    return f > hi ? hi : (int)f;
}

/* ---- axes, title, colour bar ------------------------------------------- */

static void draw_gridlines(pd_canvas *c, const layout *L)
{
    for (int i = 0; i < L->xt.n; i++)
        pd_rect(c, tick_pixel(col_of(L, L->xt.v[i]), L->px, L->px + L->pw - 1), L->py, 1, L->ph,
                GRID_LINE);
    for (int i = 0; i < L->yt.n; i++)
        pd_rect(c, L->px, tick_pixel(row_of(L, L->yt.v[i]), L->py, L->py + L->ph - 1), L->pw, 1,
                GRID_LINE);
}

static void draw_axes(pd_canvas *c, const layout *L, const char *xname, const char *yname,
                      const char *title)
{
    const int s = L->s, lw = L->lw, fh = PD_FONT_H * s, tl = 4 * s, lg = 3 * s;
    for (int k = 1; k <= lw; k++)
        pd_frame(c, L->px - k, L->py - k, L->pw + 2 * k, L->ph + 2 * k, INK);
    const int below = L->py + L->ph + lw; /* first row under the frame */
    for (int i = 0; i < L->xt.n; i++) {
        int x = tick_pixel(col_of(L, L->xt.v[i]), L->px, L->px + L->pw - 1);
        pd_rect(c, x - (lw - 1) / 2, below, lw, tl, INK);
        pd_text(c, x - pd_text_width(L->xt.label[i], s) / 2, below + tl + lg, L->xt.label[i], s,
                INK);
    }
    const int leftmost = L->px - lw; /* first column left of the frame, plus one */
    for (int i = 0; i < L->yt.n; i++) {
        int y = tick_pixel(row_of(L, L->yt.v[i]), L->py, L->py + L->ph - 1);
        pd_rect(c, leftmost - tl, y - (lw - 1) / 2, tl, lw, INK);
        pd_text(c, leftmost - tl - lg - pd_text_width(L->yt.label[i], s), y - fh / 2,
                L->yt.label[i], s, INK);
    }
    int tw = pd_text_width(xname, s);
    pd_text(c, L->px + (L->pw - tw) / 2, below + tl + lg + fh + 6 * s, xname, s, INK);
    tw = pd_text_width(yname, s);
    pd_text_up(c, 6 * s, L->py + (L->ph + tw) / 2, yname, s, INK);
    tw = pd_text_width(title, s);
    int tx = L->px + (L->pw - tw) / 2;
    pd_text(c, tx < 2 * s ? 2 * s : tx, 5 * s, title, s, INK);
}

/* The bar shows palette(t) for t from 0 (bottom) to 1 (top). */
static void draw_bar(pd_canvas *c, const layout *L, const char *lo, const char *hi,
                     const char *caption)
{
    const int s = L->s, lw = L->lw, fh = PD_FONT_H * s, lg = 3 * s;
    for (int r = 0; r < L->ph; r++)
        pd_rect(c, L->bar_x, L->py + r, L->bar_w, 1, pd_palette(1 - (r + 0.5) / L->ph));
    for (int k = 1; k <= lw; k++)
        pd_frame(c, L->bar_x - k, L->py - k, L->bar_w + 2 * k, L->ph + 2 * k, INK);
    const int tx = L->bar_x + L->bar_w + lw, tl = 2 * s;
    pd_rect(c, tx, L->py, tl, lw, INK);
    pd_rect(c, tx, L->py + L->ph - lw, tl, lw, INK);
    pd_text(c, tx + tl + lg, L->py - fh / 2, hi, s, INK);
    pd_text(c, tx + tl + lg, L->py + L->ph - fh / 2 - 1, lo, s, INK);
    pd_text(c, L->bar_x, 5 * s, caption, s, INK);
}

/* ---- the field --------------------------------------------------------- */

/* Range of output 0 (or of the length of (output 0, output 1)) over the
 * exterior. Both read-outs blend cell values with convex weights, so the
 * extremes (of the value; of the length, the maximum) are at cell centres. */
static void field_range(const predictor *p, int length, double *lo, double *hi)
{
    const ge_shape *e = &p->m.s;
    double mn = INFINITY, mx = -INFINITY;
#pragma omp parallel for schedule(static) reduction(min : mn) reduction(max : mx)
    for (int w = 0; w < e->W; w++) {
        double v[PREDICTOR_MAX_OUT];
        for (int h = 0; h < e->H; h++) {
            if (predictor_at(p, e->xmin + (w + 0.5) * p->m.cw, e->ymin + (h + 0.5) * p->m.ch, v))
                continue;
            double k = length ? hypot(v[0], v[1]) : v[0];
            if (isfinite(k)) {
                mn = k < mn ? k : mn;
                mx = k > mx ? k : mx;
            }
        }
    }
    *lo = length ? 0 : mn;
    *hi = mx;
}

static double unit(double v, double lo, double hi)
{
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

static void draw_colour_map(pd_canvas *c, const layout *L, const predictor *p, double lo,
                            double hi)
{
#pragma omp parallel for schedule(static)
    for (int j = 0; j < L->ph; j++) {
        double v[PREDICTOR_MAX_OUT], x, y;
        for (int i = 0; i < L->pw; i++) {
            model_at(L, L->px + i + 0.5, L->py + j + 0.5, &x, &y);
            predictor_at(p, x, y, v);
            pd_set(c, L->px + i, L->py + j, pd_palette(unit(v[0], lo, hi)));
        }
    }
}

/* One arrow from (x0, y0) to the tip (x1, y1), pixels; shaft width sw. */
static void arrow(pd_canvas *c, double x0, double y0, double x1, double y1, double spacing,
                  double sw, pd_rgb col)
{
    double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    if (len < 1) {
        pd_disc(c, (x0 + x1) / 2, (y0 + y1) / 2, sw * 0.7, col, 1);
        return;
    }
    double ux = dx / len, uy = dy / len;
    double hl = fmin(0.4 * len, 0.33 * spacing), hw = 0.5 * hl;
    double bx = x1 - hl * ux, by = y1 - hl * uy;
    pd_line_aa(c, x0, y0, bx + 0.3 * hl * ux, by + 0.3 * hl * uy, sw, col);
    pd_triangle(c, x1, y1, bx - hw * uy, by + hw * ux, bx + hw * uy, by - hw * ux, col, 1);
}

static int draw_quiver(pd_canvas *c, const layout *L, const predictor *p, double maxlen)
{
    /* 32 across a plot 600 pixels wide, more (and longer) on larger ones */
    int nx = (int)lround(32 * sqrt(L->pw / 600.0));
    nx = nx < 8 ? 8 : nx;
    const double sx = (double)L->pw / nx;
    int ny = (int)lround(L->ph / sx);
    ny = ny < 2 ? 2 : ny;
    const double sy = (double)L->ph / ny, spacing = fmin(sx, sy);
    double *uv = malloc((size_t)nx * ny * 2 * sizeof *uv);
    if (!uv)
        return -1;
    double longest = 0;
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            double v[PREDICTOR_MAX_OUT], x, y, *a = uv + ((size_t)j * nx + i) * 2;
            model_at(L, L->px + (i + 0.5) * sx, L->py + (j + 0.5) * sy, &x, &y);
            predictor_at(p, x, y, v);
            a[0] = v[0], a[1] = v[1];
            double k = hypot(v[0], v[1]);
            if (isfinite(k) && k > longest)
                longest = k;
        }
    /* pixels per unit: the longest arrow is 0.9 of the spacing */
    const double scale = longest > 0 ? 0.9 * spacing / longest : 0;
    const double sw = fmax(1.0, spacing / 13);
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            const double *a = uv + ((size_t)j * nx + i) * 2;
            if (!isfinite(a[0]) || !isfinite(a[1]))
                continue;
            /* pivot in the middle; v is north, and rows grow southwards */
            double cx = L->px + (i + 0.5) * sx, cy = L->py + (j + 0.5) * sy;
            double hx = 0.5 * a[0] * scale, hy = -0.5 * a[1] * scale;
            arrow(c, cx - hx, cy - hy, cx + hx, cy + hy, spacing, sw,
                  pd_palette(unit(hypot(a[0], a[1]), 0, maxlen)));
        }
    free(uv);
    say(3, "geoembed: plot: %d x %d arrows, the longest %.6g\n", nx, ny, longest);
    return 0;
}

/* ---- samples ----------------------------------------------------------- */

static int read_overlay(const char *path, const predictor *p, ge_samples *s)
{
    ge_sample_opts o;
    ge_error err;
    memset(&o, 0, sizeof o);
    o.need_targets = 0;
    o.x_hint = p->meta.xcol;
    o.y_hint = p->meta.ycol;
    if (ge_samples_read_csv(path, &o, s, &err)) {
        char what[700]; /* a raster or a GeoJSON: say so, not "NUL byte in the header" */
        if (!ge_is_csv_path(path) && ge_source_describe(path, what, sizeof what))
            return runtime_error("%s: %s; --samples expects a CSV of points", path, what);
        return fail_with(&err);
    }
    return 0;
}

static void draw_samples(pd_canvas *c, const layout *L, const ge_samples *s, const char *path)
{
    const double r = 1.25 * L->s;
    size_t outside = 0;
    for (size_t i = 0; i < s->M; i++) {
        double x = s->xy[2 * i], y = s->xy[2 * i + 1];
        if (!(x >= L->x0 && x <= L->x1 && y >= L->y0 && y <= L->y1)) {
            outside++;
            continue;
        }
        double cx = col_of(L, x), cy = row_of(L, y);
        pd_disc(c, cx, cy, r + 1, PAPER, 1); /* a light rim: visible on dark colours too */
        pd_disc(c, cx, cy, r, SAMPLE, 1);
    }
    if (outside)
        say(2, "geoembed: plot: %zu of the %zu points of %s lie outside the model's exterior "
               "and are not drawn\n",
            outside, s->M, path);
}

/* ---- PNG through GDAL -------------------------------------------------- */
/* The canvas is wrapped (not copied) as a MEM dataset, which the PNG driver
 * copies into a private temporary directory; outfile.c moves it into place
 * when complete, or copies it to a pipe or standard output. */

static int write_png(const pd_canvas *c, const char *out)
{
    GDALAllRegister();
    gdal_write_begin();
    GDALDriverH mem = GDALGetDriverByName("MEM"), png = GDALGetDriverByName("PNG");
    GDALDatasetH ds = NULL;
    ge_staged st = {0};
    ge_error err;
    int rc = 0;
    if (!mem || !png) {
        rc = runtime_error("%s: this GDAL has no %s driver", out, mem ? "PNG" : "MEM");
        goto done;
    }
    if (ge_staged_open(&st, out, &err)) { /* GDAL creates the file itself */
        rc = fail_with(&err);
        goto done;
    }
    gdal_write_alias(st.target, out);
    /* three bands over the canvas's own interleaved pixels: no copy */
    ds = GDALCreate(mem, "", c->w, c->h, 0, GDT_Byte, NULL);
    static const GDALColorInterp rgb[3] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand};
    for (int b = 0; b < 3 && ds; b++) {
        char opt[3][64];
        snprintf(opt[0], sizeof opt[0], "DATAPOINTER=%p", (void *)(c->px + b));
        snprintf(opt[1], sizeof opt[1], "PIXELOFFSET=3");
        snprintf(opt[2], sizeof opt[2], "LINEOFFSET=%ld", 3L * c->w);
        char *opts[4] = {opt[0], opt[1], opt[2], NULL};
        if (GDALAddBand(ds, GDT_Byte, opts) != CE_None) {
            GDALClose(ds);
            ds = NULL;
        } else {
            GDALSetRasterColorInterpretation(GDALGetRasterBand(ds, b + 1), rgb[b]);
        }
    }
    if (!ds) {
        rc = runtime_error("%s: GDAL cannot take a %d x %d picture: %s", out, c->w, c->h,
                           gdal_failure_msg());
        goto done;
    }
    /* a picture needs no .aux.xml sidecar */
    char *pam = CPLStrdup(CPLGetThreadLocalConfigOption("GDAL_PAM_ENABLED", NULL));
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO");
    GDALDatasetH pds = GDALCreateCopy(png, st.target, ds, FALSE, NULL, NULL, NULL);
    if (pds)
        GDALClose(pds);
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", *pam ? pam : NULL);
    CPLFree(pam);
    if (!pds || gdal_write_failures()) {
        rc = runtime_error("%s: cannot write PNG: %s", out, gdal_failure_msg());
        goto done;
    }
    if (ge_staged_commit(&st, &err))
        rc = fail_with(&err);
done:
    if (ds)
        GDALClose(ds);
    ge_staged_abort(&st);
    gdal_write_end();
    return rc;
}

/* ---- the command ------------------------------------------------------- */

static int size_option(const cli_args *a, int *w, int *h)
{
    double v[2];
    int got = 0;
    *w = DEFAULT_WIDTH;
    *h = 0;
    if (!a->val[O_SIZE])
        return 0;
    if (arg_doubles(a, O_SIZE, 1, 2, v, &got))
        return EXIT_USAGE;
    for (int k = 0; k < got; k++)
        if (v[k] != floor(v[k]) || v[k] < 1 || v[k] > MAX_SIDE)
            return usage_error(a->cmd_name,
                               "--size expects whole numbers WIDTH[,HEIGHT] from 1 to %d, got '%s'",
                               MAX_SIDE, a->val[O_SIZE]);
    *w = (int)v[0];
    *h = got == 2 ? (int)v[1] : 0;
    return 0;
}

static const char *name_or(const char *name, const char *fallback)
{
    return name && *name ? name : fallback;
}

int cmd_plot(cli_args *a)
{
    if (a->npos != 1)
        return a->npos ? usage_error(a->cmd_name, "expects one MODEL, got %d arguments", a->npos)
                       : usage_error(a->cmd_name, "missing MODEL");
    const char *out = a->val[O_OUTPUT];
    if (!out)
        return usage_error(a->cmd_name, "missing -o PICTURE.png");
    if (!*out)
        return usage_error(a->cmd_name, "-o needs a file name");
    ge_error err;
    if (ge_output_is_input(out, a->pos[0], &err) ||
        ge_output_is_input(out, a->val[O_SAMPLES], &err))
        return usage_error(a->cmd_name, "%s", err.msg);
    int w, h, rc = size_option(a, &w, &h);
    if (rc || (rc = apply_threads(a)))
        return rc;

    predictor p;
    if ((rc = predictor_load(&p, a->pos[0])))
        return rc;
    if ((rc = predictor_rules(&p, a))) {
        predictor_free(&p);
        return rc;
    }
    ge_samples s;
    memset(&s, 0, sizeof s);
    pd_canvas c = {0, 0, NULL};
    if (a->val[O_SAMPLES] && (rc = read_overlay(a->val[O_SAMPLES], &p, &s)))
        goto done;

    const int O = p.m.s.O, quiver = O >= 2;
    const char *xname = name_or(p.meta.xcol, "x"), *yname = name_or(p.meta.ycol, "y");
    const char *t0 = name_or(p.meta.targets[0], "output 1");
    const char *t1 = quiver ? name_or(p.meta.targets[1], "output 2") : "";
    if (O > 2)
        say(2, "geoembed: plot: the model has %d outputs; the arrows show the first two (%s, %s)\n",
            O, t0, t1);
    double lo, hi;
    field_range(&p, quiver, &lo, &hi);
    if (!(lo <= hi)) { /* no finite value anywhere */
        rc = runtime_error("%s: the model's field has no finite value to plot", a->pos[0]);
        goto done;
    }
    char lo_label[32], hi_label[32], title[160];
    format_value(lo_label, sizeof lo_label, lo, 0, 0);
    format_value(hi_label, sizeof hi_label, hi, 0, 0);
    if (quiver)
        snprintf(title, sizeof title, "(%s, %s)", t0, t1);
    else
        snprintf(title, sizeof title, "%s", t0);
    const char *caption = quiver ? "length" : "";
    int barlab = pd_text_width(lo_label, 1), k = pd_text_width(hi_label, 1);
    barlab = k > barlab ? k : barlab;

    layout L;
    const int degrees = ge_is_lon_name(xname) && ge_is_lat_name(yname);
    /* the font scale is not known yet: lay out twice */
    if ((rc = make_layout(&L, a->cmd_name, w, h, &p.m.s, degrees, barlab, caption)) ||
        (rc = make_layout(&L, a->cmd_name, w, h, &p.m.s, degrees, barlab * L.s, caption)))
        goto done;
    if (pd_init(&c, L.w, L.h)) {
        rc = runtime_error("%s: out of memory for a %d x %d picture", out, L.w, L.h);
        goto done;
    }
    pd_fill(&c, PAPER);
    if (quiver) {
        pd_rect(&c, L.px, L.py, L.pw, L.ph, QUIVER_BG);
        draw_gridlines(&c, &L);
        if (draw_quiver(&c, &L, &p, hi)) {
            rc = runtime_error("%s: out of memory for the arrows", out);
            goto done;
        }
    } else {
        draw_colour_map(&c, &L, &p, lo, hi);
    }
    say(3, "geoembed: plot: %s from %s to %s\n", quiver ? "length" : t0, lo_label, hi_label);
    if (s.M)
        draw_samples(&c, &L, &s, a->val[O_SAMPLES]);
    draw_axes(&c, &L, xname, yname, title);
    draw_bar(&c, &L, lo_label, hi_label, caption);
    if ((rc = write_png(&c, out)))
        goto done;
    say(3, "geoembed: plot: wrote %s (%d x %d)\n", out, L.w, L.h);
done:
    pd_free(&c);
    ge_samples_free(&s);
    predictor_free(&p);
    return rc;
}
