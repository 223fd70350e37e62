/* CSV reading and writing on top of libcsv (push parser).
 *
 * The input is read in 64 KiB chunks and handed to csv_parse one line piece
 * at a time (up to and including each '\n'). libcsv is told that only '\n'
 * ends a row (CR is a trimmable space, so CRLF works), and with CSV_REPALL_NL
 * it reports every unquoted '\n' as a row end, blank lines as rows of 0
 * fields. So a piece completes at most one row, and after a piece ending in
 * '\n' we know whether a quoted field is still open: that gives exact line
 * numbers without looking inside the parser. Only the row being built is kept
 * (copied out of libcsv's field buffer), so memory is bounded by the longest
 * row. Lines and fields are capped at GE_CSV_MAX_FIELD bytes; the cap on a
 * quoted field that spans lines is enforced on libcsv's buffer size after
 * each piece, so an unterminated quote in a huge file cannot eat memory. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "geoembed/csv.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHUNK ((size_t)64 * 1024)
#define LIMIT ((size_t)GE_CSV_MAX_FIELD)
#define BLK ((size_t)16 * 1024)
/* libcsv's entry buffer only grows past this when the field being built
 * holds more than LIMIT bytes of content (at most LIMIT bytes of it can be
 * spaces after a closing quote, which all sit on one line). */
#define BUF_CAP (2 * LIMIT + BLK + 2)
/* How far ahead delimiter detection may look for the end of the header. */
#define DETECT_CAP (2 * LIMIT)

struct ge_csv {
    FILE *f;
    int own_f;
    char *path; /* for messages: "<stdin>" for "-" */
    char delim;

    struct csv_parser p;
    int p_init;

    unsigned char *buf; /* input bytes [pos, len) not yet parsed */
    size_t cap, len, pos;
    long long base; /* the file offset of buf[0] */
    long long stop; /* read no byte at or after this offset (ge_csv_range); -1: none */
    int eof;    /* no more input from f */
    int done;   /* csv_fini has run */
    int failed; /* msg holds the error; every later call repeats it */
    ge_error msg;

    long line;         /* line of the byte at pos */
    size_t line_len;   /* bytes of that line already parsed */
    int at_line_start; /* pos is at the start of a line */
    int in_row;        /* a row (open quoted field) continues over a line end */
    int row_ended;     /* libcsv ended a row during the current piece */
    long row_line;     /* line where the row being built starts */
    long field_line;   /* line where the field being built starts */

    /* the row being built: nfields fields counted, the first min(nfields,
     * ncols) stored in rbuf (NUL-terminated) at offsets roff */
    char *rbuf;
    size_t rlen, rcap;
    size_t *roff;
    size_t roff_cap;
    size_t nfields;
    char **ptrs; /* handed out by ge_csv_next */
    int row_ready;

    int ncols; /* 0 while the header is being read */
    char **names;
    char *hbuf;
};

