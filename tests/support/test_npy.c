/* SPDX-License-Identifier: MIT */
/*
 * A reader of numpy .npy files for the conformance tests (declared in test_pipeline.h):
 * format versions 1 to 3, C order, little-endian numeric dtypes. The tests use it for the
 * data sets that hold their inputs and labels.
 */
#include "test_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *descr;
    aimrt_dtype dtype;
} npy_dtypes[] = {
    {"<f4", AIMRT_DTYPE_FLOAT},  {"<f2", AIMRT_DTYPE_FLOAT16}, {"<f8", AIMRT_DTYPE_DOUBLE},
    {"|u1", AIMRT_DTYPE_UINT8},  {"|i1", AIMRT_DTYPE_INT8},    {"<u2", AIMRT_DTYPE_UINT16},
    {"<i2", AIMRT_DTYPE_INT16},  {"<i4", AIMRT_DTYPE_INT32},   {"<i8", AIMRT_DTYPE_INT64},
    {"<u4", AIMRT_DTYPE_UINT32}, {"<u8", AIMRT_DTYPE_UINT64},  {"|b1", AIMRT_DTYPE_BOOL},
};

/* Returns the text after "'key':" in the header dictionary, or NULL. */
static const char *find_key(const char *header, const char *key)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", key);
    const char *at = strstr(header, quoted);
    if (at == NULL)
        return NULL;
    at = strchr(at + strlen(quoted), ':');
    if (at == NULL)
        return NULL;
    at++;
    while (*at == ' ')
        at++;
    return at;
}

/* Parses the header dictionary into dtype and shape. */
static bool parse_header(const char *header, aimrt_dtype *dtype, int *rank, int64_t *dims)
{
    const char *descr = find_key(header, "descr");
    const char *order = find_key(header, "fortran_order");
    const char *shape = find_key(header, "shape");
    if (descr == NULL || order == NULL || shape == NULL || strncmp(order, "False", 5) != 0)
        return false;
    *dtype = AIMRT_DTYPE_UNDEFINED;
    for (size_t i = 0; i < sizeof npy_dtypes / sizeof npy_dtypes[0]; i++)
        if (strncmp(descr + 1, npy_dtypes[i].descr, 3) == 0 && descr[4] == descr[0])
            *dtype = npy_dtypes[i].dtype;
    if (*dtype == AIMRT_DTYPE_UNDEFINED || *shape != '(')
        return false;

    *rank = 0;
    const char *at = shape + 1;
    for (;;) {
        while (*at == ' ' || *at == ',')
            at++;
        if (*at == ')')
            return true;
        char *end = NULL;
        const long long dim = strtoll(at, &end, 10);
        if (end == at || dim < 0 || *rank == AIMRT_MAX_RANK)
            return false;
        dims[(*rank)++] = dim;
        at = end;
    }
}

/* Reads the magic, the version and the header dictionary into header (NUL-terminated). */
static bool read_header(FILE *file, char *header, size_t size)
{
    unsigned char preamble[8];
    if (fread(preamble, 1, 8, file) != 8 || memcmp(preamble, "\x93NUMPY", 6) != 0)
        return false;
    size_t length;
    if (preamble[6] == 1) {
        unsigned char bytes[2];
        if (fread(bytes, 1, 2, file) != 2)
            return false;
        length = bytes[0] | (size_t)bytes[1] << 8;
    } else if (preamble[6] == 2 || preamble[6] == 3) {
        unsigned char bytes[4];
        if (fread(bytes, 1, 4, file) != 4)
            return false;
        length = bytes[0] | (size_t)bytes[1] << 8 | (size_t)bytes[2] << 16 | (size_t)bytes[3] << 24;
    } else {
        return false;
    }
    if (length >= size || fread(header, 1, length, file) != length)
        return false;
    header[length] = '\0';
    return true;
}

aimcc_status test_tensor_read_npy(const char *path, test_tensor *out, char *message, size_t size)
{
    memset(out, 0, sizeof *out);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(message, size, "%s: cannot open the file", path);
        return AIMCC_ERR_IO;
    }
    aimcc_status status = AIMCC_ERR_INVALID_MODEL;
    char header[4096];
    aimrt_dtype dtype;
    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    if (!read_header(file, header, sizeof header) || !parse_header(header, &dtype, &rank, dims)) {
        snprintf(message, size, "%s: not a C-order little-endian numeric .npy file", path);
        goto cleanup;
    }
    int64_t count;
    if (!aimrt_shape_count(rank, dims, aimrt_dtype_size(dtype), &count)) {
        snprintf(message, size, "%s: shape too large", path);
        goto cleanup;
    }
    if (!test_tensor_alloc(out, "", dtype, rank, dims)) {
        status = AIMCC_ERR_NOMEM;
        snprintf(message, size, "%s: out of memory for %lld elements", path, (long long)count);
        goto cleanup;
    }
    const size_t bytes = (size_t)count * aimrt_dtype_size(dtype);
    if (fread(out->tensor.data, 1, bytes, file) != bytes) {
        status = AIMCC_ERR_IO;
        snprintf(message, size, "%s: file shorter than its %zu bytes of data", path, bytes);
        test_tensor_free(out);
        goto cleanup;
    }
    status = AIMCC_OK;

cleanup:
    fclose(file);
    return status;
}
