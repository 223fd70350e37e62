/* A CSV input read by shares (cluster.h): each process parses the rows that
 * start in its part of the file; then either it keeps them (shares.c) or
 * every process receives them all, in the file's order (the join below),
 * so that every later step is the one of a whole read.
 *
 * The cut: the data bytes [D, B) after the header are split in R equal
 * parts; process r (> 0) starts at the first line that begins in its part
 * outside quotes (a newline inside a quoted field starts no row). Whether a
 * byte lies inside quotes is the parity of the quotes before it (RFC 4180:
 * an escaped quote is two), so each process scans its part once, counting
 * quotes and newlines and noting its first newline for either parity before
 * it; one gather of those counts gives every process every start and the
 * line number it begins on. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <petscsys.h>

#include "cluster.h"
#include "display.h"
#include "inputs.h"

/* What a process found in its part [t_r, t_{r+1}) of the file. */
enum { QUOTES, NEWLINES, FIRST_EVEN, FIRST_ODD, LINES_EVEN, LINES_ODD, NSCAN };

static long long part_start(long long D, long long B, int r, int R)
{
    if (r == 0)
        return D;
    if (r == R)
        return B;
    /* one byte early: a newline there starts a line at the nominal start */
    long long s = D + (long long)((double)(B - D) * r / R) - 1;
    return s < D ? D : s;
}

/* Scans bytes [t0, t1) of f: v[QUOTES] the quotes' parity, v[NEWLINES] the
 * newlines, v[FIRST_p] the offset of the first newline with p (0 even, 1
 * odd) quotes before it in the part, -1 if none, v[LINES_p] the newlines up
 * to it included. 0, or -1 on a read error. */
static int scan(FILE *f, long long t0, long long t1, long long v[NSCAN])
{
    static unsigned char buf[1 << 16];
    long long at = t0, q = 0, nl = 0;
    v[FIRST_EVEN] = v[FIRST_ODD] = -1;
    v[LINES_EVEN] = v[LINES_ODD] = 0;
    if (t1 > t0 && fseeko(f, (off_t)t0, SEEK_SET) != 0)
        return -1;
    while (at < t1) {
        size_t want = t1 - at < (long long)sizeof buf ? (size_t)(t1 - at) : sizeof buf;
        size_t got = fread(buf, 1, want, f);
        if (got == 0)
            return -1; /* the file shrank, or a read error */
        for (size_t i = 0; i < got; i++) {
            if (buf[i] == '"') {
                q ^= 1;
            } else if (buf[i] == '\n') {
                nl++;
                if (v[FIRST_EVEN + q] < 0) {
                    v[FIRST_EVEN + q] = at + (long long)i;
                    v[LINES_EVEN + q] = nl;
                }
            }
        }
        at += (long long)got;
    }
    v[QUOTES] = q;
    v[NEWLINES] = nl;
    return 0;
}

int cluster_csv_share(void *ctx, const char *path, long long D, long data_line,
                      long long *begin, long long *end, long *line, ge_error *err)
{
    (void)ctx;
    const int R = cluster_size(), rank = cluster_rank();
    /* every process has read the header, or none goes on */
    if (cluster_agree(0))
        return ge_fail(err, "another process failed");
    long long v[NSCAN] = {0}, B = 0, *all = malloc((size_t)R * NSCAN * sizeof *all);
    int rc = 0;
    FILE *f = fopen(path, "rb");
    if (!f || fseeko(f, 0, SEEK_END) != 0 || (B = (long long)ftello(f)) < D ||
        scan(f, part_start(D, B, rank, R), part_start(D, B, rank + 1, R), v))
        rc = runtime_error("%s: cannot read its part of the file (process %d): %s", path, rank,
                           errno ? strerror(errno) : "it changed while being read");
    if (f)
        fclose(f);
    if (!all && !rc)
        rc = runtime_error("out of memory");
    if (cluster_agree(rc)) {
        free(all);
        return ge_fail(err, "the processes could not share %s", path);
    }
    (void)MPI_Allgather(v, NSCAN, MPI_LONG_LONG, all, NSCAN, MPI_LONG_LONG, PETSC_COMM_WORLD);
    long long start = B, first = B; /* the next process's start, and its line */
    long at_line = 0;
    for (int r = R - 1; r >= 0; r--) {
        long long parity = 0;
        long lines = data_line;
        for (int k = 0; k < r; k++) {
            parity ^= all[k * NSCAN + QUOTES] & 1;
            lines += (long)all[k * NSCAN + NEWLINES];
        }
        const long long *u = all + (size_t)r * NSCAN;
        if (r == 0) {
            first = D;
            at_line = data_line;
        } else if (u[FIRST_EVEN + parity] >= 0) {
            first = u[FIRST_EVEN + parity] + 1;
            at_line = lines + (long)u[LINES_EVEN + parity];
        } /* else: no line starts in r's part; its share is empty */
        if (r == rank) {
            *begin = first;
            *end = start;
            *line = at_line;
        }
        start = first;
    }
    free(all);
    return 0;
}

