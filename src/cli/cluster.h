/* Running on a cluster: in the PETSc build (make PETSC=1, src/petsc/cluster.c)
 * the program starts MPI, rank 0 alone speaks and writes, fit solves through
 * the distributed solver and predict --grid shares the rows of each chunk
 * out; the default build (cluster_local.c) is one process with the local
 * solver.
 *
 * Failures: a process that fails says so at the next agreement
 * (cluster_agree), which every process reaches in the same order on its way
 * (the last one in cluster_finish); from then on all of them know, stop, and
 * exit with the failure's status, and the first process to fail prints its
 * message (the ranks after 0 hold theirs, display.h). A process that failed
 * while the others wait in a collective it left gives up waiting after
 * CLUSTER_GIVE_UP seconds and ends the run (MPI_Abort). */
#ifndef GEOEMBED_CLI_CLUSTER_H
#define GEOEMBED_CLI_CLUSTER_H

#include <stddef.h>

#define CLUSTER_GIVE_UP 10

#include "geoembed/learn.h"
#include "geoembed/modelfile.h"

/* Before anything else: 0, or an exit status after an error message. */
int cluster_start(void);
/* At the end: returns the exit status rc (the MPI run is over). */
int cluster_finish(int rc);
/* 0 when every process runs the same command line (argv), else a usage
 * error's status: their collective steps would not match (collective). */
int cluster_same_command(int argc, char **argv);
int cluster_rank(void);
int cluster_size(void);
/* Every process's status rc, once all of them have one: 0, or the worst
 * failure (this process's own when it failed). Collective, and after a
 * failure has been agreed on it only returns it. */
int cluster_agree(int rc);
/* The part of n units (rows) this process computes: [*first, *first + *count). */
void cluster_share(long n, long *first, long *count);
/* Rank 0 receives into all[n * unit] every process's share of the n units
 * (cluster_share), each unit `unit` doubles; this process's share is
 * mine[count * unit]. all may be mine on one process (collective). */
void cluster_gather(double *all, const double *mine, long n, long unit);
/* The sum over the processes of v[n], on every process (collective). */
void cluster_sum(unsigned long *v, int n);
/* Rank 0's v[n] on every process (collective). */
void cluster_bcast(long *v, int n);
/* Writes the model file (collective): one process writes it whole; under
 * mpirun every process writes its stripe of the embedding (src/petsc/dmodel.c,
 * model_stripes.h). Returns 0 or an exit status (printed). */
int cluster_model_save(const char *path, const ge_model *m, const ge_meta *meta);
/* The exact fit's distributed solver, or NULL for the local one. */
const ge_backend *cluster_backend(void);
/* What the distributed solves took ("" without them), for fit's report. */
void cluster_describe(char *buf, size_t n);

#endif
