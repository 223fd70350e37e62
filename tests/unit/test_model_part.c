/* A part of a model (model.h, model_part.h): read from the file by
 * streaming, it holds its rows' cells and their kernels' reach only, and
 * every prediction in its rows (value, spread, distance to the samples) is
 * the whole model's bit for bit, on clamped and wrapped axes, across the
 * seam, and outside the grid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "geoembed/model_part.h"
#include "geoembed/modelfile.h"
#include "../../src/io/bytes.h"
#include "../../src/io/model_payload.h"

static void filled_model(ge_model *m, ge_meta *meta, ge_wrap wrap, ge_readout readout)
{
    ge_shape s = {.W = 29, .H = 9, .N = 3, .p0 = 2, .p1 = 1, .O = 2, .xmin = -3, .ymin = 1,
                  .width = 58, .height = 18, .wrap = wrap, .readout = readout};
    ge_error err;
    cr_assert_eq(ge_model_init(m, &s, &err), 0, "%s", err.msg);
    ge_model_init_params(m, 3);
    for (size_t i = 0; i < m->n_emb; i++)
        m->params[i] = sin(0.37 * (double)i) + 0.01 * (double)i;
    for (int o = 0; o < s.O; o++)
        m->y_mean[o] = 0.5 * o, m->y_std[o] = 2 + o;
    const size_t cells = (size_t)s.W * s.H;
    m->coverage = malloc(cells * sizeof *m->coverage);
    for (size_t c = 0; c < cells; c++)
        m->coverage[c] = (float)(c % 13) * 0.5f;
    m->mask_distance = 4.5;
    m->noise_sd = malloc((size_t)s.O * sizeof *m->noise_sd);
    m->field_sd = malloc(cells * s.O * sizeof *m->field_sd);
    for (int o = 0; o < s.O; o++)
        m->noise_sd[o] = 0.1 * (o + 1);
    for (size_t c = 0; c < cells * s.O; c++)
        m->field_sd[c] = (float)(0.01 * (double)(c % 17) + 0.001);
    *meta = (ge_meta){.smooth = 0.25, .samples = 99, .valid_loss = NAN};
    meta->crs = strdup("");
    meta->source = strdup("samples.csv");
    char *names[2] = {"u", "v"};
    cr_assert_eq(ge_meta_set_targets(meta, s.O, names), 0);
}

static char *saved(const ge_model *m, const ge_meta *meta)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t len = strlen(dir) + sizeof "/geoembed-part-XXXXXX";
    char *path = malloc(len);
    cr_assert_not_null(path);
    snprintf(path, len, "%s/geoembed-part-XXXXXX", dir);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    ge_error err;
    cr_assert_eq(ge_model_save(path, m, meta, &err), 0, "%s", err.msg);
    return path;
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Every place over the grid and a little beyond it whose cells the part
 * holds predicts as the whole model; the others are empty, never wrong. */
static void predicts_as_whole(const ge_model *whole, const ge_model *part)
{
    const int O = whole->s.O;
    double *Kt = malloc(whole->n_kernel * sizeof *Kt);
    double *F = malloc((size_t)whole->s.W * whole->s.H * O * sizeof *F);
    double *Fp = malloc(((size_t)part->rows * part->s.H + 1) * O * sizeof *Fp);
    ge_kernel_transpose(whole, Kt);
    ge_field(whole, Kt, F);
    ge_field(part, Kt, Fp);
    int compared = 0;
    for (double x = whole->s.xmin - 5.3; x < whole->s.xmin + whole->s.width + 5; x += 0.7)
        for (double y = whole->s.ymin - 3.1; y < whole->s.ymin + whole->s.height + 3; y += 0.9) {
            double px = x, py = y, a[8], b[8];
            ge_model_wrap_point(&whole->s, &px, &py);
            ge_predict_point(whole, Kt, F, px, py, a);
            ge_predict_point(part, Kt, Fp, px, py, b);
            ge_predict_sd(whole, px, py, a + O);
            ge_predict_sd(part, px, py, b + O);
            a[2 * O] = ge_model_distance(whole, px, py);
            b[2 * O] = ge_model_distance(part, px, py);
            int held = !isnan(b[0]);
            for (int k = 0; k <= 2 * O; k++) {
                if (!held) {
                    cr_assert(isnan(b[k]) || k == 2 * O, "(%g, %g) output %d: not held, %g",
                              px, py, k, b[k]);
                    continue;
                }
                cr_assert(same_bits(a[k], b[k]), "rows %d+%d at (%g, %g) output %d: %.17g != %.17g",
                          part->row0, part->rows, px, py, k, a[k], b[k]);
            }
            compared += held;
        }
    /* (a bilinear read-out blends two rows: one alone answers nowhere) */
    if (part->rows > 1 || whole->s.readout == GE_READOUT_CELL)
        cr_assert_gt(compared, 0, "rows %d+%d: no place compared", part->row0, part->rows);
    free(Kt);
    free(F);
    free(Fp);
}

