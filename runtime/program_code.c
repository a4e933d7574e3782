/* SPDX-License-Identifier: MIT */
/*
 * Parser for the code section: the graph's input and output tensor ids and
 * the instruction stream (opcode, tensor ids, attributes, tile blocks). Every
 * count is checked against the bytes left before anything is allocated, so
 * allocations never exceed the size of the file. Meaning is checked later by
 * program_check_ops.
 */
#include <stdlib.h>

#include "program_internal.h"

typedef struct cursor {
    const uint8_t *bytes;
    uint64_t length;
    uint64_t pos;
} cursor;

/* Returns the next n bytes and advances, or NULL when fewer are left. */
static const uint8_t *take(cursor *c, uint64_t n)
{
    if (n > c->length - c->pos)
        return NULL;
    const uint8_t *p = c->bytes + c->pos;
    c->pos += n;
    return p;
}

/* Returns the next n items of item_size bytes, padded to 8 bytes, or NULL. */
static const uint8_t *take_padded(cursor *c, uint64_t n, uint64_t item_size)
{
    if (n > (c->length - c->pos) / item_size)
        return NULL;
    return take(c, aimrt_align_up(n * item_size, 8));
}

static aimrt_status truncated(aimrt_error *error, const char *what, int index)
{
    return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                           "section code: %s %d runs past the end of the section", what, index);
}

static aimrt_status read_ids(const uint8_t *p, int n, int32_t **out, aimrt_error *error)
{
    *out = malloc((size_t)(n > 0 ? n : 1) * sizeof **out);
    if (!*out)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %d tensor ids", n);
    for (int i = 0; i < n; i++)
        (*out)[i] = (int32_t)aimrt_get_u32(p + 4 * (uint64_t)i);
    return AIMRT_OK;
}

static aimrt_status parse_attr(cursor *c, int op_index, aimrt_attr *attr, aimrt_error *error)
{
    const uint8_t *header = take(c, AIMRT_ATTR_HEADER_SIZE);
    if (!header)
        return truncated(error, "op", op_index);
    const uint32_t key = aimrt_get_u32(header);
    const uint32_t kind = aimrt_get_u32(header + 4);
    const uint32_t count = aimrt_get_u32(header + 8);
    if (key >= AIMRT_ATTR_KEY_COUNT || kind > AIMRT_ATTR_FLOATS || count > INT32_MAX ||
        aimrt_get_u32(header + 12) != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d: attribute key %u, kind %u or count %u out of range",
                               op_index, key, kind, count);
    attr->key = (aimrt_attr_key)key;
    attr->kind = (aimrt_attr_kind)kind;
    attr->n = (int32_t)count;

    const uint64_t item = kind == AIMRT_ATTR_INTS ? 8 : 4;
    const uint8_t *values = take_padded(c, count, item);
    if (!values)
        return truncated(error, "op", op_index);
    if (kind == AIMRT_ATTR_INTS) {
        int64_t *ints = malloc((size_t)(count > 0 ? count : 1) * sizeof *ints);
        if (!ints)
            return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for an attribute");
        for (uint32_t i = 0; i < count; i++)
            ints[i] = (int64_t)aimrt_get_u64(values + 8 * (uint64_t)i);
        attr->ints = ints;
    } else {
        float *floats = malloc((size_t)(count > 0 ? count : 1) * sizeof *floats);
        if (!floats)
            return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for an attribute");
        for (uint32_t i = 0; i < count; i++)
            floats[i] = aimrt_get_f32(values + 4 * (uint64_t)i);
        attr->floats = floats;
    }
    return AIMRT_OK;
}

static aimrt_status parse_blocks(cursor *c, int op_index, program_op *op, uint32_t n,
                                 aimrt_error *error)
{
    const uint8_t *p = n <= (c->length - c->pos) / AIMRT_BLOCK_RECORD_SIZE
                           ? take(c, (uint64_t)n * AIMRT_BLOCK_RECORD_SIZE)
                           : NULL;
    if (!p)
        return truncated(error, "op", op_index);
    op->blocks = calloc(n > 0 ? n : 1, sizeof *op->blocks);
    if (!op->blocks)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u tile blocks", n);
    op->n_blocks = (int)n;

    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *record = p + (uint64_t)i * AIMRT_BLOCK_RECORD_SIZE;
        program_block *b = &op->blocks[i];
        b->tile = (int32_t)aimrt_get_u32(record);
        b->tile_row = (int64_t)aimrt_get_u64(record + 8);
        b->tile_col = (int64_t)aimrt_get_u64(record + 16);
        b->w_row = (int64_t)aimrt_get_u64(record + 24);
        b->w_col = (int64_t)aimrt_get_u64(record + 32);
        b->n_rows = (int64_t)aimrt_get_u64(record + 40);
        b->n_cols = (int64_t)aimrt_get_u64(record + 48);
        b->replica = (int32_t)aimrt_get_u32(record + 4);
    }
    return AIMRT_OK;
}

