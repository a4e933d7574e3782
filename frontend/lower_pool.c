/* SPDX-License-Identifier: MIT */
/*
 * MaxPool, AveragePool and the global pools. MaxPool gained storage_order in
 * opset 8 and ceil_mode and dilations in opset 10. AveragePool gained
 * ceil_mode in opset 10. Global pools become reductions over the spatial axes.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* Reads the input, kernel_shape, ceil_mode and the window of a pool. */
static aimcc_status read_pool(lower_node *node, bool read_dilations, aimcc_value **x,
                              lower_window *window, int64_t *ceil_mode)
{
    aimcc_status status = lower_input_required(node, 0, x);
    if (status != AIMCC_OK)
        return status;
    const int n_spatial = (*x)->rank - 2;
    if (n_spatial < 1 || n_spatial > 2)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "the input \"%s\" has rank %d but aimcc supports 1-D and 2-D pooling "
                          "only (rank 3 or 4)",
                          node->node->input[0], (*x)->rank);

    int n = 0;
    const int64_t *kernel = NULL;
    status = lower_attr_ints(node, "kernel_shape", &n, &kernel);
    if (status != AIMCC_OK)
        return status;
    if (n != n_spatial)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "kernel_shape has %d values (-1: absent) but the input has %d spatial "
                          "dims",
                          n, n_spatial);
    window->n_spatial = n_spatial;
    for (int i = 0; i < n; i++) {
        if (kernel[i] < 1 || kernel[i] > INT32_MAX)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "kernel_shape[%d] = %lld must be positive", i, (long long)kernel[i]);
        window->kernel[i] = kernel[i];
    }

    *ceil_mode = 0;
    if (node->opset >= 10)
        status = lower_attr_flag(node, "ceil_mode", 0, ceil_mode);
    if (status == AIMCC_OK)
        status = lower_window_read(node, *x, read_dilations, window);
    if (status != AIMCC_OK)
        return status;
    if (window->auto_pad && *ceil_mode)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "auto_pad SAME_UPPER or SAME_LOWER together with ceil_mode=1 is not "
                          "supported; export the model with explicit pads");
    return AIMCC_OK;
}

aimcc_status lower_max_pool(lower_node *node)
{
    if (lower_output_name(node, 1) != NULL)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "the Indices output \"%s\" is not supported; export the model without "
                          "return_indices",
                          lower_output_name(node, 1));
    int64_t storage_order = 0;
    aimcc_status status = AIMCC_OK;
    if (node->opset >= 8)
        status = lower_attr_int(node, "storage_order", 0, &storage_order);
    if (status != AIMCC_OK)
        return status;
    if (storage_order != 0)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "storage_order is %lld but aimcc supports row-major (0) only",
                          (long long)storage_order);

    aimcc_value *x = NULL;
    lower_window window = {0};
    int64_t ceil_mode = 0;
    status = read_pool(node, node->opset >= 10, &x, &window, &ceil_mode);
    if (status != AIMCC_OK)
        return status;

    aimcc_module *module = node->module;
    const int n = window.n_spatial;
    const aimrt_attr attrs[5] = {
        aimcc_ir_attr_ints(module, AIMRT_ATTR_KERNEL, n, window.kernel),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_STRIDES, n, window.strides),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_PADS, 2 * n, window.pads),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_DILATIONS, n, window.dilations),
        aimcc_ir_attr_int(module, AIMRT_ATTR_CEIL_MODE, ceil_mode),
    };
    return lower_emit_bind(node, AIMRT_OP_MAX_POOL, x, NULL, 5, attrs);
}

aimcc_status lower_average_pool(lower_node *node)
{
    aimcc_value *x = NULL;
    lower_window window = {0};
    int64_t ceil_mode = 0;
    aimcc_status status = read_pool(node, false, &x, &window, &ceil_mode);
    int64_t count_include_pad = 0;
    if (status == AIMCC_OK)
        status = lower_attr_flag(node, "count_include_pad", 0, &count_include_pad);
    if (status != AIMCC_OK)
        return status;

    aimcc_module *module = node->module;
    const int n = window.n_spatial;
    const aimrt_attr attrs[5] = {
        aimcc_ir_attr_ints(module, AIMRT_ATTR_KERNEL, n, window.kernel),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_STRIDES, n, window.strides),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_PADS, 2 * n, window.pads),
        aimcc_ir_attr_int(module, AIMRT_ATTR_CEIL_MODE, ceil_mode),
        aimcc_ir_attr_int(module, AIMRT_ATTR_COUNT_INCLUDE_PAD, count_include_pad),
    };
    return lower_emit_bind(node, AIMRT_OP_AVG_POOL, x, NULL, 5, attrs);
}

/* GlobalAveragePool and GlobalMaxPool reduce the spatial axes and keep them as 1. */
aimcc_status lower_global_pool(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status != AIMCC_OK)
        return status;
    if (x->rank < 3)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the input \"%s\" has rank %d but %s needs [N, C, spatial...]",
                          node->node->input[0], x->rank, node->op_type);

    int64_t axes[AIMRT_MAX_RANK];
    for (int i = 2; i < x->rank; i++)
        axes[i - 2] = i;
    const aimrt_attr attrs[2] = {
        aimcc_ir_attr_ints(node->module, AIMRT_ATTR_AXES, x->rank - 2, axes),
        aimcc_ir_attr_int(node->module, AIMRT_ATTR_KEEPDIMS, 1),
    };
    const aimrt_op code = strcmp(node->op_type, "GlobalMaxPool") == 0 ? AIMRT_OP_REDUCE_MAX
                                                                       : AIMRT_OP_REDUCE_MEAN;
    return lower_emit_bind(node, code, x, NULL, 2, attrs);
}
