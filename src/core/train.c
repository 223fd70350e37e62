/* The training loop: loss and gradient through the field, optimiser steps,
 * mini-batch epochs. Shapes: see include/geoembed/model.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/conv.h"
#include "geoembed/cores.h"
#include "geoembed/curvature.h"
#include "geoembed/rng.h"
#include "geoembed/train.h"

/* A unit is a block the convolution is evaluated at: the W*H grid cells, then
 * the extra blocks of cell-read-out samples whose block is no grid cell (the
 * upper edge under clamping, points outside the exterior). */
struct ge_trainer {
    ge_model *m;
    const ge_data *d;
    ge_train_opts o;
    ge_optim opt;
    ge_rng rng;
    int threads;
    size_t ncells, nunits;
    int64_t *extra_wh; /* [nunits - ncells][2] raw cell of each extra unit */
    int P;             /* read-out pairs per sample: 1 (cell) or 4 (bilinear) */
    int missing;       /* some target value is missing (NaN): it is left out of the loss */
    size_t *unit;      /* [M][P] */
    double *wgt;       /* [M][P] */
    uint32_t *stamp;   /* [nunits] last step that touched a unit */
    uint32_t clock;
    size_t *touched;   /* [nunits] units of this step, ascending */
    size_t full_nt;    /* touched holds the full batch's units, this many (0: not) */
    size_t *order;     /* [M] sample permutation for mini-batches */
    double *Kt, *F, *dF; /* kernel [KW][KH][N][O]; field and its gradient [nunits][O] */
    double *grad;        /* [n_params] slab layout */
    double *tbuf;        /* per-thread partial gradients (threads 1..T-1) */
    size_t tbuf_stride;  /* n_emb + n_kernel + O */
    /* The whole-grid engine (conv.h), for steps that touch at least a quarter
     * of the cells; NULL when no step can (too few samples). dKt: the kernel
     * gradient of the extra units beside it [KW][KH][N][O]. */
    ge_conv *conv;
    double *dKt;
    /* Cell read-out: the samples grouped by unit, in sample order within a
     * unit; group[group_at[u] .. group_at[u+1]) are those of unit u, and
     * ygroup[k][O] the targets of sample group[k] (read in order). */
    size_t *group, *group_at;
    double *ygroup;
    /* Threads of dense steps (see pick_threads): seconds per unit of work of
     * a step on one thread [0] and on all [1] (0: not yet timed), dense steps
     * taken, and the count the last step ran on. */
    double pace[2];
    unsigned dense_steps, next_probe, probe_gap;
    int crowded; /* steps in a row that found other processes on the cores */
    /* while crowded: the free threads last read and when (see LOAD_RECHECK) */
    int load_free;
    double load_read;
    int best, step_threads;
};

/* Seconds a crowded machine's count of free cores is taken as read: its
 * reads (/proc: 10 us a check on an idle machine, 50 us beside a busy
 * process) are then made every 8 steps of 12 ms, not before every one. */
#define LOAD_RECHECK 0.1

/* Blocks of units the full-batch loss is summed over, then the blocks in
 * order: fixed, so that the sum does not depend on the thread count. */
#define LOSS_BLOCKS 64

