/* Target name lists (--target, and a model's targets handed to a reader):
 * comma-separated, with CSV-style double quotes so that a column whose name
 * holds a comma or a quote can be named, and kept verbatim. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/model.h"
#include "geoembed/samples.h"

void ge_target_list_free(char **names, int n)
{
    for (int k = 0; names && k < n; k++)
        free(names[k]);
    free(names);
}

int ge_target_list(const char *list, char ***names, int *n, ge_error *err)
{
    *names = NULL;
    *n = 0;
    size_t len = strlen(list);
    /* every name is at most the whole list; at most GE_MAX_OUTPUTS of them */
    char **out = calloc(GE_MAX_OUTPUTS, sizeof *out);
    char *buf = malloc(len + 1);
    if (!out || !buf) {
        free(out);
        free(buf);
        return ge_fail(err, "out of memory");
    }
    const char *p = list;
    for (;;) {
        size_t k = 0;
        int quoted = *p == '"';
        if (quoted) {
            for (p++;; p++) {
                if (!*p) {
                    ge_fail(err, "target list '%.200s': unterminated quote", list);
                    goto fail;
                }
                if (*p == '"' && p[1] == '"')
                    buf[k++] = *p++;
                else if (*p == '"')
                    break;
                else
                    buf[k++] = *p;
            }
            p++;
            if (*p && *p != ',') {
                ge_fail(err, "target list '%.200s': expected ',' after a quoted name", list);
                goto fail;
            }
        } else {
            while (*p && *p != ',')
                buf[k++] = *p++;
        }
        buf[k] = 0;
        if (k == 0) {
            ge_fail(err, "target list '%.200s': empty name", list);
            goto fail;
        }
        for (int j = 0; j < *n; j++)
            if (strcmp(out[j], buf) == 0) {
                ge_fail(err, "target '%.200s' is named twice", buf);
                goto fail;
            }
        if (*n == GE_MAX_OUTPUTS) {
            ge_fail(err, "too many targets (at most %d)", GE_MAX_OUTPUTS);
            goto fail;
        }
        if (!(out[*n] = strdup(buf))) {
            ge_fail(err, "out of memory");
            goto fail;
        }
        ++*n;
        if (!*p)
            break;
        p++; /* the comma */
    }
    free(buf);
    *names = out;
    return 0;
fail:
    free(buf);
    ge_target_list_free(out, *n);
    *n = 0;
    return -1;
}

char *ge_target_list_join(char *const *names, int n)
{
    size_t len = 1;
    for (int k = 0; k < n; k++)
        len += 2 * strlen(names[k]) + 3;
    char *s = malloc(len), *q = s;
    if (!s)
        return NULL;
    for (int k = 0; k < n; k++) {
        const char *nm = names[k];
        int quote = !*nm || nm[strcspn(nm, ",\"")] || nm[0] == '"';
        if (k)
            *q++ = ',';
        if (quote)
            *q++ = '"';
        for (; *nm; nm++) {
            if (quote && *nm == '"')
                *q++ = '"';
            *q++ = *nm;
        }
        if (quote)
            *q++ = '"';
    }
    *q = 0;
    return s;
}

int ge_sample_weight(double v, int is_sigma, double *w, const char **why)
{
    if (is_sigma) {
        if (!(v > 0) || !isfinite(1.0 / (v * v))) {
            *why = "expected a standard deviation above 0 (--sigma)";
            return -1;
        }
        *w = 1.0 / (v * v);
        return 1;
    }
    if (!(v >= 0) || !isfinite(v)) {
        *why = "expected a weight of 0 or more (--weight)";
        return -1;
    }
    *w = v;
    return v > 0;
}
