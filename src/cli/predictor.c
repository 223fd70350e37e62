/* Model + precomputed field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/memory.h"
#include "predictor.h"

int predictor_load(predictor *p, const char *path)
{
    ge_error err;
    p->Kt = p->F = NULL;
    p->mask = NULL;
    if (ge_model_load(path, &p->m, &p->meta, &err))
        return fail_with(&err);
    if (!ge_crs_usable(p->meta.crs)) { /* every output must carry the CRS */
        ge_meta_free(&p->meta);
        ge_model_free(&p->m);
        return runtime_error("%s: the model's CRS cannot be read (damaged model file?)", path);
    }
    /* the field of a small file can be large: W*H cells times O outputs */
    double bytes = ((double)p->m.n_kernel + (double)p->m.s.W * p->m.s.H * p->m.s.O) * 8;
    if (ge_mem_check(bytes, "the model's field", &err)) {
        ge_meta_free(&p->meta);
        ge_model_free(&p->m);
        return runtime_error("%s: %s", path, err.msg);
    }
    p->Kt = malloc(p->m.n_kernel * sizeof *p->Kt);
    p->F = malloc((size_t)p->m.s.W * p->m.s.H * p->m.s.O * sizeof *p->F);
    if (!p->Kt || !p->F) {
        predictor_free(p);
        return runtime_error("%s: out of memory for the model's field", path);
    }
    ge_kernel_transpose(&p->m, p->Kt);
    ge_field(&p->m, p->Kt, p->F);
    p->max_distance = p->m.mask_distance;
    return 0;
}

static int max_distance(predictor *p, const cli_args *a)
{
    const char *v = a->val[O_MAX_DISTANCE];
    if (!v || strcmp(v, "auto") == 0)
        return 0;
    if (strcmp(v, "none") == 0) {
        p->max_distance = 0;
        return 0;
    }
    if (!p->m.coverage)
        return usage_error(a->cmd_name, "--max-distance needs a model that knows where its "
                                        "samples were (fit it again with this geoembed)");
    return arg_double(a, O_MAX_DISTANCE, 0, 1e-300, 1e300, &p->max_distance);
}

int predictor_rules(predictor *p, const cli_args *a)
{
    int rc = max_distance(p, a);
    if (rc)
        return rc;
    if (!a->val[O_MASK]) {
        if (a->val[O_MASK_LAYER] || a->val[O_MASK_WHERE])
            return usage_error(a->cmd_name, "%s applies to --mask",
                               a->val[O_MASK_LAYER] ? "--mask-layer" : "--mask-where");
        return 0;
    }
    return mask_load(&p->mask, a->cmd_name, a->val[O_MASK], a->val[O_MASK_LAYER],
                     a->val[O_MASK_WHERE], p->meta.crs, &p->m.s);
}

void predictor_free(predictor *p)
{
    free(p->Kt);
    free(p->F);
    p->Kt = p->F = NULL;
    mask_free(p->mask);
    p->mask = NULL;
    ge_model_free(&p->m);
    ge_meta_free(&p->meta);
}

int predictor_at(const predictor *p, double x, double y, double *out)
{
    const ge_shape *s = &p->m.s;
    ge_model_wrap_point(s, &x, &y);
    int empty = p->m.coverage
                    ? p->max_distance > 0 && !(ge_model_distance(&p->m, x, y) <= p->max_distance)
                    : !(x >= s->xmin && x <= s->xmin + s->width && y >= s->ymin &&
                        y <= s->ymin + s->height);
    if (empty || !isfinite(x) || !isfinite(y) || (p->mask && !mask_contains(p->mask, x, y))) {
        for (int o = 0; o < s->O; o++)
            out[o] = NAN;
        return -1;
    }
    ge_predict_point(&p->m, p->Kt, p->F, x, y, out);
    return 0;
}

void predictor_empty_rule(const predictor *p, char *buf, size_t len)
{
    const char *mask = p->mask ? " or outside the --mask" : "";
    if (!p->m.coverage)
        snprintf(buf, len, "outside the model's exterior%s", mask);
    else if (p->max_distance > 0)
        snprintf(buf, len, "farther than %.6g from every training sample%s", p->max_distance,
                 mask);
    else if (p->mask)
        snprintf(buf, len, "outside the --mask");
    else
        snprintf(buf, len, "at a coordinate that is not a number");
}
