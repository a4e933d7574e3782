/* SPDX-License-Identifier: MIT */
/*
 * The bit-slice pass: fills the weight digits S, the cells per digit P and
 * the input phases of every quantized LINEAR's plan from its tile kind
 * (passes/kind_layout.c), then checks the placement that map made with the
 * same numbers: every block's S * P columns per weight, plus the offset
 * reference columns, lie inside its tile and overlap no other block.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "passes/kind_layout.h"
#include "passes/pass.h"

#define BIT_SLICE_PASS "bit-slice"

/* The cells one block takes on its tile, with its op for messages. */
typedef struct footprint {
    const aimcc_op *op;
    int block;
    int tile;
    int64_t row, n_rows;
    int64_t col, n_cols;
} footprint;

static int compare_footprints(const void *a, const void *b)
{
    const footprint *x = a, *y = b;
    if (x->tile != y->tile)
        return x->tile < y->tile ? -1 : 1;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return (x->col > y->col) - (x->col < y->col);
}

/* Sets the counts of op's plan and checks the plan against its kind. */
static aimcc_status slice_op(aimcc_ctx *ctx, const aimcc_module *module, aimcc_op *op)
{
    const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
    aimrt_linear_plan *plan = op->plan;
    if (kind == NULL || plan->kind != op->kind || aimcc_kind_is_float(kind) ||
        plan->encoding != aimcc_kind_encoding(kind) || plan->weight_bits != kind->weight_bits ||
        plan->cell_bits != kind->cell_bits || plan->input_bits != kind->input_bits)
        return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                          "the plan (kind %d, %s, %d-bit weights on %d-bit cells, %d input bits) "
                          "does not match tile kind %d of the target; run quantize on this "
                          "target before bit-slice",
                          plan->kind, aimcc_encoding_name(plan->encoding), plan->weight_bits,
                          plan->cell_bits, plan->input_bits, op->kind);
    const int32_t slices = aimcc_kind_slices(kind);
    const int32_t polarities = aimcc_kind_polarities(kind);
    const int32_t phases = aimcc_kind_phases(kind, plan->input_sign);
    if ((plan->n_slices != 0 && plan->n_slices != slices) ||
        (plan->n_polarities != 0 && plan->n_polarities != polarities) ||
        (plan->n_phases != 0 && plan->n_phases != phases))
        return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                          "the plan has S=%d P=%d phases=%d but tile kind \"%s\" gives S=%d P=%d "
                          "phases=%d",
                          plan->n_slices, plan->n_polarities, plan->n_phases, kind->name, slices,
                          polarities, phases);
    plan->n_slices = slices;
    plan->n_polarities = polarities;
    plan->n_phases = phases;
    return AIMCC_OK;
}

/* Appends op's block footprints and checks that each fits its tile. */
static aimcc_status add_footprints(aimcc_ctx *ctx, const aimcc_module *module, const aimcc_op *op,
                                   footprint *out, int *n)
{
    const int64_t per_weight = op->plan ? aimrt_plan_columns_per_weight(op->plan) : 1;
    const int64_t refs = op->plan ? aimrt_plan_reference_columns(op->plan) : 0;
    for (int b = 0; b < op->n_blocks; b++) {
        const aimcc_tile_block *block = &op->blocks[b];
        if (block->tile < 0 || block->tile >= module->n_tiles)
            return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                              "block %d is on tile @t%d, but the module has %d tiles", b,
                              block->tile, module->n_tiles);
        const aimcc_tile *tile = &module->tiles[block->tile];
        const int64_t cols = block->n_cols * per_weight + refs;
        if (tile->kind != op->kind || block->tile_col > tile->cols - cols)
            return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                              "block %d (%" PRId64 " weight columns at tile column %" PRId64
                              ") takes %" PRId64 " columns (%" PRId64 " per weight, %" PRId64
                              " reference) on tile @t%d of kind %d with %" PRId64
                              " columns; the layer is on kind %d, so map placed it with other "
                              "slice counts",
                              b, block->n_cols, block->tile_col, cols, per_weight, refs,
                              block->tile, tile->kind, tile->cols, op->kind);
        out[(*n)++] = (footprint){.op = op, .block = b, .tile = block->tile,
                                  .row = block->tile_row, .n_rows = block->n_rows,
                                  .col = block->tile_col, .n_cols = cols};
    }
    return AIMCC_OK;
}

/* Fails when two footprints on one tile share a cell. */
static aimcc_status check_overlaps(aimcc_ctx *ctx, footprint *all, int n)
{
    qsort(all, (size_t)n, sizeof *all, compare_footprints);
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n && all[j].tile == all[i].tile; j++) {
            const footprint *a = &all[i], *b = &all[j];
            if (b->row >= a->row + a->n_rows)
                break;
            if (a->col < b->col + b->n_cols && b->col < a->col + a->n_cols)
                return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, b->op->node, b->op->onnx_type,
                                  "block %d shares cells of tile @t%d with block %d of node "
                                  "\"%s\" once each weight takes its slice columns",
                                  b->block, b->tile, a->block, a->op->node);
        }
    }
    return AIMCC_OK;
}

static aimcc_status bit_slice_run(aimcc_module *module, aimcc_ctx *ctx)
{
    int n_blocks = 0;
    for (aimcc_op *op = module->first; op != NULL; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        n_blocks += op->n_blocks;
        if (op->plan == NULL || op->plan->encoding == AIMRT_ENCODING_FLOAT)
            continue;
        const aimcc_status status = slice_op(ctx, module, op);
        if (status != AIMCC_OK)
            return status;
        AIMCC_LOG(AIMCC_LOG_DEBUG, BIT_SLICE_PASS, op->node, "S=%d P=%d phases=%d",
                  op->plan->n_slices, op->plan->n_polarities, op->plan->n_phases);
    }

    footprint *all = calloc((size_t)n_blocks + 1, sizeof *all);
    if (all == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory checking %d blocks",
                          n_blocks);
    int n = 0;
    aimcc_status status = AIMCC_OK;
    for (const aimcc_op *op = module->first; op != NULL && status == AIMCC_OK; op = op->next) {
        if (op->code == AIMRT_OP_LINEAR)
            status = add_footprints(ctx, module, op, all, &n);
    }
    if (status == AIMCC_OK)
        status = check_overlaps(ctx, all, n);
    free(all);
    return status;
}

const aimcc_pass aimcc_pass_bit_slice = {
    .name = "bit-slice",
    .summary = "split weights into cell digits and inputs into phases",
    .run = bit_slice_run,
    .requires = AIMCC_PROP_MAPPED,
    .provides = AIMCC_PROP_SLICED,
};
