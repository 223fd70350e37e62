/* The samples of fit's INPUT... (one or several inputs merged). */
#ifndef GEOEMBED_CLI_FIT_INPUTS_H
#define GEOEMBED_CLI_FIT_INPUTS_H

#include "geoembed/samples.h"
#include "options.h"

/* Reads every input into s: the first as read_samples does; each other one
 * with the first's target names and coordinate columns; every one from its
 * own CRS (--src-crs for inputs without one; lon/lat columns EPSG:4326; else
 * the common CRS) into the common CRS (--src-crs, else the first's), appended.
 * s->crs is then the common CRS. Returns 0 or an exit status (printed). */
int read_fit_inputs(const cli_args *a, ge_samples *s);

#endif
