/* Running sums for MAE, RMSE and R^2. */
#include <math.h>

#include "display.h"
#include "json.h"
#include "metrics.h"

void metric_add(metric_acc *a, double pred, double truth)
{
    long double r = (long double)pred - truth;
    if (isnan(truth)) /* a missing value: nothing to score */
        return;
    a->n++;
    a->sum_abs += fabsl(r);
    a->sum_sq += r * r;
    a->sum_y += truth;
    a->sum_yy += truth * truth;
}

static long double sstot(const metric_acc *a)
{
    return a->n ? a->sum_yy - a->sum_y * a->sum_y / (long double)a->n : 0;
}

metric metric_get(const metric_acc *a)
{
    metric m = {NAN, NAN, NAN, a->n};
    if (!a->n)
        return m;
    m.mae = (double)(a->sum_abs / (long double)a->n);
    m.rmse = (double)sqrtl(a->sum_sq / (long double)a->n);
    long double tot = sstot(a);
    m.r2 = tot > 0 ? (double)(1 - a->sum_sq / tot) : NAN;
    return m;
}

metric metric_pooled(const metric_acc *a, int O)
{
    metric_acc all = {0};
    long double tot = 0;
    for (int o = 0; o < O; o++) {
        all.n += a[o].n;
        all.sum_abs += a[o].sum_abs;
        all.sum_sq += a[o].sum_sq;
        tot += sstot(&a[o]);
    }
    metric m = metric_get(&all);
    m.r2 = tot > 0 ? (double)(1 - all.sum_sq / tot) : NAN;
    return m;
}

/* "samples": N, "mae": ..., "rmse": ..., "r2": ...} */
static void json_metric(FILE *f, metric m)
{
    fprintf(f, "\"samples\": %zu, \"mae\": ", m.n);
    json_number(f, m.mae);
    fputs(", \"rmse\": ", f);
    json_number(f, m.rmse);
    fputs(", \"r2\": ", f);
    json_number(f, m.r2);
    fputs("}", f);
}

int metrics_show_pooled(const cli_args *a, int O)
{
    return O == 1 || a->val[O_POOLED] != NULL;
}

void metrics_print(FILE *f, int json, char *const *names, const metric_acc *acc, int O,
                   size_t skipped)
{
    metrics_print_ex(f, json, names, acc, O, skipped, 1);
}

void metrics_print_ex(FILE *f, int json, char *const *names, const metric_acc *acc, int O,
                      size_t skipped, int pooled)
{
    metric all = metric_pooled(acc, O);
    if (json) {
        fputs("{\"targets\": [", f);
        for (int o = 0; o < O; o++) {
            fputs(o ? ", {\"name\": " : "{\"name\": ", f);
            json_string(f, names[o]);
            fputs(", ", f);
            json_metric(f, metric_get(&acc[o]));
        }
        fputs("]", f);
        if (pooled) {
            fputs(", \"overall\": {", f);
            json_metric(f, all);
        }
        fprintf(f, ", \"skipped\": %zu}", skipped);
        return;
    }
    fprintf(f, "%-16s %10s %14s %14s %10s\n", "target", "samples", "MAE", "RMSE", "R2");
    for (int o = 0; o < O + pooled; o++) {
        metric m = o < O ? metric_get(&acc[o]) : all;
        fprintf(f, "%-16s %10zu %14.6g %14.6g %10.6f\n", o < O ? names[o] : "(all)", m.n, m.mae,
                m.rmse, m.r2);
    }
    if (skipped)
        fprintf(f, "(%zu samples skipped: outside the exterior or missing targets)\n", skipped);
}

void metrics_note_undefined(const char *where, char *const *names, const metric_acc *acc, int O)
{
    for (int o = 0; o < O; o++) {
        metric m = metric_get(&acc[o]);
        if (m.n == 0)
            say(2, "geoembed: %s: no value of '%s' was scored (each missing, or its sample not "
                   "scored): its metrics are undefined (nan)\n",
                where, names[o]);
        else if (isnan(m.r2))
            say(2, "geoembed: %s: R2 of '%s' is undefined (nan): its %zu scored value%s %s\n",
                where, names[o], m.n, m.n == 1 ? "" : "s",
                m.n == 1 ? "cannot vary" : "are all the same");
    }
}
