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

/* The payload up to the parameter count (what precedes E). */
void ge_model_encode_head(wbuf *b, const ge_model *m, const ge_meta *meta);
/* The payload after E: kernel, bias, coverage and everything after. */
void ge_model_encode_rest(wbuf *b, const ge_model *m, const ge_meta *meta);
/* The file's header for a payload of raw bytes compressed to zlen. */
void ge_model_header(unsigned char out[GE_MODEL_HEADER], uint64_t raw, uint64_t zlen);

#endif
