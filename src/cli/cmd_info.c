/* geoembed info MODEL [--json]: what a model file holds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/loss.h"
#include "geoembed/modelfile.h"
#include "geoembed/optim.h"
#include "inputs.h"
#include "json.h"

static const char *const wrap_names[] = {"none", "x", "y", "xy"};

/* Design column k's covariate. */
static const ge_covariate *column_covariate(const ge_model *m, int k)
{
    for (int j = 0; j < m->cov.P; j++) {
        int n = m->cov.c[j].categorical ? m->cov.c[j].nclass - 1 : 1;
        if (k < n)
            return &m->cov.c[j];
        k -= n;
    }
    return NULL;
}

/* The effect of design column k on target o in the target's (fitted)
 * units: per unit of a numeric covariate, or of a class against the first. */
static double covariate_effect(const ge_model *m, int k, int o)
{
    const ge_covariate *c = column_covariate(m, k);
    double b = m->coef[o * m->cov.ncoef + k] * m->y_std[o];
    return c && !c->categorical ? b / c->sd : b;
}

static void info_json(const char *path, const ge_model *m, const ge_meta *t, const char *crs)
{
    FILE *f = stdout;
    const ge_shape *s = &m->s;
    fputs("{\"file\": ", f);
    json_string(f, path);
    fprintf(f, ", \"format_version\": %d, \"grid\": [%d, %d], \"features\": %d, "
               "\"padding\": [%d, %d], \"outputs\": %d, \"exterior\": [",
            t->version, s->W, s->H, s->N, s->p0, s->p1, s->O);
    const double ext[4] = {s->xmin, s->ymin, s->width, s->height};
    for (int i = 0; i < 4; i++) {
        json_number(f, ext[i]);
        fputs(i < 3 ? ", " : "], \"cell_size\": [", f);
    }
    json_number(f, m->cw);
    fputs(", ", f);
    json_number(f, m->ch);
    fprintf(f, "], \"wrap\": \"%s\", \"readout\": \"%s\", \"crs_name\": ", wrap_names[s->wrap],
            s->readout == GE_READOUT_CELL ? "cell" : "bilinear");
    json_string(f, crs);
    fputs(", \"crs_wkt\": ", f);
    json_string(f, t->crs);
    fputs(", \"x\": ", f);
    json_string(f, t->xcol);
    fputs(", \"y\": ", f);
    json_string(f, t->ycol);
    fputs(", \"targets\": [", f);
    for (int o = 0; o < s->O; o++) {
        json_string(f, t->targets[o]);
        fputs(o + 1 < s->O ? ", " : "]", f);
    }
    fprintf(f, ", \"standardized\": %s, \"target_mean\": [", t->standardized ? "true" : "false");
    for (int o = 0; o < s->O; o++) {
        json_number(f, m->y_mean[o]);
        fputs(o + 1 < s->O ? ", " : "], \"target_std\": [", f);
    }
    for (int o = 0; o < s->O; o++) {
        json_number(f, m->y_std[o]);
        fputs(o + 1 < s->O ? ", " : "], \"transform\": [", f);
    }
    for (int o = 0; o < s->O; o++)
        fprintf(f, "\"%s\"%s", m->transform && m->transform[o] == GE_TRANSFORM_LOG ? "log" : "none",
                o + 1 < s->O ? ", " : "]");
    fputs(", \"source\": ", f);
    json_string(f, t->source);
    fprintf(f, ", \"samples\": %llu, \"skipped\": %llu, \"loss\": \"%s\", \"optimizer\": \"%s\", "
               "\"lr\": ",
            (unsigned long long)t->samples, (unsigned long long)t->skipped,
            ge_loss_name((ge_loss_kind)t->loss), ge_optim_name((ge_optim_kind)t->optimizer));
    json_number(f, t->lr);
    fputs(", \"smooth\": ", f);
    json_number(f, t->smooth);
    fprintf(f, ", \"epochs\": %ld, \"best_epoch\": %ld, \"batch_size\": %llu, \"seed\": %llu, "
               "\"train_loss\": ",
            t->epochs, t->best_epoch, (unsigned long long)t->batch_size,
            (unsigned long long)t->seed);
    json_number(f, t->train_loss);
    fputs(", \"validation_loss\": ", f);
    json_number(f, t->valid_loss);
    fprintf(f, ", \"loss_units\": \"%s\", \"parameters\": %zu, \"max_distance\": ",
            t->standardized ? "standardised" : "targets", m->n_params);
    /* null: a model file without coverage (every place inside the exterior) */
    json_number(f, m->coverage ? m->mask_distance : NAN);
    /* the noise of each target in its units (null: the model knows no spread) */
    fputs(", \"noise_std\": ", f);
    for (int o = 0; m->noise_sd && o < s->O; o++) {
        fputs(o ? ", " : "[", f);
        json_number(f, m->y_std[o] * m->noise_sd[o]);
    }
    fputs(m->noise_sd ? "]" : "null", f);
    fputs(", \"covariates\": [", f);
    for (int k = 0; k < m->cov.ncoef; k++) {
        char name[600];
        ge_covariates_column_name(&m->cov, k, name, sizeof name);
        fputs(k ? ", {\"name\": " : "{\"name\": ", f);
        json_string(f, name);
        fputs(", \"effect\": [", f);
        for (int o = 0; o < s->O; o++) {
            fputs(o ? ", " : "", f);
            json_number(f, covariate_effect(m, k, o));
        }
        fputs("]}", f);
    }
    fputs("]", f);
    fputs(", \"source_grid\": ", f);
    if (t->has_grid) { /* the raster fit from: predict's default grid */
        fputs("{\"geotransform\": [", f);
        for (int i = 0; i < 6; i++) {
            json_number(f, t->grid_gt[i]);
            fputs(i < 5 ? ", " : "], ", f);
        }
        fprintf(f, "\"size\": [%llu, %llu]}", (unsigned long long)t->grid_cols,
                (unsigned long long)t->grid_rows);
    } else {
        fputs("null", f);
    }
    fputs("}\n", f);
}

