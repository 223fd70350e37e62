/* The model: shape checks, the parameter slab, initialisation, and the
 * embedding-gather + convolution of one block in both directions.
 * Shapes: see include/geoembed/model.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/cell.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"

int ge_shape_check(const ge_shape *s, ge_error *err)
{
    if (s->W < 1 || s->H < 1)
        return ge_fail(err, "grid size must be at least 1x1 cells, got %dx%d", s->W, s->H);
    if (s->W > GE_MAX_SIDE || s->H > GE_MAX_SIDE || (int64_t)s->W * s->H > GE_MAX_CELLS)
        return ge_fail(err, "grid of %dx%d cells is too large (at most %lld cells, %d on a side)",
                       s->W, s->H, GE_MAX_CELLS, GE_MAX_SIDE);
    if (s->N < 1 || s->N > 4096)
        return ge_fail(err, "features must be between 1 and 4096, got %d", s->N);
    if (s->O < 1 || s->O > GE_MAX_OUTPUTS)
        return ge_fail(err, "outputs must be between 1 and %d, got %d", GE_MAX_OUTPUTS, s->O);
    if (s->p0 < 0 || s->p1 < 0)
        return ge_fail(err, "padding must not be negative, got %d,%d", s->p0, s->p1);
    if (s->p0 > GE_MAX_PADDING || s->p1 > GE_MAX_PADDING)
        return ge_fail(err, "padding %d,%d is too large (at most %d: a %dx%d kernel)", s->p0, s->p1,
                       GE_MAX_PADDING, 2 * GE_MAX_PADDING + 1, 2 * GE_MAX_PADDING + 1);
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
    /* exact in a double: at most 2^38 */
    if (n > (double)GE_MAX_PARAMS || n * sizeof(double) > (double)SIZE_MAX)
        return 0;
    return (size_t)n * sizeof(double);
}

