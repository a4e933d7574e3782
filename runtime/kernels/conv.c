/* SPDX-License-Identifier: MIT */
/*
 * Digital Conv (1-D or 2-D, groups, dilations, asymmetric pads) as im2col
 * plus one GEMM per image and group, and the IM2COL op that extracts the same
 * patches for a convolution run as LINEAR. Patch columns are ordered
 * (c, ky, kx), matching the weight layout w[m, c, ky, kx] flattened.
 */
#include "kernels/kernels.h"

#include <string.h>

typedef struct conv_plan {
    aimrt_window w;
    int64_t n_images, channels, group, group_channels;
    int64_t n_patches;  /* P: output positions per image */
    int64_t patch_size; /* K: group_channels * prod(kernel) */
} conv_plan;

/* Reads group and fills the geometry common to Conv and IM2COL. */
static aimrt_status plan_patches(aimrt_op_call *call, const aimrt_tensor *x,
                                 const int64_t *kernel_from_weight, conv_plan *p)
{
    aimrt_status status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status == AIMRT_OK)
        status = aimrt_kernel_window(call, x, kernel_from_weight, &p->w);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_GROUP, 1, 1, INT32_MAX, &p->group);
    if (status != AIMRT_OK)
        return status;

    p->n_images = x->dims[0];
    p->channels = x->dims[1];
    if (p->channels % p->group != 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "x has %lld channels, not a multiple of group %lld",
                                 (long long)p->channels, (long long)p->group);
    p->group_channels = p->channels / p->group;

    /* Sizes come from untrusted programs, so the products are checked before
     * the BLAS limit below can bound them. */
    int64_t kernel_size = 0;
    if (__builtin_mul_overflow(p->w.out[0], p->w.out[1], &p->n_patches) ||
        __builtin_mul_overflow(p->w.kernel[0], p->w.kernel[1], &kernel_size) ||
        __builtin_mul_overflow(p->group_channels, kernel_size, &p->patch_size))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "output %lld x %lld or kernel %lld x %lld on %lld channels "
                                 "overflows the patch sizes",
                                 (long long)p->w.out[0], (long long)p->w.out[1],
                                 (long long)p->w.kernel[0], (long long)p->w.kernel[1],
                                 (long long)p->group_channels);

    /* Both feed BLAS dims, so each must fit an int. */
    if (p->n_patches > INT32_MAX || p->patch_size > INT32_MAX || p->group_channels > INT32_MAX)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "%lld patches of %lld values exceed the BLAS limit %d",
                                 (long long)p->n_patches, (long long)p->patch_size, INT32_MAX);
    return AIMRT_OK;
}

/* Copies the patches of channels [c0, c0 + group_channels) of one image: value
 * (row r, patch q) goes to dst[r * row_stride + q * patch_stride], zero in padding. */
