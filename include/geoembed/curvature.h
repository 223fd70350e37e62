/* The curvature penalty of the smooth model (SPEC 1b): the thin-plate energy of
 * the field, mean over the grid of Fxx^2 + Fyy^2 + 2 Fxy^2 (second differences
 * in cell units; wrapped axes are cyclic, clamped axes use interior cells). */
#ifndef GEOEMBED_CURVATURE_H
#define GEOEMBED_CURVATURE_H

#include "geoembed/model.h"

/* Returns lambda * energy(F); when dF is not NULL adds lambda * dEnergy/dF. */
double ge_curvature(const ge_model *m, const double *F, double lambda, double *dF);

#endif
