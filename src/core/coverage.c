/* How far each cell lies from the data: the distance from every cell centre
 * to its nearest training sample (model.h, coverage), behind the rule that
 * leaves predictions far from every sample empty. Wrapped axes measure across
 * the seam. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/model.h"

/* Separation along an axis, the shorter way round on a wrapped one. */
static double sep(double a, double b, double period, int wrap)
{
    double d = fabs(a - b);
    if (wrap && d > period / 2)
        d = period - d;
    return d;
}

static int clamp_index(double f, int n)
{
    return isfinite(f) ? (int)fmin(fmax(floor(f), 0), n - 1) : 0;
}

/* Distance from the centre of cell (w, h) to the sample at p. */
static double to_sample(const ge_model *m, int w, int h, const double p[2])
{
    double cx = m->s.xmin + ((double)w + 0.5) * m->cw;
    double cy = m->s.ymin + ((double)h + 0.5) * m->ch;
    double ex = sep(p[0], cx, m->s.width, ge_wrap_x(m));
    double ey = sep(p[1], cy, m->s.height, ge_wrap_y(m));
    return sqrt(ex * ex + ey * ey);
}

int ge_coverage_rows_init(ge_coverage_rows *c, const ge_model *m, int g0, int n, int w0, int w1,
                          ge_error *err)
{
    const size_t cells = (size_t)n * m->s.H;
    *c = (ge_coverage_rows){.m = m, .g0 = g0, .n = n, .w0 = w0, .w1 = w1};
    c->near = malloc((cells ? cells : 1) * sizeof *c->near);
    c->d = malloc((cells ? cells : 1) * sizeof *c->d);
    c->at = malloc((cells ? cells : 1) * sizeof *c->at);
    if (!c->near || !c->d || !c->at) {
        ge_coverage_rows_free(c);
        return ge_fail(err, "out of memory for the coverage of a %dx%d grid", n, m->s.H);
    }
    for (size_t k = 0; k < cells; k++)
        c->near[k] = -1, c->d[k] = INFINITY, c->at[k][0] = c->at[k][1] = 0;
    return 0;
}

void ge_coverage_rows_free(ge_coverage_rows *c)
{
    free(c->near);
    free(c->d);
    free(c->at);
    c->near = NULL, c->d = NULL, c->at = NULL;
}

/* Whether the rows held are the whole grid (its neighbours wrap within). */
static int whole(const ge_coverage_rows *c) { return c->g0 == 0 && c->n == c->m->s.W; }

/* Cell k takes sample id at p, e away, where nearer than what it has, or
 * as near and numbered lower: seeds taken in any order give what the
 * samples in their order give. */
static void take(ge_coverage_rows *c, size_t k, long id, const double p[2], double e)
{
    if (e < c->d[k] || (e == c->d[k] && id < c->near[k])) {
        c->d[k] = e, c->near[k] = id;
        c->at[k][0] = p[0], c->at[k][1] = p[1];
    }
}

void ge_coverage_rows_seed(ge_coverage_rows *c, const double *xy, const size_t *ids, size_t M,
                           ge_coverage_away away, void *ctx)
{
    /* every sample seeds the 3 x 3 cells around it: a sample that is not the
     * nearest to its own cell's centre can still be a neighbour's nearest */
    const ge_model *m = c->m;
    const int W = m->s.W, H = m->s.H;
    for (size_t i = 0; i < M; i++) {
        const long id = (long)(ids ? ids[i] : i);
        int w = clamp_index((xy[2 * i] - m->s.xmin) / m->cw, W);
        int h = clamp_index((xy[2 * i + 1] - m->s.ymin) / m->ch, H);
        for (int dw = -1; dw <= 1; dw++)
            for (int dh = -1; dh <= 1; dh++) {
                /* in long: w + W passes INT_MAX on a side above 2^30 - 1 */
                int ww = (int)(ge_wrap_x(m) ? ((long)w + dw + W) % W : (long)w + dw);
                int hh = (int)(ge_wrap_y(m) ? ((long)h + dh + H) % H : (long)h + dh);
                if (ww < 0 || ww >= W || hh < 0 || hh >= H)
                    continue;
                double e = to_sample(m, ww, hh, xy + 2 * i);
                if (ww >= c->w0 && ww < c->w1)
                    take(c, (size_t)(ww - c->g0) * H + hh, id, xy + 2 * i, e);
                else if (away)
                    away(ctx, ww, hh, id, xy + 2 * i, e);
            }
    }
}

void ge_coverage_rows_merge(ge_coverage_rows *c, int w, int h, long id, const double p[2],
                            double e)
{
    if (w >= c->w0 && w < c->w1 && h >= 0 && h < c->m->s.H)
        take(c, (size_t)(w - c->g0) * c->m->s.H + h, id, p, e);
}

