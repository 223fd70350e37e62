/* Running on a cluster: in the PETSc build (make PETSC=1, src/petsc/cluster.c)
 * the program starts MPI, rank 0 alone speaks and writes, and fit solves
 * through the distributed solver; the default build (cluster_local.c) is
 * one process with the local solver. */
#ifndef GEOEMBED_CLI_CLUSTER_H
#define GEOEMBED_CLI_CLUSTER_H

#include <stddef.h>

#include "geoembed/learn.h"

/* Before anything else: 0, or an exit status after an error message. */
int cluster_start(void);
/* At the end: returns the exit status rc (the MPI run is over). */
int cluster_finish(int rc);
int cluster_rank(void);
int cluster_size(void);
/* The exact fit's distributed solver, or NULL for the local one. */
const ge_backend *cluster_backend(void);
/* What the distributed solves took ("" without them), for fit's report. */
void cluster_describe(char *buf, size_t n);

#endif
