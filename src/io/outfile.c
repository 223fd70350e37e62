/* Output files that are never left half-written (see outfile.h for the
 * rules). Four parts: the list of temporary names a signal handler removes,
 * the sweep of temporaries left by dead processes, where a path leads
 * (symbolic links, streams), and the two writers: ge_outfile for our own
 * bytes, ge_staged for GDAL drivers that create their files themselves. */
#define _GNU_SOURCE /* syscall(), nftw() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "geoembed/outfile.h"

#define TMP_PREFIX ".geoembed.tmp."

/* ---- temporary names removed on a signal ------------------------------- */
/* Fixed storage: the handler must not read memory that may be freed. */
enum { SLOTS = 16, HOLD_FILE = 1, HOLD_DIR = 2 };
static char slot_name[SLOTS][PATH_MAX];
static volatile sig_atomic_t slot_kind[SLOTS];
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

/* Empties a directory of files and removes it, with async-signal-safe calls
 * only (hence getdents64 rather than readdir). */
static void remove_dir_now(const char *dir)
{
    for (int pass = 0; pass < 4; pass++) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return;
        char buf[4096];
        long n;
        int removed = 0;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off + 19 < n;) {
                unsigned short reclen; /* struct linux_dirent64: reclen at 16, name at 19 */
                memcpy(&reclen, buf + off + 16, sizeof reclen);
                const char *name = buf + off + 19;
                if (strcmp(name, ".") && strcmp(name, "..") && unlinkat(fd, name, 0) == 0)
                    removed = 1;
                if (reclen == 0)
                    break;
                off += reclen;
            }
        }
        close(fd);
        if (!removed)
            break;
    }
    rmdir(dir);
}

static void on_fatal_signal(int sig)
{
    int saved = errno;
    for (int i = 0; i < SLOTS; i++) {
        if (slot_kind[i] == HOLD_FILE)
            unlink(slot_name[i]);
        else if (slot_kind[i] == HOLD_DIR)
            remove_dir_now(slot_name[i]);
        slot_kind[i] = 0;
    }
    /* then die of the signal as if nothing had caught it */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    raise(sig);
    errno = saved;
}

/* Catches the signals that still have their default action: a command's own
 * handler (fit saves the model on SIGINT) or an ignored SIGPIPE is left alone. */
static void arm_signals(void)
{
    for (size_t k = 0; k < sizeof fatal_signals / sizeof *fatal_signals; k++) {
        struct sigaction old, sa;
        if (sigaction(fatal_signals[k], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO))
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t j = 0; j < sizeof fatal_signals / sizeof *fatal_signals; j++)
            sigaddset(&sa.sa_mask, fatal_signals[j]);
        sigaction(fatal_signals[k], &sa, NULL);
    }
}

/* 1 + the slot holding name, or 0 when the list is full or the name too long
 * (the next run's sweep still removes it). */
static int hold(const char *name, int kind)
{
    if (strlen(name) >= PATH_MAX)
        return 0;
    for (int i = 0; i < SLOTS; i++)
        if (!slot_kind[i]) {
            strcpy(slot_name[i], name);
            slot_kind[i] = kind; /* set last: the handler sees a complete name */
            arm_signals();
            return i + 1;
        }
    return 0;
}

static void let_go(int *slot)
{
    if (*slot > 0 && *slot <= SLOTS)
        slot_kind[*slot - 1] = 0;
    *slot = 0;
}

/* ---- temporaries of dead processes ------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Removes DIR/.geoembed.tmp.PID.* whose process PID no longer exists (left by
 * a SIGKILL, a crash or a power cut). */
static void sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    const size_t plen = strlen(TMP_PREFIX);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, TMP_PREFIX, plen) != 0)
            continue;
        char *end;
        errno = 0;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (errno || end == e->d_name + plen || *end != '.' || pid <= 0 || pid > INT_MAX ||
            pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or someone else's */
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (p) {
            snprintf(p, n, "%s/%s", dir, e->d_name);
            nftw(p, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
            free(p);
        }
    }
    closedir(d);
}

/* ---- where a path leads ------------------------------------------------ */

enum { TO_FILE, TO_STREAM, TO_VSI };

typedef struct {
    int kind;
    char *dest; /* TO_FILE: the file to replace or create, links resolved */
    int fd;     /* TO_STREAM: a descriptor to write (dup), -1: open the path */
} place;

