/* Scaling of the distributed solve (make bench-mpi; bench/mpi/run.sh).
 *
 *     mpirun -n R geoembed-scaling W H [DENSITY [LAMBDA]]
 *
 * One solve of the default model's normal equations on a W x H grid with
 * synthetic samples: each process makes the samples of its own cells (a
 * sample in a cell with probability DENSITY, default 0.25, at a place and
 * with a value drawn from a hash of the cell: the same data at any process
 * count), with the penalty weighted as fit weighs --smooth LAMBDA (default
 * 1) on square cells. Prints one line of key=value figures from rank 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <petscsys.h>

#include "dsolve.h"

/* A uniform number in [0, 1) from cell (w, h) and stream k (splitmix64). */
static double hash01(int w, int h, int k)
{
    uint64_t z = ((uint64_t)(uint32_t)w << 32 | (uint32_t)h) * 0x9e3779b97f4a7c15ULL + (uint64_t)k;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

typedef struct {
    size_t n;
    size_t (*cell)[4];
    double (*wgt)[4];
    double *d, *dy;
} samples;

/* The samples between the centres of own cells (w, h)..(w+1, h+1): bilinear
 * read-out weights, value a smooth wave plus noise. */
static int make_samples(samples *s, const ge_dsolver *ds, int W, int H, double density)
{
    int w0, w1, h0, h1;
    ge_dsolver_owned(ds, &w0, &w1, &h0, &h1);
    size_t cap = (size_t)((double)(w1 - w0) * (h1 - h0) * density * 1.2) + 64;
    s->n = 0;
    s->cell = malloc(cap * sizeof *s->cell);
    s->wgt = malloc(cap * sizeof *s->wgt);
    s->d = malloc(cap * sizeof *s->d);
    s->dy = malloc(cap * sizeof *s->dy);
    if (!s->cell || !s->wgt || !s->d || !s->dy)
        return -1;
    for (int w = w0; w < w1 && w < W - 1; w++)
        for (int h = h0; h < h1 && h < H - 1; h++) {
            if (hash01(w, h, 0) >= density)
                continue;
            if (s->n == cap)
                return -1;
            double a = hash01(w, h, 1), b = hash01(w, h, 2);
            double x = (w + a) / W, y = (h + b) / H;
            double v = sin(12 * x) * cos(9 * y) + 0.1 * (hash01(w, h, 3) - 0.5);
            size_t c = (size_t)w * H + (size_t)h, k = s->n++;
            size_t cells[4] = {c, c + (size_t)H, c + 1, c + (size_t)H + 1};
            double wts[4] = {(1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b};
            for (int j = 0; j < 4; j++) {
                s->cell[k][j] = cells[j];
                s->wgt[k][j] = wts[j];
            }
            s->d[k] = 1;
            s->dy[k] = v;
        }
    return 0;
}

int main(int argc, char **argv)
{
    if (PetscInitialize(NULL, NULL, NULL, NULL))
        return 1;
    int rank, size, rc = 1;
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (argc < 3) {
        if (!rank)
            fprintf(stderr, "usage: geoembed-scaling W H [DENSITY [LAMBDA]]\n");
        PetscFinalize();
        return 2;
    }
    int W = atoi(argv[1]), H = atoi(argv[2]);
    double density = argc > 3 ? atof(argv[3]) : 0.25, lambda = argc > 4 ? atof(argv[4]) : 1.0;
    ge_error err = {{0}};
    samples s = {0};
    ge_dsolver *ds = ge_dsolver_new(PETSC_COMM_WORLD, W, H, 0, 0, 0, &err);
    if (!ds || make_samples(&s, ds, W, H, density)) {
        fprintf(stderr, "geoembed-scaling: rank %d: %s\n", rank, ds ? "out of memory" : err.msg);
        goto done;
    }
    double n = (double)s.n, M = 0;
    MPI_Allreduce(&n, &M, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD);
    /* fit's weight of the penalty (ge_curvature_scale on square cells) */
    double a = (W > H ? W : H) / 100.0, mu = lambda * pow(a, 4) / ((double)W * H) * M;
    if (ge_dsolver_assemble(ds, s.n, (const size_t(*)[4])s.cell, (const double(*)[4])s.wgt, s.d,
                            mu, &err) ||
        ge_dsolver_solve(ds, s.n, (const size_t(*)[4])s.cell, (const double(*)[4])s.wgt, s.dy,
                         &err)) {
        fprintf(stderr, "geoembed-scaling: rank %d: %s\n", rank, err.msg);
        goto done;
    }
    const ge_dsolve_stats *st = ge_dsolver_stats(ds);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mine[3] = {(double)ru.ru_maxrss * 1024.0, st->matrix_bytes, st->sent_bytes}, top[3],
           sum[3];
    MPI_Allreduce(mine, top, 3, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD);
    MPI_Allreduce(mine, sum, 3, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD);
    long its = st->iterations;
    if (!rank)
        printf("pc=%s ranks=%d grid=%dx%d cells=%.0f samples=%.0f iterations=%ld setup_s=%.2f "
               "solve_s=%.2f s_per_iteration=%.4f halo_bytes_per_matvec=%.0f "
               "halo_bytes_max_rank=%.0f sent_bytes_per_iteration=%.0f "
               "reductions_per_iteration=%.1f matrix_mb_max_rank=%.1f peak_rss_mb_max_rank=%.1f\n",
               st->pc, size, W, H, (double)W * H, M, its, st->setup_s, st->solve_s,
               st->solve_s / (its ? its : 1), st->halo_bytes, st->halo_max,
               sum[2] / (its ? its : 1), st->reductions / (its ? its : 1), top[1] / 1e6,
               top[0] / 1e6);
    rc = 0;
done:
    free(s.cell);
    free(s.wgt);
    free(s.d);
    free(s.dy);
    ge_dsolver_free(ds);
    PetscFinalize();
    return rc;
}
