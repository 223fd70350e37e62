/* A model file written in stripes by several writers (the processes of an
 * MPI run), none of which holds the whole embedding: the ordinary loader
 * (ge_model_load) reads it.
 *
 * The payload (modelfile.h) is cut into parts: the head (everything before
 * the embedding E), the stripes of E (rows w of the grid, writer after
 * writer) and the rest (everything after E). Each part is compressed apart,
 * as raw deflate that ends on a byte boundary (the rest ends the stream),
 * by the writer that holds it; the file is
 *
 *     header | 78 9C | head | stripe 0 | ... | stripe R-1 | rest | Adler-32 | CRC-32
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

/* The head of m's payload (m's shape and small arrays, not its embedding). */
int ge_model_part_head(ge_model_part *p, const ge_model *m, const ge_meta *meta, ge_error *err);
/* A stripe: the n embedding values of its rows, E[w0..w1)[H][N]. */
int ge_model_part_stripe(ge_model_part *p, const double *e, size_t n, ge_error *err);
/* The rest of m's payload (from the kernel on); it ends the stream. */
int ge_model_part_rest(ge_model_part *p, const ge_model *m, const ge_meta *meta, ge_error *err);
void ge_model_part_free(ge_model_part *p);

/* The file's lead and trail bytes for its n parts in order (head, stripes,
 * rest), from their sizes and checksums alone. */
void ge_model_stripes_frame(const ge_model_part *parts, size_t n,
                            unsigned char lead[GE_STRIPES_LEAD],
                            unsigned char trail[GE_STRIPES_TRAIL]);

#endif