static void check_parts(ge_wrap wrap, ge_readout readout)
{
    ge_model m, p;
    ge_meta meta, pm;
    ge_error err;
    filled_model(&m, &meta, wrap, readout);
    char *path = saved(&m, &meta);
    const int W = m.s.W;
    const int cases[][2] = {{0, W}, {0, 5}, {3, 7}, {W - 6, 6}, {11, 1}, {W - 4, 9}, {20, W}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int row0 = cases[i][0], rows = cases[i][1];
        if (!(wrap & GE_WRAP_X) && row0 + rows > W)
            continue;
        cr_assert_eq(ge_model_load_part(path, row0, rows, &p, &pm, &err), 0, "%s", err.msg);
        cr_assert_eq(p.part, 1);
        cr_assert_eq(p.n_emb, ((size_t)rows + 2 * m.s.p0) * m.s.H * m.s.N,
                     "the part holds its rows and the kernel's reach only");
        /* row k of the part's embedding is the grid's row row0 - p0 + k */
        for (int k = 0; k < rows + 2 * m.s.p0; k++) {
            int g = row0 - m.s.p0 + k;
            g = (wrap & GE_WRAP_X) ? (g % W + W) % W : g < 0 ? 0 : g >= W ? W - 1 : g;
            cr_assert_eq(memcmp(p.E + (size_t)k * m.s.H * m.s.N, m.E + (size_t)g * m.s.H * m.s.N,
                                (size_t)m.s.H * m.s.N * sizeof *m.E),
                         0, "rows %d+%d: embedding row %d is not the grid's row %d", row0, rows,
                         k, g);
        }
        cr_assert_eq(memcmp(p.K, m.K, (m.n_kernel + m.s.O) * sizeof *m.K), 0);
        cr_assert_str_eq(pm.source, "samples.csv");
        cr_assert_eq(pm.samples, 99);
        predicts_as_whole(&m, &p);
        ge_model_free(&p);
        ge_meta_free(&pm);
    }
    /* no rows: the shape, metadata and which arrays there are */
    cr_assert_eq(ge_model_load_part(path, 0, 0, &p, &pm, &err), 0, "%s", err.msg);
    cr_assert(p.coverage && p.noise_sd && p.field_sd);
    cr_assert_eq(p.s.W, W);
    cr_assert_eq(p.mask_distance, 4.5);
    ge_model_free(&p);
    ge_meta_free(&pm);
    /* a file cut short, or with bytes after its end, is refused */
    FILE *f = fopen(path, "ab");
    fputc(7, f);
    fclose(f);
    cr_assert_neq(ge_model_load_part(path, 0, 3, &p, &pm, &err), 0);
    cr_assert(strstr(err.msg, "unexpected data after the end"), "%s", err.msg);
    f = fopen(path, "r+b");
    fseek(f, 0, SEEK_END);
    cr_assert_eq(ftruncate(fileno(f), ftell(f) - 9), 0);
    fclose(f);
    cr_assert_neq(ge_model_load_part(path, 0, 3, &p, &pm, &err), 0);
    cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
    ge_model_save(path, &m, &meta, &err);
    /* damage is caught as by the whole load */
    f = fopen(path, "r+b");
    fseek(f, 60, SEEK_SET);
    fputc(0x55 ^ 0xff, f);
    fclose(f);
    cr_assert_neq(ge_model_load_part(path, 0, 3, &p, &pm, &err), 0);
    cr_assert(strstr(err.msg, "corrupted"), "%s", err.msg);
    unlink(path);
    free(path);
    ge_model_free(&m);
    ge_meta_free(&meta);
}

