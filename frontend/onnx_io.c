/* SPDX-License-Identifier: MIT */
/*
 * File access of the ONNX frontend: reading whole model files, and reading
 * and writing tensors as serialized TensorProto (.pb) files, the format of
 * the ONNX test data and of the --const option.
 */
#include "frontend/onnx_frontend.h"
#include "ir/temp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

aimcc_status onnx_file_read(aimcc_ctx *ctx, const char *path, const char *what, uint8_t **data,
                            size_t *size)
{
    *data = NULL;
    *size = 0;
    /* The import makes the model the context's file, which the message line
     * names first, so only other files are named again here. */
    char subject[600];
    if (strcmp(what, "model") == 0)
        snprintf(subject, sizeof subject, "the model file");
    else
        snprintf(subject, sizeof subject, "%s file %s", what, path);

    const int fd = open(path, O_RDONLY);
    if (fd < 0)
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot open %s: %s", subject,
                          strerror(errno));

    aimcc_status status = AIMCC_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "%s is not a regular file", subject);
        goto cleanup;
    }
    if ((uint64_t)st.st_size > ONNX_MAX_FILE_BYTES) {
        status = aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                            "%s is %lld bytes, more than the 2 GiB limit of a protobuf "
                            "message; store large tensors as external data",
                            subject, (long long)st.st_size);
        goto cleanup;
    }

    const size_t n_bytes = (size_t)st.st_size;
    uint8_t *buffer = malloc(n_bytes ? n_bytes : 1);
    if (!buffer) {
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %zu bytes of %s",
                            n_bytes, subject);
        goto cleanup;
    }
    size_t done = 0;
    while (done < n_bytes) {
        const ssize_t got = read(fd, buffer + done, n_bytes - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            free(buffer);
            status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot read %s: %s", subject,
                                got < 0 ? strerror(errno) : "the file shrank while reading");
            goto cleanup;
        }
        done += (size_t)got;
    }
    *data = buffer;
    *size = n_bytes;

cleanup:
    close(fd);
    return status;
}

const char *onnx_path_folder(aimcc_arena *arena, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return aimcc_arena_strdup(arena, ".");
    if (slash == path)
        return aimcc_arena_strdup(arena, "/");
    char *folder = aimcc_arena_memdup(arena, path, (size_t)(slash - path) + 1);
    if (folder)
        folder[slash - path] = '\0';
    return folder;
}

/* Reads a TensorProto file under the limits and counts of parent (NULL: the
 * default limits, which no option raises). */
static aimcc_status read_tensor_file(aimcc_ctx *ctx, aimcc_arena *arena, onnx_import *parent,
                                     const char *path, const char **name, aimrt_tensor *out)
{
    uint8_t *bytes = NULL;
    size_t n_bytes = 0;
    Onnx__TensorProto *proto = NULL;
    aimcc_status status = onnx_file_read(ctx, path, "tensor", &bytes, &n_bytes);
    if (status != AIMCC_OK)
        return status;

    const bool is_npy = n_bytes >= 6 && memcmp(bytes, "\x93NUMPY", 6) == 0;
    if (!is_npy && onnx_wire_check(bytes, n_bytes, &onnx__tensor_proto__descriptor))
        proto = onnx__tensor_proto__unpack(NULL, n_bytes, bytes);
    free(bytes);
    /* Only --const reads tensors with a parent import, and it takes .pb files only. */
    if (is_npy)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s is a numpy .npy file, but %s; write one with "
                          "onnx.numpy_helper.from_array(array).SerializeToString()",
                          path,
                          parent ? "--const takes an ONNX TensorProto (.pb) file"
                                 : "an ONNX TensorProto (.pb) file is expected");
    if (!proto)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "%s is not a valid TensorProto (truncated or corrupt protobuf); "
                          "write it again with onnx.numpy_helper.from_array",
                          path);

    /* External data of a .pb file resolves against the .pb file's folder. */
    onnx_import import = {
        .ctx = ctx,
        .arena = arena,
        .file = path,
        .model_dir = onnx_path_folder(arena, path),
        .limits = onnx_limits_resolve(parent ? &parent->limits : NULL),
    };
    if (parent) {
        import.limits_settable = parent->limits_settable;
        import.n_constant_bytes = parent->n_constant_bytes;
        import.n_external_bytes = parent->n_external_bytes;
    }
    if (import.model_dir)
        status = onnx_tensor_decode(&import, proto, NULL, out);
    else
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %s", path);
    if (parent) {
        parent->n_constant_bytes = import.n_constant_bytes;
        parent->n_external_bytes = import.n_external_bytes;
    }
    if (status == AIMCC_OK && name) {
        *name = aimcc_arena_strdup(arena, proto->name ? proto->name : "");
        if (!*name)
            status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %s", path);
    }
    onnx__tensor_proto__free_unpacked(proto, NULL);
    return status;
}

