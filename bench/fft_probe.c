/* The work an FFT path would do for the large reference step (issue 17's
 * optional FFT convolution), timed on one core: 256x256 cells, 4 embedding
 * planes, 2 outputs, wrap on both axes (a circular convolution). Forward:
 * the embedding's and the kernels' transforms, the spectral products, the
 * field back; backward: the field gradient's transforms, the embedding
 * gradient and the kernel gradients back. Values are random: only the time
 * counts. Not part of the build (FFTW is no dependency of geoembed):
 *   gcc -O2 -std=c11 -Wall -Wextra bench/fft_probe.c -lfftw3 -lm -o fft_probe
 *   ./fft_probe        # best of 20 steps, milliseconds
 * Compare with `OMP_NUM_THREADS=1 build/geoembed-bench large step`
 * (bench/RESULTS.md). */
#define _POSIX_C_SOURCE 200809L
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { W = 256, H = 256, N = 4, O = 2, HC = H / 2 + 1, PLANES = 16 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* acc += a * b (conj_b: a * conj(b)) over one spectrum */
static void product(fftw_complex *acc, const fftw_complex *a, const fftw_complex *b,
                    int conj_b, int add)
{
    const double s = conj_b ? -1.0 : 1.0;
    for (int j = 0; j < W * HC; j++) {
        double re = a[j][0] * b[j][0] - s * a[j][1] * b[j][1];
        double im = a[j][1] * b[j][0] + s * a[j][0] * b[j][1];
        acc[j][0] = add ? acc[j][0] + re : re;
        acc[j][1] = add ? acc[j][1] + im : im;
    }
}

int main(void)
{
    double *r = fftw_alloc_real((size_t)W * H * PLANES);
    fftw_complex *c = fftw_alloc_complex((size_t)W * HC * PLANES);
    if (!r || !c)
        return 1;
    fftw_plan fwd = fftw_plan_dft_r2c_2d(W, H, r, c, FFTW_MEASURE);
    fftw_plan back = fftw_plan_dft_c2r_2d(W, H, c, r, FFTW_MEASURE);
    srand(1);
    for (size_t i = 0; i < (size_t)W * H * PLANES; i++)
        r[i] = rand() / (double)RAND_MAX;
#define RP(k) (r + (size_t)(k) * W * H)
#define CP(k) (c + (size_t)(k) * W * HC)
    double best = 1e9;
    for (int rep = 0; rep < 20; rep++) {
        double t0 = now();
        /* planes 0..3 embedding, 4..11 kernels (o * N + n), 12..13 field, 14..15 its gradient */
        for (int k = 0; k < N + O * N; k++)
            fftw_execute_dft_r2c(fwd, RP(k), CP(k));
        for (int o = 0; o < O; o++) {
            for (int n = 0; n < N; n++)
                product(CP(12 + o), CP(n), CP(4 + o * N + n), 1, n > 0);
            fftw_execute_dft_c2r(back, CP(12 + o), RP(12 + o));
        }
        for (int o = 0; o < O; o++)
            fftw_execute_dft_r2c(fwd, RP(14 + o), CP(14 + o));
        for (int n = 0; n < N; n++) { /* the embedding's gradient, into plane n */
            for (int o = 0; o < O; o++)
                product(CP(n), CP(14 + o), CP(4 + o * N + n), 0, o > 0);
            fftw_execute_dft_c2r(back, CP(n), RP(n));
        }
        for (int k = 0; k < O * N; k++) { /* the kernels' gradients (a window of each) */
            product(CP(4 + k), CP(14 + k % O), CP(k / O), 1, 0);
            fftw_execute_dft_c2r(back, CP(4 + k), RP(4 + k));
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    printf("fft step (%d transforms of %dx%d and the products): %.2f ms\n", 2 * (N + O * N) + 2 * O, W, H,
           best * 1e3);
    fftw_destroy_plan(fwd);
    fftw_destroy_plan(back);
    fftw_free(r);
    fftw_free(c);
    return 0;
}
