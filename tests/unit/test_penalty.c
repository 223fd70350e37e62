/* Unit tests of the penalty's terms (src/core/curvature.c) as the distributed
 * solver uses them: blocks of anchors that tile the grid add up to the whole
 * curvature energy, whatever the tiling; and of ge_learn's backend hook: a
 * backend that solves like the local solver gives the local solver's model,
 * the penalty search included, and options it does not take are refused;
 * one that holds the model in stripes, as the distributed solver does, gives
 * each of two processes its part of the local model. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "geoembed/curvature.h"
#include "geoembed/learn.h"
#include "geoembed/model_stripes.h"
#include "geoembed/solve.h"
#include "geoembed/spacing.h"
#include "unit.h"

typedef struct {
    const double *f;
    double sum;
} energy;

static void add_energy(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    energy *e = ctx;
    double t = 0;
    for (int k = 0; k < n; k++)
        t += v[k] * e->f[idx[k]];
    e->sum += c * t * t;
}

Test(penalty, tiled_anchors_add_up_to_the_curvature_energy)
{
    static const int dims[][2] = {{3, 3}, {4, 7}, {9, 5}, {12, 3}, {17, 11}};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
        for (int wrap = 0; wrap < 4; wrap++) {
            int W = dims[d][0], H = dims[d][1], wx = wrap & 1, wy = (wrap & 2) != 0;
            ge_shape s = ut_shape(W, H, 1, 0, 0, 1, 0, 0, W, H, (ge_wrap)wrap,
                                  GE_READOUT_BILINEAR);
            ge_model m;
            ut_model(&m, &s);
            double *F = malloc((size_t)W * H * sizeof *F);
            ge_rng r;
            ge_rng_seed(&r, (uint64_t)(d * 4 + wrap));
            for (int i = 0; i < W * H; i++)
                F[i] = 2 * ge_rng_uniform(&r) - 1;
            /* ge_curvature returns lambda * energy / (W H O) */
            double want = ge_curvature(&m, F, (double)W * H, NULL);
            /* a 3 x 2 tiling of uneven blocks, as a process grid would own them */
            int cw[] = {0, W / 3, (2 * W) / 3 + 1 > W ? W : (2 * W) / 3 + 1, W};
            int ch[] = {0, H / 2, H};
            energy e = {F, 0};
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                    ge_penalty_terms_block(W, H, wx, wy, NULL, cw[i], cw[i + 1], ch[j],
                                           ch[j + 1], add_energy, &e);
            UT_ASSERT_CLOSE(e.sum, want, 1e-12, 1e-12, "%dx%d wrap %d", W, H, wrap);
            free(F);
            ge_model_free(&m);
        }
}

/* A backend that solves with the local solver, as the distributed one
 * solves: per target, data weights 0 at missing values. */
static int local_fields(void *ctx, const ge_model *m, const double *xy, const double *ys,
                        const double *w, size_t M, const size_t *idx, size_t n, double lambda,
                        double *f, ge_error *err)
{
    int *calls = ctx;
    const int O = m->s.O;
    const size_t ncell = (size_t)m->s.W * m->s.H, N = idx ? n : M;
    ge_solver *s = ge_solver_new(m, xy, M, err);
    double *d = malloc((N ? N : 1) * sizeof *d);
    int rc = -1;
    if (!s || !d)
        goto done;
    for (int o = 0; o < O; o++) {
        for (size_t k = 0; k < N; k++) {
            size_t i = idx ? idx[k] : k;
            d[k] = isnan(ys[i * O + o]) ? 0.0 : (w ? w[i] : 1.0);
        }
        ge_solver_set_data(s, idx, N, d, 0);
        if (ge_solver_factor(s, lambda, err))
            goto done;
        ge_solver_rhs(s, idx, N, d, ys, O, o, f + (size_t)o * ncell);
        if (ge_solver_solve(s, f + (size_t)o * ncell, 1, f + (size_t)o * ncell, err))
            goto done;
    }
    (*calls)++;
    rc = 0;
done:
    free(d);
    ge_solver_free(s);
    return rc;
}