/* ---------------------------------------------------------------- helpers */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int eq_nocase(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b);
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* Index of the first byte of s[0, n) that does not start a valid UTF-8
 * sequence (overlong forms, surrogates, > U+10FFFF and truncated sequences
 * are invalid), or n. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned b = s[i], len;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            len = 2, cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3, cp = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4, cp = b & 0x07;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (unsigned k = 1; k < len; k++) {
            unsigned cb = s[i + k];
            if ((cb & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (cb & 0x3F);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
            return i;
        if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            return i;
        i += len;
    }
    return n;
}

static long count_nl(const unsigned char *s, size_t n)
{
    long k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* libcsv's "space" (trimmed around unquoted fields and after closing quotes):
 * space, tab and CR, never the delimiter. */
static int space_all(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}
static int space_no_tab(unsigned char ch)
{
    return ch == ' ' || ch == '\r';
}
static int space_no_space(unsigned char ch)
{
    return ch == '\t' || ch == '\r';
}
static int term_lf(unsigned char ch)
{
    return ch == '\n';
}

/* -------------------------------------------------------------- errors */

static void fail_io(ge_csv *c, int e)
{
    ge_fail(&c->msg, "%s:%ld: read error: %s", c->path, c->line, e ? strerror(e) : "I/O error");
    c->failed = 1;
}

/* "FILE:LINE: WHAT in column 'NAME' (column K)", k 0-based. */
static void fail_col(ge_csv *c, long line, size_t k, const char *what)
{
    if (c->ncols == 0)
        ge_fail(&c->msg, "%s:%ld: %s in the header (column %zu)", c->path, line, what, k + 1);
    else if (k < (size_t)c->ncols)
        ge_fail(&c->msg, "%s:%ld: %s in column '%s' (column %zu)", c->path, line, what,
                c->names[k], k + 1);
    else
        ge_fail(&c->msg, "%s:%ld: %s in column %zu", c->path, line, what, k + 1);
    c->failed = 1;
}

static void fail_oom(ge_csv *c)
{
    ge_fail(&c->msg, "%s:%ld: out of memory", c->path, c->line);
    c->failed = 1;
}

static void copy_err(const ge_csv *c, ge_error *err)
{
    if (err)
        ge_fail(err, "%s", c->msg.msg);
}

/* ------------------------------------------------------ libcsv callbacks */

static int store_field(ge_csv *c, const void *s, size_t n)
{
    size_t k = c->nfields - 1;
    if (k >= c->roff_cap) {
        size_t nc = c->roff_cap ? 2 * c->roff_cap : 16;
        size_t *r = realloc(c->roff, nc * sizeof *r);
        if (!r)
            return -1;
        c->roff = r;
        c->roff_cap = nc;
    }
    if (c->rcap - c->rlen < n + 1) {
        size_t nc = c->rcap ? c->rcap : 256;
        while (nc - c->rlen < n + 1)
            nc *= 2;
        char *r = realloc(c->rbuf, nc);
        if (!r)
            return -1;
        c->rbuf = r;
        c->rcap = nc;
    }
    c->roff[k] = c->rlen;
    if (n)
        memcpy(c->rbuf + c->rlen, s, n);
    c->rbuf[c->rlen + n] = '\0';
    c->rlen += n + 1;
    return 0;
}

static void on_field(void *s, size_t n, void *data)
{
    ge_csv *c = data;
    long start = c->field_line;
    c->field_line = c->line; /* the next field starts right after this one */
    if (c->failed)
        return;
    size_t k = c->nfields++;
    if (n > LIMIT) {
        fail_col(c, start, k, "field longer than 1 MiB");
        return;
    }
    if (c->ncols == 0) {
        if (k >= GE_CSV_MAX_COLS) {
            ge_fail(&c->msg, "%s:%ld: more than %d columns in the header", c->path, c->row_line,
                    GE_CSV_MAX_COLS);
            c->failed = 1;
            return;
        }
    } else if (k >= (size_t)c->ncols) {
        return; /* a ragged row, reported at its end */
    }
    const unsigned char *u = s;
    if (n) {
        const unsigned char *z = memchr(u, '\0', n);
        if (z) {
            fail_col(c, start + count_nl(u, (size_t)(z - u)), k, "NUL byte");
            return;
        }
        size_t bad = utf8_bad(u, n);
        if (bad < n) {
            fail_col(c, start + count_nl(u, bad), k, "invalid UTF-8");
            return;
        }
    }
    if (store_field(c, s, n) != 0)
        fail_oom(c);
}

static void on_row(int ch, void *data)
{
    ge_csv *c = data;
    (void)ch;
    c->row_ended = 1;
    if (c->failed || c->nfields == 0) /* nfields 0: a blank line */
        return;
    if (c->ncols > 0 && c->nfields != (size_t)c->ncols) {
        ge_fail(&c->msg, "%s:%ld: expected %d fields as in the header, got %zu", c->path,
                c->row_line, c->ncols, c->nfields);
        c->failed = 1;
        return;
    }
    c->row_ready = 1;
}

/* ------------------------------------------------------------- reading */

/* Appends up to CHUNK bytes of input after buf[len], moving the unparsed
 * bytes to the front first. Sets eof at the end of input. */
static int fill(ge_csv *c)
{
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->base += (long long)c->pos;
        c->pos = 0;
    }
    if (c->cap - c->len < CHUNK) {
        size_t nc = c->len + CHUNK;
        unsigned char *b = realloc(c->buf, nc);
        if (!b) {
            fail_oom(c);
            return -1;
        }
        c->buf = b;
        c->cap = nc;
    }
    errno = 0;
    size_t want = c->cap - c->len;
    if (c->stop >= 0) { /* a range's end: what lies after it is another reader's */
        long long left = c->stop - c->base - (long long)c->len;
        if (left <= 0) {
            c->eof = 1;
            return 0;
        }
        if ((unsigned long long)left < want)
            want = (size_t)left;
    }
    size_t got = fread(c->buf + c->len, 1, want, c->f);
    int e = errno;
    c->len += got;
    if (got < want) {
        if (ferror(c->f)) {
            fail_io(c, e);
            return -1;
        }
        c->eof = 1;
    }
    return 0;
}

/* Feeds the next line piece to libcsv; 0 or -1. */
static int feed_piece(ge_csv *c)
{
    const unsigned char *s = c->buf + c->pos;
    size_t avail = c->len - c->pos;
    const unsigned char *nl = memchr(s, '\n', avail);
    size_t n = nl ? (size_t)(nl - s) + 1 : avail;
    size_t body = nl ? n - 1 : n;

    if (body > LIMIT - c->line_len) {
        ge_fail(&c->msg, "%s:%ld: line longer than 1 MiB", c->path, c->line);
        c->failed = 1;
        return -1;
    }
    if (c->at_line_start && !c->in_row)
        c->row_line = c->field_line = c->line;
    c->row_ended = 0;
    size_t used = csv_parse(&c->p, s, n, on_field, on_row, c);
    if (c->failed)
        return -1;
    if (used < n) {
        int st = csv_error(&c->p);
        if (st == CSV_EPARSE)
            fail_col(c, c->line + count_nl(s, used), c->nfields,
                     "malformed quoting (a quote inside an unquoted field, or text after a "
                     "closing quote)");
        else if (st == CSV_ENOMEM)
            fail_oom(c);
        else {
            ge_fail(&c->msg, "%s:%ld: %s", c->path, c->line, csv_strerror(st));
            c->failed = 1;
        }
        return -1;
    }
    if (csv_get_buffer_size(&c->p) > BUF_CAP) {
        fail_col(c, c->field_line, c->nfields, "field longer than 1 MiB");
        return -1;
    }
    c->pos += n;
    if (nl) {
        c->line++;
        c->line_len = 0;
        c->at_line_start = 1;
        c->in_row = !c->row_ended;
    } else {
        c->line_len += n;
        c->at_line_start = 0;
    }
    return 0;
}

/* Parses until a row is complete: 1, 0 at the end of input, -1 on error. */
static int pump(ge_csv *c)
{
    while (!c->row_ready) {
        if (c->failed)
            return -1;
        if (c->pos < c->len) {
            if (feed_piece(c) != 0)
                return -1;
        } else if (!c->eof) {
            if (fill(c) != 0)
                return -1;
        } else if (!c->done) {
            c->done = 1;
            if (csv_fini(&c->p, on_field, on_row, c) != 0) {
                if (!c->failed)
                    fail_col(c, c->field_line, c->nfields,
                             "unterminated quoted field at end of file");
                return -1;
            }
        } else {
            return 0;
        }
    }
    return 1;
}

static void reset_row(ge_csv *c)
{
    c->row_ready = 0;
    c->nfields = 0;
    c->rlen = 0;
}

/* Delimiter detection: counts ',', '\t', ';' outside quotes on the first
 * line that is not blank, reading ahead (without consuming) as needed. */
static int detect(ge_csv *c, char *out)
{
    for (;;) {
        size_t cnt[3] = {0, 0, 0};
        int inq = 0, seen = 0, complete = 0;
        for (size_t i = c->pos; i < c->len && !complete; i++) {
            unsigned char b = c->buf[i];
            if (b == '"') {
                inq = !inq;
                seen = 1;
            } else if (inq) {
                continue;
            } else if (b == '\n') {
                if (seen)
                    complete = 1;
                else
                    cnt[0] = cnt[1] = cnt[2] = 0;
            } else if (b == ',') {
                cnt[0]++, seen = 1;
            } else if (b == '\t') {
                cnt[1]++;
            } else if (b == ';') {
                cnt[2]++, seen = 1;
            } else if (b != ' ' && b != '\r') {
                seen = 1;
            }
        }
        if (complete || c->eof || c->len - c->pos > DETECT_CAP) {
            static const char cand[3] = {',', '\t', ';'};
            int best = 0;
            for (int k = 1; k < 3; k++)
                if (cnt[k] > cnt[best])
                    best = k;
            *out = cand[best];
            return 0;
        }
        if (fill(c) != 0)
            return -1;
    }
}

/* libcsv set up for c->delim; 0 or -1. */
static int parser_init(ge_csv *c)
{
    const char d = c->delim;
    if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_REPALL_NL) != 0) {
        fail_oom(c);
        return -1;
    }
    c->p_init = 1;
    csv_set_delim(&c->p, (unsigned char)d);
    csv_set_space_func(&c->p, d == '\t' ? space_no_tab : d == ' ' ? space_no_space : space_all);
    csv_set_term_func(&c->p, term_lf);
    csv_set_blk_size(&c->p, BLK);
    return 0;
}

