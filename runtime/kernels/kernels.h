/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the digital kernels: the per-family infer and run
 * functions that kernels/dispatch.c selects by op code, and the helpers they
 * share for messages, attribute reading and shape checks.
 */
#ifndef AIMRT_KERNELS_H
#define AIMRT_KERNELS_H

#include "aimrt/ops.h"

#include <stdbool.h>

/* Writes "op: reason" into call->message (when it has a buffer) and returns status. */
aimrt_status aimrt_kernel_fail(aimrt_op_call *call, aimrt_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks that the call has between min_inputs and max_inputs inputs and one
 * output, and that every input up to min_inputs is present. */
aimrt_status aimrt_kernel_check_arity(aimrt_op_call *call, int min_inputs, int max_inputs);

/* Returns input i, or NULL when it is absent (beyond n_inputs or dtype undefined). */
const aimrt_tensor *aimrt_kernel_input(const aimrt_op_call *call, int i);

/* Reads an int list attribute. Absent: *values = NULL, *n = 0 and AIMRT_OK.
 * Returns AIMRT_ERR_INVALID_ARG when it contains floats or more than max_n values. */
aimrt_status aimrt_kernel_ints(aimrt_op_call *call, aimrt_attr_key key, int max_n,
                               const int64_t **values, int *n);

/* Reads an int scalar attribute into *value (fallback when absent), checked
 * to lie in [lo, hi]. */
aimrt_status aimrt_kernel_int(aimrt_op_call *call, aimrt_attr_key key, int64_t fallback, int64_t lo,
                              int64_t hi, int64_t *value);

/* Normalizes an axis in [-rank, rank) to [0, rank) into *axis. */
aimrt_status aimrt_kernel_axis(aimrt_op_call *call, int64_t axis, int rank, int *out);

/* Sets output 0 to dtype and shape after checking its element count. */
aimrt_status aimrt_kernel_set_output(aimrt_op_call *call, aimrt_dtype dtype, int rank,
                                     const int64_t *dims);

/* Returns true for FLOAT and DOUBLE, the dtypes of the float kernels. */
bool aimrt_kernel_is_float(aimrt_dtype dtype);

/* Returns the element count of a tensor whose shape infer has checked. */
int64_t aimrt_kernel_count(const aimrt_tensor *tensor);

/* Checks that a tensor's dtype is FLOAT or DOUBLE and, when other is not
 * NULL, equals other's dtype; names the tensor in the message. */
aimrt_status aimrt_kernel_check_float(aimrt_op_call *call, const aimrt_tensor *tensor,
                                      const char *name, const aimrt_tensor *other);

/* Stores value converted to dtype at data (as Cast converts a double). */
void aimrt_kernel_store_double(aimrt_dtype dtype, double value, void *data);

/* Adds the row-major product a[m x k] * b[k x n] to y[m x n] (f32 or f64) with BLAS. */
void aimrt_kernel_gemm(aimrt_dtype dtype, int64_t m, int64_t n, int64_t k, const void *a,
                       const void *b, void *y);

/* Window geometry shared by pooling, convolution and im2col: 1 or 2 spatial
 * dims, the second of a 1-D window being a unit dim. */
typedef struct aimrt_window {
    int n_spatial;
    int64_t in[2];
    int64_t kernel[2];
    int64_t strides[2];
    int64_t pad_begin[2];
    int64_t pad_end[2];
    int64_t dilations[2];
    int64_t out[2];
    bool ceil_mode;
} aimrt_window;

/* Reads kernel, strides, pads, dilations and ceil_mode for an input x
 * [N, C, spatial...] and computes the output size. Without a kernel attribute
 * the kernel comes from kernel_from_weight, and the call fails if that is NULL. */
aimrt_status aimrt_kernel_window(aimrt_op_call *call, const aimrt_tensor *x,
                                 const int64_t *kernel_from_weight, aimrt_window *window);

/* Family entry points, selected by kernels/dispatch.c. */
aimrt_status aimrt_kernel_identity_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_identity_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_unary_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_unary_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_binary_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_binary_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_softmax_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_softmax_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_pool_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_pool_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_reduce_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_reduce_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_reshape_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_transpose_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_transpose_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_concat_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_concat_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_slice_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_slice_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_gather_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_gather_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_pad_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_pad_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_cast_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_cast_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_quantize_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_quantize_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_dequantize_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_dequantize_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_matmul_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_matmul_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_gemm_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_gemm_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_linear_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_linear_run(aimrt_op_call *call, void *scratch);
size_t aimrt_kernel_linear_scratch_size(const aimrt_op_call *call);
aimrt_status aimrt_kernel_quantized_linear_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_quantized_linear_run(aimrt_op_call *call, void *scratch);
size_t aimrt_kernel_quantized_linear_scratch_size(const aimrt_op_call *call);
aimrt_status aimrt_kernel_conv_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_conv_run(aimrt_op_call *call, void *scratch);
size_t aimrt_kernel_conv_scratch_size(const aimrt_op_call *call);
aimrt_status aimrt_kernel_im2col_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_im2col_run(aimrt_op_call *call);
aimrt_status aimrt_kernel_batch_norm_infer(aimrt_op_call *call);
aimrt_status aimrt_kernel_batch_norm_run(aimrt_op_call *call);

#endif
