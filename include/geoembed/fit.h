/* The fitting driver: epochs of training, validation error per epoch, early
 * stopping that keeps the best epoch, divergence detection, and a stop flag
 * that a signal handler may set. */
#ifndef GEOEMBED_FIT_H
#define GEOEMBED_FIT_H

#include <signal.h>

#include "geoembed/train.h"

typedef struct {
    long epochs;
    long patience;        /* 0: no early stopping */
    const ge_data *valid; /* held-out samples, or NULL */
    /* Called after every epoch (valid is NaN without validation). */
    void (*progress)(void *ctx, long epoch, long epochs, double train, double valid);
    void *ctx;
    volatile sig_atomic_t *stop; /* when set, stop after the current epoch */
} ge_fit_opts;

typedef struct {
    long epochs_run;
    long best_epoch; /* 1-based epoch whose parameters the model holds */
    double train_loss, valid_loss;
    int stopped; /* 1: stopped by *stop; 2: stopped early by patience */
} ge_fit_result;

/* Trains m on d. With validation the model ends holding the parameters of the
 * epoch with the lowest validation loss. Returns -1 when the loss becomes NaN
 * or infinite (divergence); m then holds parameters that must not be saved. */
int ge_fit(ge_model *m, const ge_data *d, const ge_train_opts *o, const ge_fit_opts *fo,
           ge_fit_result *res, ge_error *err);

/* Mean loss (no penalty) of the model on d. */
double ge_data_loss(const ge_model *m, const ge_data *d, const ge_loss *loss);

#endif
