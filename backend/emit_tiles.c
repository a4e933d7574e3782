/* SPDX-License-Identifier: MIT */
/*
 * Emits the tile kinds and tiles sections. A tile's levels are the weights
 * its blocks place on it: on the float target the cell holds the weight
 * itself, and cells no block uses hold 0.
 */
#include <stdlib.h>

#include "backend/emit_internal.h"
#include "ir/target.h"

/* Writes one kind record. */
static void emit_kind(emit_state *state, const char *name, int domain, int64_t rows,
                      int64_t cols, int weight_bits, int cell_bits, const char *cell,
                      const char *encoding)
{
    uint8_t *record = emit_buffer_grow(emit_section(state, AIMRT_SECTION_TILE_KINDS),
                                       AIMRT_KIND_RECORD_SIZE);
    if (!record)
        return;
    aimrt_put_u32(record, emit_string(&state->strings, name));
    aimrt_put_u32(record + 4, (uint32_t)domain);
    aimrt_put_u64(record + 8, (uint64_t)rows);
    aimrt_put_u64(record + 16, (uint64_t)cols);
    aimrt_put_u32(record + 24, (uint32_t)weight_bits);
    aimrt_put_u32(record + 28, (uint32_t)cell_bits);
    aimrt_put_u32(record + 32, emit_string(&state->strings, cell));
    aimrt_put_u32(record + 36, emit_string(&state->strings, encoding));
}

/* Emits the target's kinds; a module without a target gets one float kind
 * as large as its largest tile. */
static aimcc_status emit_kinds(emit_state *state)
{
    const aimcc_module *module = state->module;
    const aimcc_target *target = module->target;
    if (target) {
        for (int i = 0; i < target->n_kinds; i++) {
            const aimcc_tile_kind *k = &target->kinds[i];
            emit_kind(state, k->name, (int)k->domain, k->rows, k->cols, k->weight_bits,
                      k->cell_bits, k->cell, k->encoding);
        }
        state->counts[AIMRT_SECTION_TILE_KINDS - 1] = (uint32_t)target->n_kinds;
        return AIMCC_OK;
    }

    int64_t rows = 1, cols = 1;
    for (int i = 0; i < module->n_tiles; i++) {
        rows = module->tiles[i].rows > rows ? module->tiles[i].rows : rows;
        cols = module->tiles[i].cols > cols ? module->tiles[i].cols : cols;
    }
    emit_kind(state, "float", AIMCC_DOMAIN_CURRENT, rows, cols, 0, 0, "float", "signed-float");
    state->counts[AIMRT_SECTION_TILE_KINDS - 1] = 1;
    return AIMCC_OK;
}

/* Reads weight element i of a float, double or half value as float. */
static float weight_at(const aimcc_value *w, int64_t i)
{
    const uint8_t *data = w->data;
    switch (w->dtype) {
    case AIMRT_DTYPE_DOUBLE: {
        const uint64_t bits = aimrt_get_u64(data + 8 * i);
        double value;
        memcpy(&value, &bits, sizeof value);
        return (float)value;
    }
    case AIMRT_DTYPE_FLOAT16:
        return aimrt_half_to_float((uint16_t)(data[2 * i] | data[2 * i + 1] << 8));
    default:
        return aimrt_get_f32(data + 4 * i);
    }
}

