/* The fitting policy (see learn.h): standardisation, the penalty search, and
 * the exact or gradient fit. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/cores.h"
#include "geoembed/curvature.h"
#include "geoembed/folds.h"
#include "geoembed/learn.h"
#include "geoembed/rng.h"
#include "calibrate.h"
#include "dual.h"
#include "multigrid.h"
#include "geoembed/solve.h"
#include "geoembed/spacing.h"

/* Reweighting of robust losses: a residual below this (standardised units)
 * counts as this, so that an L1 weight 1/|r| stays finite. */
#define IRLS_FLOOR 1e-6
#define IRLS_MAX 100
#define IRLS_TOL 1e-9
/* The dual form of the search (dual.c) up to this many samples: its cost is
 * one solve per sample and dense algebra of the samples' count cubed. */
#define DUAL_MAX_SAMPLES 1000
#define DUAL_CANDIDATES 41
/* The multigrid's relative residual for the search's candidates, each
 * warm-started from the fold's best candidate so far: about half the
 * iterations of the field's own 1e-10. On noiseless data the held-out
 * errors are tiny and close between neighbouring candidates: 1e-6 chose a
 * neighbour of the exact choice there, 1e-7 to 1e-9 chose as Cholesky (e2e
 * test; so did 1e-7 on bench/fit's soil, wind and uniform sets). No looser
 * tolerance for the later rounds: a relative residual of 5e-7 moved the
 * held-out errors of small penalties by 2e-3 of their size on that test (the
 * system is ill-conditioned there), 1e-5 those of bench/fit's uniform by
 * 1e-7. */
#define SEARCH_TOL 1e-7
/* The choice between the search's candidates: the vertex of the parabola
 * through the best and its neighbours half a decade either side, rounded to
 * this step (log10): a rounded choice does not follow the last bits of the
 * held-out errors, so that multigrid and Cholesky mostly choose alike (on
 * the e2e test their vertices lie 0.02 decade apart, across a boundary of a
 * 0.05 step). */
#define CHOICE_STEP 0.1
/* Predictions farther than this many median sample spacings from every
 * sample are left empty by default: past the largest gaps inside uniformly
 * scattered data (about 4.5 spacings at a million samples), short of
 * extending a map far beyond its data. */
#define MASK_SPACINGS 10
/* Draws per fold for the held-out evidence of the spread (sums over the
 * held-out samples: their sampling error averages out). */
#define HELD_OUT_DRAWS 16
/* The spread's two regimes (see spread): noisy data when the noise explains
 * this share of the held-out mean square. */
#define NOISE_SHARE 0.5
/* Held-out samples the calibration reads, in all targets and per target at
 * least (a stride over the samples keeps memory and time bounded). */
#define CAL_SAMPLES 40000
#define HELD_OUT_REPEATS 4
#define REPEAT_SAMPLES 2000
#define CAL_MIN_SAMPLES 2000
/* The reach of the data offset (calibrate.c), in median sample spacings
 * (half the mean spacing of uniform data): a thin-plate fit's edge effect
 * reaches a few spacings in. */
#define OFFSET_SPACINGS 3.0

/* The spread's buffers (spread, held_out): the fit's variances per target
 * at the cells and samples, the calibration's features per thread and its
 * held-out samples (72 bytes each, at most CAL_SAMPLES or CAL_MIN_SAMPLES a
 * target per repeat). */
static double spread_bytes(const ge_shape *s, size_t M, int threads)
{
    double n = (double)s->W * s->H, per = fmax(CAL_SAMPLES / (double)s->O, CAL_MIN_SAMPLES);
    double kept = fmin((double)M, per) * s->O * HELD_OUT_REPEATS;
    return (n + (double)M) * s->O * 8 + n * GE_CAL_F * 8 * (threads + 1) + kept * 72 * 2;
}

double ge_solve_memory(const ge_shape *s, size_t M, int threads, ge_solver_kind kind)
{
    if (ge_solver_uses_multigrid(kind, s->W, s->H)) {
        /* one solver (multigrid runs the search on one thread), its data
         * rows, and the fields (+ warm starts, + the search's per fold) */
        double n = (double)s->W * s->H;
        return ge_mg_bytes(s->W, s->H) + (double)M * 4 * 16 +
               n * s->O * 8 * (5 + ge_learn_folds(M)) +
               (double)M * (2 + s->O) * 8 * 2 + spread_bytes(s, M, 1);
    }
    /* the factor: about 170 entries a cell at 1e5 cells, growing with
     * log(cells) (measured in a nested-dissection order; AMD's, used now,
     * has 5-29% fewer) */
    double n = (double)s->W * s->H;
    double factor = n * 12.0 * (60 + 10 * log2(fmax(n, 2)) / 1.7);
    double one = ge_solver_base_bytes(s->W, s->H, M) + factor + n * s->O * 8 * 3;
    return one * (threads > 1 && n <= 300000 ? threads : 1) + (double)M * (2 + s->O) * 8 * 2 +
           spread_bytes(s, M, threads);
}

/* Above 2000 samples one 25% hold-out (500 samples or more) chooses the
 * penalty as three folds did on every data set tried (wind and uniform
 * fields of 3000 and 4096 samples), for a third of the factorisations; the
 * spread calibrated on it covered the true field as well (see
 * bench/fit/RESULTS.md). */
int ge_learn_folds(size_t M) { return M <= 2000 ? 5 : 1; }

int ge_standardize(const double *y, size_t M, int O, double *mean, double *std, ge_error *err)
{
    return ge_standardize_weighted(y, NULL, M, O, mean, std, err);
}

/* Sums (or the largest of) v[n] over the processes of a backend; nothing
 * to add without one. */
static void backend_sum(const ge_backend *b, double *v, int n)
{
    if (b && b->sum)
        b->sum(b->ctx, v, n);
}

static void backend_max(const ge_backend *b, double *v, int n)
{
    if (b && b->max)
        b->max(b->ctx, v, n);
}

/* The standardisation of samples held here, or routed over the processes
 * of b (NULL: all here): a running mean per process, their mean weighted by
 * each one's share (one process: its own, exactly), then the spread scaled
 * by the largest deviation, so that neither overflows for targets near the
 * largest doubles. Missing values (NaN) are left out. */
static int standardize_over(const ge_backend *b, const double *y, const double *w, size_t M,
                            int O, double *mean, double *std, ge_error *err)
{
    double n[GE_MAX_OUTPUTS], nl[GE_MAX_OUTPUTS], mu[GE_MAX_OUTPUTS], big[GE_MAX_OUTPUTS],
        ss[GE_MAX_OUTPUTS];
    for (int o = 0; o < O; o++) {
        double c = 0, ml = 0;
        for (size_t i = 0; i < M; i++)
            if (!isnan(y[i * O + o])) {
                c += w ? w[i] : 1.0;
                ml += (w ? w[i] : 1.0) * (y[i * O + o] - ml) / c;
            }
        n[o] = nl[o] = c, mu[o] = ml;
    }
    backend_sum(b, n, O);
    for (int o = 0; o < O; o++)
        mu[o] = nl[o] > 0 ? nl[o] / n[o] * mu[o] : 0.0;
    backend_sum(b, mu, O);
    for (int o = 0; o < O; o++) {
        big[o] = 0;
        for (size_t i = 0; i < M; i++)
            if (!isnan(y[i * O + o]))
                big[o] = fmax(big[o], fabs(y[i * O + o] - mu[o]));
    }
    backend_max(b, big, O);
    for (int o = 0; o < O; o++) {
        ss[o] = 0;
        for (size_t i = 0; big[o] > 0 && i < M; i++) {
            double t = (y[i * O + o] - mu[o]) / big[o];
            if (!isnan(t))
                ss[o] += (w ? w[i] : 1.0) * t * t;
        }
    }
    backend_sum(b, ss, O);
    for (int o = 0; o < O; o++) {
        if (!(n[o] > 0))
            return ge_fail(err, "target %d: every value is missing", o + 1);
        double sd = big[o] > 0 ? big[o] * sqrt(ss[o] / n[o]) : 0;
        if (!isfinite(mu[o]) || !isfinite(sd) || !isfinite(big[o]))
            return ge_fail(err, "target %d: values too large to standardise (mean %g, spread %g)",
                           o + 1, mu[o], big[o]);
        mean[o] = mu[o];
        std[o] = sd > 0 ? sd : 1.0;
    }
    return 0;
}

int ge_standardize_weighted(const double *y, const double *w, size_t M, int O, double *mean,
                            double *std, ge_error *err)
{
    return standardize_over(NULL, y, w, M, O, mean, std, err);
}

/* The whole data's number of sample i (1-based, for messages). */
static size_t sample_number(const ge_learn_opts *o, size_t i)
{
    return (o->ids ? o->ids[i] : i) + 1;
}

/* IRLS weight that turns loss l into a weighted square at residual r: half of
 * l'(r)/r (1 for the squared error). */
static double irls_weight(const ge_loss *l, double r)
{
    double a = fmax(fabs(r), IRLS_FLOOR);
    switch (l->kind) {
    case GE_LOSS_MSE:
        return 1.0;
    case GE_LOSS_L1:
        return 0.5 / a;
    case GE_LOSS_HUBER:
        return a <= l->delta ? 0.5 : 0.5 * l->delta / a;
    }
    return 1.0;
}

/* Weight of target o's data at samples idx[0..n) (all when NULL) into d[n]:
 * the sample's weight (w[i], NULL: 1), 0 where the value is missing.
 * Returns their sum; *full is set when no value is missing. */
static double data_weights(const double *ys, const double *w, int O, int o, const size_t *idx,
                           size_t n, double *d, int *full)
{
    double sum = 0;
    *full = 1;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        int miss = isnan(ys[i * O + o]);
        *full &= !miss;
        d[k] = miss ? 0.0 : (w ? w[i] : 1.0);
        sum += d[k];
    }
    return sum;
}

/* The covariates' part of a fit: design rows z[M][nz] (NULL: none) and the
 * coefficients found, beta[O][nz]. */
typedef struct {
    const double *z;
    int nz;
    double *beta;
} design;

/* Solves the small symmetric system G x = b (n x n, G overwritten) by
 * Gaussian elimination with partial pivoting, after a ridge of 1e-10 of the
 * largest diagonal entry: a covariate that the field can express itself (a
 * constant, a linear trend) gets a coefficient of about 0. */
