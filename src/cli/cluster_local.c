/* One process, the local solver: the default build's cluster.h. */
#include <string.h>

#include "cluster.h"
#include "geoembed/spacing.h"
#include "display.h"

int cluster_start(void) { return 0; }
int cluster_finish(int rc) { return rc; }
int cluster_rank(void) { return 0; }

int cluster_same_command(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
int cluster_size(void) { return 1; }
int cluster_agree(int rc) { return rc; }

void cluster_share(long n, long *first, long *count)
{
    *first = 0;
    *count = n;
}

void cluster_share_of(int r, long n, long *first, long *count)
{
    (void)r;
    cluster_share(n, first, count);
}

void cluster_gatherv(double *all, const double *mine, long count)
{
    if (all != mine)
        memcpy(all, mine, (size_t)count * sizeof *all);
}

void cluster_sum(unsigned long *v, int n)
{
    (void)v;
    (void)n;
}

void cluster_bcast(long *v, int n)
{
    (void)v;
    (void)n;
}

int cluster_model_save(const char *path, const ge_model *m, const ge_meta *meta)
{
    ge_error err;
    return ge_model_save(path, m, meta, &err) ? fail_with(&err) : 0;
}

const ge_backend *cluster_backend(void) { return 0; }

void cluster_describe(char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
}

int cluster_csv_share(void *ctx, const char *path, long long data_begin, long data_line,
                      long long *begin, long long *end, long *line, ge_error *err)
{
    (void)ctx; /* one process reads every row */
    (void)path;
    *begin = data_begin;
    *end = -1;
    *line = data_line;
    (void)err;
    return 0;
}

int cluster_samples_join(const char *path, ge_samples *s, int weights, int suspects)
{
    (void)path;
    (void)s;
    (void)weights;
    (void)suspects;
    return 0;
}

int cluster_failed(void) { return 0; }

/* one process keeps nothing by shares: every sample is here */
int cluster_samples_keep(const char *path, ge_samples *s)
{
    (void)path;
    (void)s;
    return 0;
}
int cluster_samples_suspects(ge_samples *s)
{
    (void)s;
    return 0;
}
int cluster_samples_kept(void) { return 0; }
void cluster_samples_unkeep(void) {}
size_t cluster_total(size_t n) { return n; }
void cluster_bounds(double b[4]) { (void)b; }

double cluster_spacing(const ge_shape *sh, const double *xy, size_t M, size_t max_queries,
                       uint64_t seed)
{
    return ge_median_nn_distance_on(sh, xy, M, max_queries, seed);
}

int cluster_route(const ge_shape *sh, ge_samples *s, size_t **ids, size_t *total)
{
    (void)sh;
    *ids = NULL;
    *total = s->M;
    return 0;
}
