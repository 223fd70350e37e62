/* Covariates (see covariates.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/covariates.h"

int ge_covariates_columns(const ge_covariates *cv)
{
    int n = 0;
    for (int j = 0; cv && j < cv->P; j++)
        n += cv->c[j].categorical ? cv->c[j].nclass - 1 : 1;
    return n;
}

int ge_covariates_row(const ge_covariates *cv, const double *v, double *z)
{
    int k = 0;
    for (int j = 0; j < cv->P; j++) {
        const ge_covariate *c = &cv->c[j];
        if (!c->categorical) {
            if (!isfinite(v[j]))
                return -1;
            z[k++] = (v[j] - c->mean) / c->sd;
            continue;
        }
        if (!(v[j] >= 0 && v[j] < c->nclass))
            return -1;
        for (int q = 1; q < c->nclass; q++) /* the first class is the baseline */
            z[k++] = (int)v[j] == q ? 1.0 : 0.0;
    }
    return 0;
}

void ge_covariates_standardize(ge_covariates *cv, const double *raw, size_t M)
{
    for (int j = 0; j < cv->P; j++) {
        ge_covariate *c = &cv->c[j];
        c->mean = 0;
        c->sd = 1;
        if (c->categorical)
            continue;
        double mu = 0, ss = 0, n = 0;
        for (size_t i = 0; i < M; i++) {
            double v = raw[i * cv->P + j];
            if (isfinite(v))
                mu += (v - mu) / ++n;
        }
        for (size_t i = 0; i < M; i++) {
            double v = raw[i * cv->P + j];
            if (isfinite(v))
                ss += (v - mu) * (v - mu);
        }
        double sd = n > 0 ? sqrt(ss / n) : 0;
        c->mean = mu;
        c->sd = sd > 0 && isfinite(sd) ? sd : 1.0;
    }
}

int ge_covariate_class(const ge_covariate *c, const char *name)
{
    for (int q = 0; q < c->nclass; q++)
        if (strcmp(c->classes[q], name) == 0)
            return q;
    return -1;
}

int ge_covariate_add_class(ge_covariate *c, const char *name, ge_error *err)
{
    if (c->nclass == GE_MAX_CLASSES)
        return ge_fail(err, "covariate '%s' has more than %d classes", c->name, GE_MAX_CLASSES);
    char **cl = realloc(c->classes, (size_t)(c->nclass + 1) * sizeof *cl);
    if (!cl)
        return ge_fail(err, "out of memory");
    c->classes = cl;
    if (!(cl[c->nclass] = strdup(name)))
        return ge_fail(err, "out of memory");
    return c->nclass++;
}

void ge_covariates_free(ge_covariates *cv)
{
    for (int j = 0; cv && cv->c && j < cv->P; j++) {
        free(cv->c[j].name);
        for (int q = 0; q < cv->c[j].nclass; q++)
            free(cv->c[j].classes[q]);
        free(cv->c[j].classes);
    }
    if (cv) {
        free(cv->c);
        memset(cv, 0, sizeof *cv);
    }
}

int ge_covariates_copy(ge_covariates *dst, const ge_covariates *src, ge_error *err)
{
    memset(dst, 0, sizeof *dst);
    if (!(dst->c = calloc((size_t)src->P + 1, sizeof *dst->c)))
        return ge_fail(err, "out of memory");
    dst->P = src->P;
    dst->ncoef = src->ncoef;
    for (int j = 0; j < src->P; j++) {
        const ge_covariate *s = &src->c[j];
        ge_covariate *d = &dst->c[j];
        d->categorical = s->categorical;
        d->mean = s->mean;
        d->sd = s->sd;
        if (!(d->name = strdup(s->name)))
            goto oom;
        for (int q = 0; q < s->nclass; q++)
            if (ge_covariate_add_class(d, s->classes[q], err) < 0)
                goto oom;
    }
    return 0;
oom:
    ge_covariates_free(dst);
    return ge_fail(err, "out of memory");
}

void ge_covariates_column_name(const ge_covariates *cv, int k, char *buf, size_t len)
{
    for (int j = 0; j < cv->P; j++) {
        const ge_covariate *c = &cv->c[j];
        int n = c->categorical ? c->nclass - 1 : 1;
        if (k < n) {
            if (c->categorical)
                snprintf(buf, len, "%s=%s", c->name, c->classes[k + 1]);
            else
                snprintf(buf, len, "%s", c->name);
            return;
        }
        k -= n;
    }
    snprintf(buf, len, "?");
}
