/* SPDX-License-Identifier: MIT */
/*
 * Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D
 * [prod(d[:axis]), prod(d[axis:])] and normalized over the second axis, with
 * default axis 1. From opset 13 the op normalizes over one axis (default -1).
 */
#include <string.h>

#include "frontend/lower_rules.h"

static aimcc_status emit_normalize(lower_node *node, aimcc_value *x, int64_t axis,
                                   const char *out_name, aimcc_value **out)
{
    const aimrt_op code =
        strcmp(node->op_type, "Softmax") == 0 ? AIMRT_OP_SOFTMAX : AIMRT_OP_LOG_SOFTMAX;
    const aimrt_attr attr = aimcc_ir_attr_int(node->module, AIMRT_ATTR_AXIS, axis);
    return lower_emit(node, code, 1, &x, 1, &attr, out_name, out);
}

/*
 * Lowers the opset 1-12 form. Normalizing row r of the 2-D view equals
 * normalizing the last axis of [d0, ..., d(axis-1), prod(d[axis:])], which
 * keeps the batch on axis 0: RESHAPE, normalize the last axis, RESHAPE back.
 */
static aimcc_status lower_coerced(lower_node *node, aimcc_value *x, int64_t axis)
{
    const char *out_name = lower_output_name(node, 0);
    aimcc_value *result = NULL;
    aimcc_status status;

    /* Over the last axis the coerced view changes nothing. */
    if (axis == x->rank - 1) {
        status = emit_normalize(node, x, axis, out_name, &result);
        return status != AIMCC_OK ? status : lower_bind(node, 0, result);
    }
    if (axis == 0 && x->batched)
        return lower_batch_fail(node, x, "normalizing over axis 0 mixes");

    int64_t view[AIMRT_MAX_RANK];
    memcpy(view, x->dims, (size_t)axis * sizeof view[0]);
    view[axis] = 1;
    for (int i = (int)axis; i < x->rank; i++)
        view[axis] *= x->dims[i];
    aimcc_value *rows = NULL;
    status = lower_reshape(node, x, (int)axis + 1, view, true, NULL, &rows);
    if (status == AIMCC_OK)
        status = emit_normalize(node, rows, axis, NULL, &rows);
    if (status == AIMCC_OK)
        status = lower_reshape(node, rows, x->rank, x->dims, true, out_name, &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

aimcc_status lower_softmax(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status != AIMCC_OK)
        return status;
    if (x->rank < 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "the input is a scalar; %s needs rank 1 or more",
                          node->op_type);

    const bool coerced = node->opset < 13;
    int64_t axis = 0;
    status = lower_attr_int(node, "axis", coerced ? 1 : -1, &axis);
    if (status == AIMCC_OK)
        status = lower_axis(node, axis, x->rank, "axis", &axis);
    if (status != AIMCC_OK)
        return status;
    if (coerced)
        return lower_coerced(node, x, axis);

    aimcc_value *result = NULL;
    status = emit_normalize(node, x, axis, lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}