/* Reads the plan record of a quantized LINEAR op. Its fields are checked by
 * program_check_linear once the tensors and kinds are known. */
static aimrt_status parse_plan(cursor *c, int op_index, program_op *op, aimrt_error *error)
{
    const uint8_t *p = take(c, AIMRT_PLAN_RECORD_SIZE);
    if (!p)
        return truncated(error, "op", op_index);
    aimrt_linear_plan *plan = &op->plan;
    plan->kind = (int32_t)aimrt_get_u32(p);
    plan->encoding = (aimrt_encoding)aimrt_get_u32(p + 4);
    plan->weight_bits = (int32_t)aimrt_get_u32(p + 8);
    plan->cell_bits = (int32_t)aimrt_get_u32(p + 12);
    plan->n_slices = (int32_t)aimrt_get_u32(p + 16);
    plan->n_polarities = (int32_t)aimrt_get_u32(p + 20);
    plan->input_mode = (aimrt_input_mode)aimrt_get_u32(p + 24);
    plan->input_sign = (aimrt_input_sign)aimrt_get_u32(p + 28);
    plan->input_bits = (int32_t)aimrt_get_u32(p + 32);
    plan->n_phases = (int32_t)aimrt_get_u32(p + 36);
    plan->input_range = (aimrt_input_range)aimrt_get_u32(p + 40);
    plan->input_scale = aimrt_get_f32(p + 44);
    op->quantized = true;
    return AIMRT_OK;
}

static aimrt_status parse_op(aimrt_program *program, cursor *c, int index, aimrt_error *error)
{
    program_op *op = &program->ops[index];
    const uint8_t *header = take(c, AIMRT_OP_HEADER_SIZE);
    if (!header)
        return truncated(error, "op", index);

    const uint32_t code = aimrt_get_u32(header);
    op->node = program_string(program, aimrt_get_u32(header + 4));
    op->onnx_type = program_string(program, aimrt_get_u32(header + 8));
    const uint32_t n_inputs = aimrt_get_u32(header + 12);
    const uint32_t n_outputs = aimrt_get_u32(header + 16);
    const uint32_t n_attrs = aimrt_get_u32(header + 20);
    const uint32_t n_blocks = aimrt_get_u32(header + 24);
    const uint32_t has_plan = aimrt_get_u32(header + 28);
    if (code >= AIMRT_OP_COUNT || !op->node || !op->onnx_type || n_inputs > INT32_MAX ||
        n_outputs > INT32_MAX || n_attrs > INT32_MAX || has_plan > 1)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d: opcode %u (of %d), a string offset, a count or the plan "
                               "flag %u is out of range", index, code, AIMRT_OP_COUNT, has_plan);
    op->code = (aimrt_op)code;
    if (has_plan && op->code != AIMRT_OP_LINEAR)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": only a linear op carries a plan", index, op->node);
    /* A LINEAR op without a plan record runs its float weights as they are. */
    op->plan = (aimrt_linear_plan){.encoding = AIMRT_ENCODING_FLOAT,
                                   .input_mode = AIMRT_INPUT_FLOAT, .n_slices = 1,
                                   .n_polarities = 1, .n_phases = 1};

    const uint8_t *ids = take_padded(c, (uint64_t)n_inputs + n_outputs, 4);
    if (!ids)
        return truncated(error, "op", index);
    aimrt_status status = read_ids(ids, (int)n_inputs, &op->inputs, error);
    if (status != AIMRT_OK)
        return status;
    op->n_inputs = (int)n_inputs;
    status = read_ids(ids + 4 * (uint64_t)n_inputs, (int)n_outputs, &op->outputs, error);
    if (status != AIMRT_OK)
        return status;
    op->n_outputs = (int)n_outputs;

    if (n_attrs > (c->length - c->pos) / AIMRT_ATTR_HEADER_SIZE)
        return truncated(error, "op", index);
    op->attrs = calloc(n_attrs > 0 ? n_attrs : 1, sizeof *op->attrs);
    if (!op->attrs)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u attributes",
                               n_attrs);
    for (uint32_t i = 0; i < n_attrs; i++) {
        status = parse_attr(c, index, &op->attrs[i], error);
        op->n_attrs = (int)i + 1;  /* so cleanup frees what parse_attr allocated */
        if (status != AIMRT_OK)
            return status;
    }
    status = parse_blocks(c, index, op, n_blocks, error);
    if (status == AIMRT_OK && has_plan)
        status = parse_plan(c, index, op, error);
    return status;
}

