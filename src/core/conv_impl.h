/* The source of the kernels of conv_kernels.h, included once by each
 * conv_<unit>.c after it defines:
 *   VL             doubles a vector;  vd  the vector type
 *   VLOAD(p)       unaligned load;    VSTORE(p, v)  unaligned store
 *   VSET1(x)       broadcast;         VZERO  all lanes zero
 *   VFMA(a, b, c)  a*b + c
 *   CORR_NV        vectors across a corr tile (CORR_NV*VL cells wide)
 *   CORR_ACC       accumulators a corr tile may hold
 *   WG_NB, WG_KB   embedding channels (at most 4) and kh shifts (at most 3) of a
 *                  wgrad tile: 2*WG_NB*WG_KB accumulators
 *   KTABLE         the name of the table to define
 * A tile keeps its accumulators in registers: the loops over them have
 * constant bounds and are unrolled. */

#define CORR_CB 4 /* output channels of a tile, at most */
#define CORR_RW 6 /* rows of a tile, at most: conv.c's 12-row chunks hold whole tiles */

/* Rows a tile of CB channels holds: as many as the accumulators allow. */
#define RW_OF(CB)                                                                                  \
    (CORR_ACC / ((CB) * CORR_NV) < 1            ? 1                                                \
     : CORR_ACC / ((CB) * CORR_NV) > CORR_RW ? CORR_RW                                          \
                                                 : CORR_ACC / ((CB) * CORR_NV))

/* Channels co0..co0+CB-1 of rows r..r+RW-1, cells c..c+CORR_NV*VL-1. */
static inline __attribute__((always_inline)) void
corr_tile(const ge_corr_args *a, int r, int c, int co0, const int CB, const int RW)
{
    const int KW = a->KW, KH = a->KH;
    const size_t kco = (size_t)a->Ci * KW * KH, is = a->in_stride;
    vd acc[CORR_CB][CORR_RW][CORR_NV];
#pragma GCC unroll 4
    for (int cb = 0; cb < CB; cb++) {
        vd b = VSET1(a->bias ? a->bias[co0 + cb] : 0.0);
#pragma GCC unroll 6
        for (int rr = 0; rr < RW; rr++)
#pragma GCC unroll 8
            for (int v = 0; v < CORR_NV; v++)
                acc[cb][rr][v] = b;
    }
    for (int ci = 0; ci < a->Ci; ci++) {
        const double *kp = a->K + (size_t)co0 * kco + (size_t)ci * KW * KH;
        const double *ip = a->in + (size_t)ci * a->in_plane + (size_t)r * is + c;
        for (int kw = 0; kw < KW; kw++, kp += KH, ip += is)
            for (int kh = 0; kh < KH; kh++) {
                vd k[CORR_CB];
#pragma GCC unroll 4
                for (int cb = 0; cb < CB; cb++)
                    k[cb] = VSET1(kp[cb * kco + kh]);
#pragma GCC unroll 6
                for (int rr = 0; rr < RW; rr++)
#pragma GCC unroll 8
                    for (int v = 0; v < CORR_NV; v++) {
                        vd e = VLOAD(ip + rr * is + kh + v * VL);
#pragma GCC unroll 4
                        for (int cb = 0; cb < CB; cb++)
                            acc[cb][rr][v] = VFMA(k[cb], e, acc[cb][rr][v]);
                    }
            }
    }
#pragma GCC unroll 4
    for (int cb = 0; cb < CB; cb++)
#pragma GCC unroll 6
        for (int rr = 0; rr < RW; rr++)
#pragma GCC unroll 8
            for (int v = 0; v < CORR_NV; v++)
                VSTORE(a->out + (size_t)(co0 + cb) * a->out_plane +
                           (size_t)(r + rr) * a->out_stride + c + v * VL,
                       acc[cb][rr][v]);
}

#define CORR_ROWS(CB)                                                                              \
    do {                                                                                           \
        int r = r0;                                                                                \
        for (; r + RW_OF(CB) <= r1; r += RW_OF(CB))                                                \
            for (int c = 0; c < a->cols; c += CORR_NV * VL)                                        \
                corr_tile(a, r, c, co0, CB, RW_OF(CB));                                            \
        for (; r < r1; r++)                                                                        \
            for (int c = 0; c < a->cols; c += CORR_NV * VL)                                        \
                corr_tile(a, r, c, co0, CB, 1);                                                    \
    } while (0)

