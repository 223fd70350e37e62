/* Checkpoint files for fit --checkpoint-every / --resume. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "bytes.h"
#include "geoembed/checkpoint.h"
#include "geoembed/memory.h"
#include "geoembed/outfile.h"

static const char MAGIC[8] = {'G', 'E', 'C', 'K', 'P', 'T', '0', '1'};

uint64_t ge_fingerprint(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (h == 0)
        h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int ge_checkpoint_save(const char *path, const ge_model *m, const ge_meta *meta,
                       const ge_fit_state *st, uint64_t fingerprint, ge_error *err)
{
    unsigned char *model;
    size_t mlen;
    if (ge_model_encode(m, meta, &model, &mlen, err))
        return -1;
    wbuf b = {0};
    put(&b, MAGIC, 8);
    put_u64(&b, fingerprint);
    put_u64(&b, mlen);
    put(&b, model, mlen);
    free(model);
    put_u64(&b, (uint64_t)st->epoch);
    put_f64(&b, st->best_score);
    put_u64(&b, (uint64_t)st->since_best);
    put_u64(&b, (uint64_t)st->res.epochs_run);
    put_u64(&b, (uint64_t)st->res.best_epoch);
    put_f64(&b, st->res.train_loss);
    put_f64(&b, st->res.valid_loss);
    put_u64(&b, m->n_params);
    for (size_t i = 0; i < m->n_params; i++)
        put_f64(&b, st->best[i]);
    put_u64(&b, (uint64_t)st->opt_t);
    put_u64(&b, st->opt_words);
    for (size_t i = 0; i < st->opt_words; i++)
        put_f64(&b, st->opt_state[i]);
    for (int i = 0; i < 4; i++)
        put_u64(&b, st->rng.s[i]);
    if (!b.oom)
        put_u32(&b, (uint32_t)crc32_z(0L, b.p, b.len));
    if (b.oom) {
        free(b.p);
        return ge_fail(err, "out of memory writing the checkpoint");
    }
    ge_outfile out;
    if (ge_outfile_open(&out, path, err)) {
        free(b.p);
        return -1;
    }
    size_t wrote = fwrite(b.p, 1, b.len, out.f);
    free(b.p);
    if (wrote != b.len) {
        ge_fail(err, "%s: write failed: %s", path, strerror(errno));
        ge_outfile_abort(&out);
        return -1;
    }
    return ge_outfile_commit(&out, err);
}

/* The largest checkpoint there can be: a model file of the largest model plus
 * best parameters and Adam's two moments. Anything longer is not ours. */
#define MAX_CHECKPOINT ((double)GE_MAX_PAYLOAD + (double)GE_MAX_PARAMS * 8 * 3 + (1u << 28))
/* --epochs takes at most this many; an epoch counter beyond it is forged. */
#define MAX_EPOCHS 100000000L

/* The whole file, which must be a regular file (never /dev/zero or a FIFO,
 * which would be read without end) of a plausible size that fits in memory. */
static int read_all(const char *path, unsigned char **buf, size_t *len, ge_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ge_fail(err, "%s: cannot open checkpoint: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ge_fail(err, "%s: not a regular file (a checkpoint is one)", path);
    }
    if ((double)st.st_size > MAX_CHECKPOINT) {
        fclose(f);
        return ge_fail(err, "%s: %lld bytes is larger than any checkpoint", path,
                       (long long)st.st_size);
    }
    ge_error why;
    if (ge_mem_check((double)st.st_size, "reading the checkpoint", &why)) {
        fclose(f);
        return ge_fail(err, "%s: %s", path, why.msg);
    }
    size_t want = (size_t)st.st_size;
    *buf = malloc(want + 1);
    if (!*buf) {
        fclose(f);
        return ge_fail(err, "%s: out of memory", path);
    }
    /* no more than the size seen, and a byte more to notice a file that grew */
    *len = fread(*buf, 1, want + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || *len != want) {
        free(*buf);
        *buf = NULL;
        return ge_fail(err, "%s: %s", path, bad ? "read error" : "changed while being read");
    }
    return 0;
}

