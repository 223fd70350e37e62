/* The default model's normal equations across MPI processes (see dsolve.h). */
#include <stdlib.h>
#include <string.h>

#include <petscdmda.h>
#include <petscksp.h>

#include "geoembed/curvature.h"
#include "dsolve.h"

struct ge_dsolver {
    MPI_Comm comm;
    int W, H, wx, wy;
    DM da;
    Mat A;
    KSP ksp;
    Vec b, x, nat, all; /* right-hand side, solution, natural order, gathered */
    VecScatter to_all;
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
    TRY(MatSetType(s->A, MATMPIAIJ));
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

ge_dsolver *ge_dsolver_new(MPI_Comm comm, int W, int H, int wx, int wy, ge_error *err)
{
    ge_dsolver *s = calloc(1, sizeof *s);
    if (!s) {
        ge_fail(err, "out of memory");
        return NULL;
    }
    s->comm = comm;
    s->W = W;
    s->H = H;
    s->wx = wx;
    s->wy = wy;
    const PetscInt *lx, *ly;
    PC pc;
    TRY(DMDACreate2d(comm, wy ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_NONE,
                     wx ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_NONE, DMDA_STENCIL_BOX, H, W,
                     PETSC_DECIDE, PETSC_DECIDE, 1, 2, NULL, NULL, &s->da));
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
    TRY(KSPSetType(s->ksp, KSPCG));
    TRY(KSPGetPC(s->ksp, &pc));
    /* BoomerAMG where PETSc has hypre: 33 CG iterations on a 500x500 grid
     * where GAMG took 212 and, with its defaults, failed to set up on this
     * fourth-order operator (bench/SCALING.md); GAMG with a coarsening that
     * sets up otherwise. */
    if (PCSetType(pc, PCHYPRE)) {
        PetscReal threshold = 0.02;
        TRY(PCSetType(pc, PCGAMG));
        TRY(PCGAMGSetThreshold(pc, &threshold, 1));
        TRY(PCGAMGSetAggressiveLevels(pc, 10));
    }
    TRY(KSPSetTolerances(s->ksp, GE_DSOLVE_RTOL, PETSC_DEFAULT, PETSC_DEFAULT, 100000));
    TRY(KSPSetFromOptions(s->ksp));
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
    VecDestroy(&s->nat);
    VecDestroy(&s->all);
    VecScatterDestroy(&s->to_all);
    DMDestroy(&s->da);
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
    TRY(KSPSetUp(s->ksp));
    TRY(MatGetInfo(s->A, MAT_LOCAL, &info));
    s->st.matrix_bytes = info.nz_allocated * (sizeof(PetscScalar) + sizeof(PetscInt));
    s->st.setup_s = MPI_Wtime() - t0;
    return 0;
fail:
    return -1;
}

/* The solution gathered in cell order on every process. */
static int gather(ge_dsolver *s, double *f, ge_error *err)
{
    const PetscScalar *v;
    if (!s->nat) {
        TRY(DMDACreateNaturalVector(s->da, &s->nat));
        TRY(VecScatterCreateToAll(s->nat, &s->to_all, &s->all));
    }
    TRY(DMDAGlobalToNaturalBegin(s->da, s->x, INSERT_VALUES, s->nat));
    TRY(DMDAGlobalToNaturalEnd(s->da, s->x, INSERT_VALUES, s->nat));
    TRY(VecScatterBegin(s->to_all, s->nat, s->all, INSERT_VALUES, SCATTER_FORWARD));
    TRY(VecScatterEnd(s->to_all, s->nat, s->all, INSERT_VALUES, SCATTER_FORWARD));
    TRY(VecGetArrayRead(s->all, &v));
    memcpy(f, v, (size_t)s->W * s->H * sizeof *f);
    TRY(VecRestoreArrayRead(s->all, &v));
    return 0;
fail:
    return -1;
}

int ge_dsolver_solve(ge_dsolver *s, size_t n, const size_t (*cell)[4], const double (*wgt)[4],
                     const double *dy, double *f, ge_error *err)
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
    return f ? gather(s, f, err) : 0;
fail:
    return -1;
}
