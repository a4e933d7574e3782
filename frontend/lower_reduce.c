/* SPDX-License-Identifier: MIT */
/*
 * ReduceMean, ReduceMax and ReduceSum. Axes are an attribute until opset 18
 * (ReduceSum: until opset 13) and an optional input after, where
 * noop_with_empty_axes=1 turns an empty axes list into an identity.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* Reads the axes in the node's opset form. *n is -1 when none are given. */
static aimcc_status read_reduce_axes(lower_node *node, bool from_input, int *n, int64_t *axes)
{
    *n = -1;
    if (!from_input) {
        const int64_t *values = NULL;
        aimcc_status status = lower_attr_ints(node, "axes", n, &values);
        if (status == AIMCC_OK && *n > AIMRT_MAX_RANK)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "axes has %d entries", *n);
        if (status == AIMCC_OK && *n > 0)
            memcpy(axes, values, (size_t)*n * sizeof *axes);
        return status;
    }
    if (lower_input(node, 1) == NULL)
        return AIMCC_OK;
    int64_t *values = NULL;
    aimcc_status status = lower_const_ints(node, 1, "axes", n, &values);
    if (status == AIMCC_OK && *n > AIMRT_MAX_RANK)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "axes has %d entries", *n);
    if (status == AIMCC_OK && *n > 0)
        memcpy(axes, values, (size_t)*n * sizeof *axes);
    return status;
}

static aimrt_op reduce_code(const char *op_type)
{
    if (strcmp(op_type, "ReduceMax") == 0)
        return AIMRT_OP_REDUCE_MAX;
    if (strcmp(op_type, "ReduceSum") == 0)
        return AIMRT_OP_REDUCE_SUM;
    return AIMRT_OP_REDUCE_MEAN;
}

aimcc_status lower_reduce(lower_node *node)
{
    const aimrt_op code = reduce_code(node->op_type);
    const bool from_input = node->opset >= 18 || (code == AIMRT_OP_REDUCE_SUM && node->opset >= 13);
    aimcc_value *x = NULL;
    int64_t keepdims = 1;
    int64_t noop = 0;
    int n = -1;
    int64_t axes[AIMRT_MAX_RANK];
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status == AIMCC_OK)
        status = lower_attr_flag(node, "keepdims", 1, &keepdims);
    if (status == AIMCC_OK && from_input)
        status = lower_attr_flag(node, "noop_with_empty_axes", 0, &noop);
    if (status == AIMCC_OK)
        status = read_reduce_axes(node, from_input, &n, axes);
    if (status != AIMCC_OK)
        return status;

    /* No axes reduce everything, unless noop_with_empty_axes makes it an identity. */
    if (n <= 0 && noop)
        return lower_emit_bind(node, AIMRT_OP_IDENTITY, x, NULL, 0, NULL);
    if (n <= 0) {
        n = x->rank;
        for (int i = 0; i < n; i++)
            axes[i] = i;
    }
    status = lower_axes(node, n, axes, x->rank, "axes");
    if (status != AIMCC_OK)
        return status;
    for (int i = 0; i < n; i++) {
        if (x->batched && axes[i] == 0)
            return lower_batch_fail(node, x, "reducing over axis 0 mixes");
    }

    const aimrt_attr attrs[2] = {
        aimcc_ir_attr_ints(node->module, AIMRT_ATTR_AXES, n, axes),
        aimcc_ir_attr_int(node->module, AIMRT_ATTR_KEEPDIMS, keepdims),
    };
    return lower_emit_bind(node, code, x, NULL, n > 0 ? 2 : 1, n > 0 ? attrs : attrs + 1);
}
