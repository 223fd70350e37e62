/* Output files that are never left half-written.
 *
 * Where the output goes:
 *   - a regular file (or a name that does not exist yet): written under a short
 *     temporary name in the same directory, then renamed into place. The mode
 *     (and, when allowed, the owner) of the file replaced is kept. Like
 *     gdal_translate, replacing a file gives it a new inode: other hard links
 *     keep the old content.
 *   - a symbolic link: its target is written as above (the link stays).
 *   - standard output ("-", /dev/stdout, /dev/fd/N), a pipe, a FIFO, a
 *     character device: written directly, never renamed over.
 *   - a GDAL virtual file (/vsi...): left to GDAL.
 *
 * Temporary names are ".geoembed.tmp.PID.XXXXXX": removed on SIGINT, SIGTERM,
 * SIGHUP and SIGPIPE, and (after a SIGKILL or a crash) by the next write to
 * the same directory once process PID is gone. */
#ifndef GEOEMBED_OUTFILE_H
#define GEOEMBED_OUTFILE_H

#include <stdio.h>

#include "geoembed/error.h"

typedef struct {
    FILE *f;
    char *path; /* what the caller named */
    char *dest; /* the file renamed over (symbolic links resolved) */
    char *tmp;  /* temporary name, NULL when writing directly */
    int slot;   /* 1 + its place in the signal cleanup list, 0 when none */
} ge_outfile;

/* "-" is standard output. */
int ge_outfile_open(ge_outfile *o, const char *path, ge_error *err);
/* Flushes, checks for write errors (a full disk), syncs and renames. On
 * failure the temporary file is removed and -1 returned. */
int ge_outfile_commit(ge_outfile *o, ge_error *err);
/* Drops the temporary file; safe to call after commit or twice. */
void ge_outfile_abort(ge_outfile *o);

/* For writers that create their files themselves (GDAL drivers, which may
 * add sidecar files such as NAME.hdr or NAME.aux.xml): the writer creates
 * `target`, a name inside a private temporary directory. Commit moves every
 * file found there beside the output (the main one last) and removes a stale
 * NAME.aux.xml that the new output does not replace; for a stream, the one
 * file written is copied to it (a format that writes several files cannot be
 * streamed: an error). A /vsi path is handed to GDAL as it is. */
typedef struct {
    char *target; /* the name to write */
    char *path;   /* what the caller named */
    char *dest;   /* the final file, NULL when streaming or /vsi */
    char *dir;    /* the private temporary directory, NULL for /vsi */
    int stream;   /* 1: bytes are copied to a pipe, device or standard output */
    int fd;       /* streaming: the descriptor to copy to, -1 to open path */
    int slot;     /* as in ge_outfile */
} ge_staged;

int ge_staged_open(ge_staged *s, const char *path, ge_error *err);
int ge_staged_commit(ge_staged *s, ge_error *err);
/* Removes everything written; safe after commit or twice. */
void ge_staged_abort(ge_staged *s);

/* -1 with err when out names the same existing regular file as in (same
 * device and inode, through links too; "-" as in means standard input): an
 * output must not destroy an input. 0 otherwise. */
int ge_output_is_input(const char *out, const char *in, ge_error *err);

#endif
