/* Samples from GIS sources: OGR vector layers (point features; other
 * geometries by their centroid) and GDAL rasters (every valid pixel centre,
 * read block row by block row; a seeded reservoir keeps --max-samples). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "geoembed/csv.h"
#include "geoembed/memory.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"
#include "geoembed/samples.h"
#include "raster_samples.h"

static int ends_with(const char *s, const char *e)
{
    size_t n = strlen(s), m = strlen(e);
    return n >= m && strcasecmp(s + n - m, e) == 0;
}

int ge_is_csv_path(const char *path)
{
    return strcmp(path, "-") == 0 || ends_with(path, ".csv") || ends_with(path, ".tsv") ||
           ends_with(path, ".txt");
}

static char *wkt_of(OGRSpatialReferenceH srs)
{
    if (!srs)
        return NULL;
    char *w = NULL;
    const char *opts[] = {"FORMAT=WKT2_2018", NULL};
    OSRExportToWktEx(srs, &w, opts);
    char *out = w ? strdup(w) : NULL;
    CPLFree(w);
    return out;
}

/* Coordinate names: lon/lat for geographic sources, x/y otherwise. */
static int name_coords(ge_samples *s, OGRSpatialReferenceH srs)
{
    int geo = srs && OSRIsGeographic(srs);
    s->xcol = strdup(geo ? "lon" : "x");
    s->ycol = strdup(geo ? "lat" : "y");
    return s->xcol && s->ycol ? 0 : -1;
}

/* Appends a sample; w: its weight, or NULL when the source has none; gv: its
 * group (--group), or NULL. -1 and err when memory is short or would be. */
static int push(ge_samples *s, size_t *cap, double x, double y, const double *t, const double *w,
                const char *gv, const char *path, ge_error *err)
{
    if (gv && s->M == *cap) {
        size_t *gr = realloc(s->group, (*cap ? *cap * 2 : 1024) * sizeof *gr);
        if (!gr)
            return ge_fail(err, "%s: out of memory after %zu samples", path, s->M);
        s->group = gr;
    }
    size_t gi = 0;
    if (gv && ge_samples_group_of(s, gv, &gi, err))
        return -1;
    if (s->M == *cap) {
        size_t c = *cap ? *cap * 2 : 1024;
        char what[160]; /* a huge source must not take all memory before it fails */
        snprintf(what, sizeof what, "%s: room for %zu samples", path, c);
        if (ge_mem_check((double)c * (2.0 + s->O) * 8, what, err))
            return -1;
        double *xy = realloc(s->xy, c * 2 * sizeof *xy);
        if (xy)
            s->xy = xy;
        double *yy = s->O ? realloc(s->y, c * (size_t)s->O * sizeof *yy) : s->y;
        if (yy)
            s->y = yy;
        double *ww = w ? realloc(s->w, c * sizeof *ww) : s->w;
        if (ww)
            s->w = ww;
        if (!xy || (s->O && !yy) || (w && !ww))
            return ge_fail(err, "%s: out of memory after %zu samples", path, s->M);
        *cap = c;
    }
    s->xy[2 * s->M] = x;
    s->xy[2 * s->M + 1] = y;
    if (s->O)
        memcpy(s->y + s->M * s->O, t, (size_t)s->O * sizeof *t);
    if (w)
        s->w[s->M] = *w;
    if (gv)
        s->group[s->M] = gi;
    s->M++;
    return 0;
}

static int numeric_field(OGRFieldDefnH fd);

/* A feature's group (--group), malloc'ed: the field as text, dates as ISO 8601
 * (OGR writes them 2024/01/31) so that they sort in time and name files
 * alike from a CSV or a GeoPackage. */
static char *group_value(OGRFeatureH f, int k)
{
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, k));
    int y, mo, d, h, mi, tz;
    float sec;
    if ((t == OFTDate || t == OFTDateTime) &&
        OGR_F_GetFieldAsDateTimeEx(f, k, &y, &mo, &d, &h, &mi, &sec, &tz)) {
        char buf[64];
        if (t == OFTDate)
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
        else if (sec == floorf(sec))
            snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi,
                     (int)sec);
        else /* milliseconds, as OGR keeps them */
            snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%06.3f", y, mo, d, h, mi,
                     (double)sec);
        return strdup(buf);
    }
    return strdup(OGR_F_GetFieldAsString(f, k));
}

