/* predict --grid --like RASTER: the grid of an existing raster (extent,
 * pixel size, size and CRS), read with GDAL, for outputs that overlay it
 * pixel for pixel as gdalwarp users expect. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>

#include "display.h"
#include "grid.h"

int grid_like_read(const char *path, double gt[6], long *cols, long *rows, char **wkt)
{
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds)
        return runtime_error("%s: expected a raster to take the grid from (--like): %s", path,
                             *CPLGetLastErrorMsg() ? CPLGetLastErrorMsg() : "GDAL cannot open it");
    int rc = 0;
    if (GDALGetGeoTransform(ds, gt) != CE_None) {
        rc = runtime_error("%s: expected a georeferenced raster (--like), found no geotransform",
                           path);
    } else if (!(gt[1] > 0 && gt[5] < 0 && gt[2] == 0 && gt[4] == 0 && isfinite(gt[0]) &&
                 isfinite(gt[3]) && isfinite(gt[1]) && isfinite(gt[5]))) {
        /* a rotated or south-up grid is not a grid the writers make */
        rc = runtime_error("%s: expected a north-up raster without rotation (--like), found the "
                           "geotransform %g, %g, %g, %g, %g, %g; warp it first (gdalwarp)",
                           path, gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]);
    } else {
        *cols = GDALGetRasterXSize(ds);
        *rows = GDALGetRasterYSize(ds);
        const char *p = GDALGetProjectionRef(ds);
        if (!(*wkt = strdup(p ? p : "")))
            rc = runtime_error("out of memory");
    }
    GDALClose(ds);
    return rc;
}
