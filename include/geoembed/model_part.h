/* A part of a model file, read without holding the rest: predict --grid on
 * several processes, each of which computes a band of the grid and needs
 * the model's cells under it only (the member part of ge_model, model.h).
 *
 * The file's zlib stream is inflated in pieces, once, front to back; the
 * embedding's rows, the coverage's and the spread's are kept where the part
 * holds them and passed over elsewhere, everything else is kept. Memory is
 * that of the part (twice, while its payload is decoded), whatever the
 * model's size; the file is checked as ge_model_load checks it (sizes,
 * checksums, the stream's end). */
#ifndef GEOEMBED_MODEL_PART_H
#define GEOEMBED_MODEL_PART_H

#include "geoembed/error.h"
#include "geoembed/model.h"
#include "geoembed/modelfile.h"

/* Loads the part of the model file at path that holds the cells of rows w =
 * row0 .. row0 + rows - 1 (modulo W along a wrapped x axis; within the
 * grid on a clamped one). rows 0: no cells (the shape, metadata, kernel,
 * and which per-cell arrays the model has, empty). */
int ge_model_load_part(const char *path, int row0, int rows, ge_model *m, ge_meta *meta,
                       ge_error *err);

#endif
