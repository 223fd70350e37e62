/* The bands of predict --grid and the part of the model each one reads
 * (see grid_band.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "display.h"
#include "grid_band.h"

void grid_band(const grid_spec *g, long *c0, long *nc) { cluster_share(g->cols, c0, nc); }

/* The rows a prediction at (x, y) in the model's CRS reads, as
 * predictor_at_z reads them. */
static void mark(const ge_model *m, double x, double y, unsigned char *need)
{
    const int W = m->s.W;
    ge_model_wrap_point(&m->s, &x, &y);
    if (!isfinite(x) || !isfinite(y)) /* always empty */
        return;
    size_t cell[4];
    double wgt[4];
    int n = ge_readout_weights(m, x, y, cell, wgt);
    for (int k = 0; k < n; k++)
        need[cell[k] / (size_t)m->s.H] = 1;
    /* the block of a cell read-out beyond a clamped edge, and the cell whose
     * distance to the samples is read: the point's column, clamped (and, on
     * a wrapped axis, the upper edge's wrapped) */
    int64_t w, h;
    ge_model_cell(m, x, y, &w, &h);
    need[w < 0 ? 0 : w >= W ? W - 1 : w] = 1;
    if (ge_wrap_x(m))
        need[(w % W + W) % W] = 1;
}

void grid_band_rows(const grid_spec *g, const ge_model *m, long c0, long nc,
                    unsigned char *need)
{
    if (nc <= 0)
        return;
    /* without a reprojection a column's places share their x: one row tells */
    const long rows = g->to_model ? g->rows : 1, step = 64;
    double *xy = malloc((size_t)step * nc * 2 * sizeof *xy);
    if (!xy) { /* every row: the whole model, as one process holds it */
        memset(need, 1, (size_t)m->s.W);
        return;
    }
    for (long r0 = 0; r0 < rows; r0 += step) {
        long nr = rows - r0 < step ? rows - r0 : step;
        grid_centres_block(g, r0, nr, c0, nc, xy);
        for (size_t i = 0; i < (size_t)nr * nc; i++)
            mark(m, xy[2 * i], xy[2 * i + 1], need);
    }
    free(xy);
}

/* Rank 0 tells the rows of the model each process holds (-v), through
 * v[2R] (zeros; collective). */
static void tell(const ge_model *m, unsigned long *v)
{
    const int R = cluster_size(), me = cluster_rank();
    v[2 * me] = (unsigned long)m->row0, v[2 * me + 1] = (unsigned long)m->rows;
    cluster_sum(v, 2 * R);
    char list[2048] = "";
    for (int r = 0; r < R; r++) {
        size_t at = strlen(list);
        long a = (long)v[2 * r], n = (long)v[2 * r + 1];
        if (n == 0)
            snprintf(list + at, sizeof list - at, "%snone", r ? ", " : "");
        else
            snprintf(list + at, sizeof list - at, "%s%ld-%ld", r ? ", " : "", a,
                     (a + n - 1) % m->s.W);
    }
    say(3, "geoembed: predict: rows of the model's %d held by %d processes: %s (the embedding "
           "%d more either side)\n",
        m->s.W, R, list, m->s.p0);
}

int grid_band_model(predictor *p, const grid_spec *g, const char *path)
{
    long c0, nc;
    int row0 = 0, rows = 0, rc = 0;
    grid_band(g, &c0, &nc);
    unsigned char *need = calloc((size_t)p->m.s.W, 1);
    unsigned long *v = calloc(2 * (size_t)cluster_size(), sizeof *v);
    if (!need || !v) {
        free(need);
        rc = runtime_error("out of memory");
    } else {
        grid_band_rows(g, &p->m, c0, nc, need);
        ge_part_cover(need, p->m.s.W, ge_wrap_x(&p->m), &row0, &rows);
        free(need);
        rc = predictor_load_part(p, path, row0, rows);
    }
    if (!(rc = cluster_agree(rc)))
        tell(&p->m, v);
    free(v);
    return rc;
}
