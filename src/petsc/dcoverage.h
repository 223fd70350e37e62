/* The coverage of a model held in stripes by the processes of an MPI run
 * (model.h: each cell's distance to its nearest training sample). */
#ifndef GEOEMBED_PETSC_DCOVERAGE_H
#define GEOEMBED_PETSC_DCOVERAGE_H

#include <stddef.h>

#include <mpi.h>

#include "geoembed/model.h"

/* part->coverage for the part's rows, each process holding its stripe
 * (its rows follow the previous process's, in rank order, every process
 * with at least one) and samples xy[M][2] numbered ids[M] in the whole
 * data (NULL: 0..M-1; collective). Each process seeds from the samples
 * whose first read-out cell lies in its rows (all of them, or every
 * process's routed samples: each sample once), the cells of other stripes
 * that a sample seeds travelling to their process. The sweeps
 * of ge_model_coverage run on each stripe, and the rows next to a stripe
 * travel between neighbours after each pair of sweeps, until no process
 * changes a cell: the same propagation of nearest samples as on one
 * process, in another order. Returns 0 or -1 with err. */
int ge_dcoverage(MPI_Comm comm, ge_model *part, const double *xy, const size_t *ids, size_t M,
                 ge_error *err);

#endif
