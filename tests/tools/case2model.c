/* case2model: turns a conformance case into inputs for the command line, so
 * that the end-to-end tests can replay the reference through `geoembed fit
 * --init` and `geoembed predict` (tests/e2e/test_conformance_cli.sh).
 *
 *   case2model CASE MODEL SAMPLES.csv
 *
 * MODEL: a geoembed model file holding the case's initial parameters
 * (embedding0, conv_weight0, conv_bias0), cell read-out, wrap xy when the
 * case has reflection 1 else none, no standardisation, no CRS, coordinate
 * columns x and y, targets t0..t{O-1}.
 * SAMPLES.csv: header `x,y,t0,...`, then the case's samples, %.17g.
 *
 * Prints `steps S samples M loss L optimizer O lr LR momentum MOM
 * huber_delta D` on standard output (the settings the test passes to fit). Exit 0 on success,
 * 1 on any error, 2 on usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conformance/case.h"
#include "geoembed/loss.h"
#include "geoembed/model.h"
#include "geoembed/modelfile.h"
#include "geoembed/optim.h"

static const double *need(const conf_case *c, const char *name, size_t count, const char *path)
{
    const case_array *a = case_get(c, name);
    if (!a || a->count != count) {
        fprintf(stderr, "case2model: %s: array %s missing or not %zu numbers\n", path, name,
                count);
        return NULL;
    }
    return a->v;
}

static int write_samples(const char *path, const conf_case *c, const double *x, const double *y)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fputs("x,y", f);
    for (int o = 0; o < c->O; o++)
        fprintf(f, ",t%d", o);
    fputc('\n', f);
    for (long i = 0; i < c->samples; i++) {
        fprintf(f, "%.17g,%.17g", x[2 * i], x[2 * i + 1]);
        for (int o = 0; o < c->O; o++)
            fprintf(f, ",%.17g", y[i * c->O + o]);
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "case2model: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: case2model CASE MODEL SAMPLES.csv\n");
        return 2;
    }
    const char *path = argv[1];
    conf_case c;
    ge_error err;
    if (case_read(path, &c, &err)) {
        fprintf(stderr, "case2model: %s\n", err.msg);
        return 1;
    }
    int rc = 1;
    ge_model m = {0};
    ge_meta meta = {0};
    char **names = NULL;
    int loss = ge_loss_parse(c.loss), optim = ge_optim_parse(c.optimizer);
    if (loss < 0 || optim < 0 || c.weight_decay != 0) {
        fprintf(stderr, "case2model: %s: unsupported loss/optimizer settings\n", path);
        goto done;
    }
    ge_shape s = {.W = c.W, .H = c.H, .N = c.N, .p0 = c.p0, .p1 = c.p1, .O = c.O,
                  .xmin = c.x, .ymin = c.y, .width = c.width, .height = c.height,
                  .wrap = c.reflection ? GE_WRAP_XY : GE_WRAP_NONE,
                  .readout = GE_READOUT_CELL};
    if (ge_model_init(&m, &s, &err)) {
        fprintf(stderr, "case2model: %s: %s\n", path, err.msg);
        goto done;
    }
    const size_t M = (size_t)c.samples, O = (size_t)c.O;
    const double *x = need(&c, "x", 2 * M, path), *y = need(&c, "y", M * O, path);
    const double *e0 = need(&c, "embedding0", m.n_emb, path);
    const double *k0 = need(&c, "conv_weight0", m.n_kernel, path);
    const double *b0 = need(&c, "conv_bias0", O, path);
    if (!x || !y || !e0 || !k0 || !b0)
        goto done;
    memcpy(m.E, e0, m.n_emb * sizeof *m.E);
    memcpy(m.K, k0, m.n_kernel * sizeof *m.K);
    memcpy(m.b, b0, O * sizeof *m.b);

    names = calloc(O, sizeof *names);
    if (!names)
        goto done;
    for (size_t o = 0; o < O; o++) {
        names[o] = malloc(32);
        if (!names[o])
            goto done;
        snprintf(names[o], 32, "t%d", (int)o);
    }
    meta.crs = strdup("");
    meta.xcol = strdup("x");
    meta.ycol = strdup("y");
    meta.source = strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    if (!meta.crs || !meta.xcol || !meta.ycol || !meta.source ||
        ge_meta_set_targets(&meta, c.O, names)) {
        fprintf(stderr, "case2model: out of memory\n");
        goto done;
    }
    meta.loss = loss;
    meta.optimizer = optim;
    meta.huber_delta = c.huber_delta;
    meta.lr = c.lr;
    meta.smooth = 0;
    meta.standardized = 0;
    meta.samples = M;
    meta.train_loss = meta.valid_loss = NAN;
    if (ge_model_save(argv[2], &m, &meta, &err)) {
        fprintf(stderr, "case2model: %s\n", err.msg);
        goto done;
    }
    if (write_samples(argv[3], &c, x, y))
        goto done;
    printf("steps %ld samples %ld loss %s optimizer %s lr %.17g momentum %.17g huber_delta %.17g\n",
           c.steps, c.samples, c.loss, c.optimizer, c.lr, c.momentum, c.huber_delta);
    rc = 0;
done:
    for (size_t o = 0; names && o < (size_t)c.O; o++)
        free(names[o]);
    free(names);
    ge_meta_free(&meta);
    ge_model_free(&m);
    case_free(&c);
    return rc;
}
