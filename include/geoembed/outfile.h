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

/* For writers that create the file themselves (GDAL): reserves a temporary
 * file beside path, with a new file's permissions, in *tmp (NULL when path must
 * be written directly). 0, or -1 with err. */
int ge_temp_reserve(const char *path, char **tmp, ge_error *err);
/* Renames tmp into place when ok, else removes it; frees tmp. 0, or -1 with err
 * (the temporary file is removed). Nothing happens for a NULL tmp. */
int ge_temp_finish(char *tmp, const char *path, int ok, ge_error *err);

/* The temporary file currently being written, if any: a signal handler may
 * unlink it (async-signal-safe to read). */
extern volatile const char *ge_outfile_pending;

#endif
