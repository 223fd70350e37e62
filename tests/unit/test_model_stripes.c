/* A model file written in stripes (model_stripes.h): assembled from parts
 * compressed apart, as the processes of an MPI run write it, it loads with
 * the ordinary decoder to the same model as the file written whole; damage
 * is still caught by its checksums. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "geoembed/model_stripes.h"
#include "geoembed/modelfile.h"

static void striped_model(ge_model *m, ge_meta *meta)
{
    ge_shape s = {.W = 23, .H = 7, .N = 3, .p0 = 1, .p1 = 2, .O = 2, .xmin = -3, .ymin = 1,
                  .width = 46, .height = 14, .readout = GE_READOUT_BILINEAR};
    ge_error err;
    cr_assert_eq(ge_model_init(m, &s, &err), 0, "%s", err.msg);
    ge_model_init_params(m, 5);
    for (size_t i = 0; i < m->n_emb; i++) /* not zeros: every stripe has its own values */
        m->params[i] = sin(0.37 * (double)i) * 1e3 + (double)i;
    for (int o = 0; o < s.O; o++)
        m->y_mean[o] = 0.5 * o, m->y_std[o] = 2 + o;
    m->coverage = malloc((size_t)s.W * s.H * sizeof *m->coverage);
    for (int c = 0; c < s.W * s.H; c++)
        m->coverage[c] = (float)(c % 11);
    m->mask_distance = 4.5;
    *meta = (ge_meta){.smooth = 0.25, .samples = 1234, .train_loss = 0.125, .valid_loss = NAN};
    meta->crs = strdup("");
    meta->source = strdup("samples.csv");
    char *names[2] = {"u", "v"};
    cr_assert_eq(ge_meta_set_targets(meta, s.O, names), 0);
}

/* The file of R writers, assembled in memory: lead, head, stripes of E, the
 * rest's lead, stripes of the coverage, the rest's tail, trail. */
static unsigned char *assemble(const ge_model *m, const ge_meta *meta, int R, size_t *len)
{
    const int np = 2 * R + 3;
    ge_model_part *parts = calloc((size_t)np, sizeof *parts);
    ge_error err;
    const size_t row = (size_t)m->s.H * m->s.N, H = (size_t)m->s.H;
    cr_assert_eq(ge_model_part_head(&parts[0], m, meta, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_model_part_rest_lead(&parts[R + 1], m, &err), 0, "%s", err.msg);
    for (int r = 0; r < R; r++) {
        int w0, w1;
        ge_stripe_rows(m->s.W, r, R, &w0, &w1);
        cr_assert_eq(ge_model_part_stripe(&parts[1 + r], m->params + (size_t)w0 * row,
                                          (size_t)(w1 - w0) * row, &err),
                     0, "%s", err.msg);
        cr_assert_eq(ge_model_part_coverage(&parts[R + 2 + r],
                                            m->coverage ? m->coverage + (size_t)w0 * H : NULL,
                                            m->coverage ? (size_t)(w1 - w0) * H : 0, &err),
                     0, "%s", err.msg);
    }
    cr_assert_eq(ge_model_part_rest_tail(&parts[np - 1], m, meta, &err), 0, "%s", err.msg);
    unsigned char lead[GE_STRIPES_LEAD], trail[GE_STRIPES_TRAIL];
    ge_model_stripes_frame(parts, (size_t)np, lead, trail);
    size_t n = GE_STRIPES_LEAD + GE_STRIPES_TRAIL;
    for (int k = 0; k < np; k++)
        n += parts[k].zlen;
    unsigned char *buf = malloc(n), *at = buf;
    memcpy(at, lead, GE_STRIPES_LEAD), at += GE_STRIPES_LEAD;
    for (int k = 0; k < np; k++) {
        memcpy(at, parts[k].z, parts[k].zlen), at += parts[k].zlen;
        ge_model_part_free(&parts[k]);
    }
    memcpy(at, trail, GE_STRIPES_TRAIL);
    free(parts);
    *len = n;
    return buf;
}

Test(model_stripes, rows_cover_the_grid_once)
{
    for (int R = 1; R <= 40; R += 3) {
        int next = 0;
        for (int r = 0; r < R; r++) {
            int w0, w1;
            ge_stripe_rows(23, r, R, &w0, &w1);
            cr_assert_eq(w0, next, "R %d: writer %d starts at %d, not %d", R, r, w0, next);
            cr_assert_geq(w1, w0);
            next = w1;
        }
        cr_assert_eq(next, 23);
    }
}

Test(model_stripes, loads_as_the_file_written_whole)
{
    ge_model m, whole, striped;
    ge_meta meta, wm, sm;
    ge_error err;
    striped_model(&m, &meta);
    unsigned char *one;
    size_t one_len;
    cr_assert_eq(ge_model_encode(&m, &meta, &one, &one_len, &err), 0, "%s", err.msg);
    cr_assert_eq(ge_model_decode(one, one_len, "whole", &whole, &wm, &err), 0, "%s", err.msg);
    /* 1 writer, a few, and more writers than rows (empty stripes) */
    const int writers[] = {1, 2, 3, 4, 7, 30};
    for (size_t k = 0; k < sizeof writers / sizeof *writers; k++) {
        size_t len;
        unsigned char *buf = assemble(&m, &meta, writers[k], &len);
        cr_assert_eq(ge_model_decode(buf, len, "striped", &striped, &sm, &err), 0,
                     "%d writers: %s", writers[k], err.msg);
        cr_assert_eq(striped.n_params, whole.n_params);
        cr_assert_eq(memcmp(striped.params, whole.params, whole.n_params * sizeof(double)), 0,
                     "%d writers: parameters differ", writers[k]);
        cr_assert_eq(memcmp(striped.coverage, whole.coverage,
                            (size_t)m.s.W * m.s.H * sizeof(float)),
                     0);
        cr_assert_eq(striped.mask_distance, 4.5);
        cr_assert_eq(striped.y_std[1], 3.0);
        cr_assert_str_eq(sm.targets[1], "v");
        cr_assert_str_eq(sm.source, "samples.csv");
        cr_assert_eq(sm.samples, 1234);
        /* a flipped bit in any stripe is caught */
        buf[GE_STRIPES_LEAD + len / 3] ^= 0x10;
        ge_model bad;
        ge_meta bm;
        cr_assert_neq(ge_model_decode(buf, len, "striped", &bad, &bm, &err), 0,
                      "%d writers: damage not noticed", writers[k]);
        free(buf);
        ge_model_free(&striped);
        ge_meta_free(&sm);
    }
    free(one);
    ge_model_free(&whole);
    ge_meta_free(&wm);
    ge_model_free(&m);
    ge_meta_free(&meta);
}