/* Copies the weights of op's blocks into the tile levels at level_offsets. */
static aimcc_status place_blocks(emit_state *state, const aimcc_op *op, uint8_t *tiles_section,
                                 const uint64_t *level_offsets)
{
    const aimcc_module *module = state->module;
    const aimcc_value *w = op->n_inputs > 1 ? op->inputs[1] : NULL;
    if (!w || !w->data || w->rank != 2 ||
        (w->dtype != AIMRT_DTYPE_FLOAT && w->dtype != AIMRT_DTYPE_DOUBLE &&
         w->dtype != AIMRT_DTYPE_FLOAT16))
        return aimcc_fail(state->ctx, AIMCC_ERR_UNSUPPORTED, op->node, op->onnx_type,
                          "the weight of a linear op must be a constant float matrix to go on "
                          "float tiles; quantized cells need the quantize and encode passes");
    const int64_t k = w->dims[0], n = w->dims[1];

    for (int i = 0; i < op->n_blocks; i++) {
        const aimcc_tile_block *b = &op->blocks[i];
        if (b->tile < 0 || b->tile >= module->n_tiles || b->n_rows < 1 || b->n_cols < 1 ||
            b->tile_row < 0 || b->tile_col < 0 || b->w_row < 0 || b->w_col < 0 ||
            b->n_rows > module->tiles[b->tile].rows - b->tile_row ||
            b->n_cols > module->tiles[b->tile].cols - b->tile_col || b->n_rows > k - b->w_row ||
            b->n_cols > n - b->w_col)
            return aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                              "tile block %d (tile %d, %lldx%lld at weight [%lld, %lld]) lies "
                              "outside its tile or the %lldx%lld weight",
                              i, b->tile, (long long)b->n_rows, (long long)b->n_cols,
                              (long long)b->w_row, (long long)b->w_col, (long long)k,
                              (long long)n);
        const aimcc_tile *tile = &module->tiles[b->tile];
        uint8_t *levels = tiles_section + level_offsets[b->tile];
        for (int64_t r = 0; r < b->n_rows; r++) {
            for (int64_t c = 0; c < b->n_cols; c++) {
                const int64_t cell = (b->tile_row + r) * tile->cols + b->tile_col + c;
                aimrt_put_f32(levels + 4 * cell, weight_at(w, (b->w_row + r) * n + b->w_col + c));
            }
        }
    }
    return AIMCC_OK;
}

aimcc_status emit_tiles(emit_state *state)
{
    const aimcc_module *module = state->module;
    aimcc_status status = emit_kinds(state);
    if (status != AIMCC_OK)
        return status;

    const uint32_t n_kinds = state->counts[AIMRT_SECTION_TILE_KINDS - 1];
    emit_buffer *tiles = emit_section(state, AIMRT_SECTION_TILES);
    uint64_t *level_offsets = calloc((size_t)module->n_tiles + 1, sizeof *level_offsets);
    if (!level_offsets)
        return emit_fail_nomem(state);

    /* Records first, then each tile's levels on a 64-byte boundary. */
    uint64_t offset = aimrt_align_up((uint64_t)module->n_tiles * AIMRT_TILE_RECORD_SIZE,
                                     AIMRT_FORMAT_ALIGN);
    for (int i = 0; i < module->n_tiles && status == AIMCC_OK; i++) {
        const aimcc_tile *tile = &module->tiles[i];
        if (tile->kind < 0 || (uint32_t)tile->kind >= n_kinds || tile->rows < 1 ||
            tile->cols < 1) {
            status = aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                                "tile %d has kind %d of %u or %lldx%lld cells", i, tile->kind,
                                n_kinds, (long long)tile->rows, (long long)tile->cols);
            break;
        }
        emit_put_u32(tiles, (uint32_t)tile->kind);
        emit_put_u32(tiles, 0);
        emit_put_u64(tiles, (uint64_t)tile->rows);
        emit_put_u64(tiles, (uint64_t)tile->cols);
        emit_put_u64(tiles, offset);
        level_offsets[i] = offset;
        offset = aimrt_align_up(offset + (uint64_t)tile->rows * (uint64_t)tile->cols * 4,
                                AIMRT_FORMAT_ALIGN);
    }
    if (status == AIMCC_OK && offset > tiles->size && !emit_buffer_grow(tiles, offset - tiles->size))
        status = emit_fail_nomem(state);

    for (const aimcc_op *op = module->first; op && status == AIMCC_OK; op = op->next) {
        if (op->code == AIMRT_OP_LINEAR && op->n_blocks > 0)
            status = place_blocks(state, op, tiles->data, level_offsets);
    }
    state->counts[AIMRT_SECTION_TILES - 1] = (uint32_t)module->n_tiles;
    free(level_offsets);
    return status;
}
