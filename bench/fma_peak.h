/* The machine's multiply-add peak (fma_peak.c). */
#ifndef GEOEMBED_BENCH_FMA_PEAK_H
#define GEOEMBED_BENCH_FMA_PEAK_H

#include "geoembed/isa.h"

/* GFLOP per second of thread CPU time (a multiply-add is two flops) of iters
 * rounds of independent multiply-adds on isa, which the CPU must support.
 * The loop's result is added to *sink so that it is not optimised away. */
double fma_peak_gflops(ge_isa isa, long iters, double *sink);

/* iters rounds of the multiply-add loop on isa (no timing); its result. */
double fma_loop(ge_isa isa, long iters);

/* The flops of fma_loop(isa, iters). */
double fma_loop_flop(ge_isa isa, long iters);

#endif
