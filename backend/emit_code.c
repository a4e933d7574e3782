/* SPDX-License-Identifier: MIT */
/*
 * Emits the tensors, constants and code sections. Every value that a graph
 * input, a graph output or an op refers to becomes a tensor record, and a
 * constant's bytes go to the constants section, and an activation that the
 * schedule placed records its arena offset. Every op, in list order, becomes
 * an instruction with its tensor ids, attributes, tile blocks and, for a
 * quantized LINEAR, its plan.
 */
#include "backend/emit_internal.h"

/* Returns the program tensor kind of a value in its role. */
static uint32_t tensor_kind(const aimcc_value *value, bool weight)
{
    if (weight)
        return AIMRT_TENSOR_WEIGHT;
    switch (value->kind) {
    case AIMCC_VALUE_INPUT: return AIMRT_TENSOR_INPUT;
    case AIMCC_VALUE_CONST: return AIMRT_TENSOR_CONST;
    default: return value->is_output ? AIMRT_TENSOR_OUTPUT : AIMRT_TENSOR_ACTIVATION;
    }
}

/* Appends a constant's bytes, 64-byte aligned, to the constants section. */
static uint64_t emit_constant(emit_state *state, const aimcc_value *value, uint64_t *length)
{
    emit_buffer *constants = emit_section(state, AIMRT_SECTION_CONSTANTS);
    emit_buffer_align(constants, AIMRT_FORMAT_ALIGN);
    const uint64_t offset = constants->size;
    *length = aimcc_ir_value_bytes(value);
    uint8_t *p = emit_buffer_grow(constants, (size_t)*length);
    if (p && *length > 0)
        memcpy(p, value->data, (size_t)*length);
    return offset;
}

/* Returns true when the schedule pass laid out an activation arena. */
static bool arena_used(const aimcc_module *module)
{
    return module->arena_bytes_per_sample >= 0 && module->arena_bytes_fixed >= 0 &&
           module->arena_bytes_per_sample + module->arena_bytes_fixed > 0;
}

/* Returns the tensor id of value in its role (a LINEAR weight or not),
 * adding its record on first use; -1 when out of memory. */
static int32_t emit_tensor(emit_state *state, const aimcc_value *value, bool weight)
{
    int32_t *map = weight ? state->weight_of_value : state->tensor_of_value;
    if (map[value->id] >= 0)
        return map[value->id];

    const uint32_t kind = tensor_kind(value, weight);
    const bool batched = value->batched && kind != AIMRT_TENSOR_CONST &&
                         kind != AIMRT_TENSOR_WEIGHT;
    const bool placed = arena_used(state->module) && value->buffer_offset >= 0 &&
                        (kind == AIMRT_TENSOR_ACTIVATION || kind == AIMRT_TENSOR_OUTPUT);
    uint64_t data_offset = 0, data_length = 0;
    if (kind == AIMRT_TENSOR_CONST) {
        data_offset = emit_constant(state, value, &data_length);
    } else if (placed) {
        /* Per sample for a batched value, the size the schedule pass laid out. */
        data_offset = (uint64_t)value->buffer_offset;
        data_length = (uint64_t)aimcc_ir_value_buffer_bytes(value);
    }

    uint8_t *record = emit_buffer_grow(emit_section(state, AIMRT_SECTION_TENSORS),
                                       AIMRT_TENSOR_RECORD_SIZE);
    if (!record)
        return -1;
    aimrt_put_u32(record, emit_string(&state->strings, value->name));
    aimrt_put_u32(record + 4, (uint32_t)value->dtype);
    aimrt_put_u32(record + 8, kind);
    aimrt_put_u32(record + 12, (uint32_t)value->rank);
    aimrt_put_u32(record + 16, (batched ? AIMRT_TENSOR_FLAG_BATCHED : 0) |
                                   (placed ? AIMRT_TENSOR_FLAG_ARENA : 0));
    /* The runtime replaces dims[0] of a batched tensor with the run's batch
     * and requires it to be 1, whatever export batch the IR stored. */
    for (int d = 0; d < value->rank && d < AIMRT_MAX_RANK; d++)
        aimrt_put_u64(record + 24 + 8 * d, d == 0 && batched ? 1 : (uint64_t)value->dims[d]);
    aimrt_put_u64(record + 88, data_offset);
    aimrt_put_u64(record + 96, data_length);

    map[value->id] = state->n_tensors++;
    return map[value->id];
}

