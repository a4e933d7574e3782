/* SPDX-License-Identifier: MIT */
/*
 * Inputs, constants and op emission for the lowering rules. Every op is
 * folded as soon as it is created, so the shape chains that exporters emit
 * (Shape, Gather, Concat, Reshape) are constants by the time a rule reads them.
 */
#include <math.h>
#include <string.h>

#include "frontend/lower_rules.h"

int lower_n_inputs(const lower_node *node)
{
    return (int)node->node->n_input;
}

aimcc_value *lower_input(lower_node *node, int index)
{
    if (index < 0 || (size_t)index >= node->node->n_input)
        return NULL;
    const char *name = node->node->input[index];
    if (name == NULL || name[0] == '\0')
        return NULL;
    return onnx_import_lookup(node->import, name);
}

aimcc_status lower_input_required(lower_node *node, int index, aimcc_value **out)
{
    *out = lower_input(node, index);
    if (*out != NULL)
        return AIMCC_OK;
    if ((size_t)index < node->node->n_input && node->node->input[index][0] != '\0')
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "input %d \"%s\" is not defined", index,
                          node->node->input[index]);
    return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                      "input %d is missing but %s requires it; the node has %zu inputs", index,
                      node->op_type, node->node->n_input);
}

const char *lower_output_name(const lower_node *node, int index)
{
    if (index < 0 || (size_t)index >= node->node->n_output)
        return NULL;
    const char *name = node->node->output[index];
    return (name == NULL || name[0] == '\0') ? NULL : name;
}

aimcc_status lower_bind(lower_node *node, int index, aimcc_value *value)
{
    const char *name = lower_output_name(node, index);
    if (name == NULL)
        return AIMCC_OK;
    return onnx_import_bind(node->import, name, value, node->name, node->op_type);
}

