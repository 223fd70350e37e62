/* --group: one model per value of a column. The names of the groups' files
 * and the samples of each group. */
#ifndef GEOEMBED_CLI_GROUPS_H
#define GEOEMBED_CLI_GROUPS_H

#include "geoembed/samples.h"
#include "options.h"

/* Longest group value that names a file. */
#define GROUP_NAME_MAX 100

/* Checks that every group value names a distinct file once sanitised
 * (group_file_name) and is at most GROUP_NAME_MAX bytes long; *order gets
 * the groups in processing order (ge_samples_group_order), to free. Returns 0
 * or an exit status (printed). */
int groups_prepare(const cli_args *a, const ge_samples *s, size_t **order);
/* The group value as part of a file name: every byte but A-Z a-z 0-9 . - _
 * becomes _ ("day 1/2" -> "day_1_2"). buf holds GROUP_NAME_MAX + 1 bytes. */
void group_file_name(const char *value, char *buf);
/* out with _NAME before its extension ("dir/m.bin" -> "dir/m_NAME.bin"; no
 * extension: "m" -> "m_NAME"), malloc'ed, or NULL (out of memory). */
char *group_output_path(const char *out, const char *value);
/* The samples of every group, in one pass: members[start[g] .. start[g+1])
 * are group g's indices, in input order. Returns members (free it and
 * *start), or NULL (out of memory). */
size_t *group_members(const ge_samples *s, size_t **start);

#endif
