/* Marching squares (see plot_contour.h). Corners are numbered 0 (i, j),
 * 1 (i+1, j), 2 (i+1, j+1), 3 (i, j+1); edge k joins corner k and k+1. A
 * saddle (opposite corners on the same side) is resolved by the mean of the
 * four corners, the bilinear surface's value at the centre. */
#include <math.h>

#include "plot_contour.h"

/* For each of the 16 cases (bit k: corner k above), the edges joined, in
 * pairs; -1 ends. Cases 5 and 10 are the saddles (centre below). */
static const signed char edges[16][5] = {
    {-1},         {3, 0, -1},   {0, 1, -1}, {3, 1, -1},   {1, 2, -1},   {3, 0, 1, 2, -1},
    {0, 2, -1},   {3, 2, -1},   {2, 3, -1}, {0, 2, -1},   {0, 1, 2, 3, -1}, {1, 2, -1},
    {1, 3, -1},   {0, 1, -1},   {3, 0, -1}, {-1},
};

static void crossing(const double c[4], const double cx[4], const double cy[4], int e,
                     double level, double *x, double *y)
{
    int a = e, b = (e + 1) % 4;
    double t = (level - c[a]) / (c[b] - c[a]);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    *x = cx[a] + t * (cx[b] - cx[a]);
    *y = cy[a] + t * (cy[b] - cy[a]);
}

long plot_contour(const double *v, int nx, int ny, double level, plot_segment_fn seg, void *ctx)
{
    long pieces = 0;
    for (int j = 0; j + 1 < ny; j++)
        for (int i = 0; i + 1 < nx; i++) {
            const double c[4] = {v[(long)j * nx + i], v[(long)j * nx + i + 1],
                                 v[(long)(j + 1) * nx + i + 1], v[(long)(j + 1) * nx + i]};
            const double cx[4] = {i, i + 1, i + 1, i}, cy[4] = {j, j, j + 1, j + 1};
            if (isnan(c[0]) || isnan(c[1]) || isnan(c[2]) || isnan(c[3]))
                continue;
            int k = 0;
            for (int q = 0; q < 4; q++)
                k |= (c[q] >= level) << q;
            const signed char *e = edges[k];
            if ((k == 5 || k == 10) && (c[0] + c[1] + c[2] + c[3]) / 4 >= level)
                e = edges[k == 5 ? 10 : 5]; /* centre above: the other pairing */
            for (; e[0] >= 0; e += 2) {
                double x0, y0, x1, y1;
                crossing(c, cx, cy, e[0], level, &x0, &y0);
                crossing(c, cx, cy, e[1], level, &x1, &y1);
                seg(ctx, x0, y0, x1, y1);
                pieces++;
            }
        }
    return pieces;
}
