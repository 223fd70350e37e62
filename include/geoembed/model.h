/* The geoembed model: a learned embedding on a grid of cells, read through a
 * small convolution (torch_geopooling's Embedding2d followed by Conv2d), in
 * float64.
 *
 * Shape legend, used in every comment of the model code:
 *   W, H     grid cells along x and along y
 *   N        features per cell
 *   p0, p1   padding; the kernel is KW = 2*p0+1 by KH = 2*p1+1 cells
 *   O        outputs (targets) per point
 *   M        samples
 *
 * Parameters live in one slab, in this order:
 *   E[W][H][N]          embedding
 *   K[O][N][KW][KH]     convolution weight (torch layout)
 *   b[O]                convolution bias
 *
 * The field F[W][H][O] is the convolution evaluated at every cell: the value
 * the reference gives to any point inside that cell. Every prediction is a
 * function of F alone (cell read-out: F of the point's cell; bilinear
 * read-out: F blended between the four surrounding cell centres). */
#ifndef GEOEMBED_MODEL_H
#define GEOEMBED_MODEL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "geoembed/covariates.h"
#include "geoembed/error.h"

typedef enum {
    GE_WRAP_NONE = 0, /* clamp both axes (reference reflection=False) */
    GE_WRAP_X = 1,    /* wrap x, clamp y: a global lon/lat grid */
    GE_WRAP_Y = 2,    /* wrap y, clamp x */
    GE_WRAP_XY = 3,   /* wrap both (reference reflection=True) */
} ge_wrap;

typedef enum {
    GE_READOUT_CELL = 0,     /* the reference: F of the point's cell */
    GE_READOUT_BILINEAR = 1, /* F blended between cell centres */
} ge_readout;

/* What the model file format allows: bounds that keep every size computation
 * in 64-bit integers (and exact in a double) and refuse absurd or damaged
 * shapes. They are not what one process can hold: a whole model is refused
 * against the memory available (memory.h) when it is loaded or fit, and a
 * distributed fit or predict --grid under mpirun holds only its part.
 *   W*H   at most 2^32 cells (a global grid of 40000 x 20000 is 8e8), each
 *         side at most 2^30 cells (so that W + W and the like fit an int);
 *   E+K+b at most 2^38 parameters (2 TiB of float64). */
#define GE_MAX_CELLS 4294967296LL /* W*H */
#define GE_MAX_SIDE (1 << 30)     /* W, H */
#define GE_MAX_PARAMS 274877906944LL
#define GE_MAX_OUTPUTS 256
/* Kernel reach in cells: a kernel of at most 129 x 129 (the reference's cases
 * use 7; a 2001 x 2001 kernel only exhausts time and memory). */
#define GE_MAX_PADDING 64
/* Multiply-adds below which a loop runs on one thread. Waking threads costs more,
 * and on a busy machine spinning threads wait for each other: with 2e5, a 1000-sample
 * fit went from 1 s to 28 s while another process used one of two cores. */
#define GE_PARALLEL_WORK 2e6

typedef struct {
    int W, H, N;
    int p0, p1;
    int O;
    double xmin, ymin, width, height; /* the exterior rectangle */
    ge_wrap wrap;
    ge_readout readout;
} ge_shape;

typedef struct {
    ge_shape s;
    int KW, KH;
    double cw, ch; /* cell size, rounded as the reference rounds it */
    size_t n_emb, n_kernel, n_params;
    double *params; /* slab: E | K | b */
    double *E, *K, *b;
    double *y_mean, *y_std; /* target standardisation [O]: y = mean + std * out */
    /* Where the data is: the distance from each cell centre to the nearest
     * training sample [W*H] (NULL: unknown, a model file from before it was
     * kept), and the distance past which predictions are left empty unless
     * asked otherwise (0: none). */
    float *coverage;
    double mask_distance;
    /* What each target was fit as [O] (GE_TRANSFORM_*): predictions are
     * mapped back to the target's units. NULL: every target as it is. */
    unsigned char *transform;
    /* The posterior spread of an exact fit (NULL when not known): the
     * noise's standard deviation of each target [O] (what a new measurement
     * adds) and the field's posterior standard deviation [O][W*H], both in
     * the fitted (standardised) units. */
    double *noise_sd;
    float *field_sd;
    /* Covariates and their coefficients [O][ncoef] in the fitted units
     * (covariates.h); cov.P == 0: none. */
    ge_covariates cov;
    double *coef;
    /* A part of the model (predict --grid in strips, model_part.h), or 0
     * for the whole: the per-cell arrays (coverage, field_sd, and the field
     * of ge_field) hold only the cells of rows w = row0 .. row0 + rows - 1
     * (modulo W along a wrapped x axis), [rows][H] each, and E only the rows
     * their kernel blocks read: its row k is the model's row row0 - p0 + k
     * (wrapped, or clamped to the grid), k < rows + 2 p0 (ge_part_slab). */
    int part, row0, rows;
} ge_model;

