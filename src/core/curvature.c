/* Thin-plate (minimum curvature) energy of the field F[W][H][O]. */
#include <stddef.h>

#include "geoembed/curvature.h"

int ge_axis_step(int i, int d, int base, int wrap)
{
    int j = i + d;
    if (j >= 0 && j < base)
        return j;
    if (!wrap)
        return -1;
    j %= base;
    return j < 0 ? j + base : j;
}

void ge_penalty_terms(int W, int H, int wx, int wy, const double weight[3], ge_penalty_term fn,
                      void *ctx)
{
    ge_penalty_terms_block(W, H, wx, wy, weight, 0, W, 0, H, fn, ctx);
}

void ge_penalty_terms_block(int W, int H, int wx, int wy, const double weight[3], int w0, int w1,
                            int h0, int h1, ge_penalty_term fn, void *ctx)
{
    const double c0 = weight ? weight[0] : 1.0, c1 = weight ? weight[1] : 1.0,
                 c2 = 2.0 * (weight ? weight[2] : 1.0);
    for (int w = w0; w < w1; w++) {
        int wm = ge_axis_step(w, -1, W, wx), wp = ge_axis_step(w, 1, W, wx);
        for (int h = h0; h < h1; h++) {
            int hm = ge_axis_step(h, -1, H, wy), hp = ge_axis_step(h, 1, H, wy);
#define C(a, b) ((size_t)(a) * H + (size_t)(b))
            if (wm >= 0 && wp >= 0 && W >= 3)
                fn(ctx, (size_t[]){C(wp, h), C(w, h), C(wm, h)}, (double[]){1, -2, 1}, 3, c0);
            if (hm >= 0 && hp >= 0 && H >= 3)
                fn(ctx, (size_t[]){C(w, hp), C(w, h), C(w, hm)}, (double[]){1, -2, 1}, 3, c1);
            if (wp >= 0 && hp >= 0 && W >= 2 && H >= 2)
                fn(ctx, (size_t[]){C(wp, hp), C(wp, h), C(w, hp), C(w, h)},
                   (double[]){1, -1, -1, 1}, 4, c2);
#undef C
        }
    }
}

double ge_curvature(const ge_model *m, const double *F, double lambda, double *dF)
{
    const int W = m->s.W, H = m->s.H, O = m->s.O;
    const int wx = ge_wrap_x(m), wy = ge_wrap_y(m);
    const double scale = lambda / ((double)W * H * O);
    double energy = 0;
#define AT(w, h) (((size_t)(w) * H + (h)) * O + o)
    for (int w = 0; w < W; w++) {
        int wm = ge_axis_step(w, -1, W, wx), wp = ge_axis_step(w, 1, W, wx);
        for (int h = 0; h < H; h++) {
            int hm = ge_axis_step(h, -1, H, wy), hp = ge_axis_step(h, 1, H, wy);
            for (int o = 0; o < O; o++) {
                if (wm >= 0 && wp >= 0 && W >= 3) {
                    double d = F[AT(wp, h)] - 2 * F[AT(w, h)] + F[AT(wm, h)];
                    energy += d * d;
                    if (dF) {
                        double g = 2 * scale * d;
                        dF[AT(wp, h)] += g;
                        dF[AT(w, h)] -= 2 * g;
                        dF[AT(wm, h)] += g;
                    }
                }
                if (hm >= 0 && hp >= 0 && H >= 3) {
                    double d = F[AT(w, hp)] - 2 * F[AT(w, h)] + F[AT(w, hm)];
                    energy += d * d;
                    if (dF) {
                        double g = 2 * scale * d;
                        dF[AT(w, hp)] += g;
                        dF[AT(w, h)] -= 2 * g;
                        dF[AT(w, hm)] += g;
                    }
                }
                if (wp >= 0 && hp >= 0 && W >= 2 && H >= 2) {
                    double d = F[AT(wp, hp)] - F[AT(wp, h)] - F[AT(w, hp)] + F[AT(w, h)];
                    energy += 2 * d * d;
                    if (dF) {
                        double g = 4 * scale * d;
                        dF[AT(wp, hp)] += g;
                        dF[AT(wp, h)] -= g;
                        dF[AT(w, hp)] -= g;
                        dF[AT(w, h)] += g;
                    }
                }
            }
        }
    }
#undef AT
    return scale * energy;
}

double ge_curvature_scale(const ge_model *m)
{
    double L = m->s.width > m->s.height ? m->s.width : m->s.height;
    double ax = L / (100.0 * m->cw), ay = L / (100.0 * m->ch);
    return (ax * ay) * (ax * ay);
}
