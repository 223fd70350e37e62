/* The model file: a small header, a zlib-compressed little-endian payload,
 * and a CRC-32 over everything. See include/geoembed/modelfile.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "geoembed/memory.h"
#include "geoembed/modelfile.h"
#include "geoembed/outfile.h"
#include "bytes.h"
#include "model_payload.h"

static const char MAGIC[8] = {'G', 'E', 'O', 'E', 'M', 'B', 'E', 'D'};
enum { HEADER = GE_MODEL_HEADER };

/* ---- payload ---- */

/* The payload up to the parameter count: what precedes the embedding. */
void ge_model_encode_head(wbuf *b, const ge_model *m, const ge_meta *meta)
{
    const ge_shape *s = &m->s;
    put_i32(b, s->W);
    put_i32(b, s->H);
    put_i32(b, s->N);
    put_i32(b, s->p0);
    put_i32(b, s->p1);
    put_i32(b, s->O);
    put_i32(b, (int32_t)s->wrap);
    put_i32(b, (int32_t)s->readout);
    put_f64(b, s->xmin);
    put_f64(b, s->ymin);
    put_f64(b, s->width);
    put_f64(b, s->height);
    put_str(b, meta->crs);
    put_str(b, meta->xcol);
    put_str(b, meta->ycol);
    for (int o = 0; o < s->O; o++)
        put_str(b, meta->targets ? meta->targets[o] : NULL);
    put_str(b, meta->source);
    put_i32(b, meta->loss);
    put_i32(b, meta->optimizer);
    put_f64(b, meta->huber_delta);
    put_f64(b, meta->lr);
    put_f64(b, meta->smooth);
    put_i32(b, meta->standardized);
    put_u64(b, (uint64_t)meta->epochs);
    put_u64(b, (uint64_t)meta->best_epoch);
    put_u64(b, meta->batch_size);
    put_u64(b, meta->seed);
    put_u64(b, meta->samples);
    put_u64(b, meta->skipped);
    put_f64(b, meta->train_loss);
    put_f64(b, meta->valid_loss);
    for (int o = 0; o < s->O; o++)
        put_f64(b, m->y_mean[o]);
    for (int o = 0; o < s->O; o++)
        put_f64(b, m->y_std[o]);
    /* the whole model's count, a part's too (written in stripes) */
    put_u64(b, m->part ? m->n_params - m->n_emb + (size_t)s->W * s->H * s->N : m->n_params);
}

/* The payload after the embedding: the kernel and bias, then the rest. */
void ge_model_encode_rest_lead(wbuf *b, const ge_model *m)
{
    for (size_t i = m->n_emb; i < m->n_params; i++)
        put_f64(b, m->params[i]);
    put_f64(b, m->mask_distance);
    put_u32(b, m->coverage != NULL);
}

void ge_model_encode_coverage(wbuf *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        put_u32(b, bits);
    }
}

void ge_model_encode_rest(wbuf *b, const ge_model *m, const ge_meta *meta)
{
    ge_model_encode_rest_lead(b, m);
    if (m->coverage)
        ge_model_encode_coverage(b, m->coverage, (size_t)m->s.W * m->s.H);
    ge_model_encode_rest_tail(b, m, meta);
}

void ge_model_encode_rest_tail(wbuf *b, const ge_model *m, const ge_meta *meta)
{
    const ge_shape *s = &m->s;
    put_u32(b, m->transform != NULL);
    if (m->transform)
        put(b, m->transform, (size_t)s->O);
    put_u32(b, m->noise_sd != NULL);
    for (int o = 0; m->noise_sd && o < s->O; o++)
        put_f64(b, m->noise_sd[o]);
    for (size_t i = 0; m->noise_sd && i < (size_t)s->W * s->H * s->O; i++) {
        uint32_t bits;
        memcpy(&bits, &m->field_sd[i], sizeof bits);
        put_u32(b, bits);
    }
    put_u32(b, (uint32_t)m->cov.P);
    for (int j = 0; j < m->cov.P; j++) {
        const ge_covariate *c = &m->cov.c[j];
        put_str(b, c->name);
        put_i32(b, c->categorical);
        put_f64(b, c->mean);
        put_f64(b, c->sd);
        put_u32(b, (uint32_t)c->nclass);
        for (int q = 0; q < c->nclass; q++)
            put_str(b, c->classes[q]);
    }
    for (size_t i = 0; m->cov.P && i < (size_t)s->O * m->cov.ncoef; i++)
        put_f64(b, m->coef[i]);
    put_u32(b, meta->has_grid != 0);
    for (int i = 0; meta->has_grid && i < 6; i++)
        put_f64(b, meta->grid_gt[i]);
    if (meta->has_grid) {
        put_u64(b, meta->grid_cols);
        put_u64(b, meta->grid_rows);
    }
}