static int raw_cmp(const void *a, const void *b)
{
    const int64_t *p = a, *q = b;
    if (p[0] != q[0])
        return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

/* Read-out pairs of every sample; cell read-out samples outside the grid get
 * extra units, one per distinct raw block. */
static int map_samples(ge_trainer *t, ge_error *err)
{
    const ge_model *m = t->m;
    const size_t M = t->d->M;
    size_t nextra = 0;
    int64_t *raw = NULL;
    for (size_t i = 0; i < M; i++) {
        size_t cell[4];
        double w[4];
        int n = ge_readout_weights(m, t->d->xy[2 * i], t->d->xy[2 * i + 1], cell, w);
        for (int k = 0; k < t->P; k++) {
            t->unit[i * t->P + k] = n ? cell[k] : SIZE_MAX;
            t->wgt[i * t->P + k] = n ? w[k] : 1.0;
        }
        nextra += n == 0;
    }
    t->nunits = t->ncells;
    if (!nextra)
        return 0;
    raw = malloc(nextra * 2 * sizeof *raw);
    t->extra_wh = malloc(nextra * 2 * sizeof *raw);
    if (!raw || !t->extra_wh) {
        free(raw);
        return ge_fail(err, "out of memory mapping samples to cells");
    }
    size_t k = 0;
    for (size_t i = 0; i < M; i++)
        if (t->unit[i * t->P] == SIZE_MAX) {
            ge_model_cell(m, t->d->xy[2 * i], t->d->xy[2 * i + 1], &raw[2 * k], &raw[2 * k + 1]);
            k++;
        }
    qsort(raw, nextra, 2 * sizeof *raw, raw_cmp);
    size_t u = 0;
    for (size_t j = 0; j < nextra; j++)
        if (u == 0 || raw_cmp(&raw[2 * j], &t->extra_wh[2 * (u - 1)]) != 0) {
            t->extra_wh[2 * u] = raw[2 * j];
            t->extra_wh[2 * u + 1] = raw[2 * j + 1];
            u++;
        }
    for (size_t i = 0; i < M; i++)
        if (t->unit[i * t->P] == SIZE_MAX) {
            int64_t key[2];
            ge_model_cell(m, t->d->xy[2 * i], t->d->xy[2 * i + 1], &key[0], &key[1]);
            const int64_t *hit = bsearch(key, t->extra_wh, u, 2 * sizeof *raw, raw_cmp);
            t->unit[i * t->P] = t->ncells + (size_t)(hit - t->extra_wh) / 2;
        }
    t->nunits = t->ncells + u;
    free(raw);
    return 0;
}

/* A stable counting sort of the samples by their unit (cell read-out). */
static int group_samples(ge_trainer *t)
{
    const size_t M = t->d->M, nu = t->nunits;
    t->group = malloc((M ? M : 1) * sizeof *t->group);
    t->group_at = calloc(nu + 1, sizeof *t->group_at);
    t->ygroup = malloc((M ? M : 1) * (size_t)t->d->O * sizeof *t->ygroup);
    size_t *fill = malloc((nu ? nu : 1) * sizeof *fill);
    if (!t->group || !t->group_at || !t->ygroup || !fill) {
        free(fill);
        return -1;
    }
    for (size_t i = 0; i < M; i++)
        t->group_at[t->unit[i] + 1]++;
    for (size_t u = 0; u < nu; u++)
        t->group_at[u + 1] += t->group_at[u];
    memcpy(fill, t->group_at, nu * sizeof *fill);
    for (size_t i = 0; i < M; i++)
        t->group[fill[t->unit[i]]++] = i;
    for (size_t k = 0; k < M; k++)
        memcpy(t->ygroup + k * t->d->O, t->d->y + t->group[k] * t->d->O,
               (size_t)t->d->O * sizeof *t->ygroup);
    free(fill);
    return 0;
}

ge_trainer *ge_trainer_new(ge_model *m, const ge_data *d, const ge_train_opts *o, ge_error *err)
{
    ge_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    t->m = m;
    t->d = d;
    t->o = *o;
    t->ncells = (size_t)m->s.W * m->s.H;
    t->P = m->s.readout == GE_READOUT_BILINEAR ? 4 : 1;
    t->threads = 1;
#ifdef _OPENMP
    t->threads = omp_get_max_threads();
#endif
    t->step_threads = t->threads;
    t->next_probe = 7;
    t->probe_gap = 8;
    t->best = 1;
    ge_rng_seed(&t->rng, o->seed);
    const size_t M = d->M, O = (size_t)m->s.O;
    t->unit = malloc((M ? M : 1) * t->P * sizeof *t->unit);
    t->wgt = malloc((M ? M : 1) * t->P * sizeof *t->wgt);
    t->order = malloc((M ? M : 1) * sizeof *t->order);
    if (!t->unit || !t->wgt || !t->order || map_samples(t, err))
        goto fail;
    for (size_t i = 0; i < M; i++)
        t->order[i] = i;
    for (size_t i = 0; i < M * O && !t->missing; i++)
        t->missing = isnan(d->y[i]);
    t->tbuf_stride = m->n_params;
    t->stamp = calloc(t->nunits, sizeof *t->stamp);
    t->touched = malloc(t->nunits * sizeof *t->touched);
    t->Kt = malloc(m->n_kernel * sizeof *t->Kt);
    t->F = malloc(t->nunits * O * sizeof *t->F);
    t->dF = malloc(t->nunits * O * sizeof *t->dF);
    t->grad = calloc(m->n_params, sizeof *t->grad);
    t->tbuf = t->threads > 1 ? malloc((size_t)(t->threads - 1) * t->tbuf_stride * sizeof(double))
                             : NULL;
    if (!t->stamp || !t->touched || !t->Kt || !t->F || !t->dF || !t->grad ||
        (t->threads > 1 && !t->tbuf)) {
        ge_fail(err, "out of memory for training workspace (%zu cells, %d threads)", t->nunits,
                t->threads);
        goto fail;
    }
    if (t->P == 1 && group_samples(t)) {
        ge_fail(err, "out of memory for training workspace");
        goto fail;
    }
    if (o->smooth > 0 || M * (size_t)t->P * 4 >= t->ncells) {
        if (!(t->conv = ge_conv_new(&m->s, ge_isa_default(), err)))
            goto fail;
        if (!(t->dKt = malloc(m->n_kernel * sizeof *t->dKt))) {
            ge_fail(err, "out of memory for training workspace");
            goto fail;
        }
    }
    if (ge_optim_init(&t->opt, &o->optim, m->n_params)) {
        ge_fail(err, "out of memory for optimiser state");
        goto fail;
    }
    return t;
fail:
    ge_trainer_free(t);
    return NULL;
}

void ge_trainer_free(ge_trainer *t)
{
    if (!t)
        return;
    ge_optim_free(&t->opt);
    free(t->extra_wh);
    free(t->unit);
    free(t->wgt);
    free(t->stamp);
    free(t->touched);
    free(t->order);
    free(t->Kt);
    free(t->F);
    free(t->dF);
    free(t->grad);
    free(t->tbuf);
    ge_conv_free(t->conv);
    free(t->dKt);
    free(t->group);
    free(t->group_at);
    free(t->ygroup);
    free(t);
}

static void unit_cell(const ge_trainer *t, size_t u, int64_t *w, int64_t *h)
{
    if (u < t->ncells) {
        *w = (int64_t)(u / (size_t)t->m->s.H);
        *h = (int64_t)(u % (size_t)t->m->s.H);
    } else {
        *w = t->extra_wh[2 * (u - t->ncells)];
        *h = t->extra_wh[2 * (u - t->ncells) + 1];
    }
}

/* Marks the units this step reads and lists them in ascending order. */
static size_t touch_units(ge_trainer *t, const size_t *idx, size_t n)
{
    if (!idx && t->full_nt) /* the full batch's units, listed by an earlier step */
        return t->full_nt;
    t->full_nt = 0;
    if (++t->clock == 0) { /* wrapped after 2^32 steps: start the stamps again */
        memset(t->stamp, 0, t->nunits * sizeof *t->stamp);
        t->clock = 1;
    }
    const int all_cells = t->o.smooth > 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = idx ? idx[j] : j;
        for (int k = 0; k < t->P; k++)
            t->stamp[t->unit[i * t->P + k]] = t->clock;
    }
    size_t nt = 0;
    for (size_t u = 0; u < t->nunits; u++)
        if (t->stamp[u] == t->clock || (all_cells && u < t->ncells))
            t->touched[nt++] = u;
    if (!idx)
        t->full_nt = nt;
    return nt;
}

