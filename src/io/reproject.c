/* Point and bounds transformations with OGRCoordinateTransformation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "geoembed/crs.h"
#include "geoembed/reproject.h"

struct ge_transform {
    OGRCoordinateTransformationH ct;
};

/* WKT only (never a file name or URL), network off: see crs.h. */
static OGRSpatialReferenceH srs(const char *wkt) { return ge_crs_from_wkt(wkt); }

ge_transform *ge_transform_new(const char *src_wkt, const char *dst_wkt, int *same, ge_error *err)
{
    *same = 1;
    if (!src_wkt || !dst_wkt || !*src_wkt || !*dst_wkt)
        return NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRSpatialReferenceH a = srs(src_wkt), b = srs(dst_wkt);
    ge_transform *t = NULL;
    if (!a || !b) {
        ge_fail(err, "unknown CRS");
        goto done;
    }
    if (OSRIsSame(a, b))
        goto done;
    *same = 0;
    t = calloc(1, sizeof *t);
    if (t)
        t->ct = OCTNewCoordinateTransformation(a, b);
    if (!t || !t->ct) {
        ge_fail(err, "no coordinate transformation between the CRSs: %s", CPLGetLastErrorMsg());
        free(t);
        t = NULL;
    }
done:
    CPLPopErrorHandler();
    if (a)
        OSRDestroySpatialReference(a);
    if (b)
        OSRDestroySpatialReference(b);
    return t;
}

void ge_transform_free(ge_transform *t)
{
    if (!t)
        return;
    OCTDestroyCoordinateTransformation(t->ct);
    free(t);
}

size_t ge_transform_points(ge_transform *t, double *xy, size_t n)
{
    enum { CHUNK = 4096 };
    double x[CHUNK], y[CHUNK];
    int ok[CHUNK];
    size_t failed = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (size_t lo = 0; lo < n; lo += CHUNK) {
        int k = (int)(n - lo < CHUNK ? n - lo : CHUNK);
        for (int i = 0; i < k; i++) {
            x[i] = xy[2 * (lo + i)];
            y[i] = xy[2 * (lo + i) + 1];
        }
        if (!OCTTransformEx(t->ct, k, x, y, NULL, ok))
            for (int i = 0; i < k; i++)
                ok[i] = ok[i] && isfinite(x[i]) && isfinite(y[i]);
        for (int i = 0; i < k; i++) {
            int good = ok[i] && isfinite(x[i]) && isfinite(y[i]);
            xy[2 * (lo + i)] = good ? x[i] : NAN;
            xy[2 * (lo + i) + 1] = good ? y[i] : NAN;
            failed += !good;
        }
    }
    CPLPopErrorHandler();
    return failed;
}

int ge_transform_bounds(ge_transform *t, const double in[4], double out[4], ge_error *err)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int ok = OCTTransformBounds(t->ct, in[0], in[1], in[2], in[3], &out[0], &out[1], &out[2],
                                &out[3], 21);
    CPLPopErrorHandler();
    if (!ok || !isfinite(out[0]) || !isfinite(out[3]))
        return ge_fail(err, "cannot transform the extent to the target CRS");
    return 0;
}
