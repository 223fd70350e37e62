/* Little-endian byte encoding helpers (see bytes.h). */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"



void put(wbuf *b, const void *src, size_t n)
{
    if (b->oom || n == 0) /* an empty string may come as NULL: no memcpy from it */
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

void put_u64(wbuf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 8);
}

void put_u32(wbuf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 4);
}

void put_i32(wbuf *b, int32_t v) { put_u32(b, (uint32_t)v); }

void put_f64(wbuf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(b, u);
}

void put_str(wbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}



const unsigned char *take(rbuf *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint64_t get_u64(rbuf *r)
{
    const unsigned char *x = take(r, 8);
    uint64_t v = 0;
    for (int i = 0; x && i < 8; i++)
        v |= (uint64_t)x[i] << (8 * i);
    return v;
}

uint32_t get_u32(rbuf *r)
{
    const unsigned char *x = take(r, 4);
    uint32_t v = 0;
    for (int i = 0; x && i < 4; i++)
        v |= (uint32_t)x[i] << (8 * i);
    return v;
}

int32_t get_i32(rbuf *r)
{
    uint32_t u = get_u32(r);
    return u > INT32_MAX ? (int32_t)(u - 2147483648u) - 2147483647 - 1 : (int32_t)u;
}

double get_f64(rbuf *r)
{
    uint64_t u = get_u64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

char *get_str(rbuf *r)
{
    uint32_t n = get_u32(r);
    if (n > BYTES_MAX_STRING) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *s = take(r, n);
    if (!s)
        return NULL;
    if (memchr(s, 0, n)) {
        r->bad = 1;
        return NULL;
    }
    char *out = malloc((size_t)n + 1);
    if (!out) {
        r->bad = 1;
        return NULL;
    }
    memcpy(out, s, n);
    out[n] = 0;
    return out;
}

