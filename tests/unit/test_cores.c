/* cores.h: the free cores behind the trainer's thread count under load. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "geoembed/cores.h"

Test(cores, reads_the_running_tasks_of_loadavg)
{
    cr_assert_eq(ge_loadavg_running("0.52 0.58 0.59 3/467 12345\n"), 3);
    cr_assert_eq(ge_loadavg_running("12.00 8.50 4.25 17/2048 99"), 17);
    cr_assert_eq(ge_loadavg_running("0.52 0.58 0.59"), -1);
    cr_assert_eq(ge_loadavg_running("0.52 0.58 0.59 9/4 1"), -1, "more running than tasks");
    cr_assert_eq(ge_loadavg_running("load 3/467"), -1);
    cr_assert_eq(ge_loadavg_running(NULL), -1);
}

Test(cores, reads_a_task_state)
{
    cr_assert_eq(ge_stat_running("4321 (geoembed) R 1 4321 4321 0 -1"), 1);
    cr_assert_eq(ge_stat_running("4321 (geoembed) S 1 4321 4321 0 -1"), 0);
    /* a command name with spaces and parentheses ends at the last ')' */
    cr_assert_eq(ge_stat_running("77 (a) b (c) S 1 77"), 0);
    cr_assert_eq(ge_stat_running("77 (x) R) R 1 77"), 1);
    cr_assert_eq(ge_stat_running("77 (x)"), -1);
    cr_assert_eq(ge_stat_running("no state here"), -1);
}

Test(cores, threads_take_the_free_cores)
{
    cr_assert_eq(ge_threads_for_load(2, 2, 0), 2);
    cr_assert_eq(ge_threads_for_load(2, 2, 1), 1);
    cr_assert_eq(ge_threads_for_load(2, 2, 7), 1, "never fewer than one");
    cr_assert_eq(ge_threads_for_load(8, 16, 4), 8, "enough free cores");
    cr_assert_eq(ge_threads_for_load(8, 16, 10), 6);
    cr_assert_eq(ge_threads_for_load(4, 2, 0), 2, "not more than the cores");
    cr_assert_eq(ge_threads_for_load(1, 4, 0), 1, "not more than asked");
}

/* A spinning child process holds a core: this process is left the others. */
Test(cores, a_busy_process_takes_a_core)
{
    int cpus = 1;
#ifdef _OPENMP
    cpus = omp_get_num_procs();
#endif
    if (cpus < 2)
        cr_skip_test("one core: nothing to share");
    cr_assert_eq(ge_threads_now(1), 1);
    pid_t child = fork();
    cr_assert_geq(child, 0, "fork");
    if (child == 0) {
        for (volatile unsigned long k = 0;; k++)
            ;
    }
    /* the child spins from its start; a read that sums the run queues while
     * the kernel moves it between them may miss it once: the fewest of a few
     * reads, 20 ms apart */
    int got = cpus;
    for (int k = 0; k < 10 && got > cpus - 1; k++) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        int now = ge_threads_now(cpus);
        got = now < got ? now : got;
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_assert_leq(got, cpus - 1, "%d threads of %d with a core taken", got, cpus);
    cr_assert_geq(got, 1);
}
