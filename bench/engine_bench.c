/* geoembed-bench: times geoembed's engine on the benchmark cases that
 * bench/torch_bench.py times in PyTorch (see bench/README.md).
 *
 *   geoembed-bench CASE WHAT [--runs R] [--case-file PATH]
 *   geoembed-bench CASE WHAT --dump FILE [--case-file PATH]
 *
 * CASE  guide   the founding guide's force field: 1008 samples of a 32x63
 *               lattice (read from tests/conformance/seed_force_field.case),
 *               manifold 32x63x2
 *       large   200,000 samples uniform over the globe, manifold 256x256x4
 * WHAT  step    wall time of one full-batch training step (L1 loss, Adam):
 *               one warm-up step, then R timed steps
 *       grid    wall time to evaluate a 1024x512 raster of cell centres over
 *               the exterior: kernel transpose + field once, then one
 *               ge_predict_point per point; one warm-up, then R timed runs
 *   geoembed-bench peak
 *               the machine's multiply-add peak per core (fma_peak.c) on every
 *               vector unit the CPU has: `peak_gflops_UNIT G` lines, then
 *               `peak_gflops G` (the best) and `peak_isa UNIT`
 *   geoembed-bench ceiling [--runs R] [--flop F]
 *               the machine's own speed-up from threads: F flops (default
 *               674e6, the large step's) of the multiply-add loop on the
 *               engine's vector unit, split evenly over OMP_NUM_THREADS
 *               threads in one parallel region, as a step's work is; 50 ms
 *               of warm-up, then R timed runs (`ceiling_seconds S` each, and
 *               `ceiling_threads T`). Against 1 thread it is the most any
 *               parallel step can gain on the machine as it is now.
 *
 * Prints one `step_seconds S` or `grid_seconds S` line per timed run (and
 * `step_cpu_seconds` / `grid_cpu_seconds`: CPU time of all threads), check
 * values (`loss_first`, `loss_last` or `grid_checksum`) that must agree with
 * the PyTorch side, and `peak_rss_kb N` at the end. A step also prints
 * `isa UNIT` (the vector unit of the engine, isa.h) and `step_flop F`: the
 * arithmetic a step needs, 2 flops x 3 passes (forward, the embedding's and
 * the kernel's gradient) x N*KW*KH*O multiply-adds x the cells that hold a
 * sample.
 *
 * --dump FILE writes the measurement's exact inputs (shape, samples, targets,
 * initial parameters) for torch_bench.py and exits, so both sides train on
 * identical bits. Format (native endianness):
 *   char magic[8] = "GEBENCH1"
 *   int64 M, W, H, N, p0, p1, O, wrap, GW, GH
 *   double xmin, ymin, width, height, lr
 *   double xy[M][2], y[M][O], params[n_params]  (slab E | K | b, model.h)
 *
 * Exit 0 on success, 1 on failure, 2 on usage errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <omp.h>

#include "fma_peak.h"
#include "geoembed/isa.h"
#include "geoembed/model.h"
#include "geoembed/rng.h"
#include "geoembed/train.h"

#define GRID_W 1024
#define GRID_H 512
#define LARGE_M 200000
#define INIT_SEED 0
#define DATA_SEED 1
#define LR 0.005

static const char *const default_case_file = "tests/conformance/seed_force_field.case";

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of the process, all threads: steadier than wall time on a busy machine. */
static double cpu_now(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static void usage(FILE *f)
{
    fprintf(f, "usage: geoembed-bench guide|large step|grid [--runs R] [--case-file PATH]\n"
               "       geoembed-bench guide|large step|grid --dump FILE [--case-file PATH]\n"
               "       geoembed-bench peak\n"
               "       geoembed-bench ceiling [--runs R] [--flop F]\n");
}

/* Reads array NAME of exactly COUNT numbers from a conformance case file. */
static int read_case_array(const char *path, const char *name, size_t count, double *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "geoembed-bench: cannot open %s (run from the repository root)\n", path);
        return -1;
    }
    char line[4096], aname[256];
    unsigned long n;
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "array %255s %lu", aname, &n) != 2 || strcmp(aname, name) != 0)
            continue;
        if (n != count) {
            fprintf(stderr, "geoembed-bench: %s: array %s has %lu numbers, expected %zu\n", path,
                    name, n, count);
            break;
        }
        size_t i = 0;
        while (i < count && fscanf(f, "%lf", &out[i]) == 1)
            i++;
        if (i == count)
            rc = 0;
        else
            fprintf(stderr, "geoembed-bench: %s: array %s is short\n", path, name);
        break;
    }
    if (rc && feof(f))
        fprintf(stderr, "geoembed-bench: %s: no array %s\n", path, name);
    fclose(f);
    return rc;
}

