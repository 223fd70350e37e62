/* geoembed cv INPUT [fit options] --folds K [--block SIZE]: cross-validated
 * error of a fit's settings. The settings are resolved once on all samples;
 * each fold trains on the others (choosing --smooth auto inside the fold) and
 * is scored on its own samples in the targets' units. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/folds.h"
#include "groups.h"
#include "inputs.h"
#include "json.h"
#include "metrics.h"
#include "predictor.h"
#include "progress.h"
#include "settings.h"
#include "trainjob.h"

typedef struct {
    metric_acc acc[GE_MAX_OUTPUTS];
    double smooth;
    double within[2], scored; /* held-out errors within 1 and 2 predictive stds, of */
} fold_result;

static int run_fold(const fit_settings *fs, const ge_samples *s, const double *z, int nz,
                    const int *fold, int k, size_t *tr, size_t *te, fold_result *fr,
                    ge_error *err)
{
    size_t ntr, nte;
    fold_split(fold, s->M, k, tr, &ntr, te, &nte);
    memset(fr, 0, sizeof *fr);
    if (nte == 0 || ntr == 0)
        return 0;
    /* --smooth auto is chosen on the training folds only, inside ge_learn */
    train_job j = {.fs = fs, .z = z, .nz = nz,
                   .fo = {.epochs = fs->epochs, .keep_best = !settings_is_reference(fs)}};
    ge_model m;
    ge_learn_result res;
    if (train_on(&j, s, tr, ntr, &m, &res, err))
        return -1;
    fr->smooth = res.smooth;
    double *Kt = malloc(m.n_kernel * sizeof *Kt);
    double *F = malloc((size_t)m.s.W * m.s.H * m.s.O * sizeof *F);
    if (!Kt || !F) {
        free(Kt);
        free(F);
        ge_model_free(&m);
        return ge_fail(err, "out of memory");
    }
    ge_kernel_transpose(&m, Kt);
    ge_field(&m, Kt, F);
    double out[GE_MAX_OUTPUTS], sd[GE_MAX_OUTPUTS];
    for (size_t i = 0; i < nte; i++) {
        const double x = s->xy[2 * te[i]], y = s->xy[2 * te[i] + 1];
        ge_predict_point_z(&m, Kt, F, x, y, z ? z + te[i] * (size_t)nz : NULL, out);
        int spread = ge_predict_sd(&m, x, y, sd) == 0;
        for (int o = 0; o < s->O; o++) {
            double truth = s->y[te[i] * s->O + o];
            metric_add(&fr->acc[o], out[o], truth);
            if (!spread || isnan(truth) || !(sd[o] >= 0))
                continue;
            int log_fit = m.transform && m.transform[o] == GE_TRANSFORM_LOG;
            double e = log_fit ? fabs(log(out[o]) - log(truth)) : fabs(out[o] - truth);
            /* a held-out value is a measurement: the field's spread and the noise */
            double noise = m.y_std[o] * m.noise_sd[o], so = sqrt(sd[o] * sd[o] + noise * noise);
            fr->within[0] += e <= so;
            fr->within[1] += e <= 2 * so;
            fr->scored++;
        }
    }
    free(Kt);
    free(F);
    ge_model_free(&m);
    return 0;
}

/* Over the folds that scored any sample of target o (o == O: all), weighted
 * by their samples: MAE and R^2 as sample-weighted means, RMSE pooled (a fold
 * of 7 samples must not count as much as one of 700). */
static metric fold_mean(const ge_samples *s, const fold_result *fr, int K, int o)
{
    metric mean = {0, 0, 0, 0};
    double n = 0;
    long double sq = 0; /* squares of RMSEs near 1e160 overflow a double */
    for (int k = 0; k < K; k++) {
        metric m = o < s->O ? metric_get(&fr[k].acc[o]) : metric_pooled(fr[k].acc, s->O);
        if (!m.n)
            continue;
        double w = (double)m.n;
        mean.mae += w * m.mae, sq += w * (long double)m.rmse * m.rmse, mean.r2 += w * m.r2, n += w;
    }
    mean.mae /= n, mean.rmse = (double)sqrtl(sq / n), mean.r2 /= n;
    return mean;
}

/* Every fold must hold out samples and train on most of the others: spatial
 * blocks larger than the data can leave a fold empty or training on a few
 * samples. An empty fold is an error; a fold that trains on fewer than half
 * of the samples is said. */
