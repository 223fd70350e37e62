/* The exact fit's fields through the distributed solver (see dfit.h), each
 * process getting the rows of its stripe of the model and their halo. The
 * data term and the penalty's weight match solve_fields (learn.c) with the
 * local solver: per target, data weights d_i = w_i (0 where the value is
 * missing), mu = lambda * ge_curvature_scale / cells * sum d; the targets
 * with every value share one matrix. */
#include <math.h>
#include <stdlib.h>

#include "geoembed/curvature.h"
#include "geoembed/model_stripes.h"
#include "geoembed/solve.h"
#include "dcoverage.h"
#include "dfit.h"

/* The samples of idx[0..n) (all M when NULL) whose first read-out cell lies
 * in this process's stripe of rows (rows_of): each sample is added by one
 * process, whether every process has all of them or each its routed ones
 * (its cells' rows of the matrix travel to their owners in the assembly).
 * Their numbers id[], read-out cells and weights. */
typedef struct {
    size_t n, *id;
    size_t (*cell)[4];
    double (*wgt)[4];
    double *d, *dy;
} own_samples;

static void own_free(own_samples *o)
{
    free(o->id);
    free(o->cell);
    free(o->wgt);
    free(o->d);
    free(o->dy);
}

static int own_collect(own_samples *o, int row0, int rows, const ge_model *m, const double *xy,
                       size_t M, const size_t *idx, size_t n, ge_error *err)
{
    const size_t N = idx ? n : M, H = (size_t)m->s.H;
    o->n = 0;
    o->id = malloc((N ? N : 1) * sizeof *o->id);
    o->cell = malloc((N ? N : 1) * sizeof *o->cell);
    o->wgt = malloc((N ? N : 1) * sizeof *o->wgt);
    o->d = malloc((N ? N : 1) * sizeof *o->d);
    o->dy = malloc((N ? N : 1) * sizeof *o->dy);
    if (!o->id || !o->cell || !o->wgt || !o->d || !o->dy)
        return ge_fail(err, "out of memory for the samples of the distributed solve");
    for (size_t j = 0; j < N; j++) {
        size_t i = idx ? idx[j] : j, k = o->n;
        ge_exact_readout(m, xy[2 * i], xy[2 * i + 1], o->cell[k], o->wgt[k]);
        if (ge_part_row(&m->s, row0, rows, (long)(o->cell[k][0] / H)) >= 0)
            o->id[o->n++] = i;
    }
    return 0;
}

/* Data weights of target o (every target when o < 0: the sample weights)
 * into own->d; returns their sum over all processes. */
static double weights(own_samples *own, const double *ys, const double *w, int O, int o,
                      MPI_Comm comm)
{
    double sum = 0, all = 0;
    for (size_t k = 0; k < own->n; k++) {
        size_t i = own->id[k];
        own->d[k] = o >= 0 && isnan(ys[i * O + o]) ? 0.0 : (w ? w[i] : 1.0);
        sum += own->d[k];
    }
    MPI_Allreduce(&sum, &all, 1, MPI_DOUBLE, MPI_SUM, comm);
    return all;
}

/* Solves target o into f: the rows of this process's span (learn.h). */
static int solve_target(ge_dfit *b, own_samples *own, const int span[2], const double *ys,
                        int O, int o, double *f, ge_error *err)
{
    for (size_t k = 0; k < own->n; k++)
        own->dy[k] = own->d[k] == 0 ? 0.0 : own->d[k] * ys[own->id[k] * O + o];
    if (ge_dsolver_solve(b->s, own->n, (const size_t(*)[4])own->cell,
                         (const double(*)[4])own->wgt, own->dy, err) ||
        ge_dsolver_rows(b->s, span[0], span[1], f, err))
        return -1;
    b->last = *ge_dsolver_stats(b->s);
    b->solves++;
    b->iterations += b->last.iterations;
    b->seconds += b->last.solve_s;
    return 0;
}

static int assemble(ge_dfit *b, own_samples *own, const ge_model *m, double lambda, double dsum,
                    ge_error *err)
{
    const double mu = lambda * ge_curvature_scale(m) / ((double)m->s.W * m->s.H) * dsum;
    if (ge_dsolver_assemble(b->s, own->n, (const size_t(*)[4])own->cell,
                            (const double(*)[4])own->wgt, own->d, mu, err))
        return -1;
    b->seconds += ge_dsolver_stats(b->s)->setup_s;
    return 0;
}

