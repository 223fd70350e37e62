/* Models above 10^8 cells. The file format allows a grid of up to 2^32
 * cells (model.h, modelfile.h); whether one process can hold a model is a
 * question for its memory (memory.h): the whole model is refused with the
 * figures, a part of it (predict --grid under mpirun) is read under the same
 * budget. The file is a global grid of 1 km cells (40000 x 20000 = 8e8),
 * written in stripes as the processes of an MPI fit write it: a constant
 * stripe compressed once and written again and again (each part is a raw
 * deflate of its own, so a copy is a valid part) around a few rows of values
 * of their own, about 10 MB on disk for 9.6 GB of payload. */
#define _XOPEN_SOURCE 700 /* P_tmpdir */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "geoembed/memory.h"
#include "geoembed/model_part.h"
#include "geoembed/model_stripes.h"
#include "geoembed/modelfile.h"
#include "../../src/io/model_payload.h"

#define GW 40000
#define GH 20000
#define ROWS0 20000 /* the rows of values of their own: ROWS0 .. ROWS0 + NROWS - 1 */
#define NROWS 6
#define BLOCK 100 /* rows of the constant stripe */

static ge_shape global_shape(void)
{
    return ut_shape(GW, GH, 1, 1, 1, 1, -180, -90, 360, 180, GE_WRAP_X, GE_READOUT_BILINEAR);
}

static int own_row(long w) { return w >= ROWS0 && w < ROWS0 + NROWS; }
static double e_at(long w, long h) { return own_row(w) ? 1.0 + 1e-3 * w + 1e-7 * h : 0.25; }
static float c_at(long w, long h) { return own_row(w) ? (float)(w - ROWS0) + 1e-3f * h : 2.0f; }

/* The parts in file order; owned[] those allocated (the others share z). */
typedef struct {
    ge_model_part p[1024];
    int n;
    ge_model_part *owned[16];
    int nowned;
} parts;

static void add(parts *ps, const ge_model_part *p) { ps->p[ps->n++] = *p; }

static ge_model_part *own(parts *ps)
{
    ge_model_part *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    ps->owned[ps->nowned++] = p;
    return p;
}

/* The parts of E (coverage when cov) of rows a .. b - 1, whose values are
 * e_at (c_at): the constant stripe as many times as it fits. */
static void rows_parts(parts *ps, long a, long b, int cov, const ge_model_part *block)
{
    ge_error err;
    while (a < b) {
        if (!own_row(a) && b - a >= BLOCK && !own_row(a + BLOCK - 1)) {
            add(ps, block);
            a += BLOCK;
            continue;
        }
        long e = a + 1; /* a run of one kind */
        while (e < b && own_row(e) == own_row(a) && (own_row(a) || e - a < BLOCK))
            e++;
        const size_t n = (size_t)(e - a) * GH;
        ge_model_part *p = own(ps);
        if (cov) {
            float *v = malloc(n * sizeof *v);
            for (long w = a; w < e; w++)
                for (long h = 0; h < GH; h++)
                    v[(size_t)(w - a) * GH + h] = c_at(w, h);
            cr_assert_eq(ge_model_part_coverage(p, v, n, &err), 0, "%s", err.msg);
            free(v);
        } else {
            double *v = malloc(n * sizeof *v);
            for (long w = a; w < e; w++)
                for (long h = 0; h < GH; h++)
                    v[(size_t)(w - a) * GH + h] = e_at(w, h);
            cr_assert_eq(ge_model_part_stripe(p, v, n, &err), 0, "%s", err.msg);
            free(v);
        }
        add(ps, p);
        a = e;
    }
}

