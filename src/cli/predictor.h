/* A loaded model ready to answer "what is the field here?": the field is
 * computed once, every query after that is a lookup or a bilinear blend. */
#ifndef GEOEMBED_CLI_PREDICTOR_H
#define GEOEMBED_CLI_PREDICTOR_H

#include "geoembed/model.h"
#include "geoembed/modelfile.h"

typedef struct {
    ge_model m;
    ge_meta meta;
    double *Kt, *F;
} predictor;

/* Loads the model file and computes its field. Returns 0 or an exit status. */
int predictor_load(predictor *p, const char *path);
void predictor_free(predictor *p);
/* out[O]; returns 0 inside the exterior, -1 outside (out is then NaN). */
int predictor_at(const predictor *p, double x, double y, double *out);

#endif
