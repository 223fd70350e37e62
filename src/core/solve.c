/* The default model's normal equations, factorised with CHOLMOD (see solve.h).
 *
 * The matrix is stored as its upper triangle in compressed columns, with the
 * pattern of the 13-point thin-plate stencil (which holds every pair of cells a
 * bilinear read-out couples), so that the symbolic analysis is done once for
 * the grid and every data term and penalty only refills the values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <suitesparse/cholmod.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/curvature.h"
#include "geoembed/rng.h"
#include "geoembed/solve.h"
#include "huge_pages.h"
#include "multigrid.h"
#include "serial.h"

/* The conjugate gradients' relative residual: the field's solve (about the
 * Cholesky solve's own rounding, relative to the data), and a draw of the
 * posterior spread (a variance estimate from a few dozen draws is good to
 * 15% at best; 1e-3 moved the variances of 16 draws on 400x400 cells by
 * 0.11% against 1e-4, in 20% less time). */
#define CG_TOL 1e-10
#define CG_TOL_DRAW 1e-3
/* Columns whose last solution starts the next solve of the same column. */
#define WARM_COLUMNS 64

struct ge_solver {
    int W, H, wx, wy;
    size_t ncell;
    double scale; /* lambda -> lambda' (per unit of data weight) */
    cholmod_common c;
    cholmod_sparse *S; /* upper triangle; x = a + mu q (+ ridge on the diagonal) */
    cholmod_factor *L;
    double *q, *a;   /* values of Q and of A'DA, aligned with S->x */
    size_t *diag;    /* position of each diagonal entry in S->x */
    double dsum;     /* sum of the data weights */
    double mu;       /* the penalty's weight in the last factorisation */
    double ridge;
    size_t M;
    size_t (*cell)[4]; /* read-out cells and weights of each sample */
    double (*wgt)[4];
    /* the multigrid path: its solver, and the last solution of each column
     * (warm starts) */
    ge_mg *mg;
    double *warm[WARM_COLUMNS];
    double tol; /* the field's relative residual (CG_TOL unless set) */
    /* the data term as last set (samples and weights): setting the same
     * again keeps it, the multigrid's levels' data rows (their Galerkin
     * products are most of a setup; the penalty search sets one fold per
     * candidate) and a factorisation at the same penalty (the fit's fields
     * and then their variances factorise the same system) */
    size_t *last_idx, last_n;
    double *last_d, last_norm;
    int have_last;
    /* The factor's solves: the results of a chain of systems and CHOLMOD's
     * workspaces, kept between solves of the same width (a fresh block of
     * this size is page faults, dear in a virtual machine: the first batch
     * of 16 draws took 35 ms where the next took 9). */
    cholmod_dense *sol[2], *ws_y, *ws_e;
    int factored; /* the factor (or the levels) is that of the data term and mu */
    void (*drawn)(void *ctx, int draws); /* ge_solver_on_draws */
    void *drawn_ctx;
    int (*stop)(void *ctx); /* ge_solver_on_interrupt */
    void *stop_ctx;
};

int ge_solver_uses_multigrid(ge_solver_kind kind, int W, int H)
{
    return kind == GE_SOLVER_MULTIGRID ||
           (kind == GE_SOLVER_AUTO && (double)W * H > GE_MULTIGRID_CELLS);
}

/* Position of entry (i, j), i <= j, in the upper-triangular pattern. */
static size_t at(const cholmod_sparse *S, size_t i, size_t j)
{
    const int *p = S->p, *r = S->i;
    for (int k = p[j]; k < p[j + 1]; k++)
        if ((size_t)r[k] == i)
            return (size_t)k;
    abort(); /* the stencil holds every pair by construction */
}

