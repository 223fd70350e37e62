/* Losses with mean reduction, as PyTorch defines them (nn.L1Loss, nn.MSELoss,
 * nn.HuberLoss). The value is sum l(r) / count; the gradient of one residual
 * r = pred - target is l'(r) / count. */
#ifndef GEOEMBED_LOSS_H
#define GEOEMBED_LOSS_H

#include <math.h>

typedef enum { GE_LOSS_L1 = 0, GE_LOSS_MSE = 1, GE_LOSS_HUBER = 2 } ge_loss_kind;

typedef struct {
    ge_loss_kind kind;
    double delta; /* Huber only */
} ge_loss;

/* l(r), unreduced. Inline: the training loop calls it for every sample. */
static inline double ge_loss_value(const ge_loss *l, double r)
{
    double a = fabs(r);
    switch (l->kind) {
    case GE_LOSS_L1:
        return a;
    case GE_LOSS_MSE:
        return r * r;
    case GE_LOSS_HUBER:
        return a < l->delta ? 0.5 * r * r : l->delta * (a - 0.5 * l->delta);
    }
    return NAN;
}

/* l'(r), unreduced. L1 uses PyTorch's sign convention: 0 at r = 0. */
static inline double ge_loss_grad(const ge_loss *l, double r)
{
    switch (l->kind) {
    case GE_LOSS_L1:
        return (r > 0) - (r < 0);
    case GE_LOSS_MSE:
        return 2.0 * r;
    case GE_LOSS_HUBER:
        if (r < -l->delta)
            return -l->delta;
        if (r > l->delta)
            return l->delta;
        return r;
    }
    return NAN;
}

const char *ge_loss_name(ge_loss_kind k);
/* -1 when the name is not a loss. */
int ge_loss_parse(const char *name);

#endif
