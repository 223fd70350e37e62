/* libFuzzer target with a structured input for the model file and checkpoint
 * loaders (src/io/modelfile.c, src/io/checkpoint.c): the fuzzer's bytes are
 * not the file but the fields of one. Every field is either a valid value
 * or, when the input says so, a hostile one taken from the input (sizes,
 * counts, epoch counters, string lengths, parameter counts); the wrapper
 * around them (header, payload size, zlib stream, CRC, checkpoint layout) is
 * always valid, so that each run reaches the checks of the fields, which
 * random bytes almost never do.
 *
 * A model that decodes is evaluated once; a checkpoint that loads is checked
 * against a shape (ge_checkpoint_check) and, when it passes, its state is
 * used the way a resume uses it. Build and run: `make fuzz`. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "geoembed/checkpoint.h"
#include "geoembed/modelfile.h"
#include "../src/io/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, consumed field by field (zeros once it runs out). */
typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint64_t take_u64(input *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
        v |= (uint64_t)in->p[0] << (8 * i);
    return v;
}

/* A small valid value, or (when the input's next byte is odd) raw bytes. */
static int64_t field(input *in, int64_t valid, int bytes)
{
    return take_u64(in, 1) & 1 ? (int64_t)take_u64(in, bytes) : valid;
}