/* Adds c * (sum_k v_k f_{idx_k})^2 to the quadratic form with values x. */
static void add_square(const cholmod_sparse *S, double *x, const size_t *idx, const double *v,
                       int n, double c)
{
    for (int k = 0; k < n; k++)
        for (int l = 0; l < n; l++)
            if (idx[k] <= idx[l])
                x[at(S, idx[k], idx[l])] += c * v[k] * v[l];
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The pattern: for each cell the cells within the 13-point stencil (wrapped
 * where the axis wraps) with an index no larger, sorted, without repeats. */
static cholmod_sparse *stencil_pattern(ge_solver *s)
{
    static const int off[13][2] = {{0, 0},  {1, 0},  {-1, 0}, {0, 1},  {0, -1},
                                   {2, 0},  {-2, 0}, {0, 2},  {0, -2}, {1, 1},
                                   {1, -1}, {-1, 1}, {-1, -1}};
    size_t n = s->ncell;
    cholmod_sparse *S = cholmod_allocate_sparse(n, n, n * 13, 1, 1, 1, CHOLMOD_REAL, &s->c);
    if (!S)
        return NULL;
    int *p = S->p, *r = S->i, nz = 0;
    for (int w = 0; w < s->W; w++)
        for (int h = 0; h < s->H; h++) {
            int j = w * s->H + h, rows[13], nr = 0;
            p[j] = nz;
            for (int k = 0; k < 13; k++) {
                int ww = ge_axis_step(w, off[k][0], s->W, s->wx);
                int hh = ge_axis_step(h, off[k][1], s->H, s->wy);
                if (ww < 0 || hh < 0)
                    continue;
                int i = ww * s->H + hh;
                if (i <= j)
                    rows[nr++] = i;
            }
            qsort(rows, (size_t)nr, sizeof *rows, cmp_int);
            for (int k = 0; k < nr; k++)
                if (k == 0 || rows[k] != rows[k - 1])
                    r[nz++] = rows[k];
        }
    p[n] = nz;
    return S;
}

/* The terms of ge_curvature (curvature.c): Q = sum over terms of c v v',
 * each term a second difference v over n cells with weight c. */
static void penalty_terms(const ge_solver *s, ge_penalty_term fn, void *ctx)
{
    ge_penalty_terms(s->W, s->H, s->wx, s->wy, NULL, fn, ctx);
}

static void add_penalty_square(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    ge_solver *s = ctx;
    add_square(s->S, s->q, idx, v, n, c);
}

static void fill_penalty(ge_solver *s) { penalty_terms(s, add_penalty_square, s); }

double ge_solver_base_bytes(int W, int H, size_t M)
{
    /* pattern (7 entries a column: index + 3 value arrays), columns, diagonal
     * positions, the read-out of each sample and its last data weight, and a
     * few vectors of cells */
    double n = (double)W * H;
    return n * 7 * (4 + 3 * 8) + n * (4 + 8 + 4 * 8) + (double)M * (4 * 16 + 16);
}

void ge_exact_readout(const ge_model *m, double x, double y, size_t cell[4], double wgt[4])
{
    const int W = m->s.W, H = m->s.H;
    size_t c[4];
    double g[4];
    int k = ge_readout_weights(m, x, y, c, g);
    if (k == 0) { /* a cell read-out past a clamped edge reads the edge cell */
        int64_t w, h;
        ge_model_cell(m, x, y, &w, &h);
        w = w < 0 ? 0 : (w >= W ? W - 1 : w);
        h = h < 0 ? 0 : (h >= H ? H - 1 : h);
        c[0] = (size_t)w * H + (size_t)h;
        g[0] = 1.0;
    }
    for (int j = 0; j < 4; j++) {
        cell[j] = k == 4 ? c[j] : c[0];
        wgt[j] = k == 4 ? g[j] : (j == 0 ? g[0] : 0.0);
    }
}

ge_solver *ge_solver_new(const ge_model *m, const double *xy, size_t M, ge_error *err)
{
    return ge_solver_new_kind(m, xy, M, GE_SOLVER_AUTO, err);
}

ge_solver *ge_solver_new_kind(const ge_model *m, const double *xy, size_t M, ge_solver_kind kind,
                              ge_error *err)
{
    ge_solver *s = calloc(1, sizeof *s);
    if (!s) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    s->W = m->s.W;
    s->H = m->s.H;
    s->wx = ge_wrap_x(m);
    s->wy = ge_wrap_y(m);
    s->ncell = (size_t)s->W * s->H;
    s->scale = ge_curvature_scale(m) / (double)s->ncell;
    s->M = M;
    s->tol = CG_TOL;
    ge_huge_pages_for_cholmod();
    cholmod_start(&s->c);
    s->c.print = 0;      /* the library never prints: failures come back as status */
    s->c.error_handler = NULL;
    s->c.quick_return_if_not_posdef = 1;
    /* AMD rather than a nested dissection of the grid (METIS's or the grid's
     * own halves and two-cell separators, which this file had): on the
     * default fit's grids of 162x163 to 600x600 cells its factor had 5-29%
     * fewer entries than the grid's own and factorised 1.4-2.5x faster
     * (teams_of_one.c in place), in a tenth of METIS's ordering time or
     * less (15 against 153 ms at 162x163, 87 against 1342 ms at 440x440). */
    s->c.nmethods = 1;
    s->c.method[0].ordering = CHOLMOD_AMD;
    s->c.postorder = 1;
    /* Supernodes relaxed to 16, 32 and 64 columns (CHOLMOD's default 4, 16,
     * 48): with the AMD order a 440x440-cell factorisation and solve took
     * 0.76-0.83 s (0.73-0.82 s at the default, 1.1-1.4 s at 32, 64, 128),
     * the soil fit of bench/fit 0.81-0.83 s (0.85-0.88 s, 0.85-0.89 s). */
    s->c.nrelax[0] = 16;
    s->c.nrelax[1] = 32;
    s->c.nrelax[2] = 64;
    s->cell = ge_ready_malloc((M ? M : 1) * sizeof *s->cell);
    s->wgt = ge_ready_malloc((M ? M : 1) * sizeof *s->wgt);
    int ok = s->cell && s->wgt;
    if (ok && ge_solver_uses_multigrid(kind, s->W, s->H)) {
        s->mg = ge_mg_new(s->W, s->H, s->wx, s->wy);
        ok = s->mg != NULL;
    } else if (ok) {
        s->S = stencil_pattern(s);
        size_t nz = s->S ? (size_t)((int *)s->S->p)[s->ncell] : 0;
        s->q = ge_ready_calloc(nz ? nz : 1, sizeof *s->q);
        s->a = ge_ready_calloc(nz ? nz : 1, sizeof *s->a);
        s->diag = malloc(s->ncell * sizeof *s->diag);
        ok = s->S && s->q && s->a && s->diag;
        for (size_t j = 0; ok && j < s->ncell; j++)
            s->diag[j] = at(s->S, j, j);
        if (ok)
            fill_penalty(s);
    }
    if (!ok) {
        ge_fail(err, "out of memory for the solver of a %dx%d grid", s->W, s->H);
        ge_solver_free(s);
        return NULL;
    }
    for (size_t i = 0; i < M; i++)
        ge_exact_readout(m, xy[2 * i], xy[2 * i + 1], s->cell[i], s->wgt[i]);
    return s;
}

void ge_solver_free(ge_solver *s)
{
    if (!s)
        return;
    if (s->L)
        cholmod_free_factor(&s->L, &s->c);
    for (int k = 0; k < 2; k++)
        cholmod_free_dense(&s->sol[k], &s->c);
    cholmod_free_dense(&s->ws_y, &s->c);
    cholmod_free_dense(&s->ws_e, &s->c);
    if (s->S)
        cholmod_free_sparse(&s->S, &s->c);
    cholmod_finish(&s->c);
    free(s->q);
    free(s->a);
    free(s->diag);
    free(s->cell);
    free(s->wgt);
    ge_mg_free(s->mg);
    for (int k = 0; k < WARM_COLUMNS; k++)
        free(s->warm[k]);
    free(s->last_idx);
    free(s->last_d);
    free(s);
}

void ge_solver_set_tolerance(ge_solver *s, double rtol) { s->tol = rtol > 0 ? rtol : CG_TOL; }

int ge_solver_warm_start(ge_solver *s, const double *f, int ncol, ge_error *err)
{
    for (int k = 0; s->mg && k < ncol && k < WARM_COLUMNS; k++) {
        if (!s->warm[k] && !(s->warm[k] = malloc(s->ncell * sizeof *s->warm[k])))
            return ge_fail(err, "out of memory");
        memcpy(s->warm[k], f + (size_t)k * s->ncell, s->ncell * sizeof *f);
    }
    return 0;
}

/* Adds c * (sum_k v_k f_{idx_k})^2 to multigrid rows a. */
static void add_square_rows(const ge_solver *s, double *a, const size_t *idx, const double *v,
                            int n, double c)
{
    for (int k = 0; k < n; k++)
        for (int l = 0; l < n; l++)
            ge_mg_add(s->mg, a, idx[k], idx[l], c * v[k] * v[l]);
}

/* Whether samples idx[0..n) with weights d and norm are the multigrid's
 * data term already; else remembers them (when memory allows). */
static int same_data(ge_solver *s, const size_t *idx, size_t n, const double *d, double norm)
{
    if (!idx)
        n = s->M;
    int same = s->have_last && n == s->last_n && norm == s->last_norm;
    for (size_t k = 0; same && k < n; k++)
        same = (idx ? idx[k] : k) == s->last_idx[k] &&
               !memcmp(d ? &d[k] : &(double){1.0}, &s->last_d[k], sizeof *d);
    if (same)
        return 1;
    s->have_last = 0;
    if (!s->last_idx) {
        s->last_idx = malloc((s->M ? s->M : 1) * sizeof *s->last_idx);
        s->last_d = malloc((s->M ? s->M : 1) * sizeof *s->last_d);
    }
    if (s->last_idx && s->last_d && n <= s->M) {
        for (size_t k = 0; k < n; k++) {
            s->last_idx[k] = idx ? idx[k] : k;
            s->last_d[k] = d ? d[k] : 1.0;
        }
        s->last_n = n;
        s->last_norm = norm;
        s->have_last = 1;
    }
    return 0;
}

void ge_solver_set_data(ge_solver *s, const size_t *idx, size_t n, const double *d,
                        double norm)
{
    if (same_data(s, idx, n, d, norm))
        return;
    s->factored = 0;
    double *rows = s->mg ? ge_mg_data(s->mg) : NULL;
    if (rows)
        memset(rows, 0, s->ncell * GE_MG_BOX * sizeof *rows);
    else
        memset(s->a, 0, (size_t)((int *)s->S->p)[s->ncell] * sizeof *s->a);
    if (!idx)
        n = s->M;
    s->dsum = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        double dk = d ? d[k] : 1.0;
        if (dk == 0)
            continue;
        s->dsum += dk;
        if (rows)
            add_square_rows(s, rows, s->cell[i], s->wgt[i], 4, dk);
        else
            add_square(s->S, s->a, s->cell[i], s->wgt[i], 4, dk);
    }
    if (norm > 0)
        s->dsum = norm;
}

