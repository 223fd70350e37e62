/* Where predictions at points go: CSV text, or any OGR vector format chosen
 * by --of or by the output's extension (GDAL's GDAL_DMD_EXTENSIONS), written
 * through a staged temporary file and renamed into place. Column names are
 * made unique here. */
#ifndef GEOEMBED_CLI_POINTS_OUT_H
#define GEOEMBED_CLI_POINTS_OUT_H

#include <gdal.h>
#include <ogr_api.h>

#include "geoembed/outfile.h"
#include "options.h"

/* The format of predict's point output: *driver NULL for CSV text (the
 * default: standard output, .csv/.tsv/.txt, an extension no vector driver
 * claims), else the OGR driver's short name. Returns 0 or EXIT_USAGE. */
int points_format(const cli_args *a, const char **driver);

/* Output column names: names[0..n) as given, with every name equal
 * (ignoring case, as most OGR drivers do) to an earlier one renamed NAME_2,
 * NAME_3, ... and said on stderr. A new array of new strings, or NULL when out
 * of memory. */
char **unique_names(char *const *names, int n);
void names_free(char **names, int n);

/* An OGR dataset being written through a staged temporary file. */
typedef struct {
    ge_staged st;
    GDALDatasetH ds;
    OGRLayerH layer;
    const char *path;
    int in_transaction;
} vector_out;

/* Creates the dataset with one layer named after the output file. srs may
 * be NULL. Returns 0 or an exit status (printed). */
int vector_out_open(vector_out *v, const char *path, const char *driver, OGRSpatialReferenceH srs,
                    OGRwkbGeometryType geom);
/* Adds a field; 0 or an exit status (printed). */
int vector_out_field(vector_out *v, const char *name, OGRFieldType type);
/* Writes a feature; 0 or an exit status (printed). */
int vector_out_write(vector_out *v, OGRFeatureH f);
/* Closes and renames into place; 0 or an exit status (printed). */
int vector_out_commit(vector_out *v);
void vector_out_abort(vector_out *v);

#endif
