/* Unit tests of src/core/train.c and ge_model_init_params: seeded
 * initialisation, byte-identical training for a fixed seed and thread count,
 * agreement across thread counts, seeded mini-batches, and that training
 * actually fits a smooth field. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/model.h"
#include "geoembed/rng.h"
#include "geoembed/train.h"
#include "unit.h"

/* ---- initialisation ---------------------------------------------------- */

Test(train, init_params_seeded_and_bounded)
{
    /* N = 3, kernel 3 x 5: bound 1/sqrt(45) */
    ge_shape s = ut_shape(9, 8, 3, 1, 2, 4, 0, 0, 9, 8, GE_WRAP_NONE, GE_READOUT_CELL);
    ge_model a, b, c;
    ut_model(&a, &s);
    ut_model(&b, &s);
    ut_model(&c, &s);
    ut_fill_params(&a, 1, 5.0); /* init must overwrite everything, E included */
    ge_model_init_params(&a, 42);
    ge_model_init_params(&b, 42);
    ge_model_init_params(&c, 43);
    cr_assert_eq(memcmp(a.params, b.params, a.n_params * sizeof(double)), 0);
    cr_assert_neq(memcmp(a.K, c.K, a.n_kernel * sizeof(double)), 0);
    const double bound = 1.0 / sqrt(45.0);
    for (size_t i = 0; i < a.n_emb; i++)
        cr_assert_eq(a.E[i], 0.0, "embedding starts at zero");
    double lo = 1, hi = -1, sum = 0;
    size_t nk = a.n_kernel + 4;
    for (size_t i = 0; i < nk; i++) {
        double v = a.K[i]; /* K then b, contiguous */
        cr_assert(v > -bound && v < bound, "K/b[%zu] = %g outside +-%g", i, v, bound);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        sum += v;
    }
    /* 184 uniform draws: they spread over the interval, centred */
    cr_assert_lt(lo, -0.8 * bound);
    cr_assert_gt(hi, 0.8 * bound);
    cr_assert_lt(fabs(sum / nk), 0.2 * bound);
    /* the draws come from the seeded generator of rng.h, K first then b */
    ge_rng r;
    ge_rng_seed(&r, 42);
    cr_assert_eq(a.K[0], (2 * ge_rng_uniform(&r) - 1) * bound);
    for (size_t i = 1; i < a.n_kernel; i++)
        ge_rng_uniform(&r);
    cr_assert_eq(a.b[0], (2 * ge_rng_uniform(&r) - 1) * bound);
    ge_model_free(&a);
    ge_model_free(&b);
    ge_model_free(&c);
}

Test(train, init_params_bound_uses_n_kw_kh)
{
    /* N = 1, kernel 1 x 1: bound 1; N = 8, kernel 5 x 5: bound 1/sqrt(200) */
    ge_shape s1 = ut_shape(3, 3, 1, 0, 0, 64, 0, 0, 1, 1, GE_WRAP_NONE, GE_READOUT_CELL);
    ge_shape s2 = ut_shape(6, 6, 8, 2, 2, 1, 0, 0, 1, 1, GE_WRAP_NONE, GE_READOUT_CELL);
    ge_model a, b;
    ut_model(&a, &s1);
    ut_model(&b, &s2);
    ge_model_init_params(&a, 7);
    ge_model_init_params(&b, 7);
    double amax = 0, bmax = 0;
    for (size_t i = 0; i < a.n_kernel + 64; i++)
        amax = fmax(amax, fabs(a.K[i]));
    for (size_t i = 0; i < b.n_kernel + 1; i++)
        bmax = fmax(bmax, fabs(b.K[i]));
    cr_assert(amax < 1.0 && amax > 0.9, "max |K| %g for bound 1", amax);
    cr_assert(bmax < 1 / sqrt(200.0) && bmax > 0.9 / sqrt(200.0), "max |K| %g", bmax);
    ge_model_free(&a);
    ge_model_free(&b);
}

/* ---- a smooth field to train on ---------------------------------------- */

/* Two smooth targets over the exterior [0, 12) x [0, 10). */
static double target(int o, double x, double y)
{
    return o == 0 ? sin(x / 3) + 0.5 * cos(y / 2) : 0.1 * x - 0.05 * y * y / 10;
}

typedef struct {
    size_t M;
    double *xy, *y;
    ge_data d;
} field_data;