enum { GE_TRANSFORM_NONE = 0, GE_TRANSFORM_LOG = 1 };

/* A prediction in the fitted units (after the standardisation) back in the
 * target's: exp for a log-fitted target. */
static inline double ge_untransform(const ge_model *m, int o, double v)
{
    return m->transform && m->transform[o] == GE_TRANSFORM_LOG ? exp(v) : v;
}

/* 0 when the shape is usable, else -1 and why (sizes, padding, exterior). */
int ge_shape_check(const ge_shape *s, ge_error *err);
/* Bytes the parameter slab of this shape needs (0 when absurd). */
size_t ge_shape_param_bytes(const ge_shape *s);

/* Allocates a model of this shape, parameters zero, no standardisation. */
int ge_model_init(ge_model *m, const ge_shape *s, ge_error *err);
void ge_model_free(ge_model *m);
int ge_model_copy(ge_model *dst, const ge_model *src, ge_error *err);

/* Allocates a part of a model of shape s (the member part above): the
 * cells of rows row0 .. row0 + rows - 1 (0 <= row0 < W, 0 <= rows <= W;
 * within the grid on a clamped x axis), parameters zero. */
int ge_model_init_part(ge_model *m, const ge_shape *s, int row0, int rows, ge_error *err);

/* Cells the per-cell arrays hold: W*H, or a part's rows*H. */
static inline size_t ge_model_cells(const ge_model *m)
{
    return (size_t)(m->part ? m->rows : m->s.W) * (size_t)m->s.H;
}

/* Which of its rows a part of rows row0 .. row0 + rows - 1 of a grid of
 * shape s holds grid row w as: k in [0, rows), or -1 when it does not. */
static inline long ge_part_row(const ge_shape *s, int row0, int rows, long w)
{
    long k = w - row0;
    if (k < 0 && (s->wrap & GE_WRAP_X))
        k += s->W;
    return k >= 0 && k < rows ? k : -1;
}

/* Where grid cell w*H+h lies in the per-cell arrays: itself in the whole
 * model; in a part, SIZE_MAX when the part does not hold its row. */
static inline size_t ge_part_cell(const ge_model *m, size_t cell)
{
    if (!m->part)
        return cell;
    const size_t H = (size_t)m->s.H;
    long k = ge_part_row(&m->s, m->row0, m->rows, (long)(cell / H));
    return k >= 0 ? (size_t)k * H + cell % H : SIZE_MAX;
}

/* A part's embedding as a model of its own, for the block functions: rows +
 * 2 p0 cells along x, clamped there, sharing the part's arrays (nothing is
 * allocated). A block of grid column w is the view's block of column
 * ge_part_slab_w(m, w) (any raw w whose clamped column the part holds). */
ge_model ge_part_slab(const ge_model *m);
int64_t ge_part_slab_w(const ge_model *m, int64_t w);
/* The smallest part that holds every row marked in need[W] (nonzero), as
 * (*row0, *rows): across the seam along a wrapped x axis when that is
 * shorter. No row marked: (0, 0). */
void ge_part_cover(const unsigned char *need, int W, int wrap, int *row0, int *rows);

/* Upstream initialisation: E zero, K and b uniform in +-1/sqrt(N*KW*KH) from
 * the seeded generator of rng.h. */
void ge_model_init_params(ge_model *m, uint64_t seed);

static inline int ge_wrap_x(const ge_model *m) { return (m->s.wrap & GE_WRAP_X) != 0; }
static inline int ge_wrap_y(const ge_model *m) { return (m->s.wrap & GE_WRAP_Y) != 0; }

/* Moves x (and y) by whole periods into the exterior along a wrapped axis:
 * every representation of the same place (longitude 200 and -160 on a
 * 360-degree exterior) then reads the same value. Clamped axes are left. */
void ge_model_wrap_point(const ge_shape *s, double *x, double *y);

/* Computes m->coverage from the training samples xy[M][2] (coverage.c). */
int ge_model_coverage(ge_model *m, const double *xy, size_t M, ge_error *err);

/* The coverage's computation over some rows of the grid, for a process that
 * holds a part of it (src/petsc/dcoverage.c) as for the whole: rows g0 ..
 * g0 + n - 1 held ([n][H] each: the nearest sample found so far, its place,
 * its distance), of which w0 .. w1 - 1 are swept and the others ghosts that
 * the caller fills from the neighbouring parts (held as g0 = w0 - 1 and n =
 * w1 - w0 + 2, the row before w0 = 0 being W - 1 on a wrapped axis). The
 * whole grid is g0 = w0 = 0, n = w1 = W. */