/* Contiguous chunk [lo, hi) of n items for thread k of T: fixed, so reductions
 * happen in the same order every time. */
static void chunk(size_t n, int k, int T, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)k / (size_t)T;
    *hi = n * (size_t)(k + 1) / (size_t)T;
}

static void forward_units(ge_trainer *t, size_t nt)
{
    const int O = t->m->s.O;
    const int big = (double)nt * t->m->n_kernel > GE_PARALLEL_WORK;
    const size_t H = (size_t)t->m->s.H;
    /* Fixed groups of 4 touched units; 4 consecutive cells of one grid column
     * go through ge_block_forward4. */
#pragma omp parallel for schedule(static) if (big)
    for (long q = 0; q < (long)((nt + 3) / 4); q++) {
        size_t j0 = (size_t)q * 4, j1 = j0 + 4 < nt ? j0 + 4 : nt, u0 = t->touched[j0];
        if (j1 - j0 == 4 && t->touched[j0 + 3] == u0 + 3 && u0 + 3 < t->ncells &&
            u0 / H == (u0 + 3) / H &&
            ge_block_forward4(t->m, t->Kt, (int64_t)(u0 / H), (int64_t)(u0 % H), t->F + u0 * O))
            continue;
        for (size_t j = j0; j < j1; j++) {
            int64_t w, h;
            size_t u = t->touched[j];
            unit_cell(t, u, &w, &h);
            ge_block_forward(t->m, t->Kt, w, h, t->F + u * O);
        }
    }
}

