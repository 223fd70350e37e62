/* The model: shape checks, the parameter slab, initialisation, and the
 * embedding-gather + convolution of one block in both directions.
 * Shapes: see include/geoembed/model.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/cell.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"

int ge_shape_check(const ge_shape *s, ge_error *err)
{
    if (s->W < 1 || s->H < 1)
        return ge_fail(err, "grid size must be at least 1x1 cells, got %dx%d", s->W, s->H);
    if ((long)s->W * s->H > GE_MAX_CELLS)
        return ge_fail(err, "grid of %dx%d cells is too large (at most %ld cells)", s->W, s->H,
                       GE_MAX_CELLS);
    if (s->N < 1 || s->N > 4096)
        return ge_fail(err, "features must be between 1 and 4096, got %d", s->N);
    if (s->O < 1 || s->O > GE_MAX_OUTPUTS)
        return ge_fail(err, "outputs must be between 1 and %d, got %d", GE_MAX_OUTPUTS, s->O);
    if (s->p0 < 0 || s->p1 < 0)
        return ge_fail(err, "padding must not be negative, got %d,%d", s->p0, s->p1);
    if ((long)2 * s->p0 + 1 >= s->W || (long)2 * s->p1 + 1 >= s->H)
        return ge_fail(err,
                       "padding %d,%d needs a kernel of %ldx%ld cells, which must be smaller "
                       "than the %dx%d grid",
                       s->p0, s->p1, 2L * s->p0 + 1, 2L * s->p1 + 1, s->W, s->H);
    if (!isfinite(s->xmin) || !isfinite(s->ymin) || !isfinite(s->width) || !isfinite(s->height) ||
        !(s->width > 0) || !(s->height > 0))
        return ge_fail(err, "exterior must be finite with positive width and height");
    if (!(ge_cell_size(s->xmin, s->width, s->W) > 0) ||
        !(ge_cell_size(s->ymin, s->height, s->H) > 0))
        return ge_fail(err, "exterior is too small for %dx%d cells at its position", s->W, s->H);
    if (!isfinite(ge_cell_size(s->xmin, s->width, s->W)) ||
        !isfinite(ge_cell_size(s->ymin, s->height, s->H)))
        return ge_fail(err, "exterior is too large: its corners overflow a double");
    if (s->wrap < GE_WRAP_NONE || s->wrap > GE_WRAP_XY)
        return ge_fail(err, "unknown wrap mode %d", (int)s->wrap);
    if (s->readout != GE_READOUT_CELL && s->readout != GE_READOUT_BILINEAR)
        return ge_fail(err, "unknown read-out %d", (int)s->readout);
    if (ge_shape_param_bytes(s) == 0)
        return ge_fail(err, "model of %dx%dx%d cells with a %dx%d kernel is too large", s->W,
                       s->H, s->N, 2 * s->p0 + 1, 2 * s->p1 + 1);
    return 0;
}

size_t ge_shape_param_bytes(const ge_shape *s)
{
    double emb = (double)s->W * s->H * s->N;
    double ker = (double)s->O * s->N * (2.0 * s->p0 + 1) * (2.0 * s->p1 + 1);
    double n = emb + ker + s->O;
    if (n > GE_MAX_PARAMS)
        return 0;
    return (size_t)n * sizeof(double);
}

int ge_model_init(ge_model *m, const ge_shape *s, ge_error *err)
{
    memset(m, 0, sizeof *m);
    if (ge_shape_check(s, err))
        return -1;
    m->s = *s;
    m->KW = 2 * s->p0 + 1;
    m->KH = 2 * s->p1 + 1;
    m->cw = ge_cell_size(s->xmin, s->width, s->W);
    m->ch = ge_cell_size(s->ymin, s->height, s->H);
    m->n_emb = (size_t)s->W * s->H * s->N;
    m->n_kernel = (size_t)s->O * s->N * m->KW * m->KH;
    m->n_params = m->n_emb + m->n_kernel + (size_t)s->O;
    m->params = calloc(m->n_params + 2 * (size_t)s->O, sizeof(double));
    if (!m->params)
        return ge_fail(err, "out of memory for a model of %zu parameters", m->n_params);
    m->E = m->params;
    m->K = m->E + m->n_emb;
    m->b = m->K + m->n_kernel;
    m->y_mean = m->b + s->O;
    m->y_std = m->y_mean + s->O;
    for (int o = 0; o < s->O; o++)
        m->y_std[o] = 1.0;
    return 0;
}

void ge_model_free(ge_model *m)
{
    free(m->params);
    memset(m, 0, sizeof *m);
}

int ge_model_copy(ge_model *dst, const ge_model *src, ge_error *err)
{
    if (ge_model_init(dst, &src->s, err))
        return -1;
    memcpy(dst->params, src->params, (src->n_params + 2 * (size_t)src->s.O) * sizeof(double));
    return 0;
}

void ge_model_init_params(ge_model *m, uint64_t seed)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    double bound = 1.0 / sqrt((double)m->s.N * m->KW * m->KH);
    memset(m->E, 0, m->n_emb * sizeof(double));
    for (size_t i = 0; i < m->n_kernel; i++)
        m->K[i] = (2.0 * ge_rng_uniform(&r) - 1.0) * bound;
    for (int o = 0; o < m->s.O; o++)
        m->b[o] = (2.0 * ge_rng_uniform(&r) - 1.0) * bound;
}

void ge_model_cell(const ge_model *m, double x, double y, int64_t *w, int64_t *h)
{
    *w = ge_cell_index(x, m->s.xmin, m->cw, m->s.W, m->s.p0);
    *h = ge_cell_index(y, m->s.ymin, m->ch, m->s.H, m->s.p1);
}

void ge_gather(const ge_model *m, double x, double y, double *out)
{
    int64_t w, h;
    int N = m->s.N;
    ge_model_cell(m, x, y, &w, &h);
    for (int kw = 0; kw < m->KW; kw++)
        for (int kh = 0; kh < m->KH; kh++) {
            int iw = ge_resolve(w + kw - m->s.p0, m->s.W, ge_wrap_x(m));
            int ih = ge_resolve(h + kh - m->s.p1, m->s.H, ge_wrap_y(m));
            memcpy(out + ((size_t)kw * m->KH + kh) * N, m->E + ((size_t)iw * m->s.H + ih) * N,
                   (size_t)N * sizeof(double));
        }
}

void ge_kernel_transpose(const ge_model *m, double *Kt)
{
    int O = m->s.O, N = m->s.N, KW = m->KW, KH = m->KH;
    for (int o = 0; o < O; o++)
        for (int n = 0; n < N; n++)
            for (int kw = 0; kw < KW; kw++)
                for (int kh = 0; kh < KH; kh++)
                    Kt[(((size_t)kw * KH + kh) * N + n) * O + o] =
                        m->K[(((size_t)o * N + n) * KW + kw) * KH + kh];
}

/* A block lies wholly inside the grid: rows and columns need no resolving, and
 * each kernel column is one contiguous run of KH*N embedding values. */
