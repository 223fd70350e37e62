/* The source of the level kernels of mg_kernels.h, included once by each
 * mg_<unit>.c after it defines:
 *   KTABLE   the name of the table to define
 * and compiles it for its unit. */
#include <stddef.h>

#include "mg_kernels.h"

/* The operations below take nr right-hand sides interleaved (entry q of
 * cell i at i * nr + q). Each is one always-inlined body instantiated for
 * nr = 1 and nr = GE_MG_BLOCK, whose arithmetic for each right-hand side is
 * that of nr = 1: a block solve gives every column bit for bit what solving
 * it alone gives. */
#define INLINE static inline __attribute__((always_inline))

/* out[q] = (A x_q)_i for cell (w, h) of level l. */
INLINE void row_times(const level *l, int w, int h, const double *x, int nr, double *out)
{
    const int W = l->ax[0].n, H = l->ax[1].n;
    const double *a = l->a + ((size_t)w * H + h) * GE_MG_BOX;
    if (w >= 2 && w < W - 2 && h >= 2 && h < H - 2) { /* inside: no wrap, no edge */
        const double *xc = x + ((size_t)(w - 2) * H + (h - 2)) * nr;
        double t[5][GE_MG_BLOCK] = {{0}}; /* five sums, not one chain of 25 */
        for (int dw = 0; dw < 5; dw++, xc += (size_t)H * nr)
            for (int dh = 0; dh < 5; dh++)
                for (int q = 0; q < nr; q++)
                    t[dh][q] += a[dw * 5 + dh] * xc[dh * nr + q];
        for (int q = 0; q < nr; q++)
            out[q] = (t[0][q] + t[1][q]) + (t[2][q] + t[3][q]) + t[4][q];
        return;
    }
    for (int q = 0; q < nr; q++)
        out[q] = 0;
    const int *nw = l->ax[0].nb[w], *nh = l->ax[1].nb[h];
    for (int dw = 0; dw < 5; dw++) {
        if (nw[dw] < 0)
            continue;
        const double *xc = x + (size_t)nw[dw] * H * nr;
        for (int dh = 0; dh < 5; dh++)
            if (nh[dh] >= 0)
                for (int q = 0; q < nr; q++)
                    out[q] += a[dw * 5 + dh] * xc[(size_t)nh[dh] * nr + q];
    }
}

/* Column w of a Gauss-Seidel sweep, in order along h (or backward). */
INLINE void sweep_column(const level *l, double *x, const double *b, int backward, int w, int nr)
{
    const int H = l->ax[1].n;
    double ax[GE_MG_BLOCK];
    for (int u = 0; u < H; u++) {
        int h = backward ? H - 1 - u : u;
        size_t i = (size_t)w * H + h;
        row_times(l, w, h, x, nr, ax);
        for (int q = 0; q < nr; q++)
            x[i * nr + q] += (b[i * nr + q] - ax[q]) / l->a[i * GE_MG_BOX + CENTRE];
    }
}

/* Column w of r = b - A x (y = A x without b). */
INLINE void residual_column(const level *l, const double *x, const double *b, double *r, int w,
                            int nr)
{
    const int H = l->ax[1].n;
    double ax[GE_MG_BLOCK];
    for (int h = 0; h < H; h++) {
        size_t i = (size_t)w * H + h;
        row_times(l, w, h, x, nr, ax);
        for (int q = 0; q < nr; q++)
            r[i * nr + q] = b ? b[i * nr + q] - ax[q] : ax[q];
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
 * and 8, and for any other count (the last block of a solve). */
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
    WIDTHS(sweep_column(l, x, b, backward, w, nr));
}

static void residual(const level *l, const double *x, const double *b, double *r, int w, int nr)
{
    WIDTHS(residual_column(l, x, b, r, w, nr));
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
