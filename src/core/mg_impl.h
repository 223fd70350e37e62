/* The source of the level kernels of mg_kernels.h, included once by each
 * mg_<unit>.c, which defines KTABLE (the name of the table) and compiles it
 * for its unit.
 *
 * The stencil loops are vectorised (omp simd) along the cells of a column
 * for one right-hand side, and across the right-hand sides of a block
 * otherwise. Every lane does the arithmetic of one right-hand side at one
 * cell, in the order a scalar loop does it, so a block solve gives each
 * column bit for bit what it gives alone.
 *
 * A row's 25 products are summed as five partial sums along dh (each over
 * dw in order), then ((t0 + t1) + (t2 + t3)) + t4: short chains instead of
 * one of 25. A neighbour past a clamped edge reads a zero. */
#include <stddef.h>

#include "mg_kernels.h"

#define INLINE static inline __attribute__((always_inline))

/* Cells of a column whose fixed terms a sweep gathers (vectorised) before
 * it runs through them one by one: the terms stay in the first-level cache. */
#define CHUNK 64

/* Taps of a row left out of a sum: none; the own column's dh = 0, 1 (cells
 * a forward sweep has just updated); its dh = 3, 4 (backward). */
enum { ALL, BELOW, ABOVE };

/* Column w of a level: its coefficient planes and the columns of x it reads. */
typedef struct {
    const double *p[GE_MG_BOX]; /* column w of each plane of the operator a */
    const float *s[GE_MG_BOX];  /* and of its single precision s */
    const double *xc[5];        /* columns w-2 .. w+2 of x (zeros past a clamped edge) */
    const int (*nh)[5];         /* neighbours along h */
    int H, nr;
} column;

INLINE void column_at(column *c, const level *l, const double *x, int w, int nr)
{
    const int H = l->ax[1].n;
    for (int k = 0; k < GE_MG_BOX; k++) {
        c->p[k] = l->a + (size_t)k * l->n + (size_t)w * H;
        c->s[k] = l->s + (size_t)k * l->n + (size_t)w * H;
    }
    for (int dw = 0; dw < 5; dw++) {
        int v = l->ax[0].nb[w][dw];
        c->xc[dw] = v >= 0 ? x + (size_t)v * H * nr : l->zero;
    }
    c->nh = l->ax[1].nb;
    c->H = H;
    c->nr = nr;
}

/* Entry q of cell h + dh - 2 of the column xc: inside (edge 0) by offset,
 * at an edge of the axis through its neighbour table. */
INLINE double x_at(const column *c, const double *xc, int h, int dh, int q, int edge)
{
    if (!edge)
        return xc[(size_t)(h + dh - 2) * c->nr + q];
    int j = c->nh[h][dh];
    return j >= 0 ? xc[(size_t)j * c->nr + q] : 0.0;
}

/* Entry k of the row of cell h: of s (single 1) or of a. */
INLINE double coef(const column *c, int single, int k, int h)
{
    return single ? (double)c->s[k][h] : c->p[k][h];
}

/* (A x_q) at cell h without the taps skip. */
INLINE double row_sum(const column *c, int single, int h, int q, int skip, int edge)
{
    double t[5] = {0, 0, 0, 0, 0};
#pragma GCC unroll 5
    for (int dw = 0; dw < 5; dw++)
#pragma GCC unroll 5
        for (int dh = 0; dh < 5; dh++) {
            if (dw == 2 && ((skip == BELOW && dh < 2) || (skip == ABOVE && dh > 2)))
                continue;
            t[dh] = coef(c, single, dw * 5 + dh, h) * x_at(c, c->xc[dw], h, dh, q, edge) + t[dh];
        }
    return ((t[0] + t[1]) + (t[2] + t[3])) + t[4];
}

/* out = b - (A x without the taps skip) (or + when b is NULL) over the
 * cells h0 <= h < h1 inside the axis (2 <= h < H - 2), entry q of cell h at
 * out[(h - base) * nr + q]: vectorised. */
INLINE void fixed_terms(const column *c, int single, const double *b, int h0, int h1, int skip,
                        double *out, int base)
{
    const int nr = c->nr;
    if (nr == 1 && b) {
#pragma omp simd
        for (int h = h0; h < h1; h++)
            out[h - base] = b[h] - row_sum(c, single, h, 0, skip, 0);
    } else if (nr == 1) {
#pragma omp simd
        for (int h = h0; h < h1; h++)
            out[h - base] = row_sum(c, single, h, 0, skip, 0);
    } else if (b) {
        for (int h = h0; h < h1; h++)
#pragma omp simd
            for (int q = 0; q < nr; q++)
                out[(size_t)(h - base) * nr + q] =
                    b[(size_t)h * nr + q] - row_sum(c, single, h, q, skip, 0);
    } else {
        for (int h = h0; h < h1; h++)
#pragma omp simd
            for (int q = 0; q < nr; q++)
                out[(size_t)(h - base) * nr + q] = row_sum(c, single, h, q, skip, 0);
    }
}

