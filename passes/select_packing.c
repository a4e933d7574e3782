/* SPDX-License-Identifier: MIT */
/*
 * Tile accounting of the select-domain pass. The map pass packs the blocks
 * of all layers of a kind first-fit decreasing, each diagonally after the
 * last block of its tile. Here the blocks arrive layer by layer and go
 * first-fit in that order, which usually opens at least as many tiles.
 * NOTE: not always, so a choice that fits here can exceed the budget in the
 * map pass, which then fails naming the layer.
 */
#include "passes/select_packing.h"

#include <stdlib.h>
#include <string.h>

#include "passes/kind_layout.h"

static bool reserve(aimcc_tile_packing *packing, int64_t needed)
{
    if (needed <= packing->capacity)
        return true;
    const int64_t capacity = needed > 2 * packing->capacity ? needed : 2 * packing->capacity;
    int64_t *row = realloc(packing->row, (size_t)capacity * sizeof *row);
    if (row == NULL)
        return false;
    packing->row = row;
    int64_t *col = realloc(packing->col, (size_t)capacity * sizeof *col);
    if (col == NULL)
        return false;
    packing->col = col;
    packing->capacity = capacity;
    return true;
}

/* Places one block of rows x cols tile cells; returns false when out of memory. */
static bool place(aimcc_tile_packing *packing, const aimcc_tile_kind *kind, int64_t rows,
                  int64_t cols)
{
    int64_t t = 0;
    while (t < packing->n_open &&
           (packing->row[t] + rows > kind->rows || packing->col[t] + cols > kind->cols))
        t++;
    if (t == packing->n_open) {
        if (!reserve(packing, packing->n_open + 1))
            return false;
        packing->row[t] = packing->col[t] = 0;
        packing->n_open++;
    }
    packing->row[t] += rows;
    packing->col[t] += cols;
    return true;
}

int64_t aimcc_packing_add(aimcc_tile_packing *packing, const aimcc_tile_kind *kind, int64_t k,
                          int64_t n, bool commit)
{
    const int64_t per_weight = aimcc_kind_columns_per_weight(kind);
    const int64_t reference = aimcc_kind_reference_columns(kind);
    const int64_t per_block = per_weight > 0 ? (kind->cols - reference) / per_weight : 0;
    if (per_block < 1 || kind->rows < 1)
        return -1;

    /* A trial works on a copy, so the packing stays as it was. */
    aimcc_tile_packing trial = {.n_open = packing->n_open};
    aimcc_tile_packing *target = packing;
    if (!commit) {
        if (!reserve(&trial, packing->n_open + 1))
            return -2;
        if (packing->n_open > 0) {
            memcpy(trial.row, packing->row, (size_t)packing->n_open * sizeof *trial.row);
            memcpy(trial.col, packing->col, (size_t)packing->n_open * sizeof *trial.col);
        }
        target = &trial;
    }
    const int64_t before = target->n_open;
    bool ok = true;
    for (int64_t r = 0; r < k && ok; r += kind->rows) {
        const int64_t rows = k - r < kind->rows ? k - r : kind->rows;
        for (int64_t c = 0; c < n && ok; c += per_block) {
            const int64_t weights = n - c < per_block ? n - c : per_block;
            ok = place(target, kind, rows, weights * per_weight + reference);
        }
    }
    const int64_t opened = target->n_open - before;
    aimcc_packing_free(&trial);
    return ok ? opened : -2;
}

void aimcc_packing_free(aimcc_tile_packing *packing)
{
    free(packing->row);
    free(packing->col);
    *packing = (aimcc_tile_packing){0};
}
