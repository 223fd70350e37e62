/* Error metrics of predictions against known values: MAE, RMSE, R^2 per target
 * and over all targets. Shared by eval and cv. */
#ifndef GEOEMBED_CLI_METRICS_H
#define GEOEMBED_CLI_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "geoembed/model.h"
#include "options.h"

typedef struct {
    size_t n;
    /* long double: squares of values near 1e160 overflow a double */
    long double sum_abs, sum_sq, sum_y, sum_yy;
} metric_acc;

typedef struct {
    double mae, rmse, r2;
    size_t n;
} metric;

void metric_add(metric_acc *a, double pred, double truth);
metric metric_get(const metric_acc *a);
/* Over several targets: pooled MAE and RMSE, R^2 = 1 - sum SSres / sum SStot. */
metric metric_pooled(const metric_acc *a, int O);

/* Table, or one JSON object (no newline after it), of per-target and overall metrics. */
void metrics_print(FILE *f, int json, char *const *names, const metric_acc *acc, int O,
                   size_t skipped);
/* The same; the pooled "(all)" row (JSON "overall") only when pooled. */
/* Says on stderr, for WHERE ("eval", "cv: fold 2"), each target whose
 * metrics are undefined (printed as nan): no value scored, or (R2) scored
 * values that do not vary. */
void metrics_note_undefined(const char *where, char *const *names, const metric_acc *acc, int O);
void metrics_print_ex(FILE *f, int json, char *const *names, const metric_acc *acc, int O,
                      size_t skipped, int pooled);
/* Whether to report the targets pooled: MAE and RMSE over targets in
 * different units mean nothing, so only for one target (where it repeats it)
 * or when --pooled declares them comparable. */
int metrics_show_pooled(const cli_args *a, int O);

#endif
