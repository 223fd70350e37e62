/* Labelled samples read from an input: coordinates and target values, with
 * the names they came under. The command line turns any supported input into
 * this; the library trains on it. */
#ifndef GEOEMBED_SAMPLES_H
#define GEOEMBED_SAMPLES_H

#include <signal.h>
#include <stddef.h>

#include "geoembed/covariates.h"
#include "geoembed/error.h"

typedef struct {
    size_t M;
    int O;
    double *xy; /* [M][2] */
    double *y;  /* [M][O] */
    char *xcol, *ycol;
    char **targets; /* [O] */
    size_t skipped_missing; /* rows skipped for an empty/NA/NaN target (nodata pixels) */
    size_t centroids;       /* non-point features taken at their centroid */
    size_t skipped_geometry; /* features without a geometry */
    int lonlat;             /* coordinate columns are named like longitude/latitude */
    char *crs;              /* CRS the source declares (WKT), or NULL */
    long *lines;            /* [M] line of each sample in a CSV (for messages), or NULL */
    char *left_out;         /* default targets left out, "'id' (an identifier), ...", or NULL */
    double *w;              /* [M] relative sample weights (--weight, --sigma), or NULL: all 1 */
    ge_covariates cov;      /* covariates read (--covariates); cov.P == 0: none */
    double *craw;           /* [M][cov.P] their raw values (a class's index for a categorical) */
    size_t skipped_covariate; /* rows without a value of some covariate */
    size_t skipped_weight;  /* rows of weight 0 */
    long raster_step;       /* a huge raster with --max-samples: every Nth pixel and row read */
    /* A north-up raster input's own grid (the default grid to predict on). */
    int raster_grid;        /* 1 when the fields below are set */
    double raster_gt[6];    /* its geotransform */
    long raster_cols, raster_rows;
    /* --group: the distinct values of the group column, in the order first
     * seen, and each sample's index into them; group NULL: no grouping. */
    char **groups;          /* [ngroups] */
    size_t ngroups;
    size_t *group;          /* [M] */
} ge_samples;

/* "FILE:LINE" of sample i when known, else "FILE: sample I" (for messages). */
void ge_sample_where(const ge_samples *s, const char *path, size_t i, char *buf, size_t len);

/* What an input turned out to be (options apply to some kinds only). */
typedef enum { GE_SOURCE_CSV = 1, GE_SOURCE_VECTOR, GE_SOURCE_RASTER } ge_source_kind;

typedef struct {
    const char *x, *y;    /* coordinate columns; NULL: detect */
    const char *x_hint, *y_hint; /* tried before detection (a model's column names) */
    const char *targets;  /* comma-separated target columns; NULL: every other numeric one */
    const char *weight;   /* column of sample weights (or, with weight_is_sigma, of standard
                           * deviations: weight 1/sigma^2); NULL: none */
    int weight_is_sigma;
    const char *covariates;  /* comma-separated covariate columns, or NULL */
    const char *categorical; /* those of them that are classes (text columns are anyway) */
    const char *group;    /* column whose value puts each sample in a group, or NULL */
    const ge_covariates *classes_of; /* prediction: the model's covariates (their classes) */
    char delimiter;       /* 0: detect */
    int need_targets;     /* 0: coordinates only (no targets read) */
    /* GIS sources */
    const char *layer;    /* vector layer name; NULL: the first */
    const char *where;    /* OGR attribute filter */
    const int *bands;     /* raster bands (1-based), nbands of them; NULL: all */
    int nbands;
    size_t max_samples;   /* raster: keep a seeded random subset of this size; 0: all */
    unsigned long long seed;
    /* Called once the kind of input is known, before any data is read: a
     * non-zero return stops the reader, which then fails with err as the
     * callback left it (the caller may refuse options that do not apply). */
    int (*check_kind)(void *ctx, ge_source_kind kind, ge_error *err);
    void *check_ctx;
    /* Called now and then while reading: rows (features, pixel rows) read so
     * far, of total (0 when unknown). NULL: none. */
    void (*progress)(void *ctx, double done, double total);
    void *progress_ctx;
    /* When set (by a signal handler), the reader stops and fails with
     * "interrupted"; NULL: never. */
    volatile sig_atomic_t *stop;
    /* CSV file (not standard input): when set, this process reads one share
     * of the rows. After the header and the first row (which settles the
     * default targets on every process alike), the reader calls it with the
     * offset and line of the first data row's line; it returns the share,
     * the rows in bytes [*begin, *end) (both ends start a row; end -1: the
     * file's end), the first on line *line,
     * or -1 with err. The default targets' suspects are then not left out
     * (ge_samples_leave_out_suspects needs every row: the caller's, once it
     * holds them). NULL: every row. */
    int (*share)(void *ctx, const char *path, long long data_begin, long data_line,
                 long long *begin, long long *end, long *line, ge_error *err);
    void *share_ctx;
} ge_sample_opts;

/* Any supported input: CSV/TSV (by extension or "-"), else any OGR vector
 * source (point features; other geometries by their centroid), else any GDAL
 * raster (valid pixel centres). */
int ge_samples_read(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err);
int ge_samples_read_csv(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err);
int ge_samples_read_vector(const char *path, const ge_sample_opts *o, ge_samples *s,
                           ge_error *err);
/* A GDAL band's (a GDALRasterBandH) units: its values are scale x stored +
 * offset (1 and 0 when unset). 0, or -1 when they cannot be read in its units
 * (a scale of 0, a value that is not finite). */
int ge_band_units(void *band, double *scale, double *offset);

int ge_samples_read_raster(const char *path, const ge_sample_opts *o, ge_samples *s,
                           ge_error *err);
