/* Model + precomputed field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covariate_grid.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/csv.h"
#include "geoembed/memory.h"
#include "geoembed/model_part.h"
#include "predictor.h"

int predictor_load(predictor *p, const char *path)
{
    ge_error err;
    p->Kt = p->F = NULL;
    p->mask = NULL;
    p->cov = NULL;
    if (ge_model_load(path, &p->m, &p->meta, &err))
        return fail_with(&err);
    return predictor_init(p, path);
}

/* The field of p's model (or of its part): F[cells][O]. */
static int field(predictor *p, const char *path)
{
    ge_error err;
    /* the field of a small file can be large: W*H cells times O outputs */
    const size_t n = ge_model_cells(&p->m) * p->m.s.O;
    free(p->F);
    p->F = NULL;
    if (ge_mem_check(((double)p->m.n_kernel + (double)n) * 8, "the model's field", &err))
        return runtime_error("%s: %s", path, err.msg);
    if (!(p->F = malloc((n ? n : 1) * sizeof *p->F)))
        return runtime_error("%s: out of memory for the model's field", path);
    ge_kernel_transpose(&p->m, p->Kt);
    ge_field(&p->m, p->Kt, p->F);
    return 0;
}

int predictor_load_skeleton(predictor *p, const char *path)
{
    ge_error err;
    p->Kt = p->F = NULL;
    p->mask = NULL;
    p->cov = NULL;
    if (ge_model_load_part(path, 0, 0, &p->m, &p->meta, &err))
        return fail_with(&err);
    return predictor_init(p, path);
}

int predictor_init(predictor *p, const char *path)
{
    p->Kt = p->F = NULL;
    p->cov = NULL;
    if (!ge_crs_usable(p->meta.crs)) { /* every output must carry the CRS */
        ge_meta_free(&p->meta);
        ge_model_free(&p->m);
        return runtime_error("%s: the model's CRS cannot be read (damaged model file?)", path);
    }
    p->Kt = malloc(p->m.n_kernel * sizeof *p->Kt);
    int rc = p->Kt ? field(p, path) : runtime_error("%s: out of memory for the model's field", path);
    if (rc) {
        predictor_free(p);
        return rc;
    }
    p->max_distance = p->m.mask_distance;
    return 0;
}

int predictor_load_part(predictor *p, const char *path, int row0, int rows)
{
    ge_error err;
    ge_model m;
    ge_meta meta;
    if (ge_model_load_part(path, row0, rows, &m, &meta, &err))
        return fail_with(&err);
    ge_meta_free(&meta); /* the same file's: p keeps its own */
    ge_model_free(&p->m);
    p->m = m; /* the same kernel: p->Kt stands */
    return field(p, path);
}

static int max_distance(predictor *p, const cli_args *a)
{
    const char *v = a->val[O_MAX_DISTANCE];
    if (!v || strcmp(v, "auto") == 0)
        return 0;
    if (strcmp(v, "none") == 0) {
        p->max_distance = 0;
        return 0;
    }
    if (!p->m.coverage)
        return usage_error(a->cmd_name, "--max-distance needs a model that knows where its "
                                        "samples were (fit it again with this geoembed)");
    return arg_double(a, O_MAX_DISTANCE, 0, 1e-300, 1e300, &p->max_distance);
}

/* --exceed VALUE (every target) or NAME=VALUE,... */
static int exceed_option(predictor *p, const cli_args *a)
{
    const char *v = a->val[O_EXCEED];
    const int O = p->m.s.O;
    for (int o = 0; o < O; o++)
        p->exceed[o] = NAN;
    p->nexceed = 0;
    if (!v)
        return 0;
    if (!p->m.noise_sd)
        return usage_error(a->cmd_name, "--exceed needs a model that knows its uncertainty "
                                        "(fit with the exact solve and --draws above 0)");
    char *end;
    double t = strtod(v, &end);
    if (end != v && !*end && isfinite(t)) {
        for (int o = 0; o < O; o++)
            p->exceed[o] = t;
        p->nexceed = O;
        return 0;
    }
    char *copy = strdup(v), *save = NULL;
    if (!copy)
        return runtime_error("out of memory");
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        char *eq = strrchr(item, '=');
        int o = -1;
        if (eq) {
            *eq = 0;
            for (int k = 0; k < O && o < 0; k++)
                if (strcmp(p->meta.targets[k], item) == 0)
                    o = k;
            t = strtod(eq + 1, &end);
        }
        if (!eq || o < 0 || end == eq + 1 || *end || !isfinite(t))
            rc = usage_error(a->cmd_name, "--exceed expects VALUE or NAME=VALUE,... with NAME a "
                                          "target of the model, got '%s'", v);
        else if (isnan(p->exceed[o]))
            p->exceed[o] = t, p->nexceed++;
    }
    free(copy);
    return rc;
}

int predictor_rules(predictor *p, const cli_args *a)
{
    if (p->m.cov.P && a->cmd == C_PLOT)
        return runtime_error("plot: the model has covariates, whose values plot does not read; "
                             "map it with predict --grid --covariate NAME=RASTER");
    int rc = max_distance(p, a);
    if (rc || (rc = exceed_option(p, a)))
        return rc;
    p->std = a->val[O_STD] != NULL;
    if (p->std && !p->m.noise_sd)
        return usage_error(a->cmd_name, "--std needs a model that knows its uncertainty (fit "
                                        "with the exact solve and --draws above 0)");
    if (!a->val[O_MASK]) {
        if (a->val[O_MASK_LAYER] || a->val[O_MASK_WHERE])
            return usage_error(a->cmd_name, "%s applies to --mask",
                               a->val[O_MASK_LAYER] ? "--mask-layer" : "--mask-where");
        return 0;
    }
    return mask_load(&p->mask, a->cmd_name, a->val[O_MASK], a->val[O_MASK_LAYER],
                     a->val[O_MASK_WHERE], p->meta.crs, &p->m.s);
}

