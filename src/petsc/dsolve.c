/* The default model's normal equations across MPI processes (see dsolve.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <petscdmda.h>
#include <petscksp.h>

#include "geoembed/curvature.h"
#include "geoembed/memory.h"
#include "geoembed/model_stripes.h"
#include "dsolve.h"

struct ge_dsolver {
    MPI_Comm comm;
    MPI_Comm node; /* the processes of comm that share this one's memory */
    int W, H, wx, wy;
    DM da;
    Mat A;
    KSP ksp;
    Vec b, x;           /* right-hand side, solution */
    Vec rows;           /* the rows of the solution asked for last (ge_dsolver_rows) */
    VecScatter to_rows;
    int row0, nrows;
    PetscInt xs, xm, ys, ym; /* own block: h in [xs, xs+xm), w in [ys, ys+ym) */
    PetscInt px, py;
    PetscInt *hstart, *wstart; /* [px+1], [py+1]: first h (w) of each process column (row) */
    ge_dsolve_stats st;
};

/* A PETSc call that fails: its message into err, then to the cleanup label. */
#define TRY(call)                                                                          \
    do {                                                                                   \
        PetscErrorCode e_ = (call);                                                        \
        if (e_) {                                                                          \
            const char *text_ = NULL;                                                      \
            PetscErrorMessage(e_, &text_, NULL);                                           \
            ge_fail(err, "PETSc: %s (in %s)", text_ ? text_ : "error", #call);             \
            goto fail;                                                                     \
        }                                                                                  \
    } while (0)

/* Index of the interval of starts[0..n] (increasing) that holds v. */
static PetscInt interval(const PetscInt *starts, PetscInt n, PetscInt v)
{
    PetscInt lo = 0, hi = n - 1;
    while (lo < hi) {
        PetscInt mid = (lo + hi + 1) / 2;
        if (starts[mid] <= v)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* PETSc's global index of cell c = w*H + h: the processes are numbered
 * along x (h) first, each numbers its block row by row. Computed from the
 * ownership ranges alone, so that no process holds a map of the grid. */
static PetscInt global_index(const ge_dsolver *s, size_t c)
{
    PetscInt w = (PetscInt)(c / (size_t)s->H), h = (PetscInt)(c % (size_t)s->H);
    PetscInt pi = interval(s->hstart, s->px, h), pj = interval(s->wstart, s->py, w);
    PetscInt bw = s->hstart[pi + 1] - s->hstart[pi], bh = s->wstart[pj + 1] - s->wstart[pj];
    PetscInt offset = s->wstart[pj] * (PetscInt)s->H + bh * s->hstart[pi];
    return offset + (w - s->wstart[pj]) * bw + (h - s->hstart[pi]);
}

/* The matrix, preallocated row by row for the 13-point pattern that the
 * penalty and the read-out fill (the DMDA's own matrix allocates its box
 * stencil, 25 entries a row). Rows in the DMDA's layout. */
static int create_matrix(ge_dsolver *s, ge_error *err)
{
    static const int off[13][2] = {{0, 0},  {1, 0},  {-1, 0}, {0, 1},  {0, -1},
                                   {2, 0},  {-2, 0}, {0, 2},  {0, -2}, {1, 1},
                                   {1, -1}, {-1, 1}, {-1, -1}};
    const PetscInt n = s->xm * s->ym;
    PetscInt *dn = malloc((size_t)(n ? n : 1) * sizeof *dn);
    PetscInt *on = malloc((size_t)(n ? n : 1) * sizeof *on);
    if (!dn || !on) {
        ge_fail(err, "out of memory for the matrix of a %dx%d grid", s->W, s->H);
        goto fail;
    }
    for (PetscInt w = s->ys; w < s->ys + s->ym; w++)
        for (PetscInt h = s->xs; h < s->xs + s->xm; h++) {
            PetscInt r = (w - s->ys) * s->xm + (h - s->xs);
            size_t seen[13];
            int ns = 0;
            dn[r] = on[r] = 0;
            for (int k = 0; k < 13; k++) {
                int ww = ge_axis_step((int)w, off[k][0], s->W, s->wx);
                int hh = ge_axis_step((int)h, off[k][1], s->H, s->wy);
                if (ww < 0 || hh < 0)
                    continue;
                size_t c = (size_t)ww * s->H + (size_t)hh;
                int dup = 0;
                for (int j = 0; j < ns; j++)
                    dup |= seen[j] == c;
                if (dup)
                    continue;
                seen[ns++] = c;
                int mine = ww >= s->ys && ww < s->ys + s->ym && hh >= s->xs && hh < s->xs + s->xm;
                (mine ? dn : on)[r]++;
            }
        }
    TRY(MatCreate(s->comm, &s->A));
    TRY(MatSetSizes(s->A, n, n, PETSC_DETERMINE, PETSC_DETERMINE));
    /* sequential on one process: the multigrid's interpolation (from the
     * DMDA) is, and their products need the same kind */
    TRY(MatSetType(s->A, MATAIJ));
    TRY(MatSeqAIJSetPreallocation(s->A, 0, dn));
    TRY(MatMPIAIJSetPreallocation(s->A, 0, dn, 0, on));
    /* an entry outside the pattern is a bug, not a reason to reallocate */
    TRY(MatSetOption(s->A, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
    TRY(MatSetOption(s->A, MAT_SPD, PETSC_TRUE));
    free(dn);
    free(on);
    return 0;
fail:
    free(dn);
    free(on);
    return -1;
}

/* Cells of an axis of n cells one multigrid level down (the DMDA's
 * coarsening: every other vertex, n - 1 even; n even when periodic), or -1
 * when the levels would not nest. */
static int coarser(int n, int periodic)
{
    if (periodic)
        return n % 2 ? -1 : n / 2;
    return (n - 1) % 2 ? -1 : (n - 1) / 2 + 1;
}

/* Fewest levels worth a geometric multigrid. */
#define MIN_LEVELS 3

/* The multigrid levels of s's grid: as many as nest while every process
 * keeps a few cells of each (the coarsest is solved directly). */
static int nested_levels(const ge_dsolver *s)
{
    int nx = s->H, ny = s->W, levels = 1;
    for (;;) {
        int cx = coarser(nx, s->wy), cy = coarser(ny, s->wx);
        if (cx < 0 || cy < 0 || cx < 4 * s->px || cy < 4 * s->py || cx < 8 || cy < 8)
            return levels;
        nx = cx, ny = cy, levels++;
    }
}

/* Geometric multigrid (-pc_type mg) on the DMDA's levels: nested_levels
 * (unless -pc_mg_levels says), coarse operators by Galerkin products of the
 * assembled one (unless -pc_mg_galerkin says: the penalty and the data term
 * are not rediscretised). A grid whose levels do not nest (4000 cells: 3999
 * intervals do not halve) falls back to BoomerAMG, which takes any grid. */
static int geometric_levels(ge_dsolver *s, PC pc, ge_error *err)
{
    PetscBool mg, set;
    TRY(PetscObjectTypeCompare((PetscObject)pc, PCMG, &mg));
    if (!mg)
        return 0;
    TRY(PetscOptionsHasName(NULL, NULL, "-pc_mg_levels", &set));
    if (!set) {
        int levels = nested_levels(s);
        if (levels < MIN_LEVELS) {
            TRY(PCSetType(pc, PCHYPRE));
            return 0;
        }
        TRY(PCMGSetLevels(pc, levels, NULL));
    }
    TRY(PetscOptionsHasName(NULL, NULL, "-pc_mg_galerkin", &set));
    if (!set)
        TRY(PCMGSetGalerkin(pc, PC_MG_GALERKIN_BOTH));
    /* the parallel products P'AP all at once: PETSc's default took 0.96 kB
     * a cell per process on 2 processes against 0.52 on one (7.7 GB each at
     * 4001 x 4001); all at once 0.61 (bench/SCALING.md) */
    int size;
    MPI_Comm_size(s->comm, &size);
    TRY(PetscOptionsHasName(NULL, NULL, "-matptap_via", &set));
    if (size > 1 && !set)
        TRY(PetscOptionsSetValue(NULL, "-matptap_via", "allatonce"));
    TRY(PCSetFromOptions(pc)); /* the levels' own options (-mg_levels_...) */
    return 0;
fail:
    return -1;
}

ge_dsolver *ge_dsolver_new(MPI_Comm comm, int W, int H, int wx, int wy, int stripes,
                           ge_error *err)
{
    /* One unknown a cell, numbered by PETSc's index type: with 32-bit
     * indices (Debian's PETSc) a grid of 2^31 cells or more cannot be
     * solved, whatever the processes' memory. Every process sees the same
     * grid and refuses alike, before anything collective. */
    if ((int64_t)W * H > (int64_t)PETSC_MAX_INT) {
        ge_fail(err,
                "a grid of %dx%d cells (%lld unknowns) is more than the distributed solve can "
                "index: this PETSc counts with %d-bit indices (PetscInt), at most %lld unknowns; "
                "fit fewer cells (--size), or build with a PETSc configured "
                "--with-64-bit-indices",
                W, H, (long long)W * H, (int)(8 * sizeof(PetscInt)), (long long)PETSC_MAX_INT);
        return NULL;
    }
    ge_dsolver *s = calloc(1, sizeof *s);
    if (!s) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    s->comm = comm;
    s->node = MPI_COMM_NULL;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &s->node);
    s->W = W;
    s->H = H;
    s->wx = wx;
    s->wy = wy;
    const PetscInt *lx, *ly;
    PC pc;
    /* stripes: one process along h, the stripes' rows along w (each at
     * least the stencil's width) */
    int R;
    MPI_Comm_size(comm, &R);
    PetscInt *rows = NULL;
    if (stripes && W >= 2 * R) {
        if (!(rows = malloc((size_t)R * sizeof *rows))) {
            ge_fail(err, "out of memory");
            goto fail;
        }
        for (int r = 0; r < R; r++) {
            int w0, w1;
            ge_stripe_rows(W, r, R, &w0, &w1);
            rows[r] = w1 - w0;
        }
    }
    PetscErrorCode made = DMDACreate2d(
        comm, wy ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_NONE,
        wx ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_NONE, DMDA_STENCIL_BOX, H, W,
        rows ? 1 : PETSC_DECIDE, rows ? R : PETSC_DECIDE, 1, 2, NULL, rows, &s->da);
    free(rows);
    TRY(made);
    TRY(DMSetFromOptions(s->da));
    TRY(DMSetUp(s->da));
    TRY(DMDAGetCorners(s->da, &s->xs, &s->ys, NULL, &s->xm, &s->ym, NULL));
    TRY(DMDAGetInfo(s->da, NULL, NULL, NULL, NULL, &s->px, &s->py, NULL, NULL, NULL, NULL, NULL,
                    NULL, NULL));
    TRY(DMDAGetOwnershipRanges(s->da, &lx, &ly, NULL));
    s->hstart = malloc((size_t)(s->px + 1) * sizeof *s->hstart);
    s->wstart = malloc((size_t)(s->py + 1) * sizeof *s->wstart);
    if (!s->hstart || !s->wstart) {
        ge_fail(err, "out of memory");
        goto fail;
    }
    s->hstart[0] = s->wstart[0] = 0;
    for (PetscInt i = 0; i < s->px; i++)
        s->hstart[i + 1] = s->hstart[i] + lx[i];
    for (PetscInt j = 0; j < s->py; j++)
        s->wstart[j + 1] = s->wstart[j] + ly[j];

    /* The ghost exchange of one field: the cells of the box stencil's ghost
     * region, one double each (what a matrix-vector product moves, at most). */
    PetscInt gxm, gym;
    TRY(DMDAGetGhostCorners(s->da, NULL, NULL, NULL, &gxm, &gym, NULL));
    double mine = 8.0 * (double)(gxm * gym - s->xm * s->ym);
    MPI_Allreduce(&mine, &s->st.halo_bytes, 1, MPI_DOUBLE, MPI_SUM, comm);
    MPI_Allreduce(&mine, &s->st.halo_max, 1, MPI_DOUBLE, MPI_MAX, comm);

    if (create_matrix(s, err))
        goto fail;
    TRY(DMCreateGlobalVector(s->da, &s->b));
    TRY(VecDuplicate(s->b, &s->x));
    TRY(KSPCreate(comm, &s->ksp));
    /* the grid for a geometric multigrid (-pc_type mg): its levels and
     * interpolation; the operator stays the one assembled here */
    TRY(KSPSetDM(s->ksp, s->da));
    TRY(KSPSetDMActive(s->ksp, PETSC_FALSE));
    TRY(KSPSetType(s->ksp, KSPCG));
    TRY(KSPGetPC(s->ksp, &pc));
    /* Geometric multigrid on the DMDA where the grid's levels nest (17 CG
     * iterations on an 801 x 801 grid, 1.8x less CPU and 26% less memory
     * than BoomerAMG's 42: bench/SCALING.md); else BoomerAMG where PETSc
     * has hypre (33 iterations on 500 x 500 where GAMG took 212 and, with
     * its defaults, failed to set up on this fourth-order operator); else
     * GAMG with a coarsening that sets up. PETSC_OPTIONS="-pc_type ..."
     * chooses otherwise. */
    PetscBool chosen;
    TRY(PetscOptionsHasName(NULL, NULL, "-pc_type", &chosen));
    if (!chosen && nested_levels(s) >= MIN_LEVELS) {
        TRY(PCSetType(pc, PCMG));
    } else if (PCSetType(pc, PCHYPRE)) {
        PetscReal threshold = 0.02;
        TRY(PCSetType(pc, PCGAMG));
        TRY(PCGAMGSetThreshold(pc, &threshold, 1));
        TRY(PCGAMGSetAggressiveLevels(pc, 10));
    }
    TRY(KSPSetTolerances(s->ksp, GE_DSOLVE_RTOL, PETSC_DEFAULT, PETSC_DEFAULT, 100000));
    TRY(KSPSetFromOptions(s->ksp));
    if (geometric_levels(s, pc, err))
        goto fail;
    PCType type;
    TRY(PCGetType(pc, &type));
    snprintf(s->st.pc, sizeof s->st.pc, "%s", type ? type : "?");
    return s;
fail:
    ge_dsolver_free(s);
    return NULL;
}

void ge_dsolver_free(ge_dsolver *s)
{
    if (!s)
        return;
    KSPDestroy(&s->ksp);
    MatDestroy(&s->A);
    VecDestroy(&s->b);
    VecDestroy(&s->x);
    VecDestroy(&s->rows);
    VecScatterDestroy(&s->to_rows);
    DMDestroy(&s->da);
    if (s->node != MPI_COMM_NULL)
        MPI_Comm_free(&s->node);
    free(s->hstart);
    free(s->wstart);
    free(s);
}

void ge_dsolver_owned(const ge_dsolver *s, int *w0, int *w1, int *h0, int *h1)
{
    *w0 = (int)s->ys;
    *w1 = (int)(s->ys + s->ym);
    *h0 = (int)s->xs;
    *h1 = (int)(s->xs + s->xm);
}

const ge_dsolve_stats *ge_dsolver_stats(const ge_dsolver *s) { return &s->st; }

/* Adds c * (sum_k v_k f_{idx_k})^2 to the matrix (a penalty term or a
 * sample's read-out): the n x n block c v v' at its global rows. */
typedef struct {
    const ge_dsolver *s;
    double mu;
    PetscErrorCode rc; /* the first failure */
} adder;

static void add_square(adder *a, const size_t *idx, const double *v, int n, double c)
{
    PetscInt rows[4];
    PetscScalar block[16];
    for (int k = 0; k < n; k++) {
        rows[k] = global_index(a->s, idx[k]);
        for (int l = 0; l < n; l++)
            block[k * n + l] = c * v[k] * v[l];
    }
    if (!a->rc)
        a->rc = MatSetValues(a->s->A, n, rows, n, rows, block, ADD_VALUES);
}

static void add_penalty_term(void *ctx, const size_t *idx, const double *v, int n, double c)
{
    adder *a = ctx;
    add_square(a, idx, v, n, a->mu * c);
}

double ge_dsolve_cell_bytes(const char *pc)
{
    if (strcmp(pc, PCHYPRE) == 0 || strcmp(pc, PCGAMG) == 0)
        return GE_DSOLVE_AMG_CELL_BYTES;
    if (strcmp(pc, PCMG) == 0)
        return GE_DSOLVE_MG_CELL_BYTES;
    return GE_DSOLVE_CELL_BYTES;
}

/* The preconditioner's set-up takes most of the memory, and a process that
 * runs out there (in hypre) is killed without a word: the estimate first,
 * for the processes that share a node's memory together, refused by every
 * process alike (collective). */
static int check_memory(ge_dsolver *s, ge_error *err)
{
    PC pc;
    PCType type = NULL;
    if (KSPGetPC(s->ksp, &pc) || PCGetType(pc, &type) || !type)
        return 0;
    const double per_cell = ge_dsolve_cell_bytes(type);
    double mine[2] = {(double)(s->xm * s->ym) * per_cell, ge_mem_available()}, node[2];
    double cells = (double)(s->xm * s->ym), node_cells = 0;
    int nprocs = 1;
    MPI_Allreduce(&mine[0], &node[0], 1, MPI_DOUBLE, MPI_SUM, s->node);
    MPI_Allreduce(&mine[1], &node[1], 1, MPI_DOUBLE, MPI_MIN, s->node);
    MPI_Allreduce(&cells, &node_cells, 1, MPI_DOUBLE, MPI_SUM, s->node);
    MPI_Comm_size(s->node, &nprocs);
    int over = node[0] > node[1], any = 0;
    MPI_Allreduce(&over, &any, 1, MPI_INT, MPI_MAX, s->comm);
    if (!any)
        return 0;
    if (over)
        return ge_fail(err,
                       "the distributed solve needs about %.0f MB on this node (%.0f cells on "
                       "%d process%s, about %.2f kB a cell for the %s preconditioner), more than "
                       "the %.0f MB available: run on more nodes, or --max-memory SIZE to try "
                       "anyway",
                       node[0] / 1e6, node_cells, nprocs, nprocs == 1 ? "" : "es",
                       per_cell / 1e3, type, node[1] / 1e6);
    return ge_fail(err, "the distributed solve needs more memory than a node of this run has");
}

int ge_dsolver_assemble(ge_dsolver *s, size_t n, const size_t (*cell)[4],
                        const double (*wgt)[4], const double *d, double mu, ge_error *err)
{
    double t0 = MPI_Wtime();
    adder a = {s, mu, 0};
    MatInfo info;
    TRY(MatZeroEntries(s->A));
    ge_penalty_terms_block(s->W, s->H, s->wx, s->wy, NULL, (int)s->ys, (int)(s->ys + s->ym),
                           (int)s->xs, (int)(s->xs + s->xm), add_penalty_term, &a);
    for (size_t i = 0; i < n; i++)
        if (d[i] != 0)
            add_square(&a, cell[i], wgt[i], 4, d[i]);
    TRY(a.rc);
    TRY(MatAssemblyBegin(s->A, MAT_FINAL_ASSEMBLY));
    TRY(MatAssemblyEnd(s->A, MAT_FINAL_ASSEMBLY));
    TRY(KSPSetOperators(s->ksp, s->A, s->A));
    if (check_memory(s, err))
        return -1;
    TRY(KSPSetUp(s->ksp));
    TRY(MatGetInfo(s->A, MAT_LOCAL, &info));
    s->st.matrix_bytes = info.nz_allocated * (sizeof(PetscScalar) + sizeof(PetscInt));
    s->st.setup_s = MPI_Wtime() - t0;
    return 0;
fail:
    return -1;
}

int ge_dsolver_solve(ge_dsolver *s, size_t n, const size_t (*cell)[4], const double (*wgt)[4],
                     const double *dy, ge_error *err)
{
    double t0 = MPI_Wtime();
    KSPConvergedReason why;
    PetscInt its;
    TRY(VecZeroEntries(s->b));
    for (size_t i = 0; i < n; i++) {
        if (dy[i] == 0)
            continue;
        PetscInt rows[4];
        PetscScalar vals[4];
        for (int k = 0; k < 4; k++) {
            rows[k] = global_index(s, cell[i][k]);
            vals[k] = wgt[i][k] * dy[i];
        }
        TRY(VecSetValues(s->b, 4, rows, vals, ADD_VALUES));
    }
    TRY(VecAssemblyBegin(s->b));
    TRY(VecAssemblyEnd(s->b));
    /* PETSc counts its messages (petsclog.h) when built with logging */
    double sent0 = petsc_isend_len + petsc_send_len, red0 = petsc_allreduce_ct;
    TRY(KSPSolve(s->ksp, s->b, s->x));
    s->st.sent_bytes = petsc_isend_len + petsc_send_len - sent0;
    s->st.reductions = petsc_allreduce_ct - red0;
    TRY(KSPGetConvergedReason(s->ksp, &why));
    TRY(KSPGetIterationNumber(s->ksp, &its));
    s->st.iterations = (long)its;
    s->st.solve_s = MPI_Wtime() - t0;
    if (why < 0) {
        ge_fail(err, "the distributed solve did not converge (%s after %ld iterations)",
                KSPConvergedReasons[why], (long)its);
        return -1;
    }
    return 0;
fail:
    return -1;
}

/* The scatter of rows row0 .. row0 + n - 1 (modulo W) of the solution into
 * a vector of this process, kept for the next call with the same rows. */
static int rows_scatter(ge_dsolver *s, int row0, int n, ge_error *err)
{
    const size_t H = (size_t)s->H, count = (size_t)n * H;
    PetscInt *idx = NULL;
    IS from = NULL;
    if (s->to_rows && s->row0 == row0 && s->nrows == n)
        return 0;
    VecDestroy(&s->rows);
    VecScatterDestroy(&s->to_rows);
    if (!(idx = malloc((count ? count : 1) * sizeof *idx))) {
        ge_fail(err, "out of memory for %d rows of a %dx%d grid", n, s->W, s->H);
        goto fail;
    }
    for (int k = 0; k < n; k++) {
        size_t w = (size_t)(((row0 + k) % s->W + s->W) % s->W);
        for (size_t h = 0; h < H; h++)
            idx[(size_t)k * H + h] = global_index(s, w * H + h);
    }
    TRY(ISCreateGeneral(PETSC_COMM_SELF, (PetscInt)count, idx, PETSC_COPY_VALUES, &from));
    TRY(VecCreateSeq(PETSC_COMM_SELF, (PetscInt)count, &s->rows));
    TRY(VecScatterCreate(s->x, from, s->rows, NULL, &s->to_rows));
    s->row0 = row0, s->nrows = n;
    ISDestroy(&from);
    free(idx);
    return 0;
fail:
    ISDestroy(&from);
    free(idx);
    VecDestroy(&s->rows);
    VecScatterDestroy(&s->to_rows);
    return -1;
}

int ge_dsolver_rows(ge_dsolver *s, int row0, int n, double *f, ge_error *err)
{
    const PetscScalar *v;
    if (rows_scatter(s, row0, n, err))
        return -1;
    TRY(VecScatterBegin(s->to_rows, s->x, s->rows, INSERT_VALUES, SCATTER_FORWARD));
    TRY(VecScatterEnd(s->to_rows, s->x, s->rows, INSERT_VALUES, SCATTER_FORWARD));
    TRY(VecGetArrayRead(s->rows, &v));
    memcpy(f, v, (size_t)n * s->H * sizeof *f);
    TRY(VecRestoreArrayRead(s->rows, &v));
    return 0;
fail:
    return -1;
}
