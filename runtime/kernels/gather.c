/* SPDX-License-Identifier: MIT */
/*
 * Gather along one axis on any dtype, byte-wise. Negative indices count from
 * the end of the axis; an index out of range fails before anything is written.
 */
#include "kernels/kernels.h"

#include <string.h>

static aimrt_status read_axis(aimrt_op_call *call, int rank, int *axis)
{
    int64_t axis_attr;
    aimrt_status status =
        aimrt_kernel_int(call, AIMRT_ATTR_AXIS, 0, INT32_MIN, INT32_MAX, &axis_attr);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_axis(call, axis_attr, rank, axis);
}

aimrt_status aimrt_kernel_gather_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 2);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    const aimrt_tensor *indices = &call->inputs[1];
    if (indices->dtype != AIMRT_DTYPE_INT32 && indices->dtype != AIMRT_DTYPE_INT64)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "indices have dtype %s but take i32 or i64",
                                 aimrt_dtype_name(indices->dtype));
    int axis;
    status = read_axis(call, x->rank, &axis);
    if (status != AIMRT_OK)
        return status;

    const int rank = x->rank - 1 + indices->rank;
    if (rank > AIMRT_MAX_RANK)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "output rank %d exceeds the maximum %d", rank, AIMRT_MAX_RANK);
    int64_t dims[AIMRT_MAX_RANK];
    int k = 0;
    for (int i = 0; i < axis; i++)
        dims[k++] = x->dims[i];
    for (int i = 0; i < indices->rank; i++)
        dims[k++] = indices->dims[i];
    for (int i = axis + 1; i < x->rank; i++)
        dims[k++] = x->dims[i];
    return aimrt_kernel_set_output(call, x->dtype, rank, dims);
}

static int64_t index_at(const aimrt_tensor *indices, int64_t i)
{
    if (indices->dtype == AIMRT_DTYPE_INT32)
        return ((const int32_t *)indices->data)[i];
    return ((const int64_t *)indices->data)[i];
}

aimrt_status aimrt_kernel_gather_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    const aimrt_tensor *indices = &call->inputs[1];
    int axis;
    aimrt_status status = read_axis(call, x->rank, &axis);
    if (status != AIMRT_OK)
        return status;

    const int64_t dim = x->dims[axis];
    const int64_t n_indices = aimrt_kernel_count(indices);
    for (int64_t j = 0; j < n_indices; j++) {
        const int64_t index = index_at(indices, j);
        if (index < -dim || index >= dim)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "index %lld at position %lld is outside [%lld, %lld) of "
                                     "axis %d",
                                     (long long)index, (long long)j, (long long)-dim,
                                     (long long)dim, axis);
    }

    int64_t outer = 1, inner = (int64_t)aimrt_dtype_size(x->dtype);
    for (int i = 0; i < axis; i++)
        outer *= x->dims[i];
    for (int i = axis + 1; i < x->rank; i++)
        inner *= x->dims[i];

    char *out = call->outputs[0].data;
    for (int64_t o = 0; o < outer && inner > 0; o++) {
        const char *in = (const char *)x->data + o * dim * inner;
        for (int64_t j = 0; j < n_indices; j++, out += inner) {
            const int64_t index = index_at(indices, j);
            memcpy(out, in + (index < 0 ? index + dim : index) * inner, (size_t)inner);
        }
    }
    return AIMRT_OK;
}
