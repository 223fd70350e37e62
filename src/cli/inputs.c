/* Reading samples for fit, eval and cv; thread and delimiter options. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "display.h"
#include "geoembed/crs.h"
#include "inputs.h"

int apply_threads(const cli_args *a)
{
    long t;
    if (arg_long(a, O_THREADS, 0, 1, 1024, &t))
        return EXIT_USAGE;
#ifdef _OPENMP
    if (a->val[O_THREADS])
        omp_set_num_threads((int)t);
#endif
    return 0;
}

int delimiter_option(const cli_args *a, char *out)
{
    const char *d = a->val[O_DELIMITER];
    *out = 0;
    if (!d)
        return 0;
    if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0)
        *out = '\t';
    else if (strlen(d) == 1 && d[0] != '"' && d[0] != '\n' && d[0] != '\r')
        *out = d[0];
    else
        return usage_error(a->cmd_name, "--delimiter expects one character or 'tab', got '%s'", d);
    return 0;
}

int read_samples(const cli_args *a, const char *path, int need_targets, ge_samples *s)
{
    return read_samples_for(a, path, NULL, NULL, need_targets ? "" : NULL, s);
}

int read_samples_for(const cli_args *a, const char *path, const char *xcol, const char *ycol,
                     const char *targets, ge_samples *s)
{
    ge_sample_opts o = {.x = a->val[O_X], .y = a->val[O_Y], .x_hint = xcol, .y_hint = ycol,
                        .targets = a->val[O_TARGET], .need_targets = targets != NULL};
    if (!o.targets && targets && *targets)
        o.targets = targets;
    if (delimiter_option(a, &o.delimiter))
        return EXIT_USAGE;
    ge_error err;
    if (ge_samples_read_csv(path, &o, s, &err))
        return fail_with(&err);
    return 0;
}

int samples_crs(const cli_args *a, const ge_samples *s, char **wkt)
{
    ge_error err;
    (void)a;
    *wkt = NULL;
    if (s->crs) {
        *wkt = strdup(s->crs);
    } else if (s->lonlat) {
        for (size_t i = 0; i < s->M; i++) {
            double lon = s->xy[2 * i], lat = s->xy[2 * i + 1];
            if (lon < -180 || lon > 360 || lat < -90 || lat > 90)
                return runtime_error("%s: sample %zu at (%g, %g) is not a longitude/latitude "
                                     "in degrees; columns '%s'/'%s' are read as EPSG:4326",
                                     a->pos[0], i + 1, lon, lat, s->xcol, s->ycol);
        }
        *wkt = ge_crs_to_wkt("EPSG:4326", &err);
        if (!*wkt)
            return fail_with(&err);
    } else {
        *wkt = strdup("");
        if (a->cmd & (1u << 0))
            say(2, "geoembed: fit: no CRS: coordinates '%s'/'%s' are taken as planar; outputs "
                   "will carry no CRS\n",
                s->xcol, s->ycol);
    }
    if (!*wkt)
        return runtime_error("out of memory");
    return 0;
}
