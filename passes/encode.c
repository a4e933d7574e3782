/* SPDX-License-Identifier: MIT */
/*
 * The encode pass: writes the cell levels of every tile. A float block holds
 * its weights as they are. A quantized block holds, for each weight w, S
 * digits of P cells each at tile column tile_col + (c * S + s) * P + p, as
 * the encoding table of docs/tile-lowering.md gives them, and an offset
 * block also its S reference columns. Levels are integers in [0, 2^cb - 1];
 * the IR verifier checks that range.
 */
#include <inttypes.h>
#include <string.h>

#include "passes/kind_layout.h"
#include "passes/pass.h"

#define ENCODE_PASS "encode"

/* Returns digit s (cb bits each, least significant first) of a non-negative integer. */
static int32_t digit(uint32_t value, int32_t s, int32_t cell_bits)
{
    const int shift = s * cell_bits;
    if (shift >= 32)
        return 0;
    return (int32_t)((value >> shift) & ((UINT32_C(1) << cell_bits) - 1));
}

/* Returns the level of digit s, polarity p of the integer weight w. */
static int32_t weight_level(const aimrt_linear_plan *plan, int32_t w, int32_t s, int32_t p)
{
    const int32_t cb = plan->cell_bits, top = (INT32_C(1) << cb) - 1;
    const uint32_t offset = UINT32_C(1) << (plan->weight_bits - 1);
    switch (plan->encoding) {
    case AIMRT_ENCODING_DIFFERENTIAL: {
        /* |w| goes on G+ for a positive weight and on G- for a negative one. */
        const int32_t d = digit((uint32_t)(w < 0 ? -w : w), s, cb);
        if (w > 0)
            return p == 0 ? d : 0;
        return w < 0 && p == 1 ? d : 0;
    }
    case AIMRT_ENCODING_OFFSET:
        return digit((uint32_t)(w + (int32_t)offset), s, cb);
    case AIMRT_ENCODING_CONSTANT_SUM: {
        const int32_t d = digit((uint32_t)(w + (int32_t)offset), s, cb);
        return p == 0 ? d : top - d;
    }
    case AIMRT_ENCODING_TWOS_COMPLEMENT:
        /* Bit s of w mod 2^wb: the low wb bits of the two's complement word. */
        return (int32_t)(((uint32_t)w >> s) & 1u);
    default:
        return 0;
    }
}

/* Reads element i of a float weight matrix as f32. */
static float float_weight(const aimcc_value *w, int64_t i)
{
    switch (w->dtype) {
    case AIMRT_DTYPE_DOUBLE:
        return (float)((const double *)w->data)[i];
    case AIMRT_DTYPE_FLOAT16:
        return aimrt_half_to_float(((const uint16_t *)w->data)[i]);
    default:
        return ((const float *)w->data)[i];
    }
}

/* Writes the float weights of one block. */
static void encode_float_block(const aimcc_value *w, const aimcc_tile_block *block,
                               aimcc_tile *tile)
{
    const int64_t n = w->dims[1];
    for (int64_t r = 0; r < block->n_rows; r++) {
        float *row = tile->levels + (block->tile_row + r) * tile->cols + block->tile_col;
        for (int64_t c = 0; c < block->n_cols; c++)
            row[c] = float_weight(w, (block->w_row + r) * n + block->w_col + c);
    }
}

/* Writes the digits of one quantized block and its reference columns. */
static void encode_quantized_block(const aimrt_linear_plan *plan, const int32_t *wq, int64_t n,
                                   const aimcc_tile_block *block, aimcc_tile *tile)
{
    const int32_t slices = plan->n_slices, polarities = plan->n_polarities;
    const uint32_t offset = UINT32_C(1) << (plan->weight_bits - 1);
    for (int64_t r = 0; r < block->n_rows; r++) {
        float *row = tile->levels + (block->tile_row + r) * tile->cols + block->tile_col;
        for (int64_t c = 0; c < block->n_cols; c++) {
            const int32_t w = wq[(block->w_row + r) * n + block->w_col + c];
            for (int32_t s = 0; s < slices; s++) {
                for (int32_t p = 0; p < polarities; p++)
                    row[(c * slices + s) * polarities + p] = (float)weight_level(plan, w, s, p);
            }
        }
        /* Reference column s holds digit s of 2^(wb-1), the offset every weight carries. */
        for (int32_t s = 0; s < aimrt_plan_reference_columns(plan); s++)
            row[block->n_cols * slices + s] = (float)digit(offset, s, plan->cell_bits);
    }
}