static void encode_payload(wbuf *b, const ge_model *m, const ge_meta *meta)
{
    ge_model_encode_head(b, m, meta);
    for (size_t i = 0; i < m->n_emb; i++)
        put_f64(b, m->params[i]);
    ge_model_encode_rest(b, m, meta);
}

/* The covariates block of version 3 (see modelfile.h); sets r->bad. */
static void decode_covariates(rbuf *r, ge_model *m)
{
    uint32_t P = get_u32(r);
    if (r->bad || P == 0)
        return;
    if (P > GE_MAX_COVARIATES || !(m->cov.c = calloc(P, sizeof *m->cov.c))) {
        r->bad = 1;
        return;
    }
    m->cov.P = (int)P;
    for (uint32_t j = 0; j < P && !r->bad; j++) {
        ge_covariate *c = &m->cov.c[j];
        c->name = get_str(r);
        c->categorical = get_i32(r);
        c->mean = get_f64(r);
        c->sd = get_f64(r);
        uint32_t nc = get_u32(r);
        if (r->bad || (c->categorical != 0 && c->categorical != 1) || !isfinite(c->mean) ||
            !(c->sd > 0) || !isfinite(c->sd) || nc > GE_MAX_CLASSES ||
            (c->categorical && nc < 2) || (!c->categorical && nc != 0) ||
            !(c->classes = calloc(nc + 1, sizeof *c->classes))) {
            r->bad = 1;
            return;
        }
        for (uint32_t q = 0; q < nc && !r->bad; q++)
            if ((c->classes[q] = get_str(r)))
                c->nclass++;
    }
    m->cov.ncoef = ge_covariates_columns(&m->cov);
    size_t n = (size_t)m->s.O * m->cov.ncoef;
    if (r->bad || m->cov.ncoef > GE_MAX_DESIGN || r->len - r->pos < 8 * n || !(m->coef = malloc((n ? n : 1) * sizeof *m->coef))) {
        r->bad = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(m->coef[i] = get_f64(r)))
            r->bad = 1;
}

void ge_model_header(unsigned char out[GE_MODEL_HEADER], uint64_t raw, uint64_t zlen)
{
    wbuf b = {.p = out, .cap = GE_MODEL_HEADER};
    put(&b, MAGIC, 8);
    put_u32(&b, GE_MODELFILE_VERSION);
    put_u32(&b, 0); /* flags */
    put_u64(&b, raw);
    put_u64(&b, zlen);
}

/* A spread value the model file holds: finite and not negative. */
static int spread_value(double v) { return v >= 0 && isfinite(v); }

/* Whether the reader (ge_model_load) takes m's numbers back: a model it
 * would call damaged is never written. */
static int readable_numbers(const ge_model *m)
{
    const size_t n = (size_t)m->s.W * m->s.H * m->s.O;
    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(m->params[i]))
            return 0;
    for (int o = 0; o < m->s.O; o++)
        if (!isfinite(m->y_mean[o]) || !isfinite(m->y_std[o]) ||
            (m->noise_sd && !spread_value(m->noise_sd[o])))
            return 0;
    for (size_t i = 0; m->noise_sd && i < n; i++)
        if (!spread_value(m->field_sd[i]))
            return 0;
    return 1;
}

int ge_model_encode(const ge_model *m, const ge_meta *meta, unsigned char **out, size_t *len,
                    ge_error *err)
{
    wbuf payload = {0}, file = {0};
    if (!readable_numbers(m))
        return ge_fail(err, "the model has a number that is not finite (a parameter, or its "
                            "spread's): not written");
    encode_payload(&payload, m, meta);
    uLongf zlen = compressBound(payload.len);
    if (payload.oom)
        goto oom;
    if (!(file.p = malloc(HEADER + zlen + 4)))
        goto oom;
    file.cap = HEADER + zlen + 4;
    if (compress2(file.p + HEADER, &zlen, payload.p, payload.len, 6) != Z_OK)
        goto oom;
    ge_model_header(file.p, payload.len, zlen);
    file.len = HEADER + zlen;
    put_u32(&file, (uint32_t)crc32_z(0L, file.p, file.len));
    free(payload.p);
    *out = file.p;
    *len = file.len;
    return 0;
oom:
    free(payload.p);
    free(file.p);
    return ge_fail(err, "out of memory encoding the model");
}

