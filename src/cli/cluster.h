/* Running on a cluster: in the PETSc build (make PETSC=1, src/petsc/cluster.c)
 * the program starts MPI, rank 0 alone speaks and writes, fit solves through
 * the distributed solver and predict --grid shares each chunk's columns
 * out (grid_band.h); the default build (cluster_local.c) is one process with the local
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
#include "geoembed/samples.h"

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
/* The part of process r. */
void cluster_share_of(int r, long n, long *first, long *count);
/* Rank 0 receives into all every process's mine[count], one after the
 * other in rank order (collective; on one process a copy). */
void cluster_gatherv(double *all, const double *mine, long count);
/* The sum over the processes of v[n], on every process (collective). */
void cluster_sum(unsigned long *v, int n);
/* Rank 0's v[n] on every process (collective). */
void cluster_bcast(long *v, int n);
/* Writes the model file (collective): one process writes it whole; under
 * mpirun every process writes its stripe of the embedding (src/petsc/dmodel.c,
 * model_stripes.h). Returns 0 or an exit status (printed). */
int cluster_model_save(const char *path, const ge_model *m, const ge_meta *meta);
/* Under mpirun (cluster_size() > 1), a CSV input is read by shares: this
 * is its ge_sample_opts.share (samples.h), which gives each process its
 * part of the rows (src/petsc/csv_share.c; collective). */
int cluster_csv_share(void *ctx, const char *path, long long data_begin, long data_line,
                      long long *begin, long long *end, long *line, ge_error *err);
/* After a read of path by shares (kept or not): the samples of every
 * process, in the file's order, on every process (their lines, weights when
 * `weights`, the counts of rows skipped summed), and the default targets' suspects left
 * out (`suspects`) as one reader of the whole file would (collective): what
 * follows is the fit of a whole read. Returns 0 or an exit status (printed). */
int cluster_samples_join(const char *path, ge_samples *s, int weights, int suspects);
/* After a read of path by shares, each process may keep its rows instead
 * (cluster_samples_keep: the skipped rows' counts summed, the shares said
 * under -v; collective). While they are kept (cluster_samples_kept), the
 * fit's whole-data figures are reductions over the processes: */
int cluster_samples_keep(const char *path, ge_samples *s);
/* Before it: the default targets' suspects left out (their values told by
 * every process's rows), as one reader of the whole file would (collective). */
int cluster_samples_suspects(ge_samples *s);
int cluster_samples_kept(void);
void cluster_samples_unkeep(void); /* cluster_samples_join's */
/* n summed over the processes (n itself unless kept; collective), */
size_t cluster_total(size_t n);
/* the bounds b = {xmin, ymin, xmax, ymax} of them all (collective), */
void cluster_bounds(double b[4]);
/* ge_median_nn_distance_on of all samples (collective). */
double cluster_spacing(const ge_shape *sh, const double *xy, size_t M, size_t max_queries,
                       uint64_t seed);
/* Kept samples to the process whose stripe of the model of shape sh holds
 * their first read-out cell (ge_stripe_rows; collective): s then holds
 * those, in the file's order, *ids their numbers among the *total samples
 * of all processes (free it). Returns 0 or an exit status (printed). */
int cluster_route(const ge_shape *sh, ge_samples *s, size_t **ids, size_t *total);
/* The status of a failure already agreed on (its message printed), or 0. */
int cluster_failed(void);
/* The exact fit's distributed solver, or NULL for the local one. */
const ge_backend *cluster_backend(void);
/* What the distributed solves took ("" without them), for fit's report. */
void cluster_describe(char *buf, size_t n);

#endif
