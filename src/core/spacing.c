/* Median nearest-neighbour distance through a uniform hash grid. */
#include <math.h>
#include <stdlib.h>

#include "geoembed/rng.h"
#include "geoembed/spacing.h"

typedef struct {
    double x0, y0, cell;
    long G;
    size_t *start; /* cell c's distinct points: pts[start[c] .. start[c + 1]) */
    double *pts;   /* (x, y) pairs, counting-sorted by cell */
} hash_grid;

static long cell_of(const hash_grid *g, double v, double v0)
{
    long c = (long)floor((v - v0) / g->cell);
    return c < 0 ? 0 : (c >= g->G ? g->G - 1 : c);
}

static long point_cell(const hash_grid *g, const double *p)
{
    return cell_of(g, p[0], g->x0) * g->G + cell_of(g, p[1], g->y0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_point(const void *a, const void *b)
{
    const double *p = a, *q = b;
    int c = cmp_double(p, q);
    return c ? c : cmp_double(p + 1, q + 1);
}

/* The k-th smallest of v[0..n) (v is reordered): the value a full sort
 * would put at v[k], in linear time on average (Hoare's selection, middle
 * pivot; the values are finite). */
static double kth_smallest(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* The grid spans the 1st to 99th percentile of each coordinate: a few far
 * outliers must not squeeze every other point into one cell. Points outside
 * are clamped into the edge cells, which keeps the ring search exact (the
 * distance to a clamped point is at least that to its cell). Each cell keeps
 * its distinct points only: a copy is at distance 0, never a neighbour, and
 * 200000 copies of one point would otherwise be scanned by every query. */
static int grid_build(hash_grid *g, const double *xy, size_t M)
{
    double b[4];
    double *v = malloc(M * sizeof *v);
    if (!v)
        return -1;
    for (int axis = 0; axis < 2; axis++) {
        for (size_t i = 0; i < M; i++)
            v[i] = xy[2 * i + axis];
        b[axis] = kth_smallest(v, M, M / 100);
        b[axis + 2] = kth_smallest(v, M, M - 1 - M / 100);
    }
    free(v);
    g->G = (long)ceil(sqrt((double)M));
    if (g->G > 2048)
        g->G = 2048;
    double span = fmax(b[2] - b[0], b[3] - b[1]);
    g->cell = span > 0 ? span / (double)g->G * (1 + 1e-9) : 1;
    g->x0 = b[0], g->y0 = b[1];
    size_t n = (size_t)(g->G * g->G);
    g->start = calloc(n + 1, sizeof *g->start);
    g->pts = malloc(M * 2 * sizeof *g->pts);
    size_t *fill = malloc(n * sizeof *fill);
    if (!g->start || !g->pts || !fill) {
        free(fill);
        return -1;
    }
    for (size_t i = 0; i < M; i++)
        g->start[point_cell(g, xy + 2 * i) + 1]++;
    for (size_t c = 0; c < n; c++)
        g->start[c + 1] += g->start[c];
    for (size_t c = 0; c < n; c++)
        fill[c] = g->start[c];
    for (size_t i = 0; i < M; i++) {
        size_t k = fill[point_cell(g, xy + 2 * i)]++;
        g->pts[2 * k] = xy[2 * i];
        g->pts[2 * k + 1] = xy[2 * i + 1];
    }
    free(fill);
    /* the copies out, cell by cell (in place: the kept points move down) */
    size_t kept = 0;
    for (size_t c = 0; c < n; c++) {
        const size_t a = g->start[c], e = g->start[c + 1];
        g->start[c] = kept;
        if (e - a > 1)
            qsort(g->pts + 2 * a, e - a, 2 * sizeof *g->pts, cmp_point);
        for (size_t k = a; k < e; k++)
            if (k == a || cmp_point(g->pts + 2 * k, g->pts + 2 * (kept - 1)) != 0) {
                g->pts[2 * kept] = g->pts[2 * k];
                g->pts[2 * kept + 1] = g->pts[2 * k + 1];
                kept++;
            }
    }
    g->start[n] = kept;
    return 0;
}

/* Nearest positive distance from point q: rings of cells outwards until the
 * best distance found is inside the rings searched. */
static double nearest(const hash_grid *g, double qx, double qy)
{
    double best = INFINITY;
    long cx = cell_of(g, qx, g->x0), cy = cell_of(g, qy, g->y0);
    for (long r = 0; r < g->G; r++) {
        for (long i = cx - r; i <= cx + r; i++)
            for (long j = cy - r; j <= cy + r; j++) {
                if (i < 0 || j < 0 || i >= g->G || j >= g->G)
                    continue;
                if (r > 0 && i != cx - r && i != cx + r && j != cy - r && j != cy + r)
                    continue; /* inside the ring: searched already */
                size_t c = (size_t)(i * g->G + j);
                for (size_t k = g->start[c]; k < g->start[c + 1]; k++) {
                    double d = hypot(g->pts[2 * k] - qx, g->pts[2 * k + 1] - qy);
                    if (d > 0 && d < best)
                        best = d;
                }
            }
        if (best <= (double)r * g->cell)
            break;
    }
    return best;
}

size_t ge_nn_query_count(size_t M, size_t max_queries)
{
    return M < max_queries ? M : max_queries;
}

void ge_nn_queries(size_t M, size_t max_queries, uint64_t seed, size_t *idx)
{
    const size_t nq = ge_nn_query_count(M, max_queries);
    ge_rng r;
    ge_rng_seed(&r, seed ^ 0x59ac1e6ULL);
    for (size_t k = 0; k < nq; k++)
        idx[k] = nq == M ? k : (size_t)ge_rng_below(&r, M);
}

int ge_nn_distances(const double *xy, size_t M, const double *q, size_t nq, double *d)
{
    for (size_t k = 0; k < nq; k++)
        d[k] = INFINITY;
    if (M == 0)
        return 0;
    hash_grid g = {0};
    int rc = -1;
    if (grid_build(&g, xy, M))
        goto done;
    size_t U = g.start[(size_t)(g.G * g.G)];
    if (U < M) { /* copies: the grid again on the distinct points' percentiles
                  * (200000 copies of one point would make its cells tiny) */
        double *u = g.pts;
        free(g.start);
        g = (hash_grid){0};
        int bad = grid_build(&g, u, U);
        free(u);
        if (bad)
            goto done;
    }
    for (size_t k = 0; k < nq; k++)
        d[k] = nearest(&g, q[2 * k], q[2 * k + 1]);
    rc = 0;
done:
    free(g.start);
    free(g.pts);
    return rc;
}

double ge_nn_median(double *d, size_t nq)
{
    size_t n = 0;
    for (size_t k = 0; k < nq; k++)
        if (isfinite(d[k]))
            d[n++] = d[k];
    if (n == 0)
        return NAN;
    qsort(d, n, sizeof *d, cmp_double);
    return n % 2 ? d[n / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
}

double ge_median_nn_distance(const double *xy, size_t M, size_t max_queries, uint64_t seed)
{
    if (M < 2)
        return NAN;
    const size_t nq = ge_nn_query_count(M, max_queries);
    size_t *idx = malloc(nq * sizeof *idx);
    double *q = malloc(nq * 2 * sizeof *q), *d = malloc(nq * sizeof *d), med = NAN;
    if (idx && q && d) {
        /* the queries: every sample, or a seeded draw of max_queries */
        ge_nn_queries(M, max_queries, seed, idx);
        for (size_t k = 0; k < nq; k++)
            q[2 * k] = xy[2 * idx[k]], q[2 * k + 1] = xy[2 * idx[k] + 1];
        if (ge_nn_distances(xy, M, q, nq, d) == 0)
            med = ge_nn_median(d, nq);
    }
    free(idx);
    free(q);
    free(d);
    return med;
}

/* v taken into [lo, lo + period). */
static double into_period(double v, double lo, double period)
{
    double r = fmod(v - lo, period);
    if (r < 0)
        r += period;
    return lo + (r < period ? r : 0.0);
}

double *ge_points_on(const ge_shape *sh, const double *xy, size_t M)
{
    const int wx = (sh->wrap & GE_WRAP_X) && sh->width > 0,
              wy = (sh->wrap & GE_WRAP_Y) && sh->height > 0;
    double *p = malloc((M ? M : 1) * 2 * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < M; i++) {
        p[2 * i] = wx ? into_period(xy[2 * i], sh->xmin, sh->width) : xy[2 * i];
        p[2 * i + 1] = wy ? into_period(xy[2 * i + 1], sh->ymin, sh->height) : xy[2 * i + 1];
    }
    return p;
}

double ge_median_nn_distance_on(const ge_shape *sh, const double *xy, size_t M,
                                size_t max_queries, uint64_t seed)
{
    if (!(sh->wrap & GE_WRAP_X) && !(sh->wrap & GE_WRAP_Y))
        return ge_median_nn_distance(xy, M, max_queries, seed);
    double *p = ge_points_on(sh, xy, M);
    if (!p)
        return NAN;
    double d = ge_median_nn_distance(p, M, max_queries, seed);
    free(p);
    return d;
}