/* The same for one cell at an edge of the axis (or anywhere). */
INLINE void fixed_terms_edge(const column *c, int single, const double *b, int h, int skip,
                             double *out)
{
    for (int q = 0; q < c->nr; q++) {
        double s = row_sum(c, single, h, q, skip, 1);
        out[q] = b ? b[(size_t)h * c->nr + q] - s : s;
    }
}

/* Column w of r = b - A x (r = A x without b), A = s or a. */
INLINE void residual_column(const level *l, int single, const double *x, const double *b,
                            double *r, int w, int nr)
{
    column c;
    column_at(&c, l, x, w, nr);
    const int H = c.H;
    const size_t o = (size_t)w * H * nr;
    const double *bw = b ? b + o : NULL;
    double *rw = r + o;
    for (int h = 0; h < H; h++) {
        if (h == 2 && H > 4) {
            fixed_terms(&c, single, bw, 2, H - 2, ALL, rw, 0);
            h = H - 3;
            continue;
        }
        fixed_terms_edge(&c, single, bw, h, ALL, rw + (size_t)h * nr);
    }
}

/* Cell h of a sweep: u holds b minus the terms of the taps that stay fixed
 * (all but the two upstream ones of the own column). Inside the axis the
 * upstream values come in x2, x1 (the cells just updated, kept in
 * registers: no store-to-load wait on the sweep's critical path); at an
 * edge they are read through the neighbour table. On return x2, x1 hold
 * the upstream values of the next cell. */
INLINE void relax(const column *c, double *xw, const double *u, double inv, int h, int backward,
                  int edge, double *x2, double *x1)
{
    const int a = backward ? 2 * 5 + 4 : 2 * 5 + 0, s = backward ? -1 : 1;
    const int d0 = backward ? 4 : 0, d1 = backward ? 3 : 1, nr = c->nr;
    const double c0 = c->s[a][h], c1 = c->s[a + s][h];
    const int up = h - s; /* the next cell's second upstream cell */
    for (int q = 0; q < nr; q++) {
        const double v2 = edge ? x_at(c, xw, h, d0, q, 1) : x2[q];
        const double v1 = edge ? x_at(c, xw, h, d1, q, 1) : x1[q];
        /* (u - c0 v2 - c1 v1) inv + x, with the cell just updated (v1)
         * entering last: one multiply-add on the sweep's critical path */
        const double y = (u[q] - c0 * v2) * inv + xw[(size_t)h * nr + q];
        const double v = y - (c1 * inv) * v1;
        xw[(size_t)h * nr + q] = v;
        x2[q] = !edge ? v1 : up >= 0 && up < c->H ? xw[(size_t)up * nr + q] : 0.0;
        x1[q] = v;
    }
}

/* Column w of a Gauss-Seidel sweep, in order along h (or backward). The
 * terms that do not change during the column's sweep (the other columns,
 * which are of other colours, and the own column's cells not yet updated)
 * are gathered a chunk at a time, vectorised; then the sweep runs through
 * the chunk with the two taps that read cells it has just updated. Cells at
 * an edge of the axis (which may wrap onto updated cells) are gathered when
 * the sweep reaches them: the result is that of a sweep cell by cell. */
INLINE void sweep_column(const level *l, double *x, const double *b, int backward, int w, int nr)
{
    column c;
    column_at(&c, l, x, w, nr);
    const int H = c.H, skip = backward ? ABOVE : BELOW;
    const size_t o = (size_t)w * H;
    const double *bw = b + o * nr, *inv = l->inv + o;
    double *xw = x + o * nr, u[CHUNK * GE_MG_BLOCK], x2[GE_MG_BLOCK] = {0}, x1[GE_MG_BLOCK] = {0};
    for (int k0 = 0; k0 < H; k0 += CHUNK) {
        const int k1 = k0 + CHUNK < H ? k0 + CHUNK : H;
        const int h0 = backward ? H - k1 : k0, h1 = backward ? H - k0 : k1;
        const int i0 = h0 > 2 ? h0 : 2, i1 = h1 < H - 2 ? h1 : H - 2;
        if (i0 < i1)
            fixed_terms(&c, 1, bw, i0, i1, skip, u, h0);
        for (int m = 0; m < h1 - h0; m++) {
            const int h = backward ? h1 - 1 - m : h0 + m;
            double *uh = u + (size_t)(h - h0) * nr;
            if (h >= 2 && h < H - 2) {
                relax(&c, xw, uh, inv[h], h, backward, 0, x2, x1);
            } else {
                fixed_terms_edge(&c, 1, bw, h, skip, uh);
                relax(&c, xw, uh, inv[h], h, backward, 1, x2, x1);
            }
        }
    }
}

