/* SPDX-License-Identifier: MIT */
/*
 * Emits the tile kinds, kind parameters and tiles sections. A tile's levels are the ones the
 * encode pass wrote, when it did. Otherwise they are the weights its float
 * blocks place on it (the cell is the weight itself, and unused cells are 0).
 */
#include <stdlib.h>

#include "backend/emit_internal.h"
#include "ir/target.h"

/* Writes one kind record. Without a target (k NULL) the kind is float. */
static aimcc_status emit_kind(emit_state *state, const aimcc_tile_kind *k, int64_t rows,
                              int64_t cols)
{
    const aimrt_encoding encoding = k ? k->encoding_code : AIMRT_ENCODING_FLOAT;
    const aimrt_input_mode mode = k ? k->input_mode_code : AIMRT_INPUT_FLOAT;
    const aimrt_input_sign sign = k ? k->input_sign_code : AIMRT_INPUT_ONE_PASS;
    if ((unsigned)encoding >= AIMRT_ENCODING_COUNT || (unsigned)mode >= AIMRT_INPUT_MODE_COUNT ||
        (unsigned)sign >= AIMRT_INPUT_UNSIGNED)
        return aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                          "tile kind \"%s\": encoding code %d, input mode %d or input sign %d "
                          "is out of range", k->name, (int)encoding, (int)mode, (int)sign);
    uint8_t *record = emit_buffer_grow(emit_section(state, AIMRT_SECTION_TILE_KINDS),
                                       AIMRT_KIND_RECORD_SIZE);
    if (!record)
        return emit_fail_nomem(state);
    aimrt_put_u32(record, emit_string(&state->strings, k ? k->name : "float"));
    aimrt_put_u32(record + 4, k ? (uint32_t)k->domain : AIMCC_DOMAIN_CURRENT);
    aimrt_put_u64(record + 8, (uint64_t)(k ? k->rows : rows));
    aimrt_put_u64(record + 16, (uint64_t)(k ? k->cols : cols));
    aimrt_put_u32(record + 24, k ? (uint32_t)k->weight_bits : 0);
    aimrt_put_u32(record + 28, k ? (uint32_t)k->cell_bits : 0);
    aimrt_put_u32(record + 32, emit_string(&state->strings, k ? k->cell : "float"));
    aimrt_put_u32(record + 36, emit_string(&state->strings, k ? k->encoding : "signed-float"));
    aimrt_put_u32(record + 40, (uint32_t)encoding);
    aimrt_put_u32(record + 44, (uint32_t)mode);
    aimrt_put_u32(record + 48, k ? (uint32_t)k->input_bits : 0);
    aimrt_put_u32(record + 52, (uint32_t)sign);
    aimrt_put_u32(record + 56, k ? (uint32_t)k->adc_bits : 0);
    aimrt_put_u32(record + 60, k && k->adc_range && strcmp(k->adc_range, "calibrated") == 0
                                   ? AIMRT_ADC_CALIBRATED
                                   : AIMRT_ADC_LOSSLESS);
    return AIMCC_OK;
}

/* Returns whether the tiles of a kind get global drift compensation: the
 * compile option drift_compensation when given, else the kind's setting. */
static bool drift_compensated(const aimcc_module *module, int kind)
{
    const aimcc_target *target = module->target;
    if (!target || kind < 0 || kind >= target->n_kinds)
        return false;
    const int64_t option = aimcc_target_option_int(target, "drift_compensation", NULL, -1);
    return option >= 0 ? option == 1 : target->kinds[kind].drift_compensation;
}

/* Returns the parameters of kind k as the program stores them: the compile
 * option drift_compensation, when given, sets the scheme of every kind (on
 * keeps a per-column scheme, else is global), as the tile flag does. */
