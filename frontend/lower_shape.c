/* SPDX-License-Identifier: MIT */
/*
 * Shape and the reshape family: Shape folds to an int64 constant, Reshape,
 * Flatten, Squeeze and Unsqueeze become RESHAPE, and Transpose keeps its perm.
 * The batch of a batched value stays on axis 0: a Shape reports it as
 * AIMCC_DIM_BATCH, and the reshapes copy it at run time.
 */
#include <string.h>

#include "frontend/lower_rules.h"

aimcc_status lower_shape(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    int64_t start = 0;
    int64_t end = x != NULL ? x->rank : 0;
    if (status == AIMCC_OK && node->opset >= 15)
        status = lower_attr_int(node, "start", 0, &start);
    if (status == AIMCC_OK && node->opset >= 15)
        status = lower_attr_int(node, "end", x->rank, &end);
    if (status != AIMCC_OK)
        return status;

    /* Opset 15: negative bounds count from the end, then both clamp to [0, rank]. */
    const int64_t rank = x->rank;
    start = start < 0 ? start + rank : start;
    end = end < 0 ? end + rank : end;
    start = start < 0 ? 0 : (start > rank ? rank : start);
    end = end < 0 ? 0 : (end > rank ? rank : end);
    const int64_t n = end > start ? end - start : 0;

    int64_t data[AIMRT_MAX_RANK];
    for (int64_t i = 0; i < n; i++)
        data[i] = (start + i == 0 && x->batched) ? AIMCC_DIM_BATCH : x->dims[start + i];
    aimcc_value *result = NULL;
    status = lower_constant(node, lower_output_name(node, 0), AIMRT_DTYPE_INT64, 1, &n, data,
                            &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

/* Turns one entry of Reshape's shape input into the RESHAPE attribute value. */
static aimcc_status reshape_entry(lower_node *node, const aimcc_value *x, int i,
                                  int64_t allow_zero, int64_t *value)
{
    const int64_t v = *value;
    if (v == AIMCC_DIM_BATCH) {
        if (i != 0 || !x->batched) {
            node->module->batch_broken = true;
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "shape[%d] is the run-time batch of another value, but only "
                              "axis 0 of a batched input can take it; give the batch dimension a "
                              "fixed size with --dim NAME=VALUE or export the model with a "
                              "fixed batch",
                              i);
        }
        *value = 0;
        return AIMCC_OK;
    }
    if (v == 0 && allow_zero)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "allowzero=1 with shape[%d] = 0 (an empty tensor) is not supported", i);
    if (v == 0 && i >= x->rank)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "shape[%d] = 0 copies input dim %d, but the input has rank %d", i, i,
                          x->rank);
    if (v < -1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "shape[%d] = %lld is negative; only -1 (inferred) is allowed. A value "
                          "computed from the batch dimension of a Shape cannot be folded",
                          i, (long long)v);

    /* A fixed leading size equal to the exported batch is the batch. */
    if (i == 0 && x->batched && v == x->dims[0])
        *value = 0;
    return AIMCC_OK;
}

aimcc_status lower_reshape_node(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    int n = 0;
    int64_t *shape = NULL;
    if (status == AIMCC_OK)
        status = lower_const_ints(node, 1, "shape", &n, &shape);
    int64_t allow_zero = 0;
    if (status == AIMCC_OK && node->opset >= 14)
        status = lower_attr_flag(node, "allowzero", 0, &allow_zero);
    if (status != AIMCC_OK)
        return status;
    if (n > AIMRT_MAX_RANK)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "the shape input \"%s\" has %d entries; at most rank %d is supported",
                          node->node->input[1], n, AIMRT_MAX_RANK);

    int n_inferred = 0;
    for (int i = 0; i < n; i++) {
        status = reshape_entry(node, x, i, allow_zero, &shape[i]);
        if (status != AIMCC_OK)
            return status;
        n_inferred += shape[i] == -1;
    }
    if (n_inferred > 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the shape input \"%s\" has %d entries of -1; at most one is allowed",
                          node->node->input[1], n_inferred);
    const aimrt_attr attr = aimcc_ir_attr_ints(node->module, AIMRT_ATTR_SHAPE, n, shape);
    return lower_emit_bind(node, AIMRT_OP_RESHAPE, x, NULL, 1, &attr);
}