/* The model's rows this process holds: its stripe (model_stripes.h). */
static void rows_of(void *ctx, int W, int *row0, int *rows)
{
    ge_dfit *b = ctx;
    int rank, size, w1;
    MPI_Comm_rank(b->comm, &rank);
    MPI_Comm_size(b->comm, &size);
    ge_stripe_rows(W, rank, size, row0, &w1);
    *rows = w1 - *row0;
}

static void sum(void *ctx, double *v, int n)
{
    ge_dfit *b = ctx;
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, b->comm);
}

static void max(void *ctx, double *v, int n)
{
    ge_dfit *b = ctx;
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, b->comm);
}

static int coverage(void *ctx, ge_model *part, const double *xy, const size_t *ids, size_t M,
                    ge_error *err)
{
    ge_dfit *b = ctx;
    return ge_dcoverage(b->comm, part, xy, ids, M, err);
}

static int fields(void *ctx, const ge_model *m, const double *xy, const double *ys,
                  const double *w, size_t M, const size_t *idx, size_t n, double lambda,
                  double *f, ge_error *err)
{
    ge_dfit *b = ctx;
    const int O = m->s.O, wx = ge_wrap_x(m), wy = ge_wrap_y(m);
    int row0, rows, span[2];
    rows_of(b, m->s.W, &row0, &rows);
    ge_backend_span(&m->s, row0, rows, &span[0], &span[1]);
    const size_t ncell = (size_t)span[1] * m->s.H; /* a field's cells here */
    int size;
    MPI_Comm_size(b->comm, &size);
    if (m->s.W < size) /* every process holds a stripe of rows (ge_stripe_rows) */
        return ge_fail(err, "a grid %d cells wide is fitted by at most %d processes, not %d "
                            "(--size sets the grid)", m->s.W, m->s.W, size);
    if (!b->s || b->W != m->s.W || b->H != m->s.H || b->wx != wx || b->wy != wy) {
        ge_dsolver_free(b->s);
        b->W = m->s.W, b->H = m->s.H, b->wx = wx, b->wy = wy;
        if (!(b->s = ge_dsolver_new(b->comm, b->W, b->H, wx, wy, 1, err)))
            return -1;
    }
    own_samples own = {0};
    int rc = -1;
    if (own_collect(&own, row0, rows, m, xy, M, idx, n, err))
        goto done;
    /* which targets miss a value anywhere: the others share one matrix */
    int miss[GE_MAX_OUTPUTS] = {0}, any[GE_MAX_OUTPUTS];
    for (size_t k = 0; k < own.n; k++)
        for (int o = 0; o < O; o++)
            miss[o] |= isnan(ys[own.id[k] * O + o]);
    MPI_Allreduce(miss, any, O, MPI_INT, MPI_MAX, b->comm);
    int shared = 0;
    for (int o = 0; o < O; o++) {
        if (any[o])
            continue;
        if (!shared) {
            if (assemble(b, &own, m, lambda, weights(&own, ys, w, O, -1, b->comm), err))
                goto done;
            shared = 1;
        }
        if (solve_target(b, &own, span, ys, O, o, f + (size_t)o * ncell, err))
            goto done;
    }
    for (int o = 0; o < O; o++) {
        if (!any[o])
            continue;
        if (assemble(b, &own, m, lambda, weights(&own, ys, w, O, o, b->comm), err) ||
            solve_target(b, &own, span, ys, O, o, f + (size_t)o * ncell, err))
            goto done;
    }
    rc = 0;
done:
    own_free(&own);
    return rc;
}

ge_backend ge_dfit_backend(ge_dfit *d, MPI_Comm comm)
{
    *d = (ge_dfit){.comm = comm};
    return (ge_backend){
        .fields = fields, .rows = rows_of, .sum = sum, .max = max, .coverage = coverage, .ctx = d};
}

void ge_dfit_free(ge_dfit *d)
{
    ge_dsolver_free(d->s);
    d->s = NULL;
}
