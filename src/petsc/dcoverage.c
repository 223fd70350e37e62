/* The coverage of a striped model (see dcoverage.h). */
#include <stdlib.h>
#include <string.h>

#include "geoembed/model_stripes.h"
#include "geoembed/solve.h"
#include "alltoall.h"
#include "dcoverage.h"

/* A row's state as doubles (its nearest sample's number, place, distance):
 * four a cell, to travel in one message. */
static void pack(const ge_coverage_rows *c, int k, double *buf)
{
    const size_t H = (size_t)c->m->s.H;
    for (size_t h = 0; h < H; h++) {
        size_t q = (size_t)k * H + h;
        buf[4 * h] = (double)c->near[q];
        buf[4 * h + 1] = c->at[q][0];
        buf[4 * h + 2] = c->at[q][1];
        buf[4 * h + 3] = c->d[q];
    }
}

static void unpack(ge_coverage_rows *c, int k, const double *buf)
{
    const size_t H = (size_t)c->m->s.H;
    for (size_t h = 0; h < H; h++) {
        size_t q = (size_t)k * H + h;
        c->near[q] = (long)buf[4 * h];
        c->at[q][0] = buf[4 * h + 1];
        c->at[q][1] = buf[4 * h + 2];
        c->d[q] = buf[4 * h + 3];
    }
}

/* The ghost rows from the neighbouring stripes (collective). */
static void exchange(ge_coverage_rows *c, MPI_Comm comm, int below, int above, double *out,
                     double *in)
{
    const int n = 4 * c->m->s.H, last = c->n - 2;
    pack(c, 1, out); /* the first own row down, the row above it up */
    MPI_Sendrecv(out, n, MPI_DOUBLE, below, 0, in, n, MPI_DOUBLE, above, 0, comm,
                 MPI_STATUS_IGNORE);
    if (above != MPI_PROC_NULL)
        unpack(c, c->n - 1, in);
    pack(c, last, out);
    MPI_Sendrecv(out, n, MPI_DOUBLE, above, 1, in, n, MPI_DOUBLE, below, 1, comm,
                 MPI_STATUS_IGNORE);
    if (below != MPI_PROC_NULL)
        unpack(c, 0, in);
}

/* The seeds of cells in other processes' rows, by process: five doubles
 * each (w * H + h, the sample's number, place and distance). */
typedef struct {
    int R, W, H, failed;
    size_t *n, *cap;
    double **buf;
} away_seeds;

static void away(void *ctx, int w, int h, long id, const double p[2], double e)
{
    away_seeds *a = ctx;
    const int r = ge_stripe_of(a->W, a->R, w);
    if (a->n[r] == a->cap[r]) {
        size_t cap = a->cap[r] ? 2 * a->cap[r] : 64;
        double *b = realloc(a->buf[r], cap * 5 * sizeof *b);
        if (!b) {
            a->failed = 1;
            return;
        }
        a->buf[r] = b, a->cap[r] = cap;
    }
    double *v = a->buf[r] + 5 * a->n[r]++;
    v[0] = (double)w * a->H + h, v[1] = (double)id, v[2] = p[0], v[3] = p[1], v[4] = e;
}

/* Seeds the rows of c from the samples whose first read-out cell lies in
 * them (the process's own: each sample is seeded by one process), those of
 * cells in other stripes travelling to their process (collective). */
