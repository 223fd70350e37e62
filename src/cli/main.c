/* geoembed: learn a spatial field from point samples and write it as a map.
 *
 * This file only dispatches: each command lives in cmd_<name>.c, the option
 * table in options.c, messages in display.c. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "geoembed/gdal_lib.h"
#include "geoembed/isa.h"
#include "commands.h"
#include "display.h"
#include "gdal_messages.h"
#include "heap_policy.h"
#include "options.h"

#ifndef GEOEMBED_VERSION
#define GEOEMBED_VERSION "0.1.0"
#endif

typedef struct {
    const char *name;
    unsigned bit;
    int (*run)(cli_args *);
    const char *synopsis;
    const char *summary;
} command;

static const command commands[] = {
    {"fit", C_FIT, cmd_fit,
     "fit INPUT... -o MODEL [options]\n       geoembed fit --target NAME=RASTER[:BAND],... -o "
     "MODEL [options]",
     "train a model on samples"},
    {"predict", C_PREDICT, cmd_predict,
     "predict MODEL --grid OUT [options]\n       geoembed predict MODEL POINTS [-o OUT]",
     "write the field as a grid, or predictions at points"},
    {"eval", C_EVAL, cmd_eval, "eval MODEL INPUT [--json]",
     "error metrics of a model on labelled samples"},
    {"info", C_INFO, cmd_info, "info MODEL [--json]", "what a model file holds"},
    {"plot", C_PLOT, cmd_plot, "plot MODEL -o PICTURE.{png,svg,pdf} [options]",
     "the field as a figure: colour maps, arrows (PNG, SVG, PDF)"},
    {"fill", C_FILL, cmd_fill, "fill INPUT -o OUTPUT [--band B,...] [--max-distance PIXELS]",
     "fill the holes of a raster from a model of its valid pixels"},
    {"cv", C_CV, cmd_cv,
     "cv INPUT [fit options] [--folds K] [--block SIZE] [--json]\n       geoembed cv --target "
     "NAME=RASTER[:BAND],... [fit options] [--folds K] [--block SIZE] [--json]",
     "cross-validated error of a fit's settings"},
};
enum { NCOMMANDS = sizeof commands / sizeof *commands };

static const command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* "unknown command 'fitt'; did you mean 'fit'?" (also for top-level options). */
static int unknown_command(const char *word)
{
    const char *names[NCOMMANDS + 5] = {"help", "--help", "--version", "--list-options"};
    size_t n = 4;
    for (int i = 0; i < NCOMMANDS; i++)
        names[n++] = commands[i].name;
    const char *near = suggest_name(word, strlen(word), names, n);
    const char *what = word[0] == '-' ? "option" : "command";
    if (near)
        return usage_error(NULL, "unknown %s '%s'; did you mean '%s'?", what, word, near);
    return usage_error(NULL, "unknown %s '%s'", what, word);
}

static void usage(FILE *f)
{
    fputs("usage: geoembed COMMAND [options]\n\n"
          "Learn a spatial field from point samples and write it as a map.\n\ncommands:\n",
          f);
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n  geoembed help COMMAND     options of a command\n"
          "  geoembed --version       version\n\n"
          "Exit status: 0 success, 1 runtime failure, 2 usage error,\n"
          "130/143 fit interrupted by SIGINT/SIGTERM (the model so far is saved).\n"
          "See man geoembed.\n",
          f);
}

static void command_help(const command *c)
{
    printf("usage: geoembed %s\n\n%s.\n\noptions:\n", c->synopsis, c->summary);
    options_help(c->bit, stdout);
    printf("\nSee man geoembed-%s.\n", c->name);
}

/* Help and version text: a write error (a full disk, a closed pipe) fails the run. */
static int written(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return EXIT_OK;
    return runtime_error("write error on standard output: %s", strerror(errno));
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return written();
    }
    if (!strcmp(cmd, "--version")) {
        printf("geoembed %s\n", GEOEMBED_VERSION);
        return written();
    }
    if (!strcmp(cmd, "--list-options")) { /* for the man pages and completions */
        options_list(stdout);
        return written();
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return written();
        }
        const command *c = find_command(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        command_help(c);
        return written();
    }
    const command *c = find_command(cmd);
    if (!c)
        return unknown_command(cmd);
    /* a cap on the vector unit that names none is a mistake, not a default */
    const char *simd = getenv("GEOEMBED_SIMD");
    if (simd && *simd && ge_isa_parse(simd) < 0)
        return usage_error(NULL, "GEOEMBED_SIMD: expected generic, avx2 or avx512, got '%s'", simd);
    if (cluster_size() > 1 && c->bit != C_FIT && c->bit != C_PREDICT)
        return runtime_error("%s runs on one process; under mpirun only fit and predict --grid "
                             "spread over the processes",
                             c->name);
    ge_gdal_lib.on_open = gdal_messages_init; /* when GDAL is first used */
    cli_args a;
    int rc = args_parse(&a, c->name, c->bit, argc, argv, 2);
    if (rc == 0 && a.val[O_HELP]) {
        command_help(c);
        rc = written();
    } else if (rc == 0 && (rc = options_check(&a)) == 0) {
        if (a.val[O_QUIET])
            g_level = 1;
        else if (a.val[O_VERBOSE])
            g_level = 3;
        if (cluster_rank() > 0)
            g_level = 0;
        rc = c->run(&a);
    }
    args_free(&a);
    return rc;
}

int main(int argc, char **argv)
{
    heap_policy();
    int rc = cluster_start();
    if (rc)
        return cluster_finish(rc);
    if (cluster_rank() > 0)
        g_level = 0;
    if ((rc = cluster_same_command(argc, argv)))
        return cluster_finish(rc);
    return cluster_finish(run(argc, argv));
}
