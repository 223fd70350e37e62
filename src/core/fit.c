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
    double out[GE_MAX_OUTPUTS], sum = 0, values = 0;
    if (!Kt || !F) {
        free(Kt);
        free(F);
        return NAN;
    }
    ge_kernel_transpose(m, Kt);
    ge_field(m, Kt, F);
    for (size_t i = 0; i < d->M; i++) {
        ge_predict_point_z(m, Kt, F, d->xy[2 * i], d->xy[2 * i + 1],
                           d->z ? d->z + i * (size_t)m->cov.ncoef : NULL, out);
        for (int o = 0; o < O; o++) { /* in training units: undo the standardisation */
            double v = m->transform && m->transform[o] == GE_TRANSFORM_LOG ? log(out[o]) : out[o];
            double r = (v - m->y_mean[o]) / m->y_std[o] - d->y[i * O + o];
            if (!isnan(d->y[i * O + o])) { /* a missing value is left out */
                sum += ge_loss_value(loss, r);
                values++;
            }
        }
    }
    free(Kt);
    free(F);
    return values ? sum / values : NAN;
}

/* The loop state in a form a checkpoint can save. */
static void snapshot(ge_trainer *t, ge_fit_state *st)
{
    ge_optim *opt = ge_trainer_optim(t);
    st->opt_t = opt->t;
    st->opt_state = opt->state;
    st->opt_words = opt->o.kind == GE_OPT_ADAM ? 2 * opt->n : (opt->state ? opt->n : 0);
    st->rng = *ge_trainer_rng(t);
}

static int restore(ge_trainer *t, const ge_fit_state *from, ge_fit_state *st, size_t n_params,
                   ge_error *err)
{
    ge_optim *opt = ge_trainer_optim(t);
    size_t words = opt->o.kind == GE_OPT_ADAM ? 2 * opt->n : (opt->state ? opt->n : 0);
    if (from->opt_words != words)
        return ge_fail(err, "the checkpoint's optimiser state does not fit these settings");
    opt->t = from->opt_t;
    if (words)
        memcpy(opt->state, from->opt_state, words * sizeof *opt->state);
    *ge_trainer_rng(t) = from->rng;
    st->epoch = from->epoch;
    st->best_score = from->best_score;
    st->since_best = from->since_best;
    st->res = from->res;
    memcpy(st->best, from->best, n_params * sizeof *st->best);
    return 0;
}

int ge_fit(ge_model *m, const ge_data *d, const ge_train_opts *o, const ge_fit_opts *fo,
           ge_fit_result *res, ge_error *err)
{
    ge_trainer *t = ge_trainer_new(m, d, o, err);
    ge_fit_state st = {.best_score = INFINITY, .res = {.valid_loss = NAN, .train_loss = NAN}};
    st.best = malloc(m->n_params * sizeof *st.best);
    if (!t || !st.best) {
        ge_trainer_free(t);
        free(st.best);
        return t ? ge_fail(err, "out of memory") : -1;
    }
    memcpy(st.best, m->params, m->n_params * sizeof *st.best);
    int rc = 0;
    const int keep_best = fo->keep_best && !fo->valid;
    double *before = NULL;
    if (fo->resume && (rc = restore(t, fo->resume, &st, m->n_params, err)))
        goto done;
    if (keep_best)
        before = malloc(m->n_params * sizeof *before);
    if (keep_best && !before) {
        rc = ge_fail(err, "out of memory");
        goto done;
    }
    for (long e = st.epoch + 1; e <= fo->epochs; e++) {
        if (keep_best) /* the loss of this epoch is that of these parameters */
            memcpy(before, m->params, m->n_params * sizeof *before);
        double train = ge_trainer_epoch(t);
        double valid = fo->valid ? ge_data_loss(m, fo->valid, &o->loss) : NAN;
        st.epoch = e;
        st.res.epochs_run = e;
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
        if (keep_best) {
            if (train < st.best_score) { /* parameters before this epoch's step */
                st.best_score = train;
                st.res.best_epoch = e - 1;
                memcpy(st.best, before, m->n_params * sizeof *st.best);
            }
            st.res.train_loss = train;
        } else if (score < st.best_score || !fo->valid) {
            st.best_score = score;
            st.since_best = 0;
            st.res.best_epoch = e;
            st.res.train_loss = train;
            st.res.valid_loss = valid;
            if (fo->valid)
                memcpy(st.best, m->params, m->n_params * sizeof *st.best);
        } else {
            st.since_best++;
        }
        if (fo->progress)
            fo->progress(fo->ctx, e, fo->epochs, train, valid);
        int stop = fo->stop && *fo->stop;
        if (fo->checkpoint && ((fo->checkpoint_every > 0 && e % fo->checkpoint_every == 0) ||
                               stop)) {
            snapshot(t, &st);
            if ((rc = fo->checkpoint(fo->checkpoint_ctx, m, &st, err)))
                break;
        }
        if (stop) {
            st.res.stopped = 1;
            break;
        }
        if (fo->valid && fo->patience > 0 && st.since_best >= fo->patience) {
            st.res.stopped = 2;
            break;
        }
    }
    if (fo->valid && !rc)
        memcpy(m->params, st.best, m->n_params * sizeof *st.best);
    if (keep_best && !rc && st.res.epochs_run > 0) {
        /* the last step's result against the best before it */
        double last = ge_trainer_loss(t, NULL, 0, 0);
        if (!(last <= 1e6 * st.best_score) && isfinite(st.best_score) && !st.res.stopped) {
            /* a loss a million times its best is an exploded training, not a
             * spike: an error, not the model of some early epoch */
            rc = ge_fail(err, "training diverged (the loss went from %g to %g); try a smaller --lr",
                         st.best_score, last);
        } else if (last <= st.best_score || !isfinite(st.best_score)) {
            st.res.best_epoch = st.res.epochs_run;
            st.res.train_loss = last;
        } else {
            memcpy(m->params, st.best, m->n_params * sizeof *st.best);
            st.res.train_loss = st.best_score;
        }
    } else if (!fo->valid && rc == 0) {
        st.res.best_epoch = st.res.epochs_run;
    }
done:
    *res = st.res;
    free(before);
    free(st.best);
    ge_trainer_free(t);
    return rc;
}
