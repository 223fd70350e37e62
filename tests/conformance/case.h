/* Reader for the conformance case format (tests/conformance/README.md). */
#ifndef GEOEMBED_CASE_H
#define GEOEMBED_CASE_H

#include <stddef.h>

#include "geoembed/error.h"

#define CASE_MAX_ARRAYS 32

typedef struct {
    char name[64];
    size_t count;
    double *v;
} case_array;

typedef struct {
    int version;
    int W, H, N, p0, p1, O, reflection;
    double x, y, width, height;
    char loss[16], optimizer[16];
    double huber_delta, lr, beta1, beta2, eps, weight_decay, momentum;
    long steps, samples;
    int narrays;
    case_array arrays[CASE_MAX_ARRAYS];
} conf_case;

int case_read(const char *path, conf_case *c, ge_error *err);
void case_free(conf_case *c);
/* The array of that name, or NULL. */
const case_array *case_get(const conf_case *c, const char *name);

#endif
