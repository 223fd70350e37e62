/* Little-endian encoding into growing buffers and bounds-checked decoding:
 * the model file and the checkpoint file are written with these. */
#ifndef GEOEMBED_IO_BYTES_H
#define GEOEMBED_IO_BYTES_H

#include <stddef.h>
#include <stdint.h>

#define BYTES_MAX_STRING (1 << 24)

/* A growing output buffer; oom is set (and writes stop) when memory runs out. */
typedef struct {
    unsigned char *p;
    size_t len, cap;
    int oom;
} wbuf;

/* An input cursor; bad is set (and reads return 0) past the end or on nonsense. */
typedef struct {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} rbuf;

void put(wbuf *b, const void *src, size_t n);
void put_u64(wbuf *b, uint64_t v);
void put_u32(wbuf *b, uint32_t v);
void put_i32(wbuf *b, int32_t v);
void put_f64(wbuf *b, double v);
void put_str(wbuf *b, const char *s);

const unsigned char *take(rbuf *r, size_t n);
uint64_t get_u64(rbuf *r);
uint32_t get_u32(rbuf *r);
int32_t get_i32(rbuf *r);
double get_f64(rbuf *r);
/* A length-prefixed string without NUL bytes, malloc'ed; NULL and bad on error. */
char *get_str(rbuf *r);

#endif