/* Backward of every touched unit's block; thread k accumulates into its own
 * slab (thread 0 into grad) and the slabs are added in thread order. */
static void backward_units(ge_trainer *t, size_t nt)
{
    const ge_model *m = t->m;
    const int O = m->s.O;
    const size_t stride = t->tbuf_stride;
    int T = t->threads;
    if ((size_t)T > nt)
        T = nt ? (int)nt : 1;
    if ((double)nt * m->n_kernel * 2 < GE_PARALLEL_WORK)
        T = 1; /* too little work to pay for waking threads */
#pragma omp parallel num_threads(T)
    {
        int k = 0, nth = 1;
#ifdef _OPENMP
        k = omp_get_thread_num();
        nth = omp_get_num_threads();
#endif
        double *g = k == 0 ? t->grad : t->tbuf + (size_t)(k - 1) * stride;
        if (k > 0)
            memset(g, 0, stride * sizeof *g);
        size_t lo, hi;
        chunk(nt, k, nth, &lo, &hi);
        const size_t H = (size_t)m->s.H;
        for (size_t j = lo; j < hi; j++) {
            int64_t w, h;
            size_t u = t->touched[j];
            if (j + 3 < hi && t->touched[j + 3] == u + 3 && u + 3 < t->ncells &&
                u / H == (u + 3) / H &&
                ge_block_backward4(m, t->Kt, (int64_t)(u / H), (int64_t)(u % H), t->dF + u * O,
                                   g, g + m->n_emb, g + m->n_emb + m->n_kernel)) {
                j += 3;
                continue;
            }
            unit_cell(t, u, &w, &h);
            ge_block_backward(m, t->Kt, w, h, t->dF + u * O, g, g + m->n_emb,
                              g + m->n_emb + m->n_kernel);
        }
#pragma omp barrier
        /* Reduce: each thread sums a fixed slice of the slab over threads 1..T-1. */
        size_t a, b;
        chunk(stride, k, nth, &a, &b);
        for (int q = 1; q < nth; q++) {
            const double *src = t->tbuf + (size_t)(q - 1) * stride;
            for (size_t i = a; i < b; i++)
                t->grad[i] += src[i];
        }
    }
}

/* The gradient of K was accumulated as Kt[KW][KH][N][O]: back to torch layout. */
static void untranspose_kernel_grad(ge_trainer *t)
{
    const ge_model *m = t->m;
    const int O = m->s.O, N = m->s.N, KW = m->KW, KH = m->KH;
    double *gk = t->grad + m->n_emb;
    memcpy(t->Kt, gk, m->n_kernel * sizeof *gk); /* Kt is free again after backward */
    for (int o = 0; o < O; o++)
        for (int n = 0; n < N; n++)
            for (int kw = 0; kw < KW; kw++)
                for (int kh = 0; kh < KH; kh++)
                    gk[(((size_t)o * N + n) * KW + kw) * KH + kh] =
                        t->Kt[(((size_t)kw * KH + kh) * N + n) * O + o];
}

