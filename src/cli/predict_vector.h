/* predict MODEL POINTS: POINTS an OGR vector source or a CSV. */
#ifndef GEOEMBED_CLI_PREDICT_VECTOR_H
#define GEOEMBED_CLI_PREDICT_VECTOR_H

#include "options.h"
#include "predictor.h"

/* An exit status, or -1 when POINTS is no vector source (read it as CSV). */
int predict_points_vector(cli_args *a, const predictor *p);
/* POINTS read as CSV (predict_csv.c). An exit status. */
int predict_points_csv(cli_args *a, const predictor *p);

#endif
