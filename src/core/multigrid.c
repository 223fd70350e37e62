/* Conjugate gradients with a geometric multigrid V-cycle (see multigrid.h).
 *
 * Levels halve each axis that is long enough (vertex-centred: fine cell 2I
 * is coarse cell I). A coarse level's operator is its data term, the
 * Galerkin product P'DP with linear P (which stays within the 5x5 box), plus
 * the curvature penalty rediscretised on its cells; the V-cycle moves
 * residuals and corrections with cubic transfers. With a symmetric smoother
 * it stays a symmetric positive definite preconditioner. The smoother is
 * Gauss-Seidel along each column, the columns in colours (columns of one
 * colour are three apart, so never coupled: they relax in parallel with the
 * same result on any thread count), forward before the coarse correction
 * and backward after it. The coarsest level is factorised with CHOLMOD.
 * Sums are taken per column, then over the columns in order, so that the
 * results do not depend on the thread count either.
 *
 * The V-cycle (sweeps, its residuals) reads a single precision copy of each
 * level's operator: it is only the preconditioner, and the solve is bound
 * by reading the operator (the same 19 iterations on 500x500 cells as with
 * the double rows). The level kernels are compiled per vector unit
 * (mg_kernels.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <suitesparse/cholmod.h>

#include "geoembed/curvature.h"
#include "geoembed/isa.h"
#include "isa_pick.h"
#include "mg_kernels.h"
#include "mg_level.h"
#include "huge_pages.h"
#include "multigrid.h"
#include "serial.h"

#define SWEEPS 2            /* Gauss-Seidel sweeps before and after the coarse correction */
#define COARSEST 4096       /* cells at which the hierarchy stops */
#define MIN_WRAPPED 6       /* a wrapped axis is not coarsened below this */
#define MIN_CLAMPED 5       /* nor a clamped one */
#define MAX_ITERS 1000
#define PARALLEL_CELLS 20000 /* smaller levels run on one thread */


static int axis_init(axis *x, int n, int wrap)
{
    x->n = n;
    x->wrap = wrap;
    x->nb = malloc((size_t)n * sizeof *x->nb);
    x->colour = malloc((size_t)n);
    if (!x->nb || !x->colour)
        return -1;
    for (int i = 0; i < n; i++)
        for (int d = -2; d <= 2; d++)
            x->nb[i][d + 2] = ge_axis_step(i, d, n, wrap);
    /* Colours repeat every third cell; across the seam of a wrapped axis
     * whose length is not a multiple of 3 the last cells get colours of
     * their own, so that two cells of one colour are never within 2. */
    int rest = wrap ? n % 3 : 0;
    x->ncolour = 3 + rest;
    for (int i = 0; i < n; i++)
        x->colour[i] = (unsigned char)(i < n - rest ? i % 3 : 3 + (i - (n - rest)));
    return 0;
}

/* Inverts a map fine -> up to k coarse entries into coarse -> up to kf fine. */
static void invert(int n, int nc, int k, const int *to, const double *tw, int kf, int *from,
                   double *fw)
{
    for (int c = 0; c < nc * kf; c++) {
        from[c] = -1;
        fw[c] = 0;
    }
    for (int f = 0; f < n; f++)
        for (int j = 0; j < k; j++) {
            int c = to[f * k + j];
            if (c < 0)
                continue;
            int s = 0;
            while (from[c * kf + s] >= 0)
                s++;
            from[c * kf + s] = f;
            fw[c * kf + s] = tw[f * k + j];
        }
}

/* The maps to the coarser axis: halved when long enough, else the identity.
 * Fine 2I is coarse I; fine 2I+1 lies between I and I+1 (I+1 wrapped on a
 * wrapped axis of even length; past a clamped edge, extrapolated). */