aimrt_status program_parse_code(aimrt_program *program, aimrt_error *error)
{
    const program_section *s = &program->sections[AIMRT_SECTION_CODE - 1];
    cursor c = {program_section_bytes(program, AIMRT_SECTION_CODE), s->length, 0};

    const uint8_t *header = take(&c, AIMRT_CODE_HEADER_SIZE);
    if (!header)
        return truncated(error, "header", 0);
    const uint32_t n_inputs = aimrt_get_u32(header);
    const uint32_t n_outputs = aimrt_get_u32(header + 4);
    const uint32_t n_ops = aimrt_get_u32(header + 8);
    program->arena_bytes_per_sample = (int64_t)aimrt_get_u64(header + 16);
    program->arena_bytes_fixed = (int64_t)aimrt_get_u64(header + 24);
    if (n_ops != s->count || n_inputs > INT32_MAX || n_outputs > INT32_MAX ||
        aimrt_get_u32(header + 12) != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section code: %u ops (table says %u), %u inputs or %u outputs "
                               "out of range", n_ops, s->count, n_inputs, n_outputs);
    /* Sizes up to 2^62 keep offset + size sums far from overflow. */
    if (program->arena_bytes_per_sample < 0 || program->arena_bytes_fixed < 0 ||
        program->arena_bytes_per_sample > INT64_MAX / 2 || program->arena_bytes_fixed > INT64_MAX / 2)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section code: activation arena of %lld bytes per sample and "
                               "%lld fixed bytes is out of range [0, 2^62]",
                               (long long)program->arena_bytes_per_sample,
                               (long long)program->arena_bytes_fixed);

    /* Input ids, then (id, name) pairs for the outputs, padded to 8 bytes. */
    const uint8_t *ids = take_padded(&c, (uint64_t)n_inputs + 2 * (uint64_t)n_outputs, 4);
    if (!ids)
        return truncated(error, "graph input and output list", 0);
    aimrt_status status = read_ids(ids, (int)n_inputs, &program->inputs, error);
    if (status != AIMRT_OK)
        return status;
    program->n_inputs = (int)n_inputs;
    program->outputs = malloc((size_t)(n_outputs > 0 ? n_outputs : 1) * sizeof(int32_t));
    program->output_names = malloc((size_t)(n_outputs > 0 ? n_outputs : 1) * sizeof(char *));
    if (!program->outputs || !program->output_names)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u outputs", n_outputs);
    program->n_outputs = (int)n_outputs;
    for (uint32_t i = 0; i < n_outputs; i++) {
        const uint8_t *pair = ids + 4 * (uint64_t)n_inputs + 8 * (uint64_t)i;
        program->outputs[i] = (int32_t)aimrt_get_u32(pair);
        program->output_names[i] = program_string(program, aimrt_get_u32(pair + 4));
        if (!program->output_names[i])
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section code: graph output %u has a string offset outside "
                                   "the strings section", i);
    }

    status = program_limit_check(error, AIMRT_ERR_INVALID_PROGRAM, "section code", n_ops, "ops",
                                 program->limits.max_ops, "max_ops");
    if (status != AIMRT_OK)
        return status;
    if (n_ops > (c.length - c.pos) / AIMRT_OP_HEADER_SIZE)
        return truncated(error, "op", (int)((c.length - c.pos) / AIMRT_OP_HEADER_SIZE));
    program->ops = calloc(n_ops > 0 ? n_ops : 1, sizeof *program->ops);
    if (!program->ops)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u ops", n_ops);
    for (uint32_t i = 0; i < n_ops; i++) {
        program->n_ops = (int)i + 1;  /* so cleanup frees a partly parsed op */
        status = parse_op(program, &c, (int)i, error);
        if (status != AIMRT_OK)
            return status;
    }

    if (c.pos != c.length)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section code: %llu bytes after the last op",
                               (unsigned long long)(c.length - c.pos));
    return AIMRT_OK;
}