/* N for /dev/fd/N, /proc/self/fd/N and /dev/stdout-like names, else -1. */
static int fd_of(const char *p)
{
    static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"};
    static const char *const std[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
    for (int k = 0; k < 3; k++)
        if (strcmp(p, std[k]) == 0)
            return k;
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(dirs[k]);
        if (strncmp(p, dirs[k], n) == 0 && p[n]) {
            char *end;
            long fd = strtol(p + n, &end, 10);
            if (!*end && fd >= 0 && fd <= INT_MAX)
                return (int)fd;
        }
    }
    return -1;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Follows symbolic links to the file that is really written: a name under
 * /proc or /dev/fd (an open descriptor), a device, a FIFO or a socket is a
 * stream and is never replaced. */
static int locate(const char *path, place *w, ge_error *err)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    if (strcmp(path, "-") == 0) {
        w->kind = TO_STREAM;
        w->fd = STDOUT_FILENO;
        return 0;
    }
    if (strncmp(path, "/vsi", 4) == 0) {
        w->kind = TO_VSI;
        return 0;
    }
    if (!*path)
        return ge_fail(err, "an empty output file name");
    char *cur = strdup(path);
    for (int hop = 0; cur; hop++) {
        struct stat st;
        int fd = fd_of(cur);
        if (fd >= 0 || strncmp(cur, "/proc/", 6) == 0) {
            w->kind = TO_STREAM;
            w->fd = fd;
            free(cur);
            return 0;
        }
        if (lstat(cur, &st) != 0)
            break; /* a new file; creating it reports what is wrong */
        if (S_ISDIR(st.st_mode)) {
            free(cur);
            return ge_fail(err, "%s: cannot write: it is a directory", path);
        }
        if (!S_ISLNK(st.st_mode)) {
            if (!S_ISREG(st.st_mode)) {
                w->kind = TO_STREAM;
                free(cur);
                return 0;
            }
            break;
        }
        char link[PATH_MAX];
        ssize_t k = hop < 40 ? readlink(cur, link, sizeof link - 1) : -1;
        if (k < 0) {
            free(cur);
            return ge_fail(err, "%s: cannot write: %s", path,
                           hop < 40 ? strerror(errno) : "too many levels of symbolic links");
        }
        link[k] = 0;
        char *next;
        if (link[0] == '/' || !strchr(cur, '/')) {
            next = strdup(link);
        } else {
            char *d = dir_of(cur);
            next = d ? join(d, link) : NULL;
            free(d);
        }
        free(cur);
        cur = next;
    }
    if (!cur)
        return ge_fail(err, "%s: cannot write: out of memory", path);
    w->kind = TO_FILE;
    w->dest = cur;
    return 0;
}

/* The file about to be replaced keeps its mode and, where allowed, its owner;
 * a new file gets the permissions the umask gives. */