static int axis_coarsen(axis *x)
{
    const int n = x->n;
    int nc = (n + 1) / 2;
    if (x->wrap && n % 2 == 0)
        nc = n / 2;
    if (nc < (x->wrap ? MIN_WRAPPED : MIN_CLAMPED))
        nc = n;
    x->nc = nc;
    x->lto = malloc((size_t)n * sizeof *x->lto);
    x->ltw = malloc((size_t)n * sizeof *x->ltw);
    x->lfrom = malloc((size_t)nc * sizeof *x->lfrom);
    x->lfw = malloc((size_t)nc * sizeof *x->lfw);
    x->to = malloc((size_t)n * sizeof *x->to);
    x->tw = malloc((size_t)n * sizeof *x->tw);
    x->from = malloc((size_t)nc * sizeof *x->from);
    x->fw = malloc((size_t)nc * sizeof *x->fw);
    if (!x->lto || !x->ltw || !x->lfrom || !x->lfw || !x->to || !x->tw || !x->from || !x->fw)
        return -1;
    for (int f = 0; f < n; f++) {
        int *l = x->lto[f], *c = x->to[f];
        double *lw = x->ltw[f], *cw = x->tw[f];
        l[0] = l[1] = -1;
        lw[0] = lw[1] = 0;
        for (int j = 0; j < 4; j++) {
            c[j] = -1;
            cw[j] = 0;
        }
        if (nc == n || f % 2 == 0) {
            l[0] = c[0] = nc == n ? f : f / 2;
            lw[0] = cw[0] = 1;
            continue;
        }
        int lo = (f - 1) / 2, hi = lo + 1;
        if (hi >= nc && x->wrap && n % 2 == 0)
            hi -= nc;
        if (hi >= nc) {
            /* past a clamped edge: extrapolated along the line through the
             * last two coarse cells, so that P reproduces every linear
             * function, which the penalty leaves free (with the last value
             * alone instead, 59 iterations on 255x255 cells against 15 on
             * 257x257) */
            l[0] = c[0] = lo;
            l[1] = c[1] = lo - 1;
            lw[0] = cw[0] = 1.5;
            lw[1] = cw[1] = -0.5;
            continue;
        }
        l[0] = lo, l[1] = hi;
        lw[0] = lw[1] = 0.5;
        /* cubic where four coarse points lie evenly around the fine one
         * (not across a clamped edge, nor the uneven seam of an odd wrap) */
        int even = x->wrap && n % 2 == 0;
        int a = lo - 1, b = hi + 1;
        if (even) {
            a = (a + nc) % nc;
            b = b % nc;
        }
        if (even || (a >= 0 && b < nc && hi == lo + 1)) {
            c[0] = a, c[1] = lo, c[2] = hi, c[3] = b;
            cw[0] = cw[3] = -1.0 / 16;
            cw[1] = cw[2] = 9.0 / 16;
        } else {
            c[0] = lo, c[1] = hi;
            cw[0] = cw[1] = 0.5;
        }
    }
    invert(n, nc, 2, &x->lto[0][0], &x->ltw[0][0], LFROM, &x->lfrom[0][0], &x->lfw[0][0]);
    invert(n, nc, 4, &x->to[0][0], &x->tw[0][0], CFROM, &x->from[0][0], &x->fw[0][0]);
    return 0;
}

static void axis_free(axis *x)
{
    free(x->nb);
    free(x->colour);
    free(x->lto);
    free(x->ltw);
    free(x->lfrom);
    free(x->lfw);
    free(x->to);
    free(x->tw);
    free(x->from);
    free(x->fw);
}

/* The offset from coarse index i to j in [-2, 2] (wrapped axes are long
 * enough for it to be unique). */
static int offset(const axis *x, int i, int j)
{
    int d = j - i;
    if (x->wrap) {
        if (d > x->n / 2)
            d -= x->n;
        else if (d < -(x->n / 2))
            d += x->n;
    }
    return d;
}