typedef struct {
    ge_shape s;
    size_t M;
    double *xy, *y; /* [M][2], [M][O] */
} bench_case;

static int make_case(const char *name, const char *case_file, bench_case *c)
{
    memset(c, 0, sizeof *c);
    ge_shape s = {.p0 = 7, .p1 = 7, .xmin = -180, .ymin = -90, .width = 360, .height = 180,
                  .wrap = GE_WRAP_XY, .readout = GE_READOUT_CELL, .O = 2};
    if (!strcmp(name, "guide")) {
        s.W = 32, s.H = 63, s.N = 2;
        c->M = 1008;
    } else if (!strcmp(name, "large")) {
        s.W = 256, s.H = 256, s.N = 4;
        c->M = LARGE_M;
    } else {
        return 2;
    }
    c->s = s;
    c->xy = malloc(c->M * 2 * sizeof *c->xy);
    c->y = malloc(c->M * (size_t)s.O * sizeof *c->y);
    if (!c->xy || !c->y) {
        fprintf(stderr, "geoembed-bench: out of memory\n");
        return 1;
    }
    if (c->M == 1008) {
        /* The guide's samples verbatim: degrees (lon, lat), U = cos 2X, V = sin 2Y. */
        if (read_case_array(case_file, "x", 2 * c->M, c->xy) ||
            read_case_array(case_file, "y", 2 * c->M, c->y))
            return 1;
        return 0;
    }
    ge_rng r;
    ge_rng_seed(&r, DATA_SEED);
    const double rad = 3.14159265358979323846 / 180.0;
    for (size_t i = 0; i < c->M; i++) {
        double lon = -180.0 + 360.0 * ge_rng_uniform(&r);
        double lat = -90.0 + 180.0 * ge_rng_uniform(&r);
        c->xy[2 * i] = lon;
        c->xy[2 * i + 1] = lat;
        c->y[2 * i] = cos(2.0 * lon * rad);
        c->y[2 * i + 1] = sin(2.0 * lat * rad);
    }
    return 0;
}

/* The grid measurement reads a non-trivial embedding (the initial one is all
 * zero, which would make every prediction the bias): a fixed pattern that
 * both sides get from the dump file. */
static void grid_embedding(ge_model *m)
{
    for (size_t i = 0; i < m->n_emb; i++)
        m->E[i] = (double)((i * 7919) % 1000) / 1000.0 - 0.5;
}

static int dump(const char *path, const bench_case *c, const ge_model *m)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "geoembed-bench: cannot write %s\n", path);
        return 1;
    }
    const ge_shape *s = &c->s;
    int64_t hdr[10] = {(int64_t)c->M, s->W, s->H, s->N, s->p0, s->p1, s->O, (int64_t)s->wrap,
                       GRID_W, GRID_H};
    double ext[5] = {s->xmin, s->ymin, s->width, s->height, LR};
    int ok = fwrite("GEBENCH1", 1, 8, f) == 8 && fwrite(hdr, sizeof hdr, 1, f) == 1 &&
             fwrite(ext, sizeof ext, 1, f) == 1 &&
             fwrite(c->xy, sizeof *c->xy, c->M * 2, f) == c->M * 2 &&
             fwrite(c->y, sizeof *c->y, c->M * (size_t)s->O, f) == c->M * (size_t)s->O &&
             fwrite(m->params, sizeof *m->params, m->n_params, f) == m->n_params;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "geoembed-bench: write error on %s\n", path);
        return 1;
    }
    return 0;
}

