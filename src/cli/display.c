/* Messages on standard error, one shape for every error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "display.h"

int g_level = 2;

/* The first error of a silent process, whole line. */
static char held[1200];

static void hold(const char *cmd, const char *fmt, va_list ap, const char *tail)
{
    if (*held)
        return;
    int n = snprintf(held, sizeof held, "geoembed: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    if (n > 0 && (size_t)n < sizeof held)
        n += vsnprintf(held + n, sizeof held - (size_t)n, fmt, ap);
    if (n > 0 && (size_t)n < sizeof held)
        snprintf(held + n, sizeof held - (size_t)n, "%s", tail);
    if (!strchr(held, '\n')) /* cut short: still one line */
        strcpy(held + sizeof held - 2, "\n");
}

void display_release(void)
{
    fputs(held, stderr);
    fflush(stderr);
    *held = 0;
}

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
    va_list ap;
    va_start(ap, fmt);
    if (g_level <= 0) { /* silent: the other ranks of an MPI run */
        char tail[128];
        snprintf(tail, sizeof tail, " (see 'geoembed help%s%s')\n", cmd ? " " : "",
                 cmd ? cmd : "");
        hold(cmd, fmt, ap, tail);
        va_end(ap);
        return EXIT_USAGE;
    }
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
    va_list ap;
    va_start(ap, fmt);
    if (g_level <= 0) {
        hold(NULL, fmt, ap, "\n");
        va_end(ap);
        return EXIT_RUNTIME;
    }
    fputs("geoembed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_RUNTIME;
}

int fail_with(const ge_error *e) { return runtime_error("%s", e->msg); }