static void make_data(size_t M, double *xy, double *y)
{
    ge_rng r;
    ge_rng_seed(&r, 5);
    for (size_t i = 0; i < M; i++) {
        double x = 10 * ge_rng_uniform(&r), yy = 5 * ge_rng_uniform(&r);
        xy[2 * i] = x;
        xy[2 * i + 1] = yy;
        y[2 * i] = sin(0.7 * x) * yy + 0.05 * ge_rng_uniform(&r);
        y[2 * i + 1] = i % 9 == 4 ? NAN : cos(0.5 * x + yy);
    }
}

/* The exact fit of the squared error at smooth 0.3, or chosen (autos). */
static ge_learn_opts exact_opts(int autos)
{
    ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1, .smooth_auto = autos};
    o.train.smooth = 0.3;
    o.train.loss.kind = GE_LOSS_MSE;
    return o;
}

Test(penalty, backend_gives_the_local_model)
{
    enum { M = 1200 };
    double *xy = malloc(M * 2 * sizeof *xy), *y = malloc(M * 2 * sizeof *y);
    make_data(M, xy, y);
    ge_shape s = ut_shape(20, 12, 2, 1, 1, 2, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    for (int autos = 0; autos < 2; autos++) {
        int calls = 0;
        ge_backend be = {.fields = local_fields, .ctx = &calls};
        ge_learn_opts o = exact_opts(autos);
        ge_model a, b;
        ge_learn_result ra, rb;
        ge_error err;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &a, &ra, &err), 0, "%s", err.msg);
        o.backend = &be;
        cr_assert_eq(ge_learn(&s, xy, y, M, &o, &b, &rb, &err), 0, "%s", err.msg);
        cr_assert(calls >= 1 + (autos ? 6 * ge_learn_folds(M) : 0), "%d calls", calls);
        cr_assert_eq(ra.smooth, rb.smooth);
        for (size_t k = 0; k < a.n_params; k++)
            UT_ASSERT_CLOSE(b.params[k], a.params[k], 1e-9, 1e-9, "param %zu", k);
        ge_model_free(&a);
        ge_model_free(&b);
    }
    free(xy);
    free(y);
}

Test(penalty, backend_refuses_what_it_does_not_solve)
{
    enum { M = 200 };
    double *xy = malloc(M * 2 * sizeof *xy), *y = malloc(M * 2 * sizeof *y);
    make_data(M, xy, y);
    ge_shape s = ut_shape(10, 6, 2, 1, 1, 2, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    int calls = 0;
    ge_backend be = {.fields = local_fields, .ctx = &calls};
    ge_learn_opts o = {.method = GE_METHOD_EXACT, .standardize = 1, .backend = &be};
    o.train.smooth = 1;
    o.train.loss.kind = GE_LOSS_L1;
    ge_model m;
    ge_learn_result r;
    ge_error err;
    cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), -1);
    cr_assert(strstr(err.msg, "squared error"), "%s", err.msg);
    o.train.loss.kind = GE_LOSS_MSE;
    o.draws = 10;
    cr_assert_eq(ge_learn(&s, xy, y, M, &o, &m, &r, &err), -1);
    cr_assert_eq(calls, 0);
    free(xy);
    free(y);
}

/* A backend in stripes (learn.h) of two processes, the other one forked:
 * fields of the whole grid by the local solver, of which it gives its
 * span; sums through a pipe each way; the coverage of a whole model, of
 * which it keeps its rows. */
typedef struct {
    int calls, rank, size;
    int to_peer, from_peer; /* pipe ends to and from the other process */
} stripe_ctx;

static void stripe_rows(void *ctx, int W, int *row0, int *rows)
{
    stripe_ctx *c = ctx;
    int w1;
    ge_stripe_rows(W, c->rank, c->size, row0, &w1);
    *rows = w1 - *row0;
}