static int factor(ge_solver *s, double lambda, ge_error *err);

/* The symbolic factorisation (in the order of the settings above). */
static cholmod_factor *analyse(ge_solver *s) { return cholmod_analyze(s->S, &s->c); }

int ge_solver_factor(ge_solver *s, double lambda, ge_error *err)
{
    /* the multigrid's setup is parallel over the columns (its coarsest
     * factor has at most 4096 cells) */
    if (s->mg)
        return factor(s, lambda, err);
    serial_state st = serial_begin();
    int rc = factor(s, lambda, err);
    serial_end(st);
    return rc;
}

/* The multigrid path of factor: the levels' operators, with a ridge as
 * factor adds it when the coarsest level is not positive definite. */
static int factor_multigrid(ge_solver *s, double mu, ge_error *err)
{
    s->ridge = 0;
    double dmax = -1;
    for (double r = 1e-12; ; r *= 100) {
        int rc = ge_mg_setup(s->mg, mu, s->ridge, err);
        if (rc <= 0)
            return rc;
        if (dmax < 0)
            dmax = ge_mg_diagonal_max(s->mg);
        if (r > 1e-4 || !(dmax > 0))
            return ge_fail(err, "the normal equations are singular (no samples, or lambda 0 "
                                "with no data to fix the field)");
        s->ridge = r * dmax;
    }
}

