/* Wiring a command's fit settings to the library's ge_learn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "trainjob.h"

int train_on(const train_job *j, const ge_samples *s, const size_t *idx, size_t n, ge_model *m,
             ge_learn_result *res, ge_error *err)
{
    const int O = s->O;
    if (!idx)
        n = s->M;
    double *xy = malloc((n ? n : 1) * 2 * sizeof *xy), *y = malloc((n ? n : 1) * O * sizeof *y);
    double *w = s->w ? malloc((n ? n : 1) * sizeof *w) : NULL;
    double *z = j->z ? malloc((n ? n : 1) * (size_t)j->nz * sizeof *z) : NULL;
    int rc = -1;
    memset(m, 0, sizeof *m);
    if (!xy || !y || (s->w && !w) || (j->z && !z)) {
        ge_fail(err, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        memcpy(xy + 2 * k, s->xy + 2 * i, 2 * sizeof *xy);
        memcpy(y + k * O, s->y + i * O, (size_t)O * sizeof *y);
        if (w)
            w[k] = s->w[i];
        if (z)
            memcpy(z + k * (size_t)j->nz, j->z + i * (size_t)j->nz, (size_t)j->nz * sizeof *z);
    }
    const fit_settings *fs = j->fs;
    ge_learn_opts o = {.method = fs->method, .train = fs->train, .smooth_auto = fs->smooth_auto,
                       .standardize = fs->standardize, .init = j->init,
                       .validation = j->validation, .fit = j->fo, .progress = j->progress,
                       .ctx = j->ctx, .stop = j->stop, .interrupts = j->interrupts,
                       .transform = fs->transformed ? fs->transform : NULL, .weights = w,
                       .draws = fs->method == GE_METHOD_EXACT ? (int)fs->draws : 0,
                       .solver = (ge_solver_kind)fs->solver,
                       .cov = z ? &s->cov : NULL, .z = z, .nz = z ? j->nz : 0,
                       .backend = j->backend, .total = j->total, .ids = j->ids,
                       /* the spacing of these samples, unless some were left
                        * out since (outside the exterior) or this is a subset */
                       .spacing = j->total                         ? j->spacing
                                  : !idx && n == fs->spacing_M ? fs->spacing
                                                               : 0};
    rc = ge_learn(&fs->shape, xy, y, n, &o, m, res, err);
done:
    free(xy);
    free(y);
    free(w);
    free(z);
    return rc;
}

int covariates_vary(const ge_samples *s, const size_t *idx, size_t n, char *why, size_t len)
{
    const int P = s->cov.P;
    if (!idx)
        n = s->M;
    for (int j = 0; j < P && n > 0; j++) {
        const ge_covariate *c = &s->cov.c[j];
        const double first = s->craw[(idx ? idx[0] : 0) * (size_t)P + j];
        size_t k = 1;
        while (k < n && s->craw[(idx ? idx[k] : k) * (size_t)P + j] == first)
            k++;
        if (k < n)
            continue;
        if (c->categorical)
            snprintf(why, len, "covariate '%s' holds one class only ('%s')", c->name,
                     first >= 0 && first < c->nclass ? c->classes[(int)first] : "?");
        else
            snprintf(why, len, "covariate '%s' does not vary (every sample has %.10g)", c->name,
                     first);
        return 0;
    }
    return 1;
}

int samples_design(ge_samples *s, double **z, int *nz)
{
    *z = NULL;
    *nz = 0;
    if (!s->cov.P)
        return 0;
    char why[400];
    if (!covariates_vary(s, NULL, 0, why, sizeof why))
        return runtime_error("%s: nothing to learn from it", why);
    ge_covariates_standardize(&s->cov, s->craw, s->M);
    int n = s->cov.ncoef = ge_covariates_columns(&s->cov);
    if (n > GE_MAX_DESIGN)
        return runtime_error("the covariates make %d columns (classes count one each); at most "
                             "%d",
                             n, GE_MAX_DESIGN);
    if (!(*z = malloc((s->M ? s->M : 1) * (size_t)n * sizeof **z)))
        return runtime_error("out of memory");
    for (size_t i = 0; i < s->M; i++)
        ge_covariates_row(&s->cov, s->craw + i * (size_t)s->cov.P, *z + i * (size_t)n);
    *nz = n;
    return 0;
}

void fold_split(const int *fold, size_t M, int k, size_t *tr, size_t *ntr, size_t *te,
                size_t *nte)
{
    *ntr = *nte = 0;
    for (size_t i = 0; i < M; i++) {
        if (fold[i] == k)
            te[(*nte)++] = i;
        else if (fold[i] >= 0)
            tr[(*ntr)++] = i;
    }
}