/* Every string from the file goes through text_string: a model must not be
 * able to send escape sequences to the terminal. */
static void info_text(const char *path, const ge_model *m, const ge_meta *t, const char *crs)
{
    const ge_shape *s = &m->s;
    FILE *f = stdout;
    text_string(f, path);
    printf(": geoembed model (format version %d)\n", t->version);
    printf("  grid:        %d x %d cells, %d features, padding %d,%d (kernel %dx%d), %d "
           "output%s\n",
           s->W, s->H, s->N, s->p0, s->p1, m->KW, m->KH, s->O, s->O == 1 ? "" : "s");
    printf("  exterior:    x %.17g .. %.17g, y %.17g .. %.17g\n", s->xmin, s->xmin + s->width,
           s->ymin, s->ymin + s->height);
    printf("  cell size:   %.17g x %.17g\n", m->cw, m->ch);
    printf("  wrap:        %s\n  readout:     %s\n", wrap_names[s->wrap],
           s->readout == GE_READOUT_CELL ? "cell (reference)" : "bilinear");
    fputs("  CRS:         ", f);
    text_string(f, crs);
    fputs("\n  coordinates: ", f);
    text_string(f, t->xcol);
    fputs(", ", f);
    text_string(f, t->ycol);
    fputs("\n  targets:    ", f);
    for (int o = 0; o < s->O; o++) {
        fputc(' ', f);
        text_string(f, t->targets[o]);
        fputs(o + 1 < s->O ? "," : "\n", f);
    }
    for (int o = 0; o < s->O; o++) {
        int log = m->transform && m->transform[o] == GE_TRANSFORM_LOG;
        if (!t->standardized && !log)
            continue;
        fputs("  ", f);
        text_string(f, t->targets[o]);
        size_t n = strlen(t->targets[o]);
        printf("%*s", n < 12 ? (int)(12 - n) : 0, "");
        if (t->standardized)
            printf(" mean %.6g, std %.6g%s", m->y_mean[o], m->y_std[o], log ? " of its log" : "");
        printf("%s\n", log ? (t->standardized ? "; fit on its logarithm, predicted back with exp"
                                              : " fit on its logarithm, predicted back with exp")
                           : "");
    }
    fputs("  trained on:  ", f);
    text_string(f, t->source);
    printf(", %llu samples (%llu skipped)\n", (unsigned long long)t->samples,
           (unsigned long long)t->skipped);
    if (t->optimizer == GE_OPT_EXACT)
        printf("  training:    exact solve, loss %s, smooth %g\n",
               ge_loss_name((ge_loss_kind)t->loss), t->smooth);
    else
        printf("  training:    %ld epochs, loss %s, %s lr %g, smooth %g, batch %s, seed %llu\n",
               t->epochs, ge_loss_name((ge_loss_kind)t->loss),
               ge_optim_name((ge_optim_kind)t->optimizer), t->lr, t->smooth,
               t->batch_size ? "mini" : "full", (unsigned long long)t->seed);
    printf("  final loss:  training %.6g", t->train_loss);
    if (!isnan(t->valid_loss))
        printf(", validation %.6g (best epoch %ld)", t->valid_loss, t->best_epoch);
    /* a loss on standardised targets is not in the targets' units */
    printf("%s\n  parameters:  %zu\n", t->standardized ? " (standardised units)" : "",
           m->n_params);
    if (t->has_grid)
        printf("  pixels:      %llu x %llu pixels of %.15g x %.15g from (%.15g, %.15g), the "
               "source raster's (predict's default)\n",
               (unsigned long long)t->grid_cols, (unsigned long long)t->grid_rows, t->grid_gt[1],
               -t->grid_gt[5], t->grid_gt[0], t->grid_gt[3]);
    if (!m->coverage)
        printf("  predicts:    inside the exterior (a model file without coverage)\n");
    else if (m->mask_distance > 0)
        printf("  predicts:    up to %.6g from the nearest training sample (--max-distance)\n",
               m->mask_distance);
    else
        printf("  predicts:    everywhere\n");
    for (int k = 0; k < m->cov.ncoef; k++) {
        char name[600];
        ge_covariates_column_name(&m->cov, k, name, sizeof name);
        printf("  %s", k ? "             " : "covariates:  ");
        text_string(f, name);
        for (int o = 0; o < s->O; o++)
            printf("%s %.6g", o ? "," : "", covariate_effect(m, k, o));
        const ge_covariate *c = column_covariate(m, k);
        if (c && c->categorical)
            printf(" (against class '%s')\n", c->classes[0]);
        else
            printf(" (per unit)\n");
    }
    if (m->noise_sd) {
        printf("  uncertainty: predict --std, --exceed; noise std");
        for (int o = 0; o < s->O; o++)
            printf("%s %.6g", o ? "," : "", m->y_std[o] * m->noise_sd[o]);
        printf("%s\n", m->transform ? " (of the fitted values: log for a log-fitted target)" : "");
    } else {
        printf("  uncertainty: not known (a gradient fit, or --draws 0)\n");
    }
}

int cmd_info(cli_args *a)
{
    if (a->npos != 1)
        return usage_error("info", "expected one MODEL, got %d", a->npos);
    int rc = apply_threads(a); /* --max-memory */
    if (rc)
        return rc;
    ge_model m;
    ge_meta t;
    ge_error err;
    /* "-": a model on standard input (fit ... -o - | geoembed info -) */
    const int std_in = strcmp(a->pos[0], "-") == 0;
    const char *shown = std_in ? "<stdin>" : a->pos[0];
    if (ge_model_load(std_in ? "/dev/stdin" : a->pos[0], &m, &t, &err))
        return fail_with(&err);
    char *crs = ge_crs_name(t.crs);
    if (a->val[O_JSON])
        info_json(shown, &m, &t, crs ? crs : "?");
    else
        info_text(shown, &m, &t, crs ? crs : "?");
    free(crs);
    ge_model_free(&m);
    ge_meta_free(&t);
    return fflush(stdout) == 0 ? EXIT_OK : runtime_error("write error on standard output");
}
