/* SPDX-License-Identifier: MIT */
/*
 * Conv (1-D and 2-D, grouped and depthwise, dilated, strided, explicit or
 * automatic pads) and BatchNormalization in inference form. canonicalize
 * later folds the batch norm into the conv and turns the conv into LINEAR.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* Checks a kernel_shape attribute against the weight's spatial dims. */
static aimcc_status check_kernel_shape(lower_node *node, const aimcc_value *w, int n_spatial)
{
    int n = 0;
    const int64_t *kernel = NULL;
    aimcc_status status = lower_attr_ints(node, "kernel_shape", &n, &kernel);
    if (status != AIMCC_OK || n < 0)
        return status;
    if (n != n_spatial)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "kernel_shape has %d values but the input has %d spatial dims", n,
                          n_spatial);
    for (int i = 0; i < n; i++) {
        if (kernel[i] != w->dims[2 + i])
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "kernel_shape[%d] = %lld but the weight \"%s\" has %lld there", i,
                              (long long)kernel[i], node->node->input[1],
                              (long long)w->dims[2 + i]);
    }
    return AIMCC_OK;
}

aimcc_status lower_conv(lower_node *node)
{
    aimcc_value *inputs[3] = {NULL, NULL, NULL};
    aimcc_status status = lower_input_required(node, 0, &inputs[0]);
    if (status == AIMCC_OK)
        status = lower_input_required(node, 1, &inputs[1]);
    if (status != AIMCC_OK)
        return status;
    inputs[2] = lower_input(node, 2);
    const aimcc_value *x = inputs[0];
    const aimcc_value *w = inputs[1];

    const int n_spatial = x->rank - 2;
    if (n_spatial < 1 || n_spatial > 2)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "the input \"%s\" has rank %d (%d spatial dims) but aimcc supports "
                          "1-D and 2-D convolution only (rank 3 or 4); reshape the model to "
                          "use 1-D or 2-D convolutions",
                          node->node->input[0], x->rank, n_spatial < 0 ? 0 : n_spatial);
    if (w->rank != x->rank)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the weight \"%s\" has rank %d but the input has rank %d",
                          node->node->input[1], w->rank, x->rank);
    status = check_kernel_shape(node, w, n_spatial);
    if (status != AIMCC_OK)
        return status;

    lower_window window = {.n_spatial = n_spatial};
    for (int i = 0; i < n_spatial; i++)
        window.kernel[i] = w->dims[2 + i];
    status = lower_window_read(node, x, true, &window);
    int64_t group = 1;
    if (status == AIMCC_OK)
        status = lower_attr_int(node, "group", 1, &group);
    if (status != AIMCC_OK)
        return status;
    if (group < 1 || group > x->dims[1])
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "group is %lld but must lie in [1, %lld], the input channel count",
                          (long long)group, (long long)x->dims[1]);

    aimcc_module *module = node->module;
    const aimrt_attr attrs[5] = {
        aimcc_ir_attr_ints(module, AIMRT_ATTR_KERNEL, n_spatial, window.kernel),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_STRIDES, n_spatial, window.strides),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_PADS, 2 * n_spatial, window.pads),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_DILATIONS, n_spatial, window.dilations),
        aimcc_ir_attr_int(module, AIMRT_ATTR_GROUP, group),
    };
    aimcc_value *result = NULL;
    status = lower_emit(node, AIMRT_OP_CONV, inputs[2] != NULL ? 3 : 2, inputs, 5, attrs,
                        lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

/* Rejects the training forms of BatchNormalization. */
static aimcc_status check_inference_form(lower_node *node)
{
    for (size_t i = 1; i < node->node->n_output; i++) {
        if (node->node->output[i][0] != '\0')
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "output %zu \"%s\" (running statistics) exists only in training "
                              "mode; export the model for inference (model.eval() in PyTorch)",
                              i, node->node->output[i]);
    }
    int64_t flag = 0;
    aimcc_status status = AIMCC_OK;
    if (node->opset < 9) {
        status = lower_attr_int(node, "spatial", 1, &flag);
        if (status == AIMCC_OK && flag != 1)
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "spatial is %lld but aimcc supports spatial=1 only (one mean and "
                              "variance per channel); export with opset 9 or later",
                              (long long)flag);
    }
    if (status == AIMCC_OK && node->opset >= 14) {
        status = lower_attr_int(node, "training_mode", 0, &flag);
        if (status == AIMCC_OK && flag != 0)
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "training_mode is %lld but aimcc compiles inference only; export "
                              "the model for inference (model.eval() in PyTorch)",
                              (long long)flag);
    }
    return status;
}

aimcc_status lower_batch_norm(lower_node *node)
{
    aimcc_value *inputs[5];
    aimcc_status status = check_inference_form(node);
    for (int i = 0; i < 5 && status == AIMCC_OK; i++)
        status = lower_input_required(node, i, &inputs[i]);
    float epsilon = 0.0f;
    if (status == AIMCC_OK)
        status = lower_attr_float(node, "epsilon", 1e-5f, &epsilon);
    if (status != AIMCC_OK)
        return status;

    const aimrt_attr attr = aimcc_ir_attr_float(node->module, AIMRT_ATTR_EPSILON, epsilon);
    aimcc_value *result = NULL;
    status = lower_emit(node, AIMRT_OP_BATCH_NORM, 5, inputs, 1, &attr,
                        lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}
