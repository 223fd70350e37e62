/* A model file in stripes (see model_stripes.h). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "geoembed/model_stripes.h"
#include "model_payload.h"

void ge_stripe_rows(int W, int r, int R, int *w0, int *w1)
{
    *w0 = (int)((long)W * r / R);
    *w1 = (int)((long)W * (r + 1) / R);
}

int ge_stripe_of(int W, int R, int w)
{
    int r = (int)((long)w * R / W), w0, w1;
    for (;;) {
        ge_stripe_rows(W, r, R, &w0, &w1);
        if (w < w0)
            r--;
        else if (w >= w1)
            r++;
        else
            return r;
    }
}

/* zlib counts in 32 bits: larger buffers go through it in slices. */
#define SLICE (1u << 30)

static uInt slice(size_t left) { return left > SLICE ? SLICE : (uInt)left; }

/* Raw deflate of src[n] into p: ending on a byte boundary (Z_FULL_FLUSH)
 * so that the next part follows it, or ending the stream (Z_FINISH). */
static int deflate_part(ge_model_part *p, const unsigned char *src, size_t n, int last,
                        ge_error *err)
{
    memset(p, 0, sizeof *p);
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ge_fail(err, "out of memory compressing the model");
    /* a whole stream's bound, and room for the flush's empty stored block */
    size_t cap = deflateBound(&zs, (uLong)n) + 16, in = 0;
    if (!(p->z = malloc(cap))) {
        deflateEnd(&zs);
        return ge_fail(err, "out of memory compressing the model");
    }
    zs.next_out = p->z;
    const int final = last ? Z_FINISH : Z_FULL_FLUSH;
    int rc;
    for (;;) {
        if (zs.avail_in == 0) {
            zs.next_in = (Bytef *)(uintptr_t)(src + in);
            zs.avail_in = slice(n - in);
            in += zs.avail_in;
        }
        if (zs.avail_out == 0)
            zs.avail_out = slice(cap - (size_t)(zs.next_out - p->z));
        const int flush = in < n ? Z_NO_FLUSH : final;
        rc = deflate(&zs, flush);
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        if (flush == final && zs.avail_in == 0 && (last ? rc == Z_STREAM_END : zs.avail_out > 0))
            break;
        if (zs.avail_out == 0 && (size_t)(zs.next_out - p->z) == cap) {
            rc = Z_BUF_ERROR;
            break;
        }
    }
    p->zlen = (uint64_t)(zs.next_out - p->z);
    deflateEnd(&zs);
    if (rc != Z_OK && rc != Z_STREAM_END) {
        ge_model_part_free(p);
        return ge_fail(err, "cannot compress the model (zlib error %d)", rc);
    }
    p->raw = n;
    uLong adler = adler32(0L, Z_NULL, 0), crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < n; off += slice(n - off))
        adler = adler32(adler, src + off, slice(n - off));
    for (size_t off = 0; off < p->zlen; off += slice(p->zlen - off))
        crc = crc32(crc, p->z + off, slice(p->zlen - off));
    p->adler = (uint32_t)adler;
    p->crc = (uint32_t)crc;
    return 0;
}

static int encoded_part(ge_model_part *p, wbuf *b, int last, ge_error *err)
{
    int rc = b->oom ? ge_fail(err, "out of memory encoding the model")
                    : deflate_part(p, b->p, b->len, last, err);
    free(b->p);
    return rc;
}

int ge_model_part_head(ge_model_part *p, const ge_model *m, const ge_meta *meta, ge_error *err)
{
    wbuf b = {0};
    ge_model_encode_head(&b, m, meta);
    return encoded_part(p, &b, 0, err);
}

int ge_model_part_stripe(ge_model_part *p, const double *e, size_t n, ge_error *err)
{
    wbuf b = {0};
    for (size_t i = 0; i < n; i++)
        put_f64(&b, e[i]);
    return encoded_part(p, &b, 0, err);
}

int ge_model_part_rest_lead(ge_model_part *p, const ge_model *m, ge_error *err)
{
    wbuf b = {0};
    ge_model_encode_rest_lead(&b, m);
    return encoded_part(p, &b, 0, err);
}

int ge_model_part_coverage(ge_model_part *p, const float *v, size_t n, ge_error *err)
{
    wbuf b = {0};
    ge_model_encode_coverage(&b, v, n);
    return encoded_part(p, &b, 0, err);
}

int ge_model_part_rest_tail(ge_model_part *p, const ge_model *m, const ge_meta *meta,
                            ge_error *err)
{
    if (m->field_sd) /* per cell too, and never held in stripes (no draws there) */
        return ge_fail(err, "a model with a spread is not written in stripes");
    wbuf b = {0};
    ge_model_encode_rest_tail(&b, m, meta);
    return encoded_part(p, &b, 1, err);
}

void ge_model_part_free(ge_model_part *p)
{
    free(p->z);
    p->z = NULL;
}

void ge_model_stripes_frame(const ge_model_part *parts, size_t n,
                            unsigned char lead[GE_STRIPES_LEAD],
                            unsigned char trail[GE_STRIPES_TRAIL])
{
    uint64_t raw = 0, zlen = 2 + 4; /* the zlib header and its Adler-32 */
    uLong adler = adler32(0L, Z_NULL, 0);
    for (size_t i = 0; i < n; i++) {
        raw += parts[i].raw;
        zlen += parts[i].zlen;
        adler = adler32_combine(adler, parts[i].adler, (z_off_t)parts[i].raw);
    }
    ge_model_header(lead, raw, zlen);
    lead[GE_MODEL_HEADER] = 0x78; /* deflate, 32K window, default level, no dictionary */
    lead[GE_MODEL_HEADER + 1] = 0x9C;
    for (int k = 0; k < 4; k++) /* zlib's checksum is big-endian */
        trail[k] = (unsigned char)(adler >> (24 - 8 * k));
    uLong crc = crc32(0L, lead, GE_STRIPES_LEAD);
    for (size_t i = 0; i < n; i++)
        crc = crc32_combine(crc, parts[i].crc, (z_off_t)parts[i].zlen);
    crc = crc32(crc, trail, 4);
    for (int k = 0; k < 4; k++) /* the file's CRC is little-endian */
        trail[4 + k] = (unsigned char)(crc >> (8 * k));
}
