/* One training run on a subset of the samples: the piece that fit, cv and the
 * automatic choice of --smooth share. */
#ifndef GEOEMBED_CLI_TRAINJOB_H
#define GEOEMBED_CLI_TRAINJOB_H

#include "geoembed/fit.h"
#include "geoembed/folds.h"
#include "geoembed/samples.h"
#include "settings.h"

typedef struct {
    const fit_settings *fs;
    const ge_model *init; /* start from this model (parameters, standardisation), or NULL */
    double validation;    /* fraction held out inside the run (early stopping) */
    ge_fit_opts fo;       /* epochs, patience, progress, stop; valid is set here */
} train_job;

/* Trains a model on samples idx[0..n) of s (all when idx is NULL) into m (caller
 * frees with ge_model_free). Returns 0 or -1 with err. */
int train_on(const train_job *j, const ge_samples *s, const size_t *idx, size_t n, ge_model *m,
             ge_fit_result *res, ge_error *err);


/* Sample indices of fold k (te) and of the other folds (tr). */
void fold_split(const int *fold, size_t M, int k, size_t *tr, size_t *ntr, size_t *te,
                size_t *nte);

/* Chooses the curvature penalty by validation error (K-fold for small data, a
 * held-out part otherwise) and stores it in fs->train.smooth. Returns 0, or -1
 * with err (also when *stop was set: the search ends at the current epoch). */
int choose_smooth(fit_settings *fs, const ge_samples *s, volatile sig_atomic_t *stop, char *why,
                  size_t whylen, ge_error *err);

#endif
