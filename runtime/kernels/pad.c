/* SPDX-License-Identifier: MIT */
/*
 * Pad on any dtype, byte-wise: constant, reflect (numpy "reflect", which
 * repeats the reflection when a pad exceeds the dim) and edge modes. Negative
 * pads crop.
 */
#include "kernels/kernels.h"

#include <string.h>

#define PAD_MAX ((int64_t)1 << 40)

enum { PAD_CONSTANT = 0, PAD_REFLECT = 1, PAD_EDGE = 2 };

typedef struct pad_plan {
    int64_t begin[AIMRT_MAX_RANK];
    int mode;
} pad_plan;

static aimrt_status plan_pad(aimrt_op_call *call, const aimrt_tensor *x, pad_plan *plan,
                             int64_t *dims)
{
    const int64_t *pads;
    int n;
    int64_t mode;
    aimrt_status status = aimrt_kernel_ints(call, AIMRT_ATTR_PADS, 2 * AIMRT_MAX_RANK, &pads, &n);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_MODE, PAD_CONSTANT, 0, 2, &mode);
    if (status != AIMRT_OK)
        return status;
    if (n != 2 * x->rank)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "attribute pads has %d values but x has rank %d", n, x->rank);

    plan->mode = (int)mode;
    for (int i = 0; i < x->rank; i++) {
        const int64_t begin = pads[i], end = pads[x->rank + i];
        if (begin < -PAD_MAX || begin > PAD_MAX || end < -PAD_MAX || end > PAD_MAX)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "pads on axis %d are out of range", i);
        plan->begin[i] = begin;
        dims[i] = x->dims[i] + begin + end;
        if (dims[i] < 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "pads crop axis %d of dim %lld below zero", i,
                                     (long long)x->dims[i]);
        if (mode != PAD_CONSTANT && x->dims[i] == 0 && dims[i] > 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "reflect or edge padding of empty axis %d", i);
    }
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_pad_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    pad_plan plan;
    int64_t dims[AIMRT_MAX_RANK];
    status = plan_pad(call, x, &plan, dims);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, x->dtype, x->rank, dims);
}

/* Maps an input coordinate i (may lie outside [0, n)) to a source index, or -1
 * for the constant value. */
static int64_t map_index(int mode, int64_t i, int64_t n)
{
    if (i >= 0 && i < n)
        return i;
    if (mode == PAD_CONSTANT)
        return -1;
    if (mode == PAD_EDGE || n == 1)
        return i < 0 ? 0 : n - 1;

    const int64_t period = 2 * (n - 1);
    int64_t r = i % period;
    if (r < 0)
        r += period;
    return r < n ? r : period - r;
}

/* Writes one output row (the last axis) whose outer source offset is base,
 * or the constant value everywhere when base < 0. */
static void pad_row(const pad_plan *plan, const aimrt_tensor *x, int64_t base, const char *value,
                    size_t esize, int64_t n_out, char *out)
{
    const int last = x->rank - 1;
    for (int64_t o = 0; o < n_out; o++, out += esize) {
        const int64_t i =
            base < 0 ? -1 : map_index(plan->mode, o - plan->begin[last], x->dims[last]);
        const char *src = i < 0 ? value : (const char *)x->data + (base + i) * (int64_t)esize;
        memcpy(out, src, esize);
    }
}

aimrt_status aimrt_kernel_pad_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    aimrt_tensor *y = &call->outputs[0];
    pad_plan plan;
    int64_t dims[AIMRT_MAX_RANK];
    aimrt_status status = plan_pad(call, x, &plan, dims);
    if (status != AIMRT_OK)
        return status;

    const size_t esize = aimrt_dtype_size(x->dtype);
    char value[8];
    const double constant = aimrt_attr_float(call->attrs, call->n_attrs, AIMRT_ATTR_VALUE, 0.0f);
    aimrt_kernel_store_double(x->dtype, constant, value);
    if (x->rank == 0) {
        memcpy(y->data, x->data, esize);
        return AIMRT_OK;
    }

    const int last = x->rank - 1;
    const int64_t n_rows = dims[last] > 0 ? aimrt_kernel_count(y) / dims[last] : 0;
    int64_t index[AIMRT_MAX_RANK] = {0};
    for (int64_t row = 0; row < n_rows; row++) {
        /* Source offset of this row's outer index, -1 when it falls in constant padding. */
        int64_t base = 0;
        for (int i = 0; i < last && base >= 0; i++) {
            const int64_t src = map_index(plan.mode, index[i] - plan.begin[i], x->dims[i]);
            base = src < 0 ? -1 : base * x->dims[i] + src;
        }
        if (base >= 0)
            base *= x->dims[last];
        pad_row(&plan, x, base, value, esize, dims[last],
                (char *)y->data + row * dims[last] * (int64_t)esize);

        for (int i = last - 1; i >= 0; i--) {
            if (++index[i] < dims[i])
                break;
            index[i] = 0;
        }
    }
    return AIMRT_OK;
}