/* The source raster's grid (version 4): -1 when it cannot be a grid. */
static int read_grid(rbuf *r, ge_meta *meta)
{
    uint32_t has = get_u32(r);
    if (has > 1)
        return -1;
    meta->has_grid = (int)has;
    if (!has)
        return 0;
    for (int i = 0; i < 6; i++)
        meta->grid_gt[i] = get_f64(r);
    meta->grid_cols = get_u64(r);
    meta->grid_rows = get_u64(r);
    const double *gt = meta->grid_gt;
    int ok = !r->bad && gt[1] > 0 && gt[5] < 0 && gt[2] == 0 && gt[4] == 0 && isfinite(gt[0]) &&
             isfinite(gt[3]) && isfinite(gt[1]) && isfinite(gt[5]) && meta->grid_cols >= 1 &&
             meta->grid_rows >= 1 && meta->grid_cols <= 2147483647u &&
             meta->grid_rows <= 2147483647u;
    return ok ? 0 : -1;
}

static int check_version(uint32_t version, uint32_t flags, const char *name, ge_error *err)
{
    if (version > GE_MODELFILE_VERSION || version == 0)
        return ge_fail(err,
                       "%s: model file format version %u is not supported by this geoembed "
                       "(it reads version %d); %s",
                       name, version, GE_MODELFILE_VERSION,
                       version ? "upgrade geoembed" : "the file is damaged");
    if (flags != 0)
        return ge_fail(err, "%s: model file uses features this geoembed does not know", name);
    return 0;
}

/* Beyond what the format allows (GE_MAX_PAYLOAD), or more than deflate can
 * make of zlen bytes: it never expands more than about 1032:1. */
static int impossible_size(uint64_t plen, uint64_t zlen)
{
    return plen > GE_MAX_PAYLOAD || zlen > GE_MAX_PAYLOAD || plen > zlen * 1100 + 4096;
}

/* The file header's fields (got bytes of it), its magic and version
 * checked; the sizes are the caller's to check. */
static int header_fields(const unsigned char *h, size_t got, const char *name,
                         uint32_t *version, uint64_t *plen, uint64_t *zlen, ge_error *err)
{
    if (got < 8 || memcmp(h, MAGIC, 8) != 0)
        return ge_fail(err, "%s: not a geoembed model file", name);
    if (got < HEADER)
        return ge_fail(err, "%s: truncated model file (%zu bytes)", name, got);
    rbuf r = {.p = h, .len = HEADER, .pos = 8};
    *version = get_u32(&r);
    uint32_t flags = get_u32(&r);
    *plen = get_u64(&r);
    *zlen = get_u64(&r);
    return check_version(*version, flags, name, err);
}

int ge_model_read_header(const unsigned char *h, size_t got, const char *name,
                         uint32_t *version, uint64_t *plen, uint64_t *zlen, ge_error *err)
{
    if (header_fields(h, got, name, version, plen, zlen, err))
        return -1;
    if (impossible_size(*plen, *zlen))
        return ge_fail(err, "%s: model file declares an impossible size", name);
    return 0;
}

int ge_model_payload_fits(const ge_shape *s, int version, uint64_t plen, const char *name,
                          ge_error *err)
{
    /* the slab, the standardisation and the count, plus at most 4 + O strings */
    double slab = (double)ge_shape_param_bytes(s) + 16.0 * s->O + 8;
    double strings = (4.0 + s->O) * (4.0 + BYTES_MAX_STRING) + 256;
    if (version >= 2) /* the coverage section */
        strings += 12.0 + 4.0 * s->W * s->H;
    if (version >= 3) /* the transforms' and the spread's sections: O*W*H f32 at most */
        strings += 8.0 + 9.0 * s->O + 4.0 * s->W * s->H * s->O;
    if (version >= 4) /* the source raster's grid */
        strings += 4.0 + 8 * 8;
    if ((double)plen < GE_MODEL_SHAPE + slab || (double)plen > GE_MODEL_SHAPE + slab + strings)
        return ge_fail(err, "%s: model file is damaged: a %dx%d x %d model with %d outputs "
                            "cannot have a payload of %llu bytes",
                       name, s->W, s->H, s->N, s->O, (unsigned long long)plen);
    return 0;
}