/* The fields of --covariates into cf[], and s->cov set up
 * (ge_covariates_setup): a text field holds classes. */
static int vector_covariates(OGRFeatureDefnH def, const ge_sample_opts *o, ge_samples *s,
                             int *cf, const char *path, ge_error *err)
{
    char **names;
    int n, rc = 0;
    if (ge_covariates_setup(o, s, &names, &n, err))
        return -1;
    for (int j = 0; j < n && !rc; j++) {
        if ((cf[j] = OGR_FD_GetFieldIndex(def, names[j])) < 0)
            rc = ge_fail(err, "%s: no field '%s' (covariate)", path, names[j]);
        else if (!o->classes_of && OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, cf[j])) == OFTString)
            s->cov.c[j].categorical = 1;
    }
    ge_target_list_free(names, n);
    return rc;
}

static int numeric_field(OGRFieldDefnH fd)
{
    OGRFieldType t = OGR_Fld_GetType(fd);
    return t == OFTInteger || t == OFTInteger64 || t == OFTReal;
}

static GDALDatasetH open_source(const char *path, unsigned kinds)
{
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, kinds | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    return ds;
}

static int read_vector(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                       ge_error *err);

int ge_samples_read_vector(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    return read_vector(open_source(path, GDAL_OF_VECTOR), path, o, s, err);
}

int ge_samples_read_raster(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    return ge_raster_samples(open_source(path, GDAL_OF_RASTER), path, o, s, err);
}

/* The readers' common ending: close the source, restore error reporting, and
 * leave nothing allocated on failure. */
static int finish(GDALDatasetH ds, int rc, ge_samples *s)
{
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    if (rc)
        ge_samples_free(s);
    return rc;
}

