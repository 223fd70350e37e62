/* Wiring a command's fit settings to the library's ge_learn. */
#include <stdlib.h>
#include <string.h>

#include "trainjob.h"

int train_on(const train_job *j, const ge_samples *s, const size_t *idx, size_t n, ge_model *m,
             ge_learn_result *res, ge_error *err)
{
    const int O = s->O;
    if (!idx)
        n = s->M;
    double *xy = malloc((n ? n : 1) * 2 * sizeof *xy), *y = malloc((n ? n : 1) * O * sizeof *y);
    double *w = s->w ? malloc((n ? n : 1) * sizeof *w) : NULL;
    int rc = -1;
    memset(m, 0, sizeof *m);
    if (!xy || !y || (s->w && !w)) {
        ge_fail(err, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        memcpy(xy + 2 * k, s->xy + 2 * i, 2 * sizeof *xy);
        memcpy(y + k * O, s->y + i * O, (size_t)O * sizeof *y);
        if (w)
            w[k] = s->w[i];
    }
    const fit_settings *fs = j->fs;
    ge_learn_opts o = {.method = fs->method, .train = fs->train, .smooth_auto = fs->smooth_auto,
                       .standardize = fs->standardize, .init = j->init,
                       .validation = j->validation, .fit = j->fo, .progress = j->progress,
                       .ctx = j->ctx, .stop = j->stop,
                       .transform = fs->transformed ? fs->transform : NULL, .weights = w,
                       .draws = fs->method == GE_METHOD_EXACT ? (int)fs->draws : 0};
    rc = ge_learn(&fs->shape, xy, y, n, &o, m, res, err);
done:
    free(xy);
    free(y);
    free(w);
    return rc;
}

void fold_split(const int *fold, size_t M, int k, size_t *tr, size_t *ntr, size_t *te,
                size_t *nte)
{
    *ntr = *nte = 0;
    for (size_t i = 0; i < M; i++) {
        if (fold[i] == k)
            te[(*nte)++] = i;
        else
            tr[(*ntr)++] = i;
    }
}
