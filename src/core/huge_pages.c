/* Every first touch of a 4 kB page is a page fault, and a fault is dear in
 * a virtual machine (about 10 us here): the first factorisation of a
 * 162x163-cell grid took 190 ms, its 38 MB factor faulted in page by page,
 * the next ones 40 ms. Where the kernel gives transparent huge pages on
 * request (THP in "madvise" mode, the common default), asking for them on a
 * large block makes one fault per 2 MB instead: the first factorisation
 * took 90-105 ms. The block stays an ordinary malloc block (freed by free,
 * kept in the heap by heap_policy.c, or mapped on its own above 64 MB);
 * only the advice is added. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <suitesparse/SuiteSparse_config.h>

#include "huge_pages.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

static void advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (!p || n < HUGE_PAGE)
        return;
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
    (void)p, (void)n;
#endif
}

void *ge_huge_malloc(size_t n)
{
    void *p = malloc(n);
    advise(p, n);
    return p;
}

void *ge_huge_calloc(size_t k, size_t n)
{
    void *p = calloc(k, n);
    advise(p, k * n); /* calloc checked the product */
    return p;
}

void *ge_huge_realloc(void *q, size_t n)
{
    void *p = realloc(q, n);
    advise(p, n);
    return p;
}

void ge_huge_pages_for_cholmod(void)
{
    static int done;
#pragma omp critical(ge_huge_pages)
    if (!done) {
        SuiteSparse_config.malloc_func = ge_huge_malloc;
        SuiteSparse_config.calloc_func = ge_huge_calloc;
        SuiteSparse_config.realloc_func = ge_huge_realloc;
        SuiteSparse_config.free_func = free;
        done = 1;
    }
}
