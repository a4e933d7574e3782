/* SPDX-License-Identifier: MIT */
/*
 * ReduceMean, ReduceMax and ReduceSum over a set of axes (all axes when the
 * attribute is absent or empty), with keepdims as in ONNX.
 */
#include "kernels/kernels.h"

#include <math.h>

/* Marks the reduced axes of rank-`rank` input in reduced[]. */
static aimrt_status read_axes(aimrt_op_call *call, int rank, bool *reduced)
{
    const int64_t *axes;
    int n;
    aimrt_status status = aimrt_kernel_ints(call, AIMRT_ATTR_AXES, AIMRT_MAX_RANK, &axes, &n);
    if (status != AIMRT_OK)
        return status;

    for (int i = 0; i < rank; i++)
        reduced[i] = n == 0;
    for (int i = 0; i < n; i++) {
        int axis;
        status = aimrt_kernel_axis(call, axes[i], rank, &axis);
        if (status != AIMRT_OK)
            return status;
        if (reduced[axis])
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "axis %d appears twice", axis);
        reduced[axis] = true;
    }
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_reduce_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status != AIMRT_OK)
        return status;

    bool reduced[AIMRT_MAX_RANK];
    int64_t keepdims;
    status = read_axes(call, x->rank, reduced);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_KEEPDIMS, 1, 0, 1, &keepdims);
    if (status != AIMRT_OK)
        return status;

    int rank = 0;
    int64_t dims[AIMRT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        if (!reduced[i])
            dims[rank++] = x->dims[i];
        else if (keepdims)
            dims[rank++] = 1;
    }
    return aimrt_kernel_set_output(call, x->dtype, rank, dims);
}

/* Accumulates every element of x into y at the output offset of its index;
 * out_strides are 0 on reduced axes. */
#define DEFINE_REDUCE(NAME, T)                                                                     \
    static void NAME(aimrt_op op, const aimrt_tensor *x, const int64_t *out_strides, T *y,         \
                     int64_t n_out, int64_t n_reduced)                                             \
    {                                                                                              \
        const T init = op == AIMRT_OP_REDUCE_MAX ? (T)-INFINITY : (T)0;                            \
        for (int64_t i = 0; i < n_out; i++)                                                        \
            y[i] = init;                                                                           \
        const T *in = x->data;                                                                     \
        const int64_t n_in = aimrt_kernel_count(x);                                                \
        int64_t index[AIMRT_MAX_RANK] = {0}, off = 0;                                              \
        for (int64_t i = 0; i < n_in; i++) {                                                       \
            if (op != AIMRT_OP_REDUCE_MAX)                                                         \
                y[off] += in[i];                                                                   \
            else if (in[i] > y[off] || in[i] != in[i])                                             \
                y[off] = in[i];                                                                    \
            for (int d = x->rank - 1; d >= 0; d--) {                                               \
                off += out_strides[d];                                                             \
                if (++index[d] < x->dims[d])                                                       \
                    break;                                                                         \
                off -= out_strides[d] * x->dims[d];                                                \
                index[d] = 0;                                                                      \
            }                                                                                      \
        }                                                                                          \
        if (op == AIMRT_OP_REDUCE_MEAN) {                                                          \
            for (int64_t i = 0; i < n_out; i++)                                                    \
                y[i] = (T)(y[i] / (T)n_reduced);                                                   \
        }                                                                                          \
    }

DEFINE_REDUCE(reduce_f32, float)
DEFINE_REDUCE(reduce_f64, double)

aimrt_status aimrt_kernel_reduce_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    bool reduced[AIMRT_MAX_RANK];
    aimrt_status status = read_axes(call, x->rank, reduced);
    if (status != AIMRT_OK)
        return status;

    /* Output strides over the input's axes, 0 where the axis is reduced. */
    int64_t out_strides[AIMRT_MAX_RANK];
    int64_t stride = 1, n_reduced = 1;
    for (int i = x->rank - 1; i >= 0; i--) {
        out_strides[i] = reduced[i] ? 0 : stride;
        if (reduced[i])
            n_reduced *= x->dims[i];
        else
            stride *= x->dims[i];
    }

    const int64_t n_out = aimrt_kernel_count(&call->outputs[0]);
    if (x->dtype == AIMRT_DTYPE_FLOAT)
        reduce_f32(call->op, x, out_strides, call->outputs[0].data, n_out, n_reduced);
    else
        reduce_f64(call->op, x, out_strides, call->outputs[0].data, n_out, n_reduced);
    return AIMRT_OK;
}
