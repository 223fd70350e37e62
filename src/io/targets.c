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
        if (!(v > 0) || !isfinite(v)) {
            *why = "expected a standard deviation above 0 (--sigma)";
            return -1;
        }
        /* the weight 1/sigma^2 must be a number: 1e-200 overflows it, 1e200
         * makes it 0 (the sample would count for nothing, unsaid) */
        double inv = 1.0 / (v * v);
        if (!isfinite(inv) || !(inv > 0)) {
            *why = "expected a standard deviation from 1e-150 to 1e150 (--sigma: its weight "
                   "1/sigma^2 must be a number above 0)";
            return -1;
        }
        *w = inv;
        return 1;
    }
    if (!(v >= 0) || !isfinite(v) || v > 1e150) { /* 1e300 overflowed the fit's sums */
        *why = "expected a weight from 0 to 1e150 (--weight)";
        return -1;
    }
    *w = v;
    return v > 0;
}

void ge_target_sources_free(ge_target_source *t, int n)
{
    for (int k = 0; t && k < n; k++) {
        free(t[k].name);
        free(t[k].source);
    }
    free(t);
}

/* "SOURCE:DIGITS" -> band DIGITS, the source cut before the colon; 0, or -1
 * with err for a band out of range. */
static int band_suffix(char *source, int *band, ge_error *err)
{
    char *colon = strrchr(source, ':');
    *band = 1;
    if (!colon || !colon[1] || colon == source || colon[strspn(colon + 1, "0123456789") + 1])
        return 0;
    if (strlen(colon + 1) > 5 || atol(colon + 1) < 1 || atol(colon + 1) > 65535)
        return ge_fail(err, "target source '%.200s': band '%s' is not from 1 to 65535", source,
                       colon + 1);
    *band = (int)atol(colon + 1);
    *colon = 0;
    return 0;
}

int ge_target_sources(const char *list, ge_target_source **out, int *n, ge_error *err)
{
    char **items;
    int m;
    *out = NULL;
    *n = 0;
    if (ge_target_list(list, &items, &m, err))
        return -1;
    ge_target_source *t = calloc((size_t)m, sizeof *t);
    int rc = t ? 0 : ge_fail(err, "out of memory");
    for (int k = 0; k < m && !rc; k++) {
        char *eq = strchr(items[k], '=');
        if (!eq || eq == items[k] || !eq[1]) {
            rc = ge_fail(err, "target '%.200s': expected NAME=RASTER (a target and the raster "
                              "it is read from)",
                         items[k]);
            break;
        }
        *eq = 0;
        t[k].name = strdup(items[k]);
        t[k].source = strdup(eq + 1);
        if (!t[k].name || !t[k].source) {
            rc = ge_fail(err, "out of memory");
            break;
        }
        if ((rc = band_suffix(t[k].source, &t[k].band, err)))
            break;
        for (int j = 0; j < k && !rc; j++)
            if (strcmp(t[j].name, t[k].name) == 0)
                rc = ge_fail(err, "target '%.200s' is named twice", t[k].name);
    }
    ge_target_list_free(items, m);
    if (rc) {
        ge_target_sources_free(t, m);
        return -1;
    }
    *out = t;
    *n = m;
    return 0;
}
