/* Optimisers with PyTorch 1.13's update rules, over one parameter slab.
 *
 * adam: m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *       p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * sgd:  buf = g on the first step, then buf = momentum buf + g;  p -= lr buf
 *       (momentum 0: p -= lr g). No dampening, no Nesterov, no weight decay. */
#ifndef GEOEMBED_OPTIM_H
#define GEOEMBED_OPTIM_H

#include <stddef.h>

/* GE_OPT_EXACT is no optimiser: it marks a model solved exactly (learn.h) in
 * model files and summaries; ge_optim_new and --optimizer never take it. */
typedef enum { GE_OPT_ADAM = 0, GE_OPT_SGD = 1, GE_OPT_EXACT = 2 } ge_optim_kind;

typedef struct {
    ge_optim_kind kind;
    double lr;
    double beta1, beta2, eps; /* adam */
    double momentum;          /* sgd */
} ge_optim_opts;

typedef struct {
    ge_optim_opts o;
    size_t n;
    long t;        /* steps taken */
    double *state; /* adam: m[n] then v[n]; sgd with momentum: buf[n] */
} ge_optim;

/* PyTorch's defaults for the kind (lr 1e-3 adam, 1e-2 sgd, betas 0.9/0.999, eps 1e-8). */
ge_optim_opts ge_optim_defaults(ge_optim_kind kind);
int ge_optim_init(ge_optim *opt, const ge_optim_opts *o, size_t n);
void ge_optim_free(ge_optim *opt);
/* One step: p -= update(g). */
void ge_optim_step(ge_optim *opt, double *p, const double *g);

const char *ge_optim_name(ge_optim_kind k);
int ge_optim_parse(const char *name);

#endif
