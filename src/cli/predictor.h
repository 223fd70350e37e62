/* A loaded model ready to answer "what is the field here?": the field is
 * computed once, every query after that is a lookup or a bilinear blend. */
#ifndef GEOEMBED_CLI_PREDICTOR_H
#define GEOEMBED_CLI_PREDICTOR_H

#include "geoembed/model.h"
#include "geoembed/modelfile.h"
#include "mask.h"
#include "options.h"

/* The covariates' rasters and window (covariate_grid.c). */
typedef struct covariate_window covariate_window;

typedef struct {
    ge_model m;
    ge_meta meta;
    double *Kt, *F;
    double max_distance; /* predictions farther from every sample are empty; 0: none */
    mask *mask;          /* predictions outside it are empty; NULL: none */
    int std;             /* --std: each target's predictive standard deviation too */
    int nexceed;         /* --exceed: targets with a threshold */
    double exceed[GE_MAX_OUTPUTS]; /* threshold of each target (NaN: none) */
    /* predict --grid of a model with covariates: their rasters warped onto
     * the grid and the window of it being computed (covariate_grid.h), or
     * NULL */
    covariate_window *cov;
} predictor;

/* Outputs per place at most: each target's value, std and exceedance. */
#define PREDICTOR_MAX_OUT (3 * GE_MAX_OUTPUTS)

/* Loads the model file and computes its field. Returns 0 or an exit status. */
int predictor_load(predictor *p, const char *path);
/* The same for a model already in p->m and p->meta (taken over; path names
 * it in messages). */
int predictor_init(predictor *p, const char *path);
/* Loads the model file's shape, metadata and kernel, none of its cells (a
 * part of no rows, model_part.h): enough to set the rules and the grid,
 * before predictor_load_part. Returns 0 or an exit status. */
int predictor_load_skeleton(predictor *p, const char *path);
/* Replaces p's model by the part of the same file that holds the cells of
 * rows row0 .. row0 + rows - 1 (model.h), and computes its field; the
 * rules stay. Returns 0 or an exit status. */
int predictor_load_part(predictor *p, const char *path, int row0, int rows);
void predictor_free(predictor *p);
/* The rules that leave predictions empty: --max-distance DIST|auto|none
 * (default auto: the model's own) and --mask POLYGONS (--mask-layer,
 * --mask-where); and the outputs besides the values: --std, --exceed.
 * Returns 0 or an exit status after printing the error. */
int predictor_rules(predictor *p, const cli_args *a);
/* Outputs per place: the O values, then with --std O standard deviations,
 * then the exceedance probabilities of the targets --exceed names. */
int predictor_outputs(const predictor *p);
/* Name of output k: NAME (grid bands; NAME_pred at points), NAME_std,
 * NAME_p_exceed. */
void predictor_output_name(const predictor *p, int k, int point, char *buf, size_t len);
/* out[predictor_outputs]; returns 0, or -1 where the rules leave the value empty (out is then
 * NaN): farther than max_distance from every training sample, or, for a
 * model file without coverage (version 1), outside the exterior; outside the
 * mask. A wrapped axis reads coordinates modulo the exterior. */
int predictor_at(const predictor *p, double x, double y, double *out);
/* The same for a model with covariates, z the place's design row (NULL, or
 * a model with covariates and no z: the value is empty). */
int predictor_at_z(const predictor *p, double x, double y, const double *z, double *out);
/* At cell (row, col) of predict --grid: the covariates from p->cov, whose
 * window (predictor_covariate_window) holds the cell. */
int predictor_at_cell(const predictor *p, double x, double y, long row, long col, double *out);
/* The design row z of a place from the text of each of the model's
 * covariates: 1, 0 when a value is missing or a class unknown to the model,
 * -1 when a numeric one is not a number (*bad: which). */
int predictor_covariate_row(const predictor *p, const char *const *text, double *z, int *bad);
/* Why predictor_at leaves a value empty, for messages: "farther than D from
 * every training sample" or "outside the model's exterior", and "or outside
 * the --mask". */
void predictor_empty_rule(const predictor *p, char *buf, size_t len);

#endif