static void corr(const ge_corr_args *a, int r0, int r1)
{
    for (int co0 = 0; co0 < a->Co; co0 += CORR_CB) {
        switch (a->Co - co0 < CORR_CB ? a->Co - co0 : CORR_CB) {
        case 1: CORR_ROWS(1); break;
        case 2: CORR_ROWS(2); break;
        case 3: CORR_ROWS(3); break;
        default: CORR_ROWS(4); break;
        }
    }
}

/* Kernel entries (n0..n0+NB-1, kw, kh0..kh0+KB-1) of outputs o0..o0+OB-1
 * over rows r0..r1-1, the sum of conv_kernels.h with the column shifted:
 *   part[o][n][kw][kh] = sum_{r,c} g[o][r][c-kh] in[n][r+kw][c]
 * so that each vector of the N planes of in is loaded once, on a line, for
 * all KB shifts of the O planes of g. A vector of partial sums per entry,
 * added across lanes at the end. */
static inline __attribute__((always_inline)) void
wgrad_tile(const ge_wgrad_args *a, int r0, int r1, int o0, int n0, int kw, int kh0, double *part,
           const int OB, const int NB, const int KB)
{
    vd acc[2][4][3];
#pragma GCC unroll 2
    for (int ob = 0; ob < OB; ob++)
#pragma GCC unroll 4
        for (int nb = 0; nb < NB; nb++)
#pragma GCC unroll 3
            for (int kb = 0; kb < KB; kb++)
                acc[ob][nb][kb] = VZERO;
    for (int r = r0; r < r1; r++) {
        const double *gp = a->g + (size_t)o0 * a->g_plane + (size_t)r * a->g_stride - kh0;
        const double *ip = a->in + (size_t)n0 * a->in_plane + (size_t)(r + kw) * a->in_stride;
        for (int c = 0; c < a->cols; c += VL) {
            vd e[4];
#pragma GCC unroll 4
            for (int nb = 0; nb < NB; nb++)
                e[nb] = VLOAD(ip + nb * a->in_plane + c);
#pragma GCC unroll 3
            for (int kb = 0; kb < KB; kb++)
#pragma GCC unroll 2
                for (int ob = 0; ob < OB; ob++) {
                    vd g = VLOAD(gp + ob * a->g_plane + c - kb);
#pragma GCC unroll 4
                    for (int nb = 0; nb < NB; nb++)
                        acc[ob][nb][kb] = VFMA(g, e[nb], acc[ob][nb][kb]);
                }
        }
    }
#pragma GCC unroll 2
    for (int ob = 0; ob < OB; ob++)
#pragma GCC unroll 4
        for (int nb = 0; nb < NB; nb++)
#pragma GCC unroll 3
            for (int kb = 0; kb < KB; kb++) {
                double l[VL], s = 0;
                VSTORE(l, acc[ob][nb][kb]);
                for (int i = 0; i < VL; i++)
                    s += l[i];
                part[(((size_t)(o0 + ob) * a->N + n0 + nb) * a->KW + kw) * a->KH + kh0 + kb] = s;
            }
}

#define WG_K(OB, NB, KB)                                                                           \
    case KB:                                                                                       \
        wgrad_tile(a, r0, r1, o0, n0, kw, kh0, part, OB, NB, KB);                                  \
        break;
#define WG_N(OB, NB)                                                                               \
    case NB:                                                                                       \
        switch (kb) { WG_K(OB, NB, 1) WG_K(OB, NB, 2) default: WG_K(OB, NB, 3) }                  \
        break;
#define WG_O(OB)                                                                                   \
    switch (nb) { WG_N(OB, 1) WG_N(OB, 2) WG_N(OB, 3) default: WG_N(OB, 4) }

static void wgrad(const ge_wgrad_args *a, int r0, int r1, double *part)
{
    for (int kw = 0; kw < a->KW; kw++)
        for (int kh0 = 0; kh0 < a->KH; kh0 += WG_KB)
            for (int n0 = 0; n0 < a->N; n0 += WG_NB)
                for (int o0 = 0; o0 < a->O; o0 += 2) {
                    const int kb = a->KH - kh0 < WG_KB ? a->KH - kh0 : WG_KB;
                    const int nb = a->N - n0 < WG_NB ? a->N - n0 : WG_NB;
                    if (a->O - o0 >= 2) {
                        WG_O(2)
                    } else {
                        WG_O(1)
                    }
                }
}

const ge_conv_kernels KTABLE = {
    .corr = corr, .wgrad = wgrad, .lanes = VL, .cols = CORR_NV * VL};
