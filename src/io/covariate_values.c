/* Reading covariate values from text (CSV cells, attributes): see
 * ge_covariate_value in samples.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/csv.h"
#include "geoembed/samples.h"

int ge_covariate_value(ge_covariate *c, const ge_covariates *model, int j, const char *text,
                       int first_row, double *v, const char **why, ge_error *err)
{
    *why = NULL;
    if (ge_csv_is_missing(text))
        return 0;
    if (!c->categorical) {
        if (ge_csv_number(text, v) == 0 && isfinite(*v))
            return 1;
        if (!first_row || model) {
            *why = "expected a number (name the covariate in --categorical if it holds classes)";
            return -1;
        }
        c->categorical = 1; /* a text column: classes */
    }
    int q = ge_covariate_class(model ? &model->c[j] : c, text);
    if (q < 0 && model) /* a class the model never saw: no prediction there */
        return 0;
    if (q < 0 && (q = ge_covariate_add_class(c, text, err)) < 0)
        return -1;
    *v = q;
    return 1;
}

int ge_covariates_setup(const ge_sample_opts *o, ge_samples *s, char ***names, int *n,
                        ge_error *err)
{
    char **cat = NULL;
    int ncat = 0;
    ge_error why;
    if (ge_target_list(o->covariates, names, n, &why))
        return ge_fail(err, "--covariates: %s", why.msg);
    if (o->categorical && ge_target_list(o->categorical, &cat, &ncat, &why)) {
        ge_target_list_free(*names, *n);
        return ge_fail(err, "--categorical: %s", why.msg);
    }
    int rc = 0;
    if (*n > GE_MAX_COVARIATES)
        rc = ge_fail(err, "at most %d covariates, got %d", GE_MAX_COVARIATES, *n);
    else if (o->classes_of)
        rc = ge_covariates_copy(&s->cov, o->classes_of, err);
    else if (!(s->cov.c = calloc((size_t)*n, sizeof *s->cov.c)))
        rc = ge_fail(err, "out of memory");
    else
        s->cov.P = *n;
    for (int j = 0; !rc && !o->classes_of && j < *n; j++) {
        if (!(s->cov.c[j].name = strdup((*names)[j])))
            rc = ge_fail(err, "out of memory");
        for (int k = 0; k < ncat; k++)
            s->cov.c[j].categorical |= strcmp(cat[k], (*names)[j]) == 0;
    }
    for (int k = 0; !rc && k < ncat; k++) {
        int found = 0;
        for (int j = 0; j < *n; j++)
            found |= strcmp(cat[k], (*names)[j]) == 0;
        if (!found)
            rc = ge_fail(err, "--categorical: '%s' is not one of --covariates", cat[k]);
    }
    ge_target_list_free(cat, ncat);
    if (rc) {
        ge_target_list_free(*names, *n);
        *names = NULL;
        *n = 0;
    }
    return rc;
}
