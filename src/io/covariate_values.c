/* Reading covariate values from text (CSV cells, attributes): see
 * ge_covariate_value in samples.h. */
#include <math.h>

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
