/* CRS definitions and names through OGRSpatialReference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "geoembed/crs.h"

/* Network access for grids is off, whatever the environment says: a CRS read
 * from a file must not make geoembed fetch anything. */
static void offline(void)
{
    static int done;
    if (!done) {
        done = 1;
        OSRSetPROJEnableNetwork(0);
    }
}

/* The parsed CRS with x = easting/longitude, or NULL (and s freed) when the
 * parse failed. */
static OGRSpatialReferenceH srs_done(OGRSpatialReferenceH s, OGRErr e)
{
    if (e != OGRERR_NONE) {
        OSRDestroySpatialReference(s);
        return NULL;
    }
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

/* A definition the user typed: EPSG codes, PROJ strings, files they name. */
static OGRSpatialReferenceH srs_from(const char *def)
{
    offline();
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRErr e = OSRSetFromUserInput(s, def);
    CPLPopErrorHandler();
    return srs_done(s, e);
}

/* A path or URL rather than a bare grid name PROJ looks up in its own data
 * directories: a separator, a scheme or drive, home, or a leading dot. */
static int names_a_path(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == '/' || v[i] == '\\' || v[i] == ':' || v[i] == '~')
            return 1;
    return n > 0 && v[0] == '.';
}

static int contains_nocase(const char *s, size_t n, const char *what)
{
    size_t m = strlen(what);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, what, m) == 0)
            return 1;
    return 0;
}

/* One quoted WKT string s[0..n) whose enclosing keyword is kw: 0 when it
 * names a file or URL. */
static int string_safe(const char *kw, size_t kwn, int index, const char *s, size_t n)
{
    if (contains_nocase(s, n, "://") || contains_nocase(s, n, "init="))
        return 0;
    /* +nadgrids=a,b +geoidgrids=... inside any string */
    for (size_t i = 0; i + 6 <= n; i++)
        if (strncasecmp(s + i, "grids=", 6) == 0) {
            size_t j = i + 6, k = j;
            while (k < n && s[k] != ' ')
                k++;
            if (names_a_path(s + j, k - j))
                return 0;
        }
    int file = (kwn == 13 && strncasecmp(kw, "PARAMETERFILE", 13) == 0) ||
               (kwn == 14 && strncasecmp(kw, "PARAMETER_FILE", 14) == 0);
    return !(file && index == 1 && names_a_path(s, n));
}

int ge_crs_wkt_safe(const char *wkt)
{
    if (!wkt)
        return 1;
    const char *kw[64]; /* keyword of each open bracket */
    size_t kwn[64];
    int index[64], depth = 0;
    const char *word = wkt;
    for (const char *p = wkt; *p; p++) {
        if (*p == '"') {
            const char *q = ++p;
            while (*q && !(*q == '"' && q[1] != '"'))
                q += *q == '"' ? 2 : 1;
            if (!*q)
                return 0; /* an unterminated string is no WKT */
            if (depth > 0 && !string_safe(kw[depth - 1], kwn[depth - 1], index[depth - 1], p,
                                          (size_t)(q - p)))
                return 0;
            if (depth > 0)
                index[depth - 1]++;
            p = q;
        } else if (*p == '[' || *p == '(') {
            if (depth == 64)
                return 0;
            while (word < p && (*word == ' ' || *word == ',' || *word == '\n'))
                word++;
            kw[depth] = word;
            kwn[depth] = (size_t)(p - word);
            index[depth++] = 0;
            word = p + 1;
        } else if (*p == ']' || *p == ')') {
            depth -= depth > 0;
            word = p + 1;
        } else if (*p == ',') {
            word = p + 1;
        }
    }
    return 1;
}

void *ge_crs_from_wkt(const char *wkt)
{
    offline();
    if (!wkt || !*wkt || !ge_crs_wkt_safe(wkt))
        return NULL;
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    char *w = (char *)wkt; /* OSRImportFromWkt advances its own copy of the pointer */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRErr e = OSRImportFromWkt(s, &w);
    CPLPopErrorHandler();
    return srs_done(s, e);
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
    OGRSpatialReferenceH s = ge_crs_from_wkt(wkt);
    if (s)
        OSRDestroySpatialReference(s);
    return s != NULL;
}

int ge_crs_is_geographic(const char *wkt)
{
    if (!wkt || !*wkt)
        return 0;
    OGRSpatialReferenceH s = ge_crs_from_wkt(wkt);
    int g = s && OSRIsGeographic(s);
    if (s)
        OSRDestroySpatialReference(s);
    return g;
}

char *ge_crs_name(const char *wkt)
{
    if (!wkt || !*wkt)
        return strdup("none (unnamed planar coordinates)");
    if (!ge_crs_wkt_safe(wkt))
        return strdup("refused: the WKT names a file or URL");
    OGRSpatialReferenceH s = ge_crs_from_wkt(wkt);
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
