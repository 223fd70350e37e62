/* One fit on a subset of the samples: the piece that fit and cv share. The
 * policy (standardisation, the penalty search, exact or gradient fit) is the
 * library's ge_learn; this wires a command's settings to it. */
#ifndef GEOEMBED_CLI_TRAINJOB_H
#define GEOEMBED_CLI_TRAINJOB_H

#include "geoembed/learn.h"
#include "geoembed/samples.h"
#include "settings.h"

typedef struct {
    const fit_settings *fs;
    const ge_model *init; /* start from this model (parameters, standardisation), or NULL */
    double validation;    /* gradient: fraction held out inside the run (early stopping) */
    ge_fit_opts fo;       /* gradient: epochs, patience, progress, stop; valid is set here */
    void (*progress)(void *ctx, const char *phase, long done, long total);
    void *ctx;
    volatile sig_atomic_t *stop;
    volatile sig_atomic_t *interrupts; /* counted interruptions (ge_learn_opts) */
    const double *z; /* covariate design rows of every sample of s (samples_design), or NULL */
    int nz;
    const ge_backend *backend; /* exact fits: a distributed solver (cluster.h), or NULL */
    /* Samples routed over the backend's processes (cluster_route): s holds
     * this process's, numbered ids in the whole data of total; spacing is
     * the whole data's (0: none). total 0: every sample is in s. */
    size_t total;
    const size_t *ids;
    double spacing;
} train_job;

/* The covariates' design rows z[M][nz] of the samples (s->cov standardised
 * first), or *z NULL when there are none. Returns 0 or an exit status after
 * printing the error (a covariate of one class, too many columns). */
int samples_design(ge_samples *s, double **z, int *nz);
/* Whether every covariate varies over samples idx[0..n) of s (all when idx
 * is NULL): two classes or more, numbers not all the same. Otherwise 0, with
 * what does not vary in why. A covariate that does not vary has no
 * coefficient to learn (a constant's was stored as 0, and a class never
 * seen took another's value). */
int covariates_vary(const ge_samples *s, const size_t *idx, size_t n, char *why, size_t len);

/* Fits a model on samples idx[0..n) of s (all when idx is NULL) into m (caller
 * frees with ge_model_free). Returns 0 or -1 with err. */
int train_on(const train_job *j, const ge_samples *s, const size_t *idx, size_t n, ge_model *m,
             ge_learn_result *res, ge_error *err);

/* Sample indices of fold k (te) and of the other folds (tr); a sample of
 * fold -1 is in neither (another group's, cv --group). */
void fold_split(const int *fold, size_t M, int k, size_t *tr, size_t *ntr, size_t *te,
                size_t *nte);

#endif