ge_shape ge_model_read_shape(const unsigned char head[GE_MODEL_SHAPE])
{
    rbuf r = {.p = head, .len = GE_MODEL_SHAPE};
    ge_shape s = {0};
    s.W = get_i32(&r);
    s.H = get_i32(&r);
    s.N = get_i32(&r);
    s.p0 = get_i32(&r);
    s.p1 = get_i32(&r);
    s.O = get_i32(&r);
    s.wrap = (ge_wrap)get_i32(&r);
    s.readout = (ge_readout)get_i32(&r);
    s.xmin = get_f64(&r);
    s.ymin = get_f64(&r);
    s.width = get_f64(&r);
    s.height = get_f64(&r);
    return s;
}

size_t ge_model_head_bytes(const unsigned char *p, size_t len, int O, size_t *more)
{
    size_t pos = GE_MODEL_SHAPE;
    *more = 0;
    /* the names: CRS, x and y columns, the O targets, the source */
    for (int k = 0; k < 4 + O; k++) {
        if (len < pos + 4) {
            *more = pos + 4 - len;
            return 0;
        }
        rbuf r = {.p = p + pos, .len = 4};
        uint32_t n = get_u32(&r);
        if (n > BYTES_MAX_STRING)
            return 0;
        pos += 4 + (size_t)n;
    }
    /* how it was trained (3 i32, 5 f64, 6 u64), the standardisation, the count */
    pos += 3 * 4 + 5 * 8 + 6 * 8 + 16 * (size_t)O + 8;
    if (len < pos) {
        *more = pos - len;
        return 0;
    }
    return pos;
}

/* zlib counts in 32 bits: a payload or a compressed payload of more than
 * 4 GiB goes through it in steps. */
#define ZSTEP ((uint64_t)1 << 30)

/* The next step of the compressed bytes in[left] when z has used its input. */
static void feed(z_stream *z, const unsigned char **in, uint64_t *left)
{
    if (z->avail_in > 0 || *left == 0)
        return;
    uint64_t k = *left < ZSTEP ? *left : ZSTEP;
    z->next_in = (unsigned char *)(uintptr_t)*in;
    z->avail_in = (uInt)k;
    *in += k;
    *left -= k;
}

