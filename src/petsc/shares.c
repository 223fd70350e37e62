/* Samples kept by shares (cluster.h): after a read by shares each process
 * keeps the rows it parsed, the whole-data figures of the fit's settings
 * are reductions over the processes, and the samples are then routed to
 * the process whose stripe of the model holds their first read-out cell.
 * No process holds every sample. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <petscsys.h>

#include "cluster.h"
#include "display.h"
#include "geoembed/model_stripes.h"
#include "geoembed/solve.h"
#include "geoembed/spacing.h"
#include "alltoall.h"

static int g_kept;

int cluster_samples_kept(void) { return g_kept; }

void cluster_samples_unkeep(void) { g_kept = 0; }

/* The samples of every process, and how many the processes before this one
 * hold (the whole data's number of this one's first). */
static unsigned long long counts(size_t M, unsigned long long *first)
{
    unsigned long long mine = M, all = 0, before = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, PETSC_COMM_WORLD);
    MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, PETSC_COMM_WORLD);
    if (first)
        *first = cluster_rank() == 0 ? 0 : before;
    return all;
}

int cluster_samples_keep(const char *path, ge_samples *s)
{
    int rc = cluster_agree(0);
    if (rc)
        return rc;
    const int R = cluster_size();
    unsigned long long mine = s->M, *M = malloc((size_t)R * sizeof *M);
    if ((rc = cluster_agree(M ? 0 : runtime_error("out of memory"))))
        goto done;
    (void)MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, M, 1, MPI_UNSIGNED_LONG_LONG,
                  PETSC_COMM_WORLD);
    char shares[256];
    size_t at = 0;
    for (int r = 0; r < R && at < sizeof shares; r++)
        at += (size_t)snprintf(shares + at, sizeof shares - at, "%s%llu", r ? ", " : "", M[r]);
    say(3, "geoembed: %s: rows parsed by %d processes: %s\n", path, R, shares);
    unsigned long skipped[2] = {(unsigned long)s->skipped_missing,
                                (unsigned long)s->skipped_weight};
    cluster_sum(skipped, 2);
    s->skipped_missing = skipped[0];
    s->skipped_weight = skipped[1];
    g_kept = 1;
done:
    free(M);
    return rc;
}

/* Distinct values of two sorted lists into the first (at most
 * GE_CODE_MAX_DISTINCT + 1 kept: more tells no codes apart). */
static void merge_distinct(ge_column_summary *c, const double *v, int n)
{
    double out[2 * (GE_CODE_MAX_DISTINCT + 1)];
    int a = 0, b = 0, k = 0;
    while ((a < c->ndistinct || b < n) && k <= GE_CODE_MAX_DISTINCT) {
        double x = b >= n || (a < c->ndistinct && c->distinct[a] <= v[b]) ? c->distinct[a++]
                                                                           : v[b++];
        if (k == 0 || x != out[k - 1])
            out[k++] = x;
    }
    memcpy(c->distinct, out, (size_t)k * sizeof *out);
    c->ndistinct = k;
}

int cluster_samples_suspects(ge_samples *s)
{
    enum { ONE = 5 + GE_CODE_MAX_DISTINCT + 1 }; /* a summary as doubles */
    const int O = s->O, R = cluster_size();
    int rc = cluster_agree(0); /* every process has read its share, or none goes on */
    if (rc)
        return rc;
    unsigned long long first, rows = counts(s->M, &first);
    ge_column_summary c[GE_MAX_OUTPUTS];
    double *scratch = malloc((s->M ? s->M : 1) * sizeof *scratch);
    double *mine = malloc((size_t)O * ONE * sizeof *mine);
    double *all = malloc((size_t)R * O * ONE * sizeof *all);
    if ((rc = cluster_agree(scratch && mine && all ? 0 : runtime_error("out of memory"))))
        goto done;
    for (int k = 0; k < O; k++) {
        ge_column_summarise(s, (size_t)first, k, &c[k], scratch);
        double *v = mine + (size_t)k * ONE;
        v[0] = c[k].n, v[1] = c[k].fraction, v[2] = c[k].counter, v[3] = c[k].base;
        v[4] = c[k].ndistinct;
        memcpy(v + 5, c[k].distinct, (size_t)c[k].ndistinct * sizeof *v);
    }
    (void)MPI_Allgather(mine, O * ONE, MPI_DOUBLE, all, O * ONE, MPI_DOUBLE, PETSC_COMM_WORLD);
    for (int k = 0; k < O; k++) {
        ge_column_summary t = {.counter = 1};
        int based = 0;
        for (int r = 0; r < R; r++) {
            const double *v = all + ((size_t)r * O + k) * ONE;
            if (v[0] == 0 && v[2]) /* no rows here: nothing to tell */
                continue;
            t.n += v[0];
            t.fraction |= v[1] != 0;
            /* one counter through every process's rows */
            t.counter &= v[2] != 0 && (!based || v[3] == t.base);
            t.base = v[3], based = 1;
            merge_distinct(&t, v + 5, (int)v[4]);
        }
        c[k] = t;
    }
    ge_error err;
    if (ge_samples_leave_out_summarised(s, c, (size_t)rows, &err))
        rc = fail_with(&err);
    rc = cluster_agree(rc);
done:
    free(scratch), free(mine), free(all);
    return rc;
}

