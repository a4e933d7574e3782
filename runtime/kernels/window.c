/* SPDX-License-Identifier: MIT */
/*
 * Sliding-window geometry shared by pooling, convolution and im2col: reads
 * and validates kernel, strides, pads, dilations and ceil_mode, and computes
 * the output size. With ceil_mode, a last window that would start inside the
 * end padding is dropped, as PyTorch does.
 */
#include "kernels/kernels.h"

/* Limit on every window attribute, so sums of dims and windows stay in int64. */
#define WINDOW_ATTR_MAX ((int64_t)1 << 31)

/* Reads an int list attribute of exactly `want` values (or none, then fill)
 * with each value in [lo, WINDOW_ATTR_MAX]. */
static aimrt_status read_list(aimrt_op_call *call, aimrt_attr_key key, int want, int64_t lo,
                              int64_t fill, int64_t *out)
{
    const int64_t *values;
    int n;
    aimrt_status status = aimrt_kernel_ints(call, key, AIMRT_MAX_RANK * 2, &values, &n);
    if (status != AIMRT_OK)
        return status;
    if (n != 0 && n != want)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "attribute %s has %d values but takes %d",
                                 aimrt_attr_key_name(key), n, want);
    for (int i = 0; i < want; i++) {
        out[i] = n ? values[i] : fill;
        if (out[i] < lo || out[i] > WINDOW_ATTR_MAX)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "attribute %s value %lld is outside [%lld, %lld]",
                                     aimrt_attr_key_name(key), (long long)out[i], (long long)lo,
                                     (long long)WINDOW_ATTR_MAX);
    }
    return AIMRT_OK;
}

static aimrt_status read_kernel(aimrt_op_call *call, const int64_t *kernel_from_weight,
                                int n_spatial, int64_t *kernel)
{
    const aimrt_attr *attr = aimrt_attr_find(call->attrs, call->n_attrs, AIMRT_ATTR_KERNEL);
    if (attr || !kernel_from_weight) {
        if (!attr || attr->n == 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "attribute kernel is missing");
        return read_list(call, AIMRT_ATTR_KERNEL, n_spatial, 1, 1, kernel);
    }
    for (int i = 0; i < n_spatial; i++) {
        kernel[i] = kernel_from_weight[i];
        if (kernel[i] < 1 || kernel[i] > WINDOW_ATTR_MAX)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "weight kernel dim %lld is outside [1, %lld]",
                                     (long long)kernel[i], (long long)WINDOW_ATTR_MAX);
    }
    return AIMRT_OK;
}

/* Computes w->out[i]; fails when the window does not fit the padded input. */
static aimrt_status compute_out(aimrt_op_call *call, aimrt_window *w, int i)
{
    const int64_t extent = (w->kernel[i] - 1) * w->dilations[i] + 1;
    const int64_t span = w->in[i] + w->pad_begin[i] + w->pad_end[i] - extent;
    if (span < 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "window of extent %lld is larger than spatial dim %d of size %lld "
                                 "plus pads",
                                 (long long)extent, i, (long long)w->in[i]);

    int64_t out = span / w->strides[i] + 1;
    if (w->ceil_mode && span % w->strides[i] != 0) {
        out++;
        if ((out - 1) * w->strides[i] >= w->in[i] + w->pad_begin[i])
            out--;
    }
    w->out[i] = out;
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_window(aimrt_op_call *call, const aimrt_tensor *x,
                                 const int64_t *kernel_from_weight, aimrt_window *w)
{
    if (x->rank != 3 && x->rank != 4)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "x has rank %d but takes [N, C, L] or [N, C, H, W]", x->rank);
    const int ns = x->rank - 2;
    *w = (aimrt_window){.n_spatial = ns};

    int64_t pads[4];
    int64_t ceil_mode;
    aimrt_status status = read_kernel(call, kernel_from_weight, ns, w->kernel);
    if (status == AIMRT_OK)
        status = read_list(call, AIMRT_ATTR_STRIDES, ns, 1, 1, w->strides);
    if (status == AIMRT_OK)
        status = read_list(call, AIMRT_ATTR_DILATIONS, ns, 1, 1, w->dilations);
    if (status == AIMRT_OK)
        status = read_list(call, AIMRT_ATTR_PADS, 2 * ns, 0, 0, pads);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_CEIL_MODE, 0, 0, 1, &ceil_mode);
    if (status != AIMRT_OK)
        return status;
    w->ceil_mode = ceil_mode != 0;

    /* A 1-D window runs as 2-D with a unit second dim. */
    for (int i = 0; i < 2; i++) {
        const bool real = i < ns;
        w->in[i] = real ? x->dims[2 + i] : 1;
        w->pad_begin[i] = real ? pads[i] : 0;
        w->pad_end[i] = real ? pads[ns + i] : 0;
        if (!real) {
            w->kernel[i] = w->strides[i] = w->dilations[i] = 1;
        }
        status = compute_out(call, w, i);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}