struct ge_mg {
    const ge_mg_kernels *k; /* the level operations of this CPU's vector unit */
    int nl;
    level *L;
    int dirty;             /* the finest data rows changed since the last setup */
    int cap;               /* right-hand sides the vectors hold (1 until a block solve) */
    double *r, *z, *p, *q; /* conjugate gradient vectors [n][cap] */
    double *colsum;        /* per-column partial sums [W][cap] */
    double *coarse;        /* one right-hand side of the coarsest level */
    double *zero;          /* [H][cap] zeros: the levels' zero column */
    cholmod_common c;
    cholmod_sparse *S;     /* the coarsest level, upper triangle */
    cholmod_factor *F;
    int (*stop)(void *ctx); /* ge_mg_on_interrupt */
    void *stop_ctx;
};

void ge_mg_on_interrupt(ge_mg *g, int (*stop)(void *ctx), void *ctx)
{
    g->stop = stop;
    g->stop_ctx = ctx;
}

static int level_init(level *l, int W, int H, int wx, int wy, double hw, double hh)
{
    memset(l, 0, sizeof *l);
    if (axis_init(&l->ax[0], W, wx) || axis_init(&l->ax[1], H, wy))
        return -1;
    l->n = (size_t)W * H;
    l->hw = hw;
    l->hh = hh;
    l->d = ge_huge_calloc(l->n * GE_MG_BOX, sizeof *l->d);
    l->a = ge_huge_malloc(l->n * GE_MG_BOX * sizeof *l->a);
    l->s = ge_huge_malloc(l->n * GE_MG_BOX * sizeof *l->s);
    l->inv = ge_huge_malloc(l->n * sizeof *l->inv);
    l->x = ge_huge_malloc(l->n * sizeof *l->x);
    l->b = ge_huge_malloc(l->n * sizeof *l->b);
    l->r = ge_huge_malloc(l->n * sizeof *l->r);
    if (!l->d || !l->a || !l->s || !l->inv || !l->x || !l->b || !l->r)
        return -1;
    const axis *aw = &l->ax[0];
    for (int c = 0; c < aw->ncolour; c++) {
        l->cols[c] = malloc((size_t)W * sizeof *l->cols[c]);
        if (!l->cols[c])
            return -1;
        for (int w = 0; w < W; w++)
            if (aw->colour[w] == c)
                l->cols[c][l->ncols[c]++] = w;
    }
    return 0;
}

static void level_free(level *l)
{
    axis_free(&l->ax[0]);
    axis_free(&l->ax[1]);
    free(l->d);
    free(l->a);
    free(l->s);
    free(l->inv);
    free(l->x);
    free(l->b);
    free(l->r);
    for (int c = 0; c < 5; c++)
        free(l->cols[c]);
}

void ge_mg_free(ge_mg *g)
{
    if (!g)
        return;
    for (int k = 0; k < g->nl; k++)
        level_free(&g->L[k]);
    free(g->L);
    free(g->r);
    free(g->z);
    free(g->p);
    free(g->q);
    free(g->colsum);
    free(g->coarse);
    free(g->zero);
    if (g->F)
        cholmod_free_factor(&g->F, &g->c);
    if (g->S)
        cholmod_free_sparse(&g->S, &g->c);
    cholmod_finish(&g->c);
    free(g);
}

static const ge_mg_kernels *kernels_of(ge_isa isa)
{
    return GE_ISA_PICK(isa, ge_mg_generic, ge_mg_avx2, ge_mg_avx512);
}

/* The zero column of every level, for nr right-hand sides (no level is
 * taller than the finest). */
static int zero_column(ge_mg *g, int nr)
{
    free(g->zero);
    g->zero = calloc((size_t)g->L[0].ax[1].n * (size_t)nr, sizeof *g->zero);
    for (int k = 0; k < g->nl; k++)
        g->L[k].zero = g->zero;
    return g->zero ? 0 : -1;
}

