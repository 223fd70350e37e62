/* predict --grid --contours INTERVAL --contours-out FILE: contour lines of
 * the grid of a one-target model, as a vector file (GDAL's contour
 * generator). */
#ifndef GEOEMBED_CLI_CONTOURS_H
#define GEOEMBED_CLI_CONTOURS_H

#include <gdal.h>

#include "options.h"
#include "predictor.h"

/* Checks --contours and --contours-out before anything is written: both or
 * neither, a positive interval, a raster grid of one target, a vector format
 * that can create files. Returns 0 or EXIT_USAGE (printed). */
int contours_check(const cli_args *a, const predictor *p, int csv_grid);
/* Writes the contours of band 1 of ds (the finished grid) to --contours-out.
 * Returns 0 or an exit status (printed). */
int contours_write(const cli_args *a, const predictor *p, GDALDatasetH ds);

#endif