/* A model whose embedding holds emb_rows rows of H x N values. */
static int init_rows(ge_model *m, const ge_shape *s, size_t emb_rows, ge_error *err)
{
    memset(m, 0, sizeof *m);
    if (ge_shape_check(s, err))
        return -1;
    m->s = *s;
    m->KW = 2 * s->p0 + 1;
    m->KH = 2 * s->p1 + 1;
    m->cw = ge_cell_size(s->xmin, s->width, s->W);
    m->ch = ge_cell_size(s->ymin, s->height, s->H);
    m->n_emb = emb_rows * s->H * s->N;
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

int ge_model_init(ge_model *m, const ge_shape *s, ge_error *err)
{
    return init_rows(m, s, (size_t)(s->W > 0 ? s->W : 0), err);
}

int ge_model_init_part(ge_model *m, const ge_shape *s, int row0, int rows, ge_error *err)
{
    if (row0 < 0 || row0 >= s->W || rows < 0 || rows > s->W ||
        (!(s->wrap & GE_WRAP_X) && row0 + rows > s->W)) {
        memset(m, 0, sizeof *m);
        return ge_fail(err, "rows %d to %d are not a part of a grid %d cells wide", row0,
                       row0 + rows - 1, s->W);
    }
    if (init_rows(m, s, (size_t)rows + 2 * (size_t)(s->p0 > 0 ? s->p0 : 0), err))
        return -1;
    m->part = 1;
    m->row0 = row0;
    m->rows = rows;
    return 0;
}

void ge_model_free(ge_model *m)
{
    free(m->params);
    free(m->coverage);
    free(m->transform);
    free(m->noise_sd);
    free(m->field_sd);
    ge_covariates_free(&m->cov);
    free(m->coef);
    memset(m, 0, sizeof *m);
}

int ge_model_copy(ge_model *dst, const ge_model *src, ge_error *err)
{
    if (src->part ? ge_model_init_part(dst, &src->s, src->row0, src->rows, err)
                  : ge_model_init(dst, &src->s, err))
        return -1;
    memcpy(dst->params, src->params, (src->n_params + 2 * (size_t)src->s.O) * sizeof(double));
    dst->mask_distance = src->mask_distance;
    if (src->coverage) {
        size_t n = ge_model_cells(src);
        if (!(dst->coverage = malloc(n * sizeof *dst->coverage))) {
            ge_model_free(dst);
            return ge_fail(err, "out of memory");
        }
        memcpy(dst->coverage, src->coverage, n * sizeof *dst->coverage);
    }
    if (src->transform) {
        if (!(dst->transform = malloc((size_t)src->s.O))) {
            ge_model_free(dst);
            return ge_fail(err, "out of memory");
        }
        memcpy(dst->transform, src->transform, (size_t)src->s.O);
    }
    if (src->noise_sd) {
        size_t n = ge_model_cells(src) * src->s.O;
        dst->noise_sd = malloc((size_t)src->s.O * sizeof *dst->noise_sd);
        dst->field_sd = malloc(n * sizeof *dst->field_sd);
        if (!dst->noise_sd || !dst->field_sd) {
            ge_model_free(dst);
            return ge_fail(err, "out of memory");
        }
        memcpy(dst->noise_sd, src->noise_sd, (size_t)src->s.O * sizeof *dst->noise_sd);
        memcpy(dst->field_sd, src->field_sd, n * sizeof *dst->field_sd);
    }
    if (src->cov.P) {
        size_t n = (size_t)src->s.O * src->cov.ncoef;
        if (ge_covariates_copy(&dst->cov, &src->cov, err) ||
            !(dst->coef = malloc((n ? n : 1) * sizeof *dst->coef))) {
            ge_model_free(dst);
            return ge_fail(err, "out of memory");
        }
        memcpy(dst->coef, src->coef, n * sizeof *dst->coef);
    }
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

/* The hot loops below take O as a compile-time constant (dispatched by a
 * switch for O <= 4) so that the per-output accumulators live in registers:
 * the generic loops accumulate through y[] / dk[] in memory, which (y may
 * alias E or Kt) serialises every term on a store-to-load round trip. Each
 * accumulator still adds its terms in the generic loop's order, so results
 * are bit-identical. */
#define GE_DISPATCH_O(O, call)                                                                     \
    switch (O) {                                                                                   \
    case 1: call(1); return 1;                                                                     \
    case 2: call(2); return 1;                                                                     \
    case 3: call(3); return 1;                                                                     \
    case 4: call(4); return 1;                                                                     \
    default: return 0;                                                                             \
    }

/* NC consecutive interior cells (w, h..h+NC-1): y[NC][O] = b + K * block. */
static inline __attribute__((always_inline)) void
fwd_interior(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y, const int O,
             const int NC)
{
    const int N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    const size_t run = (size_t)KH * N;
    double acc[4][4];
    for (int c = 0; c < NC; c++)
        for (int o = 0; o < O; o++)
            acc[c][o] = m->b[o];
    for (int kw = 0; kw < KW; kw++) {
        const double *e = m->E + ((size_t)(w + kw - m->s.p0) * H + (size_t)(h - m->s.p1)) * N;
        const double *k = Kt + (size_t)kw * run * O;
        for (size_t j = 0; j < run; j++)
#pragma GCC unroll 4
            for (int o = 0; o < O; o++)
#pragma GCC unroll 4
                for (int c = 0; c < NC; c++)
                    acc[c][o] += k[j * O + o] * e[j + (size_t)c * N];
    }
    for (int c = 0; c < NC; c++)
        for (int o = 0; o < O; o++)
            y[c * O + o] = acc[c][o];
}

/* A block that touches the border: rows and columns resolved per tap. */
static inline __attribute__((always_inline)) void
fwd_edge(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y, const int O)
{
    const int N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    double acc[4];
    for (int o = 0; o < O; o++)
        acc[o] = m->b[o];
    for (int kw = 0; kw < KW; kw++) {
        int iw = ge_resolve(w + kw - m->s.p0, m->s.W, ge_wrap_x(m));
        for (int kh = 0; kh < KH; kh++) {
            int ih = ge_resolve(h + kh - m->s.p1, H, ge_wrap_y(m));
            const double *e = m->E + ((size_t)iw * H + ih) * N;
            const double *k = Kt + ((size_t)kw * KH + kh) * N * O;
            for (int n = 0; n < N; n++)
#pragma GCC unroll 4
                for (int o = 0; o < O; o++)
                    acc[o] += k[n * O + o] * e[n];
        }
    }
    for (int o = 0; o < O; o++)
        y[o] = acc[o];
}

static int fwd_fast(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y)
{
    if (block_interior(m, w, h)) {
#define C1(o) fwd_interior(m, Kt, w, h, y, o, 1)
        GE_DISPATCH_O(m->s.O, C1)
#undef C1
    }
#define CE(o) fwd_edge(m, Kt, w, h, y, o)
    GE_DISPATCH_O(m->s.O, CE)
#undef CE
}

int ge_block_forward4(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y)
{
    if (!block_interior(m, w, h) || !block_interior(m, w, h + 3))
        return 0;
#define C4(o) fwd_interior(m, Kt, w, h, y, o, 4)
    GE_DISPATCH_O(m->s.O, C4)
#undef C4
}

void ge_block_forward(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y)
{
    const int O = m->s.O, N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    if (fwd_fast(m, Kt, w, h, y))
        return;
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

/* NC consecutive interior cells (w, h..h+NC-1), dy[NC][O]. Per kernel column
 * the run of KH*N values is walked once: dKt terms of the NC cells are added in
 * cell order in registers, the dE terms s[c][j] are formed first and added
 * cell by cell afterwards (the runs of neighbouring cells overlap, and each dE
 * value must take its terms in cell order). */
static inline __attribute__((always_inline)) void
bwd_interior(const ge_model *m, const double *Kt, int64_t w, int64_t h, const double *dy,
             double *dE, double *dKt, double *db, const int O, const int NC)
{
    const int N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    const size_t run = (size_t)KH * N;
    double g[4][4], ds[4][256];
    for (int c = 0; c < NC; c++)
        for (int o = 0; o < O; o++) {
            g[c][o] = dy[c * O + o];
            db[o] += g[c][o];
        }
    for (int kw = 0; kw < KW; kw++) {
        const size_t ei = ((size_t)(w + kw - m->s.p0) * H + (size_t)(h - m->s.p1)) * N;
        const double *e = m->E + ei, *k = Kt + (size_t)kw * run * O;
        double *de = dE + ei, *dk = dKt + (size_t)kw * run * O;
        for (size_t j = 0; j < run; j++) {
            double s[4] = {0, 0, 0, 0};
#pragma GCC unroll 4
            for (int o = 0; o < O; o++) {
                double kk = k[j * O + o], d = dk[j * O + o];
#pragma GCC unroll 4
                for (int c = 0; c < NC; c++) {
                    s[c] += g[c][o] * kk;
                    d += g[c][o] * e[j + (size_t)c * N];
                }
                dk[j * O + o] = d;
            }
            for (int c = 0; c < NC; c++)
                ds[c][j] = s[c];
        }
        for (int c = 0; c < NC; c++)
            for (size_t j = 0; j < run; j++)
                de[(size_t)c * N + j] += ds[c][j];
    }
}

int ge_block_backward4(const ge_model *m, const double *Kt, int64_t w, int64_t h,
                       const double *dy, double *dE, double *dKt, double *db)
{
    if ((size_t)m->KH * m->s.N > 256 || !block_interior(m, w, h) || !block_interior(m, w, h + 3))
        return 0;
#define C4(o) bwd_interior(m, Kt, w, h, dy, dE, dKt, db, o, 4)
    GE_DISPATCH_O(m->s.O, C4)
#undef C4
}

static int bwd_fast(const ge_model *m, const double *Kt, int64_t w, int64_t h, const double *dy,
                    double *dE, double *dKt, double *db)
{
    if ((size_t)m->KH * m->s.N > 256 || !block_interior(m, w, h))
        return 0;
#define C1(o) bwd_interior(m, Kt, w, h, dy, dE, dKt, db, o, 1)
    GE_DISPATCH_O(m->s.O, C1)
#undef C1
}

void ge_block_backward(const ge_model *m, const double *Kt, int64_t w, int64_t h,
                       const double *dy, double *dE, double *dKt, double *db)
{
    const int O = m->s.O, N = m->s.N, H = m->s.H, KW = m->KW, KH = m->KH;
    if (bwd_fast(m, Kt, w, h, dy, dE, dKt, db))
        return;
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
