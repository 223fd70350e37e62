/* Everything the command line says goes through here. Standard output carries
 * data only; messages go to standard error, filtered by level:
 *   0 silent (errors too: the ranks after the first of an MPI run), 1 errors,
 *   2 results and warnings (default), 3 progress and info. */
#ifndef GEOEMBED_CLI_DISPLAY_H
#define GEOEMBED_CLI_DISPLAY_H

#include "geoembed/error.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_SIGINT = 130, EXIT_SIGTERM = 143 };

extern int g_level;

void say(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "geoembed: CMD: what (see 'geoembed help CMD')"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "geoembed: what"; returns EXIT_RUNTIME. */
int runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The library's message, as a runtime error. */
int fail_with(const ge_error *e);
/* A silent process (the ranks after the first of an MPI run) keeps its first
 * error instead of printing it; this prints and forgets it (cluster.h: the
 * first process to fail speaks for the run). */
void display_release(void);

#endif