/* Column I of bc = P' r: level l's residual onto level l + 1 (cubic). */
INLINE void restrict_column(const level *l, const double *r, const level *c, int I, int nr)
{
    const axis *aw = &l->ax[0], *ah = &l->ax[1];
    const int H = ah->n, Hc = ah->nc;
    for (int J = 0; J < Hc; J++) {
        double s[GE_MG_BLOCK] = {0};
        for (int u = 0; u < CFROM && aw->from[I][u] >= 0; u++) {
            double t[GE_MG_BLOCK] = {0};
            const double *rc = r + (size_t)aw->from[I][u] * H * nr;
            for (int v = 0; v < CFROM && ah->from[J][v] >= 0; v++)
                for (int q = 0; q < nr; q++)
                    t[q] += ah->fw[J][v] * rc[(size_t)ah->from[J][v] * nr + q];
            for (int q = 0; q < nr; q++)
                s[q] += aw->fw[I][u] * t[q];
        }
        for (int q = 0; q < nr; q++)
            c->b[((size_t)I * Hc + J) * nr + q] = s[q];
    }
}

/* Column w of x += P xc. */
INLINE void prolong_column(const level *l, const double *xc, double *x, int w, int nr)
{
    const axis *aw = &l->ax[0], *ah = &l->ax[1];
    const int H = ah->n, Hc = ah->nc;
    for (int h = 0; h < H; h++) {
        double s[GE_MG_BLOCK] = {0};
        for (int u = 0; u < 4 && aw->to[w][u] >= 0; u++) {
            double t[GE_MG_BLOCK] = {0};
            const double *xr = xc + (size_t)aw->to[w][u] * Hc * nr;
            for (int v = 0; v < 4 && ah->to[h][v] >= 0; v++)
                for (int q = 0; q < nr; q++)
                    t[q] += ah->tw[h][v] * xr[(size_t)ah->to[h][v] * nr + q];
            for (int q = 0; q < nr; q++)
                s[q] += aw->tw[w][u] * t[q];
        }
        for (int q = 0; q < nr; q++)
            x[((size_t)w * H + h) * nr + q] += s[q];
    }
}

/* A column kernel instantiated for one right-hand side, for blocks of 4
 * and 8, and for any other count (the last block of a solve): the width a
 * constant, its loops unrolled and vectorised for it. */
#define WIDTHS(call)                                                                           \
    do {                                                                                       \
        if (nr == 1) {                                                                         \
            enum { nr = 1 };                                                                   \
            call;                                                                              \
        } else if (nr == 4) {                                                                  \
            enum { nr = 4 };                                                                   \
            call;                                                                              \
        } else if (nr == GE_MG_BLOCK) {                                                        \
            enum { nr = GE_MG_BLOCK };                                                         \
            call;                                                                              \
        } else {                                                                               \
            call;                                                                              \
        }                                                                                      \
    } while (0)

static void sweep(const level *l, double *x, const double *b, int backward, int w, int nr)
{
    /* the direction a constant in each instance: which taps are fixed */
    if (backward)
        WIDTHS(sweep_column(l, x, b, 1, w, nr));
    else
        WIDTHS(sweep_column(l, x, b, 0, w, nr));
}

static void residual(const level *l, int single, const double *x, const double *b, double *r,
                     int w, int nr)
{
    /* single a constant in each instance: the planes' type is the loop's */
    if (single)
        WIDTHS(residual_column(l, 1, x, b, r, w, nr));
    else
        WIDTHS(residual_column(l, 0, x, b, r, w, nr));
}

static void restrict_to(const level *l, const double *r, const level *c, int I, int nr)
{
    WIDTHS(restrict_column(l, r, c, I, nr));
}

static void prolong_add(const level *l, const double *xc, double *x, int w, int nr)
{
    WIDTHS(prolong_column(l, xc, x, w, nr));
}

const ge_mg_kernels KTABLE = {sweep, residual, restrict_to, prolong_add};
