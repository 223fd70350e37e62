/* The default model's normal equations solved across MPI processes with
 * PETSc (the PETSc build only: make PETSC=1).
 *
 * Per output the field f over the W x H cells solves
 *
 *     (A' D A + mu Q) f = A' D y
 *
 * as in solve.h (A the read-out rows of 4 cells, D the data weights, Q the
 * curvature penalty of curvature.h's ge_penalty_terms_block, mu = lambda' *
 * sum d). The grid is a 2-D DMDA: x runs along h (H cells, periodic when
 * the model wraps in y), y along w (W cells, periodic when it wraps in x),
 * so that its natural ordering is the model's cell order w*H + h, with a box stencil of width 2
 * (the reach of the penalty's second differences: its ghost region is the
 * halo). The matrix holds the 13-point pattern in the DMDA's layout; each
 * process adds the penalty terms anchored at its own cells and the samples
 * it is given (dfit.c: those of its stripe of the model's rows); rows of
 * other processes' cells travel in the assembly. Solved by conjugate
 * gradients preconditioned by algebraic multigrid (hypre's BoomerAMG, or
 * PCGAMG where PETSc lacks hypre) to a relative preconditioned residual of
 * GE_DSOLVE_RTOL; PETSc's options (PETSC_OPTIONS="-pc_type gamg ...")
 * override. */
#ifndef GEOEMBED_PETSC_DSOLVE_H
#define GEOEMBED_PETSC_DSOLVE_H

#include <stddef.h>

#include <mpi.h>

#include "geoembed/error.h"

/* Relative (preconditioned) residual at which CG stops. */
#define GE_DSOLVE_RTOL 1e-10

/* Bytes a cell of a process's block takes in the solve (matrix, vectors and
 * the preconditioner's hierarchy), measured (bench/SCALING.md): algebraic
 * multigrid (hypre's BoomerAMG; GAMG is taken alike), geometric multigrid
 * on the DMDA, and any other preconditioner (the matrix and CG's vectors). */
#define GE_DSOLVE_AMG_CELL_BYTES 760.0
#define GE_DSOLVE_MG_CELL_BYTES 650.0
#define GE_DSOLVE_CELL_BYTES 250.0

/* The estimate of bytes a cell for a PETSc preconditioner type (PCHYPRE...). */
double ge_dsolve_cell_bytes(const char *pc);

typedef struct {
    long iterations;    /* CG iterations of the last solve */
    double setup_s;     /* seconds of the last assembly and preconditioner set-up */
    double solve_s;     /* seconds of the last solve */
    double halo_bytes;  /* bytes of one ghost exchange of a field, all processes together */
    double halo_max;    /* the same for the process with the most */
    double matrix_bytes; /* the matrix's values and indices on this process */
    double sent_bytes;  /* bytes this process sent in the last solve (PETSc's message log) */
    double reductions;  /* global reductions in the last solve */
    char pc[16];        /* the preconditioner (PETSc's name: hypre, mg, gamg...) */
} ge_dsolve_stats;

typedef struct ge_dsolver ge_dsolver;

/* A solver for a W x H grid (wx, wy: the axis wraps) over the processes of
 * comm (collective). stripes: each process owns the cells of its stripe of
 * rows (ge_stripe_rows: a fit's routed samples add to their own process's
 * rows of the matrix, not to another's through PETSc's stash) where every
 * stripe has 2 rows or more; otherwise PETSc's blocks. NULL with err on
 * failure. */
ge_dsolver *ge_dsolver_new(MPI_Comm comm, int W, int H, int wx, int wy, int stripes,
                           ge_error *err);
void ge_dsolver_free(ge_dsolver *s);

/* The block of cells this process owns: w0 <= w < w1, h0 <= h < h1. */
void ge_dsolver_owned(const ge_dsolver *s, int *w0, int *w1, int *h0, int *h1);


/* Assembles A'DA + mu Q from n samples with read-out cells cell[n][4] and
 * weights wgt[n][4] (ge_exact_readout), data weights d[n] (the process
 * passes the samples it owns; any cell may be passed, it only travels), and
 * sets up the preconditioner (collective). Before the set-up, the memory it
 * will take (ge_dsolve_cell_bytes a cell) is checked against what each node
 * has (ge_mem_available, for the node's processes together): every process
 * fails when one node lacks it. Returns 0 or -1 with err. */
int ge_dsolver_assemble(ge_dsolver *s, size_t n, const size_t (*cell)[4],
                        const double (*wgt)[4], const double *d, double mu, ge_error *err);

/* Solves with the right-hand side A'Dy of the same n samples, dy[n] = d y
 * (collective); ge_dsolver_rows then gives each process the rows of the
 * solution it asks for. Returns 0 or -1 with err (no convergence). */
int ge_dsolver_solve(ge_dsolver *s, size_t n, const size_t (*cell)[4], const double (*wgt)[4],
                     const double *dy, ge_error *err);

/* Rows row0 .. row0 + n - 1 of the last solution (modulo W; n <= W) into
 * f[n*H] on this process, any rows it asks for (collective: every process
 * calls, each for its own rows). Returns 0 or -1 with err. */
int ge_dsolver_rows(ge_dsolver *s, int row0, int n, double *f, ge_error *err);

const ge_dsolve_stats *ge_dsolver_stats(const ge_dsolver *s);

#endif
