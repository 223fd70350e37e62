/* Coordinate reference systems through PROJ (via GDAL's OGRSpatialReference),
 * always in traditional GIS axis order (x = easting/longitude). */
#ifndef GEOEMBED_CRS_H
#define GEOEMBED_CRS_H

#include "geoembed/error.h"

/* Any definition GDAL accepts (EPSG:4326, WKT, PROJ string) -> WKT (caller frees). */
char *ge_crs_to_wkt(const char *definition, ge_error *err);
/* A WKT from a file (a model, a raster, a layer) is parsed as WKT only, never
 * as a file name or URL, and PROJ's network access is off; a WKT that names a
 * file or URL (a grid file given by path, in a PARAMETERFILE or in the PROJ
 * string of a WKT1 EXTENSION; an init file; a URL) is refused. 1 when the WKT
 * names none. */
int ge_crs_wkt_safe(const char *wkt);
/* The WKT parsed that way (an OGRSpatialReferenceH, traditional GIS axis
 * order), or NULL. */
void *ge_crs_from_wkt(const char *wkt);
/* 1 when the WKT is empty (no CRS) or a CRS PROJ can use. */
int ge_crs_usable(const char *wkt);
/* 1 when the WKT names a geographic (lon/lat) CRS. */
int ge_crs_is_geographic(const char *wkt);
/* A short name for messages: "WGS 84 (EPSG:4326)"; caller frees. */
char *ge_crs_name(const char *wkt);

#endif