int ge_model_decode(const unsigned char *buf, size_t len, const char *name, ge_model *m,
                    ge_meta *meta, ge_error *err)
{
    memset(m, 0, sizeof *m);
    memset(meta, 0, sizeof *meta);
    uint32_t version;
    uint64_t plen, zlen;
    if (header_fields(buf, len, name, &version, &plen, &zlen, err))
        return -1;
    if (len < HEADER + 4)
        return ge_fail(err, "%s: truncated model file (%zu bytes)", name, len);
    meta->version = (int)version;
    if (zlen > len - HEADER - 4)
        return ge_fail(err, "%s: truncated model file (%zu of %llu bytes)", name, len,
                       (unsigned long long)(zlen + HEADER + 4));
    if (zlen < len - HEADER - 4)
        return ge_fail(err, "%s: unexpected data after the end of the model", name);
    rbuf t = {.p = buf + HEADER + zlen, .len = 4};
    if ((uint32_t)crc32_z(0L, buf, HEADER + (size_t)zlen) != get_u32(&t))
        return ge_fail(err, "%s: model file is corrupted (checksum mismatch)", name);
    if (impossible_size(plen, zlen))
        return ge_fail(err, "%s: model file declares an impossible size", name);

    /* The shape first (the payload's first SHAPE bytes): the parameter slab it
     * declares must fit in the payload and in memory before anything is
     * inflated or allocated at the payload's declared size. */
    enum { SHAPE = GE_MODEL_SHAPE };
    unsigned char head[SHAPE];
    z_stream z = {0};
    if (plen < SHAPE || inflateInit(&z) != Z_OK)
        return ge_fail(err, "%s: model file is corrupted (bad compressed data)", name);
    const unsigned char *in = buf + HEADER;
    uint64_t in_left = zlen;
    z.next_out = head;
    z.avail_out = SHAPE;
    int zrc;
    do {
        feed(&z, &in, &in_left);
        zrc = inflate(&z, Z_SYNC_FLUSH);
    } while (zrc == Z_OK && z.avail_out != 0);
    if ((zrc != Z_OK && zrc != Z_STREAM_END) || z.avail_out != 0) {
        inflateEnd(&z);
        return ge_fail(err, "%s: model file is corrupted (bad compressed data)", name);
    }
    ge_shape s = ge_model_read_shape(head);
    ge_error why;
    if (ge_shape_check(&s, &why)) {
        inflateEnd(&z);
        return ge_fail(err, "%s: model file holds an invalid model: %s", name, why.msg);
    }
    if (ge_model_payload_fits(&s, (int)version, plen, name, err)) {
        inflateEnd(&z);
        return -1;
    }
    double slab = (double)ge_shape_param_bytes(&s) + 16.0 * s.O + 8;
    /* held at once: the payload and the model made from it */
    if (ge_mem_check((double)plen + slab, "loading the model", &why)) {
        inflateEnd(&z);
        return ge_fail(err, "%s: %s", name, why.msg);
    }
    unsigned char *payload = malloc(plen);
    if (!payload) {
        inflateEnd(&z);
        return ge_fail(err, "%s: out of memory reading the model", name);
    }
    memcpy(payload, head, SHAPE);
    /* uInt counts: inflate in steps that fit one, out of and into */
    uint64_t done = SHAPE;
    while (zrc == Z_OK && done < plen) {
        uint64_t step = plen - done < ZSTEP ? plen - done : ZSTEP;
        feed(&z, &in, &in_left);
        z.next_out = payload + done;
        z.avail_out = (uInt)step;
        zrc = inflate(&z, Z_SYNC_FLUSH);
        done += step - z.avail_out;
    }
    while (zrc == Z_OK && done == plen) { /* the stream must end exactly here */
        unsigned char extra;
        feed(&z, &in, &in_left);
        const int last = in_left == 0;
        z.next_out = &extra;
        z.avail_out = 1;
        zrc = inflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
        if (z.avail_out == 0)
            zrc = Z_DATA_ERROR;
        if (last)
            break;
    }
    inflateEnd(&z);
    if (zrc != Z_STREAM_END || done != plen) {
        free(payload);
        return ge_fail(err, "%s: model file is corrupted (bad compressed data)", name);
    }
    int rc = ge_model_decode_payload(payload, plen, (int)version, NULL, name, m, meta, err);
    free(payload);
    return rc;
}

