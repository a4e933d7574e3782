/* SPDX-License-Identifier: MIT */
/*
 * QuantizeLinear and DequantizeLinear, per tensor or per axis (ONNX opset 13).
 * Quantize: y = saturate(round_half_even(x / scale) + zero_point), computed
 * in float as the ONNX reference does. Dequantize: y = (x - zero_point) * scale.
 */
#include "kernels/kernels.h"

#include <math.h>

/* Per-axis layout of a quantization: the scale applies to axis `axis` with
 * n_scales values, each covering `inner` consecutive elements. */
typedef struct quant_plan {
    int64_t n_scales;
    int64_t inner;
} quant_plan;

/* Checks scale and zero_point against x and fills the plan. */
static aimrt_status plan_quant(aimrt_op_call *call, const aimrt_tensor *x, quant_plan *plan)
{
    const aimrt_tensor *scale = &call->inputs[1];
    const aimrt_tensor *zero_point = aimrt_kernel_input(call, 2);
    if (scale->dtype != AIMRT_DTYPE_FLOAT)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED, "scale has dtype %s but takes f32",
                                 aimrt_dtype_name(scale->dtype));
    if (scale->rank > 1)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "scale has rank %d but takes a scalar or 1-D tensor", scale->rank);
    plan->n_scales = aimrt_kernel_count(scale);
    plan->inner = 1;
    if (zero_point && aimrt_kernel_count(zero_point) != plan->n_scales)
        return aimrt_kernel_fail(
            call, AIMRT_ERR_INVALID_ARG, "zero_point has %lld values but scale has %lld",
            (long long)aimrt_kernel_count(zero_point), (long long)plan->n_scales);
    if (plan->n_scales == 1)
        return AIMRT_OK;

    int64_t axis_attr;
    int axis;
    aimrt_status status =
        aimrt_kernel_int(call, AIMRT_ATTR_AXIS, 1, INT32_MIN, INT32_MAX, &axis_attr);
    if (status == AIMRT_OK)
        status = aimrt_kernel_axis(call, axis_attr, x->rank, &axis);
    if (status != AIMRT_OK)
        return status;
    if (x->dims[axis] != plan->n_scales)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "scale has %lld values but axis %d of x has dim %lld",
                                 (long long)plan->n_scales, axis, (long long)x->dims[axis]);
    for (int i = axis + 1; i < x->rank; i++)
        plan->inner *= x->dims[i];
    return AIMRT_OK;
}

static int64_t scale_index(const quant_plan *plan, int64_t i)
{
    return plan->n_scales == 1 ? 0 : (i / plan->inner) % plan->n_scales;
}

aimrt_status aimrt_kernel_quantize_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 3);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    const aimrt_tensor *zero_point = aimrt_kernel_input(call, 2);
    if (x->dtype != AIMRT_DTYPE_FLOAT)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED, "x has dtype %s but takes f32",
                                 aimrt_dtype_name(x->dtype));
    const aimrt_dtype to = zero_point ? zero_point->dtype : AIMRT_DTYPE_UINT8;
    if (to != AIMRT_DTYPE_UINT8 && to != AIMRT_DTYPE_INT8)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "zero_point has dtype %s but takes u8 or i8",
                                 aimrt_dtype_name(to));
    quant_plan plan;
    status = plan_quant(call, x, &plan);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, to, x->rank, x->dims);
}

aimrt_status aimrt_kernel_quantize_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    const aimrt_tensor *zero_point = aimrt_kernel_input(call, 2);
    aimrt_tensor *y = &call->outputs[0];
    quant_plan plan;
    aimrt_status status = plan_quant(call, x, &plan);
    if (status != AIMRT_OK)
        return status;

    const bool is_signed = y->dtype == AIMRT_DTYPE_INT8;
    const float lo = is_signed ? -128.0f : 0.0f, hi = is_signed ? 127.0f : 255.0f;
    const float *in = x->data, *scales = call->inputs[1].data;
    const int64_t n = aimrt_kernel_count(x);
    for (int64_t i = 0; i < n; i++) {
        const int64_t s = scale_index(&plan, i);
        float zp = 0.0f;
        if (zero_point)
            zp = is_signed ? ((const int8_t *)zero_point->data)[s]
                           : ((const uint8_t *)zero_point->data)[s];

        /* rintf rounds half to even in the default rounding mode. */
        float q = rintf(in[i] / scales[s]) + zp;
        q = isnan(q) ? 0.0f : (q < lo ? lo : (q > hi ? hi : q));
        if (is_signed)
            ((int8_t *)y->data)[i] = (int8_t)q;
        else
            ((uint8_t *)y->data)[i] = (uint8_t)q;
    }
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_dequantize_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 3);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    const aimrt_tensor *zero_point = aimrt_kernel_input(call, 2);
    if (x->dtype != AIMRT_DTYPE_INT8 && x->dtype != AIMRT_DTYPE_UINT8 &&
        x->dtype != AIMRT_DTYPE_INT32)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "x has dtype %s but takes i8, u8 or i32",
                                 aimrt_dtype_name(x->dtype));
    if (zero_point && zero_point->dtype != x->dtype)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "zero_point has dtype %s but x has %s",
                                 aimrt_dtype_name(zero_point->dtype), aimrt_dtype_name(x->dtype));
    quant_plan plan;
    status = plan_quant(call, x, &plan);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, AIMRT_DTYPE_FLOAT, x->rank, x->dims);
}

static float load_quantized(aimrt_dtype dtype, const void *data, int64_t i)
{
    if (dtype == AIMRT_DTYPE_INT8)
        return ((const int8_t *)data)[i];
    if (dtype == AIMRT_DTYPE_UINT8)
        return ((const uint8_t *)data)[i];
    return (float)((const int32_t *)data)[i];
}

aimrt_status aimrt_kernel_dequantize_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    const aimrt_tensor *zero_point = aimrt_kernel_input(call, 2);
    quant_plan plan;
    aimrt_status status = plan_quant(call, x, &plan);
    if (status != AIMRT_OK)
        return status;

    const float *scales = call->inputs[1].data;
    float *out = call->outputs[0].data;
    const int64_t n = aimrt_kernel_count(x);
    for (int64_t i = 0; i < n; i++) {
        const int64_t s = scale_index(&plan, i);
        const float zp = zero_point ? load_quantized(x->dtype, zero_point->data, s) : 0.0f;
        out[i] = (load_quantized(x->dtype, x->data, i) - zp) * scales[s];
    }
    return AIMRT_OK;
}
