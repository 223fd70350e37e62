/* A part of a model file, read by streaming (see model_part.h). The
 * payload is pulled from the zlib stream in the order the file holds it
 * (modelfile.h); what the part keeps is laid out as the payload of that
 * part (ge_model_init_part's rows) and decoded by the ordinary decoder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "geoembed/memory.h"
#include "geoembed/model_part.h"
#include "model_payload.h"

/* The payload as it is inflated. */
typedef struct {
    FILE *f;
    z_stream z;
    uint64_t zleft; /* compressed bytes not yet read from the file */
    uint64_t left;  /* payload bytes not yet inflated */
    uLong crc;      /* of the file's bytes read so far */
    int ended;      /* the zlib stream has ended */
    unsigned char in[1 << 16];
} zin;

static int zin_fill(zin *s)
{
    size_t want = s->zleft < sizeof s->in ? (size_t)s->zleft : sizeof s->in;
    size_t got = want ? fread(s->in, 1, want, s->f) : 0;
    s->crc = crc32(s->crc, s->in, (uInt)got);
    s->zleft -= got;
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)got;
    return got ? 0 : -1;
}

/* The next n bytes of the payload into dst, passed over when dst is NULL:
 * 0, or -1 when the stream is damaged or ends before them. */
static int zin_read(zin *s, unsigned char *dst, size_t n)
{
    unsigned char scratch[1 << 14];
    if (n > s->left)
        return -1;
    s->left -= n;
    while (n > 0) {
        size_t k = dst ? n : (n < sizeof scratch ? n : sizeof scratch);
        if (k > (1u << 30)) /* zlib counts in 32 bits */
            k = 1u << 30;
        s->z.next_out = dst ? dst : scratch;
        s->z.avail_out = (uInt)k;
        while (s->z.avail_out > 0) {
            if (s->ended || (s->z.avail_in == 0 && zin_fill(s)))
                return -1;
            int rc = inflate(&s->z, Z_NO_FLUSH);
            if (rc == Z_STREAM_END)
                s->ended = 1;
            else if (rc != Z_OK)
                return -1;
        }
        if (dst)
            dst += k;
        n -= k;
    }
    return 0;
}

/* After the payload: the stream ends there, and the rest of the file's
 * compressed bytes are read for its checksum. */
static int zin_end(zin *s)
{
    while (!s->ended) {
        unsigned char extra;
        s->z.next_out = &extra;
        s->z.avail_out = 1;
        if (s->z.avail_in == 0 && zin_fill(s))
            return -1;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        if (s->z.avail_out == 0 || (rc != Z_OK && rc != Z_STREAM_END))
            return -1;
        s->ended = rc == Z_STREAM_END;
    }
    while (s->zleft > 0)
        if (zin_fill(s))
            return -1;
    return 0;
}

/* The payload kept: a growing buffer. */
static unsigned char *grow(wbuf *b, size_t n)
{
    if (b->oom || b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (!b->oom && cap - b->len < n)
            cap *= 2;
        unsigned char *p = b->oom ? NULL : realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return NULL;
        }
        b->p = p, b->cap = cap;
    }
    b->len += n;
    return b->p + b->len - n;
}

/* The next n bytes kept at the end of b. */
static int keep(zin *s, wbuf *b, size_t n)
{
    unsigned char *p = grow(b, n);
    return p ? zin_read(s, p, n) : -1;
}

static uint32_t u32_at(const wbuf *b, size_t at)
{
    rbuf r = {.p = b->p + at, .len = 4};
    return get_u32(&r);
}

/* W rows of `row` bytes each (a per-cell array of the grid), the part's
 * rows kept at base (in the part's order), the others passed over. */
static int cells(zin *s, wbuf *b, size_t base, const ge_shape *sh, int row0, int rows,
                 size_t row)
{
    for (long w = 0; w < sh->W; w++) {
        long k = ge_part_row(sh, row0, rows, w);
        if (zin_read(s, k < 0 ? NULL : b->p + base + (size_t)k * row, row))
            return -1;
    }
    return 0;
}

