/* Training: loss and gradient of a set of samples, optimiser steps, epochs.
 *
 * A prediction depends only on the field F (see model.h), so a step computes
 * F once at every cell that some sample reads (every cell when the curvature
 * penalty is on), reads the samples from it, and sends the gradient back cell
 * by cell: each occupied cell's forward and backward runs once per step, not
 * once per sample. This is exact, not an approximation.
 *
 * A step that touches a quarter of the cells or more (a full batch of many
 * samples, or any step with the penalty) runs the whole grid through the
 * convolution engine (conv.h): its results are the same on any thread count,
 * so the trainer times such steps on one thread and on all and runs the
 * faster (on a machine that other processes share, one thread can be).
 * Sparser steps go cell by cell: threads (OpenMP) split the cells in fixed
 * contiguous chunks and reduce their partial gradients in thread order, and
 * the same thread count gives byte-identical results. No allocation happens
 * per step. */
#ifndef GEOEMBED_TRAIN_H
#define GEOEMBED_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "geoembed/error.h"
#include "geoembed/loss.h"
#include "geoembed/model.h"
#include "geoembed/optim.h"
#include "geoembed/rng.h"

typedef struct {
    size_t M;
    int O;
    const double *xy; /* [M][2] */
    const double *y;  /* [M][O], in the model's (standardised) units */
    const double *z;  /* [M][ncoef] covariate design rows of a model with covariates, or NULL */
} ge_data;

typedef struct {
    ge_loss loss;
    ge_optim_opts optim;
    double smooth;     /* curvature penalty LAMBDA (0: the reference) */
    size_t batch_size; /* 0: full batch */
    uint64_t seed;     /* mini-batch shuffling */
} ge_train_opts;

typedef struct ge_trainer ge_trainer;

/* The trainer keeps pointers to m and d; both must outlive it. */
ge_trainer *ge_trainer_new(ge_model *m, const ge_data *d, const ge_train_opts *o, ge_error *err);
void ge_trainer_free(ge_trainer *t);

/* Loss of samples idx[0..n) (all samples when idx is NULL) plus the penalty;
 * with want_grad, the gradient (slab layout of the model's parameters) is left
 * in ge_trainer_grad(). */
double ge_trainer_loss(ge_trainer *t, const size_t *idx, size_t n, int want_grad);
const double *ge_trainer_grad(const ge_trainer *t);

/* One optimiser step on samples idx[0..n) (all when NULL); returns the loss
 * before the step. */
double ge_trainer_step(ge_trainer *t, const size_t *idx, size_t n);

/* One epoch: a full-batch step, or seeded shuffled mini-batches. Returns the
 * sample-weighted mean of the losses before each step. */
double ge_trainer_epoch(ge_trainer *t);

/* Bytes a training of this shape on M samples needs (parameters, gradients,
 * optimiser state, per-thread partial gradients, field, per-sample read-out),
 * for the memory estimate fit prints before it allocates. */
double ge_train_memory(const ge_shape *s, size_t M, int threads, int adam);

/* Optimiser state and shuffling generator, for checkpoints. */
ge_optim *ge_trainer_optim(ge_trainer *t);
ge_rng *ge_trainer_rng(ge_trainer *t);
#endif
