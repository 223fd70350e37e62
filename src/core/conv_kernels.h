/* The inner loops of the convolution engine (conv.c), one table per vector
 * unit. conv_impl.h holds their single source; conv_generic.c, conv_avx2.c
 * and conv_avx512.c compile it for their unit.
 *
 * Arrays are channel-planar: a[c][row][col], each row a run of cells along
 * y, so a vector holds consecutive cells of one channel. Both loops read a
 * halo of (KW-1) rows and (KH-1) columns (wgrad: before the data too) beyond
 * what they compute, which the caller provides: they have no border cases. */
#ifndef GEOEMBED_CONV_KERNELS_H
#define GEOEMBED_CONV_KERNELS_H

#include <stddef.h>

/* A valid correlation:
 *   out[co][r][c] = bias[co] + sum_{ci,kw,kh} K[co][ci][kw][kh] in[ci][r+kw][c+kh]
 * for rows r0 <= r < r1 and 0 <= c < cols (a multiple of the table's cols).
 * Each value's terms are added in one order (bias, then ci, kw, kh), whatever
 * the rows asked for: results do not depend on how rows are split. */
typedef struct {
    const double *in;
    size_t in_plane, in_stride;
    int Ci;
    double *out;
    size_t out_plane, out_stride;
    int Co;
    const double *K, *bias; /* bias may be NULL: zero */
    int KW, KH, cols;
} ge_corr_args;

/* The kernel's gradient over rows r0 <= r < r1:
 *   part[o][n][kw][kh] = sum_{r, c} g[o][r][c] in[n][r+kw][c+kh]
 * g must be zero for KH-1 columns before its data and past it, for cols
 * columns (a multiple of the table's lanes, at least H+KH-1); rows of in
 * start on 64-byte lines and are zero past the data. */
typedef struct {
    const double *g;
    size_t g_plane, g_stride;
    int O;
    const double *in;
    size_t in_plane, in_stride;
    int N;
    int KW, KH, cols;
} ge_wgrad_args;

typedef struct {
    void (*corr)(const ge_corr_args *a, int r0, int r1);
    void (*wgrad)(const ge_wgrad_args *a, int r0, int r1, double *part);
    int lanes;   /* doubles a vector */
    int cols;    /* corr computes columns in tiles of this many cells */
} ge_conv_kernels;

extern const ge_conv_kernels ge_conv_generic;
#if defined(__x86_64__) && defined(__GNUC__)
extern const ge_conv_kernels ge_conv_avx2;
extern const ge_conv_kernels ge_conv_avx512;
#endif

#endif