ge_mg *ge_mg_new(int W, int H, int wx, int wy)
{
    ge_mg *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->k = kernels_of(ge_isa_default());
    cholmod_start(&g->c);
    g->c.print = 0;
    g->c.error_handler = NULL;
    g->c.quick_return_if_not_posdef = 1;
    int cap = 32;
    g->L = calloc((size_t)cap, sizeof *g->L);
    if (!g->L)
        goto fail;
    double hw = 1, hh = 1;
    for (;;) {
        level *l = &g->L[g->nl];
        int rc = level_init(l, W, H, wx, wy, hw, hh);
        g->nl++;
        if (rc || axis_coarsen(&l->ax[0]) || axis_coarsen(&l->ax[1]))
            goto fail;
        int Wc = l->ax[0].nc, Hc = l->ax[1].nc;
        if (l->n <= COARSEST || (Wc == W && Hc == H) || g->nl == cap)
            break;
        hw *= Wc < W ? 2 : 1;
        hh *= Hc < H ? 2 : 1;
        W = Wc;
        H = Hc;
    }
    size_t n = g->L[0].n;
    g->r = ge_huge_malloc(n * sizeof *g->r);
    g->z = ge_huge_malloc(n * sizeof *g->z);
    g->p = ge_huge_malloc(n * sizeof *g->p);
    g->q = ge_huge_malloc(n * sizeof *g->q);
    g->colsum = malloc((size_t)g->L[0].ax[0].n * sizeof *g->colsum);
    g->coarse = malloc(g->L[g->nl - 1].n * sizeof *g->coarse);
    if (zero_column(g, 1))
        goto fail;
    g->cap = 1;
    if (!g->r || !g->z || !g->p || !g->q || !g->colsum || !g->coarse)
        goto fail;
    g->dirty = 1;
    return g;
fail:
    ge_mg_free(g);
    return NULL;
}

double *ge_mg_data(ge_mg *g)
{
    g->dirty = 1;
    return g->L[0].d;
}

/* The entry of cell j in the row of cell i (0 to GE_MG_BOX - 1). */
static size_t box_entry(const level *l, size_t i, size_t j)
{
    int H = l->ax[1].n;
    int wi = (int)(i / (size_t)H), hi = (int)(i % (size_t)H);
    int wj = (int)(j / (size_t)H), hj = (int)(j % (size_t)H);
    int dw = offset(&l->ax[0], wi, wj), dh = offset(&l->ax[1], hi, hj);
    return (size_t)((dw + 2) * 5 + dh + 2);
}

void ge_mg_add(const ge_mg *g, double *a, size_t i, size_t j, double v)
{
    a[i * GE_MG_BOX + box_entry(&g->L[0], i, j)] += v;
}

int ge_mg_block_width(int W, int H)
{
    /* a block's vectors cost about 85 bytes a cell per right-hand side */
    double n = (double)W * H;
    return n <= 500000 ? GE_MG_BLOCK : (n <= 4000000 ? 4 : 1);
}

double ge_mg_bytes(int W, int H)
{
    /* data and operator rows (double and single), the inverse diagonal and
     * 3 vectors a level (4/3 of the finest over all levels), 4 more vectors
     * for the conjugate gradients, each vector for a block of right-hand
     * sides, and the caller's block (2 more) */
    double n = (double)W * H;
    const int nr = ge_mg_block_width(W, H);
    return n * (8 * (2 * GE_MG_BOX + 1 + 3 * nr) + 4 * GE_MG_BOX) * 4.0 / 3.0 + n * 8 * 6 * nr;
}

/* ---- the level operations, each parallel over the columns ---- */

/* One Gauss-Seidel sweep, forward or backward: the columns in colours
 * (columns of one colour are three apart, so never coupled: they relax in
 * parallel). */
static void sweep(const ge_mg *g, const level *l, double *x, const double *b, int backward,
                  int nr)
{
    const int ncw = l->ax[0].ncolour;
    for (int k = 0; k < ncw; k++) {
        int c = backward ? ncw - 1 - k : k;
        const int *cols = l->cols[c], nc = l->ncols[c];
#pragma omp parallel for schedule(static) if (l->n > PARALLEL_CELLS)
        for (int t = 0; t < nc; t++)
            g->k->sweep(l, x, b, backward, cols[t], nr);
    }
}

/* r = b - A x, or r = A x when b is NULL */
static void residual(const ge_mg *g, const level *l, int single, const double *x, const double *b,
                     double *r, int nr)
{
    const int W = l->ax[0].n;
#pragma omp parallel for schedule(static) if (l->n > PARALLEL_CELLS)
    for (int w = 0; w < W; w++)
        g->k->residual(l, single, x, b, r, w, nr);
}

