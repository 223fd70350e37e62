/* The multigrid level kernels for any CPU (mg_kernels.h): SSE2 on x86-64,
 * multiply then add. */
#define KTABLE ge_mg_generic

#include "mg_impl.h"