/* Threads of a dense step. Its results do not depend on the thread count
 * (conv.h, loss_grouped, the optimisers), so the count may follow the
 * machine: where other processes hold the cores, a thread waits at every
 * barrier for a partner the kernel has descheduled, and a step on all threads
 * can take several times as long as on one. The trainer times dense steps on
 * one thread and on all, runs the faster, and tries the other again after a
 * gap that doubles (4 to 64 steps) while the choice holds. Returns 0 (one
 * thread) or 1 (all). */
static int pick_threads(ge_trainer *t)
{
    const unsigned s = t->dense_steps++;
    if (s < 3) /* the first step (page faults, cold caches) is not timed */
        return s != 1;
    const int best = t->pace[0] <= t->pace[1] ? 0 : 1;
    if (best != t->best) { /* the last probe won: look again soon */
        t->best = best;
        t->probe_gap = 4;
    }
    if (s >= t->next_probe) {
        t->next_probe = s + t->probe_gap;
        if (t->probe_gap < 64)
            t->probe_gap *= 2;
        return !best;
    }
    return best;
}

static void set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

static double wall_now(void)
{
#ifdef _OPENMP
    return omp_get_wtime();
#else
    return 0;
#endif
}

/* The whole grid through the engine: worth it when a quarter of the cells
 * or more are touched (it computes every cell, several to a vector). */
static int dense_step(const ge_trainer *t, size_t ntc)
{
    return t->conv && ntc * 4 >= t->ncells;
}

/* Forward of the extra units touched[ntc..nt) (blocks that are no grid cell). */
static void forward_extra(ge_trainer *t, size_t ntc, size_t nt)
{
    for (size_t j = ntc; j < nt; j++) {
        int64_t w, h;
        size_t u = t->touched[j];
        unit_cell(t, u, &w, &h);
        ge_block_forward(t->m, t->Kt, w, h, t->F + u * t->m->s.O);
    }
}

/* Backward of a dense step: the engine for the grid cells (dF is zero on
 * the untouched ones), the block path for the extra units, in order. */
static void backward_dense(ge_trainer *t, size_t ntc, size_t nt)
{
    const ge_model *m = t->m;
    const int O = m->s.O, N = m->s.N, KW = m->KW, KH = m->KH;
    double *dE = t->grad, *dK = dE + m->n_emb, *db = dK + m->n_kernel;
    ge_conv_backward(dE, dK, db, t->conv, m, t->dF);
    if (ntc == nt)
        return;
    memset(t->dKt, 0, m->n_kernel * sizeof *t->dKt);
    for (size_t j = ntc; j < nt; j++) {
        int64_t w, h;
        size_t u = t->touched[j];
        unit_cell(t, u, &w, &h);
        ge_block_backward(m, t->Kt, w, h, t->dF + u * O, dE, t->dKt, db);
    }
    for (int o = 0; o < O; o++)
        for (int n = 0; n < N; n++)
            for (int kw = 0; kw < KW; kw++)
                for (int kh = 0; kh < KH; kh++)
                    dK[(((size_t)o * N + n) * KW + kw) * KH + kh] +=
                        t->dKt[(((size_t)kw * KH + kh) * N + n) * O + o];
}

/* The losses of units [u0, u1) summed, their gradients (times inv) into dF
 * when want_grad. Inlined with the loss's kind and the output count
 * constants: no switch per value, and the gradients stay in registers. */
static inline __attribute__((always_inline)) double
loss_units(const ge_trainer *t, ge_loss_kind kind, int O, size_t u0, size_t u1, double inv,
           int want_grad)
{
    const ge_loss l = {.kind = kind, .delta = t->o.loss.delta};
    const double *F = t->F, *y = t->ygroup;
    double *dF = t->dF, s = 0;
    for (size_t u = u0; u < u1; u++) {
        double g[GE_MAX_OUTPUTS];
        for (int o = 0; o < O; o++)
            g[o] = 0;
        for (size_t k = t->group_at[u]; k < t->group_at[u + 1]; k++)
            for (int o = 0; o < O; o++) {
                double r = F[u * O + o] - y[k * O + o];
                if (isnan(r))
                    continue;
                s += ge_loss_value(&l, r);
                g[o] += ge_loss_grad(&l, r) * inv;
            }
        for (int o = 0; want_grad && o < O; o++)
            dF[u * O + o] = g[o];
    }
    return s;
}