aimcc_status lower_flatten(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    int64_t axis = 1;
    if (status == AIMCC_OK)
        status = lower_attr_int(node, "axis", 1, &axis);
    if (status != AIMCC_OK)
        return status;
    /* Flatten's axis lies in [-rank, rank]: axis == rank puts everything in the rows. */
    if (axis < -(int64_t)x->rank || axis > x->rank)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "axis %lld is out of range [%d, %d] for an input of rank %d",
                          (long long)axis, -x->rank, x->rank, x->rank);
    if (axis < 0)
        axis += x->rank;
    if (axis == 0 && x->batched)
        return lower_batch_fail(node, x, "Flatten with axis 0 merges");

    int64_t rows = 1;
    int64_t cols = 1;
    for (int i = 0; i < x->rank; i++)
        *(i < axis ? &rows : &cols) *= x->dims[i];
    /* With more than one leading axis, -1 lets the run-time batch scale the rows. */
    const int64_t dims[2] = {x->batched && axis > 1 ? -1 : rows, cols};
    aimcc_value *result = NULL;
    status = lower_reshape(node, x, 2, dims, axis == 1, lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

/* Reads Squeeze or Unsqueeze axes: an attribute before opset 13, an input after.
 * *n is -1 when none are given. */
static aimcc_status read_axes(lower_node *node, int *n, int64_t *axes)
{
    aimcc_status status;
    if (node->opset < 13) {
        const int64_t *values = NULL;
        status = lower_attr_ints(node, "axes", n, &values);
        if (status == AIMCC_OK && *n > AIMRT_MAX_RANK)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "axes has %d entries", *n);
        if (status == AIMCC_OK && *n > 0)
            memcpy(axes, values, (size_t)*n * sizeof *axes);
        return status;
    }
    *n = -1;
    if (lower_input(node, 1) == NULL)
        return AIMCC_OK;
    int64_t *values = NULL;
    status = lower_const_ints(node, 1, "axes", n, &values);
    if (status == AIMCC_OK && *n > AIMRT_MAX_RANK)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "axes has %d entries", *n);
    if (status == AIMCC_OK && *n > 0)
        memcpy(axes, values, (size_t)*n * sizeof *axes);
    return status;
}

aimcc_status lower_squeeze(lower_node *node)
{
    aimcc_value *x = NULL;
    int n = 0;
    int64_t axes[AIMRT_MAX_RANK];
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status == AIMCC_OK)
        status = read_axes(node, &n, axes);
    if (status == AIMCC_OK && n >= 0)
        status = lower_axes(node, n, axes, x->rank, "axes");
    if (status != AIMCC_OK)
        return status;

    bool removed[AIMRT_MAX_RANK] = {false};
    for (int i = 0; i < x->rank; i++)
        removed[i] = n < 0 && x->dims[i] == 1;
    for (int i = 0; i < n; i++) {
        if (x->dims[axes[i]] != 1)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "axis %lld of \"%s\" has size %lld; Squeeze removes only size-1 "
                              "axes",
                              (long long)axes[i], node->node->input[0],
                              (long long)x->dims[axes[i]]);
        removed[axes[i]] = true;
    }
    if (x->batched && x->rank > 0 && removed[0])
        return lower_batch_fail(node, x, "Squeeze removes");

    int64_t dims[AIMRT_MAX_RANK];
    int rank = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!removed[i])
            dims[rank++] = x->dims[i];
    }
    aimcc_value *result = NULL;
    status = lower_reshape(node, x, rank, dims, true, lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

aimcc_status lower_unsqueeze(lower_node *node)
{
    aimcc_value *x = NULL;
    int n = 0;
    int64_t axes[AIMRT_MAX_RANK];
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status == AIMCC_OK)
        status = read_axes(node, &n, axes);
    if (status != AIMCC_OK)
        return status;
    if (n < 0)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Unsqueeze needs axes");
    const int rank = x->rank + n;
    if (rank > AIMRT_MAX_RANK)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED, "the result has rank %d; at most %d is supported",
                          rank, AIMRT_MAX_RANK);
    status = lower_axes(node, n, axes, rank, "axes");
    if (status != AIMCC_OK)
        return status;

    bool inserted[AIMRT_MAX_RANK] = {false};
    for (int i = 0; i < n; i++)
        inserted[axes[i]] = true;
    if (x->batched && inserted[0])
        return lower_batch_fail(node, x, "Unsqueeze at axis 0 moves");
    int64_t dims[AIMRT_MAX_RANK];
    for (int i = 0, next = 0; i < rank; i++)
        dims[i] = inserted[i] ? 1 : x->dims[next++];

    aimcc_value *result = NULL;
    status = lower_reshape(node, x, rank, dims, true, lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

aimcc_status lower_transpose(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    int n = 0;
    const int64_t *requested = NULL;
    if (status == AIMCC_OK)
        status = lower_attr_ints(node, "perm", &n, &requested);
    if (status != AIMCC_OK)
        return status;

    /* The default perm reverses the axes. */
    int64_t perm[AIMRT_MAX_RANK];
    if (n >= 0 && n != x->rank)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "perm has %d entries but the input has rank %d", n, x->rank);
    for (int i = 0; i < x->rank; i++)
        perm[i] = n >= 0 ? requested[i] : x->rank - 1 - i;
    bool seen[AIMRT_MAX_RANK] = {false};
    for (int i = 0; i < x->rank; i++) {
        if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]])
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "perm is not a permutation of 0..%d (entry %d is %lld)",
                              x->rank - 1, i, (long long)perm[i]);
        seen[perm[i]] = true;
    }
    if (x->batched && x->rank > 0 && perm[0] != 0)
        return lower_batch_fail(node, x, "Transpose moves");

    const aimrt_attr attr = aimcc_ir_attr_ints(node->module, AIMRT_ATTR_PERM, x->rank, perm);
    return lower_emit_bind(node, AIMRT_OP_TRANSPOSE, x, NULL, 1, &attr);
}