/* Cells that hold at least one sample: the cells a full-batch step must
 * evaluate and differentiate. */
static size_t occupied_cells(const ge_model *m, const bench_case *c)
{
    const size_t ncells = (size_t)m->s.W * m->s.H;
    unsigned char *seen = calloc(ncells, 1);
    size_t n = 0;
    if (!seen)
        return 0;
    for (size_t i = 0; i < c->M; i++) {
        size_t cell[4];
        double w[4];
        if (ge_readout_weights(m, c->xy[2 * i], c->xy[2 * i + 1], cell, w) == 1 && !seen[cell[0]]) {
            seen[cell[0]] = 1;
            n++;
        }
    }
    free(seen);
    return n;
}

static int bench_peak(void)
{
    double best = 0, sink = 0;
    ge_isa best_isa = GE_ISA_GENERIC;
    for (int isa = 0; isa < GE_ISA_COUNT; isa++) {
        if (!ge_isa_supported((ge_isa)isa))
            continue;
        double g = 0;
        for (int r = 0; r < 3; r++) { /* the best of three: others may share the core */
            double v = fma_peak_gflops((ge_isa)isa, 50000000L, &sink);
            g = v > g ? v : g;
        }
        printf("peak_gflops_%s %.2f\n", ge_isa_name((ge_isa)isa), g);
        if (g > best)
            best = g, best_isa = (ge_isa)isa;
    }
    printf("peak_gflops %.2f\npeak_isa %s\n", best, ge_isa_name(best_isa));
    return sink == 12345.0; /* never: keeps the loops' results alive */
}

static int bench_ceiling(int runs, double flop)
{
    const ge_isa isa = ge_isa_default();
    const int T = omp_get_max_threads();
    const long iters = (long)(flop / fma_loop_flop(isa, 1) / T + 0.5);
    double sink = 0;
    printf("ceiling_threads %d\nceiling_isa %s\n", T, ge_isa_name(isa));
    /* untimed runs for 50 ms first: a thread's first few milliseconds ran
     * on the core of the first (6 ms a run where 2.9 followed) */
    const double warm = now() + 0.05;
    for (int r = 0; r < runs;) {
        double t0 = now(), s = 0;
#pragma omp parallel reduction(+ : s)
        s += fma_loop(isa, iters);
        sink += s;
        if (t0 >= warm) {
            printf("ceiling_seconds %.9f\n", now() - t0);
            r++;
        }
    }
    return sink == 12345.0; /* never: keeps the loops' results alive */
}

static int bench_step(ge_model *m, const bench_case *c, int runs)
{
    ge_error err;
    ge_data d = {.M = c->M, .O = c->s.O, .xy = c->xy, .y = c->y};
    ge_train_opts o = {.loss = {.kind = GE_LOSS_L1}, .optim = ge_optim_defaults(GE_OPT_ADAM)};
    o.optim.lr = LR;
    ge_trainer *t = ge_trainer_new(m, &d, &o, &err);
    if (!t) {
        fprintf(stderr, "geoembed-bench: %s\n", err.msg);
        return 1;
    }
    double loss = ge_trainer_step(t, NULL, c->M); /* warm-up */
    printf("loss_first %.17g\n", loss);
    printf("isa %s\n", ge_isa_name(ge_isa_default()));
    printf("step_flop %.0f\n", 2.0 * 3 * (double)occupied_cells(m, c) * (double)m->n_kernel);
    for (int r = 0; r < runs; r++) {
        double c0 = cpu_now(), t0 = now();
        loss = ge_trainer_step(t, NULL, c->M);
        double t1 = now(), c1 = cpu_now();
        printf("step_seconds %.9f\n", t1 - t0);
        printf("step_cpu_seconds %.9f\n", c1 - c0);
    }
    printf("loss_last %.17g\n", loss);
    ge_trainer_free(t);
    return 0;
}