static void make_data(field_data *fd, size_t M, uint64_t seed)
{
    ge_rng r;
    ge_rng_seed(&r, seed);
    fd->M = M;
    fd->xy = malloc(2 * M * sizeof *fd->xy);
    fd->y = malloc(2 * M * sizeof *fd->y);
    cr_assert(fd->xy && fd->y);
    for (size_t i = 0; i < M; i++) {
        double x = 12 * ge_rng_uniform(&r), y = 10 * ge_rng_uniform(&r);
        fd->xy[2 * i] = x;
        fd->xy[2 * i + 1] = y;
        fd->y[2 * i] = target(0, x, y);
        fd->y[2 * i + 1] = target(1, x, y);
    }
    fd->d = (ge_data){.M = M, .O = 2, .xy = fd->xy, .y = fd->y};
}

static void free_data(field_data *fd)
{
    free(fd->xy);
    free(fd->y);
}

#define SMALL_M 300

/* A small model: everything runs on one thread whatever the thread count
 * (the library skips threading for small work). */
static ge_shape small_shape(ge_readout ro)
{
    return ut_shape(12, 10, 3, 1, 1, 2, 0, 0, 12, 10, GE_WRAP_NONE, ro);
}

/* A model large enough for the backward pass to split its cells over the
 * threads and reduce the partial gradients: 64 x 48 cells, N = 10, kernel
 * 5 x 5, O = 2 (500 kernel weights). With the penalty on, every one of the
 * 3072 cells is a unit; without it, BIG_M samples occupy most cells. */
#define BIG_M 6000

static ge_shape big_shape(ge_readout ro)
{
    return ut_shape(64, 48, 10, 2, 2, 2, 0, 0, 12, 10, GE_WRAP_X, ro);
}

/* Units whose blocks the backward pass runs: all cells with the penalty,
 * else the distinct cells (or bilinear corners) the samples read. */
static size_t units_of(const ge_shape *s, const field_data *fd, double smooth)
{
    if (smooth > 0)
        return (size_t)s->W * s->H;
    ge_model m;
    ut_model(&m, s);
    char *seen = calloc((size_t)s->W * s->H, 1);
    size_t n = 0;
    for (size_t i = 0; i < fd->M; i++) {
        size_t cell[4];
        double wgt[4];
        int k = ge_readout_weights(&m, fd->xy[2 * i], fd->xy[2 * i + 1], cell, wgt);
        for (int j = 0; j < k; j++)
            if (!seen[cell[j]]) {
                seen[cell[j]] = 1;
                n++;
            }
    }
    free(seen);
    ge_model_free(&m);
    return n;
}

/* Guards the thread tests against becoming trivial: the backward pass must
 * be above the library's threading threshold. */
static void assert_threaded(const ge_shape *s, const field_data *fd, double smooth)
{
    double kernel = (double)s->O * s->N * (2 * s->p0 + 1) * (2 * s->p1 + 1);
    double work = (double)units_of(s, fd, smooth) * kernel * 2;
    cr_assert_geq(work, GE_PARALLEL_WORK,
                  "test shape too small to exercise threads (%g < %g multiply-adds)", work,
                  (double)GE_PARALLEL_WORK);
}

static ge_train_opts default_opts(ge_loss_kind loss, double smooth, size_t batch, uint64_t seed)
{
    ge_train_opts o = {.loss = {loss, 1.0},
                       .optim = ge_optim_defaults(GE_OPT_ADAM),
                       .smooth = smooth,
                       .batch_size = batch,
                       .seed = seed};
    o.optim.lr = 0.02;
    return o;
}

/* Trains a fresh model of shape s (init seed 5) for `epochs` with `threads`
 * threads; returns the last epoch's loss. The caller frees m. */
static double train(ge_model *m, const ge_shape *s, const field_data *fd,
                    const ge_train_opts *o, int threads, int epochs, double *first_loss)
{
    ut_model(m, s);
    ge_model_init_params(m, 5);
    ut_set_threads(threads);
    ge_error err = {{0}};
    ge_trainer *t = ge_trainer_new(m, &fd->d, o, &err);
    cr_assert_not_null(t, "%s", err.msg);
    double loss = NAN;
    for (int e = 0; e < epochs; e++) {
        loss = ge_trainer_epoch(t);
        cr_assert(isfinite(loss), "epoch %d loss %g", e, loss);
        if (e == 0 && first_loss)
            *first_loss = loss;
    }
    ge_trainer_free(t);
    return loss;
}

