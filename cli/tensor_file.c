/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing tensor files in either format the command accepts.
 * TensorProto files go through the ONNX frontend, .npy files through npy.c.
 */
#include "tensor_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_import.h"
#include "npy.h"

/* Returns true when the file starts with the .npy magic. */
static bool is_npy_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return false;
    unsigned char magic[6] = {0};
    const size_t n = fread(magic, 1, sizeof magic, file);
    fclose(file);
    return n == sizeof magic && memcmp(magic, "\x93NUMPY", sizeof magic) == 0;
}

aimcc_status cli_tensor_read(aimcc_ctx *ctx, aimcc_arena *arena, const char *path,
                             const char **name, aimrt_tensor *out)
{
    if (!is_npy_file(path)) {
        /* The frontend's messages name the file themselves. */
        aimcc_ctx_set_file(ctx, NULL);
        return aimcc_onnx_read_tensor(ctx, arena, path, name, out);
    }

    aimrt_tensor tensor;
    aimcc_status status = cli_npy_read(ctx, path, &tensor);
    if (status != AIMCC_OK)
        return status;
    int64_t count = 0;
    aimrt_shape_count(tensor.rank, tensor.dims, 0, &count);
    const size_t bytes = (size_t)count * aimrt_dtype_size(tensor.dtype);
    *out = tensor;
    out->data = aimcc_arena_memdup(arena, tensor.data, bytes ? bytes : 1);
    free(tensor.data);
    *name = "";
    if (!out->data)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory for %zu bytes", bytes);
    return AIMCC_OK;
}

aimcc_status cli_tensor_write(aimcc_ctx *ctx, const char *path, const char *name,
                              const aimrt_tensor *tensor, cli_tensor_format format)
{
    if (format == CLI_TENSOR_NPY)
        return cli_npy_write(ctx, path, tensor);
    aimcc_ctx_set_file(ctx, NULL);
    return aimcc_onnx_write_tensor(ctx, path, name, tensor);
}

void cli_format_shape(aimrt_dtype dtype, int rank, const int64_t *dims, char *buf, size_t size)
{
    const char *dtype_name = aimrt_dtype_name(dtype);
    size_t used = (size_t)snprintf(buf, size, "%s[", dtype_name ? dtype_name : "?");
    for (int i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "",
                                 (long long)dims[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}