static double field_f64(input *in, double valid)
{
    uint64_t sel = take_u64(in, 1);
    if (!(sel & 1))
        return valid;
    static const double odd[] = {0.0, -0.0, 1e308, -1e308, 5e-324, 1.0 / 0.0, -1.0 / 0.0,
                                 0.0 / 0.0, 1e-300, 3.0};
    if (sel & 2)
        return odd[(sel >> 2) % (sizeof odd / sizeof *odd)];
    uint64_t u = take_u64(in, 8);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* A string: valid text, or bytes of the input (escape codes, invalid UTF-8,
 * a CRS naming a URL or a file), or a declared length with no bytes. */
static void put_field_str(wbuf *b, input *in, const char *valid)
{
    uint64_t sel = take_u64(in, 1);
    if ((sel & 3) == 1) {
        size_t n = (size_t)take_u64(in, 1);
        if (n > in->n)
            n = in->n;
        put_u32(b, (uint32_t)n);
        put(b, in->p, n);
        in->p += n;
        in->n -= n;
    } else if ((sel & 3) == 3) {
        put_u32(b, (uint32_t)take_u64(in, 4)); /* a length and nothing behind it */
    } else {
        put_str(b, valid);
    }
}

static const char *const crs_samples[] = {
    "", "GEOGCRS[\"WGS 84\",DATUM[\"World Geodetic System 1984\",ELLIPSOID[\"WGS 84\",6378137,"
        "298.257223563]],CS[ellipsoidal,2],AXIS[\"lon\",east],AXIS[\"lat\",north],"
        "ANGLEUNIT[\"degree\",0.0174532925199433]]",
    "http://127.0.0.1:9/crs", "/etc/passwd", "EPSG:4326"};

/* A model payload: the fields from the input, the layout valid. */
static int model_payload(input *in, wbuf *b, ge_shape *shape)
{
    ge_shape s = {
        .W = (int)field(in, 2 + (int)take_u64(in, 1) % 8, 4),
        .H = (int)field(in, 2 + (int)take_u64(in, 1) % 8, 4),
        .N = (int)field(in, 1 + (int)take_u64(in, 1) % 3, 4),
        .p0 = (int)field(in, 0, 4),
        .p1 = (int)field(in, 0, 4),
        .O = (int)field(in, 1 + (int)take_u64(in, 1) % 3, 4),
        .wrap = (ge_wrap)field(in, GE_WRAP_NONE, 4),
        .readout = (ge_readout)field(in, GE_READOUT_BILINEAR, 4),
    };
    s.xmin = field_f64(in, 0);
    s.ymin = field_f64(in, 0);
    s.width = field_f64(in, 10);
    s.height = field_f64(in, 10);
    *shape = s;
    put_i32(b, s.W);
    put_i32(b, s.H);
    put_i32(b, s.N);
    put_i32(b, s.p0);
    put_i32(b, s.p1);
    put_i32(b, s.O);
    put_i32(b, (int32_t)s.wrap);
    put_i32(b, (int32_t)s.readout);
    put_f64(b, s.xmin);
    put_f64(b, s.ymin);
    put_f64(b, s.width);
    put_f64(b, s.height);
    put_field_str(b, in, crs_samples[take_u64(in, 1) % 5]);
    put_field_str(b, in, "lon");
    put_field_str(b, in, "lat");
    /* target names: O of them, or another count */
    int nt = (int)field(in, s.O, 1);
    for (int o = 0; o < nt && o < 300; o++)
        put_field_str(b, in, o % 2 ? "v" : "u,with comma");
    put_field_str(b, in, "samples.csv");
    put_i32(b, (int32_t)field(in, 1, 4));
    put_i32(b, (int32_t)field(in, 0, 4));
    put_f64(b, field_f64(in, 1));
    put_f64(b, field_f64(in, 0.05));
    put_f64(b, field_f64(in, 1));
    put_i32(b, (int32_t)field(in, 1, 4));
    for (int i = 0; i < 6; i++) /* epochs, best epoch, batch, seed, samples, skipped */
        put_u64(b, (uint64_t)field(in, 3, 8));
    put_f64(b, field_f64(in, 0.5));
    put_f64(b, field_f64(in, 0.0 / 0.0));
    /* standardisation, parameter count, parameters: the count the shape needs
     * (when it is sane), or another */
    double need = ((double)s.W * s.H * s.N + (double)s.O * s.N * (2.0 * s.p0 + 1) *
                   (2.0 * s.p1 + 1) + s.O);
    int sane = s.W > 0 && s.H > 0 && s.N > 0 && s.O > 0 && s.O <= 256 && s.p0 >= 0 &&
               s.p1 >= 0 && need < 1e5;
    for (int o = 0; o < 2 * (sane ? s.O : 1); o++)
        put_f64(b, field_f64(in, o % 2 ? 1 : 0.5));
    uint64_t np = (uint64_t)field(in, sane ? (int64_t)need : 1, 8);
    put_u64(b, np);
    for (uint64_t i = 0; i < np && i < 20000; i++)
        put_f64(b, field_f64(in, 0.01 * (double)(i % 7)));
    return b->oom ? -1 : 0;
}

/* The payload in a valid file: header with the payload size (or another),
 * zlib stream, CRC. */
static int model_file(input *in, const wbuf *payload, wbuf *file)
{
    uLongf zlen = compressBound(payload->len);
    unsigned char *z = malloc(zlen);
    if (!z || compress2(z, &zlen, payload->p, payload->len, 1) != Z_OK) {
        free(z);
        return -1;
    }
    put(file, "GEOEMBED", 8);
    put_u32(file, 1);
    put_u32(file, 0);
    put_u64(file, (uint64_t)field(in, (int64_t)payload->len, 8));
    put_u64(file, zlen);
    put(file, z, zlen);
    free(z);
    if (!file->oom)
        put_u32(file, (uint32_t)crc32(0L, file->p, (uInt)file->len));
    return file->oom ? -1 : 0;
}

static void run_model(const ge_model *m)
{
    /* small enough to run quickly: the field costs W*H*kernel multiply-adds */
    if ((double)m->s.W * m->s.H * (double)m->n_kernel > 2e5)
        return;
    double *Kt = malloc(m->n_kernel * sizeof *Kt);
    double *F = malloc((size_t)m->s.W * m->s.H * m->s.O * sizeof *F);
    double out[GE_MAX_OUTPUTS];
    if (Kt && F) {
        ge_kernel_transpose(m, Kt);
        ge_field(m, Kt, F);
        ge_predict_point(m, Kt, F, m->s.xmin + m->s.width / 2, m->s.ymin + m->s.height / 2, out);
    }
    free(Kt);
    free(F);
}

static void checkpoint(input *in, const wbuf *model, const ge_shape *shape)
{
    wbuf b = {0};
    put(&b, "GECKPT01", 8);
    put_u64(&b, 42);
    put_u64(&b, (uint64_t)field(in, (int64_t)model->len, 8));
    put(&b, model->p, model->len);
    long epoch = (long)field(in, 2, 8);
    put_u64(&b, (uint64_t)epoch);
    put_f64(&b, field_f64(in, 0.25));
    put_u64(&b, (uint64_t)field(in, 0, 8)); /* since best */
    put_u64(&b, (uint64_t)field(in, epoch, 8));
    put_u64(&b, (uint64_t)field(in, epoch, 8));
    put_f64(&b, field_f64(in, 0.5));
    put_f64(&b, field_f64(in, 0.0 / 0.0));
    double need = (double)shape->W * shape->H * shape->N +
                  (double)shape->O * shape->N * (2.0 * shape->p0 + 1) * (2.0 * shape->p1 + 1) +
                  shape->O;
    uint64_t np = (uint64_t)field(in, need > 0 && need < 1e5 ? (int64_t)need : 1, 8);
    put_u64(&b, np);
    for (uint64_t i = 0; i < np && i < 20000; i++)
        put_f64(&b, 0.001 * (double)i);
    put_u64(&b, (uint64_t)field(in, 2, 8)); /* optimiser steps */
    uint64_t words = (uint64_t)field(in, (int64_t)(2 * np), 8); /* unsigned: no overflow */
    put_u64(&b, words);
    for (uint64_t i = 0; i < words && i < 40000; i++)
        put_f64(&b, 0);
    for (int i = 0; i < 4; i++)
        put_u64(&b, (uint64_t)field(in, 1 + i, 8));
    if (take_u64(in, 1) & 1) /* a truncated file */
        b.len -= b.len ? (size_t)take_u64(in, 2) % b.len : 0;
    if (!b.oom)
        put_u32(&b, (uint32_t)crc32(0L, b.p, (uInt)b.len));
    char path[64];
    int fd = b.oom ? -1 : memfd_create("fuzz_structured", MFD_CLOEXEC);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (fd >= 0) {
        if (write(fd, b.p, b.len) == (ssize_t)b.len) {
            ge_checkpoint c;
            ge_error err;
            if (ge_checkpoint_load(path, &c, &err) == 0) {
                /* the shape this fit would have, and its epochs */
                if (ge_checkpoint_check(&c, shape, 300, path, &err) == 0) {
                    /* what a resume relies on once the check passed */
                    const ge_fit_state *st = &c.state;
                    if (st->epoch < 0 || st->epoch > 300 || c.model.s.O != shape->O ||
                        (st->opt_words != 0 && st->opt_words != c.model.n_params &&
                         st->opt_words != 2 * c.model.n_params))
                        abort();
                    volatile double sink = 0;
                    for (size_t i = 0; i < c.model.n_params; i++)
                        sink += st->best[i];
                    for (size_t i = 0; i < st->opt_words; i++)
                        sink += st->opt_state[i];
                    (void)sink;
                    run_model(&c.model);
                }
                ge_checkpoint_free(&c);
            } else if (!err.msg[0]) {
                abort();
            }
        }
        close(fd);
    }
    free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    wbuf payload = {0}, file = {0};
    ge_shape shape;
    if (model_payload(&in, &payload, &shape) == 0 && model_file(&in, &payload, &file) == 0) {
        ge_model m;
        ge_meta meta;
        ge_error err = {{0}};
        if (ge_model_decode(file.p, file.len, "fuzz", &m, &meta, &err) == 0) {
            if (meta.ntargets != m.s.O)
                abort();
            run_model(&m);
            ge_model_free(&m);
            ge_meta_free(&meta);
        } else if (!err.msg[0]) {
            abort();
        }
        checkpoint(&in, &file, &shape);
    }
    free(payload.p);
    free(file.p);
    return 0;
}
