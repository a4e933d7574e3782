/* SPDX-License-Identifier: MIT */
/*
 * Tensor files of the aimcc command: ONNX TensorProto (.pb) and numpy
 * (.npy), read into an arena and written atomically.
 */
#ifndef AIMCC_CLI_TENSOR_FILE_H
#define AIMCC_CLI_TENSOR_FILE_H

#include <stddef.h>

#include "aimcc/aimcc.h"
#include "aimrt/tensor.h"
#include "ir/arena.h"

typedef enum cli_tensor_format {
    CLI_TENSOR_PB = 0,
    CLI_TENSOR_NPY = 1,
} cli_tensor_format;

/* Reads a tensor file. A file that starts with the .npy magic bytes is read as
 * .npy, any other as a TensorProto. *name is the TensorProto's name ("" for .npy
 * files and unnamed tensors). Data and name live in arena. Errors name the file. */
aimcc_status cli_tensor_read(aimcc_ctx *ctx, aimcc_arena *arena, const char *path,
                             const char **name, aimrt_tensor *out);

/* Writes a tensor atomically in the format; name is stored in .pb files only. */
aimcc_status cli_tensor_write(aimcc_ctx *ctx, const char *path, const char *name,
                              const aimrt_tensor *tensor, cli_tensor_format format);

/* Formats dtype and shape as "f32[1,1,28,28]" into buf. */
void cli_format_shape(aimrt_dtype dtype, int rank, const int64_t *dims, char *buf, size_t size);

#endif