/* One raster sweep of the rows w0 .. w1 - 1 (dir +1 forward, -1 backward):
 * each cell takes the nearest sample of its eight neighbours, if nearer.
 * Each cell keeps its nearest sample's place beside its number (at): read
 * next to the cell, not from anywhere in the samples (a cache miss each at a
 * million samples). A neighbour row outside the whole grid is the wrapped
 * one; outside a part's, the ghost row beside it. Returns the changes. */
size_t ge_coverage_rows_sweep(ge_coverage_rows *c, int dir)
{
    const ge_model *m = c->m;
    const int W = m->s.W, H = m->s.H, wx = ge_wrap_x(m), wy = ge_wrap_y(m), all = whole(c);
    const int rows = c->w1 - c->w0;
    size_t changed = 0;
    for (int i = 0; i < rows; i++) {
        int w = dir > 0 ? c->w0 + i : c->w1 - 1 - i;
        for (int j = 0; j < H; j++) {
            int h = dir > 0 ? j : H - 1 - j;
            size_t k = (size_t)(w - c->g0) * H + h;
            for (int dw = -1; dw <= 1; dw++)
                for (int dh = -1; dh <= 1; dh++) {
                    long ww = (long)w + dw, hh = (long)h + dh;
                    if (wx && all)
                        ww = (ww + W) % W;
                    if (wy)
                        hh = (hh + H) % H;
                    if ((!dw && !dh) || (!wx && (ww < 0 || ww >= W)) || hh < 0 || hh >= H)
                        continue;
                    const size_t q = (size_t)(ww - c->g0) * H + hh;
                    long s = c->near[q];
                    if (s >= 0 && s != c->near[k]) {
                        double e = to_sample(m, w, h, c->at[q]);
                        if (e < c->d[k]) {
                            c->d[k] = e, c->near[k] = s, changed++;
                            c->at[k][0] = c->at[q][0], c->at[k][1] = c->at[q][1];
                        }
                    }
                }
        }
    }
    return changed;
}

int ge_coverage_rows_store(const ge_coverage_rows *c, ge_model *m, ge_error *err)
{
    const size_t H = (size_t)m->s.H, n = (size_t)(c->w1 - c->w0) * H;
    float *dist = malloc((n ? n : 1) * sizeof *dist);
    if (!dist)
        return ge_fail(err, "out of memory for the coverage of a %dx%d grid", m->s.W, m->s.H);
    for (size_t k = 0; k < n; k++)
        dist[k] = (float)c->d[(size_t)(c->w0 - c->g0) * H + k];
    free(m->coverage);
    m->coverage = dist;
    return 0;
}

int ge_model_coverage(ge_model *m, const double *xy, size_t M, ge_error *err)
{
    /* Each cell starts from the nearest of the samples around it; nearest
     * samples then propagate between neighbouring cells in alternating sweeps
     * until none changes (vector propagation, as in Danielsson's distance
     * transform): distances of cell centres to their nearest sample, exact
     * but for rare cases where a slightly farther sample is kept. */
    ge_coverage_rows c;
    if (ge_coverage_rows_init(&c, m, 0, m->s.W, 0, m->s.W, err))
        return -1;
    ge_coverage_rows_seed(&c, xy, NULL, M, NULL, NULL);
    /* until nothing changes (a few rounds; wrapped seams take one more) */
    for (int round = 0; round < 64; round++)
        if (ge_coverage_rows_sweep(&c, 1) + ge_coverage_rows_sweep(&c, -1) == 0)
            break;
    int rc = ge_coverage_rows_store(&c, m, err);
    ge_coverage_rows_free(&c);
    return rc;
}

double ge_model_distance(const ge_model *m, double x, double y)
{
    if (!m->coverage)
        return 0;
    const int W = m->s.W, H = m->s.H;
    double fx = (x - m->s.xmin) / m->cw, fy = (y - m->s.ymin) / m->ch;
    if (!isfinite(fx) || !isfinite(fy))
        return INFINITY;
    int w = clamp_index(fx, W), h = clamp_index(fy, H);
    double cx = m->s.xmin + (w + 0.5) * m->cw, cy = m->s.ymin + (h + 0.5) * m->ch;
    double ex = fx < 0 || fx >= W ? fabs(x - cx) : 0, ey = fy < 0 || fy >= H ? fabs(y - cy) : 0;
    size_t c = ge_part_cell(m, (size_t)w * H + h);
    if (c == SIZE_MAX) /* a part asked outside its rows */
        return INFINITY;
    return m->coverage[c] + sqrt(ex * ex + ey * ey);
}
