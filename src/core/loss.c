/* Pointwise losses; reduction (the mean) is the training loop's job. */
#include <math.h>
#include <string.h>

#include "geoembed/loss.h"

double ge_loss_value(const ge_loss *l, double r)
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

double ge_loss_grad(const ge_loss *l, double r)
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

static const char *const names[] = {"l1", "mse", "huber"};

const char *ge_loss_name(ge_loss_kind k)
{
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

int ge_loss_parse(const char *name)
{
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}
