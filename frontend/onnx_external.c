/* SPDX-License-Identifier: MIT */
/*
 * External data of ONNX tensors (data_location EXTERNAL): the bytes live in a
 * file beside the model, at a location relative to the model file's folder.
 * A location is checked before any file is opened: no absolute path, no '..'
 * component, and after resolving symbolic links it must stay in the folder.
 */
/* realpath is an XSI extension of POSIX. */
#define _XOPEN_SOURCE 700

#include "frontend/onnx_frontend.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The keys of TensorProto.external_data that aimcc reads. */
typedef struct external_ref {
    const char *location;
    int64_t offset;
    int64_t length;     /* -1 when absent */
} external_ref;

/* Parses a decimal, non-negative int64 with nothing around it. */
static bool parse_size(const char *text, int64_t *out)
{
    if (!text || !text[0])
        return false;
    int64_t value = 0;
    for (const char *c = text; *c; c++) {
        if (!isdigit((unsigned char)*c) || value > (INT64_MAX - (*c - '0')) / 10)
            return false;
        value = value * 10 + (*c - '0');
    }
    *out = value;
    return true;
}

/* Returns true for a relative location without any '..' component. Both
 * separators count, so a Windows-style "..\\x" is rejected too. */
static bool location_is_confined(const char *location)
{
    if (!location[0] || location[0] == '/' || location[0] == '\\')
        return false;
    if (isalpha((unsigned char)location[0]) && location[1] == ':')
        return false;
    const char *component = location;
    for (const char *c = location;; c++) {
        if (*c == '/' || *c == '\\' || *c == '\0') {
            if (c - component == 2 && component[0] == '.' && component[1] == '.')
                return false;
            if (*c == '\0')
                return true;
            component = c + 1;
        }
    }
}

static aimcc_status parse_ref(onnx_import *import, const Onnx__TensorProto *tensor,
                              const char *name, external_ref *ref)
{
    *ref = (external_ref){.length = -1};
    for (size_t i = 0; i < tensor->n_external_data; i++) {
        const Onnx__StringStringEntryProto *entry = tensor->external_data[i];
        if (!entry->key)
            continue;
        int64_t *number = !strcmp(entry->key, "offset")   ? &ref->offset
                          : !strcmp(entry->key, "length") ? &ref->length
                                                          : NULL;
        if (!strcmp(entry->key, "location"))
            ref->location = entry->value;
        else if (number && !parse_size(entry->value, number))
            return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                              "tensor '%s' has external_data %s '%s', which is not a "
                              "non-negative integer; re-export the model",
                              name, entry->key, entry->value ? entry->value : "");
    }
    if (!ref->location || !ref->location[0])
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "tensor '%s' has data_location EXTERNAL but no external_data "
                          "location; re-export the model",
                          name);
    if (!location_is_confined(ref->location))
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "external data location '%s' for tensor '%s' is outside the model "
                          "folder (absolute paths and '..' components are not allowed); put "
                          "the file in the model's folder and give a relative location",
                          ref->location, name);
    return AIMCC_OK;
}

/* Resolves the location and checks, through symbolic links, that it stays in
 * the model folder. On success *resolved is malloc'ed (caller frees). */
static aimcc_status resolve_location(onnx_import *import, const char *name, const char *location,
                                     char **resolved)
{
    *resolved = NULL;
    const char *folder = import->model_dir ? import->model_dir : ".";
    char *joined = aimcc_arena_printf(import->arena, "%s/%s", folder, location);
    char *folder_real = realpath(folder, NULL);
    char *file_real = joined && folder_real ? realpath(joined, NULL) : NULL;
    aimcc_status status = AIMCC_OK;
    if (!file_real) {
        status = aimcc_fail(import->ctx, AIMCC_ERR_IO, NULL, NULL,
                            "external data file '%s' of tensor '%s' not found in %s: %s; copy "
                            "it next to the model",
                            location, name, folder, strerror(errno));
        goto cleanup;
    }
    const size_t n = strlen(folder_real);
    const bool inside = strncmp(file_real, folder_real, n) == 0 &&
                        (file_real[n] == '/' || (n == 1 && folder_real[0] == '/'));
    if (!inside) {
        status = aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                            "external data location '%s' for tensor '%s' resolves to %s, "
                            "outside the model folder (through a symbolic link); copy the data "
                            "into the model's folder",
                            location, name, file_real);
        free(file_real);
        goto cleanup;
    }
    *resolved = file_real;

cleanup:
    free(folder_real);
    return status;
}

/* Reads length bytes at offset from an open file, after checking they fit. */
static aimcc_status read_range(onnx_import *import, const char *name, const char *location,
                               int fd, const external_ref *ref, size_t n_bytes, void **out)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return aimcc_fail(import->ctx, AIMCC_ERR_IO, NULL, NULL,
                          "external data '%s' of tensor '%s' is not a regular file", location,
                          name);
    const uint64_t file_size = (uint64_t)st.st_size;
    if ((uint64_t)ref->offset > file_size || n_bytes > file_size - (uint64_t)ref->offset)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "external data of tensor '%s' (offset %lld, %zu bytes) runs past the "
                          "end of '%s' (%llu bytes); re-export the model",
                          name, (long long)ref->offset, n_bytes, location,
                          (unsigned long long)file_size);

    uint8_t *data = aimcc_arena_alloc(import->arena, n_bytes + 1);
    if (!data)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory reading %zu bytes of tensor '%s'", n_bytes, name);
    size_t done = 0;
    while (done < n_bytes) {
        const ssize_t got = pread(fd, data + done, n_bytes - done, (off_t)ref->offset + (off_t)done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return aimcc_fail(import->ctx, AIMCC_ERR_IO, NULL, NULL,
                              "cannot read external data '%s' of tensor '%s': %s", location,
                              name, got < 0 ? strerror(errno) : "file shrank while reading");
        done += (size_t)got;
    }
    *out = data;
    return AIMCC_OK;
}

aimcc_status onnx_external_read(onnx_import *import, const Onnx__TensorProto *tensor,
                                const char *tensor_name, size_t n_bytes, void **data)
{
    external_ref ref;
    aimcc_status status = parse_ref(import, tensor, tensor_name, &ref);
    if (status != AIMCC_OK)
        return status;
    if (ref.length >= 0 && (uint64_t)ref.length != n_bytes)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "external data of tensor '%s' has length %lld but its dtype and shape "
                          "need %zu bytes; re-export the model",
                          tensor_name, (long long)ref.length, n_bytes);
    status = onnx_limit_add_external(import, tensor_name, n_bytes);
    if (status != AIMCC_OK)
        return status;

    char *resolved = NULL;
    status = resolve_location(import, tensor_name, ref.location, &resolved);
    if (status != AIMCC_OK)
        return status;
    /* O_NOFOLLOW: the resolved path has no links left, so one appearing now is a swap. */
    const int fd = open(resolved, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        status = aimcc_fail(import->ctx, AIMCC_ERR_IO, NULL, NULL,
                            "cannot open external data '%s' of tensor '%s': %s", ref.location,
                            tensor_name, strerror(errno));
    } else {
        status = read_range(import, tensor_name, ref.location, fd, &ref, n_bytes, data);
        close(fd);
    }
    free(resolved);
    return status;
}