/* Checks that every integer weight lies in [-(2^(wb-1) - 1), 2^(wb-1) - 1]. */
static aimcc_status check_weights(aimcc_ctx *ctx, const aimcc_op *op)
{
    const aimcc_value *w = op->inputs[1];
    const int32_t top = (INT32_C(1) << (op->plan->weight_bits - 1)) - 1;
    const int32_t *wq = w->data;
    const int64_t count = aimcc_ir_value_count(w);
    for (int64_t i = 0; i < count; i++) {
        if (wq[i] < -top || wq[i] > top)
            return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                              "integer weight %" PRId32 " at [%" PRId64 ", %" PRId64
                              "] of %%%d lies outside [-%" PRId32 ", %" PRId32
                              "] for %d-bit weights",
                              wq[i], i / w->dims[1], i % w->dims[1], w->id, top, top,
                              op->plan->weight_bits);
    }
    return AIMCC_OK;
}

static aimcc_status encode_op(aimcc_ctx *ctx, aimcc_module *module, const aimcc_op *op)
{
    const aimcc_value *w = op->n_inputs > 1 ? op->inputs[1] : NULL;
    const bool quantized = op->plan != NULL && op->plan->encoding != AIMRT_ENCODING_FLOAT;
    bool valid = w != NULL && w->rank == 2 && w->data != NULL;
    if (valid && quantized)
        valid = w->dtype == AIMRT_DTYPE_INT32 && op->plan->n_slices >= 1;
    else if (valid)
        valid = w->dtype == AIMRT_DTYPE_FLOAT || w->dtype == AIMRT_DTYPE_DOUBLE ||
                w->dtype == AIMRT_DTYPE_FLOAT16;
    if (!valid)
        return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                          "linear op %d has no constant %s weight matrix%s; run quantize and "
                          "bit-slice before encode",
                          op->id, quantized ? "i32" : "float",
                          quantized && op->plan->n_slices < 1 ? " or no slice count" : "");
    if (quantized) {
        const aimcc_status status = check_weights(ctx, op);
        if (status != AIMCC_OK)
            return status;
    }
    for (int b = 0; b < op->n_blocks; b++) {
        aimcc_tile *tile = &module->tiles[op->blocks[b].tile];
        if (quantized)
            encode_quantized_block(op->plan, w->data, w->dims[1], &op->blocks[b], tile);
        else
            encode_float_block(w, &op->blocks[b], tile);
    }
    return AIMCC_OK;
}

static aimcc_status encode_run(aimcc_module *module, aimcc_ctx *ctx)
{
    for (int t = 0; t < module->n_tiles; t++) {
        aimcc_tile *tile = &module->tiles[t];
        tile->levels = aimcc_arena_calloc(module->arena, (size_t)(tile->rows * tile->cols),
                                          sizeof *tile->levels);
        if (tile->levels == NULL)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                              "out of memory for the %" PRId64 "x%" PRId64 " levels of tile @t%d",
                              tile->rows, tile->cols, t);
    }
    int n_layers = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        const aimcc_status status = encode_op(ctx, module, op);
        if (status != AIMCC_OK)
            return status;
        n_layers++;
    }
    AIMCC_LOG(AIMCC_LOG_INFO, ENCODE_PASS, NULL, "wrote the levels of %d tile%s for %d linear layer%s",
              module->n_tiles, module->n_tiles == 1 ? "" : "s", n_layers, n_layers == 1 ? "" : "s");
    return AIMCC_OK;
}

const aimcc_pass aimcc_pass_encode = {
    .name = "encode",
    .summary = "write the cell levels of every tile",
    .run = encode_run,
    .requires = AIMCC_PROP_SLICED,
    .provides = AIMCC_PROP_ENCODED,
};