ge_csv *ge_csv_open(const char *path, const ge_csv_opts *o, ge_error *err)
{
    char d = o ? o->delimiter : 0;
    if (!path) {
        ge_fail(err, "no CSV file given");
        return NULL;
    }
    int is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    if (d == '"' || d == '\n' || d == '\r' || (unsigned char)d >= 0x80) {
        ge_fail(err, "%s: invalid CSV delimiter (byte 0x%02x)", shown, (unsigned)(unsigned char)d);
        return NULL;
    }
    ge_csv *c = calloc(1, sizeof *c);
    if (!c) {
        ge_fail(err, "%s: out of memory", shown);
        return NULL;
    }
    c->path = dup_str(shown);
    if (!c->path) {
        free(c);
        ge_fail(err, "%s: out of memory", shown);
        return NULL;
    }
    c->line = 1;
    c->at_line_start = 1;
    c->stop = -1;
    if (is_stdin) {
        c->f = stdin;
    } else {
        c->f = fopen(path, "rb");
        if (!c->f) {
            ge_fail(err, "%s: cannot open: %s", shown, strerror(errno));
            ge_csv_close(c);
            return NULL;
        }
        c->own_f = 1;
        struct stat st;
        if (fstat(fileno(c->f), &st) == 0 && S_ISDIR(st.st_mode)) {
            ge_fail(err, "%s: cannot open: %s", shown, strerror(EISDIR));
            ge_csv_close(c);
            return NULL;
        }
    }

    if (fill(c) != 0)
        goto fail;
    if (c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
    if (d == 0 && detect(c, &d) != 0)
        goto fail;
    c->delim = d;

    if (parser_init(c) != 0)
        goto fail;

    int r = pump(c);
    if (r < 0)
        goto fail;
    if (r == 0) {
        ge_fail(err, "%s: empty file, expected a header row", c->path);
        ge_csv_close(c);
        return NULL;
    }
    c->hbuf = malloc(c->rlen);
    c->names = malloc(c->nfields * sizeof *c->names);
    c->ptrs = malloc(c->nfields * sizeof *c->ptrs);
    if (!c->hbuf || !c->names || !c->ptrs) {
        fail_oom(c);
        goto fail;
    }
    memcpy(c->hbuf, c->rbuf, c->rlen);
    for (size_t i = 0; i < c->nfields; i++)
        c->names[i] = c->hbuf + c->roff[i];
    c->ncols = (int)c->nfields;
    reset_row(c);
    return c;

fail:
    copy_err(c, err);
    ge_csv_close(c);
    return NULL;
}

int ge_csv_next(ge_csv *c, char *const **fields, long *line, ge_error *err)
{
    if (c->failed) {
        copy_err(c, err);
        return -1;
    }
    if (c->row_ready)
        reset_row(c);
    int r = pump(c);
    if (r < 0) {
        copy_err(c, err);
        return -1;
    }
    if (r == 0)
        return 0;
    for (int i = 0; i < c->ncols; i++)
        c->ptrs[i] = c->rbuf + c->roff[i];
    *fields = c->ptrs;
    *line = c->row_line;
    return 1;
}

long long ge_csv_offset(const ge_csv *c) { return c->base + (long long)c->pos; }

long ge_csv_line(const ge_csv *c) { return c->line; }

int ge_csv_range(ge_csv *c, long long begin, long long end, long line, ge_error *err)
{
    if (c->failed) {
        copy_err(c, err);
        return -1;
    }
    if (!c->own_f || begin < 0 || (end >= 0 && end < begin) || fseeko(c->f, (off_t)begin, SEEK_SET) != 0) {
        ge_fail(err, "%s: cannot read from byte %lld: %s", c->path, begin,
                c->own_f ? strerror(errno) : "not a regular file");
        return -1;
    }
    /* a fresh parser at the start of a row: the range starts at a line
     * outside quotes */
    csv_free(&c->p);
    c->p_init = 0;
    if (parser_init(c) != 0) {
        copy_err(c, err);
        return -1;
    }
    c->len = c->pos = 0;
    c->base = begin;
    c->stop = end;
    c->eof = c->done = 0;
    c->line = line;
    c->line_len = 0;
    c->at_line_start = 1;
    c->in_row = c->row_ended = 0;
    reset_row(c);
    return 0;
}

void ge_csv_close(ge_csv *c)
{
    if (!c)
        return;
    if (c->own_f)
        fclose(c->f);
    if (c->p_init)
        csv_free(&c->p);
    free(c->buf);
    free(c->rbuf);
    free(c->roff);
    free(c->ptrs);
    free(c->names);
    free(c->hbuf);
    free(c->path);
    free(c);
}

int ge_csv_ncols(const ge_csv *c)
{
    return c->ncols;
}

const char *ge_csv_colname(const ge_csv *c, int i)
{
    return i >= 0 && i < c->ncols ? c->names[i] : NULL;
}

char ge_csv_delimiter(const ge_csv *c)
{
    return c->delim;
}

const char *ge_csv_path(const ge_csv *c)
{
    return c->path;
}

void ge_csv_column_list(const ge_csv *c, char *buf, size_t n)
{
    size_t len = 0;
    if (n)
        buf[0] = 0;
    for (int i = 0; i < c->ncols && n; i++) {
        size_t k = strlen(c->names[i]);
        if (len + k + 2 + 6 >= n) { /* room for ", ..." */
            snprintf(buf + len, n - len, "%s...", i ? ", " : "");
            return;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", c->names[i]);
    }
}

int ge_csv_find(const ge_csv *c, const char *name)
{
    if (!name)
        return -1;
    /* the exact spelling first: in a header "X,x,y" x is "x", not "X" */
    for (int i = 0; i < c->ncols; i++)
        if (strcmp(name, c->names[i]) == 0)
            return i;
    for (int i = 0; i < c->ncols; i++)
        if (eq_nocase(name, strlen(name), c->names[i]))
            return i;
    return -1;
}

/* ------------------------------------------------------------- fields */

static int is_blank(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trims spaces and tabs: *n is the length of the result. */
static const char *trim(const char *s, size_t *n)
{
    while (is_blank((unsigned char)*s))
        s++;
    size_t k = strlen(s);
    while (k && is_blank((unsigned char)s[k - 1]))
        k--;
    *n = k;
    return s;
}

int ge_csv_number(const char *field, double *v)
{
    if (!field)
        return -1;
    size_t n;
    const char *s = trim(field, &n);
    if (n == 0)
        return -1;
    /* strtod would skip other leading white space, and accept ',' as the
     * decimal point under some locales */
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
            return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s + n)
        return -1;
    if (errno == ERANGE && isinf(x))
        return -1;
    *v = x;
    return 0;
}

int ge_csv_is_missing(const char *field)
{
    if (!field)
        return 1;
    size_t n;
    const char *s = trim(field, &n);
    return n == 0 || eq_nocase(s, n, "na") || eq_nocase(s, n, "n/a") ||
           eq_nocase(s, n, "nan") || eq_nocase(s, n, "null");
}

/* ------------------------------------------------------------- writing */

int ge_csv_write_field(FILE *f, const char *s, char delim)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    int quote = n > 0 && (is_blank((unsigned char)s[0]) || is_blank((unsigned char)s[n - 1]));
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        return csv_fwrite(f, s, n) == 0 ? 0 : -1;
    return fwrite(s, 1, n, f) == n ? 0 : -1;
}

int ge_csv_write_number(FILE *f, double v)
{
    if (isnan(v))
        return 0;
    char buf[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (back == v && !signbit(back) == !signbit(v))
            break;
    }
    return fputs(buf, f) < 0 ? -1 : 0;
}
