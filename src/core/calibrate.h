/* The calibration of the posterior spread on held-out residuals (see
 * calibrate.c). Library-internal. */
#ifndef GEOEMBED_CORE_CALIBRATE_H
#define GEOEMBED_CORE_CALIBRATE_H

#include <stddef.h>

#include "geoembed/error.h"
#include "geoembed/model.h"
#include "geoembed/solve.h"

/* Features of a cell: the log of the posterior variance per unit noise, the
 * log of the fit's curvature, and the offset of the data around the cell. */
enum { GE_CAL_F = 3 };

/* The features of the fit f[cells] (one target) into out[cells][GE_CAL_F]:
 * var[cells] its posterior variance per unit noise, the data the samples
 * idx[0..n) of s (all when NULL), reach the scale of the offset (input
 * units, a few sample spacings). */
int ge_cal_features(const ge_model *m, const ge_solver *s, const size_t *idx, size_t n,
                    const double *var, const double *f, double reach, double *out,
                    ge_error *err);

/* Held-out evidence: for each sample the squared residual and the features
 * of the four cells it reads, with the read-out weights. */
typedef struct {
    size_t n, cap;
    float *x;   /* [cap][4][GE_CAL_F] */
    float *w;   /* [cap][4] */
    double *r2; /* [cap] */
} ge_cal_data;

int ge_cal_data_init(ge_cal_data *d, size_t cap, ge_error *err);
void ge_cal_data_free(ge_cal_data *d);
/* Adds a held-out sample (ignored when full): residual r2 squared, the cells
 * it reads and their weights, and the fit's features feat[cells][GE_CAL_F]. */
void ge_cal_add(ge_cal_data *d, double r2, const size_t cell[4], const double w[4],
                const double *feat);

/* Appends the samples of src to dst (those past dst's capacity are
 * dropped, as ge_cal_add drops them). */
void ge_cal_append(ge_cal_data *dst, const ge_cal_data *src);

/* The field's variance at a cell of features x: exp(log_scale + sum coef_f
 * (x_f - mean_f) / sd_f). within: the held-out coverage reached. */
typedef struct {
    double mean[GE_CAL_F], sd[GE_CAL_F], coef[GE_CAL_F];
    double log_scale;
    double within[2];
} ge_cal;

/* Fits c on the evidence d, noise2 the noise variance of a held-out value.
 * 1 (c untouched) when d has too few samples to calibrate on. */
int ge_cal_solve(const ge_cal_data *d, double noise2, ge_cal *c, ge_error *err);
double ge_cal_variance(const ge_cal *c, const double *x);

#endif
