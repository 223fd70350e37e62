/* The model file's pieces for its writers (modelfile.c writes it whole,
 * model_stripes.c in stripes): the payload before and after the embedding,
 * and the file's fixed header. */
#ifndef GEOEMBED_IO_MODEL_PAYLOAD_H
#define GEOEMBED_IO_MODEL_PAYLOAD_H

#include <stdint.h>

#include "geoembed/model.h"
#include "geoembed/modelfile.h"
#include "bytes.h"

/* Bytes before the compressed payload. */
#define GE_MODEL_HEADER 32
/* The payload's first bytes: the shape (8 i32, 4 f64). */
#define GE_MODEL_SHAPE 64

/* The payload up to the parameter count (what precedes E). */
void ge_model_encode_head(wbuf *b, const ge_model *m, const ge_meta *meta);
/* The payload after E: kernel, bias, coverage and everything after; in
 * three pieces for writers that hold the coverage in stripes: the lead
 * (kernel, bias, mask distance, whether the coverage follows), the
 * coverage's values, the tail (everything after the coverage). */
void ge_model_encode_rest(wbuf *b, const ge_model *m, const ge_meta *meta);
void ge_model_encode_rest_lead(wbuf *b, const ge_model *m);
void ge_model_encode_coverage(wbuf *b, const float *v, size_t n);
void ge_model_encode_rest_tail(wbuf *b, const ge_model *m, const ge_meta *meta);
/* The shape the payload's first GE_MODEL_SHAPE bytes hold (unchecked). */
ge_shape ge_model_read_shape(const unsigned char head[GE_MODEL_SHAPE]);
/* Bytes of payload before the embedding (the head), from its first len
 * bytes, for a model of O outputs; 0 when they do not hold it all, with
 * *more the bytes it needs at least (0: a name is too long, damaged). */
size_t ge_model_head_bytes(const unsigned char *p, size_t len, int O, size_t *more);
/* The file header's version and sizes (got bytes of it), checked as the
 * loader checks them: 0, or -1 and why. */
int ge_model_read_header(const unsigned char *h, size_t got, const char *name,
                         uint32_t *version, uint64_t *plen, uint64_t *zlen, ge_error *err);
/* 0 when a payload of plen bytes can hold a model of shape s in this
 * version of the format, else -1 and why. */
int ge_model_payload_fits(const ge_shape *s, int version, uint64_t plen, const char *name,
                          ge_error *err);
/* The payload (inflated, plen bytes) of a file of this version into m and
 * meta. part NULL: the whole model; else {row0, rows}: the payload of that
 * part of the model (model_part.h), whose embedding, coverage and spread
 * hold only the part's rows (as ge_model_init_part lays them out). */
int ge_model_decode_payload(const unsigned char *payload, size_t plen, int version,
                            const int *part, const char *name, ge_model *m, ge_meta *meta,
                            ge_error *err);
/* The file's header for a payload of raw bytes compressed to zlen. */
void ge_model_header(unsigned char out[GE_MODEL_HEADER], uint64_t raw, uint64_t zlen);

#endif
