/* OpenMP worker threads that wait for work by spinning take the CPU from the
 * thread doing the work when another process shares the machine (measured: a
 * default fit 2.7x slower on 2 threads than on 1 with one competing process;
 * with passive waiting, 2 threads were as fast or faster). libgomp reads
 * OMP_WAIT_POLICY once, when it is loaded, before main: this sets it to
 * passive from the program's pre-initialisers, which run before any shared
 * library's constructors. A user's own setting wins. */
#include <stdlib.h>

static void passive_wait(void) { setenv("OMP_WAIT_POLICY", "passive", 0); }

__attribute__((section(".preinit_array"), used)) static void (*const wait_policy)(void) =
    passive_wait;
