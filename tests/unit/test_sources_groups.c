/* Unit tests of --target NAME=RASTER[:BAND] lists (src/io/targets.c) and of
 * the groups of --group (src/io/sample_groups.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "geoembed/samples.h"

static ge_target_source *parse(const char *list, int *n)
{
    ge_target_source *t;
    ge_error err;
    cr_assert_eq(ge_target_sources(list, &t, n, &err), 0, "%s: %s", list, err.msg);
    return t;
}

static void refused(const char *list, const char *why)
{
    ge_target_source *t;
    int n;
    ge_error err;
    cr_assert_eq(ge_target_sources(list, &t, &n, &err), -1, "%s parsed", list);
    cr_assert(strstr(err.msg, why), "%s: '%s' lacks '%s'", list, err.msg, why);
}

Test(target_sources, names_sources_and_bands)
{
    int n;
    ge_target_source *t =
        parse("u=u.tif,v=NETCDF:\"w.nc\":v,w=NETCDF:\"w.nc\":v:3,\"z=a,b.tif:2\"", &n);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(t[0].name, "u");
    cr_assert_str_eq(t[0].source, "u.tif");
    cr_assert_eq(t[0].band, 1);
    cr_assert_str_eq(t[1].source, "NETCDF:\"w.nc\":v"); /* a variable, not a band */
    cr_assert_eq(t[1].band, 1);
    cr_assert_str_eq(t[2].source, "NETCDF:\"w.nc\":v");
    cr_assert_eq(t[2].band, 3);
    cr_assert_str_eq(t[3].name, "z");
    cr_assert_str_eq(t[3].source, "a,b.tif");
    cr_assert_eq(t[3].band, 2);
    ge_target_sources_free(t, n);
    /* the first '=' splits: a source may hold one */
    t = parse("a=/vsicurl/http://h/x.tif?k=v", &n);
    cr_assert_str_eq(t[0].source, "/vsicurl/http://h/x.tif?k=v");
    ge_target_sources_free(t, n);
}

Test(target_sources, refusals)
{
    refused("u", "expected NAME=RASTER");
    refused("=u.tif", "expected NAME=RASTER");
    refused("u=", "expected NAME=RASTER");
    refused("u=a.tif,u=b.tif", "named twice");
    refused("u=a.tif:0", "not from 1 to 65535");
    refused("u=a.tif:65536", "not from 1 to 65535");
    refused("u=a.tif:0000001", "not from 1 to 65535");
    refused("u=a.tif,,v=b.tif", "empty name");
}

Test(groups, interned_in_first_seen_order_and_sorted)
{
    ge_samples s = {0};
    ge_error err;
    const char *v[] = {"10", "9", "10", "9.5", "9"};
    size_t want[] = {0, 1, 0, 2, 1};
    s.group = malloc(5 * sizeof *s.group);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(ge_samples_group_of(&s, v[i], &s.group[i], &err), 0);
        cr_assert_eq(s.group[i], want[i], "sample %zu", i);
        s.M++;
    }
    cr_assert_eq(s.ngroups, 3);
    size_t *order = ge_samples_group_order(&s); /* numbers: 9, 9.5, 10 */
    cr_assert_str_eq(s.groups[order[0]], "9");
    cr_assert_str_eq(s.groups[order[1]], "9.5");
    cr_assert_str_eq(s.groups[order[2]], "10");
    free(order);
    size_t g;
    cr_assert_eq(ge_samples_group_of(&s, "b", &g, &err), 0); /* not all numbers: bytes */
    order = ge_samples_group_order(&s);
    cr_assert_str_eq(s.groups[order[0]], "10");
    cr_assert_str_eq(s.groups[order[1]], "9");
    cr_assert_str_eq(s.groups[order[2]], "9.5");
    cr_assert_str_eq(s.groups[order[3]], "b");
    free(order);
    ge_samples_free(&s);
}