/* Counts and places of `unit` values a row (MPI counts in ints: checked
 * for the largest unit before). */
static void counts_of(const unsigned long long *M, int R, int unit, int *count, int *displ)
{
    long long at = 0;
    for (int r = 0; r < R; r++) {
        count[r] = (int)M[r] * unit;
        displ[r] = (int)at;
        at += count[r];
    }
}

int cluster_samples_join(const char *path, ge_samples *s, int weights, int suspects)
{
    /* the shares' counts first (said, the skipped rows summed) unless kept */
    int rc = cluster_samples_kept() ? cluster_agree(0) : cluster_samples_keep(path, s);
    cluster_samples_unkeep();
    if (rc)
        return rc;
    const int R = cluster_size(), O = s->O;
    unsigned long long mine = s->M, *M = malloc((size_t)R * sizeof *M), total = 0;
    int *count = malloc((size_t)R * sizeof *count), *displ = malloc((size_t)R * sizeof *displ);
    double *xy = NULL, *y = NULL, *w = NULL;
    long *lines = NULL;
    if (!M || !count || !displ)
        rc = runtime_error("out of memory");
    if (!rc) {
        (void)MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, M, 1, MPI_UNSIGNED_LONG_LONG,
                            PETSC_COMM_WORLD);
        for (int r = 0; r < R; r++)
            total += M[r];
        xy = malloc((total ? total : 1) * 2 * sizeof *xy);
        y = malloc((total ? total : 1) * (size_t)(O ? O : 1) * sizeof *y);
        lines = malloc((total ? total : 1) * sizeof *lines);
        w = weights ? malloc((total ? total : 1) * sizeof *w) : NULL;
        if (!xy || !y || !lines || (weights && !w))
            rc = runtime_error("out of memory for the %llu samples of all processes", total);
        else if (total * (unsigned long long)(O > 2 ? O : 2) > (unsigned long long)INT_MAX)
            rc = runtime_error("%llu samples: more values than MPI's counts hold", total);
    }
    if ((rc = cluster_agree(rc)))
        goto done;
    /* each array in the processes' order: the file's */
    counts_of(M, R, 2, count, displ);
    (void)MPI_Allgatherv(s->xy, count[cluster_rank()], MPI_DOUBLE, xy, count, displ, MPI_DOUBLE,
                         PETSC_COMM_WORLD);
    if (O) {
        counts_of(M, R, O, count, displ);
        (void)MPI_Allgatherv(s->y, count[cluster_rank()], MPI_DOUBLE, y, count, displ,
                             MPI_DOUBLE, PETSC_COMM_WORLD);
    }
    counts_of(M, R, 1, count, displ);
    (void)MPI_Allgatherv(s->lines, count[cluster_rank()], MPI_LONG, lines, count, displ,
                         MPI_LONG, PETSC_COMM_WORLD);
    if (weights)
        (void)MPI_Allgatherv(s->w, count[cluster_rank()], MPI_DOUBLE, w, count, displ,
                             MPI_DOUBLE, PETSC_COMM_WORLD);
    free(s->xy), free(s->y), free(s->lines), free(s->w);
    s->xy = xy, s->y = y, s->lines = lines, s->w = w;
    xy = y = w = NULL, lines = NULL;
    s->M = (size_t)total;
    ge_error err;
    /* every process alike: the same rows, the same choice */
    if (suspects && ge_samples_leave_out_suspects(s, &err))
        rc = fail_with(&err);
done:
    free(M), free(count), free(displ), free(xy), free(y), free(w), free(lines);
    return rc;
}