static int stripe_fields(void *ctx, const ge_model *m, const double *xy, const double *ys,
                         const double *w, size_t M, const size_t *idx, size_t n, double lambda,
                         double *f, ge_error *err)
{
    stripe_ctx *c = ctx;
    const size_t W = (size_t)m->s.W, H = (size_t)m->s.H;
    int row0, rows, g0, gn;
    stripe_rows(c, m->s.W, &row0, &rows);
    ge_backend_span(&m->s, row0, rows, &g0, &gn);
    double *all = malloc(W * H * (size_t)m->s.O * sizeof *all);
    if (!all || local_fields(&c->calls, m, xy, ys, w, M, idx, n, lambda, all, err)) {
        free(all);
        return -1;
    }
    for (int o = 0; o < m->s.O; o++)
        for (int k = 0; k < gn; k++)
            memcpy(f + ((size_t)o * gn + k) * H, all + ((size_t)o * W + (g0 + k) % W) * H,
                   H * sizeof *f);
    free(all);
    return 0;
}

/* v[n] with the other process's: summed in rank order (as every process
 * gets it), or the larger. */
static void stripe_reduce(stripe_ctx *c, double *v, int n, int larger)
{
    double other[8];
    cr_assert(n <= 8);
    cr_assert_eq(write(c->to_peer, v, (size_t)n * sizeof *v), (ssize_t)(n * sizeof *v));
    cr_assert_eq(read(c->from_peer, other, (size_t)n * sizeof *v), (ssize_t)(n * sizeof *v));
    for (int k = 0; k < n; k++)
        v[k] = larger        ? fmax(v[k], other[k])
               : c->rank == 0 ? v[k] + other[k]
                              : other[k] + v[k];
}

static void stripe_sum(void *ctx, double *v, int n) { stripe_reduce(ctx, v, n, 0); }

static void stripe_max(void *ctx, double *v, int n) { stripe_reduce(ctx, v, n, 1); }

static int stripe_coverage(void *ctx, ge_model *part, const double *xy, const size_t *ids,
                           size_t M, ge_error *err)
{
    (void)ctx;
    (void)ids;
    ge_model whole;
    const size_t H = (size_t)part->s.H;
    if (ge_model_init(&whole, &part->s, err) || ge_model_coverage(&whole, xy, M, err))
        return -1;
    free(part->coverage);
    part->coverage = malloc((size_t)part->rows * H * sizeof *part->coverage);
    memcpy(part->coverage, whole.coverage + (size_t)part->row0 * H,
           (size_t)part->rows * H * sizeof *part->coverage);
    ge_model_free(&whole);
    return 0;
}

/* Rows of `width` doubles: this process's n and the other's, in rank order,
 * into a new array; their count. */
static size_t both(stripe_ctx *c, const double *mine, size_t n, int width, double **all)
{
    size_t theirs;
    cr_assert_eq(write(c->to_peer, &n, sizeof n), (ssize_t)sizeof n);
    cr_assert_eq(read(c->from_peer, &theirs, sizeof theirs), (ssize_t)sizeof theirs);
    *all = malloc((n + theirs + 1) * (size_t)width * sizeof **all);
    double *at_mine = *all + (c->rank ? theirs : 0) * (size_t)width;
    double *at_theirs = *all + (c->rank ? 0 : n) * (size_t)width;
    memcpy(at_mine, mine, n * (size_t)width * sizeof *mine);
    /* a pipe holds 64 kB: write and read in turns by rank */
    size_t bytes = n * (size_t)width * sizeof *mine, tb = theirs * (size_t)width * sizeof *mine;
    for (int turn = 0; turn < 2; turn++) {
        if (turn == c->rank)
            cr_assert_eq(write(c->to_peer, mine, bytes), (ssize_t)bytes);
        else
            for (size_t got = 0; got < tb;) {
                ssize_t k = read(c->from_peer, (char *)at_theirs + got, tb - got);
                cr_assert(k > 0);
                got += (size_t)k;
            }
    }
    return n + theirs;
}

