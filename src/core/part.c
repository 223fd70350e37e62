/* Parts of a model (model.h): the rows a part holds, and its embedding as
 * a model of its own for the block functions. */
#include "geoembed/model.h"

ge_model ge_part_slab(const ge_model *m)
{
    ge_model v = *m;
    v.s.W = m->rows + 2 * m->s.p0;
    v.s.wrap = (ge_wrap)(m->s.wrap & ~GE_WRAP_X);
    v.part = 0;
    return v;
}

int64_t ge_part_slab_w(const ge_model *m, int64_t w)
{
    int64_t k = w - m->row0;
    if (ge_wrap_x(m)) { /* the part's rows run on from row0, across the seam */
        k %= m->s.W;
        if (k < 0)
            k += m->s.W;
    }
    return k + m->s.p0;
}

void ge_part_cover(const unsigned char *need, int W, int wrap, int *row0, int *rows)
{
    int lo = -1, hi = -1;
    for (int w = 0; w < W; w++)
        if (need[w]) {
            if (lo < 0)
                lo = w;
            hi = w;
        }
    *row0 = 0, *rows = 0;
    if (lo < 0)
        return;
    *row0 = lo, *rows = hi - lo + 1;
    if (!wrap)
        return;
    /* around the seam: the complement of the longest run of unmarked rows */
    int gap = 0, gap_end = -1; /* the run ends before row gap_end */
    for (int w = lo + 1, run = 0; w <= hi; w++) {
        if (!need[w]) {
            run++;
            continue;
        }
        if (run > gap)
            gap = run, gap_end = w;
        run = 0;
    }
    if (gap > W - (hi - lo + 1)) { /* longer than the run across the seam */
        *row0 = gap_end;
        *rows = W - gap;
    }
}
