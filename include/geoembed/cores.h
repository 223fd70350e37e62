/* How many of the machine's cores are free of other processes now.
 *
 * A step of many short parallel phases (the reference trainer's dense step:
 * a dozen barriers in 10 ms) runs slower on two threads than on one when
 * another process holds a core: at each barrier one thread waits for a
 * partner the kernel has descheduled. Linux counts the runnable tasks of
 * the whole machine in /proc/loadavg (its fourth field, "running/total");
 * read between parallel regions, every runnable task but this process's
 * own running threads (the reader, and a worker running out its short spin:
 * /proc/self/task) is another's. */
#ifndef GEOEMBED_CORES_H
#define GEOEMBED_CORES_H

/* The runnable tasks in the text of /proc/loadavg ("0.52 0.58 0.59 3/467
 * 12345" gives 3), or -1 when the text is not of that form. */
int ge_loadavg_running(const char *text);

/* 1 when the text of /proc/PID/stat says the task is running (or
 * runnable), 0 when it waits, -1 when it is not of that form. */
int ge_stat_running(const char *text);

/* Threads to run of want on cpus cores while others tasks of other
 * processes are runnable: the free cores, at least 1 and at most want. */
int ge_threads_for_load(int want, int cpus, int others);

/* ge_threads_for_load with this machine's cores, /proc/loadavg and this
 * process's running threads now (want itself where they cannot be read). */
int ge_threads_now(int want);

#endif
