/* Hostile inputs (issue 16) at the library level: target lists, the memory
 * guard, CRS definitions from files, and checkpoints validated before use. */
#define _GNU_SOURCE /* memfd_create */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "geoembed/checkpoint.h"
#include "geoembed/crs.h"
#include "geoembed/memory.h"
#include "geoembed/samples.h"

/* ---- target lists ---- */

static int list(const char *s, char ***names, int *n, ge_error *err)
{
    return ge_target_list(s, names, n, err);
}

Test(targets, plain_and_quoted_names)
{
    char **names;
    int n;
    ge_error err;
    cr_assert_eq(list("zinc,\"a,b\",\"say \"\"hi\"\"\",cu", &names, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(names[0], "zinc");
    cr_assert_str_eq(names[1], "a,b");
    cr_assert_str_eq(names[2], "say \"hi\"");
    cr_assert_str_eq(names[3], "cu");
    char *joined = ge_target_list_join(names, n);
    cr_assert_str_eq(joined, "zinc,\"a,b\",\"say \"\"hi\"\"\",cu");
    free(joined);
    ge_target_list_free(names, n);
}

Test(targets, repeated_empty_and_too_many_are_refused)
{
    char **names;
    int n;
    ge_error err;
    cr_assert_eq(list("zinc,cu,zinc", &names, &n, &err), -1);
    cr_assert_str_eq(err.msg, "target 'zinc' is named twice");
    cr_assert_eq(list("\"a,b\",a,b", &names, &n, &err), 0); /* three distinct names */
    cr_assert_eq(n, 3);
    ge_target_list_free(names, n);
    cr_assert_eq(list("\"a,b\",\"a,b\"", &names, &n, &err), -1);
    cr_assert_eq(list("a,,b", &names, &n, &err), -1);
    cr_assert(strstr(err.msg, "empty name"));
    cr_assert_eq(list("", &names, &n, &err), -1);
    cr_assert_eq(list("\"open", &names, &n, &err), -1);
    cr_assert(strstr(err.msg, "unterminated quote"));
    cr_assert_eq(list("\"a\"b", &names, &n, &err), -1);
    char many[300 * 6];
    size_t k = 0;
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(many + k, sizeof many - k, "%sc%d", i ? "," : "", i);
    cr_assert_eq(list(many, &names, &n, &err), -1);
    cr_assert_str_eq(err.msg, "too many targets (at most 256)");
}

/* A CSV in a memfd, read with a target list. */
static int read_csv(const char *text, const char *targets, ge_samples *s, ge_error *err)
{
    int fd = memfd_create("t", 0);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ge_sample_opts o = {.targets = targets, .need_targets = 1};
    int rc = ge_samples_read_csv(path, &o, s, err);
    close(fd);
    return rc;
}

Test(targets, reader_matches_names_verbatim_and_refuses_one_column_twice)
{
    ge_samples s;
    ge_error err;
    const char *csv = "lon,lat,\"a,b\",A,a\n1,2,3,4,5\n";
    cr_assert_eq(read_csv(csv, "\"a,b\",a,A", &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.O, 3);
    /* exact names first: 'a' is column 5, 'A' column 4 */
    cr_assert_eq(s.y[0], 3);
    cr_assert_eq(s.y[1], 5);
    cr_assert_eq(s.y[2], 4);
    cr_assert_str_eq(s.targets[0], "a,b");
    ge_samples_free(&s);
    /* two spellings of one column: one slot per column, so refused */
    cr_assert_eq(read_csv("lon,lat,zinc\n1,2,3\n", "zinc,ZINC", &s, &err), -1);
    cr_assert(strstr(err.msg, "target column 'zinc' (3) is named twice"), "%s", err.msg);
    /* 300 names used to write past the column array */
    char many[300 * 5 + 1] = "";
    for (int i = 0; i < 300; i++)
        strcat(many, i ? ",zinc" : "zinc");
    cr_assert_eq(read_csv("lon,lat,zinc\n1,2,3\n", many, &s, &err), -1);
}

Test(targets, more_numeric_columns_than_outputs_is_an_error)
{
    size_t cap = 300 * 16 + 64, k = 0;
    char *csv = malloc(cap);
    k += (size_t)snprintf(csv + k, cap - k, "lon,lat");
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(csv + k, cap - k, ",c%d", i);
    k += (size_t)snprintf(csv + k, cap - k, "\n1,2");
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(csv + k, cap - k, ",%d", i);
    snprintf(csv + k, cap - k, "\n");
    ge_samples s;
    ge_error err;
    cr_assert_eq(read_csv(csv, NULL, &s, &err), -1);
    cr_assert(strstr(err.msg, "300 numeric columns besides the coordinates"), "%s", err.msg);
    free(csv);
}

/* ---- the memory guard ---- */

Test(memory, sizes)
{
    uint64_t v;
    cr_assert_eq(ge_parse_size("512M", &v), 0);
    cr_assert_eq(v, 512ull << 20);
    cr_assert_eq(ge_parse_size("1.5g", &v), 0);
    cr_assert_eq(v, 3ull << 29);
    cr_assert_eq(ge_parse_size("4GB", &v), 0);
    cr_assert_eq(v, 4ull << 30);
    cr_assert_eq(ge_parse_size("1000", &v), 0);
    cr_assert_eq(v, 1000);
    const char *bad[] = {"", "-1", "+1", " 1", "1X", "1MM", "nan", "inf", "0", "1e30", "M"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(ge_parse_size(bad[i], &v), -1, "'%s'", bad[i]);
}

Test(memory, limit_and_figures)
{
    ge_error err;
    ge_mem_set_limit(0);
    cr_assert_eq(ge_mem_check(1e6, "small", &err), 0); /* below 256 MB: never checked */
    cr_assert_eq(ge_mem_check(1e18, "absurd", &err), -1);
    cr_assert(strstr(err.msg, "absurd needs about 1000000000000 MB of memory, more than the"),
              "%s", err.msg);
    cr_assert(ge_mem_available() > 0);
    ge_mem_set_limit(1000000);
    cr_assert_eq(ge_mem_check(2e6, "the field", &err), -1);
    cr_assert_str_eq(err.msg, "the field needs about 2 MB of memory, more than the 1 MB allowed "
                              "by --max-memory");
    cr_assert_eq(ge_mem_check(5e5, "the field", &err), 0);
    ge_mem_set_limit(0);
}

/* ---- CRS definitions from files ---- */

Test(crs, wkt_naming_files_or_urls_is_refused)
{
    const char *wgs84 = "GEOGCRS[\"WGS 84\",DATUM[\"World Geodetic System 1984\",ELLIPSOID["
                        "\"WGS 84\",6378137,298.257223563]],CS[ellipsoidal,2],AXIS[\"lon\",east],"
                        "AXIS[\"lat\",north],ANGLEUNIT[\"degree\",0.0174532925199433]]";
    cr_assert(ge_crs_wkt_safe(wgs84));
    cr_assert(ge_crs_wkt_safe("PROJCS[\"NAD83 / UTM zone 33N\",GEOGCS[\"x\"]]"));
    cr_assert(ge_crs_wkt_safe("X[PARAMETERFILE[\"Latitude and longitude difference file\",\"conus\"]]"));
    cr_assert(!ge_crs_wkt_safe("X[PARAMETERFILE[\"Latitude and longitude difference file\",\"/etc/passwd\"]]"));
    cr_assert(!ge_crs_wkt_safe("X[PARAMETERFILE[\"g\",\"..\\\\grid.gsb\"]]"));
    cr_assert(!ge_crs_wkt_safe("X[PARAMETERFILE[\"g\",\"https://cdn.proj.org/x.tif\"]]"));
    /* GDAL's own WKT1 of EPSG:3857 carries a PROJ string: fine without paths */
    cr_assert(ge_crs_wkt_safe("PROJCS[\"x\",EXTENSION[\"PROJ4\",\"+proj=merc +nadgrids=@null +wktext\"]]"));
    cr_assert(!ge_crs_wkt_safe("PROJCS[\"x\",EXTENSION[\"PROJ4\",\"+proj=merc +nadgrids=grids/g.gsb\"]]"));
    cr_assert(!ge_crs_wkt_safe("X[\"+proj=longlat +nadgrids=./a.gsb\"]"));
    cr_assert(!ge_crs_wkt_safe("X[\"+init=epsg:4326\"]"));
    cr_assert(!ge_crs_wkt_safe("X[\"unterminated]"));
    /* never read as a file name or a URL: not WKT, so unusable */
    cr_assert(!ge_crs_usable("/etc/passwd"));
    cr_assert(!ge_crs_usable("http://127.0.0.1:9/crs"));
    cr_assert(!ge_crs_usable("EPSG:4326")); /* a definition, not a WKT */
    cr_assert(ge_crs_usable(wgs84));
    cr_assert(ge_crs_is_geographic(wgs84));
    char *name = ge_crs_name("X[PARAMETERFILE[\"g\",\"/etc/passwd\"]]");
    cr_assert_str_eq(name, "refused: the WKT names a file or URL");
    free(name);
}

/* ---- checkpoints ---- */

static void small_model(ge_model *m, int O)
{
    ge_shape s = {.W = 6, .H = 5, .N = 2, .p0 = 1, .p1 = 1, .O = O, .xmin = 0, .ymin = 0,
                  .width = 6, .height = 5, .readout = GE_READOUT_BILINEAR};
    ge_error err;
    cr_assert_eq(ge_model_init(m, &s, &err), 0, "%s", err.msg);
    ge_model_init_params(m, 1);
    for (int o = 0; o < O; o++)
        m->y_std[o] = 1;
}

static void save_state(const char *path, const ge_model *m, long epoch, long best_epoch,
                       size_t words)
{
    ge_meta meta = {0};
    meta.crs = strdup("");
    char *names[4] = {"a", "b", "c", "d"};
    cr_assert_eq(ge_meta_set_targets(&meta, m->s.O, names), 0);
    double *best = calloc(m->n_params, sizeof *best), *opt = calloc(words + 1, sizeof *opt);
    ge_fit_state st = {.epoch = epoch, .best_score = 1, .res = {.epochs_run = epoch,
                       .best_epoch = best_epoch}, .best = best, .opt_t = epoch,
                       .opt_words = words, .opt_state = opt};
    ge_error err;
    cr_assert_eq(ge_checkpoint_save(path, m, &meta, &st, 7, &err), 0, "%s", err.msg);
    free(best);
    free(opt);
    ge_meta_free(&meta);
}

static char *temp_path(void)
{
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/ut_ckpt.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    return path;
}

Test(checkpoint, checked_against_the_fit_before_use)
{
    char *path = temp_path();
    ge_model m;
    small_model(&m, 2);
    save_state(path, &m, 40, 12, 2 * m.n_params);
    ge_checkpoint c;
    ge_error err;
    cr_assert_eq(ge_checkpoint_load(path, &c, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_checkpoint_check(&c, &m.s, 300, path, &err), 0, "%s", err.msg);
    /* the fit has another output count: the fingerprint proves nothing */
    ge_shape other = m.s;
    other.O = 1;
    cr_assert_eq(ge_checkpoint_check(&c, &other, 300, path, &err), -1);
    cr_assert(strstr(err.msg, "holds a 6x5 x 2 model with 2 outputs, not the 6x5 x 2 with 1"),
              "%s", err.msg);
    cr_assert_eq(ge_checkpoint_check(&c, &m.s, 39, path, &err), -1);
    cr_assert(strstr(err.msg, "at epoch 40, past the 39"), "%s", err.msg);
    ge_checkpoint_free(&c);
    ge_model_free(&m);
    unlink(path);
}

Test(checkpoint, counters_that_contradict_themselves_are_refused)
{
    char *path = temp_path();
    ge_model m;
    small_model(&m, 1);
    ge_checkpoint c;
    ge_error err;
    save_state(path, &m, LONG_MAX, 1, 0); /* epoch + 1 would overflow */
    cr_assert_eq(ge_checkpoint_load(path, &c, &err), -1);
    cr_assert(strstr(err.msg, "checkpoint is damaged (epoch counters 9223372036854775807"),
              "%s", err.msg);
    save_state(path, &m, 10, 11, 0); /* best epoch after the last one */
    cr_assert_eq(ge_checkpoint_load(path, &c, &err), -1);
    save_state(path, &m, -3, 0, 0);
    cr_assert_eq(ge_checkpoint_load(path, &c, &err), -1);
    save_state(path, &m, 10, 5, m.n_params + 1); /* optimiser state of no optimiser */
    cr_assert_eq(ge_checkpoint_load(path, &c, &err), -1);
    save_state(path, &m, 10, 5, m.n_params); /* momentum: n words */
    cr_assert_eq(ge_checkpoint_load(path, &c, &err), 0, "%s", err.msg);
    ge_checkpoint_free(&c);
    ge_model_free(&m);
    unlink(path);
}

Test(checkpoint, only_regular_files_are_read)
{
    ge_checkpoint c;
    ge_error err;
    cr_assert_eq(ge_checkpoint_load("/dev/zero", &c, &err), -1);
    cr_assert_str_eq(err.msg, "/dev/zero: not a regular file (a checkpoint is one)");
    cr_assert_eq(ge_checkpoint_load("/", &c, &err), -1);
}