/* Reads element i of a numeric constant as a double. Returns false for other dtypes. */
static bool read_element(const aimcc_value *value, int64_t i, double *out)
{
    const void *data = value->data;
    switch (value->dtype) {
    case AIMRT_DTYPE_FLOAT: *out = ((const float *)data)[i]; return true;
    case AIMRT_DTYPE_DOUBLE: *out = ((const double *)data)[i]; return true;
    case AIMRT_DTYPE_FLOAT16: *out = aimrt_half_to_float(((const uint16_t *)data)[i]); return true;
    case AIMRT_DTYPE_UINT8: *out = ((const uint8_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT8: *out = ((const int8_t *)data)[i]; return true;
    case AIMRT_DTYPE_UINT16: *out = ((const uint16_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT16: *out = ((const int16_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT32: *out = ((const int32_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT64: *out = (double)((const int64_t *)data)[i]; return true;
    case AIMRT_DTYPE_UINT32: *out = ((const uint32_t *)data)[i]; return true;
    case AIMRT_DTYPE_UINT64: *out = (double)((const uint64_t *)data)[i]; return true;
    case AIMRT_DTYPE_BOOL: *out = ((const uint8_t *)data)[i] != 0; return true;
    default: return false;
    }
}

/* Reads element i of an integer constant exactly. Returns false for other dtypes. */
static bool read_integer(const aimcc_value *value, int64_t i, int64_t *out)
{
    const void *data = value->data;
    switch (value->dtype) {
    case AIMRT_DTYPE_UINT8: *out = ((const uint8_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT8: *out = ((const int8_t *)data)[i]; return true;
    case AIMRT_DTYPE_UINT16: *out = ((const uint16_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT16: *out = ((const int16_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT32: *out = ((const int32_t *)data)[i]; return true;
    case AIMRT_DTYPE_INT64: *out = ((const int64_t *)data)[i]; return true;
    case AIMRT_DTYPE_UINT32: *out = ((const uint32_t *)data)[i]; return true;
    case AIMRT_DTYPE_UINT64: {
        const uint64_t raw = ((const uint64_t *)data)[i];
        *out = raw > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)raw;
        return true;
    }
    default: return false;
    }
}

/* Fetches input index and checks that it is a constant. */
static aimcc_status require_constant(lower_node *node, int index, const char *role,
                                     aimcc_value **out)
{
    aimcc_status status = lower_input_required(node, index, out);
    if (status != AIMCC_OK)
        return status;
    const aimcc_value *value = *out;
    if (value->kind == AIMCC_VALUE_CONST && value->data != NULL)
        return AIMCC_OK;
    const char *name = node->node->input[index];
    return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                      "the %s input \"%s\" is computed at run time, but aimcc needs it at "
                      "compile time. Bind the graph input it comes from with --const NAME=FILE.pb",
                      role, name);
}

aimcc_status lower_const_ints(lower_node *node, int index, const char *role, int *n,
                              int64_t **values)
{
    aimcc_value *value = NULL;
    aimcc_status status = require_constant(node, index, role, &value);
    if (status != AIMCC_OK)
        return status;

    const int64_t count = aimcc_ir_value_count(value);
    if (count > INT32_MAX)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED, "the %s input \"%s\" has %lld values",
                          role, node->node->input[index], (long long)count);
    int64_t *result = aimcc_arena_calloc(node->module->arena, (size_t)count + 1, sizeof *result);
    if (result == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory reading the %s input", role);
    for (int64_t i = 0; i < count; i++) {
        if (!read_integer(value, i, &result[i]))
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "the %s input \"%s\" has dtype %s but must be an integer tensor",
                              role, node->node->input[index],
                              aimrt_dtype_name(value->dtype) ? aimrt_dtype_name(value->dtype) : "?");
    }
    *n = (int)count;
    *values = result;
    return AIMCC_OK;
}

aimcc_status lower_const_scalar(lower_node *node, int index, const char *role, float *out)
{
    aimcc_value *value = NULL;
    aimcc_status status = require_constant(node, index, role, &value);
    if (status != AIMCC_OK)
        return status;
    if (aimcc_ir_value_count(value) != 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the %s input \"%s\" has %lld values but must be a scalar", role,
                          node->node->input[index], (long long)aimcc_ir_value_count(value));
    double scalar = 0.0;
    if (!read_element(value, 0, &scalar))
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the %s input \"%s\" is not a numeric tensor", role,
                          node->node->input[index]);
    *out = (float)scalar;
    return AIMCC_OK;
}

aimcc_status lower_axis(lower_node *node, int64_t axis, int rank, const char *role,
                        int64_t *out)
{
    if (axis < -(int64_t)rank || axis >= rank)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "%s %lld is out of range for an input of rank %d; it must lie in "
                          "[%d, %d]",
                          role, (long long)axis, rank, -rank, rank - 1);
    *out = axis < 0 ? axis + rank : axis;
    return AIMCC_OK;
}

aimcc_status lower_axes(lower_node *node, int n, int64_t *axes, int rank, const char *role)
{
    for (int i = 0; i < n; i++) {
        aimcc_status status = lower_axis(node, axes[i], rank, role, &axes[i]);
        if (status != AIMCC_OK)
            return status;
        for (int j = 0; j < i; j++) {
            if (axes[j] == axes[i])
                return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "%s lists axis %lld twice",
                                  role, (long long)axes[i]);
        }
    }
    return AIMCC_OK;
}

aimcc_status lower_constant(lower_node *node, const char *name, aimrt_dtype dtype, int rank,
                            const int64_t *dims, const void *data, aimcc_value **out)
{
    *out = NULL;
    const char *label = name ? name : lower_output_name(node, 0);
    aimcc_status status = onnx_limit_tensor(node->import, node->name, "constant",
                                            label ? label : "(unnamed)", dtype, rank, dims);
    if (status != AIMCC_OK)
        return status;
    *out = aimcc_ir_value_add(node->module, name, AIMCC_VALUE_CONST, dtype, rank, dims, data);
    if (*out == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM,
                          "cannot allocate a constant of rank %d: out of memory or too large",
                          rank);
    return onnx_limit_add_constant(node->import, node->name, label ? label : "(unnamed)",
                                   aimcc_ir_value_bytes(*out));
}

/* Checks the sizes of an op's outputs before folding allocates their data. */
static aimcc_status limit_outputs(lower_node *node, const aimcc_op *op)
{
    for (int i = 0; i < op->n_outputs; i++) {
        const aimcc_value *value = op->outputs[i];
        const aimcc_status status =
            onnx_limit_tensor(node->import, node->name, "value",
                              value->name ? value->name : "(unnamed)", value->dtype, value->rank,
                              value->dims);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

aimcc_status lower_emit(lower_node *node, aimrt_op code, int n_inputs,
                        aimcc_value *const *inputs, int n_attrs, const aimrt_attr *attrs,
                        const char *out_name, aimcc_value **out)
{
    const char *names[1] = {out_name};
    aimcc_op *op = NULL;
    aimcc_status status =
        aimcc_ir_op_create(node->ctx, node->module, NULL, code, node->name, node->op_type,
                           n_inputs, inputs, n_attrs, attrs, 1, names, &op);
    if (status != AIMCC_OK)
        return status;

    status = limit_outputs(node, op);
    if (status != AIMCC_OK)
        return status;

    /* Folding turns the op's output into a constant in place. */
    aimcc_value *value = op->outputs[0];
    bool folded = false;
    status = aimcc_ir_fold_op(node->ctx, node->module, op, &folded);
    if (status == AIMCC_OK && folded)
        status = onnx_limit_add_constant(node->import, node->name,
                                         value->name ? value->name : "(unnamed)",
                                         aimcc_ir_value_bytes(value));
    if (status != AIMCC_OK)
        return status;
    *out = value;
    return AIMCC_OK;
}

aimcc_status lower_emit_bind(lower_node *node, aimrt_op code, aimcc_value *x, aimcc_value *y,
                             int n_attrs, const aimrt_attr *attrs)
{
    aimcc_value *inputs[2] = {x, y};
    aimcc_value *result = NULL;
    aimcc_status status = lower_emit(node, code, y != NULL ? 2 : 1, inputs, n_attrs, attrs,
                                     lower_output_name(node, 0), &result);
    if (status != AIMCC_OK)
        return status;
    return lower_bind(node, 0, result);
}

aimcc_status lower_reshape(lower_node *node, aimcc_value *x, int rank, const int64_t *dims,
                           bool keep_batch, const char *out_name, aimcc_value **out)
{
    int64_t shape[AIMRT_MAX_RANK];
    if (rank < 0 || rank > AIMRT_MAX_RANK)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED, "the result has rank %d; at most %d is supported",
                          rank, AIMRT_MAX_RANK);
    memcpy(shape, dims, (size_t)rank * sizeof *shape);

    /* Reshape's 0 copies the input dim at the same index, which is the run-time batch. */
    if (keep_batch && x->batched && rank > 0)
        shape[0] = 0;
    const aimrt_attr attr = aimcc_ir_attr_ints(node->module, AIMRT_ATTR_SHAPE, rank, shape);
    return lower_emit(node, AIMRT_OP_RESHAPE, 1, &x, 1, &attr, out_name, out);
}

aimcc_status lower_batch_fail(lower_node *node, const aimcc_value *x, const char *action)
{
    /* The compile driver then imports again with a fixed leading 1 kept at its exported size. */
    node->module->batch_broken = true;
    const char *name = x->name != NULL ? x->name : "(unnamed)";
    return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                      "%s the batch axis (axis 0) of \"%s\", so the program cannot be "
                      "batch-agnostic; give the batch dimension a fixed size with "
                      "--dim NAME=VALUE or export the model with a fixed batch",
                      action, name);
}