static int bench_grid(ge_model *m, int runs)
{
    const size_t G = (size_t)GRID_W * GRID_H, O = (size_t)m->s.O;
    const size_t nF = (size_t)m->s.W * m->s.H * O;
    double *pts = malloc(G * 2 * sizeof *pts);
    double *out = malloc(G * O * sizeof *out);
    double *Kt = malloc(m->n_kernel * sizeof *Kt);
    double *F = malloc(nF * sizeof *F);
    if (!pts || !out || !Kt || !F) {
        fprintf(stderr, "geoembed-bench: out of memory\n");
        free(pts), free(out), free(Kt), free(F);
        return 1;
    }
    /* Cell centres, row by row from the north edge. */
    const double dx = m->s.width / GRID_W, dy = m->s.height / GRID_H;
    for (size_t r = 0; r < GRID_H; r++)
        for (size_t q = 0; q < GRID_W; q++) {
            pts[2 * (r * GRID_W + q)] = m->s.xmin + ((double)q + 0.5) * dx;
            pts[2 * (r * GRID_W + q) + 1] = (m->s.ymin + m->s.height) - ((double)r + 0.5) * dy;
        }
    for (int r = -1; r < runs; r++) { /* r = -1: warm-up */
        double c0 = cpu_now(), t0 = now();
        ge_kernel_transpose(m, Kt);
        ge_field(m, Kt, F);
        for (size_t i = 0; i < G; i++)
            ge_predict_point(m, Kt, F, pts[2 * i], pts[2 * i + 1], out + i * O);
        double t1 = now(), c1 = cpu_now();
        if (r >= 0)
            printf("grid_seconds %.9f\ngrid_cpu_seconds %.9f\n", t1 - t0, c1 - c0);
    }
    /* Weighted so that a permuted output would not pass. */
    double sum = 0;
    for (size_t k = 0; k < G * O; k++)
        sum += out[k] * (double)(k % 13 + 1);
    printf("grid_checksum %.17g\n", sum);
    free(pts), free(out), free(Kt), free(F);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "peak"))
        return bench_peak();
    if (argc >= 2 && !strcmp(argv[1], "ceiling")) {
        int runs = 7;
        double flop = 674e6;
        for (int i = 2; i < argc; i++) {
            char *end = NULL;
            if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
                long v = strtol(argv[++i], &end, 10);
                runs = *end || v < 1 || v > 100000 ? 0 : (int)v;
            } else if (!strcmp(argv[i], "--flop") && i + 1 < argc) {
                flop = strtod(argv[++i], &end);
                flop = *end || !(flop >= 1e3 && flop <= 1e13) ? 0 : flop;
            }
            if (!end || !runs || !flop) {
                usage(stderr);
                return 2;
            }
        }
        return bench_ceiling(runs, flop);
    }
    if (argc < 3) {
        usage(stderr);
        return 2;
    }
    const char *cname = argv[1], *what = argv[2], *dump_path = NULL;
    const char *case_file = default_case_file;
    int runs = 5;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 100000) {
                fprintf(stderr, "geoembed-bench: --runs wants a positive count\n");
                return 2;
            }
            runs = (int)v;
        } else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            dump_path = argv[++i];
        } else if (!strcmp(argv[i], "--case-file") && i + 1 < argc) {
            case_file = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    int is_step = !strcmp(what, "step");
    if (!is_step && strcmp(what, "grid") != 0) {
        usage(stderr);
        return 2;
    }
    bench_case c;
    int rc = make_case(cname, case_file, &c);
    if (rc == 2)
        usage(stderr);
    ge_model m;
    ge_error err;
    if (!rc && ge_model_init(&m, &c.s, &err)) {
        fprintf(stderr, "geoembed-bench: %s\n", err.msg);
        rc = 1;
    }
    if (!rc) {
        ge_model_init_params(&m, INIT_SEED);
        if (!is_step)
            grid_embedding(&m);
        if (dump_path)
            rc = dump(dump_path, &c, &m);
        else
            rc = is_step ? bench_step(&m, &c, runs) : bench_grid(&m, runs);
        ge_model_free(&m);
    }
    free(c.xy);
    free(c.y);
    if (!rc && !dump_path) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("peak_rss_kb %ld\n", ru.ru_maxrss);
    }
    return rc;
}
