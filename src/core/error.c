#include <stdarg.h>
#include <stdio.h>

#include "geoembed/error.h"

int ge_fail(ge_error *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}