int ge_model_decode_payload(const unsigned char *payload, size_t plen, int version,
                            const int *part, const char *name, ge_model *m, ge_meta *meta,
                            ge_error *err)
{
    memset(m, 0, sizeof *m);
    memset(meta, 0, sizeof *meta);
    meta->version = version;
    if (plen < GE_MODEL_SHAPE)
        return ge_fail(err, "%s: model file is damaged: metadata truncated", name);
    const ge_shape s = ge_model_read_shape(payload);
    ge_error why;
    if (ge_shape_check(&s, &why))
        return ge_fail(err, "%s: model file holds an invalid model: %s", name, why.msg);
    /* a part's payload holds the embedding rows, cells and spread of its rows */
    const size_t held = part ? (size_t)part[1] * s.H : (size_t)s.W * s.H;
    const size_t emb = part ? ((size_t)part[1] + 2 * (size_t)s.p0) * s.H * s.N
                            : (size_t)s.W * s.H * s.N;
    const size_t kernel = (size_t)s.O * s.N * (2 * (size_t)s.p0 + 1) * (2 * (size_t)s.p1 + 1);
    rbuf r = {.p = payload, .len = plen, .pos = GE_MODEL_SHAPE};
    meta->crs = get_str(&r);
    meta->xcol = get_str(&r);
    meta->ycol = get_str(&r);
    meta->targets = calloc((size_t)s.O, sizeof *meta->targets);
    if (!meta->targets)
        r.bad = 1;
    else
        meta->ntargets = s.O;
    for (int o = 0; o < s.O && !r.bad; o++)
        meta->targets[o] = get_str(&r);
    meta->source = get_str(&r);
    meta->loss = get_i32(&r);
    meta->optimizer = get_i32(&r);
    meta->huber_delta = get_f64(&r);
    meta->lr = get_f64(&r);
    meta->smooth = get_f64(&r);
    meta->standardized = get_i32(&r);
    meta->epochs = (long)get_u64(&r);
    meta->best_epoch = (long)get_u64(&r);
    meta->batch_size = get_u64(&r);
    meta->seed = get_u64(&r);
    meta->samples = get_u64(&r);
    meta->skipped = get_u64(&r);
    meta->train_loss = get_f64(&r);
    meta->valid_loss = get_f64(&r);
    /* The parameters must all be there before anything is allocated for them. */
    size_t need = (emb + kernel + 3 * (size_t)s.O + 1) * 8;
    if (!r.bad && r.len - r.pos < need)
        r.bad = 1;
    if (r.bad || (part ? ge_model_init_part(m, &s, part[0], part[1], &why)
                       : ge_model_init(m, &s, &why))) {
        ge_meta_free(meta);
        return ge_fail(err, "%s: model file is damaged: %s", name,
                       r.bad ? "metadata truncated" : why.msg);
    }
    for (int o = 0; o < s.O; o++)
        m->y_mean[o] = get_f64(&r);
    for (int o = 0; o < s.O; o++)
        m->y_std[o] = get_f64(&r);
    uint64_t np = get_u64(&r); /* the whole model's count */
    if (!r.bad && np != (uint64_t)s.W * s.H * s.N + kernel + (uint64_t)s.O)
        r.bad = 1;
    int nonfinite = 0; /* a CRC-valid file with a NaN weight predicted NaN or -inf, exit 0 */
    for (size_t i = 0; i < m->n_params && !r.bad; i++)
        nonfinite |= !isfinite(m->params[i] = get_f64(&r));
    for (int o = 0; o < s.O && !r.bad; o++)
        nonfinite |= !isfinite(m->y_mean[o]) || !isfinite(m->y_std[o]);
    if (version >= 2 && !r.bad) {
        m->mask_distance = get_f64(&r);
        uint32_t has = get_u32(&r);
        size_t n = held;
        if (!(m->mask_distance >= 0) || has > 1 || (has && r.len - r.pos < 4 * n))
            r.bad = 1;
        else if (has && !(m->coverage = malloc((n ? n : 1) * sizeof *m->coverage)))
            r.bad = 1;
        for (size_t i = 0; has && !r.bad && i < n; i++) {
            uint32_t bits = get_u32(&r);
            memcpy(&m->coverage[i], &bits, sizeof bits);
            if (!(m->coverage[i] >= 0)) /* NaN or negative: not a distance */
                r.bad = 1;
        }
    }
    if (version >= 3 && !r.bad) {
        uint32_t has = get_u32(&r);
        if (has > 1 || (has && r.len - r.pos < (size_t)s.O))
            r.bad = 1;
        else if (has && !(m->transform = malloc((size_t)s.O)))
            r.bad = 1;
        const unsigned char *t = has && !r.bad ? take(&r, (size_t)s.O) : NULL;
        for (int o = 0; t && o < s.O; o++)
            if ((m->transform[o] = t[o]) > GE_TRANSFORM_LOG)
                r.bad = 1;
        has = r.bad ? 0 : get_u32(&r);
        size_t n = held * s.O;
        if (has > 1 || (has && r.len - r.pos < 8 * (size_t)s.O + 4 * n))
            r.bad = 1;
        else if (has && (!(m->noise_sd = malloc((size_t)s.O * sizeof *m->noise_sd)) ||
                         !(m->field_sd = malloc((n ? n : 1) * sizeof *m->field_sd))))
            r.bad = 1;
        for (int o = 0; has && !r.bad && o < s.O; o++)
            if (!spread_value(m->noise_sd[o] = get_f64(&r)))
                r.bad = 1;
        for (size_t i = 0; has && !r.bad && i < n; i++) {
            uint32_t bits = get_u32(&r);
            memcpy(&m->field_sd[i], &bits, sizeof bits);
            if (!spread_value(m->field_sd[i]))
                r.bad = 1;
        }
        if (!r.bad)
            decode_covariates(&r, m);
    }
    if (version >= 4 && !r.bad && read_grid(&r, meta))
        r.bad = 1;
    int trailing = r.pos != r.len;
    if (r.bad || trailing || nonfinite) {
        ge_model_free(m);
        ge_meta_free(meta);
        return ge_fail(err, "%s: model file is damaged: %s", name,
                       r.bad      ? "parameters truncated"
                       : trailing ? "unexpected data after the parameters"
                                  : "a parameter or a target's mean or std is not a finite "
                                    "number");
    }
    return 0;
}