/* Sum of the losses of every sample (cell read-out, full batch), and with
 * want_grad their gradients (times inv) as dF (every unit's, zero where no
 * sample is): unit by unit, so that each thread owns the dF of its blocks and
 * reads the field in order; contiguous blocks a thread, as conv.c splits
 * the rows. */
static double loss_grouped(ge_trainer *t, double inv, int want_grad)
{
    const size_t nu = t->nunits;
    const int O = t->m->s.O;
    const ge_loss_kind kind = t->o.loss.kind;
    double part[LOSS_BLOCKS];
    const int big = (double)t->d->M * O > GE_PARALLEL_WORK / 20;
#pragma omp parallel for schedule(static) if (big)
    for (int b = 0; b < LOSS_BLOCKS; b++) {
        const size_t u0 = nu * b / LOSS_BLOCKS, u1 = nu * (b + 1) / LOSS_BLOCKS;
#define LOSS_OF(K)                                                                             \
    (O == 1   ? loss_units(t, K, 1, u0, u1, inv, want_grad)                                    \
     : O == 2 ? loss_units(t, K, 2, u0, u1, inv, want_grad)                                    \
              : loss_units(t, K, O, u0, u1, inv, want_grad))
        switch (kind) {
        case GE_LOSS_L1:
            part[b] = LOSS_OF(GE_LOSS_L1);
            break;
        case GE_LOSS_MSE:
            part[b] = LOSS_OF(GE_LOSS_MSE);
            break;
        default:
            part[b] = LOSS_OF(GE_LOSS_HUBER);
        }
#undef LOSS_OF
    }
    double sum = 0;
    for (int b = 0; b < LOSS_BLOCKS; b++)
        sum += part[b];
    return sum;
}

double ge_trainer_loss(ge_trainer *t, const size_t *idx, size_t n, int want_grad)
{
    const ge_model *m = t->m;
    const int O = m->s.O, P = t->P;
    if (!idx)
        n = t->d->M;
    size_t nt = touch_units(t, idx, n), ntc = nt; /* touched[ntc..nt): the extra units */
    while (ntc > 0 && t->touched[ntc - 1] >= t->ncells)
        ntc--;
    const int dense = dense_step(t, ntc);
    int timed = -1; /* which pace this step measures */
    double t0 = 0;
    t->step_threads = t->threads;
    if (dense && t->threads > 1) {
        /* other processes on the cores at this step and the last: as many
         * threads as are free, untimed (a probe of all would wait at the
         * barriers; two reads in a row, as a system task passing by is seen
         * in a few % of reads) */
        const double now = wall_now();
        int free_threads = t->load_free;
        if (t->crowded < 2 || now - t->load_read >= LOAD_RECHECK) {
            free_threads = ge_threads_now(t->threads);
            t->load_free = free_threads, t->load_read = now;
        }
        t->crowded = free_threads < t->threads ? t->crowded + 1 : 0;
        if (t->crowded >= 2) {
            t->step_threads = free_threads;
        } else {
            timed = pick_threads(t);
            t->step_threads = timed ? t->threads : 1;
        }
        set_threads(t->step_threads);
        t0 = wall_now();
    }
    ge_kernel_transpose(m, t->Kt);
    if (dense) {
        ge_conv_forward(t->F, t->conv, m);
        forward_extra(t, ntc, nt);
    } else {
        forward_units(t, nt);
    }
    const int grouped = !idx && P == 1; /* loss_grouped sets all of dF */
    if (want_grad && !grouped) {
        if (dense)
            memset(t->dF, 0, t->ncells * O * sizeof *t->dF);
        for (size_t j = dense ? ntc : 0; j < nt; j++)
            memset(t->dF + t->touched[j] * O, 0, (size_t)O * sizeof *t->dF);
    }

    /* the mean over the values present (all of them, as torch's mean, unless
     * some are missing) */
    size_t values = n * (size_t)O;
    for (size_t j = 0; t->missing && j < n; j++)
        for (int o = 0; o < O; o++)
            values -= isnan(t->d->y[(idx ? idx[j] : j) * O + o]);
    const double inv = values ? 1.0 / (double)values : 0;
    double sum = 0;
    if (grouped)
        sum = loss_grouped(t, inv, want_grad);
    for (size_t j = 0; !grouped && j < n; j++) {
        size_t i = idx ? idx[j] : j;
        const size_t *u = t->unit + i * P;
        const double *w = t->wgt + i * P;
        for (int o = 0; o < O; o++) {
            double pred = P == 1 ? t->F[u[0] * O + o]
                                 : w[0] * t->F[u[0] * O + o] + w[1] * t->F[u[1] * O + o] +
                                       w[2] * t->F[u[2] * O + o] + w[3] * t->F[u[3] * O + o];
            double r = pred - t->d->y[i * O + o];
            if (isnan(r))
                continue;
            sum += ge_loss_value(&t->o.loss, r);
            if (want_grad) {
                double g = ge_loss_grad(&t->o.loss, r) * inv;
                for (int k = 0; k < P; k++)
                    t->dF[u[k] * O + o] += P == 1 ? g : w[k] * g;
            }
        }
    }
    double loss = sum * inv;
    if (t->o.smooth > 0)
        loss += ge_curvature(m, t->F, t->o.smooth * ge_curvature_scale(m),
                             want_grad ? t->dF : NULL);
    if (want_grad) {
        if (dense) { /* the engine sets every gradient: no clearing of 2 MB on one thread */
            backward_dense(t, ntc, nt);
        } else {
            memset(t->grad, 0, m->n_params * sizeof *t->grad);
            backward_units(t, nt);
            untranspose_kernel_grad(t);
        }
    }
    if (timed >= 0) {
        set_threads(t->threads);
        double pace = (wall_now() - t0) / (double)(t->ncells + n);
        if (t->dense_steps > 1)
            t->pace[timed] = t->pace[timed] > 0 ? 0.5 * (t->pace[timed] + pace) : pace;
    }
    return loss;
}

