/* CHOLMOD's OpenMP regions run as plain calls where libgomp would give them
 * a team of one (see teams_of_one.h).
 *
 * CHOLMOD's supernodal factorisation opens an OpenMP region (a parallel for)
 * at each large supernode: about 10,000 regions a factorisation of the
 * default fit's 162x163-cell grid. geoembed makes every CHOLMOD call on one
 * thread (serial.h), so each region is a team of one, and libgomp still
 * builds the team and ends it with a futex wake, a system call (dear in a
 * virtual machine). Without them a factorisation took 34 ms instead of 43
 * (AMD order: 24 against 45), and a default fit of 10,000 samples on 2
 * threads 0.34-0.36 s instead of 0.40-0.48 s, its model byte-identical.
 *
 * The executable defines GOMP_parallel, libgomp's entry to a parallel
 * region, so that the dynamic linker binds CHOLMOD's calls to it here. A
 * region opened from CHOLMOD's code that libgomp would run on one thread
 * (an if clause that is false, one thread asked for, the nesting level's
 * limit reached, one thread by default) runs as a plain call, during which
 * omp_get_num_threads() answers 1 and omp_get_thread_num() 0: the only two
 * OpenMP calls in CHOLMOD's regions, each of which splits its loop by them
 * (CHOLMOD 3's imports: GOMP_parallel and those two). Every other region,
 * geoembed's own and any other library's, goes to libgomp unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teams_of_one.h"

typedef void (*region_fn)(void *);
typedef void (*parallel_fn)(region_fn, void *, unsigned, unsigned);
typedef int (*query_fn)(void);

static parallel_fn gomp_parallel;
static query_fn gomp_num_threads, gomp_thread_num;
static uintptr_t cholmod_lo, cholmod_hi; /* CHOLMOD's code; empty when not loaded */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Thread_local int in_solo;         /* inside a region run here */
static _Thread_local unsigned long solos; /* regions run here by this thread */

static int find_cholmod(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size, (void)ctx;
    if (!info->dlpi_name || !strstr(info->dlpi_name, "libcholmod.so"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type == PT_LOAD && (p->p_flags & PF_X)) {
            cholmod_lo = info->dlpi_addr + p->p_vaddr;
            cholmod_hi = cholmod_lo + p->p_memsz;
            return 1;
        }
    }
    return 0;
}

/* libgomp's own definitions, next after the executable's. */
static void *next_symbol(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        fprintf(stderr, "geoembed: the OpenMP runtime has no %s (%s)\n", name, dlerror());
        abort();
    }
    return p;
}

static void resolve(void)
{
    /* converted through uintptr_t: ISO C has no cast between data and
     * function pointers, POSIX guarantees dlsym's answer is callable */
    gomp_parallel = (parallel_fn)(uintptr_t)next_symbol("GOMP_parallel");
    gomp_num_threads = (query_fn)(uintptr_t)next_symbol("omp_get_num_threads");
    gomp_thread_num = (query_fn)(uintptr_t)next_symbol("omp_get_thread_num");
    dl_iterate_phdr(find_cholmod, NULL);
}

/* Whether libgomp would run a region asking for num_threads (0: the
 * default) on one thread, as gomp_resolve_num_threads decides. */
static int team_of_one(unsigned num_threads)
{
    return num_threads == 1 || omp_get_active_level() >= omp_get_max_active_levels() ||
           (num_threads == 0 && omp_get_max_threads() == 1);
}

void GOMP_parallel(region_fn fn, void *data, unsigned num_threads, unsigned flags)
{
    pthread_once(&once, resolve);
    const uintptr_t from = (uintptr_t)__builtin_return_address(0);
    if (from >= cholmod_lo && from < cholmod_hi && team_of_one(num_threads)) {
        const int was = in_solo;
        in_solo = 1;
        solos++;
        fn(data);
        in_solo = was;
        return;
    }
    gomp_parallel(fn, data, num_threads, flags);
}

int omp_get_num_threads(void)
{
    pthread_once(&once, resolve);
    return in_solo ? 1 : gomp_num_threads();
}

int omp_get_thread_num(void)
{
    pthread_once(&once, resolve);
    return in_solo ? 0 : gomp_thread_num();
}

unsigned long ge_teams_of_one(void) { return solos; }