static void keep_attributes(int fd, const char *tmp_path, const char *dest)
{
    struct stat st;
    if (stat(dest, &st) == 0 && S_ISREG(st.st_mode)) {
        if (fd >= 0) {
            if (st.st_uid != geteuid() || st.st_gid != getegid())
                (void)!fchown(fd, st.st_uid, st.st_gid);
            fchmod(fd, st.st_mode & 07777);
        } else {
            if (st.st_uid != geteuid() || st.st_gid != getegid())
                (void)!chown(tmp_path, st.st_uid, st.st_gid);
            chmod(tmp_path, st.st_mode & 07777);
        }
    } else if (fd >= 0) {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
}

/* DIR/.geoembed.tmp.PID.XXXXXX as a file (fd returned) or a directory (0),
 * after sweeping DIR; -1 with errno. */
static int make_temp(const char *dir, int directory, char **name)
{
    sweep(dir);
    char tail[64];
    snprintf(tail, sizeof tail, TMP_PREFIX "%ld.XXXXXX", (long)getpid());
    *name = join(dir, tail);
    if (!*name) {
        errno = ENOMEM;
        return -1;
    }
    int fd = directory ? (mkdtemp(*name) ? 0 : -1) : mkstemp(*name);
    if (fd < 0) {
        int saved = errno;
        free(*name);
        *name = NULL;
        errno = saved;
    }
    return fd;
}

/* ---- our own bytes: ge_outfile ----------------------------------------- */

static const char *shown(const char *path) { return strcmp(path, "-") ? path : "<stdout>"; }

int ge_outfile_open(ge_outfile *o, const char *path, ge_error *err)
{
    memset(o, 0, sizeof *o);
    place w;
    if (locate(path, &w, err))
        return -1;
    o->path = strdup(path);
    if (!o->path) {
        free(w.dest);
        return ge_fail(err, "out of memory");
    }
    if (w.kind != TO_FILE) {
        if (w.fd == STDOUT_FILENO) {
            o->f = stdout;
        } else if (w.fd >= 0) { /* the open descriptor itself: its offset and O_APPEND hold */
            int fd = dup(w.fd);
            o->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
            if (!o->f && fd >= 0)
                close(fd);
        } else {
            o->f = fopen(path, "wb");
        }
        if (!o->f) {
            ge_fail(err, "%s: cannot write: %s", path, strerror(errno));
            free(o->path);
            o->path = NULL;
            return -1;
        }
        return 0;
    }
    o->dest = w.dest;
    char *dir = dir_of(o->dest);
    int fd = dir ? make_temp(dir, 0, &o->tmp) : -1;
    free(dir);
    if (fd < 0) {
        ge_fail(err, "%s: cannot write: %s", path, strerror(errno));
        ge_outfile_abort(o);
        return -1;
    }
    keep_attributes(fd, NULL, o->dest);
    o->slot = hold(o->tmp, HOLD_FILE);
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
    if (o->tmp && rename(o->tmp, o->dest) != 0) {
        ge_fail(err, "%s: cannot rename the finished file into place: %s", o->path,
                strerror(errno));
        ge_outfile_abort(o);
        return -1;
    }
    let_go(&o->slot);
    free(o->tmp);
    free(o->dest);
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
    let_go(&o->slot);
    free(o->tmp);
    free(o->dest);
    free(o->path);
    memset(o, 0, sizeof *o);
}

/* ---- files GDAL creates: ge_staged ------------------------------------- */

int ge_staged_open(ge_staged *s, const char *path, ge_error *err)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    place w;
    if (locate(path, &w, err))
        return -1;
    s->path = strdup(path);
    if (!s->path) {
        free(w.dest);
        return ge_fail(err, "out of memory");
    }
    if (w.kind == TO_VSI) {
        s->target = strdup(path);
        if (!s->target) {
            ge_staged_abort(s);
            return ge_fail(err, "out of memory");
        }
        return 0;
    }
    /* A stream is written to a file in TMPDIR first: GDAL drivers seek and
     * read back what they wrote, which a pipe cannot do. */
    const char *tmpdir = getenv("TMPDIR");
    sweep(tmpdir && *tmpdir ? tmpdir : "/tmp"); /* stages and streams of dead runs */
    s->stream = w.kind == TO_STREAM;
    s->fd = w.fd;
    s->dest = w.dest;
    char *dir = s->stream ? strdup(tmpdir && *tmpdir ? tmpdir : "/tmp") : dir_of(s->dest);
    if (!dir || make_temp(dir, 1, &s->dir) < 0) {
        int e = dir ? errno : ENOMEM;
        if (s->stream)
            ge_fail(err, "%s: cannot create a temporary directory in %s: %s", shown(path),
                    dir ? dir : "TMPDIR", strerror(e));
        else
            ge_fail(err, "%s: cannot write: %s", path, strerror(e));
        free(dir);
        ge_staged_abort(s);
        return -1;
    }
    free(dir);
    s->slot = hold(s->dir, HOLD_DIR);
    s->target = join(s->dir, s->stream ? "stream" : base_of(s->dest));
    if (!s->target) {
        ge_staged_abort(s);
        return ge_fail(err, "out of memory");
    }
    return 0;
}

/* The names in the private directory (NULL-terminated, malloc'd), or NULL. */
static char **list_dir(const char *dir, int *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    int bad = 0;
    while ((e = readdir(d)) && !bad) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char **more = realloc(names, (size_t)(*n + 2) * sizeof *names);
        if (!more || !(more[*n] = strdup(e->d_name))) {
            names = more ? more : names;
            bad = 1;
            break;
        }
        names = more;
        names[++*n] = NULL;
    }
    closedir(d);
    if (bad) {
        for (int i = 0; i < *n; i++)
            free(names[i]);
        free(names);
        return NULL;
    }
    if (!names)
        names = calloc(1, sizeof *names);
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n && names; i++)
        free(names[i]);
    free(names);
}

