/* Unit tests of src/io/outlines.c: lines and polygon rings of an OGR source
 * (holes and multi-geometries included, points counted and left out),
 * reprojected into a model's CRS. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geoembed/crs.h"
#include "geoembed/outlines.h"

static char path[512];

static void write_geojson(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/geoembed-ut-outlines.XXXXXX", t && *t ? t : "/tmp");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    FILE *f = fdopen(fd, "w");
    fputs("{\"type\": \"FeatureCollection\", \"features\": [\n"
          "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"Polygon\", "
          "\"coordinates\": [[[0,0],[10,0],[10,10],[0,10],[0,0]], [[2,2],[3,2],[3,3],[2,2]]]}},\n"
          "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"MultiLineString\", "
          "\"coordinates\": [[[0,0],[1,1]], [[5,5],[6,6],[7,5]]]}},\n"
          "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"Point\", "
          "\"coordinates\": [1,1]}}\n"
          "]}\n",
          f);
    fclose(f);
}

Test(outlines, rings_lines_and_points)
{
    write_geojson();
    ge_outlines o;
    ge_error err;
    cr_assert_eq(ge_outlines_read(path, NULL, NULL, &o, &err), 0, "%s", err.msg);
    unlink(path);
    cr_assert_eq(o.features, 3);
    cr_assert_eq(o.points, 1);
    cr_assert_eq(o.n, 4); /* outer ring, hole, two lines */
    cr_assert_eq(o.line[0].n, 5);
    cr_assert_eq(o.line[1].n, 4);
    cr_assert_eq(o.line[3].n, 3);
    cr_assert_float_eq(o.line[3].xy[4], 7, 0);
    cr_assert_float_eq(o.line[3].xy[5], 5, 0);
    ge_outlines_free(&o);
}

Test(outlines, reprojected)
{
    write_geojson();
    ge_error err;
    char *merc = ge_crs_to_wkt("EPSG:3857", &err);
    cr_assert_not_null(merc, "%s", err.msg);
    ge_outlines o;
    cr_assert_eq(ge_outlines_read(path, NULL, merc, &o, &err), 0, "%s", err.msg);
    unlink(path);
    free(merc);
    /* (10, 0) degrees is 1113194.9 m east in Web Mercator */
    cr_assert_float_eq(o.line[0].xy[2], 1113194.9079327357, 1e-3);
    cr_assert_float_eq(o.line[0].xy[3], 0, 1e-6);
    ge_outlines_free(&o);
}

Test(outlines, errors)
{
    ge_outlines o;
    ge_error err;
    cr_assert_eq(ge_outlines_read("no-such-file.geojson", NULL, NULL, &o, &err), -1);
    cr_assert(strstr(err.msg, "no-such-file.geojson") != NULL, "%s", err.msg);
    write_geojson();
    cr_assert_eq(ge_outlines_read(path, "nope", NULL, &o, &err), -1);
    unlink(path);
    cr_assert(strstr(err.msg, "no layer 'nope'") != NULL, "%s", err.msg);
}
