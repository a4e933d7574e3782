/* SPDX-License-Identifier: MIT */
/*
 * Construction and editing of the IR: modules, values, ops, attributes and
 * tiles. Op creation infers output shapes with the runtime's aimrt_op_infer,
 * so the compiler and the runtime agree on every shape by construction.
 */
#include "ir/ir.h"

#include <string.h>

aimcc_module *aimcc_ir_module_create(aimcc_arena *arena, const char *name)
{
    aimcc_module *module = aimcc_arena_alloc(arena, sizeof *module);
    if (!module)
        return NULL;
    module->arena = arena;
    module->name = aimcc_arena_strdup(arena, name ? name : "");
    return module;
}

/* Grows an arena array to hold at least need items. The old copy stays in the arena. */
static bool grow(aimcc_arena *arena, void **items, int *capacity, int need, size_t item_size)
{
    if (need <= *capacity)
        return true;
    int fresh_capacity = *capacity ? *capacity * 2 : 16;
    while (fresh_capacity < need)
        fresh_capacity *= 2;
    void *fresh = aimcc_arena_calloc(arena, (size_t)fresh_capacity, item_size);
    if (!fresh)
        return false;
    if (*items)
        memcpy(fresh, *items, (size_t)*capacity * item_size);
    *items = fresh;
    *capacity = fresh_capacity;
    return true;
}

aimcc_value *aimcc_ir_value_add(aimcc_module *module, const char *name, aimcc_value_kind kind,
                                aimrt_dtype dtype, int rank, const int64_t *dims,
                                const void *data)
{
    int64_t count;
    const size_t elem_size = aimrt_dtype_size(dtype);
    if (elem_size == 0 || !aimrt_shape_count(rank, dims, elem_size, &count))
        return NULL;
    if (!grow(module->arena, (void **)&module->values, &module->values_capacity,
              module->n_values + 1, sizeof(aimcc_value *)))
        return NULL;

    aimcc_value *value = aimcc_arena_alloc(module->arena, sizeof *value);
    if (!value)
        return NULL;
    value->id = module->n_values;
    value->name = aimcc_arena_strdup(module->arena, name);
    value->kind = kind;
    value->buffer_offset = -1;
    value->dtype = dtype;
    value->rank = rank;
    for (int i = 0; i < rank; i++)
        value->dims[i] = dims[i];
    if (data) {
        value->data = aimcc_arena_memdup(module->arena, data, (size_t)count * elem_size);
        if (!value->data)
            return NULL;
    }
    module->values[module->n_values++] = value;
    return value;
}

int64_t aimcc_ir_value_count(const aimcc_value *value)
{
    int64_t count = 0;
    if (!aimrt_shape_count(value->rank, value->dims, aimrt_dtype_size(value->dtype), &count))
        return 0;
    return count;
}

size_t aimcc_ir_value_bytes(const aimcc_value *value)
{
    return (size_t)aimcc_ir_value_count(value) * aimrt_dtype_size(value->dtype);
}

aimrt_tensor aimcc_ir_value_tensor(const aimcc_value *value)
{
    aimrt_tensor tensor = {.dtype = value->dtype, .rank = value->rank, .data = value->data};
    for (int i = 0; i < value->rank; i++)
        tensor.dims[i] = value->dims[i];
    return tensor;
}

static aimcc_status append_value(aimcc_module *module, aimcc_value ***list, int *n,
                                 aimcc_value *value)
{
    aimcc_value **fresh = aimcc_arena_calloc(module->arena, (size_t)*n + 1, sizeof *fresh);
    if (!fresh)
        return AIMCC_ERR_NOMEM;
    if (*n)
        memcpy(fresh, *list, (size_t)*n * sizeof *fresh);
    fresh[(*n)++] = value;
    *list = fresh;
    return AIMCC_OK;
}

aimcc_status aimcc_ir_module_add_input(aimcc_module *module, aimcc_value *value)
{
    return append_value(module, &module->inputs, &module->n_inputs, value);
}

aimcc_status aimcc_ir_module_add_output(aimcc_module *module, aimcc_value *value)
{
    const char **names = aimcc_arena_calloc(module->arena, (size_t)module->n_outputs + 1,
                                            sizeof *names);
    if (!names)
        return AIMCC_ERR_NOMEM;
    if (module->n_outputs)
        memcpy(names, module->output_names, (size_t)module->n_outputs * sizeof *names);
    names[module->n_outputs] = value->name ? value->name : "";
    module->output_names = names;

    value->is_output = true;
    return append_value(module, &module->outputs, &module->n_outputs, value);
}

aimrt_attr aimcc_ir_attr_ints(aimcc_module *module, aimrt_attr_key key, int n, const int64_t *values)
{
    aimrt_attr attr = {.key = key, .kind = AIMRT_ATTR_INTS, .n = n};
    attr.ints = aimcc_arena_memdup(module->arena, values, (size_t)n * sizeof(int64_t));
    return attr;
}

aimrt_attr aimcc_ir_attr_int(aimcc_module *module, aimrt_attr_key key, int64_t value)
{
    return aimcc_ir_attr_ints(module, key, 1, &value);
}

aimrt_attr aimcc_ir_attr_floats(aimcc_module *module, aimrt_attr_key key, int n, const float *values)
{
    aimrt_attr attr = {.key = key, .kind = AIMRT_ATTR_FLOATS, .n = n};
    attr.floats = aimcc_arena_memdup(module->arena, values, (size_t)n * sizeof(float));
    return attr;
}

aimrt_attr aimcc_ir_attr_float(aimcc_module *module, aimrt_attr_key key, float value)
{
    return aimcc_ir_attr_floats(module, key, 1, &value);
}

int aimcc_ir_tile_add(aimcc_module *module, int kind, int64_t rows, int64_t cols)
{
    if (!grow(module->arena, (void **)&module->tiles, &module->tiles_capacity, module->n_tiles + 1,
              sizeof(aimcc_tile)))
        return -1;
    aimcc_tile *tile = &module->tiles[module->n_tiles];
    memset(tile, 0, sizeof *tile);
    tile->id = module->n_tiles;
    tile->kind = kind;
    tile->rows = rows;
    tile->cols = cols;
    return module->n_tiles++;
}

void aimcc_ir_op_remove(aimcc_module *module, aimcc_op *op)
{
    for (int i = 0; i < op->n_inputs; i++) {
        if (op->inputs[i])
            op->inputs[i]->n_uses--;
    }
    if (op->prev)
        op->prev->next = op->next;
    else
        module->first = op->next;
    if (op->next)
        op->next->prev = op->prev;
    else
        module->last = op->prev;
    op->prev = op->next = NULL;
}

void aimcc_ir_value_replace_uses(aimcc_module *module, aimcc_value *old_value,
                                 aimcc_value *new_value)
{
    for (aimcc_op *op = module->first; op; op = op->next) {
        for (int i = 0; i < op->n_inputs; i++) {
            if (op->inputs[i] == old_value) {
                op->inputs[i] = new_value;
                old_value->n_uses--;
                new_value->n_uses++;
            }
        }
    }
    for (int i = 0; i < module->n_outputs; i++) {
        if (module->outputs[i] == old_value) {
            module->outputs[i] = new_value;
            new_value->is_output = true;
            old_value->is_output = false;
        }
    }
}
