/* The exact solver of the default model (SPEC 1b).
 *
 * With the bilinear read-out and the curvature penalty the training loss is
 * quadratic in the field F, one output at a time:
 *
 *     J(f) = (1 / sum d) sum_i d_i (a_i . f - y_i)^2 + lambda' f' Q f
 *
 * a_i the read-out weights of sample i (4 cells), d_i its weight (1 for the
 * mean squared error; reweighting for robust losses), Q the thin-plate energy
 * of curvature.c as a quadratic form, lambda' = lambda * ge_curvature_scale /
 * (W H) as the trainer scales it. Its minimum solves a sparse symmetric
 * positive definite system over the W*H cells,
 *
 *     (A' D A + mu Q) f = A' D y,   mu = lambda' * sum d,
 *
 * factorised with CHOLMOD (sparse Cholesky, fill-reducing ordering analysed
 * once per grid: every candidate penalty and every fold reuses it), or on
 * grids of more cells than GE_MULTIGRID_CELLS solved by conjugate gradients
 * with a multigrid preconditioner (multigrid.c: memory linear in the cells,
 * where the factor of a million-cell grid takes gigabytes). */
#ifndef GEOEMBED_SOLVE_H
#define GEOEMBED_SOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "geoembed/error.h"
#include "geoembed/model.h"

typedef struct ge_solver ge_solver;

/* A solver for the grid of m (bilinear read-out) and the M samples at xy[M][2]:
 * any subset of them can then be fit (folds) without a new analysis. m must
 * outlive the solver (only its shape is used). */
ge_solver *ge_solver_new(const ge_model *m, const double *xy, size_t M, ge_error *err);

/* The way of solving: by the grid's size (auto), or either one. */
typedef enum { GE_SOLVER_AUTO, GE_SOLVER_CHOLESKY, GE_SOLVER_MULTIGRID } ge_solver_kind;
/* Cells above which auto takes multigrid: there the whole default fit
 * (search, draws) costs no more CPU time than by a Cholesky factor, in
 * about half the memory (measured on one thread, bench/fit/make_data.py's
 * uniform field: 341x341 cells, 17.1 CPU-s and 0.50 GB by Cholesky against
 * 16.8 CPU-s and 0.29 GB; 516x516 cells, 49 CPU-s and 1.16 GB against 42
 * and 0.61 GB). Below, the factor is faster; above about 4,000,000 cells it
 * outgrows a machine's memory (9 GB at 2000x2000 cells, 43 GB at 4000x4000). */
#define GE_MULTIGRID_CELLS 200000
ge_solver *ge_solver_new_kind(const ge_model *m, const double *xy, size_t M, ge_solver_kind kind,
                              ge_error *err);
int ge_solver_uses_multigrid(ge_solver_kind kind, int W, int H);
void ge_solver_free(ge_solver *s);

/* The data term of samples idx[0..n) (all when idx is NULL) with weights
 * d[0..n) (NULL: all 1), as (1 / norm) sum d_i r_i^2; norm 0 means the sum of
 * the weights (relative sample weights), the count n gives reweighted
 * squares of a robust loss. Replaces the previous data term. */
void ge_solver_set_data(ge_solver *s, const size_t *idx, size_t n, const double *d,
                        double norm);

/* Factorises A'DA + mu Q for this lambda (the --smooth value). A system that
 * is not positive definite (too few samples to pin the plane the penalty
 * leaves free, or lambda 0 with empty cells) gets the smallest diagonal ridge
 * that makes it so; ge_solver_ridge tells which. Returns 0 or -1 with err. */
int ge_solver_factor(ge_solver *s, double lambda, ge_error *err);
double ge_solver_ridge(const ge_solver *s);

/* The read-out of a point as the exact solvers use it: 4 cells (cell =
 * w*H + h) and weights, the bilinear read-out's, or for a cell read-out
 * the point's cell (the edge cell past a clamped edge) with weight 1 and
 * three zero weights repeating it. */
void ge_exact_readout(const ge_model *m, double x, double y, size_t cell[4], double wgt[4]);

