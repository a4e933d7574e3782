/* SPDX-License-Identifier: MIT */
/*
 * Data movement on any dtype, byte-wise: Reshape (runs as a copy), Transpose,
 * Concat and Slice. Transpose and Slice share one strided copy that walks the
 * output in order and the input by per-axis element strides.
 */
#include "kernels/kernels.h"

#include <string.h>

/* Limit on |step| so start + count * step cannot overflow int64. */
#define SLICE_STEP_MAX ((int64_t)1 << 40)

/* Copies a strided view of src into contiguous dst: out dims `dims`, source
 * element strides `strides` (negative allowed), elements of esize bytes. */
static void copy_strided(size_t esize, int rank, const int64_t *dims, const char *src,
                         const int64_t *strides, char *dst)
{
    int64_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= dims[i];
    if (count == 0)
        return;

    const int64_t step = rank > 0 ? strides[rank - 1] * (int64_t)esize : 0;
    const int64_t row = rank > 0 ? dims[rank - 1] : 1;
    int64_t index[AIMRT_MAX_RANK] = {0};
    int64_t offset = 0;
    for (int64_t done = 0; done < count; done += row) {
        const char *in = src + offset * (int64_t)esize;
        for (int64_t j = 0; j < row; j++, in += step, dst += esize)
            memcpy(dst, in, esize);
        for (int i = rank - 2; i >= 0; i--) {
            offset += strides[i];
            if (++index[i] < dims[i])
                break;
            offset -= strides[i] * dims[i];
            index[i] = 0;
        }
    }
}

static void contiguous_strides(const aimrt_tensor *t, int64_t *strides)
{
    int64_t stride = 1;
    for (int i = t->rank - 1; i >= 0; i--) {
        strides[i] = stride;
        stride *= t->dims[i];
    }
}

aimrt_status aimrt_kernel_reshape_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    const int64_t *shape;
    int n;
    status = aimrt_kernel_ints(call, AIMRT_ATTR_SHAPE, AIMRT_MAX_RANK, &shape, &n);
    if (status != AIMRT_OK)
        return status;
    if (!aimrt_attr_find(call->attrs, call->n_attrs, AIMRT_ATTR_SHAPE))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "attribute shape is missing");

    /* Resolve 0 (copy) first, with the inferred dim counted as 1. */
    int64_t dims[AIMRT_MAX_RANK];
    int inferred = -1;
    for (int i = 0; i < n; i++) {
        dims[i] = shape[i];
        if (shape[i] == 0 && i >= x->rank)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "shape[%d] is 0 but x has rank %d", i, x->rank);
        if (shape[i] == 0)
            dims[i] = x->dims[i];
        if (shape[i] == -1 && inferred >= 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "shape has two -1 dims");
        if (shape[i] == -1) {
            inferred = i;
            dims[i] = 1;
        }
        if (dims[i] < 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "shape[%d] is %lld", i,
                                     (long long)shape[i]);
    }

    int64_t known, total = aimrt_kernel_count(x);
    if (!aimrt_shape_count(n, dims, 0, &known))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "shape has too many elements");
    if (inferred >= 0 && known != 0 && total % known == 0)
        dims[inferred] = total / known;
    if (inferred >= 0 ? (known == 0 || total % known != 0) : known != total)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "shape has %lld elements in its known dims, which do not fit the "
                                 "%lld elements of x",
                                 (long long)known, (long long)total);
    return aimrt_kernel_set_output(call, x->dtype, n, dims);
}

