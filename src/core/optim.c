/* Adam and SGD, written to reproduce PyTorch's single-tensor code paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/model.h"
#include "geoembed/optim.h"

ge_optim_opts ge_optim_defaults(ge_optim_kind kind)
{
    ge_optim_opts o = {.kind = kind, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    if (kind == GE_OPT_SGD) {
        o.lr = 1e-2;
        o.beta1 = o.beta2 = o.eps = 0;
    }
    return o;
}

int ge_optim_init(ge_optim *opt, const ge_optim_opts *o, size_t n)
{
    memset(opt, 0, sizeof *opt);
    opt->o = *o;
    opt->n = n;
    size_t words = o->kind == GE_OPT_ADAM ? 2 * n : (o->momentum != 0 ? n : 0);
    if (words) {
        opt->state = calloc(words, sizeof(double));
        if (!opt->state)
            return -1;
    }
    return 0;
}

void ge_optim_free(ge_optim *opt)
{
    free(opt->state);
    opt->state = NULL;
}

/* Adam's update of p[lo..hi): each value on its own, so the vector clones
 * give the scalar loop's bits (ISO C contracts no multiply-add, and
 * division and square root round exactly). x86-64 builds carry AVX-512 and
 * AVX2 clones beside the generic one, picked by the loader for the CPU. The
 * Makefile builds this file with -fno-math-errno (v is never negative, so
 * sqrt never sets errno): sqrt can then be a vector instruction. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void adam_range(long lo, long hi, double *p, const double *g, double *mom, double *vel,
                       double b1, double b2, double eps, double step, double bc2_sqrt)
{
#pragma omp simd
    for (long i = lo; i < hi; i++) {
        mom[i] = mom[i] * b1 + g[i] * (1 - b1);
        vel[i] = vel[i] * b2 + (1 - b2) * (g[i] * g[i]);
        double denom = sqrt(vel[i]) / bc2_sqrt + eps;
        p[i] += -step * (mom[i] / denom);
    }
}

static void adam_step(ge_optim *opt, double *p, const double *g)
{
    const double b1 = opt->o.beta1, b2 = opt->o.beta2, eps = opt->o.eps;
    double *mom = opt->state, *vel = opt->state + opt->n;
    double bc1 = 1 - pow(b1, (double)opt->t);
    double bc2 = 1 - pow(b2, (double)opt->t);
    double step = opt->o.lr / bc1;
    double bc2_sqrt = sqrt(bc2);
    const long n = (long)opt->n, chunk = 8192;
    /* contiguous parts, as the convolution's (conv.c): the parameters E
     * lead the slab in the field's row order, so each thread updates rows
     * its core's caches hold from the step's backward pass */
#pragma omp parallel for schedule(static) if (n > GE_PARALLEL_WORK / 20)
    for (long c = 0; c < (n + chunk - 1) / chunk; c++)
        adam_range(c * chunk, (c + 1) * chunk < n ? (c + 1) * chunk : n, p, g, mom, vel, b1, b2,
                   eps, step, bc2_sqrt);
}

static void sgd_step(ge_optim *opt, double *p, const double *g)
{
    const double lr = opt->o.lr, mu = opt->o.momentum;
    const long n = (long)opt->n;
    if (!opt->state) {
        for (long i = 0; i < n; i++)
            p[i] += -lr * g[i];
        return;
    }
    double *buf = opt->state;
    for (long i = 0; i < n; i++) {
        buf[i] = opt->t == 1 ? g[i] : buf[i] * mu + g[i];
        p[i] += -lr * buf[i];
    }
}

void ge_optim_step(ge_optim *opt, double *p, const double *g)
{
    opt->t++;
    if (opt->o.kind == GE_OPT_ADAM)
        adam_step(opt, p, g);
    else
        sgd_step(opt, p, g);
}

static const char *const names[] = {"adam", "sgd", "exact"};

const char *ge_optim_name(ge_optim_kind k)
{
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

int ge_optim_parse(const char *name)
{
    for (unsigned i = 0; i <= GE_OPT_SGD; i++) /* optimisers only */
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}