static int same_bytes(const ge_model *a, const ge_model *b)
{
    return a->n_params == b->n_params &&
           memcmp(a->params, b->params, a->n_params * sizeof(double)) == 0;
}

/* max |a - b| / max |a| over the slab */
static double rel_diff(const ge_model *a, const ge_model *b)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < a->n_params; i++) {
        d = fmax(d, fabs(a->params[i] - b->params[i]));
        s = fmax(s, fabs(a->params[i]));
    }
    return d / s;
}

/* ---- determinism ------------------------------------------------------- */

Test(train, same_seed_same_bytes_full_batch)
{
    /* Two threads, on a shape where they really share the backward pass. */
    field_data fd;
    make_data(&fd, BIG_M, 1);
    for (int ro = 0; ro < 2; ro++) {
        ge_shape s = big_shape((ge_readout)ro);
        ge_train_opts o = default_opts(GE_LOSS_MSE, ro ? 0.1 : 0, 0, 3);
        assert_threaded(&s, &fd, o.smooth);
        ge_model a, b;
        double la = train(&a, &s, &fd, &o, 2, 4, NULL);
        double lb = train(&b, &s, &fd, &o, 2, 4, NULL);
        cr_assert_eq(la, lb);
        cr_assert(same_bytes(&a, &b), "readout %d: two identical trainings differ", ro);
        ge_model_free(&a);
        ge_model_free(&b);
    }
    free_data(&fd);
}

Test(train, same_seed_same_bytes_minibatch)
{
    /* Shuffled mini-batches with the penalty on (so every step runs all cells
     * on two threads), and without it on the small model. */
    field_data fd, small;
    make_data(&fd, BIG_M, 2);
    make_data(&small, SMALL_M, 2);
    for (int k = 0; k < 3; k++) {
        ge_shape s = k < 2 ? big_shape((ge_readout)k) : small_shape(GE_READOUT_CELL);
        const field_data *d = k < 2 ? &fd : &small;
        ge_train_opts o = default_opts(GE_LOSS_HUBER, k < 2 ? 0.05 : 0, k < 2 ? 2000 : 70, 11);
        if (k < 2)
            assert_threaded(&s, d, o.smooth);
        int epochs = k < 2 ? 1 : 3;
        ge_model a, b, c;
        double la = train(&a, &s, d, &o, 2, epochs, NULL);
        double lb = train(&b, &s, d, &o, 2, epochs, NULL);
        cr_assert_eq(la, lb);
        cr_assert(same_bytes(&a, &b), "case %d: same seed, different parameters", k);
        /* another shuffling seed: another trajectory */
        o.seed = 12;
        double lc = train(&c, &s, d, &o, 2, epochs, NULL);
        cr_assert_neq(la, lc);
        cr_assert(!same_bytes(&a, &c), "case %d: the seed does not change the batches", k);
        /* ... but an equally good one */
        cr_assert_lt(fabs(la - lc), 0.5 * la);
        ge_model_free(&a);
        ge_model_free(&b);
        ge_model_free(&c);
    }
    free_data(&fd);
    free_data(&small);
}

Test(train, seed_is_only_for_minibatches)
{
    /* Full batch, or a batch at least the sample count: no shuffling, so the
     * seed does not matter and the result is the full-batch one. */
    field_data fd;
    make_data(&fd, SMALL_M, 3);
    ge_shape s = small_shape(GE_READOUT_CELL);
    ge_train_opts o1 = default_opts(GE_LOSS_L1, 0, 0, 1), o2 = default_opts(GE_LOSS_L1, 0, 0, 2),
                  o3 = default_opts(GE_LOSS_L1, 0, SMALL_M, 3),
                  o4 = default_opts(GE_LOSS_L1, 0, 10 * SMALL_M, 4);
    ge_model a, b, c, d;
    train(&a, &s, &fd, &o1, 1, 3, NULL);
    train(&b, &s, &fd, &o2, 1, 3, NULL);
    train(&c, &s, &fd, &o3, 1, 3, NULL);
    train(&d, &s, &fd, &o4, 1, 3, NULL);
    cr_assert(same_bytes(&a, &b));
    cr_assert(same_bytes(&a, &c));
    cr_assert(same_bytes(&a, &d));
    ge_model_free(&a);
    ge_model_free(&b);
    ge_model_free(&c);
    ge_model_free(&d);
    free_data(&fd);
}

