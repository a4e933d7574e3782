/* SPDX-License-Identifier: MIT */
/*
 * MaxPool and AveragePool on [N, C, L] or [N, C, H, W]. MaxPool treats padding
 * as -inf. AveragePool divides by the window positions inside the input
 * (count_include_pad 0) or inside the padded input (count_include_pad 1, the
 * PyTorch divisor, which excludes the extra positions ceil_mode adds).
 */
#include "kernels/kernels.h"

#include <math.h>

typedef struct pool_plan {
    aimrt_window w;
    bool is_max;
    bool count_include_pad;
} pool_plan;

aimrt_status aimrt_kernel_pool_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status != AIMRT_OK)
        return status;

    int64_t include_pad;
    status = aimrt_kernel_int(call, AIMRT_ATTR_COUNT_INCLUDE_PAD, 0, 0, 1, &include_pad);
    if (status != AIMRT_OK)
        return status;
    aimrt_window w;
    status = aimrt_kernel_window(call, x, NULL, &w);
    if (status != AIMRT_OK)
        return status;

    int64_t dims[4] = {x->dims[0], x->dims[1], w.out[0], w.out[1]};
    return aimrt_kernel_set_output(call, x->dtype, x->rank, dims);
}

/* Counts the window positions k (0 <= k < kernel) with lo <= start + k*d < hi. */
static int64_t count_inside(int64_t start, int64_t kernel, int64_t dilation, int64_t lo, int64_t hi)
{
    int64_t n = 0;
    for (int64_t k = 0; k < kernel; k++) {
        const int64_t i = start + k * dilation;
        n += i >= lo && i < hi;
    }
    return n;
}

/* Finishes one output element from the max and sum of its window starting at (y0, x0). */
static double finish_point(const pool_plan *p, int64_t y0, int64_t x0, double max_value, double sum)
{
    if (p->is_max)
        return max_value;

    const aimrt_window *w = &p->w;
    int64_t divisor;
    if (p->count_include_pad) {
        divisor = count_inside(y0, w->kernel[0], w->dilations[0], -w->pad_begin[0],
                               w->in[0] + w->pad_end[0]) *
                  count_inside(x0, w->kernel[1], w->dilations[1], -w->pad_begin[1],
                               w->in[1] + w->pad_end[1]);
    } else {
        divisor = count_inside(y0, w->kernel[0], w->dilations[0], 0, w->in[0]) *
                  count_inside(x0, w->kernel[1], w->dilations[1], 0, w->in[1]);
    }
    return divisor > 0 ? sum / (double)divisor : 0.0;
}

/* Pools one [H, W] plane; a window wholly in padding gives -inf (max) or 0 (average). */
#define DEFINE_POOL_PLANE(NAME, T)                                                                 \
    static void NAME(const pool_plan *p, const T *x, T *y)                                         \
    {                                                                                              \
        const aimrt_window *w = &p->w;                                                             \
        for (int64_t oy = 0; oy < w->out[0]; oy++) {                                               \
            const int64_t y0 = oy * w->strides[0] - w->pad_begin[0];                               \
            for (int64_t ox = 0; ox < w->out[1]; ox++) {                                           \
                const int64_t x0 = ox * w->strides[1] - w->pad_begin[1];                           \
                double max_value = -INFINITY, sum = 0.0;                                           \
                for (int64_t ky = 0; ky < w->kernel[0]; ky++) {                                    \
                    const int64_t iy = y0 + ky * w->dilations[0];                                  \
                    if (iy < 0 || iy >= w->in[0])                                                  \
                        continue;                                                                  \
                    for (int64_t kx = 0; kx < w->kernel[1]; kx++) {                                \
                        const int64_t ix = x0 + kx * w->dilations[1];                              \
                        if (ix < 0 || ix >= w->in[1])                                              \
                            continue;                                                              \
                        const double v = x[iy * w->in[1] + ix];                                    \
                        sum += v;                                                                  \
                        if (v > max_value || v != v)                                               \
                            max_value = v;                                                         \
                    }                                                                              \
                }                                                                                  \
                y[oy * w->out[1] + ox] = (T)finish_point(p, y0, x0, max_value, sum);               \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_POOL_PLANE(pool_plane_f32, float)
DEFINE_POOL_PLANE(pool_plane_f64, double)

aimrt_status aimrt_kernel_pool_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    pool_plan p = {.is_max = call->op == AIMRT_OP_MAX_POOL};
    p.count_include_pad =
        aimrt_attr_int(call->attrs, call->n_attrs, AIMRT_ATTR_COUNT_INCLUDE_PAD, 0) != 0;
    aimrt_status status = aimrt_kernel_window(call, x, NULL, &p.w);
    if (status != AIMRT_OK)
        return status;

    const int64_t n_planes = x->dims[0] * x->dims[1];
    const int64_t in_plane = p.w.in[0] * p.w.in[1];
    const int64_t out_plane = p.w.out[0] * p.w.out[1];
    for (int64_t i = 0; i < n_planes; i++) {
        if (x->dtype == AIMRT_DTYPE_FLOAT)
            pool_plane_f32(&p, (const float *)x->data + i * in_plane,
                           (float *)call->outputs[0].data + i * out_plane);
        else
            pool_plane_f64(&p, (const double *)x->data + i * in_plane,
                           (double *)call->outputs[0].data + i * out_plane);
    }
    return AIMRT_OK;
}
