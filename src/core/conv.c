/* The convolution engine of training (conv.h): planar padded copies, the
 * threading, and the fold of the halo; the inner loops are conv_impl.h's,
 * compiled per vector unit. */
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "conv_kernels.h"
#include "geoembed/cell.h"
#include "geoembed/conv.h"
#include "isa_pick.h"

/* Every loop of a step splits its rows in contiguous equal parts (schedule
 * static, or team_rows), the same rows to the same thread in each loop, so
 * that a thread finds in its own core's caches the rows it wrote in the loop
 * before: handed out in chunks as threads asked, the rows changed cores
 * between loops, and 2 threads spent about 24% more CPU than 1; in chunks of
 * 12 rows split statically, the first thread had 144 rows of 270 (bench/
 * RESULTS.md). A tile's sums do not depend on the rows beside it
 * (conv_impl.h), so no value depends on the split. Where other processes
 * hold the cores the trainer runs the step on the free ones (train.c). */

/* This thread's part of n rows: an even split over its team. */
static void team_rows(int n, int *r0, int *r1)
{
    int k = 0, T = 1;
#ifdef _OPENMP
    k = omp_get_thread_num();
    T = omp_get_num_threads();
#endif
    *r0 = (int)((long)n * k / T);
    *r1 = (int)((long)n * (k + 1) / T);
}

struct ge_conv {
    const ge_conv_kernels *k;
    ge_isa isa;
    int W, H, N, O, KW, KH;
    int fcols;   /* columns of the field planes: H rounded up to the tile width */
    int xcols;   /* columns of the padded embedding gradient: H+KH-1 rounded up */
    int wcols;   /* columns the kernel gradient sums over: H+KH-1 rounded up to a vector */
    int rb, nb;  /* the kernel gradient is summed per block of rb rows, nb blocks */
    size_t es, gs;         /* row strides of Ep and Gp */
    size_t lp;             /* columns of Gp before its halo: its data starts on a 64-byte line */
    size_t ep, fp, gp, xp; /* plane sizes of Ep, Fp, Gp, X */
    double *Ep; /* [N][W+KW-1][es] padded embedding */
    double *Fp; /* [O][W][fcols] field */
    double *Gp; /* [O][W+2KW-2][gs] field gradient from column lp, zero outside the grid */
    double *X;  /* [N][W+KW-1][xcols] gradient of the padded embedding */
    double *Kf; /* [N][O][KW][KH] flipped kernel */
    double *part; /* [nb][O][N][KW][KH] kernel gradient per row block */
    int *ri, *rj; /* grid row / column each padded row / column copies */
    /* The padded rows that copy grid row w: row_src[row_at[w] .. row_at[w+1]),
     * ascending; the same for columns. */
    int *row_at, *row_src, *col_at, *col_src;
};

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static const ge_conv_kernels *kernels_of(ge_isa isa)
{
    return GE_ISA_PICK(isa, ge_conv_generic, ge_conv_avx2, ge_conv_avx512);
}

/* Layout of a workspace (no allocation): what ge_conv_new and ge_conv_bytes share. */
static void layout(ge_conv *c, const ge_shape *s, const ge_conv_kernels *k)
{
    c->k = k;
    c->W = s->W, c->H = s->H, c->N = s->N, c->O = s->O;
    c->KW = 2 * s->p0 + 1, c->KH = 2 * s->p1 + 1;
    c->fcols = (int)round_up((size_t)c->H, (size_t)k->cols);
    c->xcols = (int)round_up((size_t)c->H + c->KH - 1, (size_t)k->cols);
    c->wcols = (int)round_up((size_t)c->H + c->KH - 1, (size_t)k->lanes);
    c->rb = c->W / 64 > 4 ? (c->W + 63) / 64 : 4;
    c->nb = (c->W + c->rb - 1) / c->rb;
    c->es = round_up((size_t)c->fcols + c->KH - 1, 8); /* >= wcols */
    c->lp = (8 - (size_t)(c->KH - 1) % 8) % 8;
    c->gs = round_up(c->lp + (size_t)c->xcols + c->KH - 1, 8);
    c->ep = (size_t)(c->W + c->KW - 1) * c->es;
    c->fp = (size_t)c->W * c->fcols;
    c->gp = (size_t)(c->W + 2 * c->KW - 2) * c->gs;
    c->xp = (size_t)(c->W + c->KW - 1) * c->xcols;
}

static size_t part_size(const ge_conv *c)
{
    return (size_t)c->O * c->N * c->KW * c->KH;
}

double ge_conv_bytes(const ge_shape *s)
{
    ge_conv c;
    layout(&c, s, &ge_conv_generic);
    return 8.0 * ((double)c.N * c.ep + (double)c.O * c.fp + (double)c.O * c.gp +
                  (double)c.N * c.xp + (double)c.nb * part_size(&c) +
                  (double)c.N * c.O * c.KW * c.KH);
}