Test(train, minibatch_epoch_is_a_seeded_shuffle)
{
    /* An epoch with batch_size B shuffles the identity order with the seeded
     * generator (which carries over from epoch to epoch: it is the whole
     * shuffling state) and steps through it B at a time, the last batch
     * shorter; it returns the sample-weighted mean of the batch losses.
     * Replay that by hand. */
    field_data fd;
    make_data(&fd, SMALL_M, 4);
    const size_t B = 64; /* 300 = 4 * 64 + 44 */
    ge_train_opts o = default_opts(GE_LOSS_MSE, 0.02, B, 99);
    ge_shape s = small_shape(GE_READOUT_BILINEAR);
    ge_model a, b;
    ut_model(&a, &s);
    ut_model(&b, &s);
    ge_model_init_params(&a, 5);
    ge_model_init_params(&b, 5);
    ge_trainer *ta = ge_trainer_new(&a, &fd.d, &o, NULL);
    ge_trainer *tb = ge_trainer_new(&b, &fd.d, &o, NULL);
    cr_assert(ta && tb);
    ge_rng r;
    ge_rng_seed(&r, 99);
    size_t order[SMALL_M];
    for (int e = 0; e < 3; e++) {
        double got = ge_trainer_epoch(ta);
        for (size_t i = 0; i < SMALL_M; i++)
            order[i] = i;
        ge_rng_shuffle(&r, order, SMALL_M);
        double sum = 0;
        int steps = 0;
        for (size_t lo = 0; lo < SMALL_M; lo += B) {
            size_t n = SMALL_M - lo < B ? SMALL_M - lo : B;
            sum += ge_trainer_step(tb, order + lo, n) * (double)n;
            steps++;
        }
        cr_assert_eq(steps, 5);
        UT_ASSERT_CLOSE(got, sum / SMALL_M, 1e-14, 0, "epoch %d loss", e);
        cr_assert(same_bytes(&a, &b), "epoch %d: parameters differ from the replay", e);
        cr_assert_eq(ge_trainer_optim(ta)->t, 5L * (e + 1));
    }
    ge_trainer_free(ta);
    ge_trainer_free(tb);
    ge_model_free(&a);
    ge_model_free(&b);
    free_data(&fd);
}

Test(train, one_thread_agrees_with_two)
{
    /* The thread count changes only the order in which partial gradients are
     * added: results agree to rounding. SGD with momentum, full batch and
     * mini-batches, both read-outs. */
    field_data fd;
    make_data(&fd, BIG_M, 5);
    for (int ro = 0; ro < 2; ro++)
        for (int mb = 0; mb < 2; mb++) {
            ge_shape s = big_shape((ge_readout)ro);
            ge_train_opts o = default_opts(GE_LOSS_MSE, ro || mb ? 0.1 : 0, mb ? 2500 : 0, 8);
            o.optim = ge_optim_defaults(GE_OPT_SGD);
            o.optim.lr = 0.2;
            o.optim.momentum = 0.5;
            assert_threaded(&s, &fd, o.smooth);
            ge_model a, b;
            double la = train(&a, &s, &fd, &o, 1, mb ? 1 : 3, NULL);
            double lb = train(&b, &s, &fd, &o, 2, mb ? 1 : 3, NULL);
            UT_ASSERT_CLOSE(la, lb, 1e-12, 0, "readout %d batch %d: loss", ro, mb);
            double d = rel_diff(&a, &b);
            cr_assert_leq(d, 1e-12, "readout %d batch %d: 1 vs 2 threads differ by %g", ro, mb, d);
            ge_model_free(&a);
            ge_model_free(&b);
        }
    free_data(&fd);
}

Test(train, one_thread_agrees_with_two_adam)
{
    field_data fd;
    make_data(&fd, BIG_M, 6);
    for (int ro = 0; ro < 2; ro++) {
        ge_shape s = big_shape((ge_readout)ro);
        ge_train_opts o = default_opts(GE_LOSS_MSE, ro ? 0.1 : 0, 0, 8);
        assert_threaded(&s, &fd, o.smooth);
        ge_model a, b;
        double la = train(&a, &s, &fd, &o, 1, 4, NULL);
        double lb = train(&b, &s, &fd, &o, 2, 4, NULL);
        UT_ASSERT_CLOSE(la, lb, 1e-12, 0, "readout %d: loss", ro);
        double d = rel_diff(&a, &b);
        cr_assert_leq(d, 1e-12, "readout %d: 1 vs 2 threads differ by %g", ro, d);
        ge_model_free(&a);
        ge_model_free(&b);
    }
    free_data(&fd);
}

