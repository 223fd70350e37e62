/* The PETSc build's cluster.h: MPI and PETSc started once for the run, the
 * distributed solver as the fit's backend. PETSc reads its options from the
 * PETSC_OPTIONS environment variable only, never from geoembed's command
 * line (whose -o would be PETSc's too). */
#include <stdio.h>

#include <petscsys.h>

#include "cluster.h"
#include "display.h"
#include "dfit.h"

static ge_dfit g_fit;
static ge_backend g_backend;
static int g_rank, g_size = 1, g_started;

int cluster_start(void)
{
    if (PetscInitialize(NULL, NULL, NULL, NULL))
        return runtime_error("PETSc could not start");
    g_started = 1;
    /* failures come back as codes with their message (dsolve.c), unprinted */
    PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
    MPI_Comm_rank(PETSC_COMM_WORLD, &g_rank);
    MPI_Comm_size(PETSC_COMM_WORLD, &g_size);
    g_backend = ge_dfit_backend(&g_fit, PETSC_COMM_WORLD);
    /* rank 0 speaks for all: the others' data output and messages go nowhere */
    if (g_rank > 0 && !freopen("/dev/null", "w", stdout))
        return runtime_error("cannot silence rank %d", g_rank);
    return 0;
}

int cluster_finish(int rc)
{
    if (g_started) {
        ge_dfit_free(&g_fit);
        PetscFinalize();
    }
    return rc;
}

int cluster_rank(void) { return g_rank; }
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
             "distributed solve on %d process%s: %ld solve%s, %ld CG iterations, %.2fs "
             "(relative residual %g)",
             g_size, g_size == 1 ? "" : "es", g_fit.solves, g_fit.solves == 1 ? "" : "s",
             g_fit.iterations, g_fit.seconds, GE_DSOLVE_RTOL);
}