/* The embedding: row k of the part's is the grid's row row0 - p0 + k,
 * wrapped or clamped (model.h), so a grid row can fill several. */
static int embedding(zin *s, wbuf *b, size_t base, const ge_shape *sh, int row0, int rows)
{
    const size_t row = (size_t)sh->H * sh->N * 8;
    const long S = rows + 2L * sh->p0, W = sh->W;
    const int wrap = (sh->wrap & GE_WRAP_X) != 0;
    for (long w = 0; w < W; w++) {
        long lo, hi, step = 1; /* rows lo, lo + step, ... <= hi of the part's */
        if (wrap) {
            lo = ((w - row0 + sh->p0) % W + W) % W;
            hi = S - 1, step = W;
        } else {
            lo = hi = w - row0 + sh->p0;
            if (w == 0)
                lo = 0;
            if (w == W - 1)
                hi = S - 1;
        }
        if (lo < 0)
            lo = 0;
        if (hi > S - 1)
            hi = S - 1;
        if (lo > hi) {
            if (zin_read(s, NULL, row))
                return -1;
            continue;
        }
        unsigned char *first = b->p + base + (size_t)lo * row;
        if (zin_read(s, first, row))
            return -1;
        for (long k = lo + step; k <= hi; k += step)
            memcpy(b->p + base + (size_t)k * row, first, row);
    }
    return 0;
}

/* The payload of the part, from the stream after the shape (kept in b):
 * 0, -1 when the stream is damaged or memory runs out (b->oom), -2 when
 * the part would not fit in memory (err). */
static int thin_payload(zin *s, wbuf *b, const ge_shape *sh, int version, int row0, int rows,
                        const char *name, ge_error *err)
{
    const size_t O = (size_t)sh->O, held = (size_t)rows * sh->H;
    const size_t kernel = O * sh->N * (2 * (size_t)sh->p0 + 1) * (2 * (size_t)sh->p1 + 1);
    size_t head, more;
    while (!(head = ge_model_head_bytes(b->p, b->len, sh->O, &more)))
        if (!more || keep(s, b, more))
            return -1;
    /* everything held at once, counted before it is allocated */
    double bytes = (double)head + (((double)rows + 2.0 * sh->p0) * sh->H * sh->N + kernel + O) * 8 +
                   (double)held * 4 * (1 + O);
    ge_error why;
    if (ge_mem_check(2 * bytes, "loading the model's part", &why)) {
        ge_fail(err, "%s: %s", name, why.msg);
        return -2;
    }
    size_t at = b->len;
    if (!grow(b, ((size_t)rows + 2 * (size_t)sh->p0) * sh->H * sh->N * 8) ||
        embedding(s, b, at, sh, row0, rows) || keep(s, b, (kernel + O) * 8))
        return -1;
    if (version >= 2) { /* the mask distance, then the coverage if any */
        if (keep(s, b, 8 + 4))
            return -1;
        uint32_t has = u32_at(b, b->len - 4);
        if (has > 1 || (has && ((at = b->len), !grow(b, held * 4) ||
                                cells(s, b, at, sh, row0, rows, (size_t)sh->H * 4))))
            return -1;
    }
    if (version >= 3) { /* the transforms, then the spread if any */
        if (keep(s, b, 4))
            return -1;
        uint32_t has = u32_at(b, b->len - 4);
        if (has > 1 || (has && keep(s, b, O)) || keep(s, b, 4))
            return -1;
        has = u32_at(b, b->len - 4);
        if (has > 1 || (has && keep(s, b, 8 * O)))
            return -1;
        at = b->len;
        if (has && !grow(b, O * held * 4))
            return -1;
        for (size_t o = 0; has && o < O; o++)
            if (cells(s, b, at + o * held * 4, sh, row0, rows, (size_t)sh->H * 4))
                return -1;
    }
    return s->left > (uint64_t)1 << 30 ? -1 : keep(s, b, (size_t)s->left); /* covariates, grid */
}

