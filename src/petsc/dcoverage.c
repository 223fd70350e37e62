/* The coverage of a striped model (see dcoverage.h). */
#include <stdlib.h>

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

int ge_dcoverage(MPI_Comm comm, ge_model *part, const double *xy, size_t M, ge_error *err)
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
    ge_coverage_rows_seed(&c, xy, M);
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
