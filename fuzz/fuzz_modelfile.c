/* libFuzzer target for the model file loader (src/io/modelfile.c) and the
 * checkpoint loader: any bytes must give a model or a clear error, never a
 * crash, a leak or a read out of bounds. A decoded model is also evaluated
 * once, so that a file that passes the checks cannot hold a model the
 * library cannot run. Build and run: `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "geoembed/checkpoint.h"
#include "geoembed/modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
    char path[] = "/tmp/fuzz_ckpt.XXXXXX";
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
    return 0;
}
