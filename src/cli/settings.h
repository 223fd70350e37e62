/* Model and training settings for fit: what the user asked for, and what
 * geoembed chooses from the data where they did not (SPEC 2: defaults must give
 * a good model with no tuning). */
#ifndef GEOEMBED_CLI_SETTINGS_H
#define GEOEMBED_CLI_SETTINGS_H

#include "geoembed/learn.h"
#include "geoembed/model.h"
#include "geoembed/samples.h"
#include "geoembed/train.h"
#include "options.h"

typedef struct {
    ge_shape shape;
    ge_train_opts train;
    ge_method method; /* exact solve or gradient training (settings_method) */
    long epochs, patience;
    double validation;
    int standardize;
    int geographic; /* the coordinates are lon/lat degrees */
    int smooth_auto; /* choose the curvature penalty by validation (choose_smooth) */
    int transformed; /* some target is fit on a transform (--transform) */
    int solver;      /* exact: a ge_solver_kind (--solver) */
    long draws;      /* exact: posterior draws for the uncertainty (--draws) */
    unsigned char transform[GE_MAX_OUTPUTS]; /* GE_TRANSFORM_* of each target */
    char chosen[512]; /* what was chosen and why, for the summary */
    /* the default grid size's median sample spacing (0: not computed) and
     * the count of samples it was computed on */
    double spacing;
    size_t spacing_M;
} fit_settings;

/* Reads the options and fills in defaults from the samples. Returns 0, or an
 * exit status after printing the error. */
int settings_resolve(const cli_args *a, const ge_samples *s, int geographic, fit_settings *fs);
/* Training options only (for --init, where the shape comes from the model). */
int settings_training(const cli_args *a, const ge_samples *s, fit_settings *fs);
/* --method, or what the other options imply: gradient training for the
 * reference (--readout cell --smooth 0), for --init, and when an option of
 * gradient training is given; else the exact solve. Returns 0 or EXIT_USAGE. */
int settings_method(const cli_args *a, fit_settings *fs);
/* The reference mode (--readout cell --smooth 0): its last epoch is the
 * result, as in torch_geopooling. */
int settings_is_reference(const fit_settings *fs);
/* --smooth LAMBDA|auto with the given default when absent. */
int settings_smooth(const cli_args *a, int auto_default, double def, fit_settings *fs);

#endif