static int check_folds(const char *cmd, const int *fold, size_t all, int K, double block)
{
    size_t *count = calloc((size_t)K, sizeof *count), M = 0;
    if (!count)
        return runtime_error("out of memory");
    for (size_t i = 0; i < all; i++)
        if (fold[i] >= 0) /* -1: another group's sample */
            count[fold[i]]++, M++;
    int rc = 0;
    for (int k = 0; k < K && !rc; k++) {
        if (count[k] == 0)
            rc = runtime_error("%s: fold %d of %d holds no sample: --block %g is too large "
                               "for the data; use a smaller --block or fewer --folds",
                               cmd, k + 1, K, block);
        else if (M - count[k] < (M + 1) / 2)
            say(1, "geoembed: %s: warning: fold %d trains on only %zu of %zu samples (--block "
                   "%g is large for the data)\n",
                cmd, k + 1, M - count[k], M, block);
    }
    free(count);
    return rc;
}

/* Shares of held-out errors within 1 and 2 predictive stds over the folds;
 * returns how many errors were scored (0: the models know no spread). */
static double coverage(const fold_result *fr, int K, double within[2])
{
    double n = 0;
    within[0] = within[1] = 0;
    for (int k = 0; k < K; k++) {
        within[0] += fr[k].within[0];
        within[1] += fr[k].within[1];
        n += fr[k].scored;
    }
    if (n > 0)
        within[0] /= n, within[1] /= n;
    return n;
}

static void print_text(const ge_samples *s, const fold_result *fr, int K, int pooled)
{
    printf("%-6s %-16s %10s %14s %14s %10s %8s\n", "fold", "target", "samples", "MAE", "RMSE",
           "R2", "smooth");
    for (int k = 0; k < K; k++)
        for (int o = 0; o < s->O + pooled; o++) {
            metric m = o < s->O ? metric_get(&fr[k].acc[o]) : metric_pooled(fr[k].acc, s->O);
            printf("%-6d %-16s %10zu %14.6g %14.6g %10.6f %8g\n", k + 1,
                   o < s->O ? s->targets[o] : "(all)", m.n, m.mae, m.rmse, m.r2, fr[k].smooth);
        }
    for (int o = 0; o < s->O + pooled; o++) {
        metric m = fold_mean(s, fr, K, o);
        printf("%-6s %-16s %10s %14.6g %14.6g %10.6f\n", "mean", o < s->O ? s->targets[o] : "(all)",
               "", m.mae, m.rmse, m.r2);
    }
    double within[2], n = coverage(fr, K, within);
    if (n > 0)
        printf("coverage: %.1f%% of %.0f held-out errors within 1 predictive std of a "
               "measurement, %.1f%% within 2 (calibrated: about 68%% and 95%%)\n",
               100 * within[0], n, 100 * within[1]);
}

/* The mean of the folds' metrics per target (and pooled) as JSON members. */
static void print_mean_json(const ge_samples *s, const fold_result *fr, int K, int pooled)
{
    for (int o = 0; o < s->O + pooled; o++) {
        metric m = fold_mean(s, fr, K, o);
        printf("%s", o ? ", " : "");
        json_string(stdout, o < s->O ? s->targets[o] : "(all)");
        printf(": {\"mae\": ");
        json_number(stdout, m.mae);
        printf(", \"rmse\": ");
        json_number(stdout, m.rmse);
        printf(", \"r2\": ");
        json_number(stdout, m.r2);
        printf("}");
    }
}

static void print_json(const ge_samples *s, const fold_result *fr, int K, double block,
                       int pooled)
{
    printf("{\"folds\": %d, \"block\": ", K);
    json_number(stdout, block > 0 ? block : NAN);
    printf(", \"samples\": %zu, \"per_fold\": [", s->M);
    for (int k = 0; k < K; k++) {
        printf("%s{\"fold\": %d, \"smooth\": ", k ? ", " : "", k + 1);
        json_number(stdout, fr[k].smooth);
        printf(", \"metrics\": ");
        metrics_print_ex(stdout, 1, s->targets, fr[k].acc, s->O, 0, pooled);
        printf("}");
    }
    printf("], \"mean\": {");
    print_mean_json(s, fr, K, pooled);
    double within[2], n = coverage(fr, K, within);
    printf("}");
    if (n > 0)
        printf(", \"coverage\": {\"scored\": %.0f, \"within_1_std\": %.6g, "
               "\"within_2_std\": %.6g}",
               n, within[0], within[1]);
    printf("}\n");
}

/* The folds of the samples idx[0..n) of a group into fold[s->M], -1 for the
 * other groups' samples: assigned as for the group's samples alone. */
static int group_folds(const ge_samples *s, const size_t *idx, size_t n, int K, double block,
                       uint64_t seed, int *fold)
{
    double *xy = malloc(n * 2 * sizeof *xy);
    int *own = malloc(n * sizeof *own);
    if (!xy || !own) {
        free(xy);
        free(own);
        return runtime_error("out of memory");
    }
    for (size_t k = 0; k < n; k++)
        memcpy(xy + 2 * k, s->xy + 2 * idx[k], 2 * sizeof *xy);
    ge_assign_folds(xy, n, K, block, seed, own);
    for (size_t i = 0; i < s->M; i++)
        fold[i] = -1;
    for (size_t k = 0; k < n; k++)
        fold[idx[k]] = own[k];
    free(xy);
    free(own);
    return 0;
}

