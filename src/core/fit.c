/* Epoch loop with validation, early stopping and divergence detection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/fit.h"

double ge_data_loss(const ge_model *m, const ge_data *d, const ge_loss *loss)
{
    const int O = m->s.O;
    double *Kt = malloc(m->n_kernel * sizeof *Kt);
    double *F = malloc((size_t)m->s.W * m->s.H * O * sizeof *F);
    double out[GE_MAX_OUTPUTS], sum = 0;
    if (!Kt || !F) {
        free(Kt);
        free(F);
        return NAN;
    }
    ge_kernel_transpose(m, Kt);
    ge_field(m, Kt, F);
    for (size_t i = 0; i < d->M; i++) {
        ge_predict_point(m, Kt, F, d->xy[2 * i], d->xy[2 * i + 1], out);
        for (int o = 0; o < O; o++) /* in training units: undo the standardisation */
            sum += ge_loss_value(loss, (out[o] - m->y_mean[o]) / m->y_std[o] - d->y[i * O + o]);
    }
    free(Kt);
    free(F);
    return d->M ? sum / ((double)d->M * O) : NAN;
}

int ge_fit(ge_model *m, const ge_data *d, const ge_train_opts *o, const ge_fit_opts *fo,
           ge_fit_result *res, ge_error *err)
{
    memset(res, 0, sizeof *res);
    res->valid_loss = NAN;
    res->train_loss = NAN;
    ge_trainer *t = ge_trainer_new(m, d, o, err);
    double *best = malloc(m->n_params * sizeof *best);
    if (!t || !best) {
        ge_trainer_free(t);
        free(best);
        return t ? ge_fail(err, "out of memory") : -1;
    }
    memcpy(best, m->params, m->n_params * sizeof *best);
    double best_score = INFINITY;
    long since_best = 0;
    int rc = 0;
    for (long e = 1; e <= fo->epochs; e++) {
        double train = ge_trainer_epoch(t);
        double valid = fo->valid ? ge_data_loss(m, fo->valid, &o->loss) : NAN;
        res->epochs_run = e;
        if (!isfinite(train) || (fo->valid && !isfinite(valid))) {
            rc = ge_fail(err,
                         "training diverged at epoch %ld (loss is %g); try a smaller --lr, "
                         "--standardize, or a robust --loss such as huber",
                         e, train);
            break;
        }
        /* The loss before the step belongs to the parameters of the previous
         * epoch; the validation loss to the parameters after it. */
        double score = fo->valid ? valid : train;
        if (score < best_score || !fo->valid) {
            best_score = score;
            since_best = 0;
            res->best_epoch = e;
            res->train_loss = train;
            res->valid_loss = valid;
            if (fo->valid)
                memcpy(best, m->params, m->n_params * sizeof *best);
        } else {
            since_best++;
        }
        if (fo->progress)
            fo->progress(fo->ctx, e, fo->epochs, train, valid);
        if (fo->stop && *fo->stop) {
            res->stopped = 1;
            break;
        }
        if (fo->valid && fo->patience > 0 && since_best >= fo->patience) {
            res->stopped = 2;
            break;
        }
    }
    if (fo->valid || rc)
        memcpy(m->params, best, m->n_params * sizeof *best);
    if (!fo->valid && rc == 0)
        res->best_epoch = res->epochs_run;
    free(best);
    ge_trainer_free(t);
    return rc;
}