#define DEFINE_IM2COL(NAME, T)                                                                     \
    static void NAME(const conv_plan *p, const T *x, int64_t c0, T *dst, int64_t row_stride,       \
                     int64_t patch_stride)                                                         \
    {                                                                                              \
        const aimrt_window *w = &p->w;                                                             \
        int64_t r = 0;                                                                             \
        for (int64_t c = c0; c < c0 + p->group_channels; c++) {                                    \
            const T *plane = x + c * w->in[0] * w->in[1];                                          \
            for (int64_t ky = 0; ky < w->kernel[0]; ky++) {                                        \
                for (int64_t kx = 0; kx < w->kernel[1]; kx++, r++) {                               \
                    T *row = dst + r * row_stride;                                                 \
                    for (int64_t oy = 0; oy < w->out[0]; oy++) {                                   \
                        const int64_t iy =                                                         \
                            oy * w->strides[0] - w->pad_begin[0] + ky * w->dilations[0];           \
                        const bool y_in = iy >= 0 && iy < w->in[0];                                \
                        for (int64_t ox = 0; ox < w->out[1]; ox++) {                               \
                            const int64_t ix =                                                     \
                                ox * w->strides[1] - w->pad_begin[1] + kx * w->dilations[1];       \
                            const bool in = y_in && ix >= 0 && ix < w->in[1];                      \
                            row[(oy * w->out[1] + ox) * patch_stride] =                            \
                                in ? plane[iy * w->in[1] + ix] : (T)0;                             \
                        }                                                                          \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_IM2COL(im2col_f32, float)
DEFINE_IM2COL(im2col_f64, double)

/* Returns the first kx in [0, kernel] whose ix = ix0 + kx * dilation is >= bound. */
static int64_t first_kx_at_or_past(int64_t ix0, int64_t dilation, int64_t kernel, int64_t bound)
{
    if (ix0 >= bound)
        return 0;
    const int64_t kx = (bound - ix0 + dilation - 1) / dilation;
    return kx < kernel ? kx : kernel;
}

/* Writes the same values patch by patch: patch q's values go to
 * dst[q * patch_size + r], in order, which keeps the stores sequential when
 * the output is [patches, patch_size] as the IM2COL op produces it. The
 * valid kx range of a patch is found once, so the copy loop has no bounds
 * checks. */
#define DEFINE_IM2COL_PATCH_MAJOR(NAME, T)                                                         \
    static void NAME(const conv_plan *p, const T *x, int64_t c0, T *dst)                           \
    {                                                                                              \
        const aimrt_window *w = &p->w;                                                             \
        const int64_t kw = w->kernel[1], dx = w->dilations[1];                                     \
        for (int64_t oy = 0; oy < w->out[0]; oy++) {                                               \
            const int64_t iy0 = oy * w->strides[0] - w->pad_begin[0];                              \
            for (int64_t ox = 0; ox < w->out[1]; ox++) {                                           \
                const int64_t ix0 = ox * w->strides[1] - w->pad_begin[1];                          \
                const int64_t kx_lo = first_kx_at_or_past(ix0, dx, kw, 0);                         \
                const int64_t kx_hi = first_kx_at_or_past(ix0, dx, kw, w->in[1]);                  \
                for (int64_t c = c0; c < c0 + p->group_channels; c++) {                            \
                    const T *plane = x + c * w->in[0] * w->in[1];                                  \
                    for (int64_t ky = 0; ky < w->kernel[0]; ky++) {                                \
                        const int64_t iy = iy0 + ky * w->dilations[0];                             \
                        if (iy < 0 || iy >= w->in[0]) {                                            \
                            for (int64_t kx = 0; kx < kw; kx++)                                    \
                                *dst++ = (T)0;                                                     \
                            continue;                                                              \
                        }                                                                          \
                        const T *row = plane + iy * w->in[1] + ix0;                                \
                        int64_t kx = 0;                                                            \
                        for (; kx < kx_lo; kx++)                                                   \
                            *dst++ = (T)0;                                                         \
                        for (; kx < kx_hi; kx++)                                                   \
                            *dst++ = row[kx * dx];                                                 \
                        for (; kx < kw; kx++)                                                      \
                            *dst++ = (T)0;                                                         \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_IM2COL_PATCH_MAJOR(im2col_patch_major_f32, float)
DEFINE_IM2COL_PATCH_MAJOR(im2col_patch_major_f64, double)

static void extract_patches(aimrt_dtype dtype, const conv_plan *p, const void *x, int64_t c0,
                            void *dst, int64_t row_stride, int64_t patch_stride)
{
    if (dtype == AIMRT_DTYPE_FLOAT)
        im2col_f32(p, x, c0, dst, row_stride, patch_stride);
    else
        im2col_f64(p, x, c0, dst, row_stride, patch_stride);
}

/* ---- Conv ---- */

static aimrt_status plan_conv(aimrt_op_call *call, conv_plan *p, int64_t *n_out_channels)
{
    const aimrt_tensor *x = &call->inputs[0], *w = &call->inputs[1];
    const aimrt_tensor *bias = aimrt_kernel_input(call, 2);
    aimrt_status status = aimrt_kernel_check_float(call, w, "w", x);
    if (status == AIMRT_OK && bias)
        status = aimrt_kernel_check_float(call, bias, "bias", x);
    if (status != AIMRT_OK)
        return status;
    if (w->rank != x->rank)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "w has rank %d but x has rank %d",
                                 w->rank, x->rank);

    status = plan_patches(call, x, x->rank >= 3 ? &w->dims[2] : NULL, p);
    if (status != AIMRT_OK)
        return status;
    const int64_t m = w->dims[0];
    for (int i = 0; i < p->w.n_spatial; i++) {
        if (w->dims[2 + i] != p->w.kernel[i])
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "attribute kernel %lld differs from w dim %lld",
                                     (long long)p->w.kernel[i], (long long)w->dims[2 + i]);
    }
    if (w->dims[1] != p->group_channels || m % p->group != 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "w [%lld, %lld, ...] does not fit %lld channels in %lld groups",
                                 (long long)m, (long long)w->dims[1], (long long)p->channels,
                                 (long long)p->group);
    if (bias && (bias->rank != 1 || bias->dims[0] != m))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "bias must have shape [%lld]",
                                 (long long)m);
    *n_out_channels = m;
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_conv_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 3);
    if (status != AIMRT_OK)
        return status;
    conv_plan p;
    int64_t m;
    status = plan_conv(call, &p, &m);
    if (status != AIMRT_OK)
        return status;
    const int64_t dims[4] = {p.n_images, m, p.w.out[0], p.w.out[1]};
    return aimrt_kernel_set_output(call, call->inputs[0].dtype, call->inputs[0].rank, dims);
}

/* A 1x1 convolution with unit strides and no padding reads x as the patch matrix. */
static bool is_pointwise(const conv_plan *p)
{
    const aimrt_window *w = &p->w;
    for (int i = 0; i < 2; i++) {
        if (w->kernel[i] != 1 || w->strides[i] != 1 || w->pad_begin[i] != 0 || w->pad_end[i] != 0)
            return false;
    }
    return true;
}

size_t aimrt_kernel_conv_scratch_size(const aimrt_op_call *call)
{
    /* Infer on a copy without a message buffer: an invalid call needs no scratch. */
    aimrt_op_call copy = *call;
    aimrt_tensor y;
    copy.outputs = &y;
    copy.n_outputs = 1;
    copy.message = NULL;
    copy.message_size = 0;
    conv_plan p;
    int64_t m;
    if (aimrt_kernel_check_arity(&copy, 2, 3) != AIMRT_OK || plan_conv(&copy, &p, &m) != AIMRT_OK)
        return 0;
    if (is_pointwise(&p))
        return 0;
    return (size_t)(p.patch_size * p.n_patches) * aimrt_dtype_size(call->inputs[0].dtype);
}

/* Writes bias[channel] across the n_patches outputs of each channel, or zeros. */
static void fill_bias(aimrt_dtype dtype, const aimrt_tensor *bias, int64_t m, int64_t n_patches,
                      void *y)
{
    for (int64_t c = 0; c < m; c++) {
        for (int64_t q = 0; q < n_patches; q++) {
            if (dtype == AIMRT_DTYPE_FLOAT)
                ((float *)y)[c * n_patches + q] = bias ? ((const float *)bias->data)[c] : 0.0f;
            else
                ((double *)y)[c * n_patches + q] = bias ? ((const double *)bias->data)[c] : 0.0;
        }
    }
}

aimrt_status aimrt_kernel_conv_run(aimrt_op_call *call, void *scratch)
{
    const aimrt_tensor *x = &call->inputs[0], *w = &call->inputs[1];
    aimrt_tensor *y = &call->outputs[0];
    conv_plan p;
    int64_t m;
    aimrt_status status = plan_conv(call, &p, &m);
    if (status != AIMRT_OK)
        return status;
    const bool pointwise = is_pointwise(&p);
    if (!pointwise && !scratch && p.patch_size * p.n_patches > 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "needs %zu scratch bytes but got none",
                                 aimrt_kernel_conv_scratch_size(call));

    const int64_t esize = (int64_t)aimrt_dtype_size(x->dtype);
    const int64_t mg = m / p.group, in_plane = p.w.in[0] * p.w.in[1];
    for (int64_t n = 0; n < p.n_images; n++) {
        const char *image = (const char *)x->data + n * p.channels * in_plane * esize;
        char *out = (char *)y->data + n * m * p.n_patches * esize;
        fill_bias(x->dtype, aimrt_kernel_input(call, 2), m, p.n_patches, out);
        for (int64_t g = 0; g < p.group; g++) {
            const char *cols = image + g * p.group_channels * in_plane * esize;
            if (!pointwise) {
                extract_patches(x->dtype, &p, image, g * p.group_channels, scratch, p.n_patches, 1);
                cols = scratch;
            }
            aimrt_kernel_gemm(x->dtype, mg, p.n_patches, p.patch_size,
                              (const char *)w->data + g * mg * p.patch_size * esize, cols,
                              out + g * mg * p.n_patches * esize);
        }
    }
    return AIMRT_OK;
}

/* ---- IM2COL ---- */

aimrt_status aimrt_kernel_im2col_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    conv_plan p;
    int64_t group_index;
    status = plan_patches(call, &call->inputs[0], NULL, &p);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_GROUP_INDEX, 0, 0, p.group - 1, &group_index);
    if (status != AIMRT_OK)
        return status;
    const int64_t dims[3] = {p.n_images, p.n_patches, p.patch_size};
    return aimrt_kernel_set_output(call, call->inputs[0].dtype, 3, dims);
}

aimrt_status aimrt_kernel_im2col_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    conv_plan p;
    aimrt_status status = plan_patches(call, x, NULL, &p);
    if (status != AIMRT_OK)
        return status;
    const int64_t group_index =
        aimrt_attr_int(call->attrs, call->n_attrs, AIMRT_ATTR_GROUP_INDEX, 0);

    const int64_t esize = (int64_t)aimrt_dtype_size(x->dtype);
    const int64_t in_image = p.channels * p.w.in[0] * p.w.in[1];
    const int64_t out_image = p.n_patches * p.patch_size;
    for (int64_t n = 0; n < p.n_images; n++) {
        const char *image = (const char *)x->data + n * in_image * esize;
        char *patches = (char *)call->outputs[0].data + n * out_image * esize;
        if (x->dtype == AIMRT_DTYPE_FLOAT)
            im2col_patch_major_f32(&p, (const float *)image, group_index * p.group_channels,
                                   (float *)patches);
        else
            im2col_patch_major_f64(&p, (const double *)image, group_index * p.group_channels,
                                   (double *)patches);
    }
    return AIMRT_OK;
}
