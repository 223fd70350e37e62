/* Temporary-name-then-rename output files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geoembed/outfile.h"

volatile const char *ge_outfile_pending;

static const char *shown(const char *path) { return strcmp(path, "-") ? path : "<stdout>"; }

/* A path is written directly when it names something that is not a regular
 * file (a device such as /dev/full or /dev/stdout, a FIFO). */
static int writes_directly(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || strncmp(path, "/vsi", 4) == 0) /* GDAL virtual files */
        return 1;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* Creates a unique temporary file beside path, with the permissions a new
 * file would get (mkstemp makes it 0600), and marks it pending. Returns its
 * descriptor and name, or -1 with err. */
static int reserve(const char *path, char **tmp, ge_error *err)
{
    size_t n = strlen(path) + 16;
    *tmp = malloc(n);
    if (!*tmp)
        return ge_fail(err, "%s: cannot write: out of memory", path);
    snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        ge_fail(err, "%s: cannot write: %s", path, strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    ge_outfile_pending = *tmp;
    return fd;
}

int ge_temp_reserve(const char *path, char **tmp, ge_error *err)
{
    *tmp = NULL;
    if (writes_directly(path))
        return 0;
    int fd = reserve(path, tmp, err);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

int ge_temp_finish(char *tmp, const char *path, int ok, ge_error *err)
{
    int rc = 0;
    if (!tmp)
        return 0;
    if (ok && rename(tmp, path) != 0)
        rc = ge_fail(err, "%s: cannot rename the finished file into place: %s", path,
                     strerror(errno));
    if (!ok || rc)
        unlink(tmp);
    ge_outfile_pending = NULL;
    free(tmp);
    return rc;
}

int ge_outfile_open(ge_outfile *o, const char *path, ge_error *err)
{
    memset(o, 0, sizeof *o);
    o->path = strdup(path);
    if (!o->path)
        return ge_fail(err, "out of memory");
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    if (writes_directly(path)) {
        o->f = fopen(path, "wb");
        if (!o->f) {
            ge_fail(err, "%s: cannot write: %s", path, strerror(errno));
            free(o->path);
            o->path = NULL;
            return -1;
        }
        return 0;
    }
    int fd = reserve(path, &o->tmp, err);
    if (fd < 0) {
        free(o->path);
        memset(o, 0, sizeof *o);
        return -1;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        ge_fail(err, "%s: cannot write: %s", path, strerror(errno));
        ge_outfile_abort(o);
        return -1;
    }
    return 0;
}

int ge_outfile_commit(ge_outfile *o, ge_error *err)
{
    if (!o->f)
        return ge_fail(err, "%s: not open", o->path ? o->path : "?");
    int bad = fflush(o->f) != 0 || ferror(o->f);
    int saved = errno;
    if (o->tmp && !bad && fsync(fileno(o->f)) != 0) {
        bad = 1;
        saved = errno;
    }
    if (o->f != stdout) {
        if (fclose(o->f) != 0 && !bad) {
            bad = 1;
            saved = errno;
        }
    }
    o->f = NULL;
    if (bad) {
        ge_fail(err, "%s: write failed: %s", shown(o->path), strerror(saved ? saved : EIO));
        ge_outfile_abort(o);
        return -1;
    }
    if (o->tmp && rename(o->tmp, o->path) != 0) {
        ge_fail(err, "%s: cannot rename the finished file into place: %s", o->path,
                strerror(errno));
        ge_outfile_abort(o);
        return -1;
    }
    ge_outfile_pending = NULL;
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    return 0;
}

void ge_outfile_abort(ge_outfile *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    ge_outfile_pending = NULL;
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
