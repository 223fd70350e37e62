/* libFuzzer target for target lists (src/io/targets.c) and the CSV sample
 * reader that takes them (src/io/samples_csv.c): repeated, empty, quoted,
 * case-folded and over-long lists against odd headers.
 *
 * The input is "LIST\nCSV": the first line is the --target list, the rest a
 * CSV file. When the first byte is '@', the list is instead made from the
 * header's own names, repeated and re-spelled by the input's next bytes, so
 * that duplicates of real columns (the heap overwrite of issue 16) are
 * reached every run. Invariants: a list that parses has unique, non-empty
 * names that join back to the same list; samples read have as many targets
 * as the list names, each a distinct column. A list starting with '%' names
 * covariates instead (default targets), one starting with '^' a weight
 * column, one starting with '~' a group column (--group): a read that
 * succeeds has a finite value or a known class for each covariate, positive
 * finite weights, and for each sample a group among distinct, non-empty
 * values whose processing order is a permutation. Every list is also parsed
 * as NAME=RASTER[:BAND],... (--target of rasters): a list that parses has
 * unique non-empty names, non-empty sources and bands from 1 to 65535. Build
 * and run: `make fuzz`. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "geoembed/csv.h"
#include "geoembed/model.h"
#include "geoembed/samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int make_fd(void)
{
#ifdef MFD_CLOEXEC
    int fd = memfd_create("fuzz_targets", MFD_CLOEXEC);
    if (fd >= 0)
        return fd;
#endif
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz_targets-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd2 = mkstemp(path);
    if (fd2 >= 0)
        unlink(path);
    return fd2;
}

static void check_sources(const char *list)
{
    ge_target_source *t;
    int n;
    ge_error err = {{0}};
    if (ge_target_sources(list, &t, &n, &err)) {
        if (!err.msg[0])
            abort();
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!t[i].name[0] || !t[i].source[0] || strchr(t[i].name, '=') || t[i].band < 1 ||
            t[i].band > 65535)
            abort();
        for (int j = 0; j < i; j++)
            if (strcmp(t[i].name, t[j].name) == 0)
                abort();
    }
    ge_target_sources_free(t, n);
}

/* The groups of a read with --group: every sample in one, values distinct
 * and non-empty, the order a permutation. */
static void check_groups(const ge_samples *s)
{
    if (!s->group || (s->M && !s->ngroups))
        abort();
    for (size_t i = 0; i < s->M; i++)
        if (s->group[i] >= s->ngroups)
            abort();
    for (size_t g = 0; g < s->ngroups; g++) {
        if (!s->groups[g][0])
            abort();
        for (size_t h = 0; h < g; h++)
            if (strcmp(s->groups[g], s->groups[h]) == 0)
                abort();
    }
    size_t *order = ge_samples_group_order(s);
    if (!order)
        return;
    unsigned char *seen = calloc(s->ngroups + 1, 1);
    for (size_t g = 0; seen && g < s->ngroups; g++) {
        if (order[g] >= s->ngroups || seen[order[g]])
            abort();
        seen[order[g]] = 1;
    }
    free(seen);
    free(order);
}

static void check_list(const char *list)
{
    char **names;
    int n;
    ge_error err = {{0}};
    if (ge_target_list(list, &names, &n, &err)) {
        if (!err.msg[0])
            abort();
        return;
    }
    if (n < 1 || n > GE_MAX_OUTPUTS)
        abort();
    for (int i = 0; i < n; i++) {
        if (!names[i][0])
            abort();
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                abort();
    }
    /* join and split again: the same names, verbatim */
    char *joined = ge_target_list_join(names, n);
    char **again;
    int m;
    if (!joined || ge_target_list(joined, &again, &m, &err) || m != n)
        abort();
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], again[i]) != 0)
            abort();
    ge_target_list_free(again, m);
    free(joined);
    ge_target_list_free(names, n);
}

/* A list made of the header's names: each picked, repeated or re-cased by
 * the input. */
static char *list_from_header(const char *path, const uint8_t *sel, size_t nsel)
{
    ge_csv_opts o = {0};
    ge_error err;
    ge_csv *c = ge_csv_open(path, &o, &err);
    if (!c)
        return NULL;
    int nc = ge_csv_ncols(c);
    char *names[300];
    int n = 0;
    for (size_t i = 0; i < nsel && n < 300; i++) {
        const char *nm = ge_csv_colname(c, sel[i] % nc);
        if (!(names[n] = strdup(nm)))
            break;
        if (sel[i] & 0x80) /* another spelling of the same column */
            for (char *p = names[n]; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        n++;
    }
    ge_csv_close(c);
    char *list = ge_target_list_join(names, n);
    for (int i = 0; i < n; i++)
        free(names[i]);
    return list;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t llen = (size_t)(nl - data);
    char *list = malloc(llen + 1);
    if (!list)
        return 0;
    memcpy(list, data, llen);
    list[llen] = 0;
    int fd = make_fd();
    if (fd < 0) {
        free(list);
        return 0;
    }
    const uint8_t *csv = nl + 1;
    size_t clen = size - llen - 1;
    if (write(fd, csv, clen) != (ssize_t)clen) {
        close(fd);
        free(list);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (llen > 0 && list[0] == '@') {
        char *made = list_from_header(path, (const uint8_t *)list + 1, llen - 1);
        free(list);
        list = made;
        if (!list) {
            close(fd);
            return 0;
        }
    }
    if (memchr(list, 0, strlen(list) + 1) == list + strlen(list)) {
        check_list(list);
        check_sources(list);
    }

    ge_sample_opts o = {.targets = *list ? list : NULL, .need_targets = 1};
    if (*list == '%' || *list == '^' || *list == '~') {
        o.targets = NULL;
        if (*list == '%')
            o.covariates = list + 1;
        else if (*list == '^')
            o.weight = list + 1;
        else
            o.group = list + 1;
    }
    ge_samples s;
    ge_error err = {{0}};
    if (ge_samples_read_csv(path, &o, &s, &err) == 0) {
        if (s.O < 1 || s.O > GE_MAX_OUTPUTS)
            abort();
        for (size_t i = 0; i < s.M && s.w; i++)
            if (!(s.w[i] > 0) || s.w[i] > 1e308)
                abort();
        for (size_t i = 0; i < s.M; i++)
            for (int j = 0; j < s.cov.P; j++) {
                double v = s.craw[i * (size_t)s.cov.P + j];
                if (s.cov.c[j].categorical ? !(v >= 0 && v < s.cov.c[j].nclass) : !(v == v))
                    abort();
            }
        if (o.group)
            check_groups(&s);
        volatile double sink = 0;
        for (size_t i = 0; i < s.M * (size_t)s.O; i++)
            sink += s.y[i];
        (void)sink;
        ge_samples_free(&s);
    } else if (!err.msg[0]) {
        abort();
    }
    close(fd);
    free(list);
    return 0;
}