int ge_checkpoint_load(const char *path, ge_checkpoint *c, ge_error *err)
{
    memset(c, 0, sizeof *c);
    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_all(path, &buf, &len, err))
        return -1;
    int rc = -1;
    if (len < 8 + 4 || memcmp(buf, MAGIC, 8) != 0) {
        ge_fail(err, "%s: not a geoembed checkpoint", path);
        goto done;
    }
    rbuf t = {.p = buf + len - 4, .len = 4};
    if ((uint32_t)crc32_z(0L, buf, len - 4) != get_u32(&t)) {
        ge_fail(err, "%s: checkpoint is truncated or corrupted (checksum mismatch)", path);
        goto done;
    }
    rbuf r = {.p = buf, .len = len - 4, .pos = 8};
    c->fingerprint = get_u64(&r);
    uint64_t mlen = get_u64(&r);
    const unsigned char *model = mlen <= len ? take(&r, (size_t)mlen) : NULL;
    if (!model || ge_model_decode(model, (size_t)mlen, path, &c->model, &c->meta, err)) {
        if (!model)
            ge_fail(err, "%s: checkpoint is damaged", path);
        goto done;
    }
    ge_fit_state *st = &c->state;
    st->epoch = (long)get_u64(&r);
    st->best_score = get_f64(&r);
    st->since_best = (long)get_u64(&r);
    st->res.epochs_run = (long)get_u64(&r);
    st->res.best_epoch = (long)get_u64(&r);
    st->res.train_loss = get_f64(&r);
    st->res.valid_loss = get_f64(&r);
    uint64_t np = get_u64(&r);
    if (r.bad || np != c->model.n_params) {
        ge_fail(err, "%s: checkpoint is damaged", path);
        goto done;
    }
    /* The loop continues from these counters: they must agree with each other
     * and stay where epoch + 1 cannot overflow. */
    if (st->epoch < 0 || st->epoch > MAX_EPOCHS || st->res.epochs_run != st->epoch ||
        st->res.best_epoch < 0 || st->res.best_epoch > st->epoch || st->since_best < 0 ||
        st->since_best > st->epoch) {
        ge_fail(err, "%s: checkpoint is damaged (epoch counters %ld, %ld, %ld, %ld)", path,
                st->epoch, st->res.epochs_run, st->res.best_epoch, st->since_best);
        goto done;
    }
    st->best = malloc(np * sizeof *st->best);
    for (size_t i = 0; st->best && i < np; i++)
        st->best[i] = get_f64(&r);
    st->opt_t = (long)get_u64(&r);
    st->opt_words = (size_t)get_u64(&r);
    /* optimiser state: none (plain sgd), momentum (n words) or Adam (2n) */
    if (r.bad || st->opt_t < 0 ||
        (st->opt_words != 0 && st->opt_words != np && st->opt_words != 2 * np)) {
        ge_fail(err, "%s: checkpoint is damaged", path);
        goto done;
    }
    st->opt_state = malloc((st->opt_words ? st->opt_words : 1) * sizeof *st->opt_state);
    for (size_t i = 0; st->opt_state && i < st->opt_words; i++)
        st->opt_state[i] = get_f64(&r);
    for (int i = 0; i < 4; i++)
        st->rng.s[i] = get_u64(&r);
    if (!st->best || !st->opt_state) {
        ge_fail(err, "%s: out of memory", path);
        goto done;
    }
    if (r.bad || r.pos != r.len) {
        ge_fail(err, "%s: checkpoint is damaged", path);
        goto done;
    }
    rc = 0;
done:
    free(buf);
    if (rc)
        ge_checkpoint_free(c);
    return rc;
}

int ge_checkpoint_check(const ge_checkpoint *c, const ge_shape *shape, long epochs,
                        const char *path, ge_error *err)
{
    const ge_shape *k = &c->model.s;
    if (k->W != shape->W || k->H != shape->H || k->N != shape->N || k->p0 != shape->p0 ||
        k->p1 != shape->p1 || k->O != shape->O || k->wrap != shape->wrap ||
        k->readout != shape->readout || k->xmin != shape->xmin || k->ymin != shape->ymin ||
        k->width != shape->width || k->height != shape->height)
        return ge_fail(err, "%s: the checkpoint holds a %dx%d x %d model with %d outputs, not "
                            "the %dx%d x %d with %d outputs of this fit (damaged or forged?)",
                       path, k->W, k->H, k->N, k->O, shape->W, shape->H, shape->N, shape->O);
    if (c->state.epoch > epochs)
        return ge_fail(err, "%s: the checkpoint is at epoch %ld, past the %ld of this fit", path,
                       c->state.epoch, epochs);
    return 0;
}

void ge_checkpoint_free(ge_checkpoint *c)
{
    ge_model_free(&c->model);
    ge_meta_free(&c->meta);
    free(c->state.best);
    free(c->state.opt_state);
    memset(c, 0, sizeof *c);
}