size_t cluster_total(size_t n) { return g_kept ? (size_t)counts(n, NULL) : n; }

void cluster_bounds(double b[4])
{
    if (!g_kept)
        return;
    double v[4] = {b[0], b[1], -b[2], -b[3]};
    MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_DOUBLE, MPI_MIN, PETSC_COMM_WORLD);
    b[0] = v[0], b[1] = v[1], b[2] = -v[2], b[3] = -v[3];
}

/* ge_median_nn_distance_on of every process's samples together: the same
 * queries (numbers in the whole data), their places from the process that
 * holds each, the nearest distance to each process's samples and the
 * least of them (exactly the one of all samples). */
double cluster_spacing(const ge_shape *sh, const double *xy, size_t M, size_t max_queries,
                       uint64_t seed)
{
    if (!g_kept)
        return ge_median_nn_distance_on(sh, xy, M, max_queries, seed);
    unsigned long long first, total = counts(M, &first);
    if (total < 2)
        return NAN;
    const size_t nq = ge_nn_query_count((size_t)total, max_queries);
    size_t *idx = malloc(nq * sizeof *idx);
    double *q = calloc(nq * 2, sizeof *q), *d = malloc(nq * sizeof *d);
    double *p = ge_points_on(sh, xy, M), med = NAN;
    int bad = !idx || !q || !d || !p, any;
    if (!bad) {
        ge_nn_queries((size_t)total, max_queries, seed, idx);
        for (size_t k = 0; k < nq; k++)
            if (idx[k] >= first && idx[k] - first < M) /* each query's place from one process */
                q[2 * k] = p[2 * (idx[k] - first)], q[2 * k + 1] = p[2 * (idx[k] - first) + 1];
    }
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
    if (!any) {
        MPI_Allreduce(MPI_IN_PLACE, q, (int)(2 * nq), MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD);
        bad = ge_nn_distances(p, M, q, nq, d) != 0;
        MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
    }
    if (!any) {
        MPI_Allreduce(MPI_IN_PLACE, d, (int)nq, MPI_DOUBLE, MPI_MIN, PETSC_COMM_WORLD);
        med = ge_nn_median(d, nq);
    }
    free(idx), free(q), free(d), free(p);
    return med; /* out of memory: no spacing, as for samples at one place */
}

/* A sample as it travels: x, y, its O targets, its weight (when the
 * samples have weights), its number and its line. */
static int record_size(const ge_samples *s) { return 2 + s->O + (s->w != NULL) + 2; }

static void pack(const ge_samples *s, size_t i, unsigned long long id, double *v)
{
    *v++ = s->xy[2 * i], *v++ = s->xy[2 * i + 1];
    for (int k = 0; k < s->O; k++)
        *v++ = s->y[i * (size_t)s->O + k];
    if (s->w)
        *v++ = s->w[i];
    *v++ = (double)id;
    *v = s->lines ? (double)s->lines[i] : 0;
}

