/* Free cores from /proc/loadavg (cores.h). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/cores.h"

int ge_loadavg_running(const char *text)
{
    double a, b, c;
    int running, total;
    if (!text || sscanf(text, "%lf %lf %lf %d/%d", &a, &b, &c, &running, &total) != 5 ||
        running < 0 || total < running)
        return -1;
    return running;
}

int ge_stat_running(const char *text)
{
    /* "pid (comm) S ...": the command may hold spaces and parentheses */
    const char *p = text ? strrchr(text, ')') : NULL;
    if (!p || p[1] != ' ' || !p[2])
        return -1;
    return p[2] == 'R';
}

int ge_threads_for_load(int want, int cpus, int others)
{
    int free_cores = cpus - (others > 0 ? others : 0);
    if (want > free_cores)
        want = free_cores;
    return want < 1 ? 1 : want;
}

static int read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    return ok ? 0 : -1;
}

/* This process's runnable threads (a worker may not yet have gone to sleep
 * after the last parallel region), or -1. */
static int own_running(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    char path[320], line[512]; /* a task directory name is at most 255 bytes */
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || strlen(e->d_name) > 20)
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (read_line(path, line, sizeof line) == 0 && ge_stat_running(line) == 1)
            n++;
    }
    closedir(d);
    return n;
}

static int loadavg_running(void)
{
    char line[128];
    return read_line("/proc/loadavg", line, sizeof line) == 0 ? ge_loadavg_running(line) : -1;
}

int ge_threads_now(int want)
{
    if (want <= 1)
        return 1;
    /* a few small reads (10-80 microseconds): cheap beside a step of
     * milliseconds */
    int running = loadavg_running();
    if (running <= 1) /* the reader alone (or unreadable): every core is free */
        return want;
    /* a worker of ours may be running out its short spin after the last
     * parallel region and stop while the machine's count is read: ours are
     * those running before or after that read */
    int before = own_running();
    running = loadavg_running();
    int after = own_running();
    int mine = before > after ? before : after;
    if (running < 1 || mine < 1)
        return want;
    int cpus = want;
#ifdef _OPENMP
    cpus = omp_get_num_procs();
#endif
    return ge_threads_for_load(want, cpus, running - mine);
}
