/* SPDX-License-Identifier: MIT */
/*
 * Gemm and MatMul. Both keep their ONNX meaning here, and canonicalize turns
 * the ones with a constant weight into LINEAR on tiles.
 */
#include "frontend/lower_rules.h"

aimcc_status lower_gemm(lower_node *node)
{
    aimcc_value *inputs[3] = {NULL, NULL, NULL};
    aimcc_status status = lower_input_required(node, 0, &inputs[0]);
    if (status == AIMCC_OK)
        status = lower_input_required(node, 1, &inputs[1]);
    if (status != AIMCC_OK)
        return status;
    inputs[2] = lower_input(node, 2);
    if (inputs[2] == NULL && node->opset < 11)
        return lower_input_required(node, 2, &inputs[2]);

    float alpha = 1.0f;
    float beta = 1.0f;
    int64_t trans_a = 0;
    int64_t trans_b = 0;
    status = lower_attr_float(node, "alpha", 1.0f, &alpha);
    if (status == AIMCC_OK)
        status = lower_attr_float(node, "beta", 1.0f, &beta);
    if (status == AIMCC_OK)
        status = lower_attr_flag(node, "transA", 0, &trans_a);
    if (status == AIMCC_OK)
        status = lower_attr_flag(node, "transB", 0, &trans_b);
    if (status != AIMCC_OK)
        return status;

    aimcc_module *module = node->module;
    const aimrt_attr attrs[4] = {
        aimcc_ir_attr_float(module, AIMRT_ATTR_ALPHA, alpha),
        aimcc_ir_attr_float(module, AIMRT_ATTR_BETA, beta),
        aimcc_ir_attr_int(module, AIMRT_ATTR_TRANS_A, trans_a),
        aimcc_ir_attr_int(module, AIMRT_ATTR_TRANS_B, trans_b),
    };
    aimcc_value *result = NULL;
    status = lower_emit(node, AIMRT_OP_GEMM, inputs[2] != NULL ? 3 : 2, inputs, 4, attrs,
                        lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

aimcc_status lower_matmul(lower_node *node)
{
    aimcc_value *a = NULL;
    aimcc_value *b = NULL;
    aimcc_status status = lower_input_required(node, 0, &a);
    if (status == AIMCC_OK)
        status = lower_input_required(node, 1, &b);
    if (status != AIMCC_OK)
        return status;
    return lower_emit_bind(node, AIMRT_OP_MATMUL, a, b, 0, NULL);
}
