/* Rows of doubles from every process to every process: what routes the
 * samples (src/petsc/shares.c) and the coverage's seeds (dcoverage.c). */
#ifndef GEOEMBED_PETSC_ALLTOALL_H
#define GEOEMBED_PETSC_ALLTOALL_H

#include <stddef.h>

#include <mpi.h>

#include "geoembed/error.h"

/* out holds this process's rows of `width` doubles grouped by destination,
 * count[r] of them for process r, in rank order; every process receives
 * the rows sent to it, from the processes in rank order, into a new array
 * *in of *got rows (free it). Collective. 0, or -1 with err on every
 * process alike when one lacks the memory or a count passes MPI's int. */
int ge_alltoall_rows(MPI_Comm comm, const double *out, const size_t *count, int width,
                     double **in, size_t *got, ge_error *err);

#endif