static int factor_cholesky(ge_solver *s, double mu, ge_error *err);

static int factor(ge_solver *s, double lambda, ge_error *err)
{
    const double mu = lambda * s->scale * s->dsum;
    if (s->factored && mu == s->mu)
        return 0;
    s->mu = mu;
    int rc = s->mg ? factor_multigrid(s, mu, err) : factor_cholesky(s, mu, err);
    s->factored = rc == 0;
    return rc;
}

/* Whether every pivot of the factor is positive: D of a simplicial LDL'
 * (its column's first entry); an LL' factor has failed on any other. */
static int positive_pivots(const cholmod_factor *L)
{
    if (L->is_ll || L->is_super)
        return 1;
    const int *Lp = L->p;
    const double *Lx = L->x;
    for (size_t j = 0; j < L->n; j++)
        if (!(Lx[Lp[j]] > 0))
            return 0;
    return 1;
}

static int factor_cholesky(ge_solver *s, double mu, ge_error *err)
{
    size_t nz = (size_t)((int *)s->S->p)[s->ncell];
    double *x = s->S->x;
    double dmax = 0;
    for (size_t k = 0; k < nz; k++)
        x[k] = s->a[k] + mu * s->q[k];
    for (size_t j = 0; j < s->ncell; j++)
        dmax = fmax(dmax, x[s->diag[j]]);
    if (!s->L) {
        s->L = analyse(s);
        if (!s->L)
            return ge_fail(err, "sparse Cholesky analysis of the %dx%d grid failed (%s)", s->W,
                           s->H, s->c.status == CHOLMOD_OUT_OF_MEMORY ? "out of memory"
                                 : s->c.status == CHOLMOD_TOO_LARGE  ? "problem too large"
                                                                     : "CHOLMOD error");
    }
    /* A ridge only when the system is singular: the smallest of 1e-12, 1e-10,
     * ... times the largest diagonal entry that makes it positive definite. */
    s->ridge = 0;
    for (double r = 1e-12; ; r *= 100) {
        if (!cholmod_factorize(s->S, s->L, &s->c))
            return ge_fail(err, "sparse Cholesky factorisation failed (%s)",
                           s->c.status == CHOLMOD_OUT_OF_MEMORY ? "out of memory"
                                                                : "CHOLMOD error");
        /* Singular in exact arithmetic often factors with tiny pivots instead
         * of failing: a reciprocal condition below 1e-14 counts as singular,
         * and so does a pivot that is not positive (a simplicial LDL' factor
         * goes on through one: samples on a line leave the tilt across it
         * free, a pivot came out -3e-11, and the draws' square roots of D
         * made every cell's spread NaN, a model file its reader refused). */
        if (s->c.status != CHOLMOD_NOT_POSDEF && positive_pivots(s->L) &&
            cholmod_rcond(s->L, &s->c) > 1e-14)
            return 0;
        if (r > 1e-4 || !(dmax > 0))
            return ge_fail(err, "the normal equations are singular (no samples, or lambda 0 "
                                "with no data to fix the field)");
        s->ridge = r * dmax;
        for (size_t j = 0; j < s->ncell; j++)
            x[s->diag[j]] = s->a[s->diag[j]] + mu * s->q[s->diag[j]] + s->ridge;
    }
}

