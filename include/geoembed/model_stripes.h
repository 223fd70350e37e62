/* A model file written in stripes by several writers (the processes of an
 * MPI run), none of which holds the whole embedding: the ordinary loader
 * (ge_model_load) reads it.
 *
 * The payload (modelfile.h) is cut into parts: the head (everything before
 * the embedding E), the stripes of E (rows w of the grid, writer after
 * writer), the rest's lead (kernel, bias, up to the coverage), the stripes
 * of the coverage (the same rows) and the rest's tail. Each part is
 * compressed apart, as raw deflate that ends on a byte boundary (the tail
 * ends the stream), by the writer that holds it; the file is
 *
 *     header | 78 9C | head | E 0 | ... | E R-1 | lead | coverage 0 | ...
 *            | coverage R-1 | tail | Adler-32 | CRC-32
 *
 * one zlib stream, whose checksums are combined from the parts' own (zlib's
 * adler32_combine and crc32_combine): a writer needs only the sizes and
 * checksums of the parts before its own, never their bytes. */
#ifndef GEOEMBED_MODEL_STRIPES_H
#define GEOEMBED_MODEL_STRIPES_H

#include <stddef.h>
#include <stdint.h>

#include "geoembed/model.h"
#include "geoembed/modelfile.h"

/* Bytes before the head (the header and the zlib header), and after the rest. */
#define GE_STRIPES_LEAD 34
#define GE_STRIPES_TRAIL 8

typedef struct {
    unsigned char *z; /* compressed bytes */
    uint64_t zlen;    /* their count */
    uint64_t raw;     /* bytes of payload they hold */
    uint32_t adler;   /* Adler-32 of those payload bytes */
    uint32_t crc;     /* CRC-32 of the compressed bytes */
} ge_model_part;

/* The rows w0 <= w < w1 of a grid W cells wide that writer r of R holds. */
void ge_stripe_rows(int W, int r, int R, int *w0, int *w1);
/* The process whose stripe holds row w (0 <= w < W). */
int ge_stripe_of(int W, int R, int w);

/* The head of m's payload (m's shape and small arrays, not its embedding). */
int ge_model_part_head(ge_model_part *p, const ge_model *m, const ge_meta *meta, ge_error *err);
/* A stripe: the n embedding values of its rows, E[w0..w1)[H][N]. */
int ge_model_part_stripe(ge_model_part *p, const double *e, size_t n, ge_error *err);
/* The rest of m's payload (from the kernel on) in three kinds of parts: its
 * lead (kernel, bias, up to the coverage), a stripe of the coverage (the n
 * values of its rows, none where the model has no coverage), and its tail
 * (after the coverage; it ends the stream). A model with a spread
 * (field_sd) is not written in stripes. */
int ge_model_part_rest_lead(ge_model_part *p, const ge_model *m, ge_error *err);
int ge_model_part_coverage(ge_model_part *p, const float *v, size_t n, ge_error *err);
int ge_model_part_rest_tail(ge_model_part *p, const ge_model *m, const ge_meta *meta,
                            ge_error *err);
void ge_model_part_free(ge_model_part *p);

/* The file's lead and trail bytes for its n parts in order (head, stripes,
 * rest), from their sizes and checksums alone. */
void ge_model_stripes_frame(const ge_model_part *parts, size_t n,
                            unsigned char lead[GE_STRIPES_LEAD],
                            unsigned char trail[GE_STRIPES_TRAIL]);

#endif
