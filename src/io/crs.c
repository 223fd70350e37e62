/* CRS definitions and names through OGRSpatialReference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "geoembed/crs.h"

static OGRSpatialReferenceH srs_from(const char *def)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRErr e = OSRSetFromUserInput(s, def);
    CPLPopErrorHandler();
    if (e != OGRERR_NONE) {
        OSRDestroySpatialReference(s);
        return NULL;
    }
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

char *ge_crs_to_wkt(const char *definition, ge_error *err)
{
    OGRSpatialReferenceH s = srs_from(definition);
    if (!s) {
        ge_fail(err, "unknown CRS '%.200s' (expected e.g. EPSG:4326, a WKT or a PROJ string)",
                definition);
        return NULL;
    }
    char *wkt = NULL;
    const char *opts[] = {"FORMAT=WKT2_2018", NULL};
    OSRExportToWktEx(s, &wkt, opts);
    OSRDestroySpatialReference(s);
    char *out = wkt ? strdup(wkt) : NULL;
    CPLFree(wkt);
    if (!out)
        ge_fail(err, "cannot express CRS '%.200s' as WKT", definition);
    return out;
}

int ge_crs_usable(const char *wkt)
{
    if (!wkt || !*wkt)
        return 1;
    OGRSpatialReferenceH s = srs_from(wkt);
    if (s)
        OSRDestroySpatialReference(s);
    return s != NULL;
}

int ge_crs_is_geographic(const char *wkt)
{
    if (!wkt || !*wkt)
        return 0;
    OGRSpatialReferenceH s = srs_from(wkt);
    int g = s && OSRIsGeographic(s);
    if (s)
        OSRDestroySpatialReference(s);
    return g;
}

char *ge_crs_name(const char *wkt)
{
    if (!wkt || !*wkt)
        return strdup("none (unnamed planar coordinates)");
    OGRSpatialReferenceH s = srs_from(wkt);
    if (!s)
        return strdup("unknown");
    const char *name = OSRGetName(s);
    const char *auth = OSRGetAuthorityName(s, NULL), *code = OSRGetAuthorityCode(s, NULL);
    char buf[512];
    if (auth && code)
        snprintf(buf, sizeof buf, "%s (%s:%s)", name ? name : "?", auth, code);
    else
        snprintf(buf, sizeof buf, "%s", name ? name : "unnamed");
    OSRDestroySpatialReference(s);
    return strdup(buf);
}