double ge_solver_ridge(const ge_solver *s) { return s->ridge; }

void ge_solver_rhs(const ge_solver *s, const size_t *idx, size_t n, const double *d,
                   const double *y, int O, int o, double *rhs)
{
    memset(rhs, 0, s->ncell * sizeof *rhs);
    if (!idx)
        n = s->M;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        double dk = d ? d[k] : 1.0;
        if (dk == 0) /* left out (a missing value may be NaN) */
            continue;
        double dy = dk * y[i * (size_t)O + o];
        for (int j = 0; j < 4; j++)
            rhs[s->cell[i][j]] += s->wgt[i][j] * dy;
    }
}

/* Conjugate gradients on blocks of columns (solved as each alone would
 * be, see multigrid.h); warm: start each column from its last solution
 * (else from 0) and keep the new one. */
static int solve_multigrid(ge_solver *s, const double *rhs, int nrhs, double *f, int warm,
                           double tol, ge_error *err)
{
    const size_t n = s->ncell;
    const int width = ge_mg_block_width(s->W, s->H);
    double *b = malloc(n * (size_t)width * sizeof *b), *x = malloc(n * (size_t)width * sizeof *x);
    int rc = b && x ? 0 : ge_fail(err, "out of memory");
    for (int k0 = 0; k0 < nrhs && !rc; k0 += width) {
        const int nr = nrhs - k0 < width ? nrhs - k0 : width;
        for (int q = 0; q < nr; q++) {
            const int k = k0 + q;
            const double *from = warm && k < WARM_COLUMNS ? s->warm[k] : NULL;
            for (size_t i = 0; i < n; i++) {
                b[i * nr + q] = rhs[(size_t)k * n + i];
                x[i * nr + q] = from ? from[i] : 0;
            }
        }
        int it = 0;
        rc = ge_mg_solve_block(s->mg, nr, b, x, tol, &it, err);
        for (int q = 0; q < nr && !rc; q++) {
            const int k = k0 + q;
            double *to = f + (size_t)k * n, **last = warm && k < WARM_COLUMNS ? &s->warm[k] : NULL;
            for (size_t i = 0; i < n; i++)
                to[i] = x[i * nr + q];
            if (last && (*last || (*last = malloc(n * sizeof **last))))
                memcpy(*last, to, n * sizeof *to);
        }
    }
    free(b);
    free(x);
    return rc;
}

