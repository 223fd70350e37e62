/* Median nearest-neighbour distance through a uniform hash grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/rng.h"
#include "geoembed/spacing.h"

typedef struct {
    double x0, y0, cell;
    long G;
    size_t *start, *idx; /* counting-sorted points per cell */
} hash_grid;

static long cell_of(const hash_grid *g, double v, double v0)
{
    long c = (long)floor((v - v0) / g->cell);
    return c < 0 ? 0 : (c >= g->G ? g->G - 1 : c);
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

/* The grid spans the 1st to 99th percentile of each coordinate: a few far
 * outliers must not squeeze every other point into one cell. Points outside
 * are clamped into the edge cells, which keeps the ring search exact (the
 * distance to a clamped point is at least that to its cell). */
static int grid_build(hash_grid *g, const double *xy, size_t M)
{
    double b[4];
    double *v = malloc(M * sizeof *v);
    if (!v)
        return -1;
    for (int axis = 0; axis < 2; axis++) {
        for (size_t i = 0; i < M; i++)
            v[i] = xy[2 * i + axis];
        qsort(v, M, sizeof *v, cmp_double);
        b[axis] = v[M / 100];
        b[axis + 2] = v[M - 1 - M / 100];
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
    g->idx = malloc(M * sizeof *g->idx);
    if (!g->start || !g->idx)
        return -1;
    for (size_t i = 0; i < M; i++)
        g->start[cell_of(g, xy[2 * i], g->x0) * g->G + cell_of(g, xy[2 * i + 1], g->y0) + 1]++;
    for (size_t c = 0; c < n; c++)
        g->start[c + 1] += g->start[c];
    size_t *fill = malloc(n * sizeof *fill);
    if (!fill)
        return -1;
    for (size_t c = 0; c < n; c++)
        fill[c] = g->start[c];
    for (size_t i = 0; i < M; i++)
        g->idx[fill[cell_of(g, xy[2 * i], g->x0) * g->G + cell_of(g, xy[2 * i + 1], g->y0)]++] = i;
    free(fill);
    return 0;
}

/* Nearest positive distance from point q: rings of cells outwards until the
 * best distance found is inside the rings searched. */
static double nearest(const hash_grid *g, const double *xy, double qx, double qy)
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
                    size_t p = g->idx[k];
                    double d = hypot(xy[2 * p] - qx, xy[2 * p + 1] - qy);
                    if (d > 0 && d < best)
                        best = d;
                }
            }
        if (best <= (double)r * g->cell)
            break;
    }
    return best;
}

double ge_median_nn_distance(const double *xy, size_t M, size_t max_queries, uint64_t seed)
{
    if (M < 2)
        return NAN;
    hash_grid g = {0};
    size_t nq = M < max_queries ? M : max_queries;
    double *d = malloc(nq * sizeof *d), *u = malloc(M * 2 * sizeof *u), med = NAN;
    double *q = malloc(nq * 2 * sizeof *q);
    size_t U = 0;
    if (!d || !u || !q)
        goto done;
    /* The queries as before (the same seeded draw), then the search over distinct
     * points only: a copy is at distance 0, never a neighbour, and 200000 copies of
     * one point would otherwise be scanned by every query. */
    ge_rng r;
    ge_rng_seed(&r, seed ^ 0x59ac1e6ULL);
    for (size_t k = 0; k < nq; k++) {
        size_t i = nq == M ? k : (size_t)ge_rng_below(&r, M);
        q[2 * k] = xy[2 * i];
        q[2 * k + 1] = xy[2 * i + 1];
    }
    memcpy(u, xy, M * 2 * sizeof *u);
    qsort(u, M, 2 * sizeof *u, cmp_point);
    for (size_t i = 0; i < M; i++)
        if (U == 0 || cmp_point(u + 2 * i, u + 2 * (U - 1)) != 0) {
            u[2 * U] = u[2 * i];
            u[2 * U + 1] = u[2 * i + 1];
            U++;
        }
    if (U < 2 || grid_build(&g, u, U))
        goto done;
    size_t n = 0;
    for (size_t k = 0; k < nq; k++) {
        double v = nearest(&g, u, q[2 * k], q[2 * k + 1]);
        if (isfinite(v))
            d[n++] = v;
    }
    if (n) {
        qsort(d, n, sizeof *d, cmp_double);
        med = n % 2 ? d[n / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
    }
done:
    free(d);
    free(u);
    free(q);
    free(g.start);
    free(g.idx);
    return med;
}
