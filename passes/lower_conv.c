/* SPDX-License-Identifier: MIT */
/*
 * Conv lowering for canonicalize. A CONV with a constant weight becomes, per
 * group g: IM2COL (patches [N, P, Cg*prod(k)]) -> LINEAR with the group's
 * weight as [Cg*prod(k), Mg] (rows = inputs) -> TRANSPOSE to [N, Mg, P] ->
 * RESHAPE to [N, Mg, spatial...]; groups are joined by CONCAT on axis 1.
 */
#include "passes/canonicalize.h"

#include <stdlib.h>

/* One CONV being lowered. */
typedef struct conv_lowering {
    aimcc_ctx *ctx;
    aimcc_module *module;
    aimcc_op *conv;
    const aimcc_value *w;
    const aimcc_value *bias;
    int64_t n_groups;
    int64_t group_out;  /* Mg: output channels per group */
    int64_t patch_size; /* Cg * prod(kernel): rows of each group's weight */
} conv_lowering;

static aimcc_status create_op(const conv_lowering *lw, aimrt_op code, int n_inputs,
                              aimcc_value *const *inputs, int n_attrs, const aimrt_attr *attrs,
                              aimcc_value **out)
{
    aimcc_op *op = NULL;
    const aimcc_status status =
        aimcc_ir_op_create(lw->ctx, lw->module, lw->conv, code, lw->conv->node,
                           lw->conv->onnx_type, n_inputs, inputs, n_attrs, attrs, 1, NULL, &op);
    if (status == AIMCC_OK)
        *out = op->outputs[0];
    return status;
}

/* Adds the IM2COL of group g: kernel from the weight's shape, the CONV's
 * strides, pads and dilations when it has them. */
static aimcc_status create_im2col(const conv_lowering *lw, int64_t g, aimcc_value **out)
{
    aimcc_module *module = lw->module;
    const aimcc_op *conv = lw->conv;
    aimrt_attr attrs[6];
    int n_attrs = 0;
    attrs[n_attrs++] = aimcc_ir_attr_ints(module, AIMRT_ATTR_KERNEL, lw->w->rank - 2,
                                          lw->w->dims + 2);
    static const aimrt_attr_key copied[] = {AIMRT_ATTR_STRIDES, AIMRT_ATTR_PADS,
                                            AIMRT_ATTR_DILATIONS};
    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
        const aimrt_attr *attr = aimrt_attr_find(conv->attrs, conv->n_attrs, copied[i]);
        if (attr != NULL)
            attrs[n_attrs++] = *attr;
    }
    attrs[n_attrs++] = aimcc_ir_attr_int(module, AIMRT_ATTR_GROUP, lw->n_groups);
    attrs[n_attrs++] = aimcc_ir_attr_int(module, AIMRT_ATTR_GROUP_INDEX, g);
    aimcc_value *x = conv->inputs[0];
    return create_op(lw, AIMRT_OP_IM2COL, 1, &x, n_attrs, attrs, out);
}

/* Adds the weight [Cg*prod(k), Mg] and bias [Mg] of group g. ONNX stores
 * the weight as [M, C/g, k...], one output channel per row, so the group's
 * block is transposed to put the inputs on the rows. */
static aimcc_status create_group_weights(const conv_lowering *lw, int64_t g, aimcc_value **w_out,
                                         aimcc_value **bias_out)
{
    const int64_t rows = lw->patch_size;
    const int64_t cols = lw->group_out;
    float *weight = malloc((size_t)(rows * cols) * sizeof(float));
    if (weight == NULL)
        return aimcc_fail(lw->ctx, AIMCC_ERR_NOMEM, lw->conv->node, lw->conv->onnx_type,
                          "out of memory lowering the Conv");
    const float *w = lw->w->data;
    for (int64_t m = 0; m < cols; m++)
        for (int64_t r = 0; r < rows; r++)
            weight[r * cols + m] = w[(g * cols + m) * rows + r];

    const char *base = lw->w->name != NULL ? lw->w->name : lw->conv->node;
    const char *name = lw->n_groups == 1
                           ? aimcc_arena_printf(lw->module->arena, "%s.linear", base)
                           : aimcc_arena_printf(lw->module->arena, "%s.group%lld", base,
                                                (long long)g);
    const int64_t dims[2] = {rows, cols};
    aimcc_status status =
        aimcc_canon_add_const(lw->ctx, lw->module, lw->conv, name, 2, dims, weight, w_out);
    free(weight);
    *bias_out = NULL;
    if (status != AIMCC_OK || lw->bias == NULL)
        return status;

    const float *bias = lw->bias->data;
    const char *bias_name = aimcc_arena_printf(lw->module->arena, "%s.bias", name);
    return aimcc_canon_add_const(lw->ctx, lw->module, lw->conv, bias_name, 1, &cols,
                                 bias + g * cols, bias_out);
}

