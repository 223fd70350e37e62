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

/* Blocks of these sizes are populated at once (see populate): larger ones
 * are mapped on their own (heap_policy.c), in huge pages where the kernel
 * gives them, a fault every 2 MB. */
#define POPULATE_ABOVE ((size_t)256 << 10)
#define POPULATE_BELOW ((size_t)64 << 20)
#define PAGE ((uintptr_t)4096)

/* The pages of a block mapped in one call (Linux 5.14's
 * MADV_POPULATE_WRITE) instead of one fault each at first touch: the blocks
 * given here are written whole soon after (a factor, its solves' right-hand
 * sides, the solver's arrays: ge_ready_malloc). A default fit of 10,000 samples took 16,500
 * page faults with 0.13-0.23 s of system time, 4,500 with this. Pages
 * already mapped (a block the heap reuses) cost nothing; an older kernel
 * refuses the advice, and the pages fault in as before. */
static void populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (!p || n < POPULATE_ABOVE || n >= POPULATE_BELOW)
        return;
    uintptr_t a = ((uintptr_t)p + PAGE - 1) & ~(PAGE - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(PAGE - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
    (void)p, (void)n;
#endif
}

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

void *ge_ready_malloc(size_t n)
{
    void *p = ge_huge_malloc(n);
    populate(p, n);
    return p;
}

void *ge_ready_calloc(size_t k, size_t n)
{
    void *p = ge_huge_calloc(k, n);
    populate(p, k * n); /* calloc checked the product */
    return p;
}

void *ge_ready_realloc(void *q, size_t n)
{
    void *p = ge_huge_realloc(q, n);
    populate(p, n);
    return p;
}

void ge_huge_pages_for_cholmod(void)
{
    static int done;
#pragma omp critical(ge_huge_pages)
    if (!done) {
        SuiteSparse_config.malloc_func = ge_ready_malloc;
        SuiteSparse_config.calloc_func = ge_ready_calloc;
        SuiteSparse_config.realloc_func = ge_ready_realloc;
        SuiteSparse_config.free_func = free;
        done = 1;
    }
}
