/* The model file of an MPI run, written by stripes (model_stripes.h): each
 * process compresses its rows of the embedding and of the coverage and
 * writes them at their place through MPI-IO, rank 0 the head, the rest's
 * lead and tail and the frame; the file
 * is rank 0's temporary (outfile.h), renamed into place once every process
 * has written, so a failure anywhere leaves nothing behind. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <petscsys.h>

#include "cluster.h"
#include "display.h"
#include "geoembed/model_stripes.h"
#include "geoembed/outfile.h"

/* A part's sizes and checksums, to travel between the processes. */
static void describe(const ge_model_part *p, uint64_t d[4])
{
    d[0] = p->zlen, d[1] = p->raw, d[2] = p->adler, d[3] = p->crc;
}

static void described(ge_model_part *p, const uint64_t d[4])
{
    p->zlen = d[0], p->raw = d[1], p->adler = (uint32_t)d[2], p->crc = (uint32_t)d[3];
}

/* n bytes at offset off, in slices that MPI's int counts hold. */
static int write_at(MPI_File fh, MPI_Offset off, const unsigned char *p, uint64_t n)
{
    for (uint64_t done = 0; done < n;) {
        int k = n - done > (1u << 30) ? (1 << 30) : (int)(n - done);
        if (MPI_File_write_at(fh, off + (MPI_Offset)done, p + done, k, MPI_BYTE,
                              MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
        done += (uint64_t)k;
    }
    return 0;
}

static int mpi_failed(const char *path, const char *what, int code)
{
    char msg[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(code, msg, &n);
    return runtime_error("%s: %s: %s", path, what, n ? msg : "MPI-IO error");
}

/* The parts of the file in order (model_stripes.h) for R processes: the
 * head, R stripes of E, the rest's lead, R stripes of the coverage, the
 * tail. Each process holds its two stripes, rank 0 also the head, lead and
 * tail. */
enum { HEAD, LEAD, TAIL, OWN_E = 0, OWN_COVERAGE = 1 };

/* Every process's parts written into tmp (collective): rank 0's three,
 * mine[2] of each. */
static int write_parts(const char *path, const char *tmp, const ge_model_part rest[3],
                       const ge_model_part mine[2])
{
    const int R = cluster_size(), rank = cluster_rank();
    const size_t np = 2 * (size_t)R + 3;
    MPI_Comm comm = PETSC_COMM_WORLD;
    uint64_t d[8], r0[12], *all = malloc((size_t)R * 8 * sizeof *all);
    ge_model_part *parts = calloc(np, sizeof *parts);
    MPI_Offset *off = malloc((np + 1) * sizeof *off);
    if (!all || !parts || !off) {
        free(all), free(parts), free(off);
        return runtime_error("out of memory");
    }
    describe(&mine[OWN_E], d), describe(&mine[OWN_COVERAGE], d + 4);
    (void)MPI_Allgather(d, 8, MPI_UINT64_T, all, 8, MPI_UINT64_T, comm);
    if (rank == 0)
        for (int k = 0; k < 3; k++)
            describe(&rest[k], r0 + 4 * k);
    (void)MPI_Bcast(r0, 12, MPI_UINT64_T, 0, comm);
    described(&parts[0], r0 + 4 * HEAD);
    described(&parts[R + 1], r0 + 4 * LEAD);
    described(&parts[np - 1], r0 + 4 * TAIL);
    for (int r = 0; r < R; r++) {
        described(&parts[1 + r], all + 8 * r);
        described(&parts[(size_t)R + 2 + r], all + 8 * r + 4);
    }
    off[0] = GE_STRIPES_LEAD;
    for (size_t k = 0; k < np; k++)
        off[k + 1] = off[k] + (MPI_Offset)parts[k].zlen;

    MPI_File fh;
    int code = MPI_File_open(comm, tmp, MPI_MODE_WRONLY, MPI_INFO_NULL, &fh), rc = 0;
    if (code != MPI_SUCCESS) {
        free(all), free(parts), free(off);
        return mpi_failed(path, "cannot open for the processes' writes", code);
    }
    if (write_at(fh, off[1 + rank], mine[OWN_E].z, mine[OWN_E].zlen) ||
        write_at(fh, off[(size_t)R + 2 + rank], mine[OWN_COVERAGE].z, mine[OWN_COVERAGE].zlen))
        rc = runtime_error("%s: write failed (process %d)", path, rank);
    if (rank == 0 && !rc) { /* the frame from every part's sizes and checksums */
        unsigned char lead[GE_STRIPES_LEAD], trail[GE_STRIPES_TRAIL];
        ge_model_stripes_frame(parts, np, lead, trail);
        if (write_at(fh, 0, lead, GE_STRIPES_LEAD) ||
            write_at(fh, off[0], rest[HEAD].z, rest[HEAD].zlen) ||
            write_at(fh, off[R + 1], rest[LEAD].z, rest[LEAD].zlen) ||
            write_at(fh, off[np - 1], rest[TAIL].z, rest[TAIL].zlen) ||
            write_at(fh, off[np], trail, GE_STRIPES_TRAIL))
            rc = runtime_error("%s: write failed", path);
    }
    if (MPI_File_sync(fh) != MPI_SUCCESS && !rc)
        rc = runtime_error("%s: write failed (process %d)", path, rank);
    MPI_File_close(&fh);
    free(all), free(parts), free(off);
    return rc;
}

/* path from the root (a copy): the processes may start in other directories. */
static char *absolute(const char *path)
{
    char cwd[4096];
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
        return strdup(path);
    char *p = malloc(strlen(cwd) + strlen(path) + 2);
    if (p)
        sprintf(p, "%s/%s", cwd, path);
    return p;
}

/* This process's stripes of E and of the coverage: the rows of its stripe,
 * from a part of the model that holds them (a striped fit) or the whole. */
static int own_parts(const ge_model *m, ge_model_part mine[2], ge_error *err)
{
    const size_t H = (size_t)m->s.H, row = H * (size_t)m->s.N;
    int w0, w1;
    ge_stripe_rows(m->s.W, cluster_rank(), cluster_size(), &w0, &w1);
    if (m->part && (m->row0 != w0 || m->rows != w1 - w0))
        return ge_fail(err, "the part of rows %d to %d is not this process's stripe (%d to %d)",
                       m->row0, m->row0 + m->rows - 1, w0, w1 - 1);
    /* a part's embedding row p0 is its first row (model.h) */
    const size_t e0 = m->part ? (size_t)(m->s.p0 > 0 ? m->s.p0 : 0) : (size_t)w0;
    const size_t c0 = m->part ? 0 : (size_t)w0 * H, rows = (size_t)(w1 - w0);
    if (ge_model_part_stripe(&mine[OWN_E], m->params + e0 * row, rows * row, err))
        return -1;
    return ge_model_part_coverage(&mine[OWN_COVERAGE], m->coverage ? m->coverage + c0 : NULL,
                                  m->coverage ? rows * H : 0, err);
}

int cluster_model_save(const char *path, const ge_model *m, const ge_meta *meta)
{
    ge_error err;
    if (cluster_size() == 1)
        return ge_model_save(path, m, meta, &err) ? fail_with(&err) : 0;
    const int rank = cluster_rank();
    ge_model_part rest[3] = {{0}}, mine[2] = {{0}};
    ge_outfile out = {0};
    int rc = 0;
    if (rank == 0) {
        if (ge_outfile_open(&out, path, &err))
            rc = fail_with(&err);
        else if (!out.tmp) /* a stream: its bytes come in order, from one writer */
            rc = runtime_error("%s: a model of several processes is written to a regular file",
                               path);
        if (!rc && (ge_model_part_head(&rest[HEAD], m, meta, &err) ||
                    ge_model_part_rest_lead(&rest[LEAD], m, &err) ||
                    ge_model_part_rest_tail(&rest[TAIL], m, meta, &err)))
            rc = fail_with(&err);
    }
    if (!rc && own_parts(m, mine, &err))
        rc = fail_with(&err);
    if (!(rc = cluster_agree(rc))) {
        /* rank 0's temporary name, absolute, for every process to open */
        char *tmp = rank == 0 ? absolute(out.tmp) : NULL;
        long len = tmp ? (long)strlen(tmp) + 1 : 0;
        cluster_bcast(&len, 1);
        if (rank > 0 && len > 0)
            tmp = malloc((size_t)len);
        if (!tmp)
            rc = runtime_error("out of memory");
        rc = cluster_agree(rc);
        if (!rc) {
            (void)MPI_Bcast(tmp, (int)len, MPI_CHAR, 0, PETSC_COMM_WORLD);
            rc = cluster_agree(write_parts(path, tmp, rest, mine));
        }
        free(tmp);
    }
    if (rank == 0) {
        if (!rc && ge_outfile_commit(&out, &err))
            rc = fail_with(&err);
        else if (rc)
            ge_outfile_abort(&out);
    }
    for (int k = 0; k < 3; k++)
        ge_model_part_free(&rest[k]);
    for (int k = 0; k < 2; k++)
        ge_model_part_free(&mine[k]);
    return cluster_agree(rc);
}