/* Right-hand side A'Dy for samples idx[0..n) (as in set_data), target column o
 * of y[M][O] (y indexed by sample number, not by k): rhs[W*H]. */
void ge_solver_rhs(const ge_solver *s, const size_t *idx, size_t n, const double *d,
                   const double *y, int O, int o, double *rhs);

/* Solves for nrhs right-hand sides stored one after another (rhs[nrhs][W*H]);
 * the fields go to f[nrhs][W*H]. Returns 0 or -1 with err. */
int ge_solver_solve(ge_solver *s, const double *rhs, int nrhs, double *f, ge_error *err);

/* The relative residual the multigrid path solves fields to (rtol <= 0:
 * the default, 1e-10); the Cholesky path solves exactly whatever it is. */
void ge_solver_set_tolerance(ge_solver *s, double rtol);

/* The multigrid path's next solve starts column k from f[k][W*H] (k < ncol)
 * instead of from its last solution (the penalty search starts a candidate
 * from its nearest one's field); nothing on the Cholesky path. Returns 0 or
 * -1 with err. */
int ge_solver_warm_start(ge_solver *s, const double *f, int ncol, ge_error *err);

/* The read-out of sample i (0 <= i < M) from a field f[W*H]. */
double ge_solver_predict(const ge_solver *s, size_t i, const double *f);

/* For the dual (kriging) form of dual.c: the cell count, the factor from
 * lambda to lambda' per unit of data weight, the read-out of sample i, the
 * functions the penalty leaves free (1, and the cell's w and h on clamped
 * axes) read out at sample i into t[r] (returns r <= 3), and the factor of
 * the penalty with the free plane pinned at r cells (Q + P, positive definite;
 * -1 on grids under 4x4). */
size_t ge_solver_cells(const ge_solver *s);
double ge_solver_scale(const ge_solver *s);
void ge_solver_readout(const ge_solver *s, size_t i, size_t cell[4], double w[4]);
int ge_solver_null_basis(const ge_solver *s, size_t i, double *t);
int ge_solver_factor_pinned(ge_solver *s, ge_error *err);

/* The posterior spread of the fit, by draws: with the factor of the last
 * ge_solver_factor on the data of samples idx[0..n) (all when NULL) with
 * weights d (as set_data had them), the diagonal of H^-1 (H = A'DA + mu Q,
 * the system matrix) at every cell into cell_var[cells] (unless NULL), and
 * a_i H^-1 a_i' at samples at[0..nat) into at_var[nat] (unless NULL), each
 * the mean square of `draws` seeded Gaussian draws of covariance H^-1
 * (relative error about sqrt(2 / draws)). Times the noise variance these
 * are the posterior variances of the default model read as a Gaussian
 * Markov random field. */
int ge_solver_variances(ge_solver *s, const size_t *idx, size_t n, const double *d, int draws,
                        uint64_t seed, double *cell_var, const size_t *at, size_t nat,
                        double *at_var, ge_error *err);

/* Calls done(ctx, b) after each block of b draws of ge_solver_variances
 * (NULL: nothing), so that a long uncertainty shows its progress. */
void ge_solver_on_draws(ge_solver *s, void (*done)(void *ctx, int draws), void *ctx);

/* The solves give up (-1, "interrupted") once stop(ctx) says so: checked
 * before each block of draws and, by multigrid, at every iteration (a
 * factorisation runs to its end). NULL: never. */
void ge_solver_on_interrupt(ge_solver *s, int (*stop)(void *ctx), void *ctx);

/* f' Q f: the thin-plate energy (sum over the grid, before scaling). */
double ge_solver_energy(const ge_solver *s, const double *f);

/* Bytes the solver of a W x H grid needs before factorising: the pattern, its
 * value arrays and the per-sample read-out of M samples. */
double ge_solver_base_bytes(int W, int H, size_t M);

/* Stores fields F[W][H][O] (cell-major, as ge_field computes them) as the
 * model's parameters: embedding = field, kernel = identity at its centre tap,
 * bias 0, so that ge_field(m) reproduces F exactly. Needs N >= O. */
int ge_model_set_field(ge_model *m, const double *F, ge_error *err);

#endif
