/* predict --grid --covariate NAME=RASTER (covariate_grid.c). */
#ifndef GEOEMBED_CLI_COVARIATE_GRID_H
#define GEOEMBED_CLI_COVARIATE_GRID_H

#include "grid.h"

/* For a model with covariates: each read from its --covariate raster onto
 * the grid g into p->cov_grid (every covariate needs one). An option for a
 * model without covariates, or naming none of them, is a usage error.
 * Returns 0 or an exit status after printing the error. */
int predictor_covariate_grid(predictor *p, const cli_args *a, const grid_spec *g);

#endif
