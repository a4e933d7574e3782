/* SPDX-License-Identifier: MIT */
/*
 * Pad. Pads and value are attributes before opset 11 and constant inputs
 * after. Opset 18 adds an axes input that pads only the listed axes. The
 * runtime op takes begin and end pads for every axis.
 */
#include <string.h>

#include "frontend/lower_rules.h"

static aimcc_status read_mode(lower_node *node, int64_t *mode)
{
    const char *name = NULL;
    aimcc_status status = lower_attr_string(node, "mode", "constant", &name);
    if (status != AIMCC_OK)
        return status;
    if (strcmp(name, "constant") == 0)
        *mode = 0;
    else if (strcmp(name, "reflect") == 0)
        *mode = 1;
    else if (strcmp(name, "edge") == 0)
        *mode = 2;
    else
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "mode \"%s\" is not supported; aimcc pads with mode constant, reflect "
                          "or edge",
                          name);
    return AIMCC_OK;
}

/* Reads pads, the constant value and axes in the form of the node's opset. */
static aimcc_status read_pad_args(lower_node *node, int *n_pads, const int64_t **pads,
                                  float *value, int *n_axes, int64_t **axes)
{
    aimcc_status status;
    *n_axes = -1;
    *value = 0.0f;
    if (node->opset < 11) {
        status = lower_attr_ints(node, "pads", n_pads, pads);
        if (status == AIMCC_OK && *n_pads < 0)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Pad needs the pads attribute");
        if (status == AIMCC_OK)
            status = lower_attr_float(node, "value", 0.0f, value);
        return status;
    }
    int64_t *values = NULL;
    status = lower_const_ints(node, 1, "pads", n_pads, &values);
    *pads = values;
    if (status == AIMCC_OK && lower_input(node, 2) != NULL)
        status = lower_const_scalar(node, 2, "constant_value", value);
    if (status == AIMCC_OK && node->opset >= 18 && lower_input(node, 3) != NULL)
        status = lower_const_ints(node, 3, "axes", n_axes, axes);
    return status;
}

aimcc_status lower_pad(lower_node *node)
{
    aimcc_value *x = NULL;
    int64_t mode = 0;
    int n_pads = 0;
    const int64_t *pads = NULL;
    float value = 0.0f;
    int n_axes = -1;
    int64_t *axes = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status == AIMCC_OK)
        status = read_mode(node, &mode);
    if (status == AIMCC_OK)
        status = read_pad_args(node, &n_pads, &pads, &value, &n_axes, &axes);
    const int rank = x != NULL ? x->rank : 0;
    if (status == AIMCC_OK && n_axes >= 0)
        status = lower_axes(node, n_axes, axes, rank, "axes");
    if (status != AIMCC_OK)
        return status;

    const int n_padded = n_axes >= 0 ? n_axes : rank;
    if (n_pads != 2 * n_padded)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "pads has %d entries but %d axes are padded, which needs %d", n_pads,
                          n_padded, 2 * n_padded);
    int64_t full[2 * AIMRT_MAX_RANK] = {0};
    for (int k = 0; k < n_padded; k++) {
        const int64_t axis = n_axes >= 0 ? axes[k] : k;
        full[axis] = pads[k];
        full[rank + axis] = pads[n_padded + k];
    }
    if (x->batched && rank > 0 && (full[0] != 0 || full[rank] != 0))
        return lower_batch_fail(node, x, "Pad along axis 0 changes");

    aimcc_module *module = node->module;
    const aimrt_attr attrs[3] = {
        aimcc_ir_attr_ints(module, AIMRT_ATTR_PADS, 2 * rank, full),
        aimcc_ir_attr_int(module, AIMRT_ATTR_MODE, mode),
        aimcc_ir_attr_float(module, AIMRT_ATTR_VALUE, value),
    };
    return lower_emit_bind(node, AIMRT_OP_PAD, x, NULL, 3, attrs);
}
