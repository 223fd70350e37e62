/* The option table: one list drives the parser, `--help`, and the generated
 * option lists of the man pages and shell completions (`geoembed
 * --list-options`), so they cannot drift apart. */
#ifndef GEOEMBED_CLI_OPTIONS_H
#define GEOEMBED_CLI_OPTIONS_H

#include <stddef.h>

enum cmd_bit {
    C_FIT = 1 << 0,
    C_PREDICT = 1 << 1,
    C_EVAL = 1 << 2,
    C_INFO = 1 << 3,
    C_CV = 1 << 4,
    C_PLOT = 1 << 5,
    C_FILL = 1 << 6,
};

typedef enum {
    O_HELP, O_QUIET, O_VERBOSE, O_OUTPUT, O_JSON,
    /* input */
    O_X, O_Y, O_TARGET, O_DELIMITER, O_SRC_CRS, O_CRS, O_STRICT, O_LAYER, O_WHERE, O_BAND,
    O_MAX_SAMPLES,
    /* model */
    O_SIZE, O_FEATURES, O_PADDING, O_BBOX, O_EXTERIOR, O_WRAP, O_READOUT, O_SMOOTH,
    /* training */
    O_EPOCHS, O_LR, O_LOSS, O_HUBER_DELTA, O_OPTIMIZER, O_MOMENTUM, O_BATCH_SIZE, O_SEED,
    O_THREADS, O_MAX_MEMORY, O_VALIDATION, O_PATIENCE, O_STANDARDIZE, O_NO_STANDARDIZE, O_INIT, O_PROGRESS,
    O_CHECKPOINT_EVERY, O_RESUME, O_METHOD, O_MAX_DISTANCE, O_TRANSFORM, O_MASK, O_MASK_LAYER,
    O_MASK_WHERE, O_WEIGHT, O_SIGMA, O_DRAWS, O_SOLVER, O_STD, O_EXCEED, O_COVARIATES, O_CATEGORICAL,
    O_COVARIATE, O_GROUP,
    /* grid output */
    O_GRID, O_RESOLUTION, O_OF, O_CO, O_DST_CRS, O_LIKE, O_TAP, O_EXACT_RES, O_OT, O_NODATA,
    O_CONTOURS, O_CONTOURS_OUT,
    /* cv and plot */
    O_FOLDS, O_BLOCK, O_SAMPLES,
    /* plot */
    O_VECTOR, O_CMAP, O_VMIN, O_VMAX, O_LOG, O_UNITS, O_MARKER_SIZE, O_MARKER_ALPHA,
    O_OVERLAY, O_OVERLAY_LAYER,
    /* eval and cv */
    O_POOLED,
    O_COUNT
} opt_id;

typedef struct {
    opt_id id;
    const char *name;    /* "--epochs" or "-o" */
    int nargs;           /* 0 for a flag; >1 joins the arguments with commas (-te) */
    const char *metavar; /* "E", "XMIN,YMIN,XMAX,YMAX" */
    unsigned cmds;       /* commands that take it */
    const char *choices; /* "l1 mse huber" for completions, or NULL */
    const char *help;    /* NULL: an alias, documented with its long form */
} opt_spec;

extern const opt_spec opt_table[];
extern const size_t opt_table_len;

#define MAX_POSITIONAL 8
#define MAX_REPEAT 64

typedef struct {
    const char *cmd_name;
    unsigned cmd;
    const char *val[O_COUNT]; /* last value given; "1" for flags */
    char *joined[O_COUNT];    /* storage for multi-argument aliases */
    const char *co[MAX_REPEAT]; /* every --co, in order */
    int nco;
    const char *covariate[MAX_REPEAT]; /* every --covariate, in order */
    int ncovariate;
    const char *pos[MAX_POSITIONAL];
    int npos;
    int target_rasters; /* the input is --target NAME=RASTER,... (pos[0] is that list) */
} cli_args;

/* Parses argv[first..argc) for command cmd. Returns 0, or 2 after printing a
 * usage error. */
int args_parse(cli_args *a, const char *cmd_name, unsigned cmd, int argc, char **argv, int first);
void args_free(cli_args *a);
/* Refuses (usage error, printed) an option that does not apply given the
 * others, e.g. predict --where with --grid. Returns 0 or EXIT_USAGE. */
int options_check(const cli_args *a);
/* The name among names[0..n) within a small edit distance of word[0..len)
 * (a typo), or NULL: for "did you mean ...?". */
const char *suggest_name(const char *word, size_t len, const char *const *names, size_t n);

/* Strict typed getters: a malformed value is a usage error (exit 2, printed). */
int arg_long(const cli_args *a, opt_id id, long def, long min, long max, long *out);
int arg_double(const cli_args *a, opt_id id, double def, double min, double max, double *out);
/* Exactly n comma-separated numbers (or between nmin and n: *got tells). */
int arg_doubles(const cli_args *a, opt_id id, int nmin, int n, double *out, int *got);
/* Index of the value in the space-separated choices, or def when absent. */
int arg_choice(const cli_args *a, opt_id id, const char *choices, int def, int *out);
int parse_long_strict(const char *s, long *out);
int parse_double_strict(const char *s, double *out);

/* Option help for `geoembed help CMD`, to f. */
void options_help(unsigned cmd, void *f);
/* Machine-readable option list: "CMD OPTION NARGS METAVAR CHOICES" lines. */
void options_list(void *f);
const char *opt_long_name(opt_id id);

#endif
