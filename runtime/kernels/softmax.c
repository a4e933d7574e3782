/* SPDX-License-Identifier: MIT */
/*
 * Softmax and LogSoftmax over one axis (ONNX opset 13 meaning). The maximum
 * along the axis is subtracted before exp so large inputs do not overflow.
 */
#include "kernels/kernels.h"

#include <math.h>

aimrt_status aimrt_kernel_softmax_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status != AIMRT_OK)
        return status;

    int64_t axis_attr;
    int axis;
    status = aimrt_kernel_int(call, AIMRT_ATTR_AXIS, -1, INT32_MIN, INT32_MAX, &axis_attr);
    if (status == AIMRT_OK)
        status = aimrt_kernel_axis(call, axis_attr, x->rank > 0 ? x->rank : 1, &axis);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, x->dtype, x->rank, x->dims);
}

/* Runs over every (outer, inner) line of n elements spaced by `inner`. */
#define DEFINE_SOFTMAX(NAME, T)                                                                    \
    static void NAME(bool log_output, const T *x, T *y, int64_t outer, int64_t n, int64_t inner)   \
    {                                                                                              \
        for (int64_t o = 0; o < outer; o++) {                                                      \
            for (int64_t j = 0; j < inner; j++) {                                                  \
                const T *in = x + o * n * inner + j;                                               \
                T *out = y + o * n * inner + j;                                                    \
                double max_value = -INFINITY;                                                      \
                for (int64_t k = 0; k < n; k++)                                                    \
                    max_value = in[k * inner] > max_value ? in[k * inner] : max_value;             \
                double sum = 0.0;                                                                  \
                for (int64_t k = 0; k < n; k++)                                                    \
                    sum += exp(in[k * inner] - max_value);                                         \
                const double log_sum = log(sum);                                                   \
                for (int64_t k = 0; k < n; k++) {                                                  \
                    const double shifted = in[k * inner] - max_value;                              \
                    out[k * inner] = (T)(log_output ? shifted - log_sum : exp(shifted) / sum);     \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_SOFTMAX(softmax_f32, float)
DEFINE_SOFTMAX(softmax_f64, double)

aimrt_status aimrt_kernel_softmax_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    const int rank = x->rank;
    int axis = 0;
    const int64_t axis_attr = aimrt_attr_int(call->attrs, call->n_attrs, AIMRT_ATTR_AXIS, -1);
    aimrt_status status = aimrt_kernel_axis(call, axis_attr, rank > 0 ? rank : 1, &axis);
    if (status != AIMRT_OK)
        return status;

    int64_t outer = 1, inner = 1;
    const int64_t n = rank > 0 ? x->dims[axis] : 1;
    for (int i = 0; i < axis; i++)
        outer *= x->dims[i];
    for (int i = axis + 1; i < rank; i++)
        inner *= x->dims[i];

    const bool log_output = call->op == AIMRT_OP_LOG_SOFTMAX;
    if (x->dtype == AIMRT_DTYPE_FLOAT)
        softmax_f32(log_output, x->data, call->outputs[0].data, outer, n, inner);
    else
        softmax_f64(log_output, x->data, call->outputs[0].data, outer, n, inner);
    return AIMRT_OK;
}