/* Both readers take ownership of ds (NULL: the source could not be opened). */
static int read_vector(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                       ge_error *err)
{
    memset(s, 0, sizeof *s);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int rc = -1, *fields = NULL;
    size_t cap = 0;
    if (!ds) {
        ge_fail(err, "%s: cannot open as a vector source: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    if (o->check_kind && o->check_kind(o->check_ctx, GE_SOURCE_VECTOR, err))
        goto done;
    OGRLayerH layer = o->layer ? GDALDatasetGetLayerByName(ds, o->layer)
                               : GDALDatasetGetLayer(ds, 0);
    if (!layer) {
        ge_fail(err, "%s: %s%s%s", path, o->layer ? "no layer '" : "no layers",
                o->layer ? o->layer : "", o->layer ? "'" : "");
        goto done;
    }
    if (o->where && OGR_L_SetAttributeFilter(layer, o->where) != OGRERR_NONE) {
        ge_fail(err, "%s: invalid --where expression '%s': %s", path, o->where,
                CPLGetLastErrorMsg());
        goto done;
    }
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(layer);
    int nf = OGR_FD_GetFieldCount(def);
    fields = calloc((size_t)nf + 1, sizeof *fields);
    if (!fields)
        goto oom;
    int cf[GE_MAX_COVARIATES]; /* the covariates' fields */
    size_t ccap = 0;
    if (o->covariates && vector_covariates(def, o, s, cf, path, err))
        goto done;
    int wf = -1; /* the weight field */
    if (o->weight) {
        wf = OGR_FD_GetFieldIndex(def, o->weight);
        if (wf < 0 || !numeric_field(OGR_FD_GetFieldDefn(def, wf))) {
            ge_fail(err, "%s: %s field '%s' (%s) in layer '%s'", path,
                    wf < 0 ? "no" : "not a numeric", o->weight,
                    o->weight_is_sigma ? "--sigma" : "--weight", OGR_L_GetName(layer));
            goto done;
        }
    }
    int gf = -1; /* the group field */
    if (o->group && (gf = OGR_FD_GetFieldIndex(def, o->group)) < 0) {
        ge_fail(err, "%s: no field '%s' (--group) in layer '%s'", path, o->group,
                OGR_L_GetName(layer));
        goto done;
    }
    if (o->need_targets && o->targets) {
        char **names;
        int n;
        ge_error why;
        if (ge_target_list(o->targets, &names, &n, &why)) {
            ge_fail(err, "%s: %s", path, why.msg);
            goto done;
        }
        for (int j = 0; j < n; j++) {
            const char *t = names[j];
            int k = -1; /* the exact name first: a model's target is matched verbatim */
            for (int i = 0; i < nf && k < 0; i++)
                if (strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i)), t) == 0)
                    k = i;
            if (k < 0)
                k = OGR_FD_GetFieldIndex(def, t);
            int twice = 0; /* two spellings of one field; fields has a slot per field */
            for (int i = 0; k >= 0 && i < s->O; i++)
                twice |= fields[i] == k;
            if (k < 0 || twice ||
                (!numeric_field(OGR_FD_GetFieldDefn(def, k)) &&
                 OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, k)) != OFTString)) {
                ge_fail(err, "%s: %s field '%s' in layer '%s'", path,
                        k < 0 ? "no" : twice ? "twice the" : "not a numeric", t,
                        OGR_L_GetName(layer));
                ge_target_list_free(names, n);
                goto done;
            }
            fields[s->O++] = k;
        }
        ge_target_list_free(names, n);
    } else if (o->need_targets) {
        /* Every numeric attribute but copies of the coordinates (lon, lat, x, y):
         * the geometry is where a sample is. */
        int numeric = 0;
        for (int k = 0; k < nf; k++) {
            OGRFieldDefnH fd = OGR_FD_GetFieldDefn(def, k);
            const char *nm = OGR_Fld_GetNameRef(fd);
            int is_cov = 0;
            for (int j = 0; j < s->cov.P; j++)
                is_cov |= cf[j] == k;
            if (numeric_field(fd) && k != wf && k != gf && !is_cov && !ge_is_lon_name(nm) &&
                !ge_is_lat_name(nm) &&
                strcasecmp(nm, "x") != 0 && strcasecmp(nm, "y") != 0) {
                if (s->O < GE_MAX_OUTPUTS)
                    fields[s->O++] = k;
                numeric++;
            }
        }
        if (numeric > GE_MAX_OUTPUTS) { /* never drop attributes silently */
            ge_fail(err, "%s: layer '%s' has %d numeric attributes, more than the %d targets a "
                         "model holds; choose them with --target",
                    path, OGR_L_GetName(layer), numeric, GE_MAX_OUTPUTS);
            goto done;
        }
        if (s->O == 0) {
            ge_fail(err, "%s: layer '%s' has no numeric attribute to learn", path,
                    OGR_L_GetName(layer));
            goto done;
        }
    }
    s->targets = calloc((size_t)s->O + 1, sizeof *s->targets);
    if (!s->targets)
        goto oom;
    for (int k = 0; k < s->O; k++)
        if (!(s->targets[k] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, fields[k])))))
            goto oom;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    s->crs = wkt_of(srs);
    if (name_coords(s, srs))
        goto oom;
    OGRFeatureH f;
    double t[GE_MAX_OUTPUTS];
    OGRGeometryH centroid = OGR_G_CreateGeometry(wkbPoint);
    OGR_L_ResetReading(layer);
    /* -1: slow; a filter GDAL cannot run fails here first, quietly: the
     * reading below says it in one line */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GIntBig total = o->progress ? OGR_L_GetFeatureCount(layer, FALSE) : -1;
    CPLPopErrorHandler();
    CPLErrorReset();
    size_t nread = 0;
    while ((f = OGR_L_GetNextFeature(layer))) {
        if (o->progress && ++nread % 4096 == 0)
            o->progress(o->progress_ctx, (double)nread, total > 0 ? (double)total : 0);
        if (o->stop && *o->stop) {
            ge_fail(err, "%s: interrupted", path);
            OGR_F_Destroy(f);
            OGR_G_DestroyGeometry(centroid);
            goto done;
        }
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        double wv = 1;
        if (wf >= 0) {
            const char *why = "expected a number";
            int keep = OGR_F_IsFieldSetAndNotNull(f, wf)
                           ? ge_sample_weight(OGR_F_GetFieldAsDouble(f, wf), o->weight_is_sigma,
                                              &wv, &why)
                           : -1;
            if (keep < 0) {
                ge_fail(err, "%s: layer '%s' feature %lld: field '%s': %s, got '%.40s'", path,
                        OGR_L_GetName(layer), (long long)OGR_F_GetFID(f), o->weight, why,
                        OGR_F_GetFieldAsString(f, wf));
                OGR_F_Destroy(f);
                OGR_G_DestroyGeometry(centroid);
                goto done;
            }
            if (!keep) {
                s->skipped_weight++;
                OGR_F_Destroy(f);
                continue;
            }
        }
        if (s->cov.P) {
            if (s->M == ccap) {
                ccap = ccap ? 2 * ccap : 1024;
                double *cr = realloc(s->craw, ccap * (size_t)s->cov.P * sizeof *cr);
                if (!cr) {
                    OGR_F_Destroy(f);
                    OGR_G_DestroyGeometry(centroid);
                    goto oom;
                }
                s->craw = cr;
            }
            int got = 1;
            for (int j = 0; j < s->cov.P && got > 0; j++) {
                const char *why;
                const char *text =
                    OGR_F_IsFieldSetAndNotNull(f, cf[j]) ? OGR_F_GetFieldAsString(f, cf[j]) : "";
                got = ge_covariate_value(&s->cov.c[j], o->classes_of, j, text, s->M == 0,
                                         &s->craw[s->M * (size_t)s->cov.P + j], &why, err);
                if (got < 0 && why)
                    ge_fail(err, "%s: layer '%s' feature %lld: field '%s' (covariate): %s, got "
                                 "'%.40s'",
                            path, OGR_L_GetName(layer), (long long)OGR_F_GetFID(f),
                            s->cov.c[j].name, why, text);
            }
            if (got < 0) {
                OGR_F_Destroy(f);
                OGR_G_DestroyGeometry(centroid);
                goto done;
            }
            if (!got) {
                s->skipped_covariate++;
                OGR_F_Destroy(f);
                continue;
            }
        }
        int present = 0; /* a missing value is NaN: the sample still teaches the others */
        for (int k = 0; k < s->O; k++) {
            t[k] = NAN;
            if (!OGR_F_IsFieldSetAndNotNull(f, fields[k]))
                continue;
            else if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, fields[k])) == OFTString) {
                /* text attributes (a CSV through ogr2ogr) must hold numbers */
                const char *v = OGR_F_GetFieldAsString(f, fields[k]);
                if (ge_csv_is_missing(v))
                    t[k] = NAN;
                else if (ge_csv_number(v, &t[k])) {
                    ge_fail(err, "%s: layer '%s' feature %lld: field '%s' is not a number: "
                                 "'%.40s'",
                            path, OGR_L_GetName(layer), (long long)OGR_F_GetFID(f),
                            s->targets[k], v);
                    OGR_F_Destroy(f);
                    OGR_G_DestroyGeometry(centroid);
                    goto done;
                }
            } else
                t[k] = OGR_F_GetFieldAsDouble(f, fields[k]);
            if (!isfinite(t[k]))
                t[k] = NAN;
            else
                present++;
        }
        char *gv = NULL; /* the feature's group; a feature of none is refused */
        if (gf >= 0) {
            if (!OGR_F_IsFieldSetAndNotNull(f, gf) || !*OGR_F_GetFieldAsString(f, gf)) {
                ge_fail(err, "%s: layer '%s' feature %lld: field '%s' (--group): no value; "
                             "every sample needs a group (filter such features out with "
                             "--where)",
                        path, OGR_L_GetName(layer), (long long)OGR_F_GetFID(f), o->group);
                OGR_F_Destroy(f);
                OGR_G_DestroyGeometry(centroid);
                goto done;
            }
            if (!(gv = group_value(f, gf))) {
                OGR_F_Destroy(f);
                OGR_G_DestroyGeometry(centroid);
                goto oom;
            }
        }
        double x = NAN, y = NAN;
        if (!g || OGR_G_IsEmpty(g)) {
            s->skipped_geometry++;
        } else if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint) {
            x = OGR_G_GetX(g, 0);
            y = OGR_G_GetY(g, 0);
        } else if (OGR_G_Centroid(g, centroid) == OGRERR_NONE) {
            x = OGR_G_GetX(centroid, 0);
            y = OGR_G_GetY(centroid, 0);
            s->centroids++;
        } else {
            s->skipped_geometry++;
        }
        OGR_F_Destroy(f);
        if (isnan(x)) {
            free(gv);
            continue;
        }
        if (!isfinite(x) || !isfinite(y)) {
            free(gv);
            OGR_G_DestroyGeometry(centroid);
            ge_fail(err, "%s: a feature has a non-finite coordinate", path);
            goto done;
        }
        if (s->O > 0 && present == 0) {
            s->skipped_missing++;
            free(gv);
            continue;
        }
        int bad = push(s, &cap, x, y, t, wf >= 0 ? &wv : NULL, gv, path, err);
        free(gv);
        if (bad) {
            OGR_G_DestroyGeometry(centroid);
            goto done;
        }
    }
    OGR_G_DestroyGeometry(centroid);
    if (CPLGetLastErrorType() == CE_Failure) { /* e.g. a --where naming no field */
        ge_fail(err, "%s: reading layer '%s'%s%s%s: %.200s", path, OGR_L_GetName(layer),
                o->where ? " (invalid --where '" : "", o->where ? o->where : "", o->where ? "'?)" : "",
                CPLGetLastErrorMsg());
        goto done;
    }
    if (o->need_targets && !o->targets && ge_samples_leave_out_suspects(s, err))
        goto done;
    rc = 0;
    goto done;
