/* libFuzzer target for the model file loader (src/io/modelfile.c) and the
 * checkpoint loader: any bytes must give a model or a clear error, never a
 * crash, a leak or a read out of bounds. A decoded model is also evaluated
 * once, so that a file that passes the checks cannot hold a model the
 * library cannot run.
 *
 * Random bytes rarely get past the CRC and zlib, so the input is used twice:
 * as a whole file, and as the uncompressed payload wrapped in a valid header,
 * compression and CRC, which reaches the payload parser. Build and run:
 * `make fuzz`. */
#define _DEFAULT_SOURCE /* P_tmpdir */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "geoembed/checkpoint.h"
#include "geoembed/modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_and_run(const uint8_t *data, size_t size);

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The input as a payload: header, zlib stream and CRC made valid around it. */
static void wrapped(const uint8_t *data, size_t size)
{
    uLongf zlen = compressBound(size);
    unsigned char *f = malloc(32 + zlen + 4);
    if (!f)
        return;
    if (compress2(f + 32, &zlen, data, size, 1) == Z_OK) {
        memcpy(f, "GEOEMBED", 8);
        put_le(f + 8, 1, 4);
        put_le(f + 12, 0, 4);
        put_le(f + 16, size, 8);
        put_le(f + 24, zlen, 8);
        put_le(f + 32 + zlen, crc32(0L, f, (uInt)(32 + zlen)), 4);
        decode_and_run(f, 32 + zlen + 4);
    }
    free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_and_run(data, size);
    wrapped(data, size);
    return 0;
}

static void decode_and_run(const uint8_t *data, size_t size)
{
    ge_model m;
    ge_meta meta;
    ge_error err;
    if (ge_model_decode(data, size, "fuzz", &m, &meta, &err) == 0) {
        /* Small enough to run: one prediction through the field. */
        if ((size_t)m.s.W * m.s.H <= 4096 && m.n_kernel <= 65536) {
            double *Kt = malloc(m.n_kernel * sizeof *Kt);
            double *F = malloc((size_t)m.s.W * m.s.H * m.s.O * sizeof *F);
            double out[GE_MAX_OUTPUTS];
            if (Kt && F) {
                ge_kernel_transpose(&m, Kt);
                ge_field(&m, Kt, F);
                ge_predict_point(&m, Kt, F, m.s.xmin + m.s.width / 2, m.s.ymin + m.s.height / 2,
                                 out);
            }
            free(Kt);
            free(F);
        }
        ge_model_free(&m);
        ge_meta_free(&meta);
    }
    /* The same bytes as a checkpoint file. */
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz_ckpt.XXXXXX", dir && *dir ? dir : P_tmpdir);
    int fd = mkstemp(path);
    if (fd >= 0) {
        if (write(fd, data, size) == (ssize_t)size) {
            ge_checkpoint c;
            if (ge_checkpoint_load(path, &c, &err) == 0)
                ge_checkpoint_free(&c);
        }
        close(fd);
        unlink(path);
    }
}
