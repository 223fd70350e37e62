/* Output of predictions at points: format choice, unique column names, and
 * an OGR layer written through a staged temporary file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "display.h"
#include "geoembed/samples.h"
#include "points_out.h"

static int has_text_ext(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return 0;
    return !strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") || !strcasecmp(dot, ".txt");
}

int points_format(const cli_args *a, const char **driver)
{
    const char *of = a->val[O_OF], *out = a->val[O_OUTPUT];
    *driver = NULL;
    if (of) {
        if (strcasecmp(of, "CSV") == 0)
            return 0;
        GDALAllRegister();
        GDALDriverH d = GDALGetDriverByName(of);
        if (!d || !GDALGetMetadataItem(d, GDAL_DCAP_VECTOR, NULL) ||
            !GDALGetMetadataItem(d, GDAL_DCAP_CREATE, NULL))
            return usage_error(a->cmd_name, "--of: '%s' is not a GDAL vector driver that can "
                                            "create files (see ogrinfo --formats)",
                               of);
        *driver = GDALGetDriverShortName(d);
        return 0;
    }
    if (!out || strcmp(out, "-") == 0 || has_text_ext(out))
        return 0;
    const char *d = ge_gdal_driver_for_ext(out, GDAL_DCAP_VECTOR);
    if (d && strcmp(d, "CSV") == 0)
        return 0;
    if (d) {
        GDALDriverH h = GDALGetDriverByName(d);
        if (!h || !GDALGetMetadataItem(h, GDAL_DCAP_CREATE, NULL))
            return usage_error(a->cmd_name, "'%s': GDAL's %s driver cannot write files; name "
                                            "another format with --of",
                               out, d);
        *driver = d;
        return 0;
    }
    /* CSV text in a file named like a raster would be a quiet mistake */
    if (ge_gdal_driver_for_ext(out, GDAL_DCAP_RASTER))
        return usage_error(a->cmd_name, "'%s' names a raster format; predictions at points are "
                                        "CSV or a vector format (.csv, .gpkg, .geojson, ... or "
                                        "--of), a raster is written with --grid",
                           out);
    return 0;
}

void names_free(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static int taken(char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return 1;
    return 0;
}

char **unique_names(char *const *names, int n)
{
    char **out = calloc((size_t)n + 1, sizeof *out);
    for (int i = 0; out && i < n; i++) {
        size_t len = strlen(names[i]) + 24;
        if (!(out[i] = malloc(len))) {
            names_free(out, i);
            return NULL;
        }
        snprintf(out[i], len, "%s", names[i]);
        for (int k = 2; taken(out, i, out[i]); k++)
            snprintf(out[i], len, "%s_%d", names[i], k);
        if (strcmp(out[i], names[i]) != 0)
            say(2, "geoembed: predict: column '%s' is written as '%s' (the name is taken)\n",
                names[i], out[i]);
    }
    return out;
}

/* The layer's name: the output's file name without its extension. */
static void layer_name(const char *path, char *buf, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    if (strcmp(path, "-") == 0 || !*b)
        b = "predictions";
    snprintf(buf, n, "%s", b);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = 0;
}

int vector_out_open(vector_out *v, const char *path, const char *driver, OGRSpatialReferenceH srs,
                    OGRwkbGeometryType geom)
{
    ge_error err;
    memset(v, 0, sizeof *v);
    v->path = path;
    if (ge_staged_open(&v->st, path, &err))
        return fail_with(&err);
    GDALDriverH d = GDALGetDriverByName(driver);
    CPLErrorReset();
    v->ds = d ? GDALCreate(d, v->st.target, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!v->ds) {
        int rc = runtime_error("%s: %s cannot create it: %s", path, driver, CPLGetLastErrorMsg());
        vector_out_abort(v);
        return rc;
    }
    char name[256];
    layer_name(path, name, sizeof name);
    /* a CSV layer of lines (contours) keeps them as WKT; they were dropped */
    const char *wkt[] = {"GEOMETRY=AS_WKT", NULL};
    const int csv_lines = !strcasecmp(driver, "CSV") && wkbFlatten(geom) != wkbPoint;
    v->layer = GDALDatasetCreateLayer(v->ds, name, srs, geom, csv_lines ? (char **)wkt : NULL);
    if (!v->layer) {
        int rc = runtime_error("%s: %s cannot create a layer: %s", path, driver,
                               CPLGetLastErrorMsg());
        vector_out_abort(v);
        return rc;
    }
    /* one transaction: GeoPackage and SQLite write a row at a time otherwise */
    v->in_transaction = GDALDatasetStartTransaction(v->ds, FALSE) == OGRERR_NONE;
    return 0;
}

int vector_out_field(vector_out *v, const char *name, OGRFieldType type)
{
    OGRFieldDefnH fd = OGR_Fld_Create(name, type);
    OGRErr e = OGR_L_CreateField(v->layer, fd, TRUE);
    OGR_Fld_Destroy(fd);
    if (e != OGRERR_NONE)
        return runtime_error("%s: cannot add the field '%s': %s", v->path, name,
                             CPLGetLastErrorMsg());
    return 0;
}

int vector_out_write(vector_out *v, OGRFeatureH f)
{
    if (OGR_L_CreateFeature(v->layer, f) != OGRERR_NONE)
        return runtime_error("%s: cannot write a feature: %s", v->path, CPLGetLastErrorMsg());
    return 0;
}

int vector_out_commit(vector_out *v)
{
    ge_error err;
    CPLErrorReset();
    int bad = v->in_transaction && GDALDatasetCommitTransaction(v->ds) != OGRERR_NONE;
    GDALClose(v->ds); /* flushes: errors show in the last error */
    v->ds = NULL;
    bad |= CPLGetLastErrorType() >= CE_Failure;
    if (bad) {
        int rc = runtime_error("%s: write failed: %s", v->path, CPLGetLastErrorMsg());
        vector_out_abort(v);
        return rc;
    }
    if (ge_staged_commit(&v->st, &err))
        return fail_with(&err);
    return 0;
}

void vector_out_abort(vector_out *v)
{
    if (v->ds)
        GDALClose(v->ds);
    v->ds = NULL;
    ge_staged_abort(&v->st);
}
