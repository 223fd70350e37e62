/* geoembed-conformance: replays torch_geopooling golden vectors through the
 * library (the reference mode: cell read-out, no penalty) and compares.
 *
 *   geoembed-conformance [-v] CASE...
 *
 * One line per compared array: case, array, max normwise relative error,
 * tolerance, ok/FAIL. Exit 0 when every array of every case is within
 * tolerance, 1 otherwise, 2 on usage or unreadable case files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "geoembed/model.h"
#include "geoembed/train.h"

static int failures;

/* max|got - want| / max|want| (absolute when want is all zero). */
static double rel_err(const double *got, const double *want, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        if (!(d <= num)) /* NaN propagates as failure */
            num = d;
        if (fabs(want[i]) > den)
            den = fabs(want[i]);
    }
    return den > 0 ? num / den : num;
}

static void report(const char *cname, const char *aname, double err, double tol)
{
    int ok = err <= tol;
    failures += !ok;
    printf("%-20s %-20s %10.3e  tol %.0e  %s\n", cname, aname, err, tol, ok ? "ok" : "FAIL");
}

static void compare(const char *cname, const conf_case *c, const char *aname, const double *got,
                    size_t n, double tol)
{
    const case_array *a = case_get(c, aname);
    if (!a)
        return;
    if (a->count != n) {
        printf("%-20s %-20s count %zu, expected %zu  FAIL\n", cname, aname, a->count, n);
        failures++;
        return;
    }
    report(cname, aname, rel_err(got, a->v, n), tol);
}

static const double *need(const conf_case *c, const char *name, size_t count, const char *path)
{
    const case_array *a = case_get(c, name);
    if (!a || a->count != count) {
        fprintf(stderr, "geoembed-conformance: %s: array %s missing or not %zu numbers\n", path,
                name, count);
        return NULL;
    }
    return a->v;
}

static void predict_all(const ge_model *m, const double *xy, size_t n, double *out)
{
    double *Kt = malloc(m->n_kernel * sizeof *Kt);
    double *F = malloc((size_t)m->s.W * m->s.H * m->s.O * sizeof *F);
    ge_kernel_transpose(m, Kt);
    ge_field(m, Kt, F);
    for (size_t i = 0; i < n; i++)
        ge_predict_point(m, Kt, F, xy[2 * i], xy[2 * i + 1], out + i * m->s.O);
    free(Kt);
    free(F);
}

static int run_case(const char *path)
{
    conf_case c;
    ge_error err;
    if (case_read(path, &c, &err)) {
        fprintf(stderr, "geoembed-conformance: %s\n", err.msg);
        return -1;
    }
    const char *cname = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    ge_shape s = {.W = c.W, .H = c.H, .N = c.N, .p0 = c.p0, .p1 = c.p1, .O = c.O,
                  .xmin = c.x, .ymin = c.y, .width = c.width, .height = c.height,
                  .wrap = c.reflection ? GE_WRAP_XY : GE_WRAP_NONE,
                  .readout = GE_READOUT_CELL};
    ge_model m;
    ge_trainer *t = NULL;
    double *buf = NULL;
    int rc = -1;
    if (ge_model_init(&m, &s, &err)) {
        fprintf(stderr, "geoembed-conformance: %s: %s\n", path, err.msg);
        case_free(&c);
        return -1;
    }
    const size_t M = (size_t)c.samples, O = (size_t)c.O, S = (size_t)c.steps;
    const size_t KWKHN = (size_t)m.KW * m.KH * c.N;
    const double *x = need(&c, "x", 2 * M, path), *y = need(&c, "y", M * O, path);
    const double *e0 = need(&c, "embedding0", m.n_emb, path);
    const double *k0 = need(&c, "conv_weight0", m.n_kernel, path);
    const double *b0 = need(&c, "conv_bias0", O, path);
    ge_loss loss = {.kind = ge_loss_parse(c.loss), .delta = c.huber_delta};
    ge_optim_opts oo = {.kind = ge_optim_parse(c.optimizer), .lr = c.lr, .beta1 = c.beta1,
                        .beta2 = c.beta2, .eps = c.eps, .momentum = c.momentum};
    if (!x || !y || !e0 || !k0 || !b0)
        goto done;
    if ((int)loss.kind < 0 || (int)oo.kind < 0 || c.weight_decay != 0) {
        fprintf(stderr, "geoembed-conformance: %s: unsupported loss/optimizer settings\n", path);
        goto done;
    }
    memcpy(m.E, e0, m.n_emb * sizeof *m.E);
    memcpy(m.K, k0, m.n_kernel * sizeof *m.K);
    memcpy(m.b, b0, O * sizeof *m.b);

    const case_array *g = case_get(&c, "grid_x");
    size_t G = g ? g->count / 2 : 0;
    buf = malloc((M * KWKHN + (M + G) * O + S + 1 + 1) * sizeof *buf);
    if (!buf)
        goto done;
    double *gather = buf, *pred = gather + M * KWKHN, *losses = pred + (M + G) * O;

    if (case_get(&c, "gather0")) {
        for (size_t i = 0; i < M; i++)
            ge_gather(&m, x[2 * i], x[2 * i + 1], gather + i * KWKHN);
        compare(cname, &c, "gather0", gather, M * KWKHN, 0.0);
    }
    predict_all(&m, x, M, pred);
    compare(cname, &c, "pred0", pred, M * O, 1e-12);

    ge_data d = {.M = M, .O = c.O, .xy = x, .y = y};
    ge_train_opts to = {.loss = loss, .optim = oo};
    t = ge_trainer_new(&m, &d, &to, &err);
    if (!t) {
        fprintf(stderr, "geoembed-conformance: %s: %s\n", path, err.msg);
        goto done;
    }
    losses[0] = ge_trainer_loss(t, NULL, M, 1);
    const double *gr = ge_trainer_grad(t);
    compare(cname, &c, "grad_embedding0", gr, m.n_emb, 1e-12);
    compare(cname, &c, "grad_conv_weight0", gr + m.n_emb, m.n_kernel, 1e-12);
    compare(cname, &c, "grad_conv_bias0", gr + m.n_emb + m.n_kernel, O, 1e-12);
    const case_array *lw = case_get(&c, "loss");
    if (lw && lw->count == S + 1)
        report(cname, "loss[0]", rel_err(losses, lw->v, 1), 1e-12);
    for (size_t st = 0; st < S; st++)
        losses[st] = ge_trainer_step(t, NULL, M);
    losses[S] = ge_trainer_loss(t, NULL, M, 0);
    compare(cname, &c, "loss", losses, S + 1, 1e-9);
    compare(cname, &c, "embedding_final", m.E, m.n_emb, 1e-9);
    compare(cname, &c, "conv_weight_final", m.K, m.n_kernel, 1e-9);
    compare(cname, &c, "conv_bias_final", m.b, O, 1e-9);
    predict_all(&m, x, M, pred);
    compare(cname, &c, "pred_final", pred, M * O, 1e-9);
    if (g) {
        predict_all(&m, g->v, G, pred);
        compare(cname, &c, "grid_pred_final", pred, G * O, 1e-9);
    }
    rc = 0;
done:
    ge_trainer_free(t);
    free(buf);
    ge_model_free(&m);
    case_free(&c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout, "usage: geoembed-conformance CASE...\n");
        return argc < 2 ? 2 : 0;
    }
    int bad = 0;
    for (int i = 1; i < argc; i++)
        bad |= run_case(argv[i]) != 0;
    if (bad)
        return 2;
    printf("%s\n", failures ? "conformance: FAIL" : "conformance: all arrays within tolerance");
    return failures ? 1 : 0;
}
