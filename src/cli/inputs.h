/* Shared plumbing of the commands that read samples or points. */
#ifndef GEOEMBED_CLI_INPUTS_H
#define GEOEMBED_CLI_INPUTS_H

#include "geoembed/samples.h"
#include "options.h"

/* --threads T (default: all cores). Returns 0 or EXIT_USAGE. */
int apply_threads(const cli_args *a);
/* --delimiter: 0 (detect), or the character. Returns 0 or EXIT_USAGE. */
int delimiter_option(const cli_args *a, char *out);
/* Reads labelled samples (need_targets) or bare coordinates from path. */
int read_samples(const cli_args *a, const char *path, int need_targets, ge_samples *s);
/* The same with hints from a model: its coordinate column names and targets. */
int read_samples_for(const cli_args *a, const char *path, const char *xcol, const char *ycol,
                     const char *targets, ge_samples *s);
/* The CRS of the samples as WKT ("" for unnamed planar coordinates), after the
 * range checks of lon/lat data. Returns 0 or an exit status. */
int samples_crs(const cli_args *a, const ge_samples *s, char **wkt);

#endif