double ge_train_memory(const ge_shape *s, size_t M, int threads, int adam)
{
    double params = ge_shape_param_bytes(s) ? (double)ge_shape_param_bytes(s)
                                            : 8.0 * GE_MAX_PARAMS * 2;
    double cells = (double)s->W * s->H;
    int P = s->readout == GE_READOUT_BILINEAR ? 4 : 1;
    /* params, grad, best copy, optimiser (2 for adam), threads-1 partial slabs */
    double slabs = params * (3 + (adam ? 2 : 1) + (threads > 1 ? threads - 1 : 0));
    double field = cells * s->O * 8 * 2 + cells * 12;
    double samples = (double)M * (P * 16 + 8 + 16 + s->O * 8.0 * 2);
    return slabs + field + samples + ge_conv_bytes(s);
}

const double *ge_trainer_grad(const ge_trainer *t) { return t->grad; }

ge_optim *ge_trainer_optim(ge_trainer *t) { return &t->opt; }

ge_rng *ge_trainer_rng(ge_trainer *t) { return &t->rng; }

double ge_trainer_step(ge_trainer *t, const size_t *idx, size_t n)
{
    double loss = ge_trainer_loss(t, idx, n, 1);
    set_threads(t->step_threads); /* elementwise: any count gives the same bits */
    ge_optim_step(&t->opt, t->m->params, t->grad);
    set_threads(t->threads);
    return loss;
}

double ge_trainer_epoch(ge_trainer *t)
{
    const size_t M = t->d->M, B = t->o.batch_size;
    if (B == 0 || B >= M)
        return ge_trainer_step(t, NULL, M);
    /* Each epoch shuffles the identity, so the generator is the whole state. */
    for (size_t i = 0; i < M; i++)
        t->order[i] = i;
    ge_rng_shuffle(&t->rng, t->order, M);
    double total = 0;
    for (size_t lo = 0; lo < M; lo += B) {
        size_t n = M - lo < B ? M - lo : B;
        total += ge_trainer_step(t, t->order + lo, n) * (double)n;
    }
    return total / (double)M;
}