/* f = the systems sys[0..nsys) (at most 2: CHOLMOD_A, _Lt, _Pt, ...) of the
 * factor applied in turn to the columns rhs[nrhs][cells], through the
 * solver's kept results and workspaces (CHOLMOD reallocates those of
 * another width). */
static int factor_systems(ge_solver *s, const int *sys, int nsys, const double *rhs, int nrhs,
                          double *f, ge_error *err)
{
    cholmod_dense B = {.nrow = s->ncell, .ncol = (size_t)nrhs, .nzmax = s->ncell * nrhs,
                       .d = s->ncell, .x = (void *)rhs, .xtype = CHOLMOD_REAL,
                       .dtype = CHOLMOD_DOUBLE};
    cholmod_dense *X = &B;
    int ok = 1;
    serial_state st = serial_begin();
    for (int k = 0; k < nsys && ok; k++) {
        ok = cholmod_solve2(sys[k], s->L, X, NULL, &s->sol[k], NULL, &s->ws_y, &s->ws_e, &s->c);
        X = s->sol[k];
    }
    serial_end(st);
    if (!ok)
        return ge_fail(err, "sparse Cholesky solve failed (%s)",
                       s->c.status == CHOLMOD_OUT_OF_MEMORY ? "out of memory" : "CHOLMOD error");
    memcpy(f, X->x, s->ncell * (size_t)nrhs * sizeof *f);
    return 0;
}

int ge_solver_solve(ge_solver *s, const double *rhs, int nrhs, double *f, ge_error *err)
{
    if (s->mg)
        return solve_multigrid(s, rhs, nrhs, f, 1, s->tol, err);
    return factor_systems(s, (const int[]){CHOLMOD_A}, 1, rhs, nrhs, f, err);
}

/* ---- posterior variances by draws ---- */

/* Standard normal variates by Marsaglia's polar method: one logarithm and
 * no trigonometry for two variates (the draws need millions of them). */
typedef struct {
    ge_rng rng;
    double spare;
    int has_spare;
} normal_gen;

static void normal_seed(normal_gen *g, uint64_t seed)
{
    ge_rng_seed(&g->rng, seed);
    g->has_spare = 0;
}

static double normal(normal_gen *g)
{
    if (g->has_spare) {
        g->has_spare = 0;
        return g->spare;
    }
    double u, v, r2;
    do {
        u = 2.0 * ge_rng_uniform(&g->rng) - 1.0;
        v = 2.0 * ge_rng_uniform(&g->rng) - 1.0;
        r2 = u * u + v * v;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = sqrt(-2.0 * log(r2) / r2);
    g->spare = v * f;
    g->has_spare = 1;
    return u * f;
}

typedef struct {
    normal_gen *g;
    double *rhs, scale; /* sqrt(mu) */
} prior_draw;

static void add_prior_term(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    prior_draw *p = ctx;
    double z = p->scale * sqrt(c) * normal(p->g);
    for (int k = 0; k < n; k++)
        p->rhs[idx[k]] += z * v[k];
}

/* A right-hand side whose covariance is the system matrix H = A'DA + mu Q
 * (+ ridge): then H^-1 rhs is a draw of the posterior's spread, covariance
 * H^-1 (the square roots of the data term, the penalty's terms and the
 * ridge, each with its own normal variate). */
static void draw_rhs(const ge_solver *s, const size_t *idx, size_t n, const double *d,
                     normal_gen *g, double *rhs)
{
    memset(rhs, 0, s->ncell * sizeof *rhs);
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        double dk = d ? d[k] : 1.0;
        if (dk == 0)
            continue;
        double z = sqrt(dk) * normal(g);
        for (int j = 0; j < 4; j++)
            rhs[s->cell[i][j]] += s->wgt[i][j] * z;
    }
    prior_draw p = {g, rhs, sqrt(s->mu)};
    penalty_terms(s, add_prior_term, &p);
    if (s->ridge > 0)
        for (size_t j = 0; j < s->ncell; j++)
            rhs[j] += sqrt(s->ridge) * normal(g);
}

/* Draws x = P'L^-T z for the columns z[nrhs][cells] of standard normal
 * variates, into f (an LDL' factor: P'L^-T D^-1/2 z; z is overwritten). */