/* Steps that touch a quarter of the cells or more go through the whole-grid
 * engine (conv.h), whose results do not depend on the thread count: 1 and 2
 * threads give the same bytes, over enough steps for the trainer to run
 * some on one thread and some on all. Full batch with the reference's cell
 * read-out and L1, and mini-batches with the penalty. */
Test(train, dense_steps_same_bytes_on_any_thread_count)
{
    field_data fd;
    make_data(&fd, BIG_M, 7);
    for (int k = 0; k < 2; k++) {
        ge_shape s = big_shape(k ? GE_READOUT_BILINEAR : GE_READOUT_CELL);
        ge_train_opts o = default_opts(k ? GE_LOSS_MSE : GE_LOSS_L1, k ? 0.1 : 0, k ? 3000 : 0, 8);
        assert_threaded(&s, &fd, o.smooth);
        ge_model a, b;
        double la = train(&a, &s, &fd, &o, 1, k ? 6 : 12, NULL);
        double lb = train(&b, &s, &fd, &o, 2, k ? 6 : 12, NULL);
        cr_assert_eq(la, lb, "case %d: loss %.17g on 1 thread, %.17g on 2", k, la, lb);
        cr_assert(same_bytes(&a, &b), "case %d: 1 and 2 threads differ", k);
        ge_model_free(&a);
        ge_model_free(&b);
    }
    free_data(&fd);
}

/* ---- training works ---------------------------------------------------- */

/* Mean squared error of the trained model at fresh points of the field. */
static double holdout_mse(const ge_model *m)
{
    double *Kt = malloc(m->n_kernel * sizeof *Kt), *F = malloc(12 * 10 * 2 * sizeof *F);
    ge_kernel_transpose(m, Kt);
    ge_field(m, Kt, F);
    ge_rng r;
    ge_rng_seed(&r, 12345);
    double se = 0;
    for (int i = 0; i < 200; i++) {
        double x = 12 * ge_rng_uniform(&r), y = 10 * ge_rng_uniform(&r), p[2];
        ge_predict_point(m, Kt, F, x, y, p);
        double e0 = p[0] - target(0, x, y), e1 = p[1] - target(1, x, y);
        se += e0 * e0 + e1 * e1;
    }
    free(Kt);
    free(F);
    return se / 400;
}

Test(train, reduces_loss_reference_mode)
{
    /* The reference model: cell read-out, no penalty, L1, Adam. */
    field_data fd;
    make_data(&fd, SMALL_M, 7);
    ge_shape s = small_shape(GE_READOUT_CELL);
    ge_train_opts o = default_opts(GE_LOSS_L1, 0, 0, 1);
    o.optim.lr = 0.05;
    ge_model m;
    double first = 0, last = train(&m, &s, &fd, &o, 1, 150, &first);
    cr_assert_lt(last, 0.2 * first, "L1 loss %g -> %g", first, last);
    cr_assert_lt(holdout_mse(&m), 0.05);
    ge_model_free(&m);
    free_data(&fd);
}

Test(train, reduces_loss_smooth_model)
{
    /* The default model: bilinear read-out, curvature penalty, MSE,
     * mini-batches. */
    field_data fd;
    make_data(&fd, SMALL_M, 8);
    ge_shape s = small_shape(GE_READOUT_BILINEAR);
    ge_train_opts o = default_opts(GE_LOSS_MSE, 0.01, 100, 1);
    o.optim.lr = 0.05;
    ge_model m;
    double first = 0, last = train(&m, &s, &fd, &o, 1, 100, &first);
    cr_assert_lt(last, 0.05 * first, "MSE loss %g -> %g", first, last);
    double before;
    {
        ge_model z;
        ut_model(&z, &s);
        ge_model_init_params(&z, 5);
        before = holdout_mse(&z);
        ge_model_free(&z);
    }
    double after = holdout_mse(&m);
    cr_assert_lt(after, 0.05 * before, "held-out MSE %g -> %g", before, after);
    ge_model_free(&m);
    free_data(&fd);
}