/* n doubles, zero, each row of the planes (strides are multiples of 8) on a
 * 64-byte line: aligned vector loads never straddle two lines. */
static double *zalloc(size_t n)
{
    size_t bytes = round_up((n ? n : 1) * sizeof(double), 64);
    double *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* Counting sort of the padded indices 0..n-1 by what they copy, map[i] in
 * [0, base): at[b]..at[b+1] of src are those of b, ascending. */
static void bucket(const int *map, int n, int base, int *at, int *src)
{
    memset(at, 0, (size_t)(base + 1) * sizeof *at);
    for (int i = 0; i < n; i++)
        at[map[i] + 1]++;
    for (int b = 0; b < base; b++)
        at[b + 1] += at[b];
    int *fill = malloc((size_t)base * sizeof *fill);
    if (fill) {
        memcpy(fill, at, (size_t)base * sizeof *fill);
        for (int i = 0; i < n; i++)
            src[fill[map[i]]++] = i;
    }
    free(fill);
}

ge_conv *ge_conv_new(const ge_shape *s, ge_isa isa, ge_error *err)
{
    if (!ge_isa_supported(isa)) {
        ge_fail(err, "this CPU has no %s", ge_isa_name(isa));
        return NULL;
    }
    ge_conv *c = calloc(1, sizeof *c);
    if (!c) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    layout(c, s, kernels_of(isa));
    c->isa = isa;
    const int PW = c->W + c->KW - 1, PH = c->H + c->KH - 1;
    /* zeroed: the halos of Gp and the columns past the data stay zero */
    c->Ep = zalloc((size_t)c->N * c->ep);
    c->Fp = zalloc((size_t)c->O * c->fp);
    c->Gp = zalloc((size_t)c->O * c->gp);
    c->X = zalloc((size_t)c->N * c->xp);
    c->Kf = calloc((size_t)c->N * c->O * c->KW * c->KH, sizeof(double));
    c->part = calloc((size_t)c->nb * part_size(c), sizeof(double));
    c->ri = malloc((size_t)PW * sizeof *c->ri);
    c->rj = malloc((size_t)PH * sizeof *c->rj);
    c->row_at = malloc((size_t)(c->W + 1) * sizeof *c->row_at);
    c->col_at = malloc((size_t)(c->H + 1) * sizeof *c->col_at);
    c->row_src = malloc((size_t)PW * sizeof *c->row_src);
    c->col_src = malloc((size_t)PH * sizeof *c->col_src);
    if (!c->Ep || !c->Fp || !c->Gp || !c->X || !c->Kf || !c->part || !c->ri || !c->rj ||
        !c->row_at || !c->col_at || !c->row_src || !c->col_src) {
        ge_conv_free(c);
        ge_fail(err, "out of memory for the convolution workspace (%.0f MB)",
                ge_conv_bytes(s) / 1e6);
        return NULL;
    }
    for (int i = 0; i < PW; i++)
        c->ri[i] = ge_resolve(i - s->p0, c->W, (s->wrap & GE_WRAP_X) != 0);
    for (int j = 0; j < PH; j++)
        c->rj[j] = ge_resolve(j - s->p1, c->H, (s->wrap & GE_WRAP_Y) != 0);
    bucket(c->ri, PW, c->W, c->row_at, c->row_src);
    bucket(c->rj, PH, c->H, c->col_at, c->col_src);
    return c;
}

void ge_conv_free(ge_conv *c)
{
    if (!c)
        return;
    free(c->Ep), free(c->Fp), free(c->Gp), free(c->X), free(c->Kf), free(c->part);
    free(c->ri), free(c->rj), free(c->row_at), free(c->col_at), free(c->row_src),
        free(c->col_src);
    free(c);
}

ge_isa ge_conv_isa(const ge_conv *c) { return c->isa; }

/* Enough multiply-adds to pay for waking threads (model.h). */
static int big(const ge_conv *c, const ge_model *m)
{
    return (double)c->W * c->H * m->n_kernel > GE_PARALLEL_WORK;
}

void ge_conv_forward(double *F, ge_conv *c, const ge_model *m)
{
    const int W = c->W, H = c->H, N = c->N, O = c->O, PW = W + c->KW - 1, PH = H + c->KH - 1;
    const ge_corr_args a = {.in = c->Ep, .in_plane = c->ep, .in_stride = c->es, .Ci = N,
                            .out = c->Fp, .out_plane = c->fp, .out_stride = (size_t)c->fcols,
                            .Co = O, .K = m->K, .bias = m->b, .KW = c->KW, .KH = c->KH,
                            .cols = c->fcols};
#pragma omp parallel if (big(c, m))
    {
#pragma omp for schedule(static)
        for (int i = 0; i < PW; i++) {
            const double *e = m->E + (size_t)c->ri[i] * H * N;
            double *dst = c->Ep + (size_t)i * c->es;
            for (int j = 0; j < PH; j++)
                for (int n = 0; n < N; n++)
                    dst[(size_t)n * c->ep + j] = e[(size_t)c->rj[j] * N + n];
        }
        int r0, r1;
        team_rows(W, &r0, &r1);
        if (r0 < r1)
            c->k->corr(&a, r0, r1);
#pragma omp barrier
#pragma omp for schedule(static)
        for (int w = 0; w < W; w++)
            for (int o = 0; o < O; o++) {
                const double *src = c->Fp + (size_t)o * c->fp + (size_t)w * c->fcols;
                double *dst = F + (size_t)w * H * O + o;
                for (int h = 0; h < H; h++)
                    dst[(size_t)h * O] = src[h];
            }
    }
}

void ge_conv_backward(double *dE, double *dK, double *db, ge_conv *c, const ge_model *m,
                      const double *dF)
{
    const int W = c->W, H = c->H, N = c->N, O = c->O, KW = c->KW, KH = c->KH;
    const int PW = W + KW - 1;
    const size_t pk = part_size(c);
    const ge_corr_args a = {.in = c->Gp + c->lp, .in_plane = c->gp, .in_stride = c->gs, .Ci = O,
                            .out = c->X, .out_plane = c->xp, .out_stride = (size_t)c->xcols,
                            .Co = N, .K = c->Kf, .bias = NULL, .KW = KW, .KH = KH,
                            .cols = c->xcols};
    const ge_wgrad_args g = {.g = c->Gp + (size_t)(KW - 1) * c->gs + c->lp + (size_t)(KH - 1),
                             .g_plane = c->gp, .g_stride = c->gs, .O = O, .in = c->Ep,
                             .in_plane = c->ep, .in_stride = c->es, .N = N, .KW = KW,
                             .KH = KH, .cols = c->wcols};
    for (int o = 0; o < O; o++) {
        double s = 0;
        for (size_t u = 0; u < (size_t)W * H; u++)
            s += dF[u * O + o];
        db[o] = s;
    }
    /* Kf[n][o][kw][kh] = K[o][n][KW-1-kw][KH-1-kh] */
    for (int o = 0; o < O; o++)
        for (int n = 0; n < N; n++)
            for (int kw = 0; kw < KW; kw++)
                for (int kh = 0; kh < KH; kh++)
                    c->Kf[(((size_t)n * O + o) * KW + kw) * KH + kh] =
                        m->K[(((size_t)o * N + n) * KW + (KW - 1 - kw)) * KH + (KH - 1 - kh)];
#pragma omp parallel if (big(c, m))
    {
#pragma omp for schedule(static)
        for (int w = 0; w < W; w++)
            for (int o = 0; o < O; o++) {
                const double *src = dF + (size_t)w * H * O + o;
                double *dst = c->Gp + (size_t)o * c->gp + (size_t)(KW - 1 + w) * c->gs + c->lp +
                              (size_t)(KH - 1);
                for (int h = 0; h < H; h++)
                    dst[h] = src[(size_t)h * O];
            }
        int r0, r1; /* no barrier: wgrad does not read X */
        team_rows(PW, &r0, &r1);
        if (r0 < r1)
            c->k->corr(&a, r0, r1);
#pragma omp for schedule(static)
        for (int b = 0; b < c->nb; b++) {
            int r1 = (b + 1) * c->rb < W ? (b + 1) * c->rb : W;
            c->k->wgrad(&g, b * c->rb, r1, c->part + (size_t)b * pk);
        }
        /* the halo folded back onto the cells it copies, in ascending order */
#pragma omp for schedule(static) nowait
        for (int w = 0; w < W; w++)
            for (int n = 0; n < N; n++) {
                const double *x = c->X + (size_t)n * c->xp;
                const double *x1 = x + (size_t)c->row_src[c->row_at[w]] * c->xcols;
                const int one_row = c->row_at[w + 1] - c->row_at[w] == 1;
                double *de = dE + (size_t)w * H * N + n;
                for (int h = 0; h < H; h++) {
                    const int j0 = c->col_at[h], j1 = c->col_at[h + 1];
                    if (one_row && j1 - j0 == 1) { /* a cell no halo copies */
                        de[(size_t)h * N] = x1[c->col_src[j0]];
                        continue;
                    }
                    double s = 0;
                    for (int ii = c->row_at[w]; ii < c->row_at[w + 1]; ii++)
                        for (int jj = j0; jj < j1; jj++)
                            s += x[(size_t)c->row_src[ii] * c->xcols + c->col_src[jj]];
                    de[(size_t)h * N] = s;
                }
            }
#pragma omp for schedule(dynamic, 256)
        for (long e = 0; e < (long)pk; e++) {
            const double *p = c->part + e;
            double s = 0;
            for (int b = 0; b < c->nb; b++)
                s += p[(size_t)b * pk];
            dK[e] = s;
        }
    }
}