int ge_model_save(const char *path, const ge_model *m, const ge_meta *meta, ge_error *err)
{
    unsigned char *buf;
    size_t len;
    ge_outfile out;
    if (ge_model_encode(m, meta, &buf, &len, err))
        return -1;
    if (ge_outfile_open(&out, path, err)) {
        free(buf);
        return -1;
    }
    size_t wrote = fwrite(buf, 1, len, out.f);
    free(buf);
    if (wrote != len) {
        ge_fail(err, "%s: write failed: %s", path, strerror(errno));
        ge_outfile_abort(&out);
        return -1;
    }
    return ge_outfile_commit(&out, err);
}

int ge_model_load(const char *path, ge_model *m, ge_meta *meta, ge_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ge_fail(err, "%s: cannot open model: %s", path, strerror(errno));
    /* The header first: a foreign file (or an endless one such as /dev/zero) is
     * refused before anything is read past it, and no more than the declared
     * size is ever read. */
    unsigned char head[HEADER];
    size_t got = fread(head, 1, HEADER, f);
    if (ferror(f)) {
        fclose(f);
        return ge_fail(err, "%s: read error (is it a directory?)", path);
    }
    uint64_t zlen = 0;
    for (int i = 0; i < 8 && got == HEADER; i++)
        zlen |= (uint64_t)head[24 + i] << (8 * i);
    if (got < 8 || memcmp(head, MAGIC, 8) != 0 || got < HEADER || zlen > GE_MAX_PAYLOAD) {
        fclose(f);
        /* the decoder words the error: foreign, truncated or impossible */
        return ge_model_decode(head, got, path, m, meta, err) == 0
                   ? ge_fail(err, "%s: not a geoembed model file", path)
                   : -1;
    }
    size_t want = HEADER + (size_t)zlen + 4;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < want) {
        fclose(f);
        return ge_fail(err, "%s: truncated model file (%lld of %zu bytes)", path,
                       (long long)st.st_size, want);
    }
    ge_error why;
    if (ge_mem_check((double)want, "reading the model", &why)) {
        fclose(f);
        return ge_fail(err, "%s: %s", path, why.msg);
    }
    /* held at once: the file, its payload and the model made from it (about
     * the payload's size); a model too large for this process is refused
     * before its file is read (a size that cannot be is the decoder's to
     * word, after the checksum) */
    uint64_t plen = 0;
    for (int i = 0; i < 8; i++)
        plen |= (uint64_t)head[16 + i] << (8 * i);
    if (!impossible_size(plen, zlen) &&
        ge_mem_check((double)want + 2.0 * (double)plen, "loading the model", &why)) {
        fclose(f);
        return ge_fail(err, "%s: %s", path, why.msg);
    }
    unsigned char *buf = malloc(want + 1);
    if (!buf) {
        fclose(f);
        return ge_fail(err, "%s: out of memory reading the model", path);
    }
    memcpy(buf, head, HEADER);
    /* one byte more than declared, so that trailing data is noticed */
    size_t len = HEADER + fread(buf + HEADER, 1, want + 1 - HEADER, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        return ge_fail(err, "%s: read error", path);
    }
    int rc = ge_model_decode(buf, len, path, m, meta, err);
    free(buf);
    return rc;
}

void ge_meta_free(ge_meta *meta)
{
    free(meta->crs);
    free(meta->xcol);
    free(meta->ycol);
    free(meta->source);
    for (int i = 0; meta->targets && i < meta->ntargets; i++)
        free(meta->targets[i]);
    free(meta->targets);
    memset(meta, 0, sizeof *meta);
}

int ge_meta_set_targets(ge_meta *meta, int O, char *const *names)
{
    meta->targets = calloc((size_t)O, sizeof *meta->targets);
    if (!meta->targets)
        return -1;
    meta->ntargets = O;
    for (int o = 0; o < O; o++)
        if (!(meta->targets[o] = strdup(names[o])))
            return -1;
    return 0;
}
