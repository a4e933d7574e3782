/* SPDX-License-Identifier: MIT */
/*
 * QuantizeLinear and DequantizeLinear. Opsets 10 to 12 allow a scalar scale
 * and zero point only. Opset 13 adds per-axis quantization, with a 1-D scale
 * along the axis attribute (default 1).
 */
#include "frontend/lower_rules.h"

aimcc_status lower_quant(lower_node *node)
{
    aimcc_value *inputs[3] = {NULL, NULL, NULL};
    aimcc_status status = lower_input_required(node, 0, &inputs[0]);
    if (status == AIMCC_OK)
        status = lower_input_required(node, 1, &inputs[1]);
    if (status != AIMCC_OK)
        return status;
    inputs[2] = lower_input(node, 2);
    const aimcc_value *x = inputs[0];
    const aimcc_value *scale = inputs[1];

    int64_t axis = 1;
    if (node->opset >= 13)
        status = lower_attr_int(node, "axis", 1, &axis);
    const bool per_axis = scale->rank > 0 && aimcc_ir_value_count(scale) != 1;
    if (status != AIMCC_OK)
        return status;
    if (per_axis && node->opset < 13)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the scale \"%s\" has %lld values but opset %lld allows a scalar "
                          "scale only; per-axis quantization needs opset 13",
                          node->node->input[1], (long long)aimcc_ir_value_count(scale),
                          (long long)node->opset);
    /* A scalar scale ignores the axis, so any in-range value serves. */
    if (per_axis)
        status = lower_axis(node, axis, x->rank, "axis", &axis);
    else
        axis = x->rank > 1 ? 1 : 0;
    if (status != AIMCC_OK)
        return status;
    if (per_axis && x->batched && axis == 0)
        return lower_batch_fail(node, x, "a per-axis scale along axis 0 indexes");

    const aimrt_op code = node->op_type[0] == 'Q' ? AIMRT_OP_QUANTIZE_LINEAR
                                                  : AIMRT_OP_DEQUANTIZE_LINEAR;
    const aimrt_attr attr = aimcc_ir_attr_int(node->module, AIMRT_ATTR_AXIS, axis);
    aimcc_value *result = NULL;
    status = lower_emit(node, code, inputs[2] != NULL ? 3 : 2, inputs, 1, &attr,
                        lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}
