/* Covariates: what else is known at a place (distance to a river, elevation,
 * soil class) as a linear term beside the field, as in regression kriging:
 *
 *     y = mean + std * (field(x, y) + sum_j coef_j * z_j)
 *
 * z the design row of a place: a numeric covariate standardised (minus its
 * mean, over its standard deviation, both from the training samples), a
 * categorical one as one indicator per class but the first (the field holds
 * the constant). Raw values are numbers; a class is given by its index in
 * the covariate's class list. */
#ifndef GEOEMBED_COVARIATES_H
#define GEOEMBED_COVARIATES_H

#include <stddef.h>

#include "geoembed/error.h"

#define GE_MAX_COVARIATES 32
#define GE_MAX_CLASSES 256
/* Design columns at most: each is a solve of the fit (a categorical
 * covariate of many classes would make it slow). */
#define GE_MAX_DESIGN 64

typedef struct {
    char *name;
    int categorical;
    int nclass;     /* categorical: classes, in order of first appearance */
    char **classes; /* [nclass] */
    double mean, sd; /* numeric: the standardisation */
} ge_covariate;

typedef struct {
    int P;             /* covariates */
    ge_covariate *c;   /* [P] */
    int ncoef;         /* design columns: 1 per numeric, nclass - 1 per categorical */
} ge_covariates;

/* The design columns of the covariates. */
int ge_covariates_columns(const ge_covariates *cv);
/* The design row z[ncoef] of raw values v[P] (NaN for a numeric one, or a
 * class index out of range: returns -1, z undefined). */
int ge_covariates_row(const ge_covariates *cv, const double *v, double *z);
/* The standardisation of numeric covariate j from raw[M][P] (NaN left out). */
void ge_covariates_standardize(ge_covariates *cv, const double *raw, size_t M);
/* Index of class name in covariate j, or -1. */
int ge_covariate_class(const ge_covariate *c, const char *name);
/* Appends a class to covariate c; returns its index, or -1 with err past
 * GE_MAX_CLASSES. */
int ge_covariate_add_class(ge_covariate *c, const char *name, ge_error *err);
int ge_covariates_copy(ge_covariates *dst, const ge_covariates *src, ge_error *err);
void ge_covariates_free(ge_covariates *cv);
/* The name of design column k: "dist", "soil=2" (for messages and info). */
void ge_covariates_column_name(const ge_covariates *cv, int k, char *buf, size_t len);

#endif