static void emit_attr(emit_buffer *code, const aimrt_attr *attr)
{
    emit_put_u32(code, (uint32_t)attr->key);
    emit_put_u32(code, (uint32_t)attr->kind);
    emit_put_u32(code, (uint32_t)attr->n);
    emit_put_u32(code, 0);
    for (int i = 0; i < attr->n; i++) {
        if (attr->kind == AIMRT_ATTR_INTS) {
            emit_put_u64(code, (uint64_t)attr->ints[i]);
        } else {
            uint8_t *p = emit_buffer_grow(code, 4);
            if (p)
                aimrt_put_f32(p, attr->floats[i]);
        }
    }
    emit_buffer_align(code, 8);
}

static void emit_block(emit_buffer *code, const aimcc_tile_block *b)
{
    emit_put_u32(code, (uint32_t)b->tile);
    emit_put_u32(code, (uint32_t)b->replica);
    emit_put_u64(code, (uint64_t)b->tile_row);
    emit_put_u64(code, (uint64_t)b->tile_col);
    emit_put_u64(code, (uint64_t)b->w_row);
    emit_put_u64(code, (uint64_t)b->w_col);
    emit_put_u64(code, (uint64_t)b->n_rows);
    emit_put_u64(code, (uint64_t)b->n_cols);
}

/* Returns true when op is a quantized LINEAR, which carries a plan record. */
static bool has_plan(const aimcc_op *op)
{
    return op->code == AIMRT_OP_LINEAR && op->plan && op->plan->encoding != AIMRT_ENCODING_FLOAT;
}

/* Writes the plan record: the fields of aimrt_linear_plan in order. */
static void emit_plan(emit_buffer *code, const aimrt_linear_plan *plan)
{
    emit_put_u32(code, (uint32_t)plan->kind);
    emit_put_u32(code, (uint32_t)plan->encoding);
    emit_put_u32(code, (uint32_t)plan->weight_bits);
    emit_put_u32(code, (uint32_t)plan->cell_bits);
    emit_put_u32(code, (uint32_t)plan->n_slices);
    emit_put_u32(code, (uint32_t)plan->n_polarities);
    emit_put_u32(code, (uint32_t)plan->input_mode);
    emit_put_u32(code, (uint32_t)plan->input_sign);
    emit_put_u32(code, (uint32_t)plan->input_bits);
    emit_put_u32(code, (uint32_t)plan->n_phases);
    emit_put_u32(code, (uint32_t)plan->input_range);
    uint8_t *p = emit_buffer_grow(code, 4);
    if (p)
        aimrt_put_f32(p, plan->input_scale);
}

