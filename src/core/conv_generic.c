/* The convolution kernels for any CPU (conv_kernels.h): GCC's two-lane
 * vectors (SSE2 on x86-64, which every x86-64 has), multiply then add. */
#include "conv_kernels.h"

typedef double vd __attribute__((vector_size(16)));
/* The same vector at any double's address, allowed to alias doubles. */
typedef double vdu __attribute__((vector_size(16), aligned(8), may_alias));

#define VL 2
#define VLOAD(p) (*(const vdu *)(p))
#define VSTORE(p, v) (*(vdu *)(p) = (v))
#define VSET1(x) ((vd){(x), (x)})
#define VZERO ((vd){0, 0})
#define VFMA(a, b, c) ((a) * (b) + (c))
#define CORR_NV 2
#define CORR_ACC 12
#define WG_NB 4
#define WG_KB 1
#define KTABLE ge_conv_generic

#include "conv_impl.h"