static int copy_to_stream(ge_staged *s, ge_error *err)
{
    int in = open(s->target, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return ge_fail(err, "%s: cannot read back the finished file: %s", s->path,
                       strerror(errno));
    fflush(stdout);
    int out = s->fd >= 0 ? dup(s->fd) : open(s->path, O_WRONLY | O_CLOEXEC);
    if (out < 0) {
        close(in);
        return ge_fail(err, "%s: cannot write: %s", s->path, strerror(errno));
    }
    char buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t got = read(in, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = ge_fail(err, "%s: cannot read back the finished file: %s", s->path,
                         strerror(errno));
            break;
        }
        if (got == 0)
            break;
        for (ssize_t off = 0; off < got && !rc;) {
            ssize_t put = write(out, buf + off, (size_t)(got - off));
            if (put < 0 && errno == EINTR)
                continue;
            if (put <= 0)
                rc = ge_fail(err, "%s: write failed: %s", shown(s->path),
                             strerror(put < 0 ? errno : EIO));
            else
                off += put;
        }
        if (rc)
            break;
    }
    close(in);
    if (close(out) != 0 && !rc && errno != EINTR)
        rc = ge_fail(err, "%s: write failed: %s", shown(s->path), strerror(errno));
    return rc;
}

/* Moves the files of the private directory beside the output: sidecars
 * first, the main file last, so that a reader never sees the new main file
 * without its header. Stale sidecars of the file replaced go. */
static int move_into_place(ge_staged *s, char **names, int n, ge_error *err)
{
    const char *base = base_of(s->dest);
    char *dir = dir_of(s->dest);
    if (!dir)
        return ge_fail(err, "out of memory");
    int rc = 0, have_main = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (strcmp(names[i], base) == 0) {
            have_main = 1;
            continue;
        }
        char *from = join(s->dir, names[i]), *to = join(dir, names[i]);
        if (!from || !to)
            rc = ge_fail(err, "out of memory");
        else if (rename(from, to) != 0)
            rc = ge_fail(err, "%s: cannot rename the finished file into place: %s", to,
                         strerror(errno));
        free(from);
        free(to);
    }
    if (!rc && n == 0)
        rc = ge_fail(err, "%s: nothing was written", s->path);
    static const char *const stale[] = {".aux.xml", ".ovr", ".msk"};
    for (size_t k = 0; k < sizeof stale / sizeof *stale && !rc; k++) {
        size_t len = strlen(base) + strlen(stale[k]) + 1;
        char *side = malloc(len);
        if (!side)
            break;
        snprintf(side, len, "%s%s", base, stale[k]);
        int made = 0;
        for (int i = 0; i < n; i++)
            made |= strcmp(names[i], side) == 0;
        char *old = made ? NULL : join(dir, side);
        if (old)
            unlink(old);
        free(old);
        free(side);
    }
    if (!rc && have_main) { /* some drivers name their files otherwise (ILWIS, MFF) */
        keep_attributes(-1, s->target, s->dest);
        if (rename(s->target, s->dest) != 0)
            rc = ge_fail(err, "%s: cannot rename the finished file into place: %s", s->path,
                         strerror(errno));
    }
    free(dir);
    return rc;
}

int ge_staged_commit(ge_staged *s, ge_error *err)
{
    if (!s->dir) { /* /vsi: GDAL wrote it */
        ge_staged_abort(s);
        return 0;
    }
    int n, rc;
    char **names = list_dir(s->dir, &n);
    if (!names) {
        rc = ge_fail(err, "%s: cannot list the temporary directory: %s", s->path,
                     strerror(errno));
    } else if (s->stream) {
        if (n == 1 && strcmp(names[0], "stream") == 0)
            rc = copy_to_stream(s, err);
        else
            rc = ge_fail(err, "%s: cannot stream this format: it writes %d files (%s%s%s); write "
                              "it to a file",
                         shown(s->path), n, n ? names[0] : "", n > 1 ? ", " : "",
                         n > 1 ? names[1] : "");
    } else {
        rc = move_into_place(s, names, n, err);
    }
    free_names(names, n);
    ge_staged_abort(s);
    return rc;
}

void ge_staged_abort(ge_staged *s)
{
    if (s->dir)
        nftw(s->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    let_go(&s->slot);
    free(s->target);
    free(s->path);
    free(s->dest);
    free(s->dir);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

/* ---- outputs over inputs ----------------------------------------------- */

int ge_output_is_input(const char *out, const char *in, ge_error *err)
{
    struct stat so, si;
    if (!out || !in || strcmp(out, "-") == 0 || strncmp(out, "/vsi", 4) == 0)
        return 0;
    if (stat(out, &so) != 0 || !S_ISREG(so.st_mode))
        return 0;
    if (strcmp(in, "-") == 0 ? fstat(STDIN_FILENO, &si) != 0 : stat(in, &si) != 0)
        return 0;
    if (so.st_dev != si.st_dev || so.st_ino != si.st_ino)
        return 0;
    return ge_fail(err, "%s: is the input %s; refusing to overwrite an input (write to another "
                        "file)",
                   out, strcmp(in, "-") ? in : "<stdin>");
}