oom:
    ge_fail(err, "%s: out of memory", path);
done:
    free(fields);
    return finish(ds, rc, s);
}

/* A band's name: its description, else band_N. */
static const char *band_name(GDALDatasetH ds, int b, char *buf, size_t n)
{
    const char *d = GDALGetDescription(GDALGetRasterBand(ds, b));
    if (d && *d)
        return d;
    snprintf(buf, n, "band_%d", b);
    return buf;
}

/* --target on a raster: the bands it names (by description, or as band_N),
 * separated by commas. */
static int bands_by_name(GDALDatasetH ds, const char *path, const char *list, int *out, int *n,
                         ge_error *err)
{
    const int nb = GDALGetRasterCount(ds);
    char *copy = strdup(list), *save = NULL, buf[32], known[512] = "";
    if (!copy)
        return ge_fail(err, "%s: out of memory", path);
    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int b = 1; b <= nb && !found; b++) {
            char num[32];
            snprintf(num, sizeof num, "band_%d", b);
            if (strcasecmp(band_name(ds, b, buf, sizeof buf), t) == 0 || strcasecmp(num, t) == 0)
                found = b;
        }
        if (found && *n < GE_MAX_OUTPUTS) {
            out[(*n)++] = found;
            continue;
        }
        for (int b = 1; b <= nb && !found; b++) {
            size_t len = strlen(known);
            snprintf(known + len, sizeof known - len, "%s%s", b > 1 ? ", " : "",
                     band_name(ds, b, buf, sizeof buf));
        }
        if (found)
            ge_fail(err, "%s: too many targets (at most %d)", path, GE_MAX_OUTPUTS);
        else
            ge_fail(err, "%s: --target: no band named '%s' (bands: %s)", path, t, known);
        free(copy);
        return -1;
    }
    free(copy);
    return 0;
}

