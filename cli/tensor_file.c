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

/* Opens path to tell .npy files (by their magic bytes) from TensorProto files.
 * A file that cannot be opened is an error that names the option which gave it. */
static aimcc_status detect_npy(aimcc_ctx *ctx, const char *option, const char *path, bool *npy)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        const int error = errno;
        char what[64];
        if (option)
            snprintf(what, sizeof what, "the %s file", option);
        else
            snprintf(what, sizeof what, "the tensor file");
        aimcc_ctx_set_file(ctx, path);
        if (error == ENOENT)
            return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "%s was not found; check the path",
                              what);
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot open %s: %s", what,
                          strerror(error));
    }
    unsigned char magic[6] = {0};
    const size_t n = fread(magic, 1, sizeof magic, file);
    fclose(file);
    *npy = n == sizeof magic && memcmp(magic, "\x93NUMPY", sizeof magic) == 0;
    return AIMCC_OK;
}

aimcc_status cli_tensor_read(aimcc_ctx *ctx, aimcc_arena *arena, const char *option,
                             const char *path, const char **name, aimrt_tensor *out)
{
    bool npy = false;
    aimcc_status status = detect_npy(ctx, option, path, &npy);
    if (status != AIMCC_OK)
        return status;
    if (!npy) {
        /* The frontend's messages name the file themselves. */
        aimcc_ctx_set_file(ctx, NULL);
        return aimcc_onnx_read_tensor(ctx, arena, path, name, out);
    }

    aimrt_tensor tensor;
    status = cli_npy_read(ctx, path, &tensor);
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

/* Copies the sizes of dims other than 1 into kept; returns their count. */
static int drop_unit_axes(int rank, const int64_t *dims, int64_t *kept)
{
    int n = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] != 1)
            kept[n++] = dims[d];
    }
    return n;
}

bool cli_sample_shape_fits(int rank, const int64_t *dims, int input_rank,
                           const int64_t *input_dims)
{
    int64_t kept[AIMRT_MAX_RANK], input_kept[AIMRT_MAX_RANK];
    const int n = drop_unit_axes(rank, dims, kept);
    const int input_n = drop_unit_axes(input_rank, input_dims, input_kept);
    /* Reading a flat sample as the input, or any sample as a flat input, is a
     * plain C-order flattening. */
    if (n <= 1 || input_n <= 1)
        return true;
    return n == input_n && memcmp(kept, input_kept, (size_t)n * sizeof *kept) == 0;
}

void cli_warn_sample_layout(const char *path, const aimrt_tensor *x, const char *input_name,
                            aimrt_dtype input_dtype, int input_rank, const int64_t *input_dims)
{
    /* Other element counts are an error that the caller reports. */
    int64_t count = 0, input_count = 0;
    if (x->rank < 1 || !aimrt_shape_count(x->rank - 1, x->dims + 1, 0, &count) ||
        !aimrt_shape_count(input_rank, input_dims, 0, &input_count) || count != input_count)
        return;
    if (cli_sample_shape_fits(x->rank - 1, x->dims + 1, input_rank, input_dims))
        return;
    char have[256], want[256];
    cli_format_shape(x->dtype, x->rank - 1, x->dims + 1, have, sizeof have);
    cli_format_shape(input_dtype, input_rank, input_dims, want, sizeof want);
    AIMCC_LOG(AIMCC_LOG_WARN, NULL, NULL,
              "%s: a sample has shape %s but graph input \"%s\" takes %s per sample; the values "
              "are read in C order as %s, not transposed, so check the layout (NHWC or NCHW) and "
              "reshape or transpose the array to match",
              path, have, input_name, want, want);
}
