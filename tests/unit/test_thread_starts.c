/* Unit test: a fit on the multigrid path starts no OpenMP threads once
 * libgomp's pool exists. Its penalty search and spread run one job at a
 * time with parallel solves; run inside a team of one of their own, every
 * parallel region of the solves was nested, and libgomp starts a nested
 * team's threads anew each time (5,381 thread starts in a 100,000-sample
 * fit, 10,220 at a million). Counted by wrapping pthread_create in this
 * test binary (the executable's definition is the one libgomp calls). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/learn.h"
#include "geoembed/rng.h"
#include "unit.h"

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static atomic_long thread_starts;

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static _Atomic(create_fn) next;
    create_fn f = atomic_load(&next);
    if (!f) {
        f = (create_fn)(uintptr_t)dlsym(RTLD_NEXT, "pthread_create");
        atomic_store(&next, f);
    }
    atomic_fetch_add(&thread_starts, 1);
    return f(t, attr, fn, arg);
}

Test(thread_starts, multigrid_fit_uses_the_thread_pool)
{
    enum { M = 3000, W = 170, H = 130 };
    static double xy[2 * M], y[M];
    ge_rng r;
    ge_rng_seed(&r, 3);
    for (size_t i = 0; i < M; i++) {
        xy[2 * i] = 10 * ge_rng_uniform(&r);
        xy[2 * i + 1] = 5 * ge_rng_uniform(&r);
        y[i] = sin(0.7 * xy[2 * i]) * xy[2 * i + 1] + 0.05 * ge_rng_uniform(&r);
    }
    ge_shape sh = ut_shape(W, H, 1, 1, 1, 1, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1, .smooth_auto = 1,
                       .solver = GE_SOLVER_MULTIGRID, .draws = 4};
    o.train.loss.kind = GE_LOSS_MSE;
    int threads = 1;
    ut_set_threads(2);
#ifdef _OPENMP
#pragma omp parallel num_threads(2)
#pragma omp single
    threads = omp_get_num_threads(); /* the pool's threads start here */
#endif
    if (threads < 2)
        cr_skip_test("OpenMP gave one thread");
    const long before = atomic_load(&thread_starts);
    ge_model m;
    ge_learn_result res;
    ge_error err;
    cr_assert_eq(ge_learn(&sh, xy, y, M, &o, &m, &res, &err), 0, "%s", err.msg);
    const long started = atomic_load(&thread_starts) - before;
    cr_assert_gt(res.candidates, 1, "the penalty search ran");
    cr_assert_lt(started, 4, "%ld threads started during the fit (the pool has them)", started);
    ge_model_free(&m);
}
