/* The PETSc build's cluster.h: MPI and PETSc started once for the run, the
 * distributed solver as the fit's backend, the agreements on failures (on a
 * communicator of their own, so that one never meets a solver's collective
 * operation) and the shares and gathers of predict --grid. PETSc reads its
 * options from the PETSC_OPTIONS environment variable only, never from
 * geoembed's command line (whose -o would be PETSc's too). */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <petscsys.h>

#include "cluster.h"
#include "display.h"
#include "dfit.h"

static ge_dfit g_fit;
static ge_backend g_backend;
static int g_rank, g_size = 1, g_started;
static MPI_Comm g_agree = MPI_COMM_NULL; /* the agreements' own: never matched by a solver's */
static int g_failed;                     /* the status of an agreed failure */
static int *g_counts, *g_displs;         /* cluster_gatherv's, one per process */

int cluster_start(void)
{
    if (PetscInitialize(NULL, NULL, NULL, NULL))
        return runtime_error("PETSc could not start");
    g_started = 1;
    /* failures come back as codes with their message (dsolve.c), unprinted */
    PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
    MPI_Comm_rank(PETSC_COMM_WORLD, &g_rank);
    MPI_Comm_size(PETSC_COMM_WORLD, &g_size);
    MPI_Comm_dup(PETSC_COMM_WORLD, &g_agree);
    g_counts = malloc((size_t)g_size * sizeof *g_counts);
    g_displs = malloc((size_t)g_size * sizeof *g_displs);
    if (!g_counts || !g_displs)
        return runtime_error("out of memory");
    g_backend = ge_dfit_backend(&g_fit, PETSC_COMM_WORLD);
    /* rank 0 speaks for all: the others' data output and messages go nowhere */
    if (g_rank > 0 && !freopen("/dev/null", "w", stdout))
        return runtime_error("cannot silence rank %d", g_rank);
    return 0;
}

int cluster_finish(int rc)
{
    if (g_started) {
        rc = cluster_agree(rc);
        ge_dfit_free(&g_fit);
        MPI_Comm_free(&g_agree);
        free(g_counts);
        free(g_displs);
        PetscFinalize();
    }
    return rc;
}

/* Waits for req, not spinning as MPI's blocking calls do: a process that
 * waits long (for rank 0 to write, or for the others to compute) gives its
 * core away on a shared or oversubscribed machine. The first 20 ms only
 * yield, so that a message in many pieces (each moved by MPI_Test) is not
 * slowed by naps; then naps of 1 ms. Returns 0 when give_up seconds pass
 * first (never when negative). */
static int wait_napping(MPI_Request *req, double give_up)
{
    const double t0 = MPI_Wtime();
    const struct timespec nap = {0, 1000000};
    int done = 0;
    while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
        double waited = MPI_Wtime() - t0;
        if (give_up >= 0 && waited > give_up)
            return 0;
        if (waited < 0.02)
            sched_yield();
        else
            nanosleep(&nap, NULL);
    }
    return 1;
}

/* One nonblocking reduction: the maximum of the statuses and of -rank of
 * the failed (the first of them); a process that failed can give up. */
int cluster_agree(int rc)
{
    if (g_failed)
        return rc ? rc : g_failed;
    if (g_size == 1)
        return rc;
    int mine[2] = {rc, rc ? -g_rank : -g_size}, all[2];
    MPI_Request req;
    MPI_Iallreduce(mine, all, 2, MPI_INT, MPI_MAX, g_agree, &req);
    if (!wait_napping(&req, rc ? CLUSTER_GIVE_UP : -1)) {
        /* the others are stuck where this process left them */
        display_release();
        MPI_Abort(MPI_COMM_WORLD, rc);
    }
    if (all[0] == 0)
        return 0;
    g_failed = all[0];
    if (-all[1] == g_rank)
        display_release();
    return rc ? rc : g_failed;
}

void cluster_share_of(int r, long n, long *first, long *count)
{
    long R = g_size;
    *first = n * r / R;
    *count = n * (r + 1) / R - *first;
}

void cluster_share(long n, long *first, long *count) { cluster_share_of(g_rank, n, first, count); }

void cluster_gatherv(double *all, const double *mine, long count)
{
    if (g_size == 1) {
        if (all != mine)
            memcpy(all, mine, (size_t)count * sizeof *all);
        return;
    }
    int n = (int)count; /* a chunk's: far below INT_MAX (grid_chunks.h) */
    (void)MPI_Gather(&n, 1, MPI_INT, g_counts, 1, MPI_INT, 0, PETSC_COMM_WORLD);
    for (int r = 0, at = 0; g_rank == 0 && r < g_size; at += g_counts[r++])
        g_displs[r] = at;
    MPI_Request req;
    (void)MPI_Igatherv(mine, n, MPI_DOUBLE, all, g_counts, g_displs, MPI_DOUBLE, 0,
                       PETSC_COMM_WORLD, &req);
    wait_napping(&req, -1);
}

void cluster_bcast(long *v, int n)
{
    if (g_size > 1)
        (void)MPI_Bcast(v, n, MPI_LONG, 0, PETSC_COMM_WORLD);
}

void cluster_sum(unsigned long *v, int n)
{
    if (g_size > 1)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UNSIGNED_LONG, MPI_SUM, PETSC_COMM_WORLD);
}

int cluster_same_command(int argc, char **argv)
{
    if (g_size == 1)
        return 0;
    uint64_t h = 1469598103934665603u; /* FNV-1a over the arguments and their ends */
    for (int i = 0; i < argc; i++)
        for (const unsigned char *c = (const unsigned char *)argv[i];; c++) {
            h = (h ^ *c) * 1099511628211u;
            if (!*c)
                break;
        }
    uint64_t lo, hi;
    (void)MPI_Allreduce(&h, &lo, 1, MPI_UINT64_T, MPI_MIN, PETSC_COMM_WORLD);
    (void)MPI_Allreduce(&h, &hi, 1, MPI_UINT64_T, MPI_MAX, PETSC_COMM_WORLD);
    if (lo == hi)
        return 0;
    return usage_error(NULL, "the processes of this MPI run were started with different "
                             "command lines: every process runs the same geoembed command");
}

int cluster_rank(void) { return g_rank; }
int cluster_failed(void) { return g_failed; }
int cluster_size(void) { return g_size; }
const ge_backend *cluster_backend(void) { return &g_backend; }

void cluster_describe(char *buf, size_t n)
{
    if (g_fit.solves == 0) {
        if (n)
            buf[0] = 0;
        return;
    }
    snprintf(buf, n,
             "distributed solve on %d process%s: %ld solve%s, %ld CG iterations (%s "
             "preconditioner), %.2fs (relative residual %g)",
             g_size, g_size == 1 ? "" : "es", g_fit.solves, g_fit.solves == 1 ? "" : "s",
             g_fit.iterations, g_fit.last.pc, g_fit.seconds, GE_DSOLVE_RTOL);
}