/* Keeps a uniform seeded random subset of at most cap samples (reservoir). */
typedef struct {
    size_t seen, cap;
    ge_rng rng;
} reservoir;

int ge_band_units(void *band, double *scale, double *offset)
{
    int ok;
    *scale = GDALGetRasterScale((GDALRasterBandH)band, &ok);
    if (!ok)
        *scale = 1;
    *offset = GDALGetRasterOffset((GDALRasterBandH)band, &ok);
    if (!ok)
        *offset = 0;
    return isfinite(*scale) && *scale != 0 && isfinite(*offset) ? 0 : -1;
}

int ge_raster_samples(GDALDatasetH ds, const char *path, const ge_sample_opts *o, ge_samples *s,
                      ge_error *err)
{
    memset(s, 0, sizeof *s);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int rc = -1, *bands = NULL;
    double *buf = NULL;
    unsigned char *mask = NULL;
    size_t cap = 0;
    reservoir res = {0};
    if (!ds) {
        ge_fail(err, "%s: cannot open as a raster: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    if (o->check_kind && o->check_kind(o->check_ctx, GE_SOURCE_RASTER, err))
        goto done;
    int nb = GDALGetRasterCount(ds), W = GDALGetRasterXSize(ds), H = GDALGetRasterYSize(ds);
    int named[GE_MAX_OUTPUTS], nnamed = 0;
    if (o->need_targets && o->targets && !o->bands &&
        bands_by_name(ds, path, o->targets, named, &nnamed, err))
        goto done;
    const int *chosen = o->bands ? o->bands : nnamed ? named : NULL;
    double gt[6];
    if (GDALGetGeoTransform(ds, gt) != CE_None) {
        ge_fail(err, "%s: the raster has no georeferencing (geotransform)", path);
        goto done;
    }
    int finite = 1;
    for (int i = 0; i < 6; i++)
        finite &= isfinite(gt[i]);
    if (!finite || gt[1] * gt[5] - gt[2] * gt[4] == 0) {
        ge_fail(err, "%s: the raster's geotransform (%g, %g, %g, %g, %g, %g) is not usable: "
                     "expected finite numbers and pixels of nonzero area",
                path, gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]);
        goto done;
    }
    if (gt[2] == 0 && gt[4] == 0 && gt[1] > 0 && gt[5] < 0) {
        s->raster_grid = 1;
        memcpy(s->raster_gt, gt, sizeof gt);
        s->raster_cols = W;
        s->raster_rows = H;
    }
    int nsel = o->bands ? o->nbands : nnamed ? nnamed : nb;
    if (nsel < 1 || nsel > GE_MAX_OUTPUTS) {
        ge_fail(err, "%s: %d bands selected (1 to %d allowed)", path, nsel, GE_MAX_OUTPUTS);
        goto done;
    }
    bands = calloc((size_t)nsel, sizeof *bands);
    if (!bands)
        goto oom;
    for (int k = 0; k < nsel; k++) {
        bands[k] = chosen ? chosen[k] : k + 1;
        if (bands[k] < 1 || bands[k] > nb) {
            ge_fail(err, "%s: no band %d (the raster has %d)", path, bands[k], nb);
            goto done;
        }
    }
    s->O = o->need_targets ? nsel : 0;
    s->targets = calloc((size_t)nsel + 1, sizeof *s->targets);
    if (!s->targets)
        goto oom;
    for (int k = 0; k < s->O; k++) {
        char name[32];
        if (!(s->targets[k] = strdup(band_name(ds, bands[k], name, sizeof name))))
            goto oom;
        for (int j = 0; j < k; j++) /* targets are found by name: two of one name clash */
            if (strcmp(s->targets[j], s->targets[k]) == 0) {
                if (bands[j] == bands[k])
                    ge_fail(err, "%s: band %d is chosen twice", path, bands[k]);
                else
                    ge_fail(err, "%s: bands %d and %d are both named '%s': choose one, or "
                                 "describe them apart (gdal_edit.py)",
                            path, bands[j], bands[k], s->targets[k]);
                goto done;
            }
    }
    const char *pw = GDALGetProjectionRef(ds);
    OGRSpatialReferenceH srs = NULL;
    if (pw && *pw) {
        s->crs = strdup(pw);
        srs = OSRNewSpatialReference(pw);
    }
    int nc = name_coords(s, srs);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (nc)
        goto oom;
    /* a band's stored values are scale x value + offset in its units (GDAL's
     * -unscale): learnt as stored, a raster of tenths of degrees plus 1000
     * gave a map of the stored numbers */
    double scale[GE_MAX_OUTPUTS], offset[GE_MAX_OUTPUTS];
    for (int k = 0; k < nsel; k++) {
        if (ge_band_units(GDALGetRasterBand(ds, bands[k]), &scale[k], &offset[k])) {
            ge_fail(err, "%s: band %d has scale %g and offset %g: its values cannot be read in "
                         "its units",
                    path, bands[k], scale[k], offset[k]);
            goto done;
        }
    }
    for (int k = 0; k < nsel; k++) {
        GDALDataType dt = GDALGetRasterDataType(GDALGetRasterBand(ds, bands[k]));
        if (GDALDataTypeIsComplex(dt)) { /* reading it as a real number drops a part */
            ge_fail(err, "%s: band %d is complex (%s) and geoembed learns real values; write "
                         "the part you want to a real band first (gdal_translate -ot Float32 "
                         "keeps the real part)",
                    path, bands[k], GDALGetDataTypeName(dt));
            goto done;
        }
    }
    /* Sizes a file declares are checked before anything that large is read or
     * allocated: a 150-byte VRT can declare 2147483647 x 2147483647 pixels. */
    double pixels = (double)W * H;
    long step = 1; /* with --max-samples, every step-th pixel of every step-th row */
    if (o->max_samples && pixels > 16.0 * (double)o->max_samples)
        step = (long)floor(sqrt(pixels / (16.0 * (double)o->max_samples)));
    if (step > W || step > H)
        step = W < H ? W : H;
    const int Wb = (int)(W / step), Hb = (int)(H / step); /* pixels read along x and y */
    double kept = (double)Wb * Hb;
    if (o->max_samples && kept > (double)o->max_samples)
        kept = (double)o->max_samples;
    char what[160];
    snprintf(what, sizeof what, "%s: %.0f pixels as samples (--max-samples N keeps fewer)", path,
             kept);
    if (ge_mem_check(kept * (2.0 + s->O) * sizeof(double) * 2, what, err))
        goto done;
    int bx, by;
    GDALGetBlockSize(GDALGetRasterBand(ds, bands[0]), &bx, &by);
    int strip = step > 1 ? 1 : by > 0 && by < 1024 ? by : 64;
    if (strip > Hb)
        strip = Hb > 0 ? Hb : 1;
    /* tiles of at most 2^22 values, however wide the raster */
    long tw = (1L << 22) / ((long)strip * nsel);
    const int TW = tw < 1 ? 1 : tw > Wb ? (Wb > 0 ? Wb : 1) : (int)tw;
    buf = malloc((size_t)TW * strip * nsel * sizeof *buf);
    mask = malloc((size_t)TW * strip * nsel);
    if (!buf || !mask)
        goto oom;
    res.cap = o->max_samples;
    ge_rng_seed(&res.rng, o->seed);
    const int O = s->O;
    const long half = step / 2; /* GDAL's nearest pixel of each step x step window */
    for (int r0 = 0; r0 < Hb; r0 += strip) {
        int nr = Hb - r0 < strip ? Hb - r0 : strip;
        if (o->progress)
            o->progress(o->progress_ctx, r0, Hb);
        if (o->stop && *o->stop) {
            ge_fail(err, "%s: interrupted", path);
            goto done;
        }
        for (int c0 = 0; c0 < Wb; c0 += TW) {
            int nc = Wb - c0 < TW ? Wb - c0 : TW;
            for (int k = 0; k < nsel; k++) {
                GDALRasterBandH b = GDALGetRasterBand(ds, bands[k]);
                GDALRasterBandH mb = GDALGetMaskBand(b);
                double *dst = buf + (size_t)k * nc * nr;
                unsigned char *md = mask + (size_t)k * nc * nr;
                int x0 = (int)(c0 * step), y0 = (int)(r0 * step);
                int xs = (int)(nc * step), ys = (int)(nr * step);
                if (GDALRasterIO(b, GF_Read, x0, y0, xs, ys, dst, nc, nr, GDT_Float64, 0, 0) !=
                        CE_None ||
                    GDALRasterIO(mb, GF_Read, x0, y0, xs, ys, md, nc, nr, GDT_Byte, 0, 0) !=
                        CE_None) {
                    ge_fail(err, "%s: read error: %s", path, CPLGetLastErrorMsg());
                    goto done;
                }
            }
            for (int r = 0; r < nr; r++)
                for (int c = 0; c < nc; c++) {
                    double t[GE_MAX_OUTPUTS];
                    int present = 0; /* a pixel valid in one band teaches that band */
                    for (int k = 0; k < nsel; k++) {
                        size_t i = (size_t)k * nc * nr + (size_t)r * nc + c;
                        int ok = mask[i] != 0 && isfinite(buf[i]);
                        t[k] = ok ? buf[i] * scale[k] + offset[k] : NAN;
                        present += ok;
                    }
                    if (nsel > 0 && !present) {
                        s->skipped_missing++;
                        continue;
                    }
                    double px = (double)(c0 + c) * step + half + 0.5;
                    double py = (double)(r0 + r) * step + half + 0.5;
                    double x = gt[0] + px * gt[1] + py * gt[2], y = gt[3] + px * gt[4] + py * gt[5];
                    res.seen++;
                    if (res.cap && s->M == res.cap) { /* reservoir: replace w.p. cap/seen */
                        size_t j = (size_t)ge_rng_below(&res.rng, res.seen);
                        if (j < res.cap) {
                            s->xy[2 * j] = x;
                            s->xy[2 * j + 1] = y;
                            if (O)
                                memcpy(s->y + j * O, t, (size_t)O * sizeof *t);
                        }
                        continue;
                    }
                    if (push(s, &cap, x, y, t, NULL, NULL, path, err))
                        goto done;
                }
        }
    }
    if (step > 1)
        s->raster_step = step;
    rc = 0;
    goto done;
oom:
    ge_fail(err, "%s: out of memory", path);
done:
    free(bands);
    free(buf);
    free(mask);
    return finish(ds, rc, s);
}

int ge_samples_read(const char *path, const ge_sample_opts *o, ge_samples *s, ge_error *err)
{
    if (ge_is_csv_path(path))
        return ge_samples_read_csv(path, o, s, err);
    /* Opened once: /vsistdin/ can be read only once. */
    GDALDatasetH ds = open_source(path, GDAL_OF_RASTER | GDAL_OF_VECTOR);
    if (ds && GDALGetRasterCount(ds) > 0)
        return ge_raster_samples(ds, path, o, s, err);
    if (ds && GDALDatasetGetLayerCount(ds) > 0)
        return read_vector(ds, path, o, s, err);
    if (ds)
        GDALClose(ds);
    /* Not a GIS source: a delimited text file without the usual extension. A
     * file that GDAL recognises but cannot read is better described as what it
     * is than by the CSV reader's complaint ("NUL byte in the header"). */
    char what[700];
    if (ds || ge_samples_read_csv(path, o, s, err)) {
        if (ge_source_describe(path, what, sizeof what))
            ge_fail(err, "%s: %s; expected samples: a CSV, a vector source or a raster", path,
                    what);
        else if (ds)
            ge_fail(err, "%s: neither raster bands nor vector layers", path);
        return -1;
    }
    return 0;
}

const char *ge_gdal_driver_for_ext(const char *path, const char *cap)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash) || !dot[1])
        return NULL;
    GDALAllRegister();
    for (int i = 0; i < GDALGetDriverCount(); i++) {
        GDALDriverH d = GDALGetDriver(i);
        const char *exts = GDALGetMetadataItem(d, GDAL_DMD_EXTENSIONS, NULL);
        if (!exts || !GDALGetMetadataItem(d, cap, NULL))
            continue;
        for (const char *p = exts; *p;) { /* space-separated, without dots */
            size_t n = strcspn(p, " ");
            if (n == strlen(dot + 1) && strncasecmp(p, dot + 1, n) == 0)
                return GDALGetDriverShortName(d);
            p += n;
            while (*p == ' ')
                p++;
        }
    }
    return NULL;
}