/* The global model's file, written in stripes; its path. */
static char *global_file(void)
{
    const ge_shape s = global_shape();
    ge_error err;
    ge_model m; /* one row: the head, lead and tail are the whole model's */
    cr_assert_eq(ge_model_init_part(&m, &s, 0, 1, &err), 0, "%s", err.msg);
    ge_model_init_params(&m, 3);
    m.y_mean[0] = 10, m.y_std[0] = 4;
    m.mask_distance = 0.5;
    m.coverage = calloc(GH, sizeof *m.coverage);
    ge_meta meta = {.smooth = 1, .samples = 100000, .train_loss = 0.5, .valid_loss = NAN};
    meta.crs = strdup("");
    meta.source = strdup("global.csv");
    char *names[1] = {"t"};
    cr_assert_eq(ge_meta_set_targets(&meta, 1, names), 0);

    parts *ps = calloc(1, sizeof *ps);
    ge_model_part e_block, c_block;
    const size_t n = (size_t)BLOCK * GH;
    double *e = malloc(n * sizeof *e);
    float *c = malloc(n * sizeof *c);
    cr_assert(e && c && ps);
    for (size_t i = 0; i < n; i++)
        e[i] = e_at(0, 0), c[i] = c_at(0, 0);
    cr_assert_eq(ge_model_part_stripe(&e_block, e, n, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_model_part_coverage(&c_block, c, n, &err), 0, "%s", err.msg);
    free(e);
    free(c);
    cr_assert_eq(ge_model_part_head(own(ps), &m, &meta, &err), 0, "%s", err.msg);
    add(ps, ps->owned[0]);
    rows_parts(ps, 0, GW, 0, &e_block);
    cr_assert_eq(ge_model_part_rest_lead(own(ps), &m, &err), 0, "%s", err.msg);
    add(ps, ps->owned[ps->nowned - 1]);
    rows_parts(ps, 0, GW, 1, &c_block);
    cr_assert_eq(ge_model_part_rest_tail(own(ps), &m, &meta, &err), 0, "%s", err.msg);
    add(ps, ps->owned[ps->nowned - 1]);

    unsigned char lead[GE_STRIPES_LEAD], trail[GE_STRIPES_TRAIL];
    ge_model_stripes_frame(ps->p, (size_t)ps->n, lead, trail);
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = P_tmpdir;
    size_t len = strlen(dir) + sizeof "/geoembed-global-XXXXXX";
    char *path = malloc(len);
    snprintf(path, len, "%s/geoembed-global-XXXXXX", dir);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "wb");
    cr_assert_not_null(f);
    fwrite(lead, 1, sizeof lead, f);
    for (int k = 0; k < ps->n; k++)
        cr_assert_eq(fwrite(ps->p[k].z, 1, ps->p[k].zlen, f), ps->p[k].zlen);
    fwrite(trail, 1, sizeof trail, f);
    cr_assert_eq(fclose(f), 0);

    for (int k = 0; k < ps->nowned; k++) {
        ge_model_part_free(ps->owned[k]);
        free(ps->owned[k]);
    }
    ge_model_part_free(&e_block);
    ge_model_part_free(&c_block);
    free(ps);
    ge_model_free(&m);
    ge_meta_free(&meta);
    return path;
}

