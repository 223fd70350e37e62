/* Messages on standard error, one shape for every error. */
#include <stdarg.h>
#include <stdio.h>

#include "display.h"

int g_level = 2;

void say(int level, const char *fmt, ...)
{
    if (level > g_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
    if (g_level <= 0) /* silent: the other ranks of an MPI run */
        return EXIT_USAGE;
    va_list ap;
    va_start(ap, fmt);
    fputs("geoembed: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'geoembed help%s%s')\n", cmd ? " " : "", cmd ? cmd : "");
    va_end(ap);
    return EXIT_USAGE;
}

int runtime_error(const char *fmt, ...)
{
    if (g_level <= 0)
        return EXIT_RUNTIME;
    va_list ap;
    va_start(ap, fmt);
    fputs("geoembed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_RUNTIME;
}

int fail_with(const ge_error *e) { return runtime_error("%s", e->msg); }