/* Every group can make K folds (checked before any fold is fit). */
static int groups_fold_check(const cli_args *a, const ge_samples *s, const size_t *order, long K)
{
    size_t *n = calloc(s->ngroups, sizeof *n);
    if (!n)
        return runtime_error("out of memory");
    for (size_t i = 0; i < s->M; i++)
        n[s->group[i]]++;
    int rc = 0;
    for (size_t k = 0; k < s->ngroups && !rc; k++)
        if (n[order[k]] < (size_t)K)
            rc = runtime_error("%s: group '%s' (--group %s): %zu samples cannot make %ld folds",
                               a->pos[0], s->groups[order[k]], a->val[O_GROUP], n[order[k]], K);
    free(n);
    return rc;
}

/* Runs the K folds of one group (or of all samples); fr[K]. */
static int run_folds(const fit_settings *fs, const ge_samples *s, const double *z, int nz,
                     const int *fold, int K, size_t *tr, size_t *te, fold_result *fr, int show)
{
    ge_error err;
    double t0 = now_seconds();
    phase_progress pp;
    phase_progress_init(&pp, "geoembed: cv", "folds", show);
    for (int k = 0; k < K; k++) {
        phase_progress_update(&pp, "fitting", k, K);
        if (run_fold(fs, s, z, nz, fold, k, tr, te, &fr[k], &err)) {
            phase_progress_done(&pp);
            return fail_with(&err);
        }
        say(3, "geoembed: cv: fold %d done (%.1fs)\n", k + 1, now_seconds() - t0);
    }
    phase_progress_done(&pp);
    return 0;
}

/* cv --group: the folds' mean of each group, a line per group and target. */
static void print_group_text(const ge_samples *s, const char *group, size_t n,
                             const fold_result *fr, int K, int pooled, int header)
{
    if (header)
        printf("%-20s %-16s %10s %14s %14s %10s\n", "group", "target", "samples", "MAE", "RMSE",
               "R2");
    for (int o = 0; o < s->O + pooled; o++) {
        metric m = fold_mean(s, fr, K, o);
        printf("%-20s %-16s %10zu %14.6g %14.6g %10.6f\n", group,
               o < s->O ? s->targets[o] : "(all)", n, m.mae, m.rmse, m.r2);
    }
}

static void print_group_json(const ge_samples *s, const char *group, size_t n,
                             const fold_result *fr, int K, int pooled, int first)
{
    printf("%s{\"group\": ", first ? "" : ", ");
    json_string(stdout, group);
    printf(", \"samples\": %zu, \"mean\": {", n);
    print_mean_json(s, fr, K, pooled);
    printf("}}");
}

/* cv --group: the folds of each group on the grid of all, in the groups'
 * order; printed once every group is scored (never half a JSON document). */
static int cv_groups(const cli_args *a, const fit_settings *fs, const ge_samples *s,
                     const double *z, int nz, int K, double block, const size_t *order,
                     int *fold, size_t *tr, size_t *te)
{
    const size_t G = s->ngroups;
    size_t *start = NULL, *members = group_members(s, &start), *count = calloc(G, sizeof *count);
    fold_result *fr = calloc(G * (size_t)K, sizeof *fr); /* group k's folds at fr + k * K */
    int rc = members && count && fr ? 0 : runtime_error("out of memory");
    for (size_t k = 0; k < G && !rc; k++) {
        const size_t g = order[k], *idx = members + start[g];
        count[k] = start[g + 1] - start[g];
        char label[160];
        snprintf(label, sizeof label, "cv: group '%.100s'", s->groups[g]);
        if ((rc = group_folds(s, idx, count[k], K, block, fs->train.seed, fold)) ||
            (rc = check_folds(label, fold, s->M, K, block)))
            break;
        rc = run_folds(fs, s, z, nz, fold, K, tr, te, fr + k * K, a->val[O_PROGRESS] != NULL);
    }
    /* one line per group and target: the pooled row only when asked for
     * (with one target too: --pooled was ignored there without a word) */
    const int json = a->val[O_JSON] != NULL, pooled = a->val[O_POOLED] != NULL;
    if (!rc && json) {
        printf("{\"folds\": %d, \"block\": ", K);
        json_number(stdout, block > 0 ? block : NAN);
        printf(", \"group\": ");
        json_string(stdout, a->val[O_GROUP]);
        printf(", \"groups\": [");
    }
    for (size_t k = 0; k < G && !rc; k++) {
        if (json)
            print_group_json(s, s->groups[order[k]], count[k], fr + k * K, K, pooled, k == 0);
        else
            print_group_text(s, s->groups[order[k]], count[k], fr + k * K, K, pooled, k == 0);
    }
    if (!rc && json)
        printf("]}\n");
    free(members);
    free(start);
    free(count);
    free(fr);
    return rc;
}

