/* The penalty search for few samples, in the dual (kriging) form.
 *
 * For the squared error the optimum field of m training samples is
 *     f = T beta + G^-1 A' c,
 *     [K + mu I   AT] [c   ]   [y]
 *     [AT'        0 ] [beta] = [0],    K = A G^-1 A',
 * with G = Q + P the penalty with its free plane (span T) pinned at a few
 * cells: for c with (AT)'c = 0, G^-1 A'c differs from a solution of
 * Q x = A'c only by a plane, which beta absorbs, so this is the same optimum
 * as the normal equations (A'A + mu Q) f = A'y. G does not depend on the
 * penalty weight: one factorisation and one solve with the M read-outs give K
 * for every fold and every candidate, and per fold an eigendecomposition of
 * K projected off the plane, Z'KZ = V L V', makes each candidate
 *     c = Z V (L + mu)^-1 V' Z' y,
 * a few matrix-vector products. Held-out predictions are K_te,tr c + AT_te beta. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "dual.h"
#include "geoembed/solve.h"

/* BLAS and LAPACK (Fortran interfaces; column-major). */
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b,
            const int *ldb, const double *beta, double *c, const int *ldc);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
             double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
             const double *tau, double *work, const int *lwork, int *info);

typedef struct {
    int m, nte, p;      /* training and held-out samples, p = m - r */
    size_t *tr, *te;
    double *Q;          /* [m][m] column-major: Q1 = first r columns, Z = the rest */
    double *R;          /* [r][r] upper triangle of the QR of AT_tr */
    double *V, *L;      /* eigenvectors [p][p] and values [p] of Z'K_tr Z */
    double *VZy;        /* [p][O]: V' Z' y_tr */
} fold_data;

struct ge_dual {
    size_t M;
    int O, r, K;
    double scale;       /* mu = lambda * scale * m */
    double *Kmat;       /* [M][M] */
    double *AT;         /* [M][r] */
    const double *ys;   /* [M][O] */
    fold_data *f;
};

static void gemm(char ta, char tb, int m, int n, int k, const double *a, int lda,
                 const double *b, int ldb, double *c, int ldc)
{
    const double one = 1, zero = 0;
    dgemm_(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &zero, c, &ldc);
}

/* K = A G^-1 A' by column blocks of the read-outs, spread over the threads
 * (each with its own solver and factor of G). */
static int kernel_matrix(const ge_model *mdl, const double *xy, size_t M, double *Kmat,
                         double *scale, ge_error *err)
{
    enum { BLOCK = 32 };
    const int nblocks = (int)((M + BLOCK - 1) / BLOCK);
    int failed = 0;
    ge_error first = {{0}};
#pragma omp parallel
    {
        ge_error e = {{0}};
        ge_solver *s = ge_solver_new_kind(mdl, xy, M, GE_SOLVER_CHOLESKY, &e);
        size_t n = s ? ge_solver_cells(s) : 0;
        double *B = s ? malloc(n * BLOCK * sizeof *B) : NULL;
        int ok = s && B && ge_solver_factor_pinned(s, &e) == 0;
        if (s && !B)
            ge_fail(&e, "out of memory for the dual form");
#pragma omp single
        if (s)
            *scale = ge_solver_scale(s);
#pragma omp for schedule(dynamic, 1)
        for (int b = 0; b < nblocks; b++) {
            if (!ok)
                continue;
            size_t j0 = (size_t)b * BLOCK, nb = M - j0 < BLOCK ? M - j0 : BLOCK;
            memset(B, 0, n * nb * sizeof *B);
            for (size_t j = 0; j < nb; j++) {
                size_t cell[4];
                double w[4];
                ge_solver_readout(s, j0 + j, cell, w);
                for (int k = 0; k < 4; k++)
                    B[j * n + cell[k]] += w[k];
            }
            if (ge_solver_solve(s, B, (int)nb, B, &e)) {
                ok = 0;
                continue;
            }
            for (size_t i = 0; i < M; i++) {
                size_t cell[4];
                double w[4];
                ge_solver_readout(s, i, cell, w);
                for (size_t j = 0; j < nb; j++) {
                    const double *x = B + j * n;
                    Kmat[i * M + j0 + j] =
                        w[0] * x[cell[0]] + w[1] * x[cell[1]] + w[2] * x[cell[2]] + w[3] * x[cell[3]];
                }
            }
        }
        if (!ok) {
#pragma omp critical(dual_failure)
            {
                if (!failed)
                    first = e;
                failed = 1;
            }
        }
        free(B);
        ge_solver_free(s);
    }
    if (failed) {
        *err = first;
        return -1;
    }
    return 0;
}

/* Per fold: the QR of the training samples' plane, the projection of K off
 * it and its eigendecomposition. */
