/* The model file: everything needed to predict, and what a user wants to
 * know about how the model was made.
 *
 * Layout (all integers and floats little-endian):
 *   offset 0   8 bytes   magic "GEOEMBED"
 *          8   u32       format version (GE_MODELFILE_VERSION)
 *         12   u32       flags (0)
 *         16   u64       payload size, uncompressed
 *         24   u64       payload size, compressed (zlib)
 *         32   ...       compressed payload
 *         end  u32       CRC-32 of every byte before it
 * Payload: the shape, the metadata below, the standardisation, then the
 * parameter slab (E, K, b) as float64; from version 2 then the coverage: f64
 * mask distance, u32 1 or 0, and with 1 the W*H distances as float32 (the
 * model's coverage, model.h); from version 3 then u32 1 or 0, and with 1 a
 * byte per target: its transform (model.h); then u32 1 or 0, and with 1 the
 * posterior spread: O f64 noise standard deviations and O*W*H f32 field
 * standard deviations (model.h); then u32 P covariates, each its name,
 * i32 categorical, f64 mean and sd, u32 classes and their names, and then
 * O*ncoef f64 coefficients (covariates.h); from version 4 then the source
 * raster's grid: u32 1 or 0, and with 1 its geotransform (6 f64) and size
 * (u64 cols, rows). Versions 1 to 3 still load (no coverage, no transform, no
 * spread, no covariates, no grid). */
#ifndef GEOEMBED_MODELFILE_H
#define GEOEMBED_MODELFILE_H

#include <stdint.h>

#include "geoembed/error.h"
#include "geoembed/model.h"

#define GE_MODELFILE_VERSION 4

/* The largest payload (and compressed payload) a header may declare: the
 * largest shape model.h allows, 2^38 parameters as float64 and 2^32 cells'
 * coverage and spread of 256 outputs as float32, is below 7e12 bytes. A
 * declared size above it, or a payload larger than deflate can make of the
 * compressed size (about 1032:1 at most), is a damaged or foreign file.
 * Whether a process can hold the model is a separate question, asked of the
 * memory available (memory.h) by whoever loads it, whole or in part. */
#define GE_MAX_PAYLOAD ((uint64_t)1 << 43)

typedef struct {
    int version;    /* format version of the file it was read from (0: not read) */
    char *crs;      /* WKT of the model's CRS; "" for an unnamed planar CRS */
    char *xcol, *ycol;  /* coordinate column names of the training data */
    char **targets; /* [ntargets] target names, ntargets == O */
    int ntargets;
    char *source;   /* training input, as given */
    /* how it was trained */
    int loss, optimizer; /* ge_loss_kind, ge_optim_kind */
    double huber_delta, lr, smooth;
    int standardized;
    long epochs, best_epoch;
    uint64_t batch_size, seed;
    uint64_t samples, skipped;
    double train_loss, valid_loss; /* valid_loss NaN when there was none */
    /* The grid of the raster the model was fit from, in the model's CRS
     * (north up): predict's default grid. has_grid 0 for other inputs. */
    int has_grid;
    double grid_gt[6];
    uint64_t grid_cols, grid_rows;
} ge_meta;

/* Writes atomically (temporary name, then rename). */
int ge_model_save(const char *path, const ge_model *m, const ge_meta *meta, ge_error *err);
/* Truncated, corrupted, foreign or newer files are clear errors. */
int ge_model_load(const char *path, ge_model *m, ge_meta *meta, ge_error *err);
/* Serialise to / parse from memory (the loader's core; the fuzzer's entry). */
int ge_model_encode(const ge_model *m, const ge_meta *meta, unsigned char **out, size_t *len,
                    ge_error *err);
int ge_model_decode(const unsigned char *buf, size_t len, const char *name, ge_model *m,
                    ge_meta *meta, ge_error *err);

void ge_meta_free(ge_meta *meta);
/* Deep copy of strings; 0 or -1 (out of memory). */
int ge_meta_set_targets(ge_meta *meta, int O, char *const *names);

#endif