static aimrt_kind_params program_params(const aimcc_target *target, int k)
{
    aimrt_kind_params params = target->kinds[k].params;
    const int64_t option = aimcc_target_option_int(target, "drift_compensation", NULL, -1);
    double *scheme = &params.value[AIMRT_PARAM_DRIFT_COMPENSATION];
    if (option == 0 || (option == 1 && *scheme == 0)) {
        *scheme = option == 1 ? 1 : 0;
        params.given[AIMRT_PARAM_DRIFT_COMPENSATION] = true;
    }
    return params;
}

/* Writes section 8: the parameters the target set on each kind, sorted by
 * (kind, id). A module without a target has none. */
static aimcc_status emit_kind_params(emit_state *state)
{
    const aimcc_target *target = state->module->target;
    emit_buffer *section = emit_section(state, AIMRT_SECTION_KIND_PARAMS);
    uint32_t count = 0;
    for (int k = 0; target && k < target->n_kinds; k++) {
        const aimrt_kind_params kind_params = program_params(target, k);
        const aimrt_kind_params *params = &kind_params;
        for (int id = 0; id < AIMRT_PARAM_SLOTS; id++) {
            if (!params->given[id])
                continue;
            uint8_t *record = emit_buffer_grow(section, AIMRT_KIND_PARAM_RECORD_SIZE);
            if (!record)
                return emit_fail_nomem(state);
            aimrt_put_u32(record, (uint32_t)k);
            aimrt_put_u32(record + 4, (uint32_t)id);
            aimrt_put_f64(record + 8, params->value[id]);
            count++;
        }
    }
    state->counts[AIMRT_SECTION_KIND_PARAMS - 1] = count;
    return AIMCC_OK;
}

/* Emits the target's kinds; a module without a target gets one float kind
 * as large as its largest tile. */
static aimcc_status emit_kinds(emit_state *state)
{
    const aimcc_module *module = state->module;
    const aimcc_target *target = module->target;
    aimcc_status status = AIMCC_OK;
    if (target) {
        for (int i = 0; i < target->n_kinds && status == AIMCC_OK; i++)
            status = emit_kind(state, &target->kinds[i], 0, 0);
        state->counts[AIMRT_SECTION_TILE_KINDS - 1] = (uint32_t)target->n_kinds;
        return status == AIMCC_OK ? emit_kind_params(state) : status;
    }

    int64_t rows = 1, cols = 1;
    for (int i = 0; i < module->n_tiles; i++) {
        rows = module->tiles[i].rows > rows ? module->tiles[i].rows : rows;
        cols = module->tiles[i].cols > cols ? module->tiles[i].cols : cols;
    }
    state->counts[AIMRT_SECTION_TILE_KINDS - 1] = 1;
    return emit_kind(state, NULL, rows, cols);
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
    if (op->plan && op->plan->encoding != AIMRT_ENCODING_FLOAT) {
        /* A quantized op's cells are the levels encode wrote on its tiles. */
        for (int i = 0; i < op->n_blocks; i++) {
            const int t = op->blocks[i].tile;
            if (t < 0 || t >= module->n_tiles || !module->tiles[t].levels)
                return aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                                  "tile block %d sits on tile %d, which has no levels; run the "
                                  "encode pass before writing the program", i, t);
        }
        return AIMCC_OK;
    }
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
        emit_put_u32(tiles, drift_compensated(module, tile->kind)
                                ? AIMRT_TILE_FLAG_DRIFT_COMPENSATION
                                : 0);
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
    /* Levels that encode wrote replace whatever the float weights placed. */
    for (int i = 0; i < module->n_tiles && status == AIMCC_OK; i++) {
        const aimcc_tile *tile = &module->tiles[i];
        if (!tile->levels)
            continue;
        uint8_t *levels = tiles->data + level_offsets[i];
        for (int64_t c = 0; c < tile->rows * tile->cols; c++)
            aimrt_put_f32(levels + 4 * c, tile->levels[c]);
    }
    state->counts[AIMRT_SECTION_TILES - 1] = (uint32_t)module->n_tiles;
    free(level_offsets);
    return status;
}
