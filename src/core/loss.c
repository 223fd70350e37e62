/* Names of the losses (the pointwise losses are inline in loss.h; the
 * reduction, the mean, is the training loop's job). */
#include <string.h>

#include "geoembed/loss.h"

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
