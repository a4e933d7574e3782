/* SPDX-License-Identifier: MIT */
/*
 * BatchNormalization in inference mode over channel axis 1:
 * y = scale * (x - mean) / sqrt(var + epsilon) + bias.
 */
#include "kernels/kernels.h"

#include <math.h>

aimrt_status aimrt_kernel_batch_norm_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 5, 5);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status != AIMRT_OK)
        return status;
    if (x->rank < 2)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "x has rank %d but takes [N, C, ...]",
                                 x->rank);

    static const char *const names[] = {"x", "scale", "bias", "mean", "var"};
    for (int i = 1; i < 5; i++) {
        const aimrt_tensor *t = &call->inputs[i];
        status = aimrt_kernel_check_float(call, t, names[i], x);
        if (status != AIMRT_OK)
            return status;
        if (t->rank != 1 || t->dims[0] != x->dims[1])
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "%s must have shape [%lld] (the channels of x)", names[i],
                                     (long long)x->dims[1]);
    }
    return aimrt_kernel_set_output(call, x->dtype, x->rank, x->dims);
}

static double param_at(const aimrt_tensor *t, int64_t c)
{
    if (t->dtype == AIMRT_DTYPE_FLOAT)
        return ((const float *)t->data)[c];
    return ((const double *)t->data)[c];
}

aimrt_status aimrt_kernel_batch_norm_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    const double epsilon = aimrt_attr_float(call->attrs, call->n_attrs, AIMRT_ATTR_EPSILON, 1e-5f);
    const int64_t channels = x->dims[1];
    int64_t inner = 1;
    for (int i = 2; i < x->rank; i++)
        inner *= x->dims[i];

    const int64_t n_planes = x->dims[0] * channels;
    for (int64_t plane = 0; plane < n_planes; plane++) {
        /* Fold each channel into y = gain * x + shift. */
        const int64_t c = plane % channels;
        const double gain =
            param_at(&call->inputs[1], c) / sqrt(param_at(&call->inputs[4], c) + epsilon);
        const double shift = param_at(&call->inputs[2], c) - gain * param_at(&call->inputs[3], c);
        const int64_t start = plane * inner;
        for (int64_t i = start; i < start + inner; i++) {
            if (x->dtype == AIMRT_DTYPE_FLOAT)
                ((float *)call->outputs[0].data)[i] =
                    (float)(gain * ((const float *)x->data)[i] + shift);
            else
                ((double *)call->outputs[0].data)[i] = gain * ((const double *)x->data)[i] + shift;
        }
    }
    return AIMRT_OK;
}
