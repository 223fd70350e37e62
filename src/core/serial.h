/* Library calls that must run on one thread (see below). Internal to the
 * library: solve.c and multigrid.c. */
#ifndef GEOEMBED_SERIAL_H
#define GEOEMBED_SERIAL_H

#ifdef _OPENMP
#include <omp.h>
#endif

/* CHOLMOD opens OpenMP teams of its own (of 4 threads, fixed when it was
 * built), and an OpenMP BLAS follows the thread count of the caller; on a busy
 * 2-core machine their waiting made a factorisation 30x slower. Each solver
 * call runs on one thread (no active teams, one thread for the BLAS: an
 * OpenMP OpenBLAS expects every thread it asks for, so inactive teams alone
 * would leave it waiting for itself), and learn.c spreads independent solves
 * over the threads instead. Inside a team nested teams are inactive already. */
typedef struct {
    int levels, threads;
} serial_state;

static inline serial_state serial_begin(void)
{
    serial_state st = {-1, -1};
#ifdef _OPENMP
    if (!omp_in_parallel()) {
        st.levels = omp_get_max_active_levels();
        st.threads = omp_get_max_threads();
        omp_set_max_active_levels(0);
        omp_set_num_threads(1);
    }
#endif
    return st;
}

static inline void serial_end(serial_state st)
{
#ifdef _OPENMP
    if (st.levels >= 0) {
        omp_set_max_active_levels(st.levels);
        omp_set_num_threads(st.threads);
    }
#else
    (void)st;
#endif
}

#endif