aimcc_status aimcc_onnx_read_tensor(aimcc_ctx *ctx, aimcc_arena *arena, const char *path,
                                    const char **name, aimrt_tensor *out)
{
    return read_tensor_file(ctx, arena, NULL, path, name, out);
}

aimcc_status onnx_tensor_file_read(onnx_import *import, const char *path, const char **name,
                                   aimrt_tensor *out)
{
    return read_tensor_file(import->ctx, import->arena, import, path, name, out);
}

/* Writes all bytes to a fresh temporary file beside path, then renames it over path. */
static aimcc_status write_atomically(aimcc_ctx *ctx, const char *path, const uint8_t *data,
                                     size_t size)
{
    const size_t path_length = strlen(path);
    char *temp_path = malloc(path_length + sizeof ".tmpXXXXXX");
    if (!temp_path)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory writing %s", path);
    memcpy(temp_path, path, path_length);
    memcpy(temp_path + path_length, ".tmpXXXXXX", sizeof ".tmpXXXXXX");

    aimcc_status status = AIMCC_OK;
    const int fd = aimcc_temp_file_create(temp_path);
    if (fd < 0) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot create %s: %s", temp_path,
                            strerror(errno));
        goto cleanup;
    }
    size_t done = 0;
    while (done < size) {
        const ssize_t wrote = write(fd, data + done, size - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            break;
        done += (size_t)wrote;
    }
    const bool written = done == size && fsync(fd) == 0;
    const int saved_errno = errno;
    if (close(fd) != 0 || !written || rename(temp_path, path) != 0) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot write %s: %s", path,
                            strerror(written ? errno : saved_errno));
        unlink(temp_path);
    }

cleanup:
    free(temp_path);
    return status;
}

aimcc_status aimcc_onnx_write_tensor(aimcc_ctx *ctx, const char *path, const char *name,
                                     const aimrt_tensor *tensor)
{
    const size_t elem_size = aimrt_dtype_size(tensor->dtype);
    int64_t count = 0;
    if (elem_size == 0 || !aimrt_shape_count(tensor->rank, tensor->dims, elem_size, &count) ||
        (count > 0 && !tensor->data))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, name, NULL,
                          "cannot write tensor to %s: invalid dtype %d or shape of rank %d", path,
                          (int)tensor->dtype, tensor->rank);

    /* raw_data is little-endian, which is the byte order of every host aimcc builds for. */
    Onnx__TensorProto proto = ONNX__TENSOR_PROTO__INIT;
    int64_t dims[AIMRT_MAX_RANK];
    for (int i = 0; i < tensor->rank; i++)
        dims[i] = tensor->dims[i];
    proto.n_dims = (size_t)tensor->rank;
    proto.dims = dims;
    proto.has_data_type = 1;
    proto.data_type = (int32_t)tensor->dtype;
    proto.name = (char *)(name ? name : "");
    proto.has_raw_data = 1;
    proto.raw_data.len = (size_t)count * elem_size;
    proto.raw_data.data = tensor->data;

    const size_t size = onnx__tensor_proto__get_packed_size(&proto);
    uint8_t *buffer = malloc(size ? size : 1);
    if (!buffer)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory writing %s", path);
    onnx__tensor_proto__pack(&proto, buffer);
    const aimcc_status status = write_atomically(ctx, path, buffer, size);
    free(buffer);
    return status;
}