int ge_model_load_part(const char *path, int row0, int rows, ge_model *m, ge_meta *meta,
                       ge_error *err)
{
    memset(m, 0, sizeof *m);
    memset(meta, 0, sizeof *meta);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ge_fail(err, "%s: cannot open model: %s", path, strerror(errno));
    unsigned char hd[GE_MODEL_HEADER];
    size_t got = fread(hd, 1, sizeof hd, f);
    uint32_t version;
    uint64_t plen, zlen;
    struct stat st;
    if (ferror(f)) {
        fclose(f);
        return ge_fail(err, "%s: read error (is it a directory?)", path);
    }
    if (ge_model_read_header(hd, got, path, &version, &plen, &zlen, err)) {
        fclose(f);
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size < GE_MODEL_HEADER + zlen + 4) {
        fclose(f);
        return ge_fail(err, "%s: truncated model file (%lld of %llu bytes)", path,
                       (long long)st.st_size, (unsigned long long)(GE_MODEL_HEADER + zlen + 4));
    }
    zin *s = calloc(1, sizeof *s);
    wbuf b = {0};
    int rc = -1, damaged = 1;
    if (!s || inflateInit(&s->z) != Z_OK) {
        free(s);
        fclose(f);
        return ge_fail(err, "%s: out of memory reading the model", path);
    }
    s->f = f, s->zleft = zlen, s->left = plen;
    s->crc = crc32(crc32(0L, Z_NULL, 0), hd, GE_MODEL_HEADER);
    if (plen < GE_MODEL_SHAPE || keep(s, &b, GE_MODEL_SHAPE))
        goto done;
    const ge_shape sh = ge_model_read_shape(b.p);
    ge_error why;
    if (ge_shape_check(&sh, &why)) {
        damaged = 0;
        ge_fail(err, "%s: model file holds an invalid model: %s", path, why.msg);
        goto done;
    }
    damaged = 0;
    if (ge_model_payload_fits(&sh, (int)version, plen, path, err))
        goto done;
    if (row0 < 0 || row0 >= sh.W || rows < 0 || rows > sh.W ||
        (!(sh.wrap & GE_WRAP_X) && row0 + rows > sh.W)) {
        ge_fail(err, "%s: rows %d to %d are not a part of a model %d cells wide", path, row0,
                row0 + rows - 1, sh.W);
        goto done;
    }
    int trc = thin_payload(s, &b, &sh, (int)version, row0, rows, path, err);
    if (trc == -1 && b.oom)
        ge_fail(err, "%s: out of memory reading the model", path);
    if ((damaged = trc == -1 && !b.oom) || trc)
        goto done;
    unsigned char tail[5];
    size_t ntail = 0;
    if ((damaged = zin_end(s) != 0) || (ntail = fread(tail, 1, sizeof tail, f)) != 4) {
        if (!damaged)
            ge_fail(err, ntail > 4 ? "%s: unexpected data after the end of the model"
                                   : "%s: truncated model file",
                    path);
        goto done;
    }
    rbuf t = {.p = tail, .len = 4};
    if ((uint32_t)s->crc != get_u32(&t)) {
        damaged = 0;
        ge_fail(err, "%s: model file is corrupted (checksum mismatch)", path);
        goto done;
    }
    const int part[2] = {row0, rows};
    rc = ge_model_decode_payload(b.p, b.len, (int)version, part, path, m, meta, err);
done:
    if (rc && damaged)
        ge_fail(err, "%s: model file is corrupted (bad compressed data)", path);
    inflateEnd(&s->z);
    free(s);
    free(b.p);
    fclose(f);
    return rc;
}
