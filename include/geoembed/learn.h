/* The fitting policy behind one call: samples + settings -> model.
 *
 * ge_learn standardises the targets, chooses the curvature penalty by
 * cross-validation when asked (--smooth auto), and fits the model either
 * exactly (the default model's normal equations, solve.h; robust losses by
 * iteratively reweighted least squares through the same solver) or by
 * gradient training (fit.h: the reference mode, or when asked for). The
 * command line only reads options and data and calls it; cv and the
 * distributed driver reuse it. */
#ifndef GEOEMBED_LEARN_H
#define GEOEMBED_LEARN_H

#include <signal.h>
#include <stddef.h>

#include "geoembed/fit.h"
#include "geoembed/solve.h"

typedef enum {
    GE_METHOD_EXACT = 0,    /* sparse normal equations (default model) */
    GE_METHOD_GRADIENT = 1, /* epochs of Adam/SGD (reference mode, or asked for) */
} ge_method;

/* A solver of the exact fit's fields other than the local sparse Cholesky:
 * the distributed one of the PETSc build (src/petsc/). fields() gets the
 * samples xy[M][2] and standardised targets ys[M][O] of the model m (NaN:
 * missing, weighs 0), relative weights w[M] (NULL: all 1), the subset
 * idx[0..n) to fit (all when NULL) and the penalty lambda, and writes the
 * optimum fields of the squared error f[O][cells]: the whole grid's (cell
 * w*H + h) without rows(), else the rows of this process's span
 * (ge_backend_span: its rows and a halo, f[o][k*H + h] for span row k); all
 * processes call it alike. Returns 0 or -1 with err.
 *
 * With rows(), no process holds the whole grid: ge_learn fits a part of
 * the model (model.h) of the rows rows() names where they are not all of
 * them, computes the losses on the samples whose first read-out cell lies
 * in its rows and the penalty of the terms anchored there, and adds them
 * over the processes with sum(); coverage() computes the part's coverage
 * (as ge_model_coverage does the whole's) from the samples here, numbered
 * ids[M] in the whole data (NULL: 0..M-1).
 *
 * The samples may be routed (ge_learn_opts.total): each process then holds
 * those whose first read-out cell lies in its rows, and ge_learn takes
 * every whole-data figure (the standardisation, the folds, the counts) over
 * the processes, with sum() and max(). */
typedef struct {
    int (*fields)(void *ctx, const ge_model *m, const double *xy, const double *ys,
                  const double *w, size_t M, const size_t *idx, size_t n, double lambda,
                  double *f, ge_error *err);
    void (*rows)(void *ctx, int W, int *row0, int *rows);
    void (*sum)(void *ctx, double *v, int n); /* in place, over the processes */
    void (*max)(void *ctx, double *v, int n); /* the same, the largest */
    int (*coverage)(void *ctx, ge_model *part, const double *xy, const size_t *ids, size_t M,
                    ge_error *err);
    void *ctx;
} ge_backend;

/* The rows of the fields a process of a backend with rows() gets: its rows
 * row0 .. row0 + rows - 1 and max(1, p0) more each side (the penalty's and
 * the read-out's reach, and a part's embedding halo), clamped to the grid or
 * wrapped, as a part's rows (*g0, *gn): grid row w is span row
 * ge_part_row(s, *g0, *gn, w). */
static inline void ge_backend_span(const ge_shape *s, int row0, int rows, int *g0, int *gn)
{
    const int halo = s->p0 > 1 ? s->p0 : 1, W = s->W;
    if (s->wrap & GE_WRAP_X) {
        *gn = rows + 2 * halo < W ? rows + 2 * halo : W;
        *g0 = *gn == W ? 0 : ((row0 - halo) % W + W) % W;
    } else {
        *g0 = row0 - halo > 0 ? row0 - halo : 0;
        *gn = (row0 + rows + halo < W ? row0 + rows + halo : W) - *g0;
    }
}

