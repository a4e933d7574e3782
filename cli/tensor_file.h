/* SPDX-License-Identifier: MIT */
/*
 * Tensor files of the aimcc command: ONNX TensorProto (.pb) and numpy
 * (.npy), read into an arena and written atomically.
 */
#ifndef AIMCC_CLI_TENSOR_FILE_H
#define AIMCC_CLI_TENSOR_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aimcc/aimcc.h"
#include "aimrt/tensor.h"
#include "ir/arena.h"

typedef enum cli_tensor_format {
    CLI_TENSOR_PB = 0,
    CLI_TENSOR_NPY = 1,
} cli_tensor_format;

/* Reads a tensor file. A file that starts with the .npy magic bytes is read as
 * .npy, any other as a TensorProto. *name is the TensorProto's name ("" for .npy
 * files and unnamed tensors). Data and name live in arena. Errors name the file,
 * and a file that is missing or cannot be opened also names option (such as
 * "--calib"; NULL for a file given without an option). */
aimcc_status cli_tensor_read(aimcc_ctx *ctx, aimcc_arena *arena, const char *option,
                             const char *path, const char **name, aimrt_tensor *out);

/* Returns true when a sample of shape dims (rank axes) can be read as one of
 * input_dims without a layout question. That is when either is flat (at most
 * one axis above size 1, such as [784] or [1,784]), or when both agree once
 * their size-1 axes are dropped ([28,28,1] for [1,28,28]). The caller checks
 * the element counts. */
bool cli_sample_shape_fits(int rank, const int64_t *dims, int input_rank,
                           const int64_t *input_dims);

/* Warns, naming path and both shapes, when the samples of x (first axis =
 * samples) do not fit one sample of the graph input by cli_sample_shape_fits:
 * the values are then read in C order as the input's shape, which is usually
 * a layout mistake such as NHWC data for an NCHW model. Prints nothing when the
 * element counts differ, which the caller reports as an error. */
void cli_warn_sample_layout(const char *path, const aimrt_tensor *x, const char *input_name,
                            aimrt_dtype input_dtype, int input_rank, const int64_t *input_dims);

/* Writes a tensor atomically in the format; name is stored in .pb files only. */
aimcc_status cli_tensor_write(aimcc_ctx *ctx, const char *path, const char *name,
                              const aimrt_tensor *tensor, cli_tensor_format format);

/* Formats dtype and shape as "f32[1,1,28,28]" into buf. */
void cli_format_shape(aimrt_dtype dtype, int rank, const int64_t *dims, char *buf, size_t size);

#endif