int ge_source_describe(const char *path, char *buf, size_t n)
{
    if (strcmp(path, "-") == 0 || strncmp(path, "/vsistdin", 9) == 0)
        return 0; /* standard input can be read only once */
    CPLErrorReset();
    GDALDatasetH ds = open_source(path, GDAL_OF_RASTER | GDAL_OF_VECTOR);
    if (ds) {
        const char *drv = GDALGetDriverShortName(GDALGetDatasetDriver(ds));
        char **sub = GDALGetMetadata(ds, "SUBDATASETS");
        int nsub = CSLCount(sub) / 2, bands = GDALGetRasterCount(ds);
        int layers = GDALDatasetGetLayerCount(ds);
        const char *first = CSLFetchNameValue(sub, "SUBDATASET_1_NAME");
        if (bands > 0)
            snprintf(buf, n, "a %s raster (%d band%s, %dx%d pixels)", drv, bands,
                     bands == 1 ? "" : "s", GDALGetRasterXSize(ds), GDALGetRasterYSize(ds));
        else if (layers > 0)
            snprintf(buf, n, "a %s vector source (%d layer%s)", drv, layers,
                     layers == 1 ? "" : "s");
        else if (nsub > 0)
            snprintf(buf, n, "a %s file with %d subdatasets; name one, e.g. %s", drv, nsub,
                     first ? first : "?");
        else
            snprintf(buf, n, "a %s dataset with neither raster bands nor vector layers", drv);
        GDALClose(ds);
        return 1;
    }
    char msg[300];
    snprintf(msg, sizeof msg, "%s", CPLGetLastErrorMsg());
    struct stat st; /* a plain path that is not there: say so, not "damaged" */
    if (strncmp(path, "/vsi", 4) != 0 && !strstr(path, "://") && stat(path, &st) != 0 &&
        errno == ENOENT) {
        snprintf(buf, n, "no such file or directory");
        return 1;
    }
    GDALDriverH d = GDALIdentifyDriverEx(path, GDAL_OF_RASTER | GDAL_OF_VECTOR, NULL, NULL);
    const char *drv = d ? GDALGetDriverShortName(d) : ge_gdal_driver_for_ext(path, GDAL_DCAP_OPEN);
    if (!drv || strcmp(drv, "CSV") == 0)
        return 0;
    snprintf(buf, n, "a damaged or unreadable %s file%s%.300s", drv, *msg ? ": " : "", msg);
    return 1;
}