static aimcc_status emit_op(emit_state *state, const aimcc_op *op)
{
    const bool linear = op->code == AIMRT_OP_LINEAR;
    if (linear != (op->n_blocks > 0))
        return aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                          "%s op has %d tile blocks; a linear op needs the map pass to place "
                          "it and other ops take none", aimrt_op_name(op->code), op->n_blocks);

    /* Tensor records first, so that the ids written below exist. */
    for (int i = 0; i < op->n_inputs; i++) {
        if (op->inputs[i] && emit_tensor(state, op->inputs[i], linear && i == 1) < 0)
            return emit_fail_nomem(state);
    }
    for (int i = 0; i < op->n_outputs; i++) {
        if (emit_tensor(state, op->outputs[i], false) < 0)
            return emit_fail_nomem(state);
    }

    emit_buffer *code = emit_section(state, AIMRT_SECTION_CODE);
    emit_put_u32(code, (uint32_t)op->code);
    emit_put_u32(code, emit_string(&state->strings, op->node));
    emit_put_u32(code, emit_string(&state->strings, op->onnx_type));
    emit_put_u32(code, (uint32_t)op->n_inputs);
    emit_put_u32(code, (uint32_t)op->n_outputs);
    emit_put_u32(code, (uint32_t)op->n_attrs);
    emit_put_u32(code, (uint32_t)op->n_blocks);
    emit_put_u32(code, has_plan(op) ? 1 : 0);
    for (int i = 0; i < op->n_inputs; i++) {
        const int32_t id = op->inputs[i] ? emit_tensor(state, op->inputs[i], linear && i == 1) : -1;
        emit_put_u32(code, (uint32_t)id);
    }
    for (int i = 0; i < op->n_outputs; i++) {
        emit_put_u32(code, (uint32_t)emit_tensor(state, op->outputs[i], false));
    }
    emit_buffer_align(code, 8);
    for (int i = 0; i < op->n_attrs; i++)
        emit_attr(code, &op->attrs[i]);
    for (int i = 0; i < op->n_blocks; i++)
        emit_block(code, &op->blocks[i]);
    if (has_plan(op))
        emit_plan(code, op->plan);
    return AIMCC_OK;
}

/* Writes the code header and the graph input and output lists. */
static aimcc_status emit_graph_io(emit_state *state, uint32_t n_ops)
{
    const aimcc_module *module = state->module;
    emit_buffer *code = emit_section(state, AIMRT_SECTION_CODE);

    /* An initializer listed as a graph input stays a constant: version 1
     * programs cannot override it at run time. */
    uint32_t n_inputs = 0;
    for (int i = 0; i < module->n_inputs; i++)
        n_inputs += module->inputs[i]->kind == AIMCC_VALUE_INPUT;

    emit_put_u32(code, n_inputs);
    emit_put_u32(code, (uint32_t)module->n_outputs);
    emit_put_u32(code, n_ops);
    emit_put_u32(code, 0);
    emit_put_u64(code, arena_used(module) ? (uint64_t)module->arena_bytes_per_sample : 0);
    emit_put_u64(code, arena_used(module) ? (uint64_t)module->arena_bytes_fixed : 0);
    for (int i = 0; i < module->n_inputs; i++) {
        if (module->inputs[i]->kind != AIMCC_VALUE_INPUT)
            continue;
        const int32_t id = emit_tensor(state, module->inputs[i], false);
        if (id < 0)
            return emit_fail_nomem(state);
        emit_put_u32(code, (uint32_t)id);
    }
    for (int i = 0; i < module->n_outputs; i++) {
        const aimcc_value *value = module->outputs[i];
        const int32_t id = emit_tensor(state, value, false);
        if (id < 0)
            return emit_fail_nomem(state);
        const char *name = module->output_names && module->output_names[i]
                               ? module->output_names[i]
                               : value->name;
        emit_put_u32(code, (uint32_t)id);
        emit_put_u32(code, emit_string(&state->strings, name));
    }
    emit_buffer_align(code, 8);
    return AIMCC_OK;
}

aimcc_status emit_code(emit_state *state)
{
    uint32_t n_ops = 0;
    for (const aimcc_op *op = state->module->first; op; op = op->next)
        n_ops++;

    aimcc_status status = emit_graph_io(state, n_ops);
    for (const aimcc_op *op = state->module->first; op && status == AIMCC_OK; op = op->next)
        status = emit_op(state, op);
    if (status != AIMCC_OK)
        return status;

    state->counts[AIMRT_SECTION_TENSORS - 1] = (uint32_t)state->n_tensors;
    state->counts[AIMRT_SECTION_CODE - 1] = n_ops;
    return AIMCC_OK;
}