Test(model_part, clamped_cell) { check_parts(GE_WRAP_NONE, GE_READOUT_CELL); }
Test(model_part, clamped_bilinear) { check_parts(GE_WRAP_NONE, GE_READOUT_BILINEAR); }
Test(model_part, wrapped_x_bilinear) { check_parts(GE_WRAP_X, GE_READOUT_BILINEAR); }
Test(model_part, wrapped_xy_cell) { check_parts(GE_WRAP_XY, GE_READOUT_CELL); }
Test(model_part, wrapped_y_cell) { check_parts(GE_WRAP_Y, GE_READOUT_CELL); }

Test(model_part, head_bytes_match_the_encoder)
{
    ge_model m;
    ge_meta meta;
    filled_model(&m, &meta, GE_WRAP_X, GE_READOUT_CELL);
    wbuf b = {0};
    ge_model_encode_head(&b, &m, &meta);
    size_t more;
    cr_assert_eq(ge_model_head_bytes(b.p, b.len, m.s.O, &more), b.len);
    cr_assert_eq(ge_model_head_bytes(b.p, b.len - 3, m.s.O, &more), 0);
    cr_assert_eq(more, 3);
    cr_assert_eq(ge_model_head_bytes(b.p, 70, m.s.O, &more), 0);
    cr_assert_gt(more, 0);
    free(b.p);
    ge_model_free(&m);
    ge_meta_free(&meta);
}

Test(model_part, cover)
{
    unsigned char need[10] = {0};
    int r0, n;
    ge_part_cover(need, 10, 1, &r0, &n);
    cr_assert(r0 == 0 && n == 0);
    need[3] = need[5] = 1;
    ge_part_cover(need, 10, 0, &r0, &n);
    cr_assert(r0 == 3 && n == 3);
    need[0] = need[9] = 1; /* clamped: 0..9 */
    ge_part_cover(need, 10, 0, &r0, &n);
    cr_assert(r0 == 0 && n == 10);
    need[3] = need[5] = 0;
    ge_part_cover(need, 10, 1, &r0, &n);
    cr_assert(r0 == 9 && n == 2, "got %d+%d", r0, n);
    need[3] = 1; /* 0, 3 and 9: gaps 1-2, 4-8 (5 rows): 9..3 */
    ge_part_cover(need, 10, 1, &r0, &n);
    cr_assert(r0 == 9 && n == 5, "got %d+%d", r0, n);
}

/* A model whose numbers the reader would refuse is not written: a NaN in
 * the spread (a fit once wrote one, exit 0, that info then called damaged)
 * or in the parameters fails ge_model_encode and leaves no file. */
Test(model_part, unreadable_numbers_are_not_written)
{
    ge_model m;
    ge_meta meta;
    ge_error err;
    filled_model(&m, &meta, GE_WRAP_NONE, GE_READOUT_BILINEAR);
    unsigned char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(ge_model_encode(&m, &meta, &buf, &len, &err), 0, "%s", err.msg);
    free(buf);
    m.field_sd[7] = NAN;
    cr_assert_neq(ge_model_encode(&m, &meta, &buf, &len, &err), 0);
    cr_assert(strstr(err.msg, "not finite"), "%s", err.msg);
    m.field_sd[7] = 0.5f;
    char *path = saved(&m, &meta); /* a path, then the file's gone */
    unlink(path);
    m.field_sd[7] = NAN;
    cr_assert_neq(ge_model_save(path, &m, &meta, &err), 0);
    cr_assert_eq(access(path, F_OK), -1, "no file left");
    free(path);
    m.field_sd[7] = 0.5f;
    m.params[3] = INFINITY;
    cr_assert_neq(ge_model_encode(&m, &meta, &buf, &len, &err), 0);
    ge_model_free(&m);
    ge_meta_free(&meta);
}
