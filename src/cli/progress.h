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

#endif