int cmd_cv(cli_args *a)
{
    if (target_rasters_input(a))
        return EXIT_USAGE;
    if (a->npos != 1)
        return usage_error("cv", "expected one INPUT (or --target NAME=RASTER,...), got %d",
                           a->npos);
    long K;
    double block;
    if (apply_threads(a) || arg_long(a, O_FOLDS, 5, 2, 1000, &K) ||
        arg_double(a, O_BLOCK, 0, 0, 1e300, &block))
        return EXIT_USAGE;
    if (a->val[O_BLOCK] && !(block > 0)) /* 0 would quietly mean random folds */
        return usage_error("cv", "--block expects a positive size in the model's units, got '%s'",
                           a->val[O_BLOCK]);
    ge_samples s;
    fit_settings fs;
    ge_error err;
    char *crs = NULL, *src = NULL;
    double *z = NULL; /* the covariates' design rows */
    int nz = 0;
    size_t *order = NULL; /* --group: the groups in the order to score them */
    int rc = read_samples(a, a->pos[0], 1, &s);
    if (rc)
        return rc;
    if (s.group && (rc = groups_prepare(a, &s, &order))) {
        ge_samples_free(&s);
        return rc;
    }
    int *fold = malloc(s.M * sizeof *fold);
    size_t *tr = malloc(s.M * sizeof *tr), *te = malloc(s.M * sizeof *te);
    fold_result *fr = calloc((size_t)K, sizeof *fr);
    if (!fold || !tr || !te || !fr) {
        rc = runtime_error("out of memory");
        goto done;
    }
    if ((rc = samples_crs(a, &s, NULL, &src)))
        goto done;
    if (a->val[O_CRS]) {
        if (!(crs = ge_crs_to_wkt(a->val[O_CRS], &err))) {
            rc = usage_error("cv", "--crs: %s", err.msg);
            goto done;
        }
        if ((rc = samples_to_crs(a, &s, src, crs)))
            goto done;
    }
    if ((rc = settings_resolve(a, &s, ge_crs_is_geographic(crs ? crs : src), &fs)))
        goto done;
    if (s.M < (size_t)K) {
        rc = runtime_error("%s: %zu samples cannot make %ld folds", a->pos[0], s.M, K);
        goto done;
    }
    if (s.group && (rc = groups_fold_check(a, &s, order, K)))
        goto done;
    if (!s.group) {
        ge_assign_folds(s.xy, s.M, (int)K, block, fs.train.seed, fold);
        if ((rc = check_folds("cv", fold, s.M, (int)K, block)))
            goto done;
    }
    if ((rc = samples_design(&s, &z, &nz)))
        goto done;
    char how[64];
    if (fs.method == GE_METHOD_EXACT)
        snprintf(how, sizeof how, "exact solve");
    else
        snprintf(how, sizeof how, "%ld epochs", fs.epochs);
    report_targets(a, &s);
    say(2, "geoembed: cv: %zu samples, %ld %s folds; grid %dx%d, %s\n", s.M, K,
        block > 0 ? "spatial-block" : "random", fs.shape.W, fs.shape.H, how);
    if (s.group) {
        say(2, "geoembed: cv: %zu groups of '%s', each cross-validated on this grid\n",
            s.ngroups, a->val[O_GROUP]);
        rc = cv_groups(a, &fs, &s, z, nz, (int)K, block, order, fold, tr, te);
        if (!rc)
            rc = fflush(stdout) == 0 ? EXIT_OK : runtime_error("write error on standard output");
        goto done;
    }
    if ((rc = run_folds(&fs, &s, z, nz, fold, (int)K, tr, te, fr, a->val[O_PROGRESS] != NULL)))
        goto done;
    if (a->val[O_JSON])
        print_json(&s, fr, (int)K, block, metrics_show_pooled(a, s.O));
    else
        print_text(&s, fr, (int)K, metrics_show_pooled(a, s.O));
    for (long k = 0; k < K; k++) {
        char where[40];
        snprintf(where, sizeof where, "cv: fold %ld", k + 1);
        metrics_note_undefined(where, s.targets, fr[k].acc, s.O);
    }
    rc = fflush(stdout) == 0 ? EXIT_OK : runtime_error("write error on standard output");
done:
    free(z);
    free(order);
    free(fold);
    free(tr);
    free(te);
    free(fr);
    free(crs);
    free(src);
    ge_samples_free(&s);
    return rc;
}
