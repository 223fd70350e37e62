/* GDAL's messages routed through display.c (see gdal_messages.h). */
#include <stdio.h>
#include <string.h>

#include <cpl_error.h>

#include "display.h"
#include "gdal_messages.h"

static int failures;
static char first_failure[512];
static char alias_from[4200], alias_to[4200];

/* One line: GDAL messages may carry newlines. The temporary name of the file
 * being written is shown as the name the user gave. */
static void one_line(char *dst, size_t n, const char *msg)
{
    const char *at = alias_from[0] && msg ? strstr(msg, alias_from) : NULL;
    snprintf(dst, n, "%.*s", at ? (int)(at - msg) : (int)n, msg ? msg : "");
    if (at) {
        size_t k = strlen(dst);
        snprintf(dst + k, n - k, "%.*s", (int)(n - k), alias_to);
        k = strlen(dst);
        snprintf(dst + k, n - k, "%.*s", (int)(n - k), at + strlen(alias_from));
    }
    for (char *p = dst; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    for (size_t k = strlen(dst); k > 0 && dst[k - 1] == ' '; k--)
        dst[k - 1] = 0;
}

/* Shown under -q too, as geoembed's own warnings are: a GDAL warning may say
 * that the output is not what was asked for (GPKG --co TILE_FORMAT=JPEG on
 * Float32 data passes the driver's check, then writes TIFF tiles). */
static void show_warning(const char *msg)
{
    char line[1024];
    one_line(line, sizeof line, msg);
    say(1, "geoembed: warning: %s\n", line);
}

static void CPL_STDCALL process_handler(CPLErr level, CPLErrorNum no, const char *msg)
{
    char line[1024];
    if (level == CE_Debug) {
        CPLDefaultErrorHandler(level, no, msg); /* shown only under CPL_DEBUG */
    } else if (level == CE_Warning) {
        show_warning(msg);
    } else if (level != CE_None) {
        one_line(line, sizeof line, msg);
        say(1, "geoembed: GDAL: %s\n", line);
    }
}

static void CPL_STDCALL write_handler(CPLErr level, CPLErrorNum no, const char *msg)
{
    if (level == CE_Debug) {
        CPLDefaultErrorHandler(level, no, msg);
    } else if (level == CE_Warning) {
        show_warning(msg);
    } else if (level != CE_None) {
        if (failures++ == 0)
            one_line(first_failure, sizeof first_failure, msg);
    }
}

void gdal_messages_init(void) { CPLSetErrorHandler(process_handler); }

void gdal_write_alias(const char *tmp, const char *shown)
{
    snprintf(alias_from, sizeof alias_from, "%s", tmp ? tmp : "");
    snprintf(alias_to, sizeof alias_to, "%s", shown ? shown : "");
}

void gdal_write_begin(void)
{
    failures = 0;
    alias_from[0] = 0;
    first_failure[0] = 0;
    CPLErrorReset();
    CPLPushErrorHandler(write_handler);
}

int gdal_write_end(void)
{
    CPLPopErrorHandler();
    return failures;
}

int gdal_write_failures(void) { return failures; }

const char *gdal_failure_msg(void)
{
    static char last[512];
    if (first_failure[0])
        return first_failure;
    one_line(last, sizeof last, CPLGetLastErrorMsg());
    return last[0] ? last : "GDAL failed";
}
