/* The exact fit's fields by the distributed solver (dsolve.h), as a backend
 * of ge_learn (learn.h) that holds the model in stripes: every process holds
 * the samples, adds those whose first read-out cell its block of the solver
 * owns, and receives the rows of its stripe of the model (ge_stripe_rows)
 * with their halo; ge_learn fits a part of the model of those rows. */
#ifndef GEOEMBED_PETSC_DFIT_H
#define GEOEMBED_PETSC_DFIT_H

#include <mpi.h>

#include "geoembed/learn.h"
#include "dsolve.h"

typedef struct {
    MPI_Comm comm;
    struct ge_dsolver *s; /* for the grid of the last call */
    int W, H, wx, wy;
    long solves, iterations; /* totals over the calls */
    double seconds;
    ge_dsolve_stats last;
} ge_dfit;

/* A backend over the processes of comm; ge_dfit_free releases its solver. */
ge_backend ge_dfit_backend(ge_dfit *d, MPI_Comm comm);
void ge_dfit_free(ge_dfit *d);

#endif