static int factor_draws(ge_solver *s, double *z, int nrhs, double *f, ge_error *err)
{
    if (!s->L->is_ll) { /* simplicial: D(j) leads column j */
        const int *Lp = s->L->p;
        const double *Lx = s->L->x;
        for (int k = 0; k < nrhs; k++)
            for (size_t j = 0; j < s->ncell; j++)
                z[(size_t)k * s->ncell + j] /= sqrt(Lx[Lp[j]]);
    }
    return factor_systems(s, (const int[]){CHOLMOD_Lt, CHOLMOD_Pt}, 2, z, nrhs, f, err);
}

int ge_solver_variances(ge_solver *s, const size_t *idx, size_t n, const double *d, int draws,
                        uint64_t seed, double *cell_var, const size_t *at, size_t nat,
                        double *at_var, ge_error *err)
{
    /* draws solved together: a multigrid block (its memory is counted), or
     * 16 for the factor */
    const int batch = s->mg ? ge_mg_block_width(s->W, s->H) : 16;
    /* a factor H = P'LL'P draws P'L^-T z (z standard normal): covariance
     * H^-1, with one triangular solve and one variate a cell (the data and
     * penalty terms' square roots for the multigrid, which has no factor) */
    const int by_factor = !s->mg && s->L && (s->L->is_ll || !s->L->is_super);
    if (!idx)
        n = s->M;
    double *rhs = ge_ready_malloc(s->ncell * (size_t)batch * sizeof *rhs);
    double *f = ge_ready_malloc(s->ncell * (size_t)batch * sizeof *f);
    if (!rhs || !f) {
        free(rhs);
        free(f);
        return ge_fail(err, "out of memory for the uncertainty of a %dx%d grid", s->W, s->H);
    }
    if (cell_var)
        memset(cell_var, 0, s->ncell * sizeof *cell_var);
    if (at_var)
        memset(at_var, 0, nat * sizeof *at_var);
    int rc = 0;
    for (int done = 0; done < draws && !rc; done += batch) {
        if (s->stop && s->stop(s->stop_ctx)) {
            rc = ge_fail(err, "interrupted");
            break;
        }
        int b = draws - done < batch ? draws - done : batch;
        /* each draw its own generator, seeded by its number: the right-hand
         * sides are made on the threads with the same values on any count */
#pragma omp parallel for schedule(dynamic, 1) if (b > 1 && (double)s->ncell * b > GE_PARALLEL_WORK)
        for (int k = 0; k < b; k++) {
            normal_gen g;
            normal_seed(&g, (seed ^ 0x5d0a11ULL) ^ ((uint64_t)(done + k) * 0xd1342543de82ef95ULL));
            if (by_factor)
                for (size_t j = 0; j < s->ncell; j++)
                    rhs[(size_t)k * s->ncell + j] = normal(&g);
            else
                draw_rhs(s, idx, n, d, &g, rhs + (size_t)k * s->ncell);
        }
        if ((rc = s->mg        ? solve_multigrid(s, rhs, b, f, 0, CG_TOL_DRAW, err)
                  : by_factor ? factor_draws(s, rhs, b, f, err)
                              : ge_solver_solve(s, rhs, b, f, err)))
            break;
        if (s->drawn)
            s->drawn(s->drawn_ctx, b);
        /* each place's sum in draw order, on the threads */
        const size_t nc = cell_var ? s->ncell : 0, na = at_var ? nat : 0;
#pragma omp parallel for schedule(static) if ((double)(nc + 4 * na) * b > GE_PARALLEL_WORK)
        for (size_t j = 0; j < nc; j++)
            for (int k = 0; k < b; k++) {
                const double v = f[(size_t)k * s->ncell + j];
                cell_var[j] += v * v;
            }
#pragma omp parallel for schedule(static) if ((double)(nc + 4 * na) * b > GE_PARALLEL_WORK)
        for (size_t t = 0; t < na; t++)
            for (int k = 0; k < b; k++) {
                const double v = ge_solver_predict(s, at[t], f + (size_t)k * s->ncell);
                at_var[t] += v * v;
            }
    }
    for (size_t j = 0; cell_var && j < s->ncell; j++)
        cell_var[j] /= draws;
    for (size_t t = 0; at_var && t < nat; t++)
        at_var[t] /= draws;
    free(rhs);
    free(f);
    return rc;
}

void ge_solver_on_draws(ge_solver *s, void (*done)(void *ctx, int draws), void *ctx)
{
    s->drawn = done;
    s->drawn_ctx = ctx;
}

