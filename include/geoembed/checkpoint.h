/* Training checkpoints: the model so far plus the epoch loop's state, so that
 * `fit --resume` continues an interrupted training to a byte-identical result.
 *
 * Layout: magic "GECKPT01", u64 fingerprint of the data and settings, u64 size
 * and bytes of an embedded model file, the loop state (little-endian), and a
 * CRC-32 of everything before it. */
#ifndef GEOEMBED_CHECKPOINT_H
#define GEOEMBED_CHECKPOINT_H

#include <stdint.h>

#include "geoembed/model.h"

#include "geoembed/fit.h"
#include "geoembed/modelfile.h"

typedef struct {
    ge_model model;
    ge_meta meta;
    uint64_t fingerprint;
    ge_fit_state state; /* owns state.best and state.opt_state */
} ge_checkpoint;

int ge_checkpoint_save(const char *path, const ge_model *m, const ge_meta *meta,
                       const ge_fit_state *st, uint64_t fingerprint, ge_error *err);
/* Refuses a file that is not a regular file, larger than the largest model
 * allows, or whose loop state contradicts itself (epochs past the --epochs
 * limit, optimiser state that fits no optimiser). */
int ge_checkpoint_load(const char *path, ge_checkpoint *c, ge_error *err);
/* Before resuming: the embedded model has this shape and the epochs completed
 * are at most those asked for. A file's fingerprint is no proof of either. */
int ge_checkpoint_check(const ge_checkpoint *c, const ge_shape *shape, long epochs,
                        const char *path, ge_error *err);
void ge_checkpoint_free(ge_checkpoint *c);

/* FNV-1a over bytes, chained: the fingerprint of data and settings. */
uint64_t ge_fingerprint(uint64_t h, const void *p, size_t n);

#endif
