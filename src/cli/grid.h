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
    char *crs_wkt;               /* the grid's CRS: --dst-crs, else the model's */
    struct ge_transform *to_model; /* grid CRS -> model CRS, NULL when the same */
    int type;                      /* raster: the bands' GDALDataType (--ot) */
    double nodata;                 /* raster: the value of empty pixels (--nodata), NaN */
} grid_spec;

void grid_spec_free(grid_spec *g);
/* Pixel centres of rows [r0, r0+nr) in the model's CRS: xy[nr*cols][2]. */
void grid_centres_in_model(const grid_spec *g, long r0, long nr, double *xy);
/* The same for columns [c0, c0+nc) of those rows: xy[nr*nc][2], row by row. */
void grid_centres_block(const grid_spec *g, long r0, long nr, long c0, long nc, double *xy);

/* --like, --bbox, --resolution (kept exactly with --exact-resolution or
 * --target-aligned-pixels), --size, --dst-crs, --of; defaults: the grid of
 * the raster the model was fit from, else the model's exterior at the
 * model's cell size. Returns 0 or an exit status. */
int grid_spec_resolve(const cli_args *a, const predictor *p, grid_spec *g);
/* Writers call this after each strip: a live progress line on a terminal. */
void grid_progress(const grid_spec *g, long rows_done);
/* Writes the grid, row by row from the top (north up). */
int grid_write(const cli_args *a, const predictor *p, const grid_spec *g);
/* GeoTIFF or any GDAL raster driver (grid_gdal.c). */
int grid_write_gdal(const cli_args *a, const predictor *p, const grid_spec *g);
/* --ot and --nodata (raster grids only): sets g->type and g->nodata. Returns
 * 0 or a usage error's exit status. */
int grid_gdal_type(const cli_args *a, grid_spec *g);
/* The raster driver for path's extension, from GDAL's list of each driver's
 * extensions (GTiff for .tif). Returns 0 or a usage error's exit status. */
int grid_gdal_driver_for(const cli_args *a, const char *path, const char **driver);

/* Whether GDAL's driver (a GDALDriverH) writes rasters of data type type (a
 * GDALDataType) as they are: drivers that name their creation types (PNG:
 * Byte and UInt16; GIF: Byte) convert any other type when copying, without
 * a word from GIF, so that predictions or pixels of another type would be
 * changed. The driver's types go to types[n] either way ("" when it names
 * none: it is taken at its word). */
int grid_driver_writes_type(void *driver, int type, char *types, size_t n);
/* Whether GDAL's DRIVER writes a single band (XYZ, AAIGrid, the Surfer
 * grids, ...): GDAL states no limit, and drops or refuses the other bands
 * after the work is done. */
int grid_one_band_format(const char *driver);
/* A grid writer's count of the cells it left empty, said by grid_write. */
void grid_count_empty(size_t cells);
/* --like: the geotransform, size and CRS (WKT, "" for none) of the raster at
 * path, which must be north up. Returns 0 or an exit status (printed). */
int grid_like_read(const char *path, double gt[6], long *cols, long *rows, char **wkt);
/* The --co KEY=VALUE options over the defaults in co (a CSL list, returned). */
char **grid_user_options(const cli_args *a, char **co);
/* Whether GDAL's driver (a GDALDriverH) takes every --co option, name and
 * value: 0, or the usage error's exit status (printed) for one it would
 * ignore (GDAL only warns, and writes the file without it). */
int grid_check_user_options(const cli_args *a, void *driver);
/* Centre of pixel (col, row), row 0 at the top. */
void grid_centre(const grid_spec *g, long col, long row, double *x, double *y);

#endif
