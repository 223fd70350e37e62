/* The coverage of a model held in stripes by the processes of an MPI run
 * (model.h: each cell's distance to its nearest training sample). */
#ifndef GEOEMBED_PETSC_DCOVERAGE_H
#define GEOEMBED_PETSC_DCOVERAGE_H

#include <stddef.h>

#include <mpi.h>

#include "geoembed/model.h"

/* part->coverage for the part's rows, each process holding its stripe
 * (its rows follow the previous process's, in rank order, every process
 * with at least one) and every sample xy[M][2] (collective). The sweeps
 * of ge_model_coverage run on each stripe, and the rows next to a stripe
 * travel between neighbours after each pair of sweeps, until no process
 * changes a cell: the same propagation of nearest samples as on one
 * process, in another order. Returns 0 or -1 with err. */
int ge_dcoverage(MPI_Comm comm, ge_model *part, const double *xy, size_t M, ge_error *err);

#endif
