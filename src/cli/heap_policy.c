/* A fit allocates and frees buffers of a few to some tens of megabytes many
 * times over (a sparse factor per candidate penalty, the solvers' vectors,
 * the draws' right-hand sides). glibc serves blocks above 128 kB with fresh
 * pages of the kernel and returns them on free, so every factorisation paid
 * for page faults and the kernel's zeroing of its factor: a third of the
 * CPU time of a 10,000-sample default fit was system time (measured with
 * perf: page faults under CHOLMOD's clearing of the factor). Blocks below
 * 64 MB now come from the heap and go back to it, so the next fit step
 * reuses their pages; larger ones (a large grid's arrays) are still mapped
 * and returned at once, so the peak memory does not grow. */
#include <stdlib.h> /* defines __GLIBC__ on glibc */

#include "heap_policy.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define MAPPED_ABOVE (64 << 20)
#define TRIM_ABOVE (256 << 20)

void heap_policy(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, MAPPED_ABOVE);
    mallopt(M_TRIM_THRESHOLD, TRIM_ABOVE);
#endif
}
