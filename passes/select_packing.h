/* SPDX-License-Identifier: MIT */
/*
 * Tile accounting of the select-domain pass (passes/select_packing.c): the
 * tiles of one kind that the chosen layers fill, packed as the map pass
 * packs them, so layers of small blocks share tiles in the budget too.
 */
#ifndef AIMCC_SELECT_PACKING_H
#define AIMCC_SELECT_PACKING_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/target.h"

/* The free corner of every tile of one kind opened so far. */
typedef struct aimcc_tile_packing {
    int64_t n_open;
    int64_t capacity;
    int64_t *row; /* next free row of each open tile */
    int64_t *col; /* next free tile column of each open tile */
} aimcc_tile_packing;

/*
 * Returns how many tiles a K x N weight matrix on kind opens beyond the open
 * ones: it splits into blocks as the map pass splits it, and each block goes
 * diagonally after the last block of the first open tile with room. With
 * commit the blocks stay placed. Returns -1 when one weight column does not
 * fit the kind's columns, and -2 when out of memory.
 */
int64_t aimcc_packing_add(aimcc_tile_packing *packing, const aimcc_tile_kind *kind, int64_t k,
                          int64_t n, bool commit);

void aimcc_packing_free(aimcc_tile_packing *packing);

#endif