static void unpack(ge_samples *s, size_t i, const double *v, size_t *id)
{
    s->xy[2 * i] = *v++, s->xy[2 * i + 1] = *v++;
    for (int k = 0; k < s->O; k++)
        s->y[i * (size_t)s->O + k] = *v++;
    if (s->w)
        s->w[i] = *v++;
    id[i] = (size_t)*v++;
    if (s->lines)
        s->lines[i] = (long)*v;
}

/* -v: how many samples each process holds after routing (collective). */
static void tell_routed(size_t n, unsigned long long all)
{
    enum { SHOWN = 32 }; /* a line's worth */
    const int R = cluster_size(), shown = R < SHOWN ? R : SHOWN;
    unsigned long held[SHOWN] = {0};
    if (cluster_rank() < SHOWN)
        held[cluster_rank()] = (unsigned long)n;
    cluster_sum(held, shown);
    char list[400] = "";
    size_t k = 0;
    for (int r = 0; r < shown && k < sizeof list; r++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%lu", r ? ", " : "", held[r]);
    if (R > shown && k < sizeof list)
        snprintf(list + k, sizeof list - k, ", ...");
    say(3, "geoembed: fit: samples routed to the stripes of their first read-out cell, held by "
           "%d processes: %s (of %llu)\n",
        R, list, all);
}

int cluster_route(const ge_shape *sh, ge_samples *s, size_t **ids, size_t *total)
{
    const int R = cluster_size(), D = record_size(s);
    unsigned long long first, all = counts(s->M, &first);
    ge_model m = {0};
    ge_error err;
    int *dest = malloc((s->M ? s->M : 1) * sizeof *dest);
    size_t *count = calloc(2 * (size_t)R, sizeof *count), *fill = count + R, n = 0;
    double *out = malloc((s->M ? s->M : 1) * (size_t)D * sizeof *out), *in = NULL;
    double *xy = NULL, *y = NULL, *w = NULL;
    long *lines = NULL;
    *ids = NULL;
    *total = (size_t)all;
    int rc = !dest || !count || !out ? runtime_error("out of memory for routing %zu samples", s->M)
                                     : 0;
    if (!rc && ge_model_init_part(&m, sh, 0, 0, &err))
        rc = fail_with(&err);
    if ((rc = cluster_agree(rc)))
        goto done;
    for (size_t i = 0; i < s->M; i++) { /* the stripe of its first read-out cell */
        size_t cell[4];
        double wgt[4];
        ge_exact_readout(&m, s->xy[2 * i], s->xy[2 * i + 1], cell, wgt);
        dest[i] = ge_stripe_of(sh->W, R, (int)(cell[0] / (size_t)sh->H));
        count[dest[i]]++;
    }
    for (int r = 1; r < R; r++)
        fill[r] = fill[r - 1] + count[r - 1];
    for (size_t i = 0; i < s->M; i++) /* in the file's order within each process */
        pack(s, i, first + i, out + (size_t)D * fill[dest[i]]++);
    if (ge_alltoall_rows(PETSC_COMM_WORLD, out, count, D, &in, &n, &err)) {
        rc = cluster_agree(fail_with(&err));
        goto done;
    }
    xy = malloc((n ? n : 1) * 2 * sizeof *xy);
    y = malloc((n ? n : 1) * (size_t)(s->O ? s->O : 1) * sizeof *y);
    w = s->w ? malloc((n ? n : 1) * sizeof *w) : NULL;
    lines = s->lines ? malloc((n ? n : 1) * sizeof *lines) : NULL;
    *ids = malloc((n ? n : 1) * sizeof **ids);
    if ((rc = cluster_agree(!xy || !y || (s->w && !w) || (s->lines && !lines) || !*ids
                                ? runtime_error("out of memory for %zu routed samples", n)
                                : 0)))
        goto done;
    free(s->xy), free(s->y), free(s->w), free(s->lines);
    s->xy = xy, s->y = y, s->w = w, s->lines = lines;
    xy = y = w = NULL, lines = NULL;
    s->M = n;
    for (size_t i = 0; i < n; i++) /* from the processes in rank order: the numbers ascend */
        unpack(s, i, in + (size_t)D * i, *ids);
    tell_routed(n, all);
done:
    if (rc) {
        free(*ids);
        *ids = NULL;
    }
    ge_model_free(&m);
    free(dest), free(count), free(out), free(in), free(xy), free(y), free(w), free(lines);
    return rc;
}