static void restrict_to(const ge_mg *g, const level *l, const double *r, const level *c, int nr)
{
    const int Wc = l->ax[0].nc;
#pragma omp parallel for schedule(static) if (l->n > PARALLEL_CELLS)
    for (int I = 0; I < Wc; I++)
        g->k->restrict_to(l, r, c, I, nr);
}

static void prolong_add(const ge_mg *g, const level *l, const double *xc, double *x, int nr)
{
    const int W = l->ax[0].n;
#pragma omp parallel for schedule(static) if (l->n > PARALLEL_CELLS)
    for (int w = 0; w < W; w++)
        g->k->prolong_add(l, xc, x, w, nr);
}

/* The data rows of level l + 1: P' D P with linear P, each coarse row
 * gathered on its own. */
static void galerkin(const level *l, level *c)
{
    const axis *aw = &l->ax[0], *ah = &l->ax[1];
    const int H = ah->n, Wc = aw->nc, Hc = ah->nc;
#pragma omp parallel for schedule(static) if (l->n > PARALLEL_CELLS)
    for (int I = 0; I < Wc; I++)
        for (int J = 0; J < Hc; J++) {
            double out[GE_MG_BOX] = {0};
            for (int u = 0; u < LFROM && aw->lfrom[I][u] >= 0; u++)
                for (int v = 0; v < LFROM && ah->lfrom[J][v] >= 0; v++) {
                    int fw = aw->lfrom[I][u], fh = ah->lfrom[J][v];
                    double p = aw->lfw[I][u] * ah->lfw[J][v];
                    const double *a = l->d + ((size_t)fw * H + fh) * GE_MG_BOX;
                    for (int dw = 0; dw < 5; dw++) {
                        int gw = aw->nb[fw][dw];
                        if (gw < 0)
                            continue;
                        for (int dh = 0; dh < 5; dh++) {
                            int gh = ah->nb[fh][dh];
                            double pa = p * a[dw * 5 + dh];
                            if (gh < 0 || pa == 0)
                                continue;
                            for (int s = 0; s < 2 && aw->lto[gw][s] >= 0; s++) {
                                int ow = offset(&c->ax[0], I, aw->lto[gw][s]) + 2;
                                for (int t = 0; t < 2 && ah->lto[gh][t] >= 0; t++) {
                                    int oh = offset(&c->ax[1], J, ah->lto[gh][t]) + 2;
                                    out[ow * 5 + oh] += pa * aw->ltw[gw][s] * ah->ltw[gh][t];
                                }
                            }
                        }
                    }
                }
            memcpy(c->d + ((size_t)I * Hc + J) * GE_MG_BOX, out, sizeof out);
        }
}

typedef struct {
    const level *l;
    double mu;
} level_penalty;

static void add_level_penalty(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    level_penalty *p = ctx;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++)
            p->l->a[box_entry(p->l, idx[k], idx[j]) * p->l->n + idx[k]] +=
                p->mu * c * v[k] * v[j];
}

/* Level l's operator: its data rows, mu times the penalty rediscretised on
 * its cells (second differences over cells hw x hh finest cells weigh
 * hh/hw^3, hw/hh^3 and 1/(hw hh) of the finest ones), and the ridge. */
static void level_operator(level *l, double mu, double ridge)
{
    const size_t n = l->n;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < GE_MG_BOX; k++)
            l->a[k * n + i] = l->d[i * GE_MG_BOX + k];
    const double hw = l->hw, hh = l->hh;
    const double weight[3] = {hh / (hw * hw * hw), hw / (hh * hh * hh), 1.0 / (hw * hh)};
    level_penalty p = {l, mu};
    if (mu != 0)
        ge_penalty_terms(l->ax[0].n, l->ax[1].n, l->ax[0].wrap, l->ax[1].wrap, weight,
                         add_level_penalty, &p);
    for (size_t i = 0; i < n; i++)
        l->a[CENTRE * n + i] += ridge;
    for (size_t i = 0; i < n * GE_MG_BOX; i++)
        l->s[i] = (float)l->a[i];
    for (size_t i = 0; i < n; i++)
        l->inv[i] = 1 / (double)l->s[CENTRE * n + i];
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The coarsest level as a CHOLMOD upper triangle: pattern once, values
 * each setup. */
