/* predict --grid --covariate NAME=RASTER (covariate_grid.c). */
#ifndef GEOEMBED_CLI_COVARIATE_GRID_H
#define GEOEMBED_CLI_COVARIATE_GRID_H

#include "grid.h"

/* For a model with covariates: each opened from its --covariate raster and
 * warped onto the grid g, block by block as windows of it are read (every
 * covariate needs one). An option for a model without covariates, or
 * naming none of them, is a usage error. Returns 0 or an exit status after
 * printing the error. */
int predictor_covariate_grid(predictor *p, const cli_args *a, const grid_spec *g);
/* The covariates' raw values in rows [r0, r0 + nr) x columns [c0, c0 + nc)
 * of the grid read into p->cov, for predictor_at_cell (nothing without
 * covariates). A cell's value does not depend on the window that holds it.
 * Returns 0 or an exit status after printing the error. */
int predictor_covariate_window(const predictor *p, long r0, long nr, long c0, long nc);
/* The raw values raw[P] at cell (row, col) of the window last read. */
void covariate_window_at(const covariate_window *w, long row, long col, double *raw);
/* Closes the warped rasters and frees the window (predictor_free). */
void predictor_covariates_close(predictor *p);

#endif
