/* Unit tests of src/core/cell.c: cell size rounding, raw cell indices, and
 * the wrap / clamp resolution of neighbour indices. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "geoembed/cell.h"

/* ---- ge_cell_size ------------------------------------------------------ */

Test(cell, size_reference_rounding_lat)
{
    /* SPEC 1: ymin -90, height 180, H 63 gives 2.857142857142861, not 180/63. */
    double ch = ge_cell_size(-90, 180, 63);
    cr_assert_eq(ch, 2.857142857142861, "got %.17g", ch);
    cr_assert_neq(ch, 180.0 / 63, "cell size must not be the naive quotient");
    cr_assert_eq(180.0 / 63, 2.857142857142857);
}

Test(cell, size_reference_rounding_other)
{
    /* Values computed with the reference formula
     *   e = (min + size) - min;  c = (min + e / cells) - min  in IEEE doubles. */
    cr_assert_eq(ge_cell_size(-180, 360, 7), 51.428571428571445);
    cr_assert_neq(ge_cell_size(-180, 360, 7), 360.0 / 7);
    /* Far from the origin the rounding is large. */
    cr_assert_eq(ge_cell_size(1e6, 1.0, 3), 0.33333333337213844);
    /* Exact cases stay exact. */
    cr_assert_eq(ge_cell_size(0, 10, 4), 2.5);
    cr_assert_eq(ge_cell_size(-8, 16, 8), 2.0);
    cr_assert_eq(ge_cell_size(0.1, 0.7, 3), 0.2333333333333333);
}

/* ---- ge_cell_index ----------------------------------------------------- */

Test(cell, index_exact_edges)
{
    /* exterior [0, 10), 4 cells of 2.5 */
    const double c = 2.5;
    cr_assert_eq(ge_cell_index(0.0, 0, c, 4, 1), 0);
    cr_assert_eq(ge_cell_index(2.5, 0, c, 4, 1), 1);
    cr_assert_eq(ge_cell_index(nextafter(2.5, 0), 0, c, 4, 1), 0);
    cr_assert_eq(ge_cell_index(5.0, 0, c, 4, 1), 2);
    cr_assert_eq(ge_cell_index(7.5, 0, c, 4, 1), 3);
    cr_assert_eq(ge_cell_index(nextafter(10.0, 0), 0, c, 4, 1), 3);
    /* the exterior's upper edge gets index W */
    cr_assert_eq(ge_cell_index(10.0, 0, c, 4, 1), 4);
    cr_assert_eq(ge_cell_index(12.4, 0, c, 4, 1), 4);
    cr_assert_eq(ge_cell_index(12.5, 0, c, 4, 1), 5);
}

Test(cell, index_negative_coordinates)
{
    const double c = 2.5;
    cr_assert_eq(ge_cell_index(-1e-300, 0, c, 4, 1), -1);
    cr_assert_eq(ge_cell_index(-0.0, 0, c, 4, 1), 0);
    cr_assert_eq(ge_cell_index(-2.5, 0, c, 4, 1), -1);
    cr_assert_eq(ge_cell_index(nextafter(-2.5, -10), 0, c, 4, 1), -2);
    cr_assert_eq(ge_cell_index(-5.0, 0, c, 4, 1), -2);
    /* a negative origin: [-10, 0) in 4 cells */
    cr_assert_eq(ge_cell_index(-10.0, -10, c, 4, 1), 0);
    cr_assert_eq(ge_cell_index(-7.5, -10, c, 4, 1), 1);
    cr_assert_eq(ge_cell_index(-0.1, -10, c, 4, 1), 3);
    cr_assert_eq(ge_cell_index(0.0, -10, c, 4, 1), 4);
    cr_assert_eq(ge_cell_index(-10.1, -10, c, 4, 1), -1);
}

Test(cell, index_depends_on_reference_rounding)
{
    /* With ch = 2.857142857142861 (not 180/63) the "boundary" -70 = -90 + 7*180/63
     * falls in cell 6, and the upper edge 90 in cell 62: the reference's own
     * rounding, which the golden vectors depend on. */
    double ch = ge_cell_size(-90, 180, 63);
    cr_assert_eq(ge_cell_index(-70.0, -90, ch, 63, 0), 6);
    cr_assert_eq(ge_cell_index(-90 + 2 * (180.0 / 63), -90, ch, 63, 0), 1);
    cr_assert_eq(ge_cell_index(90.0, -90, ch, 63, 0), 62);
    cr_assert_eq(ge_cell_index(-90.0, -90, ch, 63, 0), 0);
    cr_assert_eq(ge_cell_index(-90 + ch, -90, ch, 63, 0), 1);
    /* with the naive cell size the same points land elsewhere */
    cr_assert_eq(ge_cell_index(-70.0, -90, 180.0 / 63, 63, 0), 7);
}