static int coarsest_matrix(ge_mg *g)
{
    const level *l = &g->L[g->nl - 1];
    const int W = l->ax[0].n, H = l->ax[1].n;
    if (!g->S) {
        g->S = cholmod_allocate_sparse(l->n, l->n, l->n * 13, 1, 1, 1, CHOLMOD_REAL, &g->c);
        if (!g->S)
            return -1;
        int *p = g->S->p, *ri = g->S->i, nz = 0;
        for (int w = 0; w < W; w++)
            for (int h = 0; h < H; h++) {
                int j = w * H + h, rows[GE_MG_BOX], nr = 0;
                p[j] = nz;
                for (int dw = 0; dw < 5; dw++)
                    for (int dh = 0; dh < 5; dh++) {
                        int ww = l->ax[0].nb[w][dw], hh = l->ax[1].nb[h][dh];
                        if (ww >= 0 && hh >= 0 && ww * H + hh <= j)
                            rows[nr++] = ww * H + hh;
                    }
                qsort(rows, (size_t)nr, sizeof *rows, cmp_int);
                for (int k = 0; k < nr; k++)
                    if (k == 0 || rows[k] != rows[k - 1])
                        ri[nz++] = rows[k];
            }
        p[l->n] = nz;
    }
    int *p = g->S->p, *ri = g->S->i;
    double *x = g->S->x;
    memset(x, 0, (size_t)p[l->n] * sizeof *x);
    for (int w = 0; w < W; w++)
        for (int h = 0; h < H; h++) {
            int j = w * H + h;
            for (int dw = 0; dw < 5; dw++)
                for (int dh = 0; dh < 5; dh++) {
                    int ww = l->ax[0].nb[w][dw], hh = l->ax[1].nb[h][dh];
                    if (ww < 0 || hh < 0 || ww * H + hh > j)
                        continue;
                    int i = ww * H + hh, k = p[j];
                    while (ri[k] != i)
                        k++;
                    x[k] += l->a[(size_t)(dw * 5 + dh) * l->n + (size_t)j];
                }
        }
    return 0;
}

int ge_mg_setup(ge_mg *g, double mu, double ridge, ge_error *err)
{
    if (g->dirty)
        for (int k = 0; k + 1 < g->nl; k++)
            galerkin(&g->L[k], &g->L[k + 1]);
    g->dirty = 0;
    for (int k = 0; k < g->nl; k++)
        level_operator(&g->L[k], mu, ridge);
    if (coarsest_matrix(g))
        return ge_fail(err, "out of memory for the coarsest multigrid level");
    if (!g->F) {
        g->c.nmethods = 1;
        g->c.method[0].ordering = CHOLMOD_AMD;
        g->F = cholmod_analyze(g->S, &g->c);
        if (!g->F)
            return ge_fail(err, "analysis of the coarsest multigrid level failed");
    }
    serial_state st = serial_begin();
    int ok = cholmod_factorize(g->S, g->F, &g->c);
    serial_end(st);
    if (!ok)
        return ge_fail(err, "factorisation of the coarsest multigrid level failed");
    if (g->c.status == CHOLMOD_NOT_POSDEF || !(cholmod_rcond(g->F, &g->c) > 1e-14))
        return 1;
    return 0;
}

double ge_mg_diagonal_max(const ge_mg *g)
{
    const level *l = &g->L[0];
    double m = 0;
    for (size_t i = 0; i < l->n; i++)
        m = fmax(m, l->a[CENTRE * l->n + i]);
    return m;
}

/* The coarsest level's solve, one right-hand side at a time (as a lone
 * solve does it: a block's columns stay bit for bit their own). */
