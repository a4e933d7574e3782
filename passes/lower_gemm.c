/* SPDX-License-Identifier: MIT */
/*
 * Gemm and MatMul lowering for canonicalize. Gemm with a constant b becomes
 * LINEAR with w = alpha * op(b) as [K, N] (rows = inputs) and bias = beta * c
 * when c broadcasts as a row; any other c stays an ADD after the LINEAR.
 * MatMul with a constant 2-D b becomes LINEAR with w = b.
 */
#include "passes/canonicalize.h"

#include <stdlib.h>

static aimcc_status create_op(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *before,
                              aimrt_op code, int n_inputs, aimcc_value *const *inputs,
                              int n_attrs, const aimrt_attr *attrs, aimcc_value **out)
{
    aimcc_op *op = NULL;
    const aimcc_status status =
        aimcc_ir_op_create(ctx, module, before, code, before->node, before->onnx_type, n_inputs,
                           inputs, n_attrs, attrs, 1, NULL, &op);
    if (status == AIMCC_OK)
        *out = op->outputs[0];
    return status;
}

static const char *name_after(aimcc_module *module, const aimcc_value *value, const aimcc_op *op,
                              const char *suffix)
{
    return aimcc_arena_printf(module->arena, "%s.%s", value->name != NULL ? value->name : op->node,
                              suffix);
}

/* Adds w = alpha * (trans_b ? b^T : b) as [K, N]. */
static aimcc_status create_gemm_weight(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *gemm,
                                       double alpha, bool trans_b, aimcc_value **out)
{
    const aimcc_value *b = gemm->inputs[1];
    const int64_t k_size = trans_b ? b->dims[1] : b->dims[0];
    const int64_t n_size = trans_b ? b->dims[0] : b->dims[1];
    float *weight = malloc((size_t)(k_size * n_size) * sizeof(float));
    if (weight == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, gemm->node, gemm->onnx_type,
                          "out of memory lowering the Gemm");
    const float *data = b->data;
    for (int64_t k = 0; k < k_size; k++)
        for (int64_t n = 0; n < n_size; n++) {
            const float v = trans_b ? data[n * k_size + k] : data[k * n_size + n];
            weight[k * n_size + n] = (float)(alpha * (double)v);
        }
    const int64_t dims[2] = {k_size, n_size};
    const aimcc_status status = aimcc_canon_add_const(
        ctx, module, gemm, name_after(module, b, gemm, "linear"), 2, dims, weight, out);
    free(weight);
    return status;
}

/* Returns whether c broadcasts over the rows of a [M, N] result: [N], [1, N]
 * or a single element. */
static bool is_row(const aimcc_value *c, int64_t n_size)
{
    if (aimcc_ir_value_count(c) == 1)
        return true;
    if (c->rank == 1)
        return c->dims[0] == n_size;
    return c->rank == 2 && c->dims[0] == 1 && c->dims[1] == n_size;
}

/* Adds a constant beta * c of c's shape, or [n_size] when as_row is set. */
static aimcc_status create_scaled_c(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *gemm,
                                    double beta, bool as_row, int64_t n_size, aimcc_value **out)
{
    const aimcc_value *c = gemm->inputs[2];
    const int64_t c_count = aimcc_ir_value_count(c);
    const int64_t count = as_row ? n_size : c_count;
    float *data = malloc((size_t)count * sizeof(float));
    if (data == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, gemm->node, gemm->onnx_type,
                          "out of memory lowering the Gemm");
    const float *c_data = c->data;
    for (int64_t i = 0; i < count; i++)
        data[i] = (float)(beta * (double)c_data[c_count == 1 ? 0 : i]);
    const aimcc_status status = aimcc_canon_add_const(
        ctx, module, gemm, name_after(module, c, gemm, as_row ? "bias" : "scaled"),
        as_row ? 1 : c->rank, as_row ? &n_size : c->dims, data, out);
    free(data);
    return status;
}

/* Returns beta * c as a value to ADD after the LINEAR: c itself when beta is 1,
 * a scaled constant, or a MUL for a c computed at run time. */
static aimcc_status create_addend(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *gemm,
                                  float beta, aimcc_value **out)
{
    aimcc_value *c = gemm->inputs[2];
    if (beta == 1.0f) {
        *out = c;
        return AIMCC_OK;
    }
    if (aimcc_canon_is_float_const(c))
        return create_scaled_c(ctx, module, gemm, beta, false, 0, out);
    aimcc_value *factor[2] = {c, NULL};
    const int64_t one = 1;
    const aimcc_status status = aimcc_canon_add_const(
        ctx, module, gemm, name_after(module, c, gemm, "beta"), 1, &one, &beta, &factor[1]);
    if (status != AIMCC_OK)
        return status;
    return create_op(ctx, module, gemm, AIMRT_OP_MUL, 2, factor, 0, NULL, out);
}

