/* The field F[W][H][O] (the convolution at every cell) and the two read-outs
 * that turn it into predictions at points. */
#include <math.h>
#include <stdint.h>

#include "geoembed/model.h"

static double wrap_into(double v, double lo, double size)
{
    if (!(v < lo || v > lo + size) || !isfinite(v))
        return v;
    double t = fmod(v - lo, size);
    if (t < 0)
        t += size;
    return lo + t;
}

void ge_model_wrap_point(const ge_shape *s, double *x, double *y)
{
    if (s->wrap & GE_WRAP_X)
        *x = wrap_into(*x, s->xmin, s->width);
    if (s->wrap & GE_WRAP_Y)
        *y = wrap_into(*y, s->ymin, s->height);
}

void ge_field(const ge_model *m, const double *Kt, double *F)
{
    /* a part: its rows are the columns p0.. of its embedding's own view,
     * whose blocks read the same values in the same order */
    const ge_model slab = m->part ? ge_part_slab(m) : *m;
    const int W = m->part ? m->rows : m->s.W, H = m->s.H, O = m->s.O;
    const int w0 = m->part ? m->s.p0 : 0;
    const int big = (double)W * H * m->n_kernel > GE_PARALLEL_WORK;
#pragma omp parallel for schedule(static) if (big)
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++) {
            double *y = F + ((size_t)w * H + h) * O;
            if (h + 3 < H && ge_block_forward4(&slab, Kt, w0 + w, h, y))
                h += 3;
            else
                ge_block_forward(&slab, Kt, w0 + w, h, y);
        }
}

/* Bilinear corners along one axis: cell-centre coordinate f (in cells, centres
 * at integers), resolved by wrapping or clamping. */
static void corners(double f, int base, int wrap, int *i0, int *i1, double *t)
{
    if (wrap) {
        f = fmod(f, (double)base);
        if (f < 0)
            f += base;
    } else {
        if (f < 0)
            f = 0;
        if (f > base - 1)
            f = base - 1;
    }
    double fl = floor(f);
    *t = f - fl;
    *i0 = (int)fl;
    if (*i0 >= base) /* f rounded up to base by the wrap */
        *i0 -= base;
    *i1 = *i0 + 1;
    if (*i1 >= base)
        *i1 = wrap ? 0 : base - 1;
}

int ge_readout_weights(const ge_model *m, double x, double y, size_t cell[4], double wgt[4])
{
    const int W = m->s.W, H = m->s.H;
    if (m->s.readout == GE_READOUT_CELL) {
        int64_t w, h;
        ge_model_cell(m, x, y, &w, &h);
        /* On a wrapped axis the upper edge gathers the same block as cell 0. */
        if (w == W && ge_wrap_x(m))
            w = 0;
        if (h == H && ge_wrap_y(m))
            h = 0;
        if (w < 0 || w >= W || h < 0 || h >= H)
            return 0;
        cell[0] = (size_t)w * H + (size_t)h;
        wgt[0] = 1.0;
        return 1;
    }
    int w0, w1, h0, h1;
    double tx, ty;
    corners((x - m->s.xmin) / m->cw - 0.5, W, ge_wrap_x(m), &w0, &w1, &tx);
    corners((y - m->s.ymin) / m->ch - 0.5, H, ge_wrap_y(m), &h0, &h1, &ty);
    cell[0] = (size_t)w0 * H + h0;
    cell[1] = (size_t)w1 * H + h0;
    cell[2] = (size_t)w0 * H + h1;
    cell[3] = (size_t)w1 * H + h1;
    wgt[0] = (1 - tx) * (1 - ty);
    wgt[1] = tx * (1 - ty);
    wgt[2] = (1 - tx) * ty;
    wgt[3] = tx * ty;
    return 4;
}

/* The read-out cells of a part in its own arrays: 0 when it holds them all. */
static int held(const ge_model *m, size_t *cell, int n)
{
    for (int k = 0; k < n; k++)
        if ((cell[k] = ge_part_cell(m, cell[k])) == SIZE_MAX)
            return -1;
    return 0;
}

int ge_predict_sd(const ge_model *m, double x, double y, double *sd)
{
    const size_t ncell = ge_model_cells(m);
    size_t cell[4];
    double w[4];
    if (!m->noise_sd)
        return -1;
    int n = ge_readout_weights(m, x, y, cell, w);
    if (n == 1)
        w[0] = 1;
    if (held(m, cell, n)) { /* a part asked outside its rows */
        for (int o = 0; o < m->s.O; o++)
            sd[o] = NAN;
        return 0;
    }
    for (int o = 0; o < m->s.O; o++) {
        double f = 0; /* the field's spread read out as the value is */
        for (int k = 0; k < n; k++)
            f += w[k] * m->field_sd[o * ncell + cell[k]];
        sd[o] = n ? m->y_std[o] * f : NAN;
    }
    return 0;
}

void ge_predict_point(const ge_model *m, const double *Kt, const double *F, double x, double y,
                      double *out)
{
    ge_predict_point_z(m, Kt, F, x, y, NULL, out);
}

void ge_predict_point_z(const ge_model *m, const double *Kt, const double *F, double x, double y,
                        const double *z, double *out)
{
    const int O = m->s.O;
    size_t cell[4];
    double wgt[4], raw[GE_MAX_OUTPUTS];
    int n = ge_readout_weights(m, x, y, cell, wgt);
    if (held(m, cell, n)) { /* a part asked outside its rows */
        for (int o = 0; o < O; o++)
            out[o] = NAN;
        return;
    }
    if (n == 0) {
        int64_t w, h;
        ge_model_cell(m, x, y, &w, &h);
        if (m->part) {
            const int64_t W = m->s.W; /* the column the block is centred on */
            int64_t wc = ge_wrap_x(m) ? (w % W + W) % W : w < 0 ? 0 : w >= W ? W - 1 : w;
            if (ge_part_cell(m, (size_t)wc * m->s.H) == SIZE_MAX) {
                for (int o = 0; o < O; o++)
                    out[o] = NAN;
                return;
            }
            const ge_model slab = ge_part_slab(m);
            ge_block_forward(&slab, Kt, ge_part_slab_w(m, w), h, raw);
        } else {
            ge_block_forward(m, Kt, w, h, raw);
        }
    } else if (n == 1) {
        for (int o = 0; o < O; o++)
            raw[o] = F[cell[0] * O + o];
    } else {
        for (int o = 0; o < O; o++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += wgt[k] * F[cell[k] * O + o];
            raw[o] = s;
        }
    }
    const int nz = m->cov.ncoef;
    for (int o = 0; z && o < O; o++)
        for (int k = 0; k < nz; k++)
            raw[o] += m->coef[o * nz + k] * z[k];
    for (int o = 0; o < O; o++)
        out[o] = ge_untransform(m, o, m->y_mean[o] + m->y_std[o] * raw[o]);
}