/* Early stopping keeps the parameters of the epoch with the lowest validation
 * loss, and stops `patience` epochs after it. */
#include "geoembed/fit.h"

Test(train, early_stopping_keeps_the_best_epoch)
{
    ut_set_threads(1);
    ge_model m;
    ge_shape s = ut_shape(12, 10, 2, 1, 1, 1, 0, 0, 12, 10, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    ut_model(&m, &s);
    ge_model_init_params(&m, 3);
    /* noisy training targets, clean validation: training for long overfits */
    enum { M = 60, V = 40 };
    double xy[2 * M], y[M], vxy[2 * V], vy[V];
    ge_rng r;
    ge_rng_seed(&r, 9);
    for (int i = 0; i < M; i++) {
        xy[2 * i] = 12 * ge_rng_uniform(&r), xy[2 * i + 1] = 10 * ge_rng_uniform(&r);
        y[i] = sin(xy[2 * i] / 3) + 0.8 * (ge_rng_uniform(&r) - 0.5);
    }
    for (int i = 0; i < V; i++) {
        vxy[2 * i] = 12 * ge_rng_uniform(&r), vxy[2 * i + 1] = 10 * ge_rng_uniform(&r);
        vy[i] = sin(vxy[2 * i] / 3);
    }
    ge_data d = {.M = M, .O = 1, .xy = xy, .y = y}, v = {.M = V, .O = 1, .xy = vxy, .y = vy};
    ge_train_opts o = {.loss = {.kind = GE_LOSS_MSE}, .optim = ge_optim_defaults(GE_OPT_ADAM)};
    o.optim.lr = 0.1;
    ge_fit_opts fo = {.epochs = 2000, .patience = 20, .valid = &v};
    ge_fit_result res;
    ge_error err;
    cr_assert_eq(ge_fit(&m, &d, &o, &fo, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res.stopped, 2, "patience should have stopped the fit");
    cr_assert_eq(res.epochs_run, res.best_epoch + fo.patience);
    /* the model holds the best epoch's parameters: its validation loss is the best one */
    double now = ge_data_loss(&m, &v, &o.loss);
    UT_ASSERT_CLOSE(now, res.valid_loss, 1e-12, 0, "validation loss of the kept parameters");
    ge_model_free(&m);
}

/* Training losses as the epochs report them. */
typedef struct {
    double min;
} loss_log;

static void log_loss(void *ctx, long epoch, long epochs, double train, double valid)
{
    (void)epoch, (void)epochs, (void)valid;
    loss_log *l = ctx;
    if (train < l->min)
        l->min = train;
}

Test(train, keep_best_never_ends_on_a_worse_model)
{
    /* a learning rate so large that the loss jumps around: the last epoch is
     * worse than the best, and keep_best ends on the best */
    ut_set_threads(1);
    field_data fd;
    make_data(&fd, SMALL_M, 4);
    ge_shape s = small_shape(GE_READOUT_BILINEAR);
    ge_train_opts o = default_opts(GE_LOSS_MSE, 0.1, 0, 0);
    o.optim.lr = 2.0;
    double last_kept[2];
    for (int keep = 0; keep < 2; keep++) {
        ge_model m;
        ut_model(&m, &s);
        ge_model_init_params(&m, 5);
        loss_log l = {INFINITY};
        ge_fit_opts fo = {.epochs = 40, .keep_best = keep, .progress = log_loss, .ctx = &l};
        ge_fit_result res;
        ge_error err;
        cr_assert_eq(ge_fit(&m, &fd.d, &o, &fo, &res, &err), 0, "%s", err.msg);
        ge_trainer *t = ge_trainer_new(&m, &fd.d, &o, &err);
        cr_assert(t, "%s", err.msg);
        last_kept[keep] = ge_trainer_loss(t, NULL, 0, 0);
        ge_trainer_free(t);
        if (keep) {
            cr_assert_leq(last_kept[1], l.min * (1 + 1e-12), "kept %g, best seen %g",
                          last_kept[1], l.min);
            UT_ASSERT_CLOSE(res.train_loss, last_kept[1], 1e-12, 0, "reported loss");
        } else {
            cr_assert_gt(last_kept[0], 1.5 * l.min, "the setup must end worse than its best "
                                                    "(last %g, best %g)", last_kept[0], l.min);
        }
        ge_model_free(&m);
    }
    free_data(&fd);
}