static int fold_setup(ge_dual *d, fold_data *f, const int *fold, int k, ge_error *err)
{
    const size_t M = d->M;
    const int r = d->r, O = d->O;
    f->m = f->nte = 0;
    f->tr = malloc(M * sizeof *f->tr);
    f->te = malloc(M * sizeof *f->te);
    if (!f->tr || !f->te)
        return ge_fail(err, "out of memory");
    for (size_t i = 0; i < M; i++) {
        if (fold[i] == k)
            f->te[f->nte++] = i;
        else
            f->tr[f->m++] = i;
    }
    const int m = f->m, p = m - r;
    f->p = p;
    if (p < 1)
        return ge_fail(err, "fold %d trains on %d samples: too few for the plane", k + 1, m);
    f->Q = calloc((size_t)m * m, sizeof *f->Q);
    f->R = calloc((size_t)r * r, sizeof *f->R);
    f->V = malloc((size_t)p * p * sizeof *f->V);
    f->L = malloc((size_t)p * sizeof *f->L);
    f->VZy = malloc((size_t)p * O * sizeof *f->VZy);
    double *Kt = malloc((size_t)m * m * sizeof *Kt), *W1 = malloc((size_t)m * p * sizeof *W1);
    double *Zy = malloc((size_t)p * O * sizeof *Zy), tau[3], wq;
    int info = 0, lwork = -1, rc = -1;
    if (!f->Q || !f->R || !f->V || !f->L || !f->VZy || !Kt || !W1 || !Zy) {
        ge_fail(err, "out of memory for the dual form");
        goto done;
    }
    /* QR of AT_tr: Q's first r columns span the plane, the rest is Z */
    for (int i = 0; i < m; i++)
        for (int j = 0; j < r; j++)
            f->Q[i + (size_t)j * m] = d->AT[f->tr[i] * r + j];
    dgeqrf_(&m, &r, f->Q, &m, tau, &wq, &lwork, &info);
    lwork = (int)wq > m * 64 ? (int)wq : m * 64;
    double *work = malloc((size_t)lwork * sizeof *work);
    if (!work) {
        ge_fail(err, "out of memory for the dual form");
        goto done;
    }
    dgeqrf_(&m, &r, f->Q, &m, tau, work, &lwork, &info);
    for (int i = 0; i < r && !info; i++)
        for (int j = i; j < r; j++)
            f->R[i + j * r] = f->Q[i + (size_t)j * m];
    if (!info)
        dorgqr_(&m, &m, &r, f->Q, &m, tau, work, &lwork, &info);
    free(work);
    for (int i = 0; i < r && !info; i++)
        if (!(fabs(f->R[i + i * r]) > 1e-12 * fabs(f->R[0])))
            info = -99; /* the samples do not pin the plane (all on a line) */
    if (info) {
        ge_fail(err, "fold %d: the training samples do not fix the plane (QR %d)", k + 1, info);
        goto done;
    }
    /* Z' K_tr Z */
    const double *Z = f->Q + (size_t)r * m;
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++)
            Kt[i + (size_t)j * m] = d->Kmat[f->tr[i] * M + f->tr[j]];
    gemm('N', 'N', m, p, m, Kt, m, Z, m, W1, m);
    gemm('T', 'N', p, p, m, Z, m, W1, m, f->V, p);
    for (int j = 0; j < p; j++) /* symmetric up to round-off */
        for (int i = 0; i < j; i++)
            f->V[i + (size_t)j * p] = f->V[j + (size_t)i * p] =
                0.5 * (f->V[i + (size_t)j * p] + f->V[j + (size_t)i * p]);
    lwork = -1;
    dsyev_("V", "U", &p, f->V, &p, f->L, &wq, &lwork, &info);
    lwork = (int)wq;
    work = malloc((size_t)lwork * sizeof *work);
    if (!work) {
        ge_fail(err, "out of memory for the dual form");
        goto done;
    }
    dsyev_("V", "U", &p, f->V, &p, f->L, work, &lwork, &info);
    free(work);
    if (info) {
        ge_fail(err, "fold %d: the eigendecomposition failed (%d)", k + 1, info);
        goto done;
    }
    /* V' Z' y_tr */
    for (int o = 0; o < O; o++)
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int i = 0; i < m; i++)
                s += Z[i + (size_t)j * m] * d->ys[f->tr[i] * O + o];
            Zy[j + (size_t)o * p] = s;
        }
    gemm('T', 'N', p, O, p, f->V, p, Zy, p, f->VZy, p);
    rc = 0;
done:
    free(Kt);
    free(W1);
    free(Zy);
    return rc;
}