Test(cell, index_huge_values_clamped)
{
    /* Clamped to [-cells-pad-1, 2*cells+pad], no overflow, for any finite value. */
    const double c = 2.5;
    cr_assert_eq(ge_cell_index(1e300, 0, c, 4, 1), 9);
    cr_assert_eq(ge_cell_index(-1e300, 0, c, 4, 1), -6);
    cr_assert_eq(ge_cell_index(DBL_MAX, 0, c, 4, 1), 9);
    cr_assert_eq(ge_cell_index(-DBL_MAX, 0, c, 4, 1), -6);
    /* v - min overflows to +-inf */
    cr_assert_eq(ge_cell_index(DBL_MAX, -DBL_MAX, c, 4, 1), 9);
    cr_assert_eq(ge_cell_index(-DBL_MAX, DBL_MAX, c, 4, 1), -6);
    /* a tiny cell: the quotient exceeds the int64 range */
    cr_assert_eq(ge_cell_index(1e10, 0, 1e-300, 100000, 3), 200003);
    cr_assert_eq(ge_cell_index(-1e10, 0, 1e-300, 100000, 3), -100004);
    /* just inside the clamp range, the raw index is kept */
    cr_assert_eq(ge_cell_index(22.5, 0, c, 4, 1), 9);
    cr_assert_eq(ge_cell_index(-12.5, 0, c, 4, 1), -5);
    cr_assert_eq(ge_cell_index(-15.0, 0, c, 4, 1), -6);
    cr_assert_eq(ge_cell_index(-15.1, 0, c, 4, 1), -6);
    cr_assert_eq(ge_cell_index(25.0, 0, c, 4, 1), 9);
    /* padding widens the range */
    cr_assert_eq(ge_cell_index(1e300, 0, c, 4, 0), 8);
    cr_assert_eq(ge_cell_index(-1e300, 0, c, 4, 0), -5);
    cr_assert_eq(ge_cell_index(1e300, 0, c, 4, 3), 11);
    cr_assert_eq(ge_cell_index(-1e300, 0, c, 4, 3), -8);
}

/* ---- ge_resolve -------------------------------------------------------- */

Test(cell, resolve_wrap)
{
    /* one wrap, then clamp: v<0 -> v+base, then v>=base -> v-base, then clamp */
    const int B = 5;
    cr_assert_eq(ge_resolve(-1, B, 1), 4);
    cr_assert_eq(ge_resolve(0, B, 1), 0);
    cr_assert_eq(ge_resolve(B - 1, B, 1), 4);
    cr_assert_eq(ge_resolve(B, B, 1), 0);
    cr_assert_eq(ge_resolve(B + 1, B, 1), 1);
    cr_assert_eq(ge_resolve(-B, B, 1), 0);
    cr_assert_eq(ge_resolve(-B + 1, B, 1), 1);
    cr_assert_eq(ge_resolve(-B - 1, B, 1), 0);  /* -6 -> -1 -> clamp 0 */
    cr_assert_eq(ge_resolve(2 * B - 1, B, 1), 4);
    cr_assert_eq(ge_resolve(2 * B, B, 1), 4);   /* 10 -> 5 -> clamp 4 */
    cr_assert_eq(ge_resolve(2 * B + 3, B, 1), 4);
    cr_assert_eq(ge_resolve(-1000, B, 1), 0);
    cr_assert_eq(ge_resolve(1000, B, 1), 4);
    cr_assert_eq(ge_resolve(INT64_MIN, B, 1), 0);
    cr_assert_eq(ge_resolve(INT64_MAX, B, 1), 4);
}

Test(cell, resolve_clamp)
{
    const int B = 5;
    cr_assert_eq(ge_resolve(-1, B, 0), 0);
    cr_assert_eq(ge_resolve(0, B, 0), 0);
    cr_assert_eq(ge_resolve(B - 1, B, 0), 4);
    cr_assert_eq(ge_resolve(B, B, 0), 4);
    cr_assert_eq(ge_resolve(B + 1, B, 0), 4);
    cr_assert_eq(ge_resolve(2, B, 0), 2);
    cr_assert_eq(ge_resolve(-1000, B, 0), 0);
    cr_assert_eq(ge_resolve(1000, B, 0), 4);
    cr_assert_eq(ge_resolve(INT64_MIN, B, 0), 0);
    cr_assert_eq(ge_resolve(INT64_MAX, B, 0), 4);
}

Test(cell, resolve_base_one_and_two)
{
    for (int64_t v = -4; v <= 4; v++) {
        cr_assert_eq(ge_resolve(v, 1, 0), 0);
        cr_assert_eq(ge_resolve(v, 1, 1), 0);
    }
    cr_assert_eq(ge_resolve(-1, 2, 1), 1);
    cr_assert_eq(ge_resolve(2, 2, 1), 0);
    cr_assert_eq(ge_resolve(3, 2, 1), 1);
    cr_assert_eq(ge_resolve(4, 2, 1), 1);
    cr_assert_eq(ge_resolve(-3, 2, 1), 0);
}

Test(cell, resolve_every_raw_index_in_range)
{
    /* Exhaustive against the rule written out, over the range ge_cell_index
     * can return plus the kernel reach. */
    for (int base = 1; base <= 9; base++)
        for (int wrap = 0; wrap <= 1; wrap++)
            for (int64_t v = -3 * base - 5; v <= 3 * base + 5; v++) {
                int64_t e = v;
                if (wrap) {
                    if (e < 0)
                        e += base;
                    if (e >= base)
                        e -= base;
                }
                e = e < 0 ? 0 : e >= base ? base - 1 : e;
                int r = ge_resolve(v, base, wrap);
                cr_assert_eq(r, e, "base %d wrap %d v %ld: got %d want %ld", base, wrap, (long)v,
                             r, (long)e);
                cr_assert(r >= 0 && r < base);
            }
}