/* Reads perm (reverse order when absent) and checks it is a permutation. */
static aimrt_status read_perm(aimrt_op_call *call, int rank, int *perm)
{
    const int64_t *values;
    int n;
    aimrt_status status = aimrt_kernel_ints(call, AIMRT_ATTR_PERM, AIMRT_MAX_RANK, &values, &n);
    if (status != AIMRT_OK)
        return status;
    if (n == 0) {
        for (int i = 0; i < rank; i++)
            perm[i] = rank - 1 - i;
        return AIMRT_OK;
    }
    if (n != rank)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "perm has %d values but x has rank %d", n, rank);

    bool seen[AIMRT_MAX_RANK] = {false};
    for (int i = 0; i < n; i++) {
        if (values[i] < 0 || values[i] >= rank || seen[values[i]])
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "perm is not a permutation of 0..%d: perm[%d] = %lld",
                                     rank - 1, i, (long long)values[i]);
        seen[values[i]] = true;
        perm[i] = (int)values[i];
    }
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_transpose_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    int perm[AIMRT_MAX_RANK];
    status = read_perm(call, x->rank, perm);
    if (status != AIMRT_OK)
        return status;

    int64_t dims[AIMRT_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        dims[i] = x->dims[perm[i]];
    return aimrt_kernel_set_output(call, x->dtype, x->rank, dims);
}

aimrt_status aimrt_kernel_transpose_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    int perm[AIMRT_MAX_RANK];
    aimrt_status status = read_perm(call, x->rank, perm);
    if (status != AIMRT_OK)
        return status;

    int64_t in_strides[AIMRT_MAX_RANK], strides[AIMRT_MAX_RANK];
    contiguous_strides(x, in_strides);
    for (int i = 0; i < x->rank; i++)
        strides[i] = in_strides[perm[i]];
    copy_strided(aimrt_dtype_size(x->dtype), x->rank, call->outputs[0].dims, x->data, strides,
                 call->outputs[0].data);
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_concat_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, INT32_MAX);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    int64_t axis_attr;
    int axis;
    status = aimrt_kernel_int(call, AIMRT_ATTR_AXIS, 0, INT32_MIN, INT32_MAX, &axis_attr);
    if (status == AIMRT_OK)
        status = aimrt_kernel_axis(call, axis_attr, x->rank, &axis);
    if (status != AIMRT_OK)
        return status;

    int64_t dims[AIMRT_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    for (int k = 1; k < call->n_inputs; k++) {
        const aimrt_tensor *t = &call->inputs[k];
        bool same = t->dtype == x->dtype && t->rank == x->rank;
        for (int i = 0; same && i < x->rank; i++)
            same = i == axis || t->dims[i] == x->dims[i];
        if (!same)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "input %d differs from input 0 in dtype, rank or a dim "
                                     "other than axis %d",
                                     k, axis);
        if (t->dims[axis] > INT64_MAX - dims[axis])
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "axis dim overflows");
        dims[axis] += t->dims[axis];
    }
    return aimrt_kernel_set_output(call, x->dtype, x->rank, dims);
}

aimrt_status aimrt_kernel_concat_run(aimrt_op_call *call)
{
    const aimrt_tensor *y = &call->outputs[0];
    int axis = 0;
    aimrt_kernel_axis(call, aimrt_attr_int(call->attrs, call->n_attrs, AIMRT_ATTR_AXIS, 0), y->rank,
                      &axis);

    const size_t esize = aimrt_dtype_size(y->dtype);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= y->dims[i];
    for (int i = axis + 1; i < y->rank; i++)
        inner *= y->dims[i];

    /* Each input fills a block of dims[axis] * inner elements in every outer row. */
    char *out = y->data;
    const int64_t out_row = y->dims[axis] * inner * (int64_t)esize;
    int64_t column = 0;
    for (int k = 0; k < call->n_inputs; k++) {
        const aimrt_tensor *t = &call->inputs[k];
        const int64_t block = t->dims[axis] * inner * (int64_t)esize;
        for (int64_t o = 0; o < outer && block > 0; o++)
            memcpy(out + o * out_row + column, (const char *)t->data + o * block, (size_t)block);
        column += block;
    }
    return AIMRT_OK;
}

typedef struct slice_plan {
    int64_t starts[AIMRT_MAX_RANK];
    int64_t steps[AIMRT_MAX_RANK];
    int64_t dims[AIMRT_MAX_RANK];
} slice_plan;