static int seed(ge_coverage_rows *c, MPI_Comm comm, const double *xy, const size_t *ids,
                size_t M, ge_error *err)
{
    const ge_model *m = c->m;
    int R;
    MPI_Comm_size(comm, &R);
    away_seeds a = {R, m->s.W, m->s.H, 0, calloc((size_t)R, sizeof(size_t)),
                    calloc((size_t)R, sizeof(size_t)), calloc((size_t)R, sizeof(double *))};
    size_t *own = malloc((M ? M : 1) * sizeof *own), n = 0, total = 0, got = 0;
    double *oxy = malloc((M ? M : 1) * 2 * sizeof *oxy), *out = NULL, *in = NULL;
    int bad = !a.n || !a.cap || !a.buf || !own || !oxy, rc = -1;
    for (size_t i = 0; !bad && i < M; i++) {
        size_t cell[4];
        double wgt[4];
        ge_exact_readout(m, xy[2 * i], xy[2 * i + 1], cell, wgt);
        if (ge_part_row(&m->s, c->w0, c->w1 - c->w0, (long)(cell[0] / (size_t)m->s.H)) < 0)
            continue;
        own[n] = ids ? ids[i] : i;
        oxy[2 * n] = xy[2 * i], oxy[2 * n + 1] = xy[2 * i + 1];
        n++;
    }
    if (!bad) {
        ge_coverage_rows_seed(c, oxy, own, n, away, &a);
        bad = a.failed;
    }
    for (int r = 0; !bad && r < R; r++)
        total += a.n[r];
    if (!bad && (out = malloc((total ? total : 1) * 5 * sizeof *out)))
        for (size_t r = 0, at = 0; r < (size_t)R; at += a.n[r++])
            if (a.n[r])
                memcpy(out + 5 * at, a.buf[r], a.n[r] * 5 * sizeof *out);
    /* a process that failed sends nothing, and fails with every other */
    int any;
    bad = bad || !out;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any)
        ge_fail(err, "out of memory for the coverage's seeds");
    else if (!ge_alltoall_rows(comm, out, a.n, 5, &in, &got, err)) {
        for (size_t k = 0; k < got; k++) {
            const double *v = in + 5 * k;
            const size_t cell = (size_t)v[0];
            ge_coverage_rows_merge(c, (int)(cell / (size_t)m->s.H), (int)(cell % (size_t)m->s.H),
                                   (long)v[1], v + 2, v[4]);
        }
        rc = 0;
    }
    for (int r = 0; a.buf && r < R; r++)
        free(a.buf[r]);
    free(a.n), free(a.cap), free(a.buf), free(own), free(oxy), free(out), free(in);
    return rc;
}

int ge_dcoverage(MPI_Comm comm, ge_model *part, const double *xy, const size_t *ids, size_t M,
                 ge_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const int w0 = part->row0, w1 = part->row0 + part->rows, wrap = ge_wrap_x(part);
    const int below = rank > 0 ? rank - 1 : wrap ? size - 1 : MPI_PROC_NULL;
    const int above = rank < size - 1 ? rank + 1 : wrap ? 0 : MPI_PROC_NULL;
    ge_coverage_rows c;
    double *out = malloc(4 * (size_t)part->s.H * sizeof *out);
    double *in = malloc(4 * (size_t)part->s.H * sizeof *in);
    int rc = -1, bad = 1, any = 0;
    if (part->rows < 1)
        ge_fail(err, "a grid of %d rows on %d processes leaves one none", part->s.W, size);
    else if (!out || !in)
        ge_fail(err, "out of memory for the coverage");
    else
        bad = ge_coverage_rows_init(&c, part, w0 - 1, part->rows + 2, w0, w1, err) != 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any) {
        if (!bad) {
            ge_fail(err, "another process failed to compute its part of the coverage");
            ge_coverage_rows_free(&c);
        }
        goto done;
    }
    if (seed(&c, comm, xy, ids, M, err)) {
        ge_coverage_rows_free(&c);
        goto done;
    }
    /* a nearest sample crosses a stripe in a sweep: as many rounds as one
     * process takes, and one more for each stripe it may cross */
    for (int round = 0; round < 64 + 2 * size; round++) {
        exchange(&c, comm, below, above, out, in);
        unsigned long changed = ge_coverage_rows_sweep(&c, 1) + ge_coverage_rows_sweep(&c, -1);
        MPI_Allreduce(MPI_IN_PLACE, &changed, 1, MPI_UNSIGNED_LONG, MPI_SUM, comm);
        if (!changed)
            break;
    }
    rc = ge_coverage_rows_store(&c, part, err);
    ge_coverage_rows_free(&c);
done:
    free(out);
    free(in);
    return rc;
}