/* Returns why a Gemm stays digital, or NULL. */
static const char *check_gemm(const aimcc_op *gemm)
{
    if (gemm->n_inputs < 2 || !aimcc_canon_is_float_const(gemm->inputs[1]))
        return "its weight (input b) is not a constant f32 tensor";
    if (gemm->inputs[1]->rank != 2 || gemm->inputs[0]->rank != 2)
        return "its inputs are not 2-D";
    if (gemm->inputs[0]->dtype != AIMRT_DTYPE_FLOAT)
        return "its input a is not f32";
    const aimcc_value *c = gemm->n_inputs > 2 ? gemm->inputs[2] : NULL;
    if (c != NULL && c->dtype != AIMRT_DTYPE_FLOAT)
        return "its input c is not f32";
    return NULL;
}

aimcc_status aimcc_canon_lower_gemm(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *gemm)
{
    const char *reason = check_gemm(gemm);
    if (reason != NULL) {
        aimcc_canon_log_digital(gemm, reason);
        return AIMCC_OK;
    }
    const aimrt_attr *attrs = gemm->attrs;
    const int n_attrs = gemm->n_attrs;
    const float alpha = aimrt_attr_float(attrs, n_attrs, AIMRT_ATTR_ALPHA, 1.0f);
    const float beta = aimrt_attr_float(attrs, n_attrs, AIMRT_ATTR_BETA, 1.0f);
    const bool trans_a = aimrt_attr_int(attrs, n_attrs, AIMRT_ATTR_TRANS_A, 0) != 0;
    const bool trans_b = aimrt_attr_int(attrs, n_attrs, AIMRT_ATTR_TRANS_B, 0) != 0;
    aimcc_value *c = gemm->n_inputs > 2 && beta != 0.0f ? gemm->inputs[2] : NULL;
    const int64_t n_size = gemm->outputs[0]->dims[1];

    aimcc_value *linear_in[3] = {gemm->inputs[0], NULL, NULL};
    aimcc_status status = AIMCC_OK;
    if (trans_a) {
        const int64_t perm[2] = {1, 0};
        const aimrt_attr attr = aimcc_ir_attr_ints(module, AIMRT_ATTR_PERM, 2, perm);
        status = create_op(ctx, module, gemm, AIMRT_OP_TRANSPOSE, 1, &gemm->inputs[0], 1, &attr,
                           &linear_in[0]);
    }
    if (status == AIMCC_OK)
        status = create_gemm_weight(ctx, module, gemm, alpha, trans_b, &linear_in[1]);
    const bool c_is_bias = c != NULL && aimcc_canon_is_float_const(c) && is_row(c, n_size);
    if (status == AIMCC_OK && c_is_bias)
        status = create_scaled_c(ctx, module, gemm, beta, true, n_size, &linear_in[2]);
    aimcc_value *result = NULL;
    if (status == AIMCC_OK)
        status = create_op(ctx, module, gemm, AIMRT_OP_LINEAR, c_is_bias ? 3 : 2, linear_in, 0,
                           NULL, &result);

    if (status == AIMCC_OK && c != NULL && !c_is_bias) {
        aimcc_value *sum_in[2] = {result, NULL};
        status = create_addend(ctx, module, gemm, beta, &sum_in[1]);
        if (status == AIMCC_OK)
            status = create_op(ctx, module, gemm, AIMRT_OP_ADD, 2, sum_in, 0, NULL, &result);
    }
    if (status != AIMCC_OK)
        return status;
    aimcc_canon_take_over(module, gemm->outputs[0], result);
    aimcc_ir_op_remove(module, gemm);
    return AIMCC_OK;
}

aimcc_status aimcc_canon_lower_matmul(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *matmul)
{
    aimcc_value *a = matmul->inputs[0];
    aimcc_value *b = matmul->inputs[1];
    if (!aimcc_canon_is_float_const(b)) {
        aimcc_canon_log_digital(matmul, "its weight (input b) is not a constant f32 tensor");
        return AIMCC_OK;
    }
    if (b->rank != 2 || a->rank < 1 || a->dtype != AIMRT_DTYPE_FLOAT) {
        aimcc_canon_log_digital(matmul, "its weight is not a 2-D matrix or its input is not f32");
        return AIMCC_OK;
    }
    aimcc_value *linear_in[2] = {a, b};
    aimcc_value *result = NULL;
    const aimcc_status status =
        create_op(ctx, module, matmul, AIMRT_OP_LINEAR, 2, linear_in, 0, NULL, &result);
    if (status != AIMCC_OK)
        return status;
    aimcc_canon_take_over(module, matmul->outputs[0], result);
    aimcc_ir_op_remove(module, matmul);
    return AIMCC_OK;
}
