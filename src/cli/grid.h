/* predict --grid: the output raster's extent and size, and its writers. */
#ifndef GEOEMBED_CLI_GRID_H
#define GEOEMBED_CLI_GRID_H

#include "options.h"
#include "predictor.h"

typedef struct {
    double xmin, ymin, xmax, ymax; /* outer edges of the pixels */
    long cols, rows;
    double xres, yres;
    int csv; /* 1: CSV grid of cell centres; 0: a GDAL raster driver */
    const char *driver;
} grid_spec;

/* --bbox, --resolution, --size, --of; defaults: the model's exterior at the
 * model's cell size. Returns 0 or an exit status. */
int grid_spec_resolve(const cli_args *a, const predictor *p, grid_spec *g);
/* Writes the grid, row by row from the top (north up). */
int grid_write(const cli_args *a, const predictor *p, const grid_spec *g);
/* GeoTIFF or any GDAL raster driver (grid_gdal.c). */
int grid_write_gdal(const cli_args *a, const predictor *p, const grid_spec *g);
/* Centre of pixel (col, row), row 0 at the top. */
void grid_centre(const grid_spec *g, long col, long row, double *x, double *y);

#endif