static int block_interior(const ge_model *m, int64_t w, int64_t h)
{
    return w - m->s.p0 >= 0 && w + m->s.p0 < m->s.W && h - m->s.p1 >= 0 &&
           h + m->s.p1 < m->s.H;
}

void ge_block_forward(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y)
{
    const int O = m->s.O, N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    for (int o = 0; o < O; o++)
        y[o] = m->b[o];
    if (block_interior(m, w, h)) {
        const size_t run = (size_t)KH * N;
        for (int kw = 0; kw < KW; kw++) {
            const double *e = m->E + ((size_t)(w + kw - m->s.p0) * H + (h - m->s.p1)) * N;
            const double *k = Kt + (size_t)kw * run * O;
            for (size_t j = 0; j < run; j++)
                for (int o = 0; o < O; o++)
                    y[o] += k[j * O + o] * e[j];
        }
        return;
    }
    for (int kw = 0; kw < KW; kw++) {
        int iw = ge_resolve(w + kw - m->s.p0, m->s.W, ge_wrap_x(m));
        for (int kh = 0; kh < KH; kh++) {
            int ih = ge_resolve(h + kh - m->s.p1, H, ge_wrap_y(m));
            const double *e = m->E + ((size_t)iw * H + ih) * N;
            const double *k = Kt + ((size_t)kw * KH + kh) * N * O;
            for (int n = 0; n < N; n++)
                for (int o = 0; o < O; o++)
                    y[o] += k[n * O + o] * e[n];
        }
    }
}

/* One kernel position: dE[n] += sum_o dy[o] K[n][o]; dK[n][o] += dy[o] e[n]. */
static void tap_backward(int N, int O, const double *e, const double *k, const double *dy,
                         double *de, double *dk)
{
    for (int n = 0; n < N; n++) {
        double s = 0;
        for (int o = 0; o < O; o++) {
            s += dy[o] * k[n * O + o];
            dk[n * O + o] += dy[o] * e[n];
        }
        de[n] += s;
    }
}

void ge_block_backward(const ge_model *m, const double *Kt, int64_t w, int64_t h,
                       const double *dy, double *dE, double *dKt, double *db)
{
    const int O = m->s.O, N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    for (int o = 0; o < O; o++)
        db[o] += dy[o];
    int interior = block_interior(m, w, h);
    for (int kw = 0; kw < KW; kw++) {
        int iw = interior ? (int)(w + kw - m->s.p0) : ge_resolve(w + kw - m->s.p0, m->s.W, ge_wrap_x(m));
        for (int kh = 0; kh < KH; kh++) {
            int ih = interior ? (int)(h + kh - m->s.p1) : ge_resolve(h + kh - m->s.p1, H, ge_wrap_y(m));
            size_t ei = ((size_t)iw * H + ih) * N, ki = ((size_t)kw * KH + kh) * N * O;
            tap_backward(N, O, m->E + ei, Kt + ki, dy, dE + ei, dKt + ki);
        }
    }
}
