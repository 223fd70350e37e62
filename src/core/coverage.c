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

/* One raster sweep (dir +1 forward, -1 backward): each cell takes the
 * nearest sample of its eight neighbours, if nearer. Each cell keeps its
 * nearest sample's place beside its number (at): read next to the cell, not
 * from anywhere in the samples (a cache miss each at a million samples).
 * Returns the changes. */
static size_t sweep(const ge_model *m, long *near, double (*at)[2], double *d, int dir)
{
    const int W = m->s.W, H = m->s.H, wx = ge_wrap_x(m), wy = ge_wrap_y(m);
    size_t changed = 0;
    for (int i = 0; i < W; i++) {
        int w = dir > 0 ? i : W - 1 - i;
        for (int j = 0; j < H; j++) {
            int h = dir > 0 ? j : H - 1 - j;
            size_t c = (size_t)w * H + h;
            for (int dw = -1; dw <= 1; dw++)
                for (int dh = -1; dh <= 1; dh++) {
                    int ww = w + dw, hh = h + dh;
                    if (wx)
                        ww = (ww + W) % W;
                    if (wy)
                        hh = (hh + H) % H;
                    if ((!dw && !dh) || ww < 0 || ww >= W || hh < 0 || hh >= H)
                        continue;
                    const size_t q = (size_t)ww * H + hh;
                    long s = near[q];
                    if (s >= 0 && s != near[c]) {
                        double e = to_sample(m, w, h, at[q]);
                        if (e < d[c]) {
                            d[c] = e, near[c] = s, changed++;
                            at[c][0] = at[q][0], at[c][1] = at[q][1];
                        }
                    }
                }
        }
    }
    return changed;
}

int ge_model_coverage(ge_model *m, const double *xy, size_t M, ge_error *err)
{
    /* Each cell starts from the nearest of the samples around it; nearest
     * samples then propagate between neighbouring cells in alternating sweeps
     * until none changes (vector propagation, as in Danielsson's distance
     * transform): distances of cell centres to their nearest sample, exact
     * but for rare cases where a slightly farther sample is kept. */
    const int W = m->s.W, H = m->s.H;
    const size_t n = (size_t)W * H;
    long *near = malloc(n * sizeof *near);
    double *d = malloc(n * sizeof *d), (*at)[2] = malloc(n * sizeof *at);
    float *dist = malloc(n * sizeof *dist);
    if (!near || !d || !at || !dist) {
        free(near), free(d), free(at), free(dist);
        return ge_fail(err, "out of memory for the coverage of a %dx%d grid", W, H);
    }
    for (size_t c = 0; c < n; c++)
        near[c] = -1, d[c] = INFINITY;
    /* every sample seeds the 3 x 3 cells around it: a sample that is not the
     * nearest to its own cell's centre can still be a neighbour's nearest */
    for (size_t i = 0; i < M; i++) {
        int w = clamp_index((xy[2 * i] - m->s.xmin) / m->cw, W);
        int h = clamp_index((xy[2 * i + 1] - m->s.ymin) / m->ch, H);
        for (int dw = -1; dw <= 1; dw++)
            for (int dh = -1; dh <= 1; dh++) {
                int ww = ge_wrap_x(m) ? (w + dw + W) % W : w + dw;
                int hh = ge_wrap_y(m) ? (h + dh + H) % H : h + dh;
                if (ww < 0 || ww >= W || hh < 0 || hh >= H)
                    continue;
                size_t c = (size_t)ww * H + hh;
                double e = to_sample(m, ww, hh, xy + 2 * i);
                if (e < d[c]) {
                    d[c] = e, near[c] = (long)i;
                    at[c][0] = xy[2 * i], at[c][1] = xy[2 * i + 1];
                }
            }
    }
    /* until nothing changes (a few rounds; wrapped seams take one more) */
    for (int round = 0; round < 64; round++)
        if (sweep(m, near, at, d, 1) + sweep(m, near, at, d, -1) == 0)
            break;
    for (size_t c = 0; c < n; c++)
        dist[c] = (float)d[c];
    free(near);
    free(d);
    free(at);
    free(m->coverage);
    m->coverage = dist;
    return 0;
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