/* What GDAL makes of path, for messages when it is not what was expected: "a
 * GTiff raster (2 bands, ...)", "a netCDF file with 3 subdatasets; name one,
 * e.g. ...", "a damaged or unreadable GeoJSON file: <GDAL's reason>". 0 when
 * GDAL does not recognise it (or it is standard input). */
int ge_source_describe(const char *path, char *buf, size_t n);
/* Short name of the first GDAL driver with capability cap (GDAL_DCAP_VECTOR,
 * GDAL_DCAP_CREATE, ...) that lists path's extension, or NULL. */
const char *ge_gdal_driver_for_ext(const char *path, const char *cap);
/* 1 when path names a CSV/TSV file to read with the CSV reader. */
int ge_is_csv_path(const char *path);
void ge_samples_free(ge_samples *s);
/* Moves sample `from` to place `to` (to <= from) in every per-sample array:
 * for compacting after a filter. */
void ge_samples_move(ge_samples *s, size_t from, size_t to);

/* A target list as --target takes it: names separated by commas; a name in
 * double quotes may hold commas ("a,b") and quotes written twice. Empty and
 * repeated names and more than GE_MAX_OUTPUTS are errors. */
int ge_target_list(const char *list, char ***names, int *n, ge_error *err);
void ge_target_list_free(char **names, int n);
/* The list that ge_target_list reads back as these names (malloc'ed). */
char *ge_target_list_join(char *const *names, int n);

/* A target read from a raster of its own (--target NAME=RASTER[:BAND],...):
 * for vector fields stored as one variable per file or subdataset. */
typedef struct {
    char *name;   /* the target */
    char *source; /* any GDAL raster, e.g. NETCDF:"f.nc":u */
    int band;     /* 1-based */
} ge_target_source;

/* Parses NAME=RASTER[:BAND],... (split as ge_target_list splits, so a source
 * holding a comma is written in double quotes): a trailing :DIGITS is always
 * a band number (default 1). Names must be unique and non-empty. Returns 0,
 * or -1 with err. */
int ge_target_sources(const char *list, ge_target_source **out, int *n, ge_error *err);
void ge_target_sources_free(ge_target_source *t, int n);
/* The samples of n rasters that share one grid (size, geotransform, CRS),
 * target k from t[k]: a pixel that is nodata in one raster is a missing value
 * of that target only. label names the set in messages. Options as for
 * ge_samples_read_raster (check_kind sees GE_SOURCE_RASTER). */
int ge_samples_read_rasters(const ge_target_source *t, int n, const char *label,
                            const ge_sample_opts *o, ge_samples *s, ge_error *err);

/* The weight of a sample from the value v of its weight column: 1 (and 0)
 * on success, -1 with why when v is no weight (negative, NaN, or a sigma
 * that is not positive). A weight of 0 drops the sample. */
int ge_sample_weight(double v, int is_sigma, double *w, const char **why);

/* Covariate reading shared by the readers: sets up s->cov from the names in
 * o->covariates (each named column must exist: col[j] its index, found by
 * the caller's lookup), and reads one raw value: a number, or a class
 * (categorical, or a text value in the first row makes the covariate
 * categorical). Returns 1 with *v set, 0 for a missing value, -1 with err. */
int ge_covariate_value(ge_covariate *c, const ge_covariates *model, int j, const char *text,
                       int first_row, double *v, const char **why, ge_error *err);

/* s->cov for the names in o->covariates: the model's covariates when
 * predicting (o->classes_of), else new ones, categorical as o->categorical
 * says; their names into *names[*n] (free with ge_target_list_free) for the
 * reader to find. Returns 0, or -1 with err (names then freed). */
int ge_covariates_setup(const ge_sample_opts *o, ge_samples *s, char ***names, int *n,
                        ge_error *err);

/* Of default targets (every numeric column), leaves out those that look like
 * identifiers, times or integer codes, by name or values, when others remain;
 * says which in s->left_out. Rows left with no value are dropped. */
int ge_samples_leave_out_suspects(ge_samples *s, ge_error *err);

/* The default targets' check by parts (samples spread over processes): what
 * column k's values of s tell, s's rows being rows first_row.. of the whole
 * data (scratch: s->M doubles), ... */
#define GE_CODE_MAX_DISTINCT 5
typedef struct {
    double n;     /* values present */
    int fraction; /* a value that is not an integer (or beyond 1e15) */
    int counter;  /* a value in every row, each base + its row */
    double base;
    int ndistinct; /* distinct values, the first GE_CODE_MAX_DISTINCT + 1 */
    double distinct[GE_CODE_MAX_DISTINCT + 1];
} ge_column_summary;
void ge_column_summarise(const ge_samples *s, size_t first_row, int k, ge_column_summary *c,
                         double *scratch);
/* ... and the check on the summaries c[O] of all `rows` rows together (n
 * summed, fraction or-ed, counter and-ed with one base, distinct values
 * merged): the columns left out as ge_samples_leave_out_suspects does. */
int ge_samples_leave_out_summarised(ge_samples *s, const ge_column_summary *c, size_t rows,
                                    ge_error *err);

/* The index of group value v in s->groups, added when new: 0, or -1 with
 * err (out of memory). Readers call it for every sample they keep. */
int ge_samples_group_of(ge_samples *s, const char *v, size_t *g, ge_error *err);
/* s->groups in the order to process them: as numbers when every value is a
 * number, else byte by byte. A malloc'ed [ngroups] of indices, or NULL. */
size_t *ge_samples_group_order(const ge_samples *s);

/* Column name matching: the coordinate names geoembed detects. */
int ge_is_lon_name(const char *name);
int ge_is_lat_name(const char *name);

#endif