static void small_solve(double *G, double *b, int n, double *x)
{
    double dmax = 0;
    for (int i = 0; i < n; i++)
        dmax = fmax(dmax, fabs(G[i * n + i]));
    for (int i = 0; i < n; i++)
        G[i * n + i] += 1e-10 * dmax + 1e-300;
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(G[r * n + c]) > fabs(G[p * n + c]))
                p = r;
        for (int k = 0; k < n && p != c; k++) {
            double t = G[c * n + k];
            G[c * n + k] = G[p * n + k];
            G[p * n + k] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        for (int r = c + 1; r < n; r++) {
            double q = G[r * n + c] / G[c * n + c];
            for (int k = c; k < n; k++)
                G[r * n + k] -= q * G[c * n + k];
            b[r] -= q * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        double sum = b[c];
        for (int k = c + 1; k < n; k++)
            sum -= G[c * n + k] * x[k];
        x[c] = sum / G[c * n + c];
    }
}

/* With the factor of H for the data weights d at samples idx[0..n), the
 * covariates' coefficients of the targets marked in which[O], and their
 * fields f corrected: profiling the field out of
 *     sum d (a f + z beta - y)^2 + mu f'Qf
 * leaves beta = (Z'D(I-S)Z)^-1 Z'D(I-S)y, S = A H^-1 A'D the smoother, and
 * then f = H^-1 A'D (y - Z beta) = f0 - sum_j beta_j g_j, g_j = H^-1 A'D z_j. */
static int covariate_step(ge_solver *s, const size_t *idx, size_t n, const double *d,
                          const double *ys, int O, const char *which, const design *X,
                          size_t ncell, double *f, ge_error *err)
{
    const int nz = X->nz;
    double *g = malloc(ncell * (size_t)nz * sizeof *g);
    double *G = malloc((size_t)nz * nz * sizeof *G), *b = malloc((size_t)nz * sizeof *b);
    double *ag = malloc((size_t)nz * sizeof *ag);
    int rc = -1;
    if (!g || !G || !b || !ag) {
        ge_fail(err, "out of memory for the covariates");
        goto done;
    }
    for (int j = 0; j < nz; j++)
        ge_solver_rhs(s, idx, n, d, X->z, nz, j, g + (size_t)j * ncell);
    if (ge_solver_solve(s, g, nz, g, err))
        goto done;
    for (int o = 0; o < O; o++) {
        if (!which[o])
            continue;
        memset(G, 0, (size_t)nz * nz * sizeof *G);
        memset(b, 0, (size_t)nz * sizeof *b);
        const double *fo = f + (size_t)o * ncell;
        for (size_t k = 0; k < n; k++) {
            size_t i = idx ? idx[k] : k;
            double dk = d ? d[k] : 1.0, y = ys[i * O + o];
            if (dk == 0 || isnan(y))
                continue;
            const double *zi = X->z + i * (size_t)nz;
            double r0 = y - ge_solver_predict(s, i, fo);
            for (int l = 0; l < nz; l++)
                ag[l] = zi[l] - ge_solver_predict(s, i, g + (size_t)l * ncell);
            for (int j = 0; j < nz; j++) {
                b[j] += dk * zi[j] * r0;
                for (int l = 0; l < nz; l++)
                    G[j * nz + l] += dk * zi[j] * ag[l];
            }
        }
        double *beta = X->beta + (size_t)o * nz;
        small_solve(G, b, nz, beta);
        double *fw = f + (size_t)o * ncell;
        for (int j = 0; j < nz; j++)
            for (size_t c = 0; c < ncell; c++)
                fw[c] -= beta[j] * g[(size_t)j * ncell + c];
    }
    rc = 0;
done:
    free(g);
    free(G);
    free(b);
    free(ag);
    return rc;
}

/* The fit's value at sample i of target o: the field's read-out and the
 * covariates' term. */
static double fitted(const ge_solver *s, size_t i, const double *fo, const design *X, int o)
{
    double v = ge_solver_predict(s, i, fo);
    for (int j = 0; X && j < X->nz; j++)
        v += X->beta[(size_t)o * X->nz + j] * X->z[i * (size_t)X->nz + j];
    return v;
}

/* Fields f[O][cells] minimising the weighted mean loss over samples
 * idx[0..n) (all when NULL) plus lambda times the penalty: one factorisation
 * for the squared error when no value is missing, one per target that misses
 * values (its missing samples weigh 0), reweighted factorisations per target
 * for robust losses. w: sample weights (NULL: 1); d[n] and rhs[cells] are
 * scratch. *iters gets the most reweighting iterations. */
static int solve_fields(ge_solver *s, const size_t *idx, size_t n, const double *ys,
                        const double *w, const design *X, int O, const ge_loss *loss,
                        double lambda, size_t ncell, double *f, double *d, double *rhs,
                        int *iters, ge_error *err)
{
    if (X && X->nz == 0)
        X = NULL;
    char full[GE_MAX_OUTPUTS];
    double wsum[GE_MAX_OUTPUTS];
    int nfull = 0, any_full = -1;
    for (int o = 0; o < O; o++) {
        int fl;
        wsum[o] = data_weights(ys, w, O, o, idx, n, d, &fl);
        full[o] = (char)fl;
        nfull += fl;
        if (fl && any_full < 0)
            any_full = o;
    }
    if (nfull > 0) { /* the targets without a missing value share one factorisation */
        int fl;
        data_weights(ys, w, O, any_full, idx, n, d, &fl);
        ge_solver_set_data(s, idx, n, w ? d : NULL, 0);
        if (ge_solver_factor(s, lambda, err))
            return -1;
        for (int o = 0; o < O; o++)
            if (full[o])
                ge_solver_rhs(s, idx, n, w ? d : NULL, ys, O, o, f + (size_t)o * ncell);
        if (nfull == O) {
            if (ge_solver_solve(s, f, O, f, err))
                return -1;
        } else {
            for (int o = 0; o < O; o++)
                if (full[o] && ge_solver_solve(s, f + (size_t)o * ncell, 1,
                                               f + (size_t)o * ncell, err))
                    return -1;
        }
        if (X && covariate_step(s, idx, n, w ? d : NULL, ys, O, full, X, ncell, f, err))
            return -1;
    }
    for (int o = 0; o < O; o++) {
        if (full[o])
            continue;
        int fl;
        data_weights(ys, w, O, o, idx, n, d, &fl);
        ge_solver_set_data(s, idx, n, d, 0);
        if (ge_solver_factor(s, lambda, err))
            return -1;
        ge_solver_rhs(s, idx, n, d, ys, O, o, rhs);
        if (ge_solver_solve(s, rhs, 1, f + (size_t)o * ncell, err))
            return -1;
        char one[GE_MAX_OUTPUTS] = {0};
        one[o] = 1;
        if (X && covariate_step(s, idx, n, d, ys, O, one, X, ncell, f, err))
            return -1;
    }
    *iters = 0;
    if (loss->kind == GE_LOSS_MSE)
        return 0;
    for (int o = 0; o < O; o++) {
        double *fo = f + (size_t)o * ncell, prev = INFINITY;
        for (int it = 1; it <= IRLS_MAX; it++) {
            double obj = 0;
            for (size_t k = 0; k < n; k++) {
                size_t i = idx ? idx[k] : k;
                double r = ge_solver_predict(s, i, fo) - ys[i * O + o], wi = w ? w[i] : 1.0;
                d[k] = isnan(r) ? 0.0 : wi * irls_weight(loss, r);
                obj += isnan(r) ? 0.0 : wi * ge_loss_value(loss, r);
            }
            if (fabs(prev - obj) <= IRLS_TOL * fmax(obj, 1e-300))
                break;
            prev = obj;
            ge_solver_set_data(s, idx, n, d, wsum[o]);
            if (ge_solver_factor(s, lambda, err))
                return -1;
            ge_solver_rhs(s, idx, n, d, ys, O, o, rhs);
            if (ge_solver_solve(s, rhs, 1, fo, err))
                return -1;
            if (it > *iters)
                *iters = it;
        }
    }
    return 0;
}

/* ---- solvers kept across the fit's phases ---- */

/* One solver per thread, made once for the penalty search, the fit and its
 * spread (each making costs the grid's pattern, penalty and symbolic
 * factorisation, and a multigrid's data rows), where a factor per thread
 * fits (POOL_CELLS). A Cholesky solver's results do not depend on what it
 * solved before, so which thread takes which job changes nothing; a
 * multigrid solver warm-starts from its last solve, but the multigrid path
 * runs every job on one thread, in the same order (its solver is one: the
 * first), so the next phase starts from the last one's field on any thread
 * count. A solver taken has the default tolerance. */
#define POOL_MAX 64
#define POOL_CELLS 300000
typedef struct {
    ge_solver *s[POOL_MAX];
    /* the multigrid path: the penalty search's field of each fold at its
     * best candidate (search.near), where the fit and the held-out folds
     * start (NULL: none) */
    double *near[POOL_MAX];
} solver_pool;

static int pooled(const ge_model *m, const ge_learn_opts *o)
{
    return !o->backend && ((size_t)m->s.W * m->s.H <= POOL_CELLS ||
                           ge_solver_uses_multigrid(o->solver, m->s.W, m->s.H));
}

/* Thread k's solver: the pool's (made on first use), or a new one. */
static ge_solver *pool_take(solver_pool *p, int k, const ge_model *m, const double *xy,
                            size_t M, const ge_learn_opts *o, ge_error *err)
{
    if (!p || k >= POOL_MAX || !pooled(m, o))
        return ge_solver_new_kind(m, xy, M, o->solver, err);
    if (!p->s[k])
        p->s[k] = ge_solver_new_kind(m, xy, M, o->solver, err);
    else
        ge_solver_set_tolerance(p->s[k], 0);
    return p->s[k];
}

/* Returns a solver of pool_take: freed unless the pool keeps it. */
static void pool_give(solver_pool *p, int k, ge_solver *s)
{
    if (!p || k >= POOL_MAX || p->s[k] != s)
        ge_solver_free(s);
}

