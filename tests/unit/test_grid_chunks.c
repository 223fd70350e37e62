/* Unit tests of the chunks predict --grid computes at a time
 * (src/cli/grid_chunks.c): whole blocks, bounded size, any grid covered. */
#include <criterion/criterion.h>

#include "../../src/cli/grid_chunks.h"

/* Bytes of a chunk's buffers at 8 bytes per cell. */
static long chunk_bytes(grid_chunks c) { return c.rows * c.cols * 8; }

Test(grid_chunks, tiles_of_a_huge_grid_stay_bounded)
{
    /* 100,000 x 50,000 cells in 256 x 256 tiles */
    grid_chunks c = grid_chunks_plan(100000, 50000, 256, 256, 8, GRID_CHUNK_BYTES);
    cr_assert_eq(c.rows, 256);
    cr_assert_eq(c.cols % 256, 0, "a chunk is whole tiles wide, got %ld", c.cols);
    cr_assert(chunk_bytes(c) <= GRID_CHUNK_BYTES, "%ld bytes", chunk_bytes(c));
    cr_assert(c.cols < 100000);
    /* the same for a grid 10 times wider: the chunk does not grow */
    grid_chunks w = grid_chunks_plan(1000000, 50000, 256, 256, 8, GRID_CHUNK_BYTES);
    cr_assert_eq(w.cols, c.cols);
    cr_assert_eq(w.rows, c.rows);
}

Test(grid_chunks, small_grid_is_one_chunk)
{
    grid_chunks c = grid_chunks_plan(300, 150, 256, 256, 24, GRID_CHUNK_BYTES);
    cr_assert_eq(c.cols, 300);
    cr_assert_eq(c.rows, 150);
}

Test(grid_chunks, strips_are_full_rows_up_to_a_tile_row)
{
    /* one-row strips of a narrow grid: 256 rows at a time */
    grid_chunks c = grid_chunks_plan(1000, 5000, 1000, 1, 8, GRID_CHUNK_BYTES);
    cr_assert_eq(c.cols, 1000);
    cr_assert_eq(c.rows, 256);
    /* strips of a very wide grid: fewer rows, still whole strips */
    grid_chunks w = grid_chunks_plan(4000000, 5000, 4000000, 3, 8, GRID_CHUNK_BYTES);
    cr_assert_eq(w.cols, 4000000);
    cr_assert_eq(w.rows, 3, "one strip of 3 rows is the least, got %ld", w.rows);
    grid_chunks m = grid_chunks_plan(100000, 5000, 100000, 2, 8, GRID_CHUNK_BYTES);
    cr_assert_eq(m.rows % 2, 0);
    cr_assert(chunk_bytes(m) <= GRID_CHUNK_BYTES);
}

Test(grid_chunks, a_block_larger_than_the_budget_is_one_chunk)
{
    grid_chunks c = grid_chunks_plan(100000, 50000, 4096, 4096, 64, 1 << 20);
    cr_assert_eq(c.cols, 4096);
    cr_assert_eq(c.rows, 4096);
}

Test(grid_chunks, blocks_larger_than_the_grid_are_clipped)
{
    grid_chunks c = grid_chunks_plan(10, 7, 256, 256, 8, GRID_CHUNK_BYTES);
    cr_assert_eq(c.cols, 10);
    cr_assert_eq(c.rows, 7);
    grid_chunks z = grid_chunks_plan(10, 7, 0, -1, 0, GRID_CHUNK_BYTES);
    cr_assert(z.cols >= 1 && z.rows >= 1);
}
