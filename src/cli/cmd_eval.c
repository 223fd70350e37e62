/* geoembed eval MODEL INPUT: error metrics of a model on labelled samples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "display.h"
#include "inputs.h"
#include "metrics.h"
#include "predictor.h"

int cmd_eval(cli_args *a)
{
    if (a->npos != 2)
        return usage_error("eval", "expected MODEL and INPUT, got %d arguments", a->npos);
    if (apply_threads(a))
        return EXIT_USAGE;
    predictor p;
    int rc = predictor_load(&p, a->pos[0]);
    if (rc)
        return rc;
    if ((rc = predictor_rules(&p, a))) {
        predictor_free(&p);
        return rc;
    }
    const int O = p.m.s.O;
    /* quoted where needed: a target name may hold commas */
    char *targets = ge_target_list_join(p.meta.targets, O);
    ge_samples s;
    inputs_covariates_of(&p.m.cov);
    rc = targets ? read_samples_for(a, a->pos[1], p.meta.xcol, p.meta.ycol, targets, &s)
                 : runtime_error("out of memory");
    free(targets);
    if (rc) {
        predictor_free(&p);
        return rc;
    }
    char *src = NULL;
    if (!*p.meta.crs && (rc = no_crs_to_reproject_into(a, s.crs, a->pos[1])))
        goto done;
    if ((rc = samples_crs(a, &s, p.meta.crs, &src)) ||
        (rc = samples_to_crs(a, &s, src, p.meta.crs))) {
        free(src);
        goto done;
    }
    free(src);
    if (s.O != O) {
        rc = runtime_error("%s: %d targets given but the model predicts %d", a->pos[1], s.O, O);
        goto done;
    }
    metric_acc acc[GE_MAX_OUTPUTS] = {{0}};
    size_t outside = 0;
    double out[PREDICTOR_MAX_OUT];
    for (size_t i = 0; i < s.M; i++) {
        double z[GE_MAX_DESIGN];
        if (s.cov.P)
            ge_covariates_row(&p.m.cov, s.craw + i * (size_t)s.cov.P, z);
        if (predictor_at_z(&p, s.xy[2 * i], s.xy[2 * i + 1], s.cov.P ? z : NULL, out)) {
            outside++;
            continue;
        }
        for (int o = 0; o < O; o++)
            metric_add(&acc[o], out[o], s.y[i * O + o]);
    }
    char rule[128];
    predictor_empty_rule(&p, rule, sizeof rule);
    if (s.M == outside) {
        rc = runtime_error("%s: no sample to evaluate: every one lies %s", a->pos[1], rule);
        goto done;
    }
    if (outside)
        say(2, "geoembed: eval: %zu of %zu samples not scored: %s\n", outside, s.M, rule);
    metrics_print_ex(stdout, a->val[O_JSON] != NULL, s.targets, acc, O, outside + s.skipped_missing,
                     metrics_show_pooled(a, O));
    if (a->val[O_JSON])
        putchar('\n');
    metrics_note_undefined("eval", s.targets, acc, O);
    rc = fflush(stdout) == 0 ? EXIT_OK : runtime_error("write error on standard output");
done:
    ge_samples_free(&s);
    predictor_free(&p);
    return rc;
}
