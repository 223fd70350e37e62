/* The fitting driver: epochs of training, validation error per epoch, early
 * stopping that keeps the best epoch, divergence detection, and a stop flag
 * that a signal handler may set. */
#ifndef GEOEMBED_FIT_H
#define GEOEMBED_FIT_H

#include <signal.h>

#include "geoembed/rng.h"
#include "geoembed/train.h"

typedef struct {
    long epochs_run;
    long best_epoch; /* 1-based epoch whose parameters the model holds */
    double train_loss, valid_loss;
    int stopped; /* 1: stopped by *stop; 2: stopped early by patience */
} ge_fit_result;

/* Everything the epoch loop carries from one epoch to the next besides the
 * model's parameters: what a checkpoint saves and a resume restores, so that
 * an interrupted training continues to a byte-identical result. */
typedef struct {
    long epoch; /* epochs completed */
    double best_score;
    long since_best;
    ge_fit_result res;
    double *best; /* [n_params] best parameters so far (with validation) */
    long opt_t;   /* optimiser steps and state */
    size_t opt_words;
    double *opt_state;
    ge_rng rng; /* mini-batch shuffling */
} ge_fit_state;

typedef struct {
    long epochs;
    long patience;        /* 0: no early stopping */
    /* Without validation: end on the parameters of the lowest training loss
     * seen (before each step, and after the last), so that more epochs never
     * give a worse model. Off for the reference, whose last epoch is the
     * result. */
    int keep_best;
    const ge_data *valid; /* held-out samples, or NULL */
    /* Called after every epoch (valid is NaN without validation). */
    void (*progress)(void *ctx, long epoch, long epochs, double train, double valid);
    void *ctx;
    volatile sig_atomic_t *stop; /* when set, stop after the current epoch */
    /* Every checkpoint_every epochs (and when stopped by *stop), checkpoint is
     * called with the model and the loop state; a failure ends the fit. */
    long checkpoint_every;
    int (*checkpoint)(void *ctx, const ge_model *m, const ge_fit_state *st, ge_error *err);
    void *checkpoint_ctx;
    const ge_fit_state *resume; /* continue from this state (m holds its parameters) */
} ge_fit_opts;

/* Trains m on d. With validation the model ends holding the parameters of the
 * epoch with the lowest validation loss; with keep_best, without validation,
 * those of the lowest training loss. Returns -1 when the loss becomes NaN
 * or infinite (divergence); m then holds parameters that must not be saved. */
int ge_fit(ge_model *m, const ge_data *d, const ge_train_opts *o, const ge_fit_opts *fo,
           ge_fit_result *res, ge_error *err);

/* Mean loss (no penalty) of the model on d. */
double ge_data_loss(const ge_model *m, const ge_data *d, const ge_loss *loss);

#endif
