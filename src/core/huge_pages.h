/* Large blocks of the sparse factorisations backed by transparent huge pages. */
#ifndef GEOEMBED_HUGE_PAGES_H
#define GEOEMBED_HUGE_PAGES_H

/* Routes SuiteSparse's allocations through malloc plus a request for huge
 * pages on every whole 2 MB page of a large block (once per process; safe
 * to call from several threads). */
void ge_huge_pages_for_cholmod(void);

#endif
