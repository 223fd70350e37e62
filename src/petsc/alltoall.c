/* Rows of doubles from every process to every process (see alltoall.h). */
#include <limits.h>
#include <stdlib.h>

#include "alltoall.h"

/* Displacements of counts c[R] (in doubles) into d; their sum, or -1 past
 * MPI's int. */
static long long place(const int *c, int *d, int R)
{
    long long at = 0;
    for (int r = 0; r < R; r++) {
        d[r] = (int)at;
        at += c[r];
        if (at > INT_MAX)
            return -1;
    }
    return at;
}

int ge_alltoall_rows(MPI_Comm comm, const double *out, const size_t *count, int width,
                     double **in, size_t *got, ge_error *err)
{
    int R, bad = 0, any;
    MPI_Comm_size(comm, &R);
    int *sc = malloc(4 * (size_t)R * sizeof *sc), *sd = sc + R, *rc = sc + 2 * R, *rd = sc + 3 * R;
    *in = NULL;
    *got = 0;
    for (int r = 0; sc && r < R && !bad; r++) {
        bad = count[r] > (size_t)INT_MAX / (size_t)width;
        sc[r] = bad ? 0 : (int)(count[r] * (size_t)width);
    }
    bad = bad || !sc || place(sc, sd, R) < 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any) {
        free(sc);
        return ge_fail(err, "more values to send than MPI's counts hold, or out of memory: run "
                            "on more processes");
    }
    MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, comm);
    long long total = place(rc, rd, R);
    *in = total >= 0 ? malloc((total ? (size_t)total : 1) * sizeof **in) : NULL;
    bad = !*in;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any) {
        free(sc);
        free(*in);
        *in = NULL;
        return ge_fail(err, "more values to receive than MPI's counts hold, or out of memory: "
                            "run on more processes");
    }
    MPI_Alltoallv(out, sc, sd, MPI_DOUBLE, *in, rc, rd, MPI_DOUBLE, comm);
    *got = (size_t)total / (size_t)width;
    free(sc);
    return 0;
}
