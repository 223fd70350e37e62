/* Parses a .case file: settings lines, then `array NAME COUNT` sections of
 * whitespace-separated %.17g numbers. Strict: unknown keys, short arrays and
 * malformed numbers are errors with the line number. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

typedef struct {
    FILE *f;
    const char *path;
    long line;
    char buf[4096];
} reader;

/* Next non-comment, non-blank line into r->buf; 0 at end of file. */
static int next_line(reader *r)
{
    while (fgets(r->buf, sizeof r->buf, r->f)) {
        r->line++;
        char *p = r->buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == 0)
            continue;
        r->buf[strcspn(r->buf, "\r\n")] = 0;
        return 1;
    }
    return 0;
}

static int read_array(reader *r, case_array *a, ge_error *err)
{
    a->v = malloc((a->count ? a->count : 1) * sizeof *a->v);
    if (!a->v)
        return ge_fail(err, "%s:%ld: out of memory for array %s", r->path, r->line, a->name);
    size_t got = 0;
    while (got < a->count) {
        if (!next_line(r))
            return ge_fail(err, "%s: array %s ends after %zu of %zu numbers", r->path, a->name,
                           got, a->count);
        char *p = r->buf;
        for (;;) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p)
                break;
            if (got == a->count)
                return ge_fail(err, "%s:%ld: array %s has more than %zu numbers", r->path,
                               r->line, a->name, a->count);
            char *end;
            errno = 0;
            a->v[got] = strtod(p, &end);
            if (end == p || (*end && *end != ' ' && *end != '\t'))
                return ge_fail(err, "%s:%ld: expected a number in array %s", r->path, r->line,
                               a->name);
            got++;
            p = end;
        }
    }
    return 0;
}

static int setting(reader *r, conf_case *c, ge_error *err)
{
    char key[64];
    int n = 0;
    if (sscanf(r->buf, "%63s %n", key, &n) != 1)
        return ge_fail(err, "%s:%ld: expected a setting", r->path, r->line);
    const char *v = r->buf + n;
    int ok = 1;
#define SET(k, count, fmt, ...) else if (!strcmp(key, k)) ok = sscanf(v, fmt, __VA_ARGS__) == count
    if (0) {
    }
    SET("version", 1, "%d", &c->version);
    SET("manifold", 3, "%d %d %d", &c->W, &c->H, &c->N);
    SET("padding", 2, "%d %d", &c->p0, &c->p1);
    SET("exterior", 4, "%lf %lf %lf %lf", &c->x, &c->y, &c->width, &c->height);
    SET("reflection", 1, "%d", &c->reflection);
    SET("outputs", 1, "%d", &c->O);
    SET("loss", 1, "%15s", c->loss);
    SET("huber_delta", 1, "%lf", &c->huber_delta);
    SET("optimizer", 1, "%15s", c->optimizer);
    SET("lr", 1, "%lf", &c->lr);
    SET("beta1", 1, "%lf", &c->beta1);
    SET("beta2", 1, "%lf", &c->beta2);
    SET("eps", 1, "%lf", &c->eps);
    SET("weight_decay", 1, "%lf", &c->weight_decay);
    SET("momentum", 1, "%lf", &c->momentum);
    SET("steps", 1, "%ld", &c->steps);
    SET("samples", 1, "%ld", &c->samples);
    else return ge_fail(err, "%s:%ld: unknown setting '%s'", r->path, r->line, key);
#undef SET
    if (!ok)
        return ge_fail(err, "%s:%ld: malformed value for '%s'", r->path, r->line, key);
    return 0;
}

int case_read(const char *path, conf_case *c, ge_error *err)
{
    memset(c, 0, sizeof *c);
    c->huber_delta = 1.0;
    reader r = {.path = path};
    r.f = fopen(path, "r");
    if (!r.f)
        return ge_fail(err, "%s: %s", path, strerror(errno));
    int rc = 0;
    while (rc == 0 && next_line(&r)) {
        if (strncmp(r.buf, "array ", 6) == 0) {
            if (c->narrays == CASE_MAX_ARRAYS) {
                rc = ge_fail(err, "%s:%ld: too many arrays", path, r.line);
                break;
            }
            case_array *a = &c->arrays[c->narrays];
            if (sscanf(r.buf + 6, "%63s %zu", a->name, &a->count) != 2) {
                rc = ge_fail(err, "%s:%ld: expected 'array NAME COUNT'", path, r.line);
                break;
            }
            c->narrays++;
            rc = read_array(&r, a, err);
        } else {
            rc = setting(&r, c, err);
        }
    }
    fclose(r.f);
    if (rc == 0 && c->version != 1)
        rc = ge_fail(err, "%s: unsupported case version %d", path, c->version);
    if (rc)
        case_free(c);
    return rc;
}

void case_free(conf_case *c)
{
    for (int i = 0; i < c->narrays; i++)
        free(c->arrays[i].v);
    c->narrays = 0;
}

const case_array *case_get(const conf_case *c, const char *name)
{
    for (int i = 0; i < c->narrays; i++)
        if (strcmp(c->arrays[i].name, name) == 0)
            return &c->arrays[i];
    return NULL;
}