void predictor_free(predictor *p)
{
    free(p->Kt);
    free(p->F);
    p->Kt = p->F = NULL;
    mask_free(p->mask);
    p->mask = NULL;
    predictor_covariates_close(p);
    ge_model_free(&p->m);
    ge_meta_free(&p->meta);
}

/* The predictive standard deviation of a new observation at (x, y) and the
 * probability that it exceeds each threshold, after the values in out:
 * Gaussian in the fitted units (the field's posterior spread, read out as
 * the value is, and the noise), log-normal for a log-fitted target. */
static void spread_at(const predictor *p, double x, double y, double *out)
{
    const ge_model *m = &p->m;
    const int O = m->s.O;
    double sds[GE_MAX_OUTPUTS];
    ge_predict_sd(m, x, y, sds);
    int at = O * (1 + p->std);
    for (int o = 0; o < O; o++) {
        /* in the fitted units: the value's centre and spread */
        double sd = sds[o];
        int log_fit = m->transform && m->transform[o] == GE_TRANSFORM_LOG;
        double centre = log_fit ? log(out[o]) : out[o];
        if (p->std)
            out[O + o] = log_fit ? sqrt(expm1(sd * sd) * exp(2 * centre + sd * sd)) : sd;
        if (!isnan(p->exceed[o])) {
            double t = p->exceed[o];
            if (log_fit)
                t = t > 0 ? log(t) : -INFINITY;
            out[at++] = sd > 0 ? 0.5 * erfc((t - centre) / (sd * sqrt(2.0)))
                               : (centre > t ? 1.0 : 0.0);
        }
    }
}

int predictor_at(const predictor *p, double x, double y, double *out)
{
    return predictor_at_z(p, x, y, NULL, out);
}

int predictor_at_cell(const predictor *p, double x, double y, long row, long col, double *out)
{
    if (!p->cov)
        return predictor_at_z(p, x, y, NULL, out);
    double raw[GE_MAX_COVARIATES], z[GE_MAX_DESIGN];
    covariate_window_at(p->cov, row, col, raw);
    return predictor_at_z(p, x, y, ge_covariates_row(&p->m.cov, raw, z) ? NULL : z, out);
}

int predictor_covariate_row(const predictor *p, const char *const *text, double *z, int *bad)
{
    double raw[GE_MAX_COVARIATES];
    for (int j = 0; j < p->m.cov.P; j++) {
        const ge_covariate *c = &p->m.cov.c[j];
        if (ge_csv_is_missing(text[j]))
            return 0;
        if (c->categorical) {
            if ((raw[j] = ge_covariate_class(c, text[j])) < 0)
                return 0;
        } else if (ge_csv_number(text[j], &raw[j]) || !isfinite(raw[j])) {
            *bad = j;
            return -1;
        }
    }
    ge_covariates_row(&p->m.cov, raw, z);
    return 1;
}

int predictor_at_z(const predictor *p, double x, double y, const double *z, double *out)
{
    const ge_shape *s = &p->m.s;
    ge_model_wrap_point(s, &x, &y);
    int empty = p->m.coverage
                    ? p->max_distance > 0 && !(ge_model_distance(&p->m, x, y) <= p->max_distance)
                    : !(x >= s->xmin && x <= s->xmin + s->width && y >= s->ymin &&
                        y <= s->ymin + s->height);
    if (empty || !isfinite(x) || !isfinite(y) || (p->mask && !mask_contains(p->mask, x, y)) ||
        (p->m.cov.P && !z)) {
        for (int o = 0; o < predictor_outputs(p); o++)
            out[o] = NAN;
        return -1;
    }
    ge_predict_point_z(&p->m, p->Kt, p->F, x, y, z, out);
    if (p->std || p->nexceed)
        spread_at(p, x, y, out);
    return 0;
}

int predictor_outputs(const predictor *p) { return p->m.s.O * (1 + p->std) + p->nexceed; }

void predictor_output_name(const predictor *p, int k, int point, char *buf, size_t len)
{
    const int O = p->m.s.O;
    if (k < O) {
        snprintf(buf, len, "%s%s", p->meta.targets[k], point ? "_pred" : "");
        return;
    }
    if (p->std && k < 2 * O) {
        snprintf(buf, len, "%s_std", p->meta.targets[k - O]);
        return;
    }
    k -= O * (1 + p->std);
    for (int o = 0; o < O; o++)
        if (!isnan(p->exceed[o]) && k-- == 0) {
            snprintf(buf, len, "%s_p_exceed", p->meta.targets[o]);
            return;
        }
}

void predictor_empty_rule(const predictor *p, char *buf, size_t len)
{
    const char *mask = p->mask ? " or outside the --mask" : "";
    if (!p->m.coverage)
        snprintf(buf, len, "outside the model's exterior%s", mask);
    else if (p->max_distance > 0)
        snprintf(buf, len, "farther than %.6g from every training sample%s", p->max_distance,
                 mask);
    else if (p->mask)
        snprintf(buf, len, "outside the --mask");
    else
        snprintf(buf, len, "at a coordinate that is not a number");
}
