/* geoembed plot MODEL -o PICTURE.{png,svg,pdf} [options]
 *
 * The field as a picture to publish: a colour map per scalar target, arrows
 * for a vector pair, in a grid of panels (plot_figure.c draws them with
 * cairo). This file wires the options to the figure: which panels, the
 * samples and outlines read and reprojected into the model's CRS, and the
 * output format, written under a temporary name and moved into place when
 * complete (outfile.c). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include "commands.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/outfile.h"
#include "geoembed/outlines.h"
#include "geoembed/reproject.h"
#include "geoembed/samples.h"
#include "inputs.h"
#include "plot_figure.h"
#include "predictor.h"

enum { MAX_SIDE = 16384, MAX_CONTOURS = 50 };

typedef enum { FMT_PNG, FMT_SVG, FMT_PDF } picture_format;
#define FORMAT_NAMES "png svg pdf"

/* ---- options ----------------------------------------------------------- */

static int size_option(const cli_args *a, int panels_across, int *w, int *h)
{
    double v[2];
    int got = 0;
    /* 800 pixels for one panel, a little less per panel side by side */
    *w = panels_across == 1 ? 800 : 600 * panels_across;
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

/* --of, else the extension of -o; a name without one (or a stream) is PNG. */
static int format_option(const cli_args *a, const char *out, picture_format *f)
{
    int k;
    if (a->val[O_OF]) {
        if (arg_choice(a, O_OF, FORMAT_NAMES, 0, &k))
            return EXIT_USAGE;
        *f = (picture_format)k;
        return 0;
    }
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
    *f = FMT_PNG;
    if (!dot || (slash && dot < slash) || dot == out || (slash && dot == slash + 1))
        return 0;
    static const char *const ext[] = {".png", ".svg", ".pdf"};
    for (k = 0; k < 3; k++)
        if (strcasecmp(dot, ext[k]) == 0) {
            *f = (picture_format)k;
            return 0;
        }
    return usage_error(a->cmd_name, "-o %s: no picture format for '%s' (.png, .svg or .pdf; or "
                                    "give --of)",
                       out, dot);
}

/* Components of a vector are recognised by name: u/v, east/north, dx/dy. */
static int vector_pair(const ge_meta *m, int *east, int *north)
{
    static const char *const pairs[][2] = {{"u", "v"}, {"east", "north"}, {"dx", "dy"}};
    if (m->ntargets != 2)
        return 0;
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        for (int e = 0; e < 2; e++)
            if (strcasecmp(m->targets[e], pairs[i][0]) == 0 &&
                strcasecmp(m->targets[1 - e], pairs[i][1]) == 0) {
                *east = e, *north = 1 - e;
                return 1;
            }
    return 0;
}

static int target_index(const cli_args *a, const ge_meta *m, opt_id id, const char *name)
{
    for (int k = 0; k < m->ntargets; k++)
        if (strcmp(m->targets[k], name) == 0)
            return k;
    char list[600] = "";
    for (int k = 0; k < m->ntargets && strlen(list) < 500; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                 m->targets[k]);
    usage_error(a->cmd_name, "%s: the model has no target '%s' (targets: %s)", opt_long_name(id),
                name, list);
    return -1;
}

/* With --std, panel k's standard deviation right after it (the predictor's
 * outputs are the O values, then the O stds). */
static void add_std(plot_spec *s, int O)
{
    const plot_panel *v = &s->panel[s->npanels - 1];
    plot_panel p = {PANEL_STD, {O + v->comp[0], -1}, {v->name[0], v->name[1]}};
    if (v->kind == PANEL_ARROWS)
        p.comp[1] = O + v->comp[1];
    s->panel[s->npanels++] = p;
}

/* The panels: --target NAME alone; else arrows for the vector pair (--vector
 * U,V, or components recognised by name) and a colour map per other target;
 * with --std each followed by its std, two panels to a row. */
static int choose_panels(const cli_args *a, const ge_meta *m, int std, plot_spec *s)
{
    int east = -1, north = -1, only = -1;
    const char *vec = a->val[O_VECTOR];
    if (a->val[O_TARGET] && vec)
        return usage_error(a->cmd_name, "--target draws one colour map, --vector arrows: give "
                                        "one of them");
    if (a->val[O_TARGET] && (only = target_index(a, m, O_TARGET, a->val[O_TARGET])) < 0)
        return EXIT_USAGE;
    if (vec && strcmp(vec, "none") != 0) {
        char **names;
        int n;
        ge_error err;
        if (ge_target_list(vec, &names, &n, &err))
            return usage_error(a->cmd_name, "--vector: %s", err.msg);
        if (n != 2) {
            ge_target_list_free(names, n);
            return usage_error(a->cmd_name, "--vector expects two targets EAST,NORTH (or none), "
                                            "got '%s'", vec);
        }
        east = target_index(a, m, O_VECTOR, names[0]);
        north = east < 0 ? -1 : target_index(a, m, O_VECTOR, names[1]);
        ge_target_list_free(names, n);
        if (east < 0 || north < 0)
            return EXIT_USAGE;
    } else if (!vec && only < 0 && !vector_pair(m, &east, &north)) {
        east = north = -1;
    }
    s->npanels = 0;
    s->cols = std ? 2 : 0;
    if (east >= 0) {
        s->panel[s->npanels++] = (plot_panel){PANEL_ARROWS, {east, north},
                                              {m->targets[east], m->targets[north]}};
        if (std)
            add_std(s, m->ntargets);
    }
    int skipped = 0;
    for (int k = 0; k < m->ntargets; k++) {
        if (k == east || k == north || (only >= 0 && k != only))
            continue;
        if (s->npanels + 1 + std > PLOT_MAX_PANELS) {
            skipped++;
            continue;
        }
        s->panel[s->npanels++] = (plot_panel){PANEL_COLOUR, {k, k}, {m->targets[k], NULL}};
        if (std)
            add_std(s, m->ntargets);
    }
    if (skipped)
        say(2, "geoembed: plot: the model has %d targets; the first %d panels are drawn (choose "
               "one with --target)\n",
            m->ntargets, s->npanels);
    return 0;
}

/* Colour options need a colour map of values (--cmap: or of a std), marker
 * options samples, and so on. */
static int styling_options(const cli_args *a, plot_spec *s)
{
    int colour = 0, std = 0;
    for (int k = 0; k < s->npanels; k++) {
        colour |= s->panel[k].kind == PANEL_COLOUR;
        std |= s->panel[k].kind == PANEL_STD;
    }
    static const opt_id colour_only[] = {O_CMAP, O_VMIN, O_VMAX, O_LOG, O_CONTOURS};
    for (size_t i = 0; !colour && i < sizeof colour_only / sizeof *colour_only; i++)
        if (a->val[colour_only[i]] && !(std && colour_only[i] == O_CMAP))
            return usage_error(a->cmd_name, "%s applies to colour maps%s, and this model is "
                                            "drawn as arrows only (--vector none draws each "
                                            "target as a colour map)",
                               opt_long_name(colour_only[i]),
                               std ? " of values (a std panel has a range of its own)" : "");
    if (!a->val[O_SAMPLES] && (a->val[O_MARKER_SIZE] || a->val[O_MARKER_ALPHA]))
        return usage_error(a->cmd_name, "%s applies to --samples",
                           a->val[O_MARKER_SIZE] ? "--marker-size" : "--marker-alpha");
    if (!a->val[O_OVERLAY] && a->val[O_OVERLAY_LAYER])
        return usage_error(a->cmd_name, "--overlay-layer applies to --overlay");
    int cmap;
    long contours;
    s->vmin = s->vmax = NAN;
    if (arg_choice(a, O_CMAP, PLOT_CMAP_NAMES, CMAP_VIRIDIS, &cmap) ||
        arg_long(a, O_CONTOURS, 0, 1, MAX_CONTOURS, &contours) ||
        (a->val[O_VMIN] && arg_double(a, O_VMIN, 0, -HUGE_VAL, HUGE_VAL, &s->vmin)) ||
        (a->val[O_VMAX] && arg_double(a, O_VMAX, 0, -HUGE_VAL, HUGE_VAL, &s->vmax)) ||
        arg_double(a, O_MARKER_SIZE, 0, 0.1, 100, &s->marker_size) ||
        arg_double(a, O_MARKER_ALPHA, 0, 0.01, 1, &s->marker_alpha))
        return EXIT_USAGE;
    s->cmap = (plot_cmap)cmap;
    if (!colour && s->cmap == CMAP_DIVERGING)
        return usage_error(a->cmd_name, "--cmap diverging applies to colour maps of values, and "
                                        "this model's are arrows only (a std is drawn on a "
                                        "sequential map: viridis or cividis)");
    s->contours = (int)contours;
    s->log = a->val[O_LOG] != NULL;
    if (!isnan(s->vmin) && !isnan(s->vmax) && !(s->vmin < s->vmax))
        return usage_error(a->cmd_name, "--vmin %g is not below --vmax %g", s->vmin, s->vmax);
    if (s->log && s->cmap == CMAP_DIVERGING)
        return usage_error(a->cmd_name, "--log does not go with --cmap diverging (centred on "
                                        "zero)");
    if (s->log && !isnan(s->vmin) && !(s->vmin > 0))
        return usage_error(a->cmd_name, "--log needs --vmin above 0, got %g", s->vmin);
    if (a->val[O_UNITS] && !*a->val[O_UNITS])
        return usage_error(a->cmd_name, "--units needs a text");
    s->units = a->val[O_UNITS];
    return 0;
}

/* ---- samples and outlines, in the model's CRS -------------------------- */

typedef struct {
    const char *path;
    int refused;
} samples_check;

static int samples_kind(void *ctx, ge_source_kind kind, ge_error *err)
{
    samples_check *c = ctx;
    if (kind != GE_SOURCE_RASTER)
        return 0;
    char what[700];
    c->refused = 1;
    if (!ge_source_describe(c->path, what, sizeof what))
        snprintf(what, sizeof what, "a raster");
    return ge_fail(err, "%s: %s; --samples expects points: a CSV or a vector source", c->path,
                   what);
}

/* A layer in a CRS of its own drawn on a model without one: as it stands. */
static void crs_unused(const char *path)
{
    say(1, "geoembed: plot: warning: %s has a CRS but the model has none: its coordinates are "
           "taken as the model's\n",
        path);
}

static int read_samples_in_crs(const char *path, const predictor *p, ge_samples *s)
{
    samples_check chk = {path, 0};
    ge_sample_opts o = {.x_hint = p->meta.xcol, .y_hint = p->meta.ycol, .need_targets = 0,
                        .check_kind = samples_kind, .check_ctx = &chk};
    ge_error err;
    if (ge_samples_read(path, &o, s, &err))
        return fail_with(&err);
    /* a layer's own CRS; lon/lat columns of a CSV are EPSG:4326; anything
     * else is taken to be in the model's CRS */
    char *src = NULL;
    const char *model = p->meta.crs;
    if (s->crs && *s->crs && !*model)
        crs_unused(path);
    else if (s->crs)
        src = strdup(s->crs);
    else if (s->lonlat && *model && !ge_crs_is_geographic(model))
        src = ge_crs_to_wkt("EPSG:4326", &err);
    int same = 1;
    ge_transform *t = src ? ge_transform_new(src, model, &same, &err) : NULL;
    free(src);
    if (!t && !same)
        return runtime_error("%s: %s", path, err.msg);
    size_t bad = t ? ge_transform_points(t, s->xy, s->M) : 0;
    ge_transform_free(t);
    if (bad)
        say(2, "geoembed: plot: %zu of the %zu points of %s cannot be transformed to the model's "
               "CRS and are not drawn\n",
            bad, s->M, path);
    return 0;
}

static void count_outside(const ge_samples *s, const plot_spec *f, const char *path)
{
    size_t outside = 0;
    for (size_t i = 0; i < s->M; i++) {
        double x = s->xy[2 * i], y = s->xy[2 * i + 1];
        outside += isfinite(x) && isfinite(y) && !(x >= f->x0 && x <= f->x1 && y >= f->y0 &&
                                                   y <= f->y1);
    }
    if (outside)
        say(2, "geoembed: plot: %zu of the %zu points of %s lie outside the model's exterior "
               "and are not drawn\n",
            outside, s->M, path);
}

static int read_overlay(const cli_args *a, const predictor *p, ge_outlines *o)
{
    ge_error err;
    if (ge_outlines_read(a->val[O_OVERLAY], a->val[O_OVERLAY_LAYER], p->meta.crs, o, &err))
        return fail_with(&err);
    if (o->n == 0) /* the picture would come out without what was asked for */
        return runtime_error("%s: no line or polygon to draw as --overlay (%zu features: %zu "
                             "points, the others without a geometry)",
                             a->val[O_OVERLAY], o->features, o->points);
    if (o->crs_unused)
        crs_unused(a->val[O_OVERLAY]);
    if (o->points)
        say(2, "geoembed: plot: %s: %zu point features have no outline and are not drawn\n",
            a->val[O_OVERLAY], o->points);
    return 0;
}

/* ---- the picture ------------------------------------------------------- */

static int field_at(const void *ctx, double x, double y, double *out)
{
    return predictor_at(ctx, x, y, out);
}

static cairo_status_t write_bytes(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* The creation date a PDF carries, as ISO 8601: SOURCE_DATE_EPOCH (whole
 * seconds since 1970, the reproducible-builds convention) when set, else
 * none, so that the same command writes the same bytes: cairo stamps the
 * clock's time only when it is not given one, and an empty date leaves the
 * entry out. PNG and SVG carry no date. */
static int pdf_date(char *iso, size_t n)
{
    const char *v = getenv("SOURCE_DATE_EPOCH");
    *iso = 0;
    if (!v || !*v) /* empty is unset, as most tools take it */
        return 0;
    char *end;
    errno = 0;
    long long t = strtoll(v, &end, 10);
    struct tm tm;
    /* up to the end of year 9999, the last a PDF date can hold */
    if (!isdigit((unsigned char)*v) || *end || errno || t > 253402300799LL ||
        !gmtime_r(&(time_t){(time_t)t}, &tm))
        return runtime_error("SOURCE_DATE_EPOCH: expects whole seconds since 1970-01-01 UTC "
                             "(from 0 to 253402300799), got '%s'", v);
    strftime(iso, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return 0;
}

/* Draws onto the surface of the format, streamed into f. */
static int render(FILE *f, picture_format fmt, const char *date, const plot_spec *s,
                  const plot_layout *L, const char *out)
{
    cairo_surface_t *sf;
    if (fmt == FMT_SVG) {
        sf = cairo_svg_surface_create_for_stream(write_bytes, f, L->w, L->h);
        cairo_svg_surface_set_document_unit(sf, CAIRO_SVG_UNIT_PX);
    } else if (fmt == FMT_PDF) { /* a pixel is 1/96 inch, as in SVG and CSS */
        sf = cairo_pdf_surface_create_for_stream(write_bytes, f, L->w * 0.75, L->h * 0.75);
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "geoembed");
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    } else {
        sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, L->w, L->h);
    }
    cairo_t *cr = cairo_create(sf);
    if (fmt == FMT_PDF)
        cairo_scale(cr, 0.75, 0.75);
    int bad = cairo_status(cr) != CAIRO_STATUS_SUCCESS || plot_draw(cr, s, L);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (!bad && fmt == FMT_PNG)
        st = cairo_surface_write_to_png_stream(sf, write_bytes, f);
    cairo_surface_finish(sf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (st == CAIRO_STATUS_WRITE_ERROR)
        return runtime_error("%s: cannot write: %s", out, "write error");
    if (bad || st != CAIRO_STATUS_SUCCESS)
        return runtime_error("%s: cannot draw the picture: %s", out,
                             bad && st == CAIRO_STATUS_SUCCESS ? "out of memory"
                                                                : cairo_status_to_string(st));
    return 0;
}

static int write_picture(const char *out, picture_format fmt, const char *date,
                         const plot_spec *s, const plot_layout *L)
{
    ge_outfile o;
    ge_error err;
    if (ge_outfile_open(&o, out, &err))
        return fail_with(&err);
    int rc = render(o.f, fmt, date, s, L, out);
    if (!rc && ge_outfile_commit(&o, &err))
        rc = fail_with(&err);
    ge_outfile_abort(&o);
    return rc;
}

static void report_layout(const plot_spec *s, const plot_layout *L)
{
    for (int k = 0; k < s->npanels; k++) {
        const plot_rect *r = &L->area[k];
        const plot_panel *p = &s->panel[k];
        if (p->kind == PANEL_COLOUR)
            say(3, "geoembed: plot: panel %d: %s, colours from %.6g to %.6g, at %.0f,%.0f %.0fx%.0f "
                   "pixels\n",
                k + 1, p->name[0], L->lo[k], L->hi[k], r->x, r->y, r->w, r->h);
        else if (p->kind == PANEL_STD && p->comp[1] < 0)
            say(3, "geoembed: plot: panel %d: %s std, colours from %.6g to %.6g, at %.0f,%.0f "
                   "%.0fx%.0f pixels\n",
                k + 1, p->name[0], L->lo[k], L->hi[k], r->x, r->y, r->w, r->h);
        else if (p->kind == PANEL_STD)
            say(3, "geoembed: plot: panel %d: (%s, %s) std, colours from %.6g to %.6g, at "
                   "%.0f,%.0f %.0fx%.0f pixels\n",
                k + 1, p->name[0], p->name[1], L->lo[k], L->hi[k], r->x, r->y, r->w, r->h);
        else
            say(3, "geoembed: plot: panel %d: (%s, %s), %d x %d arrows, the longest %.6g, key "
                   "%.6g, at %.0f,%.0f %.0fx%.0f pixels\n",
                k + 1, p->name[0], p->name[1], L->nx, L->ny, L->longest[k], L->key[k], r->x,
                r->y, r->w, r->h);
    }
}

static const char *name_or(const char *name, const char *fallback)
{
    return name && *name ? name : fallback;
}

/* The axes: degrees for a geographic CRS (or lon/lat columns without one). */
static void frame(const predictor *p, plot_spec *s)
{
    const ge_shape *e = &p->m.s;
    const char *x = name_or(p->meta.xcol, "x"), *y = name_or(p->meta.ycol, "y");
    const int lonlat = ge_is_lon_name(x) && ge_is_lat_name(y);
    s->x0 = e->xmin, s->x1 = e->xmin + e->width;
    s->y0 = e->ymin, s->y1 = e->ymin + e->height;
    s->degrees = *p->meta.crs ? ge_crs_is_geographic(p->meta.crs) : lonlat;
    /* lon/lat columns reprojected into a projected CRS are no longer degrees */
    s->xname = lonlat && !s->degrees ? "easting" : x;
    s->yname = lonlat && !s->degrees ? "northing" : y;
}

int cmd_plot(cli_args *a)
{
    if (a->npos != 1)
        return a->npos ? usage_error(a->cmd_name, "expects one MODEL, got %d arguments", a->npos)
                       : usage_error(a->cmd_name, "missing MODEL");
    const char *out = a->val[O_OUTPUT];
    if (!out)
        return usage_error(a->cmd_name, "missing -o PICTURE (.png, .svg or .pdf)");
    if (!*out)
        return usage_error(a->cmd_name, "-o needs a file name");
    ge_error err;
    static const opt_id inputs[] = {O_SAMPLES, O_OVERLAY};
    if (ge_output_is_input(out, a->pos[0], &err))
        return usage_error(a->cmd_name, "%s", err.msg);
    for (size_t i = 0; i < 2; i++)
        if (ge_output_is_input(out, a->val[inputs[i]], &err))
            return usage_error(a->cmd_name, "%s", err.msg);
    picture_format fmt;
    char date[40];
    int rc = format_option(a, out, &fmt);
    if (rc || (fmt == FMT_PDF && (rc = pdf_date(date, sizeof date))) || (rc = apply_threads(a)))
        return rc;

    predictor p;
    if ((rc = predictor_load(&p, a->pos[0])))
        return rc;
    plot_spec s = {.field = field_at, .field_ctx = &p};
    ge_samples smp;
    ge_outlines ovl;
    memset(&smp, 0, sizeof smp);
    memset(&ovl, 0, sizeof ovl);
    plot_layout L;
    if ((rc = predictor_rules(&p, a)) || (rc = choose_panels(a, &p.meta, p.std, &s)) ||
        (rc = styling_options(a, &s)))
        goto done;
    s.nout = predictor_outputs(&p); /* at most PLOT_MAX_OUT: plot takes no --exceed */
    const int across = s.cols ? s.cols : s.npanels <= 3 ? s.npanels : (int)ceil(sqrt(s.npanels));
    if ((rc = size_option(a, across, &s.width, &s.height)))
        goto done;
    frame(&p, &s);
    if (a->val[O_SAMPLES]) {
        if ((rc = read_samples_in_crs(a->val[O_SAMPLES], &p, &smp)))
            goto done;
        count_outside(&smp, &s, a->val[O_SAMPLES]);
        s.samples = smp.xy, s.nsamples = smp.M;
    }
    if (a->val[O_OVERLAY]) {
        if ((rc = read_overlay(a, &p, &ovl)))
            goto done;
        s.overlay = &ovl;
    }
    /* vector pictures hold the colour maps as images: one sample per two
     * pixels keeps them small, and the field is smooth at that scale */
    s.raster_step = fmt == FMT_PNG ? 1 : 2;
    char why[1200];
    switch (plot_layout_make(&s, &L, why, sizeof why)) {
    case PLOT_BAD_USAGE:
        rc = usage_error(a->cmd_name, "%s", why);
        goto done;
    case PLOT_NO_DATA:
        rc = runtime_error("%s: %s", a->pos[0], why);
        goto done;
    case PLOT_OK:
        break;
    }
    report_layout(&s, &L);
    if ((rc = write_picture(out, fmt, fmt == FMT_PDF ? date : "", &s, &L)))
        goto done;
    say(3, "geoembed: plot: wrote %s (%d x %d pixels)\n", out, L.w, L.h);
done:
    ge_outlines_free(&ovl);
    ge_samples_free(&smp);
    predictor_free(&p);
    plot_release_fonts();
    return rc;
}
