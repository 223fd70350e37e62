/* Error reporting for the geoembed library.
 *
 * The library never prints and never exits: a failing function returns -1 and
 * leaves one line of text in a ge_error. Only the command line prints it,
 * prefixed "geoembed: ". */
#ifndef GEOEMBED_ERROR_H
#define GEOEMBED_ERROR_H

#include <stddef.h>

typedef struct {
    char msg[1024];
} ge_error;

/* printf-style; a NULL e is allowed and ignored. Always returns -1 so that
 * `return ge_fail(e, ...)` reads as the error path. */
int ge_fail(ge_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