static int coarse_solve(ge_mg *g, int nr)
{
    level *l = &g->L[g->nl - 1];
    double *col = g->coarse;
    for (int q = 0; q < nr; q++) {
        for (size_t i = 0; i < l->n; i++)
            col[i] = l->b[i * nr + q];
        cholmod_dense B = {.nrow = l->n, .ncol = 1, .nzmax = l->n, .d = l->n, .x = col,
                           .xtype = CHOLMOD_REAL, .dtype = CHOLMOD_DOUBLE};
        serial_state st = serial_begin();
        cholmod_dense *X = cholmod_solve(CHOLMOD_A, g->F, &B, &g->c);
        serial_end(st);
        if (!X)
            return -1;
        const double *xs = X->x;
        for (size_t i = 0; i < l->n; i++)
            l->x[i * nr + q] = xs[i];
        cholmod_free_dense(&X, &g->c);
    }
    return 0;
}

/* x = V(b) on level k from a zero guess: the preconditioner. */
static int vcycle(ge_mg *g, int k, const double *b, double *x, int nr)
{
    level *l = &g->L[k];
    const size_t len = l->n * (size_t)nr;
    if (k == g->nl - 1) {
        if (b != l->b)
            memcpy(l->b, b, len * sizeof *b);
        if (coarse_solve(g, nr))
            return -1;
        if (x != l->x)
            memcpy(x, l->x, len * sizeof *x);
        return 0;
    }
    memset(x, 0, len * sizeof *x);
    for (int s = 0; s < SWEEPS; s++)
        sweep(g, l, x, b, 0, nr);
    residual(g, l, 1, x, b, l->r, nr);
    level *c = &g->L[k + 1];
    restrict_to(g, l, l->r, c, nr);
    if (vcycle(g, k + 1, c->b, c->x, nr))
        return -1;
    prolong_add(g, l, c->x, x, nr);
    for (int s = 0; s < SWEEPS; s++)
        sweep(g, l, x, b, 1, nr);
    return 0;
}

/* out[q] = u_q . v_q: sums per column in order, then over the columns in
 * order. */
static void dot(ge_mg *g, const double *u, const double *v, int nr, double *out)
{
    const int W = g->L[0].ax[0].n, H = g->L[0].ax[1].n;
#pragma omp parallel for schedule(static) if (g->L[0].n > PARALLEL_CELLS)
    for (int w = 0; w < W; w++) {
        double s[GE_MG_BLOCK] = {0};
        for (int h = 0; h < H; h++)
            for (int q = 0; q < nr; q++) {
                size_t i = ((size_t)w * H + h) * nr + q;
                s[q] += u[i] * v[i];
            }
        for (int q = 0; q < nr; q++)
            g->colsum[(size_t)w * nr + q] = s[q];
    }
    for (int q = 0; q < nr; q++) {
        double s = 0;
        for (int w = 0; w < W; w++)
            s += g->colsum[(size_t)w * nr + q];
        out[q] = s;
    }
}

/* Room for nr right-hand sides in every vector. */
static int reserve(ge_mg *g, int nr)
{
    if (nr <= g->cap)
        return 0;
    if (zero_column(g, nr))
        return -1;
    for (int k = 0; k < g->nl; k++) {
        level *l = &g->L[k];
        double **v[3] = {&l->x, &l->b, &l->r};
        for (int j = 0; j < 3; j++) {
            double *t = ge_huge_realloc(*v[j], l->n * (size_t)nr * sizeof *t);
            if (!t)
                return -1;
            *v[j] = t;
        }
    }
    double **v[5] = {&g->r, &g->z, &g->p, &g->q, &g->colsum};
    size_t len[5] = {g->L[0].n, g->L[0].n, g->L[0].n, g->L[0].n, (size_t)g->L[0].ax[0].n};
    for (int j = 0; j < 5; j++) {
        double *t = ge_huge_realloc(*v[j], len[j] * (size_t)nr * sizeof *t);
        if (!t)
            return -1;
        *v[j] = t;
    }
    g->cap = nr;
    return 0;
}