/* Routed samples (learn.h): the fields of the samples of both processes
 * (each sends the other its subset idx), solved whole, of which each keeps
 * its span. */
static int routed_fields(void *ctx, const ge_model *m, const double *xy, const double *ys,
                         const double *w, size_t M, const size_t *idx, size_t n, double lambda,
                         double *f, ge_error *err)
{
    const int O = m->s.O, D = 3 + O;
    const size_t N = idx ? n : M;
    double *mine = malloc((N + 1) * (size_t)D * sizeof *mine), *all;
    for (size_t k = 0; k < N; k++) {
        size_t i = idx ? idx[k] : k;
        double *r = mine + k * (size_t)D;
        r[0] = xy[2 * i], r[1] = xy[2 * i + 1], r[2] = w ? w[i] : 1.0;
        memcpy(r + 3, ys + i * (size_t)O, (size_t)O * sizeof *r);
    }
    size_t T = both(ctx, mine, N, D, &all);
    double *axy = malloc((T + 1) * 2 * sizeof *axy), *ay = malloc((T + 1) * (size_t)O * sizeof *ay),
           *aw = malloc((T + 1) * sizeof *aw);
    for (size_t k = 0; k < T; k++) {
        const double *r = all + k * (size_t)D;
        axy[2 * k] = r[0], axy[2 * k + 1] = r[1], aw[k] = r[2];
        memcpy(ay + k * (size_t)O, r + 3, (size_t)O * sizeof *ay);
    }
    int rc = stripe_fields(ctx, m, axy, ay, aw, T, NULL, T, lambda, f, err);
    free(mine), free(all), free(axy), free(ay), free(aw);
    return rc;
}

/* The coverage of both processes' samples, in the order of their numbers. */
static int routed_coverage(void *ctx, ge_model *part, const double *xy, const size_t *ids,
                           size_t M, ge_error *err)
{
    double *mine = malloc((M + 1) * 3 * sizeof *mine), *all;
    for (size_t i = 0; i < M; i++)
        mine[3 * i] = (double)ids[i], mine[3 * i + 1] = xy[2 * i], mine[3 * i + 2] = xy[2 * i + 1];
    size_t T = both(ctx, mine, M, 3, &all);
    double *axy = malloc((T + 1) * 2 * sizeof *axy);
    for (size_t k = 0; k < T; k++) {
        size_t id = (size_t)all[3 * k];
        axy[2 * id] = all[3 * k + 1], axy[2 * id + 1] = all[3 * k + 2];
    }
    int rc = stripe_coverage(ctx, part, axy, NULL, T, err);
    free(mine), free(all), free(axy);
    return rc;
}

/* How far process c's part of the model b is from the whole model a (the
 * largest difference of its embedding's rows, halo included), and whether
 * its coverage is a's, bit for bit. */
static double part_difference(const ge_model *a, const ge_model *b, int *same_coverage)
{
    const size_t H = (size_t)a->s.H, row = H * (size_t)a->s.N;
    const int p0 = a->s.p0, W = a->s.W;
    double most = 0;
    for (int k = 0; k < b->rows + 2 * p0; k++) {
        int w = b->row0 - p0 + k;
        w = w < 0 ? 0 : w >= W ? W - 1 : w;
        for (size_t j = 0; j < row; j++)
            most = fmax(most, fabs(b->E[(size_t)k * row + j] - a->E[(size_t)w * row + j]));
    }
    *same_coverage = !memcmp(b->coverage, a->coverage + (size_t)b->row0 * H,
                             (size_t)b->rows * H * sizeof *b->coverage);
    return most;
}

