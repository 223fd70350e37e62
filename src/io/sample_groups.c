/* Groups of samples (--group): each distinct value of a column is one group,
 * interned once so that a sample holds an index, which moves and compacts
 * like the other per-sample arrays. */
#include <stdlib.h>
#include <string.h>

#include "geoembed/csv.h"
#include "geoembed/samples.h"

int ge_samples_group_of(ge_samples *s, const char *v, size_t *g, ge_error *err)
{
    /* rows of one group usually come together: the last sample's group first */
    if (s->M > 0 && s->group && strcmp(s->groups[s->group[s->M - 1]], v) == 0) {
        *g = s->group[s->M - 1];
        return 0;
    }
    for (size_t k = 0; k < s->ngroups; k++)
        if (strcmp(s->groups[k], v) == 0) {
            *g = k;
            return 0;
        }
    char **more = realloc(s->groups, (s->ngroups + 1) * sizeof *more);
    if (!more)
        return ge_fail(err, "out of memory");
    s->groups = more;
    if (!(s->groups[s->ngroups] = strdup(v)))
        return ge_fail(err, "out of memory");
    *g = s->ngroups++;
    return 0;
}

typedef struct {
    const char *text;
    double num;
    size_t index;
} group_key;

static int by_number(const void *a, const void *b)
{
    const group_key *p = a, *q = b;
    if (p->num != q->num)
        return p->num < q->num ? -1 : 1;
    return strcmp(p->text, q->text); /* "1" and "1.0": a fixed order still */
}

static int by_text(const void *a, const void *b)
{
    return strcmp(((const group_key *)a)->text, ((const group_key *)b)->text);
}

size_t *ge_samples_group_order(const ge_samples *s)
{
    size_t n = s->ngroups;
    group_key *k = malloc((n ? n : 1) * sizeof *k);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!k || !order) {
        free(k);
        free(order);
        return NULL;
    }
    int numbers = 1;
    for (size_t i = 0; i < n; i++) {
        k[i] = (group_key){s->groups[i], 0, i};
        numbers &= ge_csv_number(s->groups[i], &k[i].num) == 0 && k[i].num == k[i].num;
    }
    qsort(k, n, sizeof *k, numbers ? by_number : by_text);
    for (size_t i = 0; i < n; i++)
        order[i] = k[i].index;
    free(k);
    return order;
}
