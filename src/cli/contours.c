/* Contour lines of a predicted grid (see contours.h): GDALContourGenerateEx
 * on the grid's band, written through points_out.c's staged vector output
 * (any OGR format that creates files, chosen by the extension or, failing
 * that, GeoPackage is not guessed: the extension must name one). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_alg.h>
#include <ogr_srs_api.h>

#include "contours.h"
#include "display.h"
#include "gdal_messages.h"
#include "geoembed/outfile.h"
#include "geoembed/samples.h"
#include "points_out.h"

/* The OGR driver for --contours-out's extension, or NULL (printed). */
static const char *contour_driver(const cli_args *a)
{
    const char *out = a->val[O_CONTOURS_OUT];
    GDALAllRegister();
    const char *d = ge_gdal_driver_for_ext(out, GDAL_DCAP_VECTOR);
    GDALDriverH h = d ? GDALGetDriverByName(d) : NULL;
    if (!h || !GDALGetMetadataItem(h, GDAL_DCAP_CREATE, NULL)) {
        usage_error(a->cmd_name, "--contours-out: '%s' does not name a vector format that GDAL "
                                 "writes (.gpkg, .geojson, .shp, .fgb, ...)",
                    out);
        return NULL;
    }
    return d;
}

int contours_check(const cli_args *a, const predictor *p, int csv_grid)
{
    const char *iv = a->val[O_CONTOURS], *out = a->val[O_CONTOURS_OUT];
    if (!iv && !out)
        return 0;
    if (!iv || !out)
        return usage_error(a->cmd_name, "%s needs %s", iv ? "--contours" : "--contours-out",
                           iv ? "--contours-out FILE (the vector file to write)"
                              : "--contours INTERVAL");
    double v;
    if (arg_double(a, O_CONTOURS, 0, 1e-300, 1e300, &v))
        return EXIT_USAGE;
    if (csv_grid)
        return usage_error(a->cmd_name, "--contours needs a raster --grid (GeoTIFF or another "
                                        "GDAL raster), not a CSV grid");
    if (p->m.s.O != 1)
        return usage_error(a->cmd_name, "--contours needs a model of one target; this one has %d "
                                        "(fit one with --target NAME)",
                           p->m.s.O);
    ge_error err;
    if (ge_output_is_input(out, a->pos[0], &err) ||
        (a->val[O_LIKE] && ge_output_is_input(out, a->val[O_LIKE], &err)))
        return usage_error(a->cmd_name, "%s", err.msg);
    if (strcmp(out, a->val[O_GRID]) == 0)
        return usage_error(a->cmd_name, "--contours-out must name another file than --grid");
    return contour_driver(a) ? 0 : EXIT_USAGE;
}

int contours_write(const cli_args *a, const predictor *p, GDALDatasetH ds)
{
    const char *out = a->val[O_CONTOURS_OUT], *driver = contour_driver(a);
    if (!driver)
        return EXIT_USAGE;
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    const char *wkt = GDALGetProjectionRef(ds);
    OGRSpatialReferenceH srs = wkt && *wkt ? OSRNewSpatialReference(wkt) : NULL;
    if (srs)
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    vector_out v;
    int rc = vector_out_open(&v, out, driver, srs, wkbLineString);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (rc)
        return rc;
    const char *value_name = p->meta.targets[0];
    if ((rc = vector_out_field(&v, "id", OFTInteger)) ||
        (rc = vector_out_field(&v, value_name, OFTReal))) {
        vector_out_abort(&v);
        return rc;
    }
    char **opt = CSLSetNameValue(NULL, "LEVEL_INTERVAL", a->val[O_CONTOURS]);
    opt = CSLSetNameValue(opt, "ID_FIELD", "0");
    opt = CSLSetNameValue(opt, "ELEV_FIELD", "1");
    int has_nd;
    double nd = GDALGetRasterNoDataValue(b, &has_nd);
    if (has_nd) { /* empty pixels: no line is drawn through them */
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", nd);
        opt = CSLSetNameValue(opt, "NODATA", isnan(nd) ? "nan" : buf);
    }
    CPLErrorReset();
    CPLErr e = GDALContourGenerateEx(b, v.layer, opt, NULL, NULL);
    CSLDestroy(opt);
    if (e != CE_None) {
        rc = runtime_error("%s: contouring failed: %s", out, CPLGetLastErrorMsg());
        vector_out_abort(&v);
        return rc;
    }
    /* drivers that only write (GeoJSON) count nothing: then no number */
    GIntBig n = OGR_L_GetFeatureCount(v.layer, TRUE);
    if ((rc = vector_out_commit(&v)))
        return rc;
    char count[32] = "";
    if (n > 0)
        snprintf(count, sizeof count, "%lld ", (long long)n);
    say(2, "geoembed: predict: wrote %scontour lines every %s of %s to %s\n", count,
        a->val[O_CONTOURS], value_name, out);
    return 0;
}