/* Adds the whole chain of group g; *out is [N, Mg, spatial...]. */
static aimcc_status lower_group(const conv_lowering *lw, int64_t g, aimcc_value **out)
{
    aimcc_value *patches = NULL;
    aimcc_value *linear_in[3] = {NULL, NULL, NULL};
    aimcc_status status = create_im2col(lw, g, &patches);
    if (status == AIMCC_OK)
        status = create_group_weights(lw, g, &linear_in[1], &linear_in[2]);
    if (status != AIMCC_OK)
        return status;
    linear_in[0] = patches;
    aimcc_value *products = NULL;
    status = create_op(lw, AIMRT_OP_LINEAR, linear_in[2] != NULL ? 3 : 2, linear_in, 0, NULL,
                       &products);
    if (status != AIMCC_OK)
        return status;

    const int64_t perm[3] = {0, 2, 1};
    const aimrt_attr transpose_attr = aimcc_ir_attr_ints(lw->module, AIMRT_ATTR_PERM, 3, perm);
    aimcc_value *channels_first = NULL;
    status = create_op(lw, AIMRT_OP_TRANSPOSE, 1, &products, 1, &transpose_attr, &channels_first);
    if (status != AIMCC_OK)
        return status;

    /* 0 copies the batch dim, so the reshape stays batch-agnostic. */
    const aimcc_value *conv_out = lw->conv->outputs[0];
    int64_t shape[AIMRT_MAX_RANK] = {0, lw->group_out};
    for (int d = 2; d < conv_out->rank; d++)
        shape[d] = conv_out->dims[d];
    const aimrt_attr reshape_attr =
        aimcc_ir_attr_ints(lw->module, AIMRT_ATTR_SHAPE, conv_out->rank, shape);
    return create_op(lw, AIMRT_OP_RESHAPE, 1, &channels_first, 1, &reshape_attr, out);
}

/* Lowers every group and joins them on the channel axis. */
static aimcc_status lower_groups(const conv_lowering *lw, aimcc_value **out)
{
    if (lw->n_groups == 1)
        return lower_group(lw, 0, out);
    aimcc_value **parts = aimcc_arena_calloc(lw->module->arena, (size_t)lw->n_groups,
                                             sizeof(aimcc_value *));
    if (parts == NULL)
        return aimcc_fail(lw->ctx, AIMCC_ERR_NOMEM, lw->conv->node, lw->conv->onnx_type,
                          "out of memory lowering the Conv");
    for (int64_t g = 0; g < lw->n_groups; g++) {
        const aimcc_status status = lower_group(lw, g, &parts[g]);
        if (status != AIMCC_OK)
            return status;
    }
    const aimrt_attr axis = aimcc_ir_attr_int(lw->module, AIMRT_ATTR_AXIS, 1);
    return create_op(lw, AIMRT_OP_CONCAT, (int)lw->n_groups, parts, 1, &axis, out);
}

aimcc_status aimcc_canon_lower_conv(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *conv)
{
    const aimcc_value *x = conv->inputs[0];
    const aimcc_value *w = conv->n_inputs > 1 ? conv->inputs[1] : NULL;
    const aimcc_value *bias = conv->n_inputs > 2 ? conv->inputs[2] : NULL;
    if (!aimcc_canon_is_float_const(w) || (bias != NULL && !aimcc_canon_is_float_const(bias))) {
        aimcc_canon_log_digital(conv, "its weight or bias is not a constant f32 tensor");
        return AIMCC_OK;
    }
    if (x->rank != 3 && x->rank != 4) {
        aimcc_canon_log_digital(conv, "im2col lowering covers 1-D and 2-D convolutions only");
        return AIMCC_OK;
    }

    const int64_t n_groups = aimrt_attr_int(conv->attrs, conv->n_attrs, AIMRT_ATTR_GROUP, 1);
    if (w->rank != x->rank || n_groups < 1 || w->dims[0] % n_groups != 0) {
        aimcc_canon_log_digital(conv, "its weight shape does not match its input and group");
        return AIMCC_OK;
    }
    int64_t patch_size = w->dims[1];
    for (int d = 2; d < w->rank; d++)
        patch_size *= w->dims[d];
    const conv_lowering lw = {
        .ctx = ctx,
        .module = module,
        .conv = conv,
        .w = w,
        .bias = bias,
        .n_groups = n_groups,
        .group_out = w->dims[0] / n_groups,
        .patch_size = patch_size,
    };
    aimcc_value *result = NULL;
    const aimcc_status status = lower_groups(&lw, &result);
    if (status != AIMCC_OK)
        return status;
    aimcc_canon_take_over(module, conv->outputs[0], result);
    aimcc_ir_op_remove(module, conv);
    return AIMCC_OK;
}
