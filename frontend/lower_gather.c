/* SPDX-License-Identifier: MIT */
/*
 * Gather and Concat. Constant Gather indices of any integer dtype become
 * non-negative int64 checked against the axis, so the kernel reads them as
 * they are. Indices computed at run time are cast to int64 when needed.
 */
#include "frontend/lower_rules.h"

/* Replaces constant indices by checked, non-negative int64 ones. */
static aimcc_status normalize_indices(lower_node *node, int64_t dim, aimcc_value **indices)
{
    int n = 0;
    int64_t *values = NULL;
    aimcc_status status = lower_const_ints(node, 1, "indices", &n, &values);
    if (status != AIMCC_OK)
        return status;
    for (int i = 0; i < n; i++) {
        if (values[i] < -dim || values[i] >= dim)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "index %lld at position %d is out of range [%lld, %lld]",
                              (long long)values[i], i, (long long)-dim, (long long)(dim - 1));
        if (values[i] < 0)
            values[i] += dim;
    }
    const aimcc_value *original = *indices;
    return lower_constant(node, NULL, AIMRT_DTYPE_INT64, original->rank, original->dims, values,
                          indices);
}

aimcc_status lower_gather(lower_node *node)
{
    aimcc_value *inputs[2] = {NULL, NULL};
    aimcc_status status = lower_input_required(node, 0, &inputs[0]);
    if (status == AIMCC_OK)
        status = lower_input_required(node, 1, &inputs[1]);
    int64_t axis = 0;
    if (status == AIMCC_OK)
        status = lower_attr_int(node, "axis", 0, &axis);
    if (status == AIMCC_OK)
        status = lower_axis(node, axis, inputs[0]->rank, "axis", &axis);
    if (status != AIMCC_OK)
        return status;
    aimcc_value *x = inputs[0];
    if (x->batched && axis == 0)
        return lower_batch_fail(node, x, "Gather along axis 0 picks samples of");

    aimcc_value *indices = inputs[1];
    if (indices->kind == AIMCC_VALUE_CONST && indices->data != NULL) {
        status = normalize_indices(node, x->dims[axis], &inputs[1]);
    } else if (indices->dtype != AIMRT_DTYPE_INT32 && indices->dtype != AIMRT_DTYPE_INT64) {
        const aimrt_attr to = aimcc_ir_attr_int(node->module, AIMRT_ATTR_TO, AIMRT_DTYPE_INT64);
        status = lower_emit(node, AIMRT_OP_CAST, 1, &indices, 1, &to, NULL, &inputs[1]);
    }
    if (status != AIMCC_OK)
        return status;

    const aimrt_attr attr = aimcc_ir_attr_int(node->module, AIMRT_ATTR_AXIS, axis);
    return lower_emit_bind(node, AIMRT_OP_GATHER, x, inputs[1], 1, &attr);
}

aimcc_status lower_concat(lower_node *node)
{
    const int n = lower_n_inputs(node);
    if (n < 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Concat needs at least one input");
    aimcc_value **inputs = aimcc_arena_calloc(node->module->arena, (size_t)n, sizeof *inputs);
    if (inputs == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory");
    aimcc_status status = AIMCC_OK;
    for (int i = 0; i < n && status == AIMCC_OK; i++)
        status = lower_input_required(node, i, &inputs[i]);
    int64_t axis = 0;
    if (status == AIMCC_OK && lower_attr_find(node, "axis") == NULL)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Concat needs the axis attribute");
    if (status == AIMCC_OK)
        status = lower_attr_int(node, "axis", 0, &axis);
    if (status == AIMCC_OK)
        status = lower_axis(node, axis, inputs[0]->rank, "axis", &axis);
    if (status != AIMCC_OK)
        return status;
    for (int i = 0; i < n; i++) {
        if (inputs[i]->batched && axis == 0)
            return lower_batch_fail(node, inputs[i], "Concat along axis 0 joins");
    }

    const aimrt_attr attr = aimcc_ir_attr_int(node->module, AIMRT_ATTR_AXIS, axis);
    aimcc_value *result = NULL;
    status = lower_emit(node, AIMRT_OP_CONCAT, n, inputs, 1, &attr, lower_output_name(node, 0),
                        &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}