/* Reads a slice list attribute that must hold one value per axis. */
static aimrt_status read_slice_list(aimrt_op_call *call, aimrt_attr_key key, int rank,
                                    const int64_t **values)
{
    int n;
    aimrt_status status = aimrt_kernel_ints(call, key, AIMRT_MAX_RANK, values, &n);
    if (status == AIMRT_OK && n != rank)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "attribute %s has %d values but x has rank %d",
                                 aimrt_attr_key_name(key), n, rank);
    return status;
}

/* Checks one axis of a clamped slice and computes its output dim. A positive
 * step takes start, end in [0, dim]; a negative one takes them in [-1, dim - 1],
 * where -1 means "before index 0". */
static aimrt_status plan_slice_axis(aimrt_op_call *call, int axis, int64_t dim, int64_t start,
                                    int64_t end, int64_t step, int64_t *out_dim)
{
    if (step == 0 || step > SLICE_STEP_MAX || step < -SLICE_STEP_MAX)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "step %lld on axis %d is invalid",
                                 (long long)step, axis);
    const int64_t lo = step > 0 ? 0 : -1;
    const int64_t hi = step > 0 ? dim : dim - 1;
    if (start < lo || start > hi || end < lo || end > hi)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "start %lld or end %lld on axis %d is outside [%lld, %lld]. "
                                 "Clamp them to the dim %lld",
                                 (long long)start, (long long)end, axis, (long long)lo,
                                 (long long)hi, (long long)dim);
    if (step > 0)
        *out_dim = end > start ? (end - start + step - 1) / step : 0;
    else
        *out_dim = start > end ? (start - end - step - 1) / -step : 0;
    return AIMRT_OK;
}

static aimrt_status plan_slice(aimrt_op_call *call, const aimrt_tensor *x, slice_plan *plan)
{
    const int64_t *starts, *ends, *steps;
    aimrt_status status = read_slice_list(call, AIMRT_ATTR_STARTS, x->rank, &starts);
    if (status == AIMRT_OK)
        status = read_slice_list(call, AIMRT_ATTR_ENDS, x->rank, &ends);
    if (status == AIMRT_OK)
        status = read_slice_list(call, AIMRT_ATTR_STEPS, x->rank, &steps);
    for (int i = 0; status == AIMRT_OK && i < x->rank; i++) {
        plan->starts[i] = starts[i];
        plan->steps[i] = steps[i];
        status = plan_slice_axis(call, i, x->dims[i], starts[i], ends[i], steps[i], &plan->dims[i]);

        /* A step only moves within dims of two or more, where |step| < dim,
         * so step times the input stride cannot overflow. */
        if (plan->dims[i] < 2)
            plan->steps[i] = 1;
    }
    return status;
}

aimrt_status aimrt_kernel_slice_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    slice_plan plan;
    status = plan_slice(call, x, &plan);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, x->dtype, x->rank, plan.dims);
}

aimrt_status aimrt_kernel_slice_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    slice_plan plan;
    aimrt_status status = plan_slice(call, x, &plan);
    if (status != AIMRT_OK)
        return status;
    if (aimrt_kernel_count(&call->outputs[0]) == 0)
        return AIMRT_OK;

    /* Every axis has at least one element here, so each start is a valid index. */
    const size_t esize = aimrt_dtype_size(x->dtype);
    int64_t in_strides[AIMRT_MAX_RANK], strides[AIMRT_MAX_RANK], base = 0;
    contiguous_strides(x, in_strides);
    for (int i = 0; i < x->rank; i++) {
        base += plan.starts[i] * in_strides[i];
        strides[i] = plan.steps[i] * in_strides[i];
    }
    copy_strided(esize, x->rank, plan.dims, (const char *)x->data + base * (int64_t)esize, strides,
                 call->outputs[0].data);
    return AIMRT_OK;
}
