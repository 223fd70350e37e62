/* Unit tests of src/core/teams_of_one.c: CHOLMOD's OpenMP regions run as
 * plain calls (no libgomp team) at the top level and inside a team of two,
 * and the factor and solve come out bit for bit as at the top level: a
 * region whose loop were split by the enclosing team's thread number and
 * count would skip part of its work there. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/rng.h"
#include "geoembed/solve.h"
#include "unit.h"
#include "../../src/core/teams_of_one.h"

enum { W = 40, H = 36, M = 500 };

/* The field of a 40x36-cell fit (large enough for CHOLMOD's supernodal
 * factor and its regions) into f; *regions: the regions this thread ran as
 * plain calls meanwhile. */
static void fit_field(double *f, unsigned long *regions)
{
    static double xy[2 * M], y[M];
    ge_rng r;
    ge_rng_seed(&r, 11);
    for (size_t i = 0; i < M; i++) {
        xy[2 * i] = 10 * ge_rng_uniform(&r);
        xy[2 * i + 1] = 9 * ge_rng_uniform(&r);
        y[i] = sin(xy[2 * i]) * cos(0.5 * xy[2 * i + 1]);
    }
    ge_shape sh = ut_shape(W, H, 1, 1, 1, 1, 0, 0, 10, 9, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ge_model m;
    ge_error err;
    cr_assert_eq(ge_model_init(&m, &sh, &err), 0, "%s", err.msg);
    ge_solver *s = ge_solver_new(&m, xy, M, &err);
    cr_assert_not_null(s, "%s", err.msg);
    const unsigned long before = ge_teams_of_one();
    ge_solver_set_data(s, NULL, M, NULL, 0);
    cr_assert_eq(ge_solver_factor(s, 0.01, &err), 0, "%s", err.msg);
    ge_solver_rhs(s, NULL, M, NULL, y, 1, 0, f);
    cr_assert_eq(ge_solver_solve(s, f, 1, f, &err), 0, "%s", err.msg);
    *regions = ge_teams_of_one() - before;
    ge_solver_free(s);
    ge_model_free(&m);
}

Test(teams_of_one, cholmod_regions_in_a_team_of_two_solve_as_alone)
{
    const size_t n = (size_t)W * H;
    double *ref = malloc(n * sizeof *ref), *f = malloc(2 * n * sizeof *f);
    unsigned long top, in_team[2] = {0, 0};
    int threads = 1;
    fit_field(ref, &top);
    cr_assert_gt(top, 0, "the factorisation's regions ran as plain calls at the top level");
    double fit = 0;
    for (size_t i = 0; i < M; i++)
        fit += fabs(ref[i]);
    cr_assert(isfinite(fit) && fit > 0, "a field was solved");
#ifdef _OPENMP
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        threads = omp_get_num_threads();
        const int t = omp_get_thread_num();
        fit_field(f + (size_t)t * n, &in_team[t]);
    }
#endif
    if (threads < 2)
        cr_skip_test("OpenMP gave one thread");
    for (int t = 0; t < 2; t++) {
        cr_assert_eq(in_team[t], top, "thread %d: every region as a plain call", t);
        cr_assert_eq(memcmp(f + (size_t)t * n, ref, n * sizeof *ref), 0,
                     "thread %d: the field bit for bit as at the top level", t);
    }
    free(ref);
    free(f);
}
