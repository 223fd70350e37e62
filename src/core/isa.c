/* Picking the vector unit of the convolution kernels at run time (isa.h). */
#include <stdlib.h>
#include <string.h>

#include "geoembed/isa.h"

static const char *const names[GE_ISA_COUNT] = {"generic", "avx2", "avx512"};

const char *ge_isa_name(ge_isa isa)
{
    return (unsigned)isa < GE_ISA_COUNT ? names[isa] : "?";
}

int ge_isa_parse(const char *name)
{
    for (int i = 0; i < GE_ISA_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int ge_isa_supported(ge_isa isa)
{
    switch (isa) {
    case GE_ISA_GENERIC:
        return 1;
#if defined(__x86_64__) && defined(__GNUC__)
    /* libgcc's checks include the operating system's consent (XGETBV) to
     * the wider register state. */
    case GE_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GE_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && ge_isa_supported(GE_ISA_AVX2);
#endif
    default:
        return 0;
    }
}

ge_isa ge_isa_default(void)
{
    int cap = GE_ISA_COUNT - 1;
    const char *env = getenv("GEOEMBED_SIMD");
    if (env && *env && ge_isa_parse(env) >= 0)
        cap = ge_isa_parse(env);
    for (int i = cap; i > 0; i--)
        if (ge_isa_supported((ge_isa)i))
            return (ge_isa)i;
    return GE_ISA_GENERIC;
}