Test(penalty, backend_in_stripes_gives_the_local_model)
{
    enum { M = 1200 };
    int down[2], up[2];
    cr_assert_eq(pipe(down), 0);
    cr_assert_eq(pipe(up), 0);
    /* before any OpenMP team: the child must start its own */
    pid_t child = fork();
    cr_assert(child >= 0);
    stripe_ctx c = {.rank = child == 0, .size = 2, .to_peer = child ? down[1] : up[1],
                    .from_peer = child ? up[0] : down[0]};
    double *xy = malloc(M * 2 * sizeof *xy), *y = malloc(M * 2 * sizeof *y);
    make_data(M, xy, y);
    ge_shape s = ut_shape(20, 12, 2, 1, 1, 2, 0, 0, 10, 5, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    /* routed: each process holds the samples whose first read-out cell
     * lies in its stripe, and their numbers */
    double *rxy = malloc(M * 2 * sizeof *rxy), *ry = malloc(M * 2 * sizeof *ry);
    size_t *ids = malloc(M * sizeof *ids), n = 0;
    ge_model sk;
    ge_error e0;
    cr_assert_eq(ge_model_init_part(&sk, &s, 0, 0, &e0), 0);
    for (size_t i = 0; i < M; i++) {
        size_t cell[4];
        double wgt[4];
        ge_exact_readout(&sk, xy[2 * i], xy[2 * i + 1], cell, wgt);
        if (ge_stripe_of(s.W, 2, (int)(cell[0] / (size_t)s.H)) != c.rank)
            continue;
        memcpy(rxy + 2 * n, xy + 2 * i, 2 * sizeof *rxy);
        memcpy(ry + 2 * n, y + 2 * i, 2 * sizeof *ry);
        ids[n++] = i;
    }
    ge_model_free(&sk);
    int bad = 0;
    for (int run = 0; run < 4; run++) {
        const int autos = run % 2, route = run / 2;
        ge_backend be = {.fields = route ? routed_fields : stripe_fields, .rows = stripe_rows,
                         .sum = stripe_sum, .max = stripe_max,
                         .coverage = route ? routed_coverage : stripe_coverage, .ctx = &c};
        ge_learn_opts o = exact_opts(autos);
        ge_model a, b;
        ge_learn_result ra, rb;
        ge_error err;
        bad |= ge_learn(&s, xy, y, M, &o, &a, &ra, &err) != 0;
        o.backend = &be;
        if (route)
            o.total = M, o.ids = ids, o.spacing = ge_median_nn_distance(xy, M, 20000, o.train.seed);
        bad |= (route ? ge_learn(&s, rxy, ry, n, &o, &b, &rb, &err)
                      : ge_learn(&s, xy, y, M, &o, &b, &rb, &err)) != 0;
        if (bad)
            break;
        int same_coverage;
        double d = part_difference(&a, &b, &same_coverage);
        bad |= !b.part || b.rows != 10 || b.row0 != 10 * c.rank || d > 1e-9 || !same_coverage ||
               fabs(ra.smooth - rb.smooth) > 1e-9 * ra.smooth ||
               (autos && !(fabs(ra.cv_loss - rb.cv_loss) <= 1e-9 * ra.cv_loss)) ||
               fabs(ra.train_loss - rb.train_loss) > 1e-12 ||
               fabs(ra.objective - rb.objective) > 1e-12 * fmax(1, ra.objective) ||
               fabs(a.y_mean[0] - b.y_mean[0]) > 1e-14 || fabs(a.y_std[1] - b.y_std[1]) > 1e-14 ||
               a.mask_distance != b.mask_distance;
        if (child)
            cr_expect(!bad, "process 0, auto %d, routed %d: part %d rows %d-%d, difference %g, "
                            "coverage %s, smooth %g/%g, loss %.17g/%.17g, objective %.17g/%.17g",
                      autos, route, b.part, b.row0, b.row0 + b.rows - 1, d,
                      same_coverage ? "same" : "other", ra.smooth, rb.smooth, ra.train_loss,
                      rb.train_loss, ra.objective, rb.objective);
        ge_model_free(&a);
        ge_model_free(&b);
    }
    free(xy);
    free(y);
    free(rxy);
    free(ry);
    free(ids);
    if (!child)
        _exit(bad);
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process 1 failed");
}
