/* --group: file names made from group values, and each group's samples. A
 * value becomes part of a file name, so it is reduced to characters that are
 * safe in any file system and shell; two values that reduce to one name
 * would overwrite each other's model and are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "groups.h"

void group_file_name(const char *value, char *buf)
{
    size_t k = 0;
    for (; value[k] && k < GROUP_NAME_MAX; k++) {
        char c = value[k];
        int safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '-' || c == '_';
        buf[k] = safe ? c : '_';
    }
    buf[k] = 0;
}

int groups_prepare(const cli_args *a, const ge_samples *s, size_t **order)
{
    *order = NULL;
    char *names = malloc((s->ngroups ? s->ngroups : 1) * (GROUP_NAME_MAX + 1));
    if (!names)
        return runtime_error("out of memory");
    int rc = 0;
    for (size_t g = 0; g < s->ngroups && !rc; g++) {
        if (strlen(s->groups[g]) > GROUP_NAME_MAX) {
            rc = runtime_error("%s: group '%.40s...' (--group %s) is longer than %d "
                               "characters: it cannot name a file",
                               a->pos[0], s->groups[g], a->val[O_GROUP], GROUP_NAME_MAX);
            break;
        }
        group_file_name(s->groups[g], names + g * (GROUP_NAME_MAX + 1));
        for (size_t h = 0; h < g && !rc; h++)
            if (strcmp(names + g * (GROUP_NAME_MAX + 1), names + h * (GROUP_NAME_MAX + 1)) == 0)
                rc = runtime_error("%s: groups '%s' and '%s' (--group %s) both name files "
                                   "'_%s': make the values differ in letters, digits, '.', '-' "
                                   "or '_'",
                                   a->pos[0], s->groups[h], s->groups[g], a->val[O_GROUP],
                                   names + g * (GROUP_NAME_MAX + 1));
    }
    free(names);
    if (!rc && !(*order = ge_samples_group_order(s)))
        rc = runtime_error("out of memory");
    return rc;
}

char *group_output_path(const char *out, const char *value)
{
    char name[GROUP_NAME_MAX + 1];
    group_file_name(value, name);
    const char *slash = strrchr(out, '/'), *base = slash ? slash + 1 : out;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) /* no extension (".bin" alone is a hidden name) */
        dot = base + strlen(base);
    size_t head = (size_t)(dot - out), n = strlen(out) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s_%s%s", (int)head, out, name, dot);
    return p;
}

size_t *group_members(const ge_samples *s, size_t **start)
{
    size_t *members = malloc((s->M ? s->M : 1) * sizeof *members);
    size_t *at = calloc(s->ngroups + 1, sizeof *at), *next = calloc(s->ngroups + 1, sizeof *next);
    if (!members || !at || !next) {
        free(members);
        free(at);
        free(next);
        return NULL;
    }
    for (size_t i = 0; i < s->M; i++) /* a counting sort: every group's count, then places */
        at[s->group[i] + 1]++;
    for (size_t g = 0; g < s->ngroups; g++)
        at[g + 1] += at[g];
    memcpy(next, at, (s->ngroups + 1) * sizeof *next);
    for (size_t i = 0; i < s->M; i++)
        members[next[s->group[i]]++] = i;
    free(next);
    *start = at;
    return members;
}
