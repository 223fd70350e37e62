/* The model file of an MPI run, written by stripes (model_stripes.h): each
 * process compresses its rows of the embedding and writes them at their
 * place through MPI-IO, rank 0 the head, the rest and the frame; the file
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

/* Every process's parts written into tmp (collective). */
static int write_parts(const char *path, const char *tmp, const ge_model_part *head,
                       const ge_model_part *mine, const ge_model_part *rest)
{
    const int R = cluster_size(), rank = cluster_rank();
    MPI_Comm comm = PETSC_COMM_WORLD;
    uint64_t d[4], hr[8], *all = malloc((size_t)R * 4 * sizeof *all);
    if (!all)
        return runtime_error("out of memory");
    describe(mine, d);
    (void)MPI_Allgather(d, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, comm);
    if (rank == 0)
        describe(head, hr), describe(rest, hr + 4);
    (void)MPI_Bcast(hr, 8, MPI_UINT64_T, 0, comm);
    MPI_Offset off = GE_STRIPES_LEAD + (MPI_Offset)hr[0], end;
    for (int r = 0; r < rank; r++)
        off += (MPI_Offset)all[4 * r];
    end = GE_STRIPES_LEAD + (MPI_Offset)hr[0];
    for (int r = 0; r < R; r++)
        end += (MPI_Offset)all[4 * r];

    MPI_File fh;
    int code = MPI_File_open(comm, tmp, MPI_MODE_WRONLY, MPI_INFO_NULL, &fh), rc = 0;
    if (code != MPI_SUCCESS) {
        free(all);
        return mpi_failed(path, "cannot open for the processes' writes", code);
    }
    if (write_at(fh, off, mine->z, mine->zlen))
        rc = runtime_error("%s: write failed (process %d)", path, rank);
    if (rank == 0 && !rc) { /* the frame from every part's sizes and checksums */
        ge_model_part *parts = calloc((size_t)R + 2, sizeof *parts);
        unsigned char lead[GE_STRIPES_LEAD], trail[GE_STRIPES_TRAIL];
        if (!parts) {
            rc = runtime_error("out of memory");
        } else {
            described(&parts[0], hr);
            for (int r = 0; r < R; r++)
                described(&parts[1 + r], all + 4 * r);
            described(&parts[R + 1], hr + 4);
            ge_model_stripes_frame(parts, (size_t)R + 2, lead, trail);
            free(parts);
            if (write_at(fh, 0, lead, GE_STRIPES_LEAD) ||
                write_at(fh, GE_STRIPES_LEAD, head->z, head->zlen) ||
                write_at(fh, end, rest->z, rest->zlen) ||
                write_at(fh, end + (MPI_Offset)rest->zlen, trail, GE_STRIPES_TRAIL))
                rc = runtime_error("%s: write failed", path);
        }
    }
    if (MPI_File_sync(fh) != MPI_SUCCESS && !rc)
        rc = runtime_error("%s: write failed (process %d)", path, rank);
    MPI_File_close(&fh);
    free(all);
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

int cluster_model_save(const char *path, const ge_model *m, const ge_meta *meta)
{
    ge_error err;
    if (cluster_size() == 1)
        return ge_model_save(path, m, meta, &err) ? fail_with(&err) : 0;
    const int rank = cluster_rank();
    const size_t row = (size_t)m->s.H * m->s.N;
    ge_model_part head = {0}, mine = {0}, rest = {0};
    ge_outfile out = {0};
    int rc = 0, w0, w1;
    if (rank == 0) {
        if (ge_outfile_open(&out, path, &err))
            rc = fail_with(&err);
        else if (!out.tmp) /* a stream: its bytes come in order, from one writer */
            rc = runtime_error("%s: a model of several processes is written to a regular file",
                               path);
        if (!rc && (ge_model_part_head(&head, m, meta, &err) ||
                    ge_model_part_rest(&rest, m, meta, &err)))
            rc = fail_with(&err);
    }
    ge_stripe_rows(m->s.W, rank, cluster_size(), &w0, &w1);
    if (!rc && ge_model_part_stripe(&mine, m->params + (size_t)w0 * row,
                                    (size_t)(w1 - w0) * row, &err))
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
            rc = cluster_agree(write_parts(path, tmp, &head, &mine, &rest));
        }
        free(tmp);
    }
    if (rank == 0) {
        if (!rc && ge_outfile_commit(&out, &err))
            rc = fail_with(&err);
        else if (rc)
            ge_outfile_abort(&out);
    }
    ge_model_part_free(&head);
    ge_model_part_free(&mine);
    ge_model_part_free(&rest);
    return cluster_agree(rc);
}
