/* cairo opened at its first use (src/cli/cairo_stubs.c). */
#ifndef GEOEMBED_CAIRO_LIB_H
#define GEOEMBED_CAIRO_LIB_H

#include "geoembed/lazy_lib.h"

extern lazy_lib ge_cairo_lib;

#endif