/* Conjugate gradients on the nr systems side by side, each with its own
 * scalars; a column that has converged is left as it is while the others
 * go on. */
int ge_mg_solve_block(ge_mg *g, int nr, const double *b, double *x, double rtol, int *iters,
                      ge_error *err)
{
    if (nr < 1 || nr > GE_MG_BLOCK)
        return ge_fail(err, "a block of %d right-hand sides (1 to %d)", nr, GE_MG_BLOCK);
    if (reserve(g, nr))
        return ge_fail(err, "out of memory for the multigrid vectors");
    level *l = &g->L[0];
    const size_t n = l->n;
    double *r = g->r, *z = g->z, *p = g->p, *q = g->q;
    double bb[GE_MG_BLOCK], rr[GE_MG_BLOCK], rz[GE_MG_BLOCK], pq[GE_MG_BLOCK];
    double alpha[GE_MG_BLOCK], beta[GE_MG_BLOCK];
    int done[GE_MG_BLOCK], left = nr;
    *iters = 0;
    dot(g, b, b, nr, bb);
    for (int c = 0; c < nr; c++) {
        bb[c] = sqrt(bb[c]);
        done[c] = !(bb[c] > 0);
        if (isnan(bb[c]))
            return ge_fail(err, "the right-hand side is not a number");
        if (done[c]) {
            for (size_t i = 0; i < n; i++)
                x[i * nr + c] = 0;
            left--;
        }
    }
    residual(g, l, 0, x, b, r, nr);
    dot(g, r, r, nr, rr);
    for (int c = 0; c < nr; c++)
        if (!done[c] && sqrt(rr[c]) <= rtol * bb[c])
            done[c] = 1, left--;
    if (left == 0)
        return 0;
    if (vcycle(g, 0, r, z, nr))
        return ge_fail(err, "the coarsest multigrid level failed to solve");
    memcpy(p, z, n * (size_t)nr * sizeof *p);
    dot(g, r, z, nr, rz);
    for (int it = 1; it <= MAX_ITERS; it++) {
        if (g->stop && g->stop(g->stop_ctx))
            return ge_fail(err, "interrupted");
        residual(g, l, 0, p, NULL, q, nr); /* q = A p */
        dot(g, p, q, nr, pq);
        for (int c = 0; c < nr; c++) {
            if (!done[c] && !(pq[c] > 0))
                return ge_fail(err, "the multigrid system is not positive definite (p'Ap = %g)",
                               pq[c]);
            alpha[c] = done[c] ? 0 : rz[c] / pq[c];
        }
#pragma omp parallel for schedule(static) if (n > PARALLEL_CELLS)
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < nr; c++)
                if (!done[c]) {
                    x[i * nr + c] += alpha[c] * p[i * nr + c];
                    r[i * nr + c] -= alpha[c] * q[i * nr + c];
                }
        dot(g, r, r, nr, rr);
        *iters = it;
        for (int c = 0; c < nr; c++)
            if (!done[c] && sqrt(rr[c]) <= rtol * bb[c])
                done[c] = 1, left--;
        if (left == 0)
            return 0;
        if (vcycle(g, 0, r, z, nr))
            return ge_fail(err, "the coarsest multigrid level failed to solve");
        double rz1[GE_MG_BLOCK];
        dot(g, r, z, nr, rz1);
        for (int c = 0; c < nr; c++) {
            beta[c] = done[c] ? 0 : rz1[c] / rz[c];
            rz[c] = rz1[c];
        }
#pragma omp parallel for schedule(static) if (n > PARALLEL_CELLS)
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < nr; c++)
                if (!done[c])
                    p[i * nr + c] = z[i * nr + c] + beta[c] * p[i * nr + c];
    }
    double worst = 0;
    for (int c = 0; c < nr; c++)
        if (!done[c])
            worst = fmax(worst, sqrt(rr[c]) / bb[c]);
    return ge_fail(err, "conjugate gradients did not converge in %d iterations (relative "
                        "residual %.3g, asked %.3g)", MAX_ITERS, worst, rtol);
}