typedef struct {
    ge_method method;
    ge_train_opts train; /* loss (both methods); optimiser, epochs... (gradient) */
    int smooth_auto;     /* choose train.smooth by cross-validation */
    int folds;           /* for smooth auto: 0 = by data size (see ge_learn_folds) */
    int standardize;     /* targets to zero mean, unit variance */
    const ge_model *init; /* gradient: start from this model (params, standardisation,
                           * transform) */
    const unsigned char *transform; /* [O] GE_TRANSFORM_* of each target, or NULL: none */
    const double *weights; /* [M] relative sample weights (exact method), or NULL: all 1 */
    ge_solver_kind solver; /* exact: Cholesky or multigrid (solve.h) */
    int draws; /* exact: posterior draws for the model's uncertainty (model.h); 0: none */
    /* The samples' median nearest-neighbour distance,
     * ge_median_nn_distance(xy, M, 20000, train.seed), where the caller has
     * it (0: ge_learn computes it; a million samples take 0.4 s) */
    double spacing;
    /* Covariates (exact method, squared error): their description, copied
     * into the model, and the samples' design rows z[M][nz] (covariates.h);
     * NULL: none. */
    const ge_covariates *cov;
    const double *z;
    int nz;
    double validation;    /* gradient: fraction held out for early stopping */
    ge_fit_opts fit;      /* gradient: epochs, patience, progress, checkpoints */
    /* Progress of the penalty search and the solve: phase name, steps done
     * of total (called from one thread at a time). */
    void (*progress)(void *ctx, const char *phase, long done, long total);
    void *ctx;
    volatile sig_atomic_t *stop; /* when set: the search ends with the best so far */
    /* Interruptions counted by the caller (NULL: none): once the count grows
     * after the exact fit's solve began (after the search), the solve gives
     * up, ge_learn fails ("interrupted") and result.interrupted is set; no
     * part of a solve is a model to keep. */
    volatile sig_atomic_t *interrupts;
    /* Exact method: the fields from this solver instead of the local one
     * (NULL: local). It takes the squared error without covariates or
     * draws; ge_learn refuses the rest. */
    const ge_backend *backend;
    /* Routed samples (a backend with rows() and max()): this process holds M
     * of the total samples of all processes, ids[M] their numbers in the
     * whole data (ascending). 0: every sample is here. spacing is then the
     * whole data's (0: none), never computed from the samples here. */
    size_t total;
    const size_t *ids;
} ge_learn_opts;

typedef struct {
    double smooth;       /* the penalty used (chosen, or as given) */
    int folds;           /* folds of the search (1: a 25% hold-out), 0 without one */
    int candidates;      /* penalties tried */
    double tried_lo, tried_hi; /* the smallest and largest penalty tried */
    int interpolated;    /* the choice lies between the candidates: the vertex of
                          * the held-out error's parabola through the best and
                          * its neighbours (0: the best candidate itself) */
    double cv_loss;      /* mean absolute held-out error of the chosen penalty
                          * (standardised units; interpolated: the parabola's) */
    int search_stopped;  /* the search was cut short by *stop */
    int interrupted;     /* the exact solve gave up on an interruption (interrupts) */
    double train_loss;   /* mean loss on the samples (standardised units) */
    double objective;    /* train_loss + penalty */
    double ridge;        /* exact: diagonal ridge added to a singular system, else 0 */
    int irls;            /* exact, robust loss: reweighting iterations of the final fit */
    ge_fit_result fit;   /* gradient: the epoch loop's result */
} ge_learn_result;

/* Bytes an exact fit of this shape on M samples needs, with the penalty
 * search on this many threads (each holds a solver): for the estimate fit
 * prints before it allocates. */
double ge_solve_memory(const ge_shape *s, size_t M, int threads, ge_solver_kind kind);

/* Folds of the penalty search for M samples: 5 up to 2000, else one 25%
 * hold-out (returned as 1). */
int ge_learn_folds(size_t M);

/* Fits a model of this shape (N >= O for the exact method; ignored with
 * o->init, whose copy is trained) to the M samples xy[M][2], y[M][O] in the
 * targets' units, into m (free with ge_model_free). Returns 0, or -1 with err
 * (m then holds nothing). */
int ge_learn(const ge_shape *shape, const double *xy, const double *y, size_t M,
             const ge_learn_opts *o, ge_model *m, ge_learn_result *r, ge_error *err);

/* The penalty search alone, on standardised targets ys[M][O]: the value with
 * the lowest K-fold mean absolute held-out error (fits with o->train.loss). */
int ge_choose_smooth(const ge_model *m, const double *xy, const double *ys, size_t M,
                     const ge_learn_opts *o, ge_learn_result *r, ge_error *err);

/* Mean and population standard deviation of each target (std 1 where it is 0);
 * -1 with err when they overflow. */
int ge_standardize(const double *y, size_t M, int O, double *mean, double *std, ge_error *err);
/* The same with relative sample weights w[M] (NULL: all 1). */
int ge_standardize_weighted(const double *y, const double *w, size_t M, int O, double *mean,
                            double *std, ge_error *err);

#endif