void ge_solver_on_interrupt(ge_solver *s, int (*stop)(void *ctx), void *ctx)
{
    s->stop = stop;
    s->stop_ctx = ctx;
    if (s->mg)
        ge_mg_on_interrupt(s->mg, stop, ctx);
}

size_t ge_solver_cells(const ge_solver *s) { return s->ncell; }

double ge_solver_scale(const ge_solver *s) { return s->scale; }

void ge_solver_readout(const ge_solver *s, size_t i, size_t cell[4], double w[4])
{
    memcpy(cell, s->cell[i], sizeof s->cell[i]);
    memcpy(w, s->wgt[i], sizeof s->wgt[i]);
}

/* Cells that pin the plane the penalty leaves free, and the functions that
 * span it: 1, w, h on clamped axes (a wrapped axis admits no slope). */
static int null_space(const ge_solver *s, size_t pins[3])
{
    int r = 0;
    pins[r++] = 0;
    if (!s->wx)
        pins[r++] = (size_t)(s->W - 1) * s->H;
    if (!s->wy)
        pins[r++] = (size_t)(s->H - 1);
    return r;
}

int ge_solver_null_basis(const ge_solver *s, size_t i, double *t)
{
    size_t pins[3];
    int r = null_space(s, pins);
    for (int k = 0; k < r; k++)
        t[k] = 0;
    for (int j = 0; j < 4; j++) {
        double w = s->wgt[i][j];
        size_t c = s->cell[i][j];
        int k = 0;
        t[k++] += w;
        if (!s->wx)
            t[k++] += w * (double)(c / (size_t)s->H);
        if (!s->wy)
            t[k++] += w * (double)(c % (size_t)s->H);
    }
    return r;
}

int ge_solver_factor_pinned(ge_solver *s, ge_error *err)
{
    if (s->mg)
        return ge_fail(err, "the pinned penalty needs the Cholesky solver");
    if (s->W < 4 || s->H < 4)
        return ge_fail(err, "a %dx%d grid is too small for the pinned penalty", s->W, s->H);
    size_t nz = (size_t)((int *)s->S->p)[s->ncell], pins[3];
    double *x = s->S->x, top = 0;
    s->factored = 0; /* the factor becomes the penalty's alone */
    for (size_t k = 0; k < nz; k++)
        x[k] = s->q[k];
    for (size_t j = 0; j < s->ncell; j++)
        top = fmax(top, x[s->diag[j]]);
    int r = null_space(s, pins);
    for (int k = 0; k < r; k++)
        x[s->diag[pins[k]]] += top;
    serial_state st = serial_begin();
    int rc = 0;
    if (!s->L && !(s->L = analyse(s)))
        rc = ge_fail(err, "sparse Cholesky analysis of the %dx%d grid failed", s->W, s->H);
    else if (!cholmod_factorize(s->S, s->L, &s->c) || s->c.status != CHOLMOD_OK)
        rc = ge_fail(err, "the pinned penalty of the %dx%d grid did not factorise", s->W, s->H);
    serial_end(st);
    return rc;
}

double ge_solver_predict(const ge_solver *s, size_t i, const double *f)
{
    const size_t *c = s->cell[i];
    const double *w = s->wgt[i];
    return w[0] * f[c[0]] + w[1] * f[c[1]] + w[2] * f[c[2]] + w[3] * f[c[3]];
}

typedef struct {
    const double *f;
    double e;
} energy_sum;

static void add_energy(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    energy_sum *e = ctx;
    double t = 0;
    for (int k = 0; k < n; k++)
        t += v[k] * e->f[idx[k]];
    e->e += c * t * t;
}

double ge_solver_energy(const ge_solver *s, const double *f)
{
    energy_sum e = {f, 0};
    penalty_terms(s, add_energy, &e);
    return e.e;
}

int ge_model_set_field(ge_model *m, const double *F, ge_error *err)
{
    const int O = m->s.O, N = m->s.N;
    if (N < O)
        return ge_fail(err, "a field of %d outputs needs at least %d features, the model has %d",
                       O, O, N);
    memset(m->params, 0, m->n_params * sizeof *m->params);
    const size_t ncell = (size_t)m->s.W * m->s.H;
    for (size_t c = 0; c < ncell; c++)
        for (int o = 0; o < O; o++)
            m->E[c * N + o] = F[c * O + o];
    for (int o = 0; o < O; o++)
        m->K[(((size_t)o * N + o) * m->KW + m->s.p0) * m->KH + m->s.p1] = 1.0;
    return 0;
}
