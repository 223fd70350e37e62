/* GDAL opened at its first use (src/io/gdal_stubs.c). */
#ifndef GEOEMBED_GDAL_LIB_H
#define GEOEMBED_GDAL_LIB_H

#include "geoembed/lazy_lib.h"

/* Set .on_open before the first GDAL call to install process-wide settings
 * (the error handler) when GDAL is opened. */
extern lazy_lib ge_gdal_lib;

#endif
