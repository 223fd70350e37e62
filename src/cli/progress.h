/* Training progress on standard error: a live bar on a terminal, a line every
 * few epochs otherwise, nothing when quiet. */
#ifndef GEOEMBED_CLI_PROGRESS_H
#define GEOEMBED_CLI_PROGRESS_H

typedef struct {
    int live;       /* redraw one line (stderr is a terminal) */
    int every;      /* otherwise print a line every N epochs; 0: never */
    int each_epoch; /* --verbose: every epoch's exact loss */
    double start;
    double last_draw; /* the live bar redraws at most ten times a second */
    const char *label;
} progress;

void progress_init(progress *p, long epochs, int forced, const char *label);
void progress_epoch(void *ctx, long epoch, long epochs, double train, double valid);
void progress_done(progress *p);
double now_seconds(void);

/* Progress of a phase counted in units (rows read, grid rows written): a live
 * line on a terminal once the phase has taken a second, nothing otherwise or
 * when quiet. */
typedef struct {
    int live;
    double start, last_draw;
    const char *label, *unit;
    int drawn;
} counter;

/* unit "%": a percentage alone ("LABEL: 42% (ETA 3s)"). */
void counter_init(counter *c, const char *label, const char *unit);
/* total 0: unknown (a count without a percentage). */
void counter_update(counter *c, double done, double total);
void counter_done(counter *c);

/* Progress of the library's phases (ge_learn_opts.progress) or of a
 * command's steps: a counter of UNIT per phase, labelled "PREFIX: PHASE";
 * forced shows it off a terminal too. */
typedef struct {
    counter c;
    const char *prefix, *unit;
    char label[96];
    int forced, started;
} phase_progress;

void phase_progress_init(phase_progress *p, const char *prefix, const char *unit, int forced);
void phase_progress_update(void *ctx, const char *phase, long done, long total);
void phase_progress_done(phase_progress *p);

#endif
