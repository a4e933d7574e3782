/* SPDX-License-Identifier: MIT */
/*
 * The map pass: places the weight matrix W [K, N] of every LINEAR op (rows =
 * inputs, cols = outputs) on tiles of its kind. Rows split into chunks of
 * the tile's rows, whose partial sums are added digitally, and columns into
 * chunks of its cols. For now each block gets a tile of its own.
 */
#include "ir/target.h"
#include "passes/pass.h"

#define MAP_PASS "map"

/* The kind used when no target is bound: the float preset's geometry. */
static const aimcc_tile_kind default_kind = {
    .name = "float",
    .domain = AIMCC_DOMAIN_CURRENT,
    .rows = 512,
    .cols = 512,
    .n_tiles = 4096,
    .cell = "float",
    .weight_bits = 0,
    .cell_bits = 0,
    .encoding = "signed-float",
    .input_mode = "float",
    .adc_range = "lossless",
};

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

static int64_t tiles_needed(const aimcc_op *op, const aimcc_tile_kind *kind)
{
    const aimcc_value *w = op->inputs[1];
    return ceil_div(w->dims[0], kind->rows) * ceil_div(w->dims[1], kind->cols);
}

static aimcc_status check_weight(aimcc_ctx *ctx, const aimcc_op *op)
{
    const aimcc_value *w = op->n_inputs >= 2 ? op->inputs[1] : NULL;
    if (w != NULL && w->rank == 2 && w->dims[0] > 0 && w->dims[1] > 0)
        return AIMCC_OK;
    return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                      "linear op %d has no 2-D weight with rows and columns; canonicalize "
                      "creates every linear op with one",
                      op->id);
}

/*
 * Fails when the model needs more tiles than the kind's budget, naming the
 * first layer that does not fit and the total the whole model needs.
 */
static aimcc_status check_capacity(aimcc_ctx *ctx, const aimcc_module *module,
                                   const aimcc_tile_kind *kind)
{
    int64_t total = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next)
        if (op->code == AIMRT_OP_LINEAR)
            total += tiles_needed(op, kind);
    if (total <= kind->n_tiles)
        return AIMCC_OK;

    int64_t before = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        const int64_t needed = tiles_needed(op, kind);
        if (before + needed > kind->n_tiles) {
            const aimcc_value *w = op->inputs[1];
            return aimcc_fail(
                ctx, AIMCC_ERR_CAPACITY, op->node, op->onnx_type,
                "its %lldx%lld weight matrix needs %lld tile%s of %lldx%lld on top of the "
                "%lld that earlier layers use, but the target has %lld tiles of kind \"%s\" "
                "and the whole model needs %lld. Use a target with more tiles or "
                "--set chip.tiles.%s=%lld.",
                (long long)w->dims[0], (long long)w->dims[1], (long long)needed,
                needed == 1 ? "" : "s", (long long)kind->rows, (long long)kind->cols,
                (long long)before,
                (long long)kind->n_tiles, kind->name, (long long)total, kind->name,
                (long long)total);
        }
        before += needed;
    }
    return AIMCC_ERR_INTERNAL;
}

/* Splits one LINEAR weight into blocks, one new tile each. */
static aimcc_status map_linear(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op,
                               const aimcc_tile_kind *kind, int kind_index)
{
    const int64_t n_rows = op->inputs[1]->dims[0];
    const int64_t n_cols = op->inputs[1]->dims[1];
    const int64_t row_chunks = ceil_div(n_rows, kind->rows);
    const int64_t col_chunks = ceil_div(n_cols, kind->cols);
    aimcc_tile_block *blocks =
        aimcc_arena_calloc(module->arena, (size_t)(row_chunks * col_chunks), sizeof(*blocks));
    if (blocks == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                          "out of memory mapping the layer");

    int n_blocks = 0;
    for (int64_t r = 0; r < row_chunks; r++) {
        for (int64_t c = 0; c < col_chunks; c++) {
            const int tile = aimcc_ir_tile_add(module, kind_index, kind->rows, kind->cols);
            if (tile < 0)
                return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                                  "out of memory adding a tile");
            aimcc_tile_block *block = &blocks[n_blocks++];
            block->tile = tile;
            block->w_row = r * kind->rows;
            block->w_col = c * kind->cols;
            block->n_rows = n_rows - block->w_row < kind->rows ? n_rows - block->w_row : kind->rows;
            block->n_cols = n_cols - block->w_col < kind->cols ? n_cols - block->w_col : kind->cols;
            module->tiles[tile].rows_used = block->n_rows;
            module->tiles[tile].cells_used = block->n_rows * block->n_cols;
        }
    }
    op->n_blocks = n_blocks;
    op->blocks = blocks;
    return AIMCC_OK;
}

static void log_utilization(const aimcc_module *module, const aimcc_tile_kind *kind,
                            int n_layers)
{
    int64_t cells_used = 0;
    for (int t = 0; t < module->n_tiles; t++)
        cells_used += module->tiles[t].cells_used;
    const int64_t cells = (int64_t)module->n_tiles * kind->rows * kind->cols;
    AIMCC_LOG(AIMCC_LOG_INFO, MAP_PASS, NULL,
              "%d linear layers on %d of %lld tiles of kind \"%s\" (%lldx%lld); %lld of %lld "
              "cells used (%.3g%%)",
              n_layers, module->n_tiles, (long long)kind->n_tiles, kind->name,
              (long long)kind->rows, (long long)kind->cols, (long long)cells_used,
              (long long)cells, cells > 0 ? 100.0 * (double)cells_used / (double)cells : 0.0);
}

static aimcc_status map_run(aimcc_module *module, aimcc_ctx *ctx)
{
    /* NOTE: every layer goes on the first kind; with several kinds the
     * select-domain pass is meant to choose one per layer. */
    const aimcc_tile_kind *kind =
        module->target != NULL && module->target->n_kinds > 0 ? &module->target->kinds[0]
                                                              : &default_kind;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        const aimcc_status status = check_weight(ctx, op);
        if (status != AIMCC_OK)
            return status;
    }
    aimcc_status status = check_capacity(ctx, module, kind);
    if (status != AIMCC_OK)
        return status;

    int n_layers = 0;
    for (aimcc_op *op = module->first; op != NULL && status == AIMCC_OK; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        status = map_linear(ctx, module, op, kind, 0);
        n_layers++;
    }
    if (status == AIMCC_OK)
        log_utilization(module, kind, n_layers);
    return status;
}

const aimcc_pass aimcc_pass_map = {
    .name = "map",
    .summary = "place every linear weight matrix on tiles, splitting rows and columns",
    .run = map_run,
    .requires = AIMCC_PROP_CANONICAL,
    .provides = AIMCC_PROP_MAPPED,
};
