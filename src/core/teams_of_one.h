/* CHOLMOD's OpenMP regions without libgomp's teams of one (see
 * teams_of_one.c). Internal to the library; linking the library into an
 * executable brings the interposed GOMP_parallel, omp_get_num_threads and
 * omp_get_thread_num with it. */
#ifndef GEOEMBED_TEAMS_OF_ONE_H
#define GEOEMBED_TEAMS_OF_ONE_H

/* The CHOLMOD regions the calling thread has run as plain calls so far
 * (for tests and benchmarks: 0 means every region went to libgomp). */
unsigned long ge_teams_of_one(void);

#endif
