/* The convolution engine of training: the field at every grid cell and the
 * gradient of the parameters from the field's gradient, for the whole grid
 * at once. Shapes: see model.h.
 *
 * It works on channel-planar copies with a halo: the embedding padded by the
 * wrap/clamp rule (Ep[N][W+KW-1][..]), so that the field is a valid
 * correlation with no border case, vectorised across cells of a column. The
 * backward is in gather form: each padded embedding position sums the field
 * gradient over its KW x KH neighbours (a correlation with the flipped
 * kernel), then the halo is folded back onto the cells it copies. Every value
 * is written by one thread, with its terms in a fixed order, so results do
 * not depend on the thread count and threads need no gradient copies; the
 * kernel's gradient is summed per fixed block of rows, then over blocks in
 * order.
 *
 * The kernels run on the vector unit chosen at ge_conv_new (isa.h). Against
 * ge_block_forward / ge_block_backward the results differ only by rounding
 * (another order of the same terms, fused multiply-adds). */
#ifndef GEOEMBED_CONV_H
#define GEOEMBED_CONV_H

#include <stddef.h>

#include "geoembed/error.h"
#include "geoembed/isa.h"
#include "geoembed/model.h"

typedef struct ge_conv ge_conv;

/* A workspace for models of shape s, running on isa (which must be
 * supported: ge_isa_supported). NULL and err on failure. */
ge_conv *ge_conv_new(const ge_shape *s, ge_isa isa, ge_error *err);
void ge_conv_free(ge_conv *c);
ge_isa ge_conv_isa(const ge_conv *c);
/* Bytes a workspace of shape s takes (for memory estimates). */
double ge_conv_bytes(const ge_shape *s);

/* F[W*H][O] = b + K * (embedding block) at every grid cell. */
void ge_conv_forward(double *F, ge_conv *c, const ge_model *m);

/* Given the field's gradient dF[W*H][O], sets (=) the gradient of the
 * embedding dE[W][H][N], of the kernel dK[O][N][KW][KH] (torch layout) and
 * of the bias db[O]: no caller has to clear them first. Reads the embedding as the last ge_conv_forward
 * packed it: call it after the forward of the same parameters. */
void ge_conv_backward(double *dE, double *dK, double *db, ge_conv *c, const ge_model *m,
                      const double *dF);

#endif