static void pool_free(solver_pool *p)
{
    for (int k = 0; k < POOL_MAX; k++) {
        ge_solver_free(p->s[k]);
        free(p->near[k]);
    }
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The progress of the fit's solves after the search: the fields', then
 * the uncertainty's draws (a draw is a solve too), counted on any thread,
 * shown from the first (the callback is not thread-safe); and the count of
 * interruptions when they began (o->interrupts). */
typedef struct {
    const ge_learn_opts *o;
    long done, total;
    sig_atomic_t interrupts_at;
} solve_meter;

/* An interruption since the solves began (ge_solver_on_interrupt). */
static int meter_interrupted(void *ctx)
{
    const solve_meter *mt = ctx;
    return mt->o->interrupts && *mt->o->interrupts != mt->interrupts_at;
}

static void meter_add(void *ctx, int solves)
{
    solve_meter *mt = ctx;
    long now;
#pragma omp atomic capture
    now = mt->done += solves;
    if (thread_id() == 0 && mt->o->progress)
        mt->o->progress(mt->o->ctx, "solving", now < mt->total ? now : mt->total, mt->total);
}

/* ---- the penalty search ---- */

typedef struct {
    const ge_model *m;
    const double *xy, *ys;
    const double *w; /* sample weights, or NULL */
    size_t M;
    int O, K;
    const int *fold;
    const ge_learn_opts *o;
    double *nte; /* [K] weight of the held-out values (samples x present targets) of each fold */
    solver_pool *pool;
    /* the multigrid path: each fold's field [O][cells] at its lowest
     * held-out loss so far (near_loss), NULL until one; a candidate starts
     * from it (the next candidates lie around the best), not from the last
     * one, which may be decades away */
    double **near, *near_loss;
} search;

/* ---- a backend's fields (learn.h) ---- */

/* Where a backend's fields live on this process: the whole grid, or with
 * rows() its span (ge_backend_span) around its own rows. */
typedef struct {
    int striped;      /* rows(): no process holds the whole grid */
    int row0, rows;   /* this process's rows */
    int g0, gn;       /* its span */
    size_t cells;     /* cells of a field it gets: W*H, or gn*H */
} field_rows;

static field_rows backend_rows(const ge_backend *b, const ge_shape *s)
{
    field_rows r = {0, 0, s->W, 0, s->W, (size_t)s->W * s->H};
    if (b && b->rows) { /* one process's rows are all of them: the whole grid */
        b->rows(b->ctx, s->W, &r.row0, &r.rows);
        ge_backend_span(s, r.row0, r.rows, &r.g0, &r.gn);
        r.striped = r.rows < s->W;
        r.cells = (size_t)r.gn * s->H;
    }
    return r;
}

/* Where cell c of the grid lies in a field of these rows. */
static size_t span_cell(const ge_model *m, const field_rows *r, size_t c)
{
    if (!r->striped)
        return c;
    const size_t H = (size_t)m->s.H;
    return (size_t)ge_part_row(&m->s, r->g0, r->gn, (long)(c / H)) * H + c % H;
}

/* Whether this process counts sample i: its first read-out cell lies in
 * its rows (every sample where the process holds the whole grid). */
static int counts_sample(const ge_model *m, const field_rows *r, const size_t c[4])
{
    return !r->striped ||
           ge_part_row(&m->s, r->row0, r->rows, (long)(c[0] / (size_t)m->s.H)) >= 0;
}

/* The read-out of sample i from a field fo without a local solver (the
 * backend's fits: no covariates); NaN where this process does not count it. */
static double readout_at(const ge_model *m, const field_rows *r, const double *xy, size_t i,
                         const double *fo)
{
    size_t c[4];
    double w[4];
    ge_exact_readout(m, xy[2 * i], xy[2 * i + 1], c, w);
    if (!counts_sample(m, r, c))
        return NAN;
    double v = 0;
    for (int k = 0; k < 4; k++)
        v += w[k] * fo[span_cell(m, r, c[k])];
    return v;
}


/* Held-out absolute error sum of fold k at lambda, using solver s (NULL with
 * a backend) and scratch. The search scores the mean absolute error whatever the loss: the
 * squared error let a few large misses at a sharp front choose a penalty 50x
 * too strong (bench/accuracy: held-out MAE 0.0200 against 0.0181). */
static int fold_loss(const search *S, ge_solver *s, const design *X, int k, double lambda,
                     size_t *tr, size_t *te, double *f, double *d, double *rhs, double *out,
                     ge_error *err)
{
    size_t ntr = 0, nte = 0;
    for (size_t i = 0; i < S->M; i++) {
        if (S->fold[i] == k)
            te[nte++] = i;
        else
            tr[ntr++] = i;
    }
    const size_t ncell = (size_t)S->m->s.W * S->m->s.H;
    int iters;
    const ge_backend *b = S->o->backend;
    if (b ? b->fields(b->ctx, S->m, S->xy, S->ys, S->w, S->M, tr, ntr, lambda, f, err)
          : solve_fields(s, tr, ntr, S->ys, S->w, X, S->O, &S->o->train.loss, lambda, ncell, f,
                         d, rhs, &iters, err))
        return -1;
    const field_rows fr = backend_rows(b, &S->m->s);
    const size_t cells = b ? fr.cells : ncell;
    double sum = 0;
    for (size_t j = 0; j < nte; j++)
        for (int o = 0; o < S->O; o++) {
            const double *fo = f + (size_t)o * cells;
            double r = (s ? fitted(s, te[j], fo, X, o) : readout_at(S->m, &fr, S->xy, te[j], fo)) -
                       S->ys[te[j] * S->O + o];
            if (!isnan(r)) /* a missing held-out value scores nothing (see S->nte) */
                sum += (S->w ? S->w[te[j]] : 1.0) * fabs(r);
        }
    backend_sum(b, &sum, 1); /* the samples of every process's rows */
    *out = sum;
    return 0;
}

/* A job on the threads failed with e: the first failure is the one told
 * (*first), and *failed stops the jobs not yet started. */
static void keep_first_failure(int *failed, ge_error *first, const ge_error *e)
{
#pragma omp critical(learn_failure)
    {
        if (!*failed)
            *first = *e;
#pragma omp atomic write
        *failed = 1;
    }
}

/* Fold k's fields f[n] (held-out loss v) kept as where its next candidates
 * start, if its best so far. */
static int keep_near(const search *S, int k, double v, const double *f, size_t n, ge_error *err)
{
    if (S->near[k] && !(v < S->near_loss[k]))
        return 0;
    if (!S->near[k] && !(S->near[k] = malloc(n * sizeof *f)))
        return ge_fail(err, "out of memory for the penalty search");
    memcpy(S->near[k], f, n * sizeof *f);
    S->near_loss[k] = v;
    return 0;
}

/* One thread's work runs without a team of its own where the caller's team
 * has one thread (the top level, mostly): a region in it would be nested,
 * and libgomp starts the threads of a nested team anew each time. The
 * multigrid path searches on one thread with parallel solves: 10,220 threads
 * were started and ended in a million-sample fit, 5,381 at 100,000 samples.
 * Its orphaned worksharing binds to the caller's team of one. */
static int alone(int threads)
{
#ifdef _OPENMP
    return threads <= 1 && omp_get_num_threads() == 1;
#else
    (void)threads;
    return 1;
#endif
}

/* A round's shared state (run_round). */
typedef struct {
    const double *lg;
    int nc, jobs, failed;
    double *sums;
    long *done, total;
    size_t ncell; /* cells of a field (a striped backend's: its span's) */
    ge_error first;
} round_state;

/* The part of run_round on each thread (or alone, without a team). */
static void round_worker(const search *S, round_state *r)
{
    const size_t ncell = r->ncell;
    ge_error e = {{0}};
    /* a backend's solves are collective: one job at a time, in order */
    const int tid = thread_id();
    ge_solver *s = S->o->backend ? NULL : pool_take(S->pool, tid, S->m, S->xy, S->M, S->o, &e);
    if (s)
        ge_solver_set_tolerance(s, SEARCH_TOL);
    size_t *tr = malloc(S->M * sizeof *tr), *te = malloc(S->M * sizeof *te);
    double *f = malloc(ncell * (size_t)S->O * sizeof *f);
    double *d = malloc((S->M ? S->M : 1) * sizeof *d), *rhs = malloc(ncell * sizeof *rhs);
    design X = {S->o->z, S->o->z ? S->o->nz : 0, NULL}; /* a thread's own coefficients */
    X.beta = malloc(((size_t)S->O * X.nz + 1) * sizeof *X.beta);
    int have = s || S->o->backend;
    int ok = have && tr && te && f && d && rhs && X.beta;
    if (have && !ok)
        ge_fail(&e, "out of memory for the penalty search");
#pragma omp for schedule(dynamic, 1)
    for (int j = 0; j < r->jobs; j++) {
        /* fold by fold: a multigrid solver keeps the fold's data rows
         * and starts each candidate from the last one's field */
        int k = j / r->nc, c = j % r->nc;
        int gone;
#pragma omp atomic read
        gone = r->failed;
        if (!ok || gone || (S->o->stop && *S->o->stop))
            continue;
        double v;
        if ((S->near && S->near[k] && ge_solver_warm_start(s, S->near[k], S->O, &e)) ||
            fold_loss(S, s, &X, k, pow(10.0, r->lg[c]), tr, te, f, d, rhs, &v, &e) ||
            (S->near && keep_near(S, k, v, f, ncell * (size_t)S->O, &e))) {
            ok = 0;
            continue;
        }
        r->sums[c * S->K + k] = v;
#pragma omp atomic
        (*r->done)++;
        if (tid == 0 && S->o->progress)
        {
            long now;
#pragma omp atomic read
            now = *r->done;
            S->o->progress(S->o->ctx, "choosing --smooth", now, r->total);
        }
    }
    if (!ok)
        keep_first_failure(&r->failed, &r->first, &e);
    free(X.beta);
    pool_give(S->pool, tid, s);
    free(tr);
    free(te);
    free(f);
    free(d);
    free(rhs);
}

/* Evaluates candidates lg[0..nc) (log10 lambda) on every fold: sums[c][k]
 * (NaN where not evaluated because of a stop). Jobs (fold, candidate) run on
 * the threads, each with its own solver; results land in fixed places, so
 * the outcome does not depend on the thread count. */
static int run_round(const search *S, const double *lg, int nc, double *sums, long *done,
                     long total, ge_error *err)
{
    round_state r = {.lg = lg, .nc = nc, .jobs = nc * S->K, .sums = sums, .done = done,
                     .total = total, .ncell = backend_rows(S->o->backend, &S->m->s).cells};
    int threads = 1;
#ifdef _OPENMP
    /* A solver per thread: only where its factor is small (a large grid's
     * factor is most of the memory, and BLAS would share the cores anyway);
     * on the cores other processes leave free (two jobs on one free core
     * took longer than one after the other). */
    threads = r.ncell <= 300000 && !S->o->backend &&
                      !ge_solver_uses_multigrid(S->o->solver, S->m->s.W, S->m->s.H)
                  ? ge_threads_now(omp_get_max_threads())
                  : 1;
    if (threads > r.jobs)
        threads = r.jobs;
#endif
    for (int j = 0; j < r.jobs; j++)
        sums[j] = NAN;
    if (alone(threads)) {
        round_worker(S, &r);
    } else {
#pragma omp parallel num_threads(threads)
        round_worker(S, &r);
    }
    if (r.failed) {
        *err = r.first;
        return -1;
    }
    return 0;
}

/* Mean held-out loss of a candidate over the folds it was evaluated on. */
static double mean_loss(const search *S, const double *sums)
{
    double sum = 0, n = 0;
    for (int k = 0; k < S->K; k++)
        if (!isnan(sums[k])) {
            sum += sums[k];
            n += S->nte[k];
        }
    return n > 0 ? sum / n : NAN;
}

/* Index of the lowest score that is a number, or -1. */
static int lowest(const double *score, int n)
{
    int best = -1;
    for (int c = 0; c < n; c++)
        if (!isnan(score[c]) && (best < 0 || score[c] < score[best]))
            best = c;
    return best;
}

/* The dual form's choice: quarter decades from 1e-5 to 1e5. */
static int dual_choice(const search *S, const ge_dual *d, double *sums, ge_learn_result *r,
                       ge_error *err)
{
    double lg[DUAL_CANDIDATES];
    for (int c = 0; c < DUAL_CANDIDATES; c++)
        lg[c] = -5 + 0.25 * c;
    if (S->o->progress)
        S->o->progress(S->o->ctx, "choosing --smooth", 0, 1);
    if (ge_dual_scores(d, lg, DUAL_CANDIDATES, sums, err))
        return -1;
    double score[DUAL_CANDIDATES];
    for (int c = 0; c < DUAL_CANDIDATES; c++)
        score[c] = mean_loss(S, sums + (size_t)c * S->K);
    int best = lowest(score, DUAL_CANDIDATES);
    if (best < 0 || !isfinite(score[best]))
        return ge_fail(err, "every candidate of --smooth auto gave a non-finite validation loss");
    r->folds = S->K;
    r->candidates = DUAL_CANDIDATES;
    r->tried_lo = pow(10.0, lg[0]);
    r->tried_hi = pow(10.0, lg[DUAL_CANDIDATES - 1]);
    r->smooth = pow(10.0, lg[best]);
    r->cv_loss = score[best];
    if (S->o->progress)
        S->o->progress(S->o->ctx, "choosing --smooth", 1, 1);
    return 0;
}

/* The vertex of the parabola through candidate best (log10 lambda lg,
 * held-out error score, the lowest) and its neighbours half a decade either
 * side, rounded to CHOICE_STEP, into *choice, and the parabola's value there
 * into *at. Returns 1, or 0 (nothing changed) where a neighbour is missing
 * (the best at an end of the range, or a search cut short). The vertex lies
 * within a quarter decade of the best, as the best is the lowest of the
 * three. */
static int choice_between(const double *lg, const double *score, int nc, int best,
                          double *choice, double *at)
{
    const double h = 0.5, x0 = lg[best], y0 = score[best];
    double ym = NAN, yp = NAN;
    for (int c = 0; c < nc; c++) {
        if (lg[c] == x0 - h)
            ym = score[c];
        if (lg[c] == x0 + h)
            yp = score[c];
    }
    const double curv = ym - 2 * y0 + yp;
    if (!isfinite(ym) || !isfinite(yp) || !(curv > 0))
        return 0;
    double t = h * (ym - yp) / (2 * curv);
    t = CHOICE_STEP * round(t / CHOICE_STEP);
    *choice = x0 + t;
    *at = y0 + t * (yp - ym) / (2 * h) + t * t * curv / (2 * h * h);
    return 1;
}

static int choose_smooth(const ge_model *m, const double *xy, const double *ys, size_t M,
                         const ge_learn_opts *o, ge_learn_result *r, solver_pool *pool,
                         ge_error *err)
{
    const size_t all = o->total ? o->total : M; /* samples of every process */
    const int K = o->folds > 0 ? o->folds : ge_learn_folds(all);
    enum { MAXC = 16 };
    double lg[MAXC], score[MAXC], *sums = malloc((size_t)MAXC * (K > 1 ? K : 1) * sizeof *sums);
    int *fold = malloc((M ? M : 1) * sizeof *fold);
    double nte[64] = {0}, near_loss[64];
    int rc = -1, nc = 0;
    if (!sums || !fold) {
        ge_fail(err, "out of memory");
        goto done;
    }
    if (K > 64 || K < 1) {
        ge_fail(err, "the penalty search takes 1 to 64 folds, got %d", K);
        goto done;
    }
    /* One 25% hold-out is the first of four folds. */
    if (ge_assign_folds_of(o->ids, M, all, K > 1 ? K : 4, o->train.seed, fold)) {
        ge_fail(err, "out of memory for the folds of %zu samples", all);
        goto done;
    }
    int missing = 0;
    for (size_t i = 0; i < M; i++)
        for (int k = 0; k < m->s.O; k++) {
            int here = !isnan(ys[i * m->s.O + k]);
            missing |= !here;
            if (fold[i] < K)
                nte[fold[i]] += here ? (o->weights ? o->weights[i] : 1.0) : 0.0;
        }
    if (o->total) /* routed: every process's held-out samples */
        backend_sum(o->backend, nte, K);
    search S = {.m = m, .xy = xy, .ys = ys, .w = o->weights, .M = M, .O = m->s.O, .K = K, .fold = fold, .o = o,
                .nte = nte, .pool = pool};
    if (!o->backend && ge_solver_uses_multigrid(o->solver, m->s.W, m->s.H))
        S.near = pool->near, S.near_loss = near_loss;
    /* the dual form factorises the grid's penalty by Cholesky: not where
     * the fit solves by multigrid (a grid too large for a factor) */
    if (o->train.loss.kind == GE_LOSS_MSE && M <= DUAL_MAX_SAMPLES && !missing && !o->weights &&
        !o->z && !o->backend && !ge_solver_uses_multigrid(o->solver, m->s.W, m->s.H)) {
        /* few samples: every fold and a fine grid of candidates at once */
        ge_error why;
        ge_dual *d = ge_dual_new(m, xy, ys, M, fold, K, &why);
        if (d) {
            double *dsums = malloc((size_t)DUAL_CANDIDATES * K * sizeof *dsums);
            rc = dsums ? dual_choice(&S, d, dsums, r, err) : ge_fail(err, "out of memory");
            free(dsums);
            ge_dual_free(d);
            goto done;
        }
    }
    /* Coarse to fine, each pass one round of two candidates on the threads:
     * the decades either side of lambda 1 (0.1, 10), the decades either
     * side of the better, two more decades while the best is at an end (to
     * 1e-5 and 1e5), then the half decades either side of the best; the
     * choice is the vertex of the parabola through the best and its
     * neighbours (choice_between). On a unimodal validation curve it ends
     * where a scan of every decade would, with 6 candidates in 3 rounds
     * (most of a small fit's time is these factorisations; an odd round
     * would leave a thread idle). */
    long done = 0, total = 6L * K;
    for (int pass = 0; pass < 5; pass++) {
        double cand[3];
        int n = 0, best = lowest(score, nc);
        if (best < 0)
            best = 0;
        double lo = 0, hi = 0;
        for (int c = 0; c < nc; c++)
            lo = fmin(lo, lg[c]), hi = fmax(hi, lg[c]);
        if (pass == 0) {
            cand[n++] = -1, cand[n++] = 1;
        } else if (pass == 1) {
            cand[n++] = lg[best] - 1, cand[n++] = lg[best] + 1;
        } else if (pass < 4) { /* the best at an end: further that way, to 1e-5 or 1e5 */
            for (int j = 1; j <= 2; j++)
                if (lg[best] == lo && lo - j >= -5)
                    cand[n++] = lo - j;
                else if (lg[best] == hi && lg[best] != lo && hi + j <= 5)
                    cand[n++] = hi + j;
            total += (long)n * K;
        } else {
            cand[n++] = lg[best] - 0.5;
            cand[n++] = lg[best] + 0.5;
        }
        if (n == 0 || nc + n > MAXC)
            continue;
        if (run_round(&S, cand, n, sums + (size_t)nc * K, &done, total, err))
            goto done;
        for (int c = 0; c < n; c++) {
            lg[nc + c] = cand[c];
            score[nc + c] = mean_loss(&S, sums + (size_t)(nc + c) * K);
        }
        nc += n;
        if (o->stop && *o->stop)
            break;
    }
    int best = lowest(score, nc);
    r->folds = K;
    r->candidates = nc;
    double lo = INFINITY, hi = -INFINITY;
    for (int c = 0; c < nc; c++)
        lo = fmin(lo, lg[c]), hi = fmax(hi, lg[c]);
    r->tried_lo = pow(10.0, lo);
    r->tried_hi = pow(10.0, hi);
    r->search_stopped = o->stop && *o->stop;
    if (best >= 0 && !isfinite(score[best])) {
        ge_fail(err, "every candidate of --smooth auto gave a non-finite validation loss");
        goto done;
    }
    double choice = best >= 0 ? lg[best] : 0;
    r->cv_loss = best >= 0 ? score[best] : NAN;
    if (best >= 0)
        r->interpolated = choice_between(lg, score, nc, best, &choice, &r->cv_loss);
    r->smooth = pow(10.0, choice);
    rc = 0;
done:
    free(sums);
    free(fold);
    return rc;
}

int ge_choose_smooth(const ge_model *m, const double *xy, const double *ys, size_t M,
                     const ge_learn_opts *o, ge_learn_result *r, ge_error *err)
{
    solver_pool pool = {{0}, {0}};
    int rc = choose_smooth(m, xy, ys, M, o, r, &pool, err);
    pool_free(&pool);
    return rc;
}

/* ---- the fit ---- */

/* The posterior variance per unit noise at cells (cell_var, unless NULL)
 * and at samples at[0..nat) (at_var, unless NULL) of target k's fit on
 * samples idx[0..n) (all when NULL). *shared tells whether the factor in s
 * is that of the targets with every value already (then a full target
 * reuses it). */
static int unit_variances(ge_solver *s, const size_t *idx, size_t n, const double *ys,
                          const ge_learn_opts *o, int O, int k, double *d, int *shared,
                          double *cell_var, const size_t *at, size_t nat, double *at_var,
                          ge_error *err)
{
    int full;
    data_weights(ys, o->weights, O, k, idx, n, d, &full);
    if (full && *shared)
        return 0;
    *shared = full;
    ge_solver_set_data(s, idx, n, d, 0);
    return ge_solver_factor(s, o->train.smooth, err) ||
                   ge_solver_variances(s, idx, n, d, o->draws, o->train.seed ^ (uint64_t)k,
                                       cell_var, at, nat, at_var, err)
               ? -1
               : 0;
}

/* Folds of the held-out evidence: the penalty search's K, times up to
 * HELD_OUT_REPEATS while that keeps to REPEAT_SAMPLES held-out samples; one
 * draw, each sample held out once. The calibration must see errors like
 * the fit's own at new places: a fold fit on 4/5 of the samples leaves its
 * held-out samples farther from the rest than new places lie from all of
 * them, the more so where the data is thin (the background of clustered
 * data), and a std fitted to that mix fell short at new places far from the
 * data. As many fold fits as K draws of K folds, each on more samples. */
static int held_out_folds(size_t M, int K)
{
    size_t r = M > 0 ? REPEAT_SAMPLES / M : 1;
    return K * (r < 1 ? 1 : (r > HELD_OUT_REPEATS ? HELD_OUT_REPEATS : (int)r));
}

/* The fold fits of held_out for the options o. */
static int held_out_jobs(size_t M, const ge_learn_opts *o)
{
    const int K0 = o->folds > 0 ? o->folds : ge_learn_folds(M);
    return held_out_folds(M, K0 > 1 ? K0 : 1);
}

/* The std of the blend of cells cell[4] (weights w) whose variances are
 * var: read out as predict reads field_sd. */
static double read_sd(const double *var, const size_t cell[4], const double w[4])
{
    double sd = 0;
    for (int k = 0; k < 4; k++)
        sd += w[k] * sqrt(var[cell[k]]);
    return sd;
}

/* The evidence of one fold fit of held_out, per target: sums of squared
 * residuals rr, of variances per unit noise gg, counts nn, and the samples
 * kept for the calibration (appended in job order afterwards). */
typedef struct {
    double *rr, *gg, *nn;
    ge_cal_data *cal;
} fold_evidence;

/* Per-thread workspace of held_out. */
typedef struct {
    ge_solver *s;
    int *fold, fold_draw; /* the folds of draw fold_draw (-1: none yet) */
    double *const *near;  /* solver_pool.near */
    size_t *tr, *te;
    double *f, *rhs, *d, *cv, *feat;
    design X;
    solve_meter *meter;
} held_out_work;

static void held_out_work_free(held_out_work *w, const ge_solver *shared, solver_pool *pool,
                               int tid)
{
    if (w->s) {
        ge_solver_on_draws(w->s, NULL, NULL);
        ge_solver_on_interrupt(w->s, NULL, NULL);
    }
    if (w->s != shared)
        pool_give(pool, tid, w->s);
    free(w->fold);
    free(w->tr);
    free(w->te);
    free(w->f);
    free(w->rhs);
    free(w->d);
    free(w->cv);
    free(w->feat);
    free(w->X.beta);
}

/* Fold k of the folds' draw q / K: the fit on the rest at the chosen
 * penalty, its variances per unit noise, and the evidence of its held-out
 * samples into ev. */
static int held_out_fold(const ge_model *m, held_out_work *w, const double *xy,
                         const double *ys, size_t M, const ge_learn_opts *o, int K, int q,
                         double reach, size_t stride, fold_evidence *ev, ge_error *err)
{
    const int O = m->s.O, k = q % K, draw = q / K;
    const size_t ncell = (size_t)m->s.W * m->s.H;
    if (w->fold_draw != draw) {
        ge_assign_folds(xy, M, K > 1 ? K : 4, 0, o->train.seed + (uint64_t)draw, w->fold);
        w->fold_draw = draw;
    }
    size_t ntr = 0, nte = 0;
    for (size_t i = 0; i < M; i++) {
        if (w->fold[i] == k)
            w->te[nte++] = i;
        else
            w->tr[ntr++] = i;
    }
    int iters, shared = 0;
    if (nte == 0 || ntr == 0)
        return 0;
    /* start from the search's field of fold k at its best penalty: above
     * 2000 samples the same hold-out (the same seed and count of folds),
     * elsewhere a field near this one */
    if (w->near && w->near[k] && ge_solver_warm_start(w->s, w->near[k], O, err))
        return -1;
    if (solve_fields(w->s, w->tr, ntr, ys, o->weights, &w->X, O, &o->train.loss,
                     o->train.smooth, ncell, w->f, w->d, w->rhs, &iters, err))
        return -1;
    meter_add(w->meter, O);
    for (int t = 0; t < O; t++) {
        /* a target sharing the factor keeps the variances of the last */
        const double *ft = w->f + (size_t)t * ncell;
        if (unit_variances(w->s, w->tr, ntr, ys, o, O, t, w->d, &shared, w->cv, NULL, 0, NULL,
                           err) ||
            ge_cal_features(m, w->s, w->tr, ntr, w->cv, ft, reach, w->feat, err))
            return -1;
        if (!ev->cal[t].x) {
            size_t kept = 0;
            for (size_t j = 0; j < nte; j++)
                kept += w->te[j] % stride == 0;
            if (ge_cal_data_init(&ev->cal[t], kept, err))
                return -1;
        }
        for (size_t j = 0; j < nte; j++) {
            size_t i = w->te[j];
            double r = fitted(w->s, i, ft, &w->X, t) - ys[i * O + t];
            if (isnan(r))
                continue;
            size_t cell[4];
            double wt[4];
            ge_solver_readout(w->s, i, cell, wt);
            double sd = read_sd(w->cv, cell, wt);
            ev->rr[t] += r * r;
            ev->gg[t] += sd * sd;
            ev->nn[t]++;
            if (i % stride == 0 && !(o->weights && o->weights[i] == 0))
                ge_cal_add(&ev->cal[t], r * r, cell, wt, w->feat);
        }
    }
    return 0;
}

/* The posterior variances per unit noise of the fit on every sample, per
 * target k: at the cells cv[k * cells ..] and at the samples sv[k * M ..]
 * (the draws of o). s holds the fit's factor (the same data and penalty:
 * no new factorisation); targets with every value share one set. */
typedef struct {
    double *cv, *sv, *d;
    const size_t *all;
} full_spread;

static int full_variances(const ge_model *m, ge_solver *s, const double *ys, size_t M,
                          const ge_learn_opts *o, full_spread *fs, ge_error *err)
{
    const size_t ncell = (size_t)m->s.W * m->s.H;
    int shared = 0, from = -1;
    for (int k = 0; k < m->s.O; k++) {
        double *cv = fs->cv + (size_t)k * ncell, *sv = fs->sv + (size_t)k * M;
        int full;
        data_weights(ys, o->weights, m->s.O, k, NULL, M, fs->d, &full);
        if (full && shared) { /* the factor of the last: its variances */
            memcpy(cv, fs->cv + (size_t)from * ncell, ncell * sizeof *cv);
            memcpy(sv, fs->sv + (size_t)from * M, M * sizeof *sv);
            continue;
        }
        if (unit_variances(s, NULL, M, ys, o, m->s.O, k, fs->d, &shared, cv, fs->all, M, sv,
                           err))
            return -1;
        from = k;
    }
    return 0;
}

/* The exact fit's fields f[O][cells] at the chosen penalty on the solver s
 * (from the search's field at that penalty where it solves by multigrid);
 * d and rhs are scratch. */
typedef struct {
    ge_solver *s;
    const solver_pool *pool;
    const double *ys;
    size_t M;
    int O;
    const ge_learn_opts *o;
    design *X;
    double *f, *d, *rhs;
    ge_learn_result *r;
    solve_meter *meter;
} fit_job;

static int run_fit(fit_job *j, ge_error *err)
{
    const ge_learn_opts *o = j->o;
    if ((j->pool->near[0] && ge_solver_warm_start(j->s, j->pool->near[0], j->O, err)) ||
        solve_fields(j->s, NULL, j->M, j->ys, o->weights, j->X, j->O, &o->train.loss,
                     o->train.smooth, ge_solver_cells(j->s), j->f, j->d, j->rhs, &j->r->irls,
                     err))
        return -1;
    j->r->ridge = ge_solver_ridge(j->s);
    meter_add(j->meter, j->O);
    return 0;
}

/* held_out's shared state. */
typedef struct {
    const ge_model *m;
    ge_solver *s;
    solver_pool *pool;
    const double *xy, *ys;
    size_t M, stride;
    const ge_learn_opts *o, *o_full;
    fit_job *fit;
    full_spread *fs;
    double reach;
    int jobs, failed;
    fold_evidence *ev;
    ge_error first;
} held_out_state;

/* The part of held_out on each thread (or alone: see alone). */
static void held_out_worker(held_out_state *h)
{
    const int O = h->m->s.O;
    const size_t ncell = (size_t)h->m->s.W * h->m->s.H;
    ge_error e = {{0}};
    held_out_work w = {.fold_draw = -1, .near = h->pool ? h->pool->near : NULL, .meter = h->fit->meter};
    const int tid = thread_id(), own = tid > 0; /* thread 0 borrows the fit's solver */
    w.s = own ? pool_take(h->pool, tid, h->m, h->xy, h->M, h->o, &e) : h->s;
    if (w.s) {
        ge_solver_on_draws(w.s, meter_add, h->fit->meter);
        ge_solver_on_interrupt(w.s, meter_interrupted, h->fit->meter);
    }
    w.fold = malloc((h->M ? h->M : 1) * sizeof *w.fold);
    w.tr = malloc((h->M ? h->M : 1) * sizeof *w.tr);
    w.te = malloc((h->M ? h->M : 1) * sizeof *w.te);
    w.f = malloc(ncell * (size_t)O * sizeof *w.f);
    w.rhs = malloc(ncell * sizeof *w.rhs);
    w.d = malloc((h->M ? h->M : 1) * sizeof *w.d);
    w.cv = malloc(ncell * sizeof *w.cv);
    w.feat = malloc(ncell * GE_CAL_F * sizeof *w.feat);
    w.X = (design){h->o->z, h->o->z ? h->o->nz : 0,
                   malloc(((size_t)O * (h->o->z ? h->o->nz : 0) + 1) * sizeof(double))};
    int ok = w.s && w.fold && w.tr && w.te && w.f && w.rhs && w.d && w.cv && w.feat &&
             w.X.beta;
    if (w.s && !ok)
        ge_fail(&e, "out of memory for the uncertainty");
    /* the fit, then its own variances while its solver holds its factor */
    if (ok && !own &&
        (run_fit(h->fit, &e) || full_variances(h->m, h->s, h->ys, h->M, h->o_full, h->fs, &e)))
        ok = 0;
#pragma omp for schedule(dynamic, 1)
    for (int q = 0; q < h->jobs; q++) {
        int gone;
#pragma omp atomic read
        gone = h->failed;
        if (ok && !gone && meter_interrupted(h->fit->meter) && ge_fail(&e, "interrupted"))
            ok = 0;
        if (ok && !gone &&
            held_out_fold(h->m, &w, h->xy, h->ys, h->M, h->o, h->jobs, q, h->reach, h->stride,
                          &h->ev[q], &e))
            ok = 0;
    }
    if (!ok)
        keep_first_failure(&h->failed, &h->first, &e);
    held_out_work_free(&w, h->s, h->pool, tid);
}

/* Held-out evidence for the spread (the folds of held_out_folds, at the
 * chosen penalty): for each target the sum of squared held-out residuals
 * rr[k], of the fold fits' posterior variances per unit noise at those
 * samples gg[k] (read out as predict reads them), their count nn[k], and for
 * the calibration (calibrate.h) every stride-th sample's residual and
 * features in cal[k]. reach: the scale of the features' data offset.
 * The fold fits run on the threads where the grid is small enough for a
 * factor per thread (as the penalty search's), each into its own evidence,
 * summed in fold order: the outcome does not depend on the thread count.
 * Thread 0 first makes the fit (run_fit) and its own variances into fs
 * (full_variances, with the draws of o_full) on the fit's solver s, then
 * takes folds on it. */
static int held_out(const ge_model *m, ge_solver *s, solver_pool *pool, const double *xy,
                    const double *ys, size_t M, const ge_learn_opts *o,
                    const ge_learn_opts *o_full, fit_job *fit, full_spread *fs,
                    double reach, size_t stride, double *rr, double *gg, double *nn,
                    ge_cal_data *cal, ge_error *err)
{
    const int O = m->s.O, K = held_out_jobs(M, o), jobs = K;
    const size_t ncell = (size_t)m->s.W * m->s.H;
    int threads = 1;
#ifdef _OPENMP
    threads = ncell <= 300000 && !ge_solver_uses_multigrid(o->solver, m->s.W, m->s.H)
                  ? ge_threads_now(omp_get_max_threads())
                  : 1;
    if (threads > jobs + 1) /* thread 0 first makes the fit's own variances */
        threads = jobs + 1;
#endif
    fold_evidence *ev = calloc((size_t)jobs, sizeof *ev);
    double *sums = calloc((size_t)jobs * O * 3, sizeof *sums);
    ge_cal_data *cals = calloc((size_t)jobs * O, sizeof *cals);
    for (int t = 0; t < O; t++)
        rr[t] = gg[t] = nn[t] = 0;
    if (!ev || !sums || !cals) {
        free(ev), free(sums), free(cals);
        return ge_fail(err, "out of memory for the uncertainty");
    }
    for (int q = 0; q < jobs; q++) {
        ev[q].rr = sums + (size_t)q * O * 3;
        ev[q].gg = ev[q].rr + O;
        ev[q].nn = ev[q].gg + O;
        ev[q].cal = cals + (size_t)q * O;
    }
    held_out_state h = {.m = m, .s = s, .pool = pool, .xy = xy, .ys = ys, .M = M,
                        .stride = stride, .o = o, .o_full = o_full, .fit = fit, .fs = fs,
                        .reach = reach, .jobs = jobs, .ev = ev};
    if (alone(threads)) {
        held_out_worker(&h);
    } else {
#pragma omp parallel num_threads(threads)
        held_out_worker(&h);
    }
    for (int q = 0; q < jobs; q++)
        for (int t = 0; t < O; t++) {
            rr[t] += ev[q].rr[t];
            gg[t] += ev[q].gg[t];
            nn[t] += ev[q].nn[t];
            ge_cal_append(&cal[t], &ev[q].cal[t]);
            ge_cal_data_free(&ev[q].cal[t]);
        }
    free(ev), free(sums), free(cals);
    if (h.failed) {
        *err = h.first;
        return -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The noise variance, robustly: the squared median absolute residual of the
 * fit (1.4826: a Gaussian's), each residual scaled by its weight and by the
 * share 1 - a_i H^-1 a_i' d_i its own value leaves. Unlike the residual sum
 * of squares it is not inflated by a few misfits at a sharp front. */
static double robust_noise(const double *res, const double *d, const double *sv, size_t M,
                           double *scratch)
{
    size_t n = 0;
    for (size_t i = 0; i < M; i++)
        if (d[i] > 0 && !isnan(res[i]))
            scratch[n++] = fabs(res[i]) * sqrt(d[i] / fmax(1 - d[i] * sv[i], 0.05));
    if (n == 0)
        return 0;
    qsort(scratch, n, sizeof *scratch, cmp_double);
    double med = n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
    return (1.4826 * med) * (1.4826 * med);
}

/* The posterior spread of the fit (see model.h). The field's variance per
 * unit noise comes from draws (solve.h) at every cell; the noise from the
 * fit's residuals. Then two regimes, told apart by the held-out residuals
 * of fold fits (held_out_folds):
 *   - noisy data (the noise explains at least NOISE_SHARE of their mean
 *     square): the field's variance is c2 times the variance per unit noise,
 *     c2 from their mean square, c2 g + s2 (g the fold fits' variance per
 *     unit noise there, s2 the noise variance RSS / (sum d - trace of the
 *     smoother)); the Gaussian posterior holds there, and the field's share
 *     is a small difference that moments estimate best;
 *   - otherwise the error is mostly interpolation error, heavy-tailed, and
 *     calibrate.c fits the field's variance to the held-out coverage.
 * Targets with every value share one factorisation; a robust loss is read
 * with its data weights only. The fit's fields f are made by fit, on
 * the first thread of the held-out folds' section (held_out), beside the
 * first fold: the fit was a phase of its own, one core idle (uniform and
 * wind of bench/fit 4% faster on 2 threads, soil the same). */
static int spread(ge_model *m, ge_solver *s, solver_pool *pool, const double *xy,
                  const double *ys, size_t M, const ge_learn_opts *o, const design *X,
                  fit_job *fit, const double *f, double *d, ge_error *err)
{
    const size_t ncell = (size_t)m->s.W * m->s.H;
    const int O = m->s.O;
    double *cv = malloc(ncell * (size_t)O * sizeof *cv);
    double *sv = malloc((M ? M : 1) * (size_t)O * sizeof *sv);
    double *res = malloc((M ? M : 1) * sizeof *res), *tmp = malloc((M ? M : 1) * sizeof *tmp);
    double *feat = malloc(ncell * GE_CAL_F * sizeof *feat);
    size_t *all = malloc((M ? M : 1) * sizeof *all);
    ge_cal_data *cal = calloc((size_t)O, sizeof *cal);
    double rr[GE_MAX_OUTPUTS], gg[GE_MAX_OUTPUTS], nn[GE_MAX_OUTPUTS];
    m->noise_sd = malloc((size_t)O * sizeof *m->noise_sd);
    m->field_sd = malloc(ncell * (size_t)O * sizeof *m->field_sd);
    int rc = -1;
    if (!cv || !sv || !res || !tmp || !feat || !all || !cal || !m->noise_sd || !m->field_sd) {
        ge_fail(err, "out of memory for the uncertainty of a %dx%d grid", m->s.W, m->s.H);
        goto done;
    }
    /* the calibration reads at most CAL_SAMPLES held-out samples in all */
    size_t cap = CAL_SAMPLES / (size_t)O > CAL_MIN_SAMPLES ? CAL_SAMPLES / (size_t)O
                                                           : CAL_MIN_SAMPLES;
    size_t stride = M > cap ? (M + cap - 1) / cap : 1;
    for (int k = 0; k < O; k++)
        if (ge_cal_data_init(&cal[k], (M + stride - 1) / stride, err))
            goto done;
    for (size_t i = 0; i < M; i++)
        all[i] = i;
    /* ge_learn's spacing (0 where the samples have none) */
    double reach = OFFSET_SPACINGS * (o->spacing > 0 ? o->spacing : fmax(m->cw, m->ch));
    /* the held-out evidence needs sums over many samples only: few draws */
    ge_learn_opts few = *o;
    few.draws = o->draws < HELD_OUT_DRAWS ? o->draws : HELD_OUT_DRAWS;
    /* the fit's own solver (a second one would double a large grid's
     * memory): its variances first, then the folds' data replace the fit's */
    full_spread fs = {cv, sv, d, all};
    if (held_out(m, s, pool, xy, ys, M, &few, o, fit, &fs, reach, stride, rr, gg, nn,
                 cal, err))
        goto done;
    for (int k = 0; k < O; k++) {
        const double *cvk = cv + (size_t)k * ncell, *svk = sv + (size_t)k * M;
        int full;
        data_weights(ys, o->weights, O, k, NULL, M, d, &full);
        double rss = 0, trace = 0, wsum = 0;
        for (size_t i = 0; i < M; i++) {
            res[i] = d[i] == 0 ? NAN : fitted(s, i, f + (size_t)k * ncell, X, k) - ys[i * O + k];
            if (d[i] == 0)
                continue;
            rss += d[i] * res[i] * res[i];
            trace += d[i] * svk[i];
            wsum += d[i];
        }
        /* an interpolating fit leaves few degrees of freedom */
        double s2 = rss / fmax(wsum - trace, 0.05 * wsum);
        double n2 = robust_noise(res, d, svk, M, tmp);
        ge_cal c;
        int calibrated = nn[k] > 0 && n2 * nn[k] < NOISE_SHARE * rr[k];
        if (calibrated) {
            int r = ge_cal_solve(&cal[k], n2, &c, err);
            if (r < 0 || (r == 0 && ge_cal_features(m, s, NULL, M, cvk, f + (size_t)k * ncell,
                                                    reach, feat, err)))
                goto done;
            calibrated = r == 0;
        }
        if (calibrated) {
            m->noise_sd[k] = sqrt(n2);
            for (size_t c0 = 0; c0 < ncell; c0++)
                m->field_sd[(size_t)k * ncell + c0] =
                    (float)fmin(sqrt(ge_cal_variance(&c, feat + c0 * GE_CAL_F)), FLT_MAX);
            continue;
        }
        double c2 = gg[k] > 0 ? (rr[k] - nn[k] * s2) / gg[k] : 0;
        if (!(c2 > 0)) /* held-out errors no larger than the noise: the model's own */
            c2 = s2;
        m->noise_sd[k] = sqrt(s2);
        for (size_t c0 = 0; c0 < ncell; c0++)
            m->field_sd[(size_t)k * ncell + c0] = (float)sqrt(c2 * cvk[c0]);
    }
    rc = 0;
done:
    if (rc) {
        free(m->noise_sd);
        free(m->field_sd);
        m->noise_sd = NULL;
        m->field_sd = NULL;
    }
    for (int k = 0; cal && k < O; k++)
        ge_cal_data_free(&cal[k]);
    free(cal);
    free(cv);
    free(sv);
    free(res);
    free(tmp);
    free(feat);
    free(all);
    return rc;
}

/* Fields f[O][cells] stored as the model, through scratch F[cells][O]. */
static int store_fields(ge_model *m, const double *f, double *F, ge_error *err)
{
    const size_t ncell = (size_t)m->s.W * m->s.H;
    for (size_t c = 0; c < ncell; c++)
        for (int k = 0; k < m->s.O; k++)
            F[c * m->s.O + k] = f[(size_t)k * ncell + c];
    return ge_model_set_field(m, F, err);
}

/* Fields f[O][span cells] stored as the part m of the model (ge_model_set_field
 * on a part): each row of its embedding, halo included, from its span. */
static void store_part_fields(ge_model *m, const field_rows *fr, const double *f)
{
    const int O = m->s.O, N = m->s.N, W = m->s.W, p0 = m->s.p0 > 0 ? m->s.p0 : 0;
    const size_t H = (size_t)m->s.H;
    memset(m->params, 0, m->n_params * sizeof *m->params);
    for (int k = 0; k < m->rows + 2 * p0; k++) {
        int w = m->row0 - p0 + k;
        w = ge_wrap_x(m) ? (w % W + W) % W : w < 0 ? 0 : w >= W ? W - 1 : w;
        const size_t at = (size_t)ge_part_row(&m->s, fr->g0, fr->gn, w) * H;
        for (size_t h = 0; h < H; h++)
            for (int o = 0; o < O; o++)
                m->E[((size_t)k * H + h) * N + o] = f[(size_t)o * fr->cells + at + h];
    }
    for (int o = 0; o < O; o++)
        m->K[(((size_t)o * N + o) * m->KW + m->s.p0) * m->KH + m->s.p1] = 1.0;
}

/* The penalty's terms anchored in a process's rows, on fields of its span. */
typedef struct {
    const ge_model *m;
    const field_rows *fr;
    const double *f;
    double energy;
} span_energy;

static void add_term_energy(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    span_energy *e = ctx;
    for (int o = 0; o < e->m->s.O; o++) {
        const double *fo = e->f + (size_t)o * e->fr->cells;
        double t = 0;
        for (int k = 0; k < n; k++)
            t += v[k] * fo[span_cell(e->m, e->fr, idx[k])];
        e->energy += c * t * t;
    }
}

/* The training loss and objective of a striped fit (what ge_data_loss and
 * ge_curvature give on the whole model): the squared errors of the samples
 * in this process's rows and the penalty anchored there, added over the
 * processes. */
static void striped_losses(const ge_model *m, const field_rows *fr, const double *f,
                           const double *xy, const double *ys, size_t M, const ge_learn_opts *o,
                           double smooth, ge_learn_result *r)
{
    const int O = m->s.O;
    double part[3] = {0, 0, 0}; /* loss sum, values, penalty energy */
    for (size_t i = 0; i < M; i++)
        for (int k = 0; k < O; k++) {
            double v = readout_at(m, fr, xy, i, f + (size_t)k * fr->cells) - ys[i * O + k];
            if (!isnan(v)) { /* not this process's, or missing */
                part[0] += ge_loss_value(&o->train.loss, v);
                part[1]++;
            }
        }
    span_energy e = {m, fr, f, 0};
    if (smooth > 0)
        ge_penalty_terms_block(m->s.W, m->s.H, ge_wrap_x(m), ge_wrap_y(m), NULL, fr->row0,
                               fr->row0 + fr->rows, 0, m->s.H, add_term_energy, &e);
    part[2] = e.energy;
    backend_sum(o->backend, part, 3);
    r->train_loss = part[1] > 0 ? part[0] / part[1] : NAN;
    r->objective = r->train_loss +
                   smooth * ge_curvature_scale(m) / ((double)m->s.W * m->s.H * O) * part[2];
}

/* The exact fit through a backend (learn.h): its fields, stored as the model
 * (a part of it where the backend holds rows, with its losses in r). */
static int backend_fit(ge_model *m, const double *xy, const double *ys, size_t M,
                       const ge_learn_opts *o, ge_learn_result *r, ge_error *err)
{
    const field_rows fr = backend_rows(o->backend, &m->s);
    const int O = m->s.O;
    double *f = malloc(fr.cells * (size_t)O * sizeof *f);
    double *F = fr.striped ? NULL : malloc(fr.cells * (size_t)O * sizeof *F);
    int rc = -1;
    if (!f || (!fr.striped && !F)) {
        ge_fail(err, "out of memory for the fields of a %dx%d grid", m->s.W, m->s.H);
        goto done;
    }
    if (o->progress)
        o->progress(o->ctx, "solving", 0, 1);
    if (o->backend->fields(o->backend->ctx, m, xy, ys, o->weights, M, NULL, M, o->train.smooth,
                           f, err))
        goto done;
    if (fr.striped) {
        store_part_fields(m, &fr, f);
        striped_losses(m, &fr, f, xy, ys, M, o, o->train.smooth, r);
    } else if (store_fields(m, f, F, err)) {
        goto done;
    }
    if (o->progress)
        o->progress(o->ctx, "solving", 1, 1);
    rc = 0;
done:
    free(f);
    free(F);
    return rc;
}

/* How many sets of variances unit_variances makes for targets ys[M][O]: a
 * run of targets without a missing value shares one. */
static int variance_sets(const double *ys, size_t M, int O)
{
    int sets = 0, shared = 0;
    for (int k = 0; k < O; k++) {
        int full = 1;
        for (size_t i = 0; i < M && full; i++)
            full = !isnan(ys[i * O + k]);
        sets += !(full && shared);
        shared = full;
    }
    return sets;
}

/* The solves of exact_fit for its progress: the fields, the draws of their
 * variances, and each held-out fold's fields and draws (spread). A fold
 * whose training samples miss no value of a target that the whole data
 * misses may share one set more: the count is then an upper bound. */
static long solves_after_search(const double *ys, size_t M, int O, const ge_learn_opts *o)
{
    if (o->draws <= 0)
        return O;
    const long sets = variance_sets(ys, M, O);
    const long few = o->draws < HELD_OUT_DRAWS ? o->draws : HELD_OUT_DRAWS;
    return O + sets * o->draws + held_out_jobs(M, o) * (O + sets * few);
}

/* interrupts_at: the count of interruptions that do not stop the solve
 * (ge_learn_opts.interrupts). */
static int exact_fit(ge_model *m, const double *xy, const double *ys, size_t M,
                     const ge_learn_opts *o, ge_learn_result *r, solver_pool *pool,
                     sig_atomic_t interrupts_at, ge_error *err)
{
    if (o->backend)
        return backend_fit(m, xy, ys, M, o, r, err);
    const size_t ncell = (size_t)m->s.W * m->s.H;
    const int O = m->s.O;
    ge_solver *s = pool_take(pool, 0, m, xy, M, o, err);
    double *f = malloc(ncell * (size_t)O * sizeof *f), *F = malloc(ncell * (size_t)O * sizeof *F);
    double *d = malloc((M ? M : 1) * sizeof *d), *rhs = malloc(ncell * sizeof *rhs);
    solve_meter meter = {o, 0, solves_after_search(ys, M, O, o), interrupts_at};
    int rc = -1;
    if (!s)
        goto done;
    if (!f || !F || !d || !rhs) {
        ge_fail(err, "out of memory for the solve of a %dx%d grid", m->s.W, m->s.H);
        goto done;
    }
    ge_solver_on_interrupt(s, meter_interrupted, &meter);
    if (o->progress)
        o->progress(o->ctx, "solving", 0, meter.total);
    design X = {o->z, o->z ? o->nz : 0, m->coef};
    fit_job job = {s, pool, ys, M, O, o, &X, f, d, rhs, r, &meter};
    /* with the uncertainty, the fit is made inside the spread's parallel
     * section (held_out) */
    if (o->draws > 0 ? spread(m, s, pool, xy, ys, M, o, &X, &job, f, d, err)
                     : run_fit(&job, err))
        goto done;
    if (store_fields(m, f, F, err))
        goto done;
    if (o->progress)
        o->progress(o->ctx, "solving", meter.total, meter.total);
    rc = 0;
done:
    if (s)
        ge_solver_on_interrupt(s, NULL, NULL);
    /* a factorisation runs to its end: an interruption during the last one
     * is seen here */
    if (meter_interrupted(&meter)) {
        r->interrupted = 1;
        rc = ge_fail(err, "interrupted");
    }
    pool_give(pool, 0, s);
    free(f);
    free(F);
    free(d);
    free(rhs);
    return rc;
}

/* Moves a seeded random fraction of the rows to the end; returns how many. */
static size_t split_tail(double *xy, double *y, size_t n, int O, double frac, uint64_t seed)
{
    size_t nv = (size_t)floor(frac * (double)n);
    if (nv == 0 || nv >= n)
        return 0;
    ge_rng g;
    ge_rng_seed(&g, seed ^ 0x5eedfa11ULL);
    for (size_t i = n; i > n - nv; i--) { /* partial Fisher-Yates from the end */
        size_t j = (size_t)ge_rng_below(&g, i), t = i - 1;
        for (int c = 0; c < 2; c++) {
            double v = xy[2 * t + c];
            xy[2 * t + c] = xy[2 * j + c];
            xy[2 * j + c] = v;
        }
        for (int k = 0; k < O; k++) {
            double v = y[t * O + k];
            y[t * O + k] = y[j * O + k];
            y[j * O + k] = v;
        }
    }
    return nv;
}

/* The targets in the units they are fit in (log for a log transform), into
 * a new array; NULL with err when a value cannot be transformed. */
static double *transformed(const double *y, size_t M, int O, const unsigned char *tf,
                           const ge_learn_opts *o, ge_error *err)
{
    double *t = malloc((M ? M : 1) * (size_t)O * sizeof *t);
    if (!t) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < M; i++)
        for (int k = 0; k < O; k++) {
            double v = y[i * O + k];
            if (tf[k] == GE_TRANSFORM_LOG && !isnan(v)) {
                if (!(v > 0)) {
                    ge_fail(err, "sample %zu, target %d: %g is not positive, and the target "
                                 "is fit on its logarithm (--transform log)",
                            sample_number(o, i), k + 1, v);
                    free(t);
                    return NULL;
                }
                v = log(v);
            }
            t[i * O + k] = v;
        }
    return t;
}

/* The model m (a copy of --init's) in the standardisation of the data y:
 * each output's kernel, bias, covariate coefficients and spread re-expressed
 * so that its predictions stay what they were (out' = a out + c). Kept in
 * the old units, data far from the old model's (a mean of 5000 after one of
 * 0) were standardised values of thousands that the optimiser could not
 * reach (RMSE 338 against 0.74 from scratch, exit 0). The same data give
 * the same standardisation: a = 1, c = 0, the parameters unchanged. */
static int restandardise(ge_model *m, const double *y, const double *w, size_t M, ge_error *err)
{
    const int O = m->s.O;
    double mean[GE_MAX_OUTPUTS], sd[GE_MAX_OUTPUTS];
    if (ge_standardize_weighted(y, w, M, O, mean, sd, err))
        return -1;
    const size_t per = m->n_kernel / (size_t)O, ncell = (size_t)m->s.W * m->s.H;
    double *K = m->params + m->n_emb, *b = K + m->n_kernel;
    for (int o = 0; o < O; o++) {
        const double a = m->y_std[o] / sd[o], c = (m->y_mean[o] - mean[o]) / sd[o];
        if (a == 1 && c == 0)
            continue;
        for (size_t j = 0; j < per; j++)
            K[(size_t)o * per + j] *= a;
        b[o] = a * b[o] + c;
        for (int j = 0; m->coef && j < m->cov.ncoef; j++)
            m->coef[(size_t)o * m->cov.ncoef + j] *= a;
        if (m->noise_sd)
            m->noise_sd[o] *= a;
        for (size_t j = 0; m->field_sd && j < ncell; j++)
            m->field_sd[(size_t)o * ncell + j] = (float)(a * m->field_sd[(size_t)o * ncell + j]);
        m->y_mean[o] = mean[o];
        m->y_std[o] = sd[o];
    }
    return 0;
}

int ge_learn(const ge_shape *shape, const double *xy_in, const double *y_in, size_t M,
             const ge_learn_opts *o, ge_model *m, ge_learn_result *r, ge_error *err)
{
    memset(m, 0, sizeof *m);
    memset(r, 0, sizeof *r);
    r->fit.valid_loss = r->fit.train_loss = NAN;
    r->cv_loss = NAN;
    const int O = o->init ? o->init->s.O : shape->O;
    double *xy = malloc((M ? M : 1) * 2 * sizeof *xy), *ys = malloc((M ? M : 1) * O * sizeof *ys);
    const unsigned char *tf = o->init ? o->init->transform : o->transform;
    double *yt = NULL;
    const double *y = y_in;
    solver_pool pool = {{0}, {0}};
    int rc = -1;
    if (tf && !(y = yt = transformed(y_in, M, O, tf, o, err)))
        goto done;
    if (!xy || !ys) {
        ge_fail(err, "out of memory");
        goto done;
    }
    if ((o->total ? o->total : M) == 0) {
        ge_fail(err, "no samples to learn from");
        goto done;
    }
    if (o->total && (!o->backend || !o->backend->rows || !o->backend->max || !o->ids)) {
        ge_fail(err, "routed samples need a backend in stripes and their numbers");
        goto done;
    }
    if (o->backend && (o->method != GE_METHOD_EXACT || o->train.loss.kind != GE_LOSS_MSE ||
                       (o->z && o->nz > 0) || o->draws > 0)) {
        ge_fail(err, "the distributed solver fits the exact squared error only (no robust loss, "
                     "gradient training, covariates or uncertainty draws)");
        goto done;
    }
    if (o->init) {
        if (ge_model_copy(m, o->init, err) ||
            (o->standardize && restandardise(m, y, o->weights, M, err)))
            goto done;
    } else {
        const field_rows fr = backend_rows(o->backend, shape);
        if (fr.striped ? ge_model_init_part(m, shape, fr.row0, fr.rows, err)
                       : ge_model_init(m, shape, err))
            goto done;
        ge_model_init_params(m, o->train.seed);
        if (o->z && o->nz > 0) {
            if (o->method != GE_METHOD_EXACT || o->train.loss.kind != GE_LOSS_MSE) {
                ge_fail(err, "covariates need the exact solve with the squared error");
                goto done;
            }
            if (ge_covariates_copy(&m->cov, o->cov, err) ||
                !(m->coef = calloc((size_t)O * o->nz, sizeof *m->coef))) {
                ge_fail(err, "out of memory");
                goto done;
            }
        }
        if (tf) {
            if (!(m->transform = malloc((size_t)O))) {
                ge_fail(err, "out of memory");
                goto done;
            }
            memcpy(m->transform, tf, (size_t)O);
        }
        if (o->standardize &&
            standardize_over(o->total ? o->backend : NULL, y, o->weights, M, O, m->y_mean,
                             m->y_std, err))
            goto done;
    }
    memcpy(xy, xy_in, M * 2 * sizeof *xy);
    int unfit = 0;
    for (size_t i = 0; i < M && !unfit; i++)
        for (int k = 0; k < O && !unfit; k++) {
            ys[i * O + k] = (y[i * O + k] - m->y_mean[k]) / m->y_std[k];
            if (isnan(y[i * O + k])) /* missing: NaN, left out per target */
                continue;
            if (!isfinite(ys[i * O + k])) {
                ge_fail(err, "sample %zu, target %d: %g does not fit in standardised units",
                        sample_number(o, i), k + 1, y[i * O + k]);
                unfit = 1;
            }
        }
    if (o->total) { /* routed: every process stops where one cannot go on */
        double any = unfit;
        backend_sum(o->backend, &any, 1);
        if (any > 0 && !unfit)
            ge_fail(err, "the samples of another process do not fit in standardised units");
        unfit = any > 0;
    }
    if (unfit)
        goto done;
    ge_learn_opts eff = *o;
    /* the spacing once, for the spread's reach and the mask */
    const double nn = o->spacing > 0 || o->total
                          ? o->spacing
                          : ge_median_nn_distance_on(&m->s, xy_in, M, 20000, o->train.seed);
    eff.spacing = isfinite(nn) && nn > 0 ? nn : 0;
    /* an interruption stops the solve unless it stopped the search */
    sig_atomic_t interrupts_at = o->interrupts ? *o->interrupts : 0;
    if (o->smooth_auto) {
        if (choose_smooth(m, xy, ys, M, o, r, &pool, err))
            goto done;
        if (r->search_stopped && o->interrupts)
            interrupts_at = *o->interrupts;
        eff.train.smooth = r->smooth;
    }
    r->smooth = eff.train.smooth;
    ge_data all = {.M = M, .O = O, .xy = xy, .y = ys, .z = m->cov.P ? o->z : NULL};
    if (o->method == GE_METHOD_EXACT) {
        if (exact_fit(m, xy, ys, M, &eff, r, &pool, interrupts_at, err))
            goto done;
    } else {
        size_t nv = split_tail(xy, ys, M, O, o->validation, o->train.seed);
        if (o->validation > 0 && nv == 0) { /* it held out nothing, and --patience idled */
            ge_fail(err, "--validation %g of %zu samples holds out no sample: give a fraction "
                         "of at least %.2g",
                    o->validation, M, M > 1 ? 1.0 / (double)M : 1.0);
            goto done;
        }
        ge_data train = {.M = M - nv, .O = O, .xy = xy, .y = ys};
        ge_data valid = {.M = nv, .O = O, .xy = xy + 2 * (M - nv), .y = ys + (M - nv) * O};
        ge_fit_opts fo = o->fit;
        fo.valid = nv ? &valid : NULL;
        if (ge_fit(m, &train, &eff.train, &fo, &r->fit, err))
            goto done;
        all.M = M - nv;
        /* an --init model's spread described its own field, not the one
         * trained now (predict --std read the old model's 0.02 where this
         * one misses by 4): gradient training leaves none */
        free(m->noise_sd);
        free(m->field_sd);
        m->noise_sd = NULL;
        m->field_sd = NULL;
    }
    if (!m->part) { /* a part's are the backend's (striped_losses) */
        r->train_loss = ge_data_loss(m, &all, &o->train.loss);
        r->objective = r->train_loss;
    }
    if (eff.train.smooth > 0 && !m->part) {
        double *Kt = malloc(m->n_kernel * sizeof *Kt);
        double *F = malloc((size_t)m->s.W * m->s.H * O * sizeof *F);
        if (Kt && F) {
            ge_kernel_transpose(m, Kt);
            ge_field(m, Kt, F);
            r->objective += ge_curvature(m, F, eff.train.smooth * ge_curvature_scale(m), NULL);
        }
        free(Kt);
        free(F);
    }
    /* where the data is, for the rule that leaves far predictions empty */
    if (m->part ? o->backend->coverage(o->backend->ctx, m, xy_in, o->ids, M, err)
                : ge_model_coverage(m, xy_in, M, err))
        goto done;
    m->mask_distance = isfinite(nn) && nn > 0 ? MASK_SPACINGS * nn : 0;
    if (!isfinite(r->train_loss)) {
        ge_fail(err, "the fit gave a non-finite loss (%g); the model is not usable",
                r->train_loss);
        goto done;
    }
    rc = 0;
done:
    pool_free(&pool);
    free(xy);
    free(ys);
    free(yt);
    if (rc)
        ge_model_free(m);
    return rc;
}