Test(large_model, global_grid_shape_is_a_model)
{
    ge_shape s = global_shape();
    ge_error err;
    cr_assert_eq(ge_shape_check(&s, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_shape_param_bytes(&s), ((size_t)GW * GH + 9 + 1) * sizeof(double));
    s.W = s.H = 65536; /* 2^32 cells: the format's limit */
    cr_assert_eq(ge_shape_check(&s, &err), 0, "%s", err.msg);
    s.H = 65537;
    cr_assert_neq(ge_shape_check(&s, &err), 0);
    cr_assert(strstr(err.msg, "65536x65537 cells is too large (at most 4294967296 cells"), "%s",
              err.msg);
    s.W = GE_MAX_SIDE + 1, s.H = 3; /* few cells, but a side past 2^30 */
    cr_assert_neq(ge_shape_check(&s, &err), 0);
    s.W = s.H = INT_MAX;
    cr_assert_neq(ge_shape_check(&s, &err), 0);
}

Test(large_model, header_sizes_of_the_format)
{
    unsigned char h[GE_MODEL_HEADER];
    uint32_t version;
    uint64_t plen, zlen;
    ge_error err;
    /* 9.6 GB of payload in 10 MB: a global model of constant stripes */
    ge_model_header(h, 9600000000ull, 10000000ull);
    cr_assert_eq(ge_model_read_header(h, sizeof h, "g", &version, &plen, &zlen, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(plen, 9600000000ull);
    /* more than deflate can make of the compressed size */
    ge_model_header(h, 9600000000ull, 1000000ull);
    cr_assert_neq(ge_model_read_header(h, sizeof h, "g", &version, &plen, &zlen, &err), 0);
    cr_assert(strstr(err.msg, "g: model file declares an impossible size"), "%s", err.msg);
    /* beyond what any shape of the format holds, whatever the compressed size */
    ge_model_header(h, GE_MAX_PAYLOAD + 1, GE_MAX_PAYLOAD / 2);
    cr_assert_neq(ge_model_read_header(h, sizeof h, "g", &version, &plen, &zlen, &err), 0);
    ge_model_header(h, 1000, GE_MAX_PAYLOAD + 1);
    cr_assert_neq(ge_model_read_header(h, sizeof h, "g", &version, &plen, &zlen, &err), 0);
    ge_model_header(h, UINT64_MAX, UINT64_MAX);
    cr_assert_neq(ge_model_read_header(h, sizeof h, "g", &version, &plen, &zlen, &err), 0);
    /* the payload of the global shape: its parameters and coverage at least */
    const ge_shape s = global_shape();
    const uint64_t least = GE_MODEL_SHAPE + ((uint64_t)GW * GH + 10 + 2) * 8 + 8;
    cr_assert_eq(ge_model_payload_fits(&s, GE_MODELFILE_VERSION, least + 4ull * GW * GH + 200,
                                       "g", &err),
                 0, "%s", err.msg);
    cr_assert_neq(ge_model_payload_fits(&s, GE_MODELFILE_VERSION, least - 1, "g", &err), 0);
    cr_assert(strstr(err.msg, "a 40000x20000 x 1 model with 1 outputs cannot have"), "%s",
              err.msg);
    cr_assert_neq(ge_model_payload_fits(&s, GE_MODELFILE_VERSION, 100ull * GW * GH, "g", &err),
                  0);
}

Test(large_model, global_model_too_large_whole_loads_in_part, .timeout = 120)
{
    char *path = global_file();
    ge_model m;
    ge_meta meta;
    ge_error err;
    ge_mem_set_limit(1ull << 30);
    /* the whole: 9.6 GB of payload and as much of model, refused with the figures */
    cr_assert_neq(ge_model_load(path, &m, &meta, &err), 0);
    char want[512];
    snprintf(want, sizeof want, "%s: loading the model needs about ", path);
    cr_assert(strstr(err.msg, want) == err.msg, "%s", err.msg);
    cr_assert(strstr(err.msg, " MB of memory, more than the 1074 MB allowed by --max-memory"),
              "%s", err.msg);
    double mb = atof(err.msg + strlen(want));
    cr_assert(mb > 19000 && mb < 20000, "%s", err.msg);

    /* a part across the rows of their own values, under the same budget */
    const int row0 = ROWS0 - 2, rows = NROWS + 4;
    cr_assert_eq(ge_model_load_part(path, row0, rows, &m, &meta, &err), 0, "%s", err.msg);
    cr_assert_eq(m.part, 1);
    cr_assert_eq(m.s.W, GW);
    cr_assert_eq(m.s.H, GH);
    cr_assert_eq(m.row0, row0);
    cr_assert_eq(m.rows, rows);
    cr_assert_eq(m.n_emb, (size_t)(rows + 2) * GH);
    cr_assert_str_eq(meta.source, "global.csv");
    cr_assert_eq(meta.samples, 100000);
    cr_assert_eq(m.y_mean[0], 10.0);
    cr_assert_eq(m.y_std[0], 4.0);
    cr_assert_eq(m.mask_distance, 0.5);
    /* embedding row k is the model's row row0 - p0 + k */
    for (long k = 0; k < rows + 2; k++)
        for (long h = 0; h < GH; h += 997)
            cr_assert_eq(m.E[(size_t)k * GH + h], e_at(row0 - 1 + k, h), "row %ld, column %ld",
                         row0 - 1 + k, h);
    cr_assert_not_null(m.coverage);
    for (long k = 0; k < rows; k++)
        for (long h = 0; h < GH; h += 991)
            cr_assert_eq(m.coverage[(size_t)k * GH + h], c_at(row0 + k, h), "row %ld, column %ld",
                         row0 + k, h);
    /* a cell of the rows of their own values: coverage through the part */
    const long w = ROWS0 + 3, h = 12345;
    double x = m.s.xmin + (w + 0.5) * m.cw, y = m.s.ymin + (h + 0.5) * m.ch;
    cr_assert_float_eq(ge_model_distance(&m, x, y), (double)c_at(w, h), 1e-6);
    cr_assert_eq(ge_model_distance(&m, m.s.xmin + 0.5 * m.cw, y), INFINITY); /* not held */
    ge_model_free(&m);
    ge_meta_free(&meta);
    unlink(path);
    free(path);
}