ge_dual *ge_dual_new(const ge_model *m, const double *xy, const double *ys, size_t M,
                     const int *fold, int K, ge_error *err)
{
    ge_dual *d = calloc(1, sizeof *d);
    if (!d) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    d->M = M;
    d->O = m->s.O;
    d->K = K;
    d->ys = ys;
    d->Kmat = malloc(M * M * sizeof *d->Kmat);
    d->AT = malloc(M * 3 * sizeof *d->AT);
    d->f = calloc((size_t)K, sizeof *d->f);
    ge_solver *s = ge_solver_new_kind(m, xy, M, GE_SOLVER_CHOLESKY, err);
    if (!s || !d->Kmat || !d->AT || !d->f) {
        if (s)
            ge_fail(err, "out of memory for the dual form");
        ge_solver_free(s);
        ge_dual_free(d);
        return NULL;
    }
    for (size_t i = 0; i < M; i++)
        d->r = ge_solver_null_basis(s, i, d->AT + i * 3);
    for (size_t i = 0; i < M; i++) /* pack [M][3] to [M][r] */
        for (int j = 0; j < d->r; j++)
            d->AT[i * d->r + j] = d->AT[i * 3 + j];
    ge_solver_free(s);
    if (kernel_matrix(m, xy, M, d->Kmat, &d->scale, err)) {
        ge_dual_free(d);
        return NULL;
    }
    int failed = 0;
    ge_error first = {{0}};
#pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < K; k++) {
        ge_error e;
        if (fold_setup(d, &d->f[k], fold, k, &e)) {
#pragma omp critical(dual_failure)
            {
                if (!failed)
                    first = e;
                failed = 1;
            }
        }
    }
    if (failed) {
        *err = first;
        ge_dual_free(d);
        return NULL;
    }
    return d;
}

void ge_dual_free(ge_dual *d)
{
    if (!d)
        return;
    for (int k = 0; d->f && k < d->K; k++) {
        fold_data *f = &d->f[k];
        free(f->tr);
        free(f->te);
        free(f->Q);
        free(f->R);
        free(f->V);
        free(f->L);
        free(f->VZy);
    }
    free(d->f);
    free(d->Kmat);
    free(d->AT);
    free(d);
}

/* Held-out absolute error sum of fold f at this penalty weight. */
static double fold_error(const ge_dual *d, const fold_data *f, double lambda, double *g,
                         double *c, double *res)
{
    const int m = f->m, p = f->p, r = d->r, O = d->O;
    const size_t M = d->M;
    const double mu = lambda * d->scale * m;
    const double *Z = f->Q + (size_t)r * m;
    for (int o = 0; o < O; o++)
        for (int j = 0; j < p; j++)
            res[j + (size_t)o * p] = f->VZy[j + (size_t)o * p] / (f->L[j] + mu);
    gemm('N', 'N', p, O, p, f->V, p, res, p, g, p);
    gemm('N', 'N', m, O, p, Z, m, g, p, c, m);
    double sum = 0;
    for (int o = 0; o < O; o++) {
        /* beta = R^-1 Q1' (y - K c - mu c) */
        double *rr = res + (size_t)o * m, beta[3], t[3] = {0, 0, 0};
        const double *co = c + (size_t)o * m;
        for (int i = 0; i < m; i++) {
            const double *Ki = d->Kmat + f->tr[i] * M;
            double kc = 0;
            for (int j = 0; j < m; j++)
                kc += Ki[f->tr[j]] * co[j];
            rr[i] = d->ys[f->tr[i] * O + o] - kc - mu * co[i];
        }
        for (int a = 0; a < r; a++)
            for (int i = 0; i < m; i++)
                t[a] += f->Q[i + (size_t)a * m] * rr[i];
        for (int a = r - 1; a >= 0; a--) {
            double v = t[a];
            for (int b = a + 1; b < r; b++)
                v -= f->R[a + b * r] * beta[b];
            beta[a] = v / f->R[a + a * r];
        }
        for (int e = 0; e < f->nte; e++) {
            size_t i = f->te[e];
            double pred = 0;
            for (int j = 0; j < m; j++)
                pred += d->Kmat[i * M + f->tr[j]] * co[j];
            for (int a = 0; a < r; a++)
                pred += d->AT[i * r + a] * beta[a];
            sum += fabs(pred - d->ys[i * O + o]);
        }
    }
    return sum;
}

int ge_dual_scores(const ge_dual *d, const double *lg, int nc, double *sums, ge_error *err)
{
    int failed = 0;
#pragma omp parallel
    {
        size_t most = 0;
        for (int k = 0; k < d->K; k++)
            if ((size_t)d->f[k].m > most)
                most = (size_t)d->f[k].m;
        double *g = malloc(most * d->O * sizeof *g), *c = malloc(most * d->O * sizeof *c);
        double *res = malloc(most * d->O * sizeof *res);
        int ok = g && c && res;
#pragma omp for schedule(dynamic, 1) collapse(2)
        for (int ci = 0; ci < nc; ci++)
            for (int k = 0; k < d->K; k++)
                if (ok)
                    sums[ci * d->K + k] = fold_error(d, &d->f[k], pow(10.0, lg[ci]), g, c, res);
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
        free(g);
        free(c);
        free(res);
    }
    return failed ? ge_fail(err, "out of memory for the dual form") : 0;
}
