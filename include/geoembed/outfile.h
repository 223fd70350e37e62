/* Output files that are never left half-written: a regular file is written to
 * a temporary name in the same directory and renamed into place on commit;
 * standard output ("-"), pipes and devices are written directly (never
 * renamed over). */
#ifndef GEOEMBED_OUTFILE_H
#define GEOEMBED_OUTFILE_H

#include <stdio.h>

#include "geoembed/error.h"

typedef struct {
    FILE *f;
    char *path; /* final name */
    char *tmp;  /* temporary name, NULL when writing directly */
} ge_outfile;

/* "-" is standard output. */
int ge_outfile_open(ge_outfile *o, const char *path, ge_error *err);
/* Flushes, checks for write errors (a full disk), syncs and renames. On
 * failure the temporary file is removed and -1 returned. */
int ge_outfile_commit(ge_outfile *o, ge_error *err);
/* Drops the temporary file; safe to call after commit or twice. */
void ge_outfile_abort(ge_outfile *o);

/* For writers that need a file name of their own (GDAL): a temporary name
 * beside path, or NULL when path must be written directly. Caller frees. */
char *ge_temp_name_beside(const char *path);

/* The temporary file currently being written, if any: a signal handler may
 * unlink it (async-signal-safe to read). */
extern volatile const char *ge_outfile_pending;

#endif