typedef struct {
    const ge_model *m;
    int g0, n, w0, w1;
    long *near;
    double (*at)[2];
    double *d;
} ge_coverage_rows;
int ge_coverage_rows_init(ge_coverage_rows *c, const ge_model *m, int g0, int n, int w0, int w1,
                          ge_error *err);
void ge_coverage_rows_free(ge_coverage_rows *c);
/* Each sample (numbered ids[i] in the whole data, NULL: i) seeds the cells
 * around it: the swept ones here, the others through away (NULL: left),
 * to be merged where they are swept. */
typedef void (*ge_coverage_away)(void *ctx, int w, int h, long id, const double p[2], double e);
void ge_coverage_rows_seed(ge_coverage_rows *c, const double *xy, const size_t *ids, size_t M,
                           ge_coverage_away away, void *ctx);
/* A seed of cell (w, h) from elsewhere: sample id at p, e away. */
void ge_coverage_rows_merge(ge_coverage_rows *c, int w, int h, long id, const double p[2],
                            double e);
/* One sweep of the swept rows (dir +1 or -1); the changes. */
size_t ge_coverage_rows_sweep(ge_coverage_rows *c, int dir);
/* The swept rows' distances as m->coverage ([w1 - w0][H]). */
int ge_coverage_rows_store(const ge_coverage_rows *c, ge_model *m, ge_error *err);
/* Distance from (x, y) to the nearest training sample as the coverage knows
 * it: through the centre of the point's cell (within half a cell diagonal of
 * the truth), beyond a clamped edge through the edge cell's centre (an upper
 * bound); 0 without coverage. */
double ge_model_distance(const ge_model *m, double x, double y);

/* Raw cell indices of a point (see cell.h); may be outside [0,W) x [0,H). */
void ge_model_cell(const ge_model *m, double x, double y, int64_t *w, int64_t *h);

/* The gathered block of a point: out[KW][KH][N], copies of embedding values. */
void ge_gather(const ge_model *m, double x, double y, double *out);

/* Kernel in the layout the hot loops want: Kt[KW][KH][N][O]. */
void ge_kernel_transpose(const ge_model *m, double *Kt);

/* The convolution at the block of raw cell (w, h): y[O] = b + sum K * E-block. */
void ge_block_forward(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y);

/* Forward of the four cells (w, h..h+3) into y[4][O], bit for bit as four
 * ge_block_forward calls, when all four blocks are interior and O <= 4;
 * returns 0 (nothing done) otherwise. */
int ge_block_forward4(const ge_model *m, const double *Kt, int64_t w, int64_t h, double *y);

/* Backward of ge_block_forward for output gradient dy[O]; accumulates (+=) into
 * dE[W][H][N], dKt[KW][KH][N][O] and db[O]. */
void ge_block_backward(const ge_model *m, const double *Kt, int64_t w, int64_t h,
                       const double *dy, double *dE, double *dKt, double *db);

/* Backward of the four cells (w, h..h+3) for dy[4][O], bit for bit as four
 * ge_block_backward calls in that order, when all four blocks are interior,
 * O <= 4 and KH*N <= 256; returns 0 (nothing done) otherwise. */
int ge_block_backward4(const ge_model *m, const double *Kt, int64_t w, int64_t h,
                       const double *dy, double *dE, double *dKt, double *db);

/* The field F[W][H][O] over the whole grid (threads: OpenMP, deterministic);
 * of a part, over its rows: F[rows][H][O], the same values. */
void ge_field(const ge_model *m, const double *Kt, double *F);

/* Read-out weights of a point: up to 4 (cell, weight) pairs with cell = w*H+h,
 * or, for the cell read-out of a point whose block is not a grid cell (the
 * upper edge under clamping, or outside the exterior), returns 0 and the
 * caller evaluates ge_block_forward at the raw cell. Returns the pair count. */
int ge_readout_weights(const ge_model *m, double x, double y, size_t cell[4], double wgt[4]);

/* Predictions out[O] (de-standardised) at one point, given the field F. */
/* The posterior standard deviation of the field at (x, y) of each target,
 * sd[O], in the fitted units (the log of a log-fitted target): the spread of
 * field_sd read out as the value is. -1 when the model does not know it. */
int ge_predict_sd(const ge_model *m, double x, double y, double *sd);
/* ge_predict_point for a model with covariates: z the place's design row
 * (covariates.h), NULL for a model without. */
void ge_predict_point_z(const ge_model *m, const double *Kt, const double *F, double x, double y,
                        const double *z, double *out);
void ge_predict_point(const ge_model *m, const double *Kt, const double *F,
                      double x, double y, double *out);

#endif
