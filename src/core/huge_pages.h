/* Large blocks (the factorisations', the multigrid's levels, the solvers'
 * arrays) backed by transparent huge pages and mapped at once. */
#ifndef GEOEMBED_HUGE_PAGES_H
#define GEOEMBED_HUGE_PAGES_H

#include <stddef.h>

/* malloc, calloc and realloc with the request for huge pages (below). */
void *ge_huge_malloc(size_t n);
void *ge_huge_calloc(size_t k, size_t n);
void *ge_huge_realloc(void *p, size_t n);

/* The same for blocks written whole soon after: the pages of a block of
 * 256 kB to 64 MB are mapped in one call, not one fault a page
 * (huge_pages.c). Not for the multigrid's levels: populated early, they
 * raised the peak of a million-sample fit by 48 MB. */
void *ge_ready_malloc(size_t n);
void *ge_ready_calloc(size_t k, size_t n);
void *ge_ready_realloc(void *p, size_t n);

/* Routes SuiteSparse's allocations through ge_ready_malloc and the others
 * (once per process; safe to call from several threads). */
void ge_huge_pages_for_cholmod(void);

#endif
