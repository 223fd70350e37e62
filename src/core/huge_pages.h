/* Large blocks (the factorisations', the multigrid's levels) backed by
 * transparent huge pages. */
#ifndef GEOEMBED_HUGE_PAGES_H
#define GEOEMBED_HUGE_PAGES_H

#include <stddef.h>

/* malloc, calloc and realloc with the request for huge pages (below). */
void *ge_huge_malloc(size_t n);
void *ge_huge_calloc(size_t k, size_t n);
void *ge_huge_realloc(void *p, size_t n);

/* Routes SuiteSparse's allocations through malloc plus a request for huge
 * pages on every whole 2 MB page of a large block (once per process; safe
 * to call from several threads). */
void ge_huge_pages_for_cholmod(void);

#endif
