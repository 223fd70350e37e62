/* One process, the local solver: the default build's cluster.h. */
#include "cluster.h"

int cluster_start(void) { return 0; }
int cluster_finish(int rc) { return rc; }
int cluster_rank(void) { return 0; }
int cluster_size(void) { return 1; }
const ge_backend *cluster_backend(void) { return 0; }

void cluster_describe(char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
}
