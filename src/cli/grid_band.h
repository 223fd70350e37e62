/* predict --grid on several processes (cluster.h): each process computes
 * the same band of columns in every chunk of the grid, and holds only the
 * part of the model (model.h) whose cells that band reads: the model's rows
 * under its columns, and the kernel's reach in the embedding. */
#ifndef GEOEMBED_CLI_GRID_BAND_H
#define GEOEMBED_CLI_GRID_BAND_H

#include "grid.h"
#include "predictor.h"

/* This process's band: columns [*c0, *c0 + *nc) of the grid. */
void grid_band(const grid_spec *g, long *c0, long *nc);
/* Marks in need[W] (zeroed by the caller) every row of the model whose
 * cells a prediction in columns [c0, c0 + nc) reads, of any row of the
 * grid: its read-out's, its block's, its distance's to the samples. */
void grid_band_rows(const grid_spec *g, const ge_model *m, long c0, long nc,
                    unsigned char *need);
/* p's model (its shape, from predictor_load_skeleton) replaced by the part
 * of the model file at path that this process's band reads; with -v rank 0
 * tells the rows each process holds (collective). Returns 0 or an exit
 * status (agreed on by every process). */
int grid_band_model(predictor *p, const grid_spec *g, const char *path);

#endif
