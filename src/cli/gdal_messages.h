/* GDAL's (and through it PROJ's) messages in geoembed's voice: warnings on
 * standard error as "geoembed: warning: ..." (hidden by -q), failures counted
 * while an output is written so that the writer fails the run. */
#ifndef GEOEMBED_CLI_GDAL_MESSAGES_H
#define GEOEMBED_CLI_GDAL_MESSAGES_H

#include <stddef.h>

/* The process-wide handler: warnings as above, failures not reported by a
 * caller as "geoembed: GDAL: ...". Called once by main. */
void gdal_messages_init(void);

/* Around writing an output: warnings are shown, failures kept quiet (the
 * writer reports the first one in its own error line) and counted. Scopes do
 * not nest. */
void gdal_write_begin(void);
/* In the scope's messages, tmp (the temporary name written) reads shown. */
void gdal_write_alias(const char *tmp, const char *shown);
/* Ends the scope; returns the number of failures seen in it. */
int gdal_write_end(void);
/* Failures so far in the current scope. */
int gdal_write_failures(void);
/* The first failure's message of the current (or last) scope, one line, or
 * GDAL's last error message, or "GDAL failed". */
const char *gdal_failure_msg(void);

#endif
