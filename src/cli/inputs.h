/* Shared plumbing of the commands that read samples or points. */
#ifndef GEOEMBED_CLI_INPUTS_H
#define GEOEMBED_CLI_INPUTS_H

#include "geoembed/samples.h"
#include "options.h"

/* --threads T (default: all cores). Returns 0 or EXIT_USAGE. */
int apply_threads(const cli_args *a);
/* --delimiter: 0 (detect), or the character. Returns 0 or EXIT_USAGE. */
int delimiter_option(const cli_args *a, char *out);
/* Refuses (usage error, printed) an option that does not apply to this kind
 * of input, e.g. --band on a CSV or --x on a raster. Returns 0 or EXIT_USAGE. */
int input_options_check(const cli_args *a, ge_source_kind kind, const char *path);
/* fit and cv without an INPUT: --target NAME=RASTER,... names the input, one
 * raster per target; it becomes pos[0] (for messages) and a->target_rasters
 * is set. Returns 0 (also when it does not apply) or EXIT_USAGE (printed). */
int target_rasters_input(cli_args *a);
/* The rasters of --target NAME=RASTER,... (after target_rasters_input), to
 * free with ge_target_sources_free. Returns 0 or EXIT_USAGE (printed). */
int target_rasters_list(const cli_args *a, ge_target_source **t, int *n);
/* Reads labelled samples (need_targets) or bare coordinates from path. */
int read_samples(const cli_args *a, const char *path, int need_targets, ge_samples *s);
/* Reading stops (read_samples returns 1, printing nothing) once *flag is set:
 * a command that catches SIGINT/SIGTERM passes its flag. */
void inputs_stop_on(volatile sig_atomic_t *flag);
/* Reads of samples from now on take these covariates of a model (eval): their
 * columns, classes mapped to the model's (NULL: none). */
void inputs_covariates_of(const ge_covariates *cov);
/* The same with hints from a model: its coordinate column names and targets. */
int read_samples_for(const cli_args *a, const char *path, const char *xcol, const char *ycol,
                     const char *targets, ge_samples *s);
/* The CRS of the samples as WKT ("" for unnamed planar coordinates): --src-crs,
 * else the source's own, else EPSG:4326 for lon/lat columns (range-checked).
 * When model_wkt is given, samples without a CRS of their own are taken to be
 * in it. Returns 0 or an exit status. */
int samples_crs(const cli_args *a, const ge_samples *s, const char *model_wkt, char **wkt);
/* A box (--bbox, --exterior) in a geographic CRS: latitudes within -90..90,
 * longitudes within -180..360 and at most 360 degrees wide. 0 or EXIT_USAGE. */
int degrees_box_check(const cli_args *a, opt_id opt, double xmin, double ymin, double xmax,
                      double ymax);
/* For a model without a CRS: --src-crs is a usage error (nothing to
 * reproject into; it was ignored before), and an input in a CRS of its own
 * (INPUT_CRS, of the file PATH) is warned about. Returns 0 or an exit status. */
int no_crs_to_reproject_into(const cli_args *a, const char *input_crs, const char *path);
/* Reprojects the samples from src to dst in place (nothing when the same).
 * Returns 0 or an exit status. */
int samples_to_crs(const cli_args *a, ge_samples *s, const char *src, const char *dst);

/* Says (on stderr) which targets a default choice took and left out, and how
 * many values each target misses: such a sample still teaches the others.
 * After the settings are read, so that a usage error stays one line. */
void report_targets(const cli_args *a, const ge_samples *s);

#endif
