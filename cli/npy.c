/* SPDX-License-Identifier: MIT */
/*
 * numpy .npy files. A file is the magic "\x93NUMPY", a major and minor version
 * byte, the header length (u16 little-endian in version 1, u32 in versions 2
 * and 3), then a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded with
 * spaces and ending in a newline, then the raw data. The format is described in
 * numpy's numpy/lib/format.py. This reader parses the dict itself, with bounds
 * checks on every byte, rather than trusting its layout.
 */
#include "npy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* numpy's type codes (without the byte-order character) for the dtypes aimcc uses. */
static const struct {
    const char *code;
    aimrt_dtype dtype;
} npy_types[] = {
    {"f4", AIMRT_DTYPE_FLOAT},  {"f8", AIMRT_DTYPE_DOUBLE}, {"f2", AIMRT_DTYPE_FLOAT16},
    {"u1", AIMRT_DTYPE_UINT8},  {"i1", AIMRT_DTYPE_INT8},   {"b1", AIMRT_DTYPE_BOOL},
    {"i2", AIMRT_DTYPE_INT16},  {"u2", AIMRT_DTYPE_UINT16}, {"i4", AIMRT_DTYPE_INT32},
    {"u4", AIMRT_DTYPE_UINT32}, {"i8", AIMRT_DTYPE_INT64},  {"u8", AIMRT_DTYPE_UINT64},
};

#define N_NPY_TYPES (sizeof npy_types / sizeof npy_types[0])

/* A cursor over the header text [at, end). */
typedef struct header_cursor {
    const char *at;
    const char *end;
} header_cursor;

static void skip_space(header_cursor *cursor)
{
    while (cursor->at < cursor->end &&
           (*cursor->at == ' ' || *cursor->at == '\t' || *cursor->at == '\n' ||
            *cursor->at == '\r'))
        cursor->at++;
}

/* Consumes c after optional white space; returns false when it is not there. */
static bool accept(header_cursor *cursor, char c)
{
    skip_space(cursor);
    if (cursor->at < cursor->end && *cursor->at == c) {
        cursor->at++;
        return true;
    }
    return false;
}

/* Reads a quoted string ('...' or "...") of fewer than size bytes into buf. */
static bool read_string(header_cursor *cursor, char *buf, size_t size)
{
    skip_space(cursor);
    if (cursor->at >= cursor->end || (*cursor->at != '\'' && *cursor->at != '"'))
        return false;
    const char quote = *cursor->at++;
    size_t length = 0;
    while (cursor->at < cursor->end && *cursor->at != quote) {
        if (length + 1 >= size)
            return false;
        buf[length++] = *cursor->at++;
    }
    if (cursor->at >= cursor->end)
        return false;
    cursor->at++;
    buf[length] = '\0';
    return true;
}

/* Reads the literal True or False. */
static bool read_bool(header_cursor *cursor, bool *out)
{
    skip_space(cursor);
    const size_t left = (size_t)(cursor->end - cursor->at);
    if (left >= 4 && memcmp(cursor->at, "True", 4) == 0) {
        cursor->at += 4;
        *out = true;
        return true;
    }
    if (left >= 5 && memcmp(cursor->at, "False", 5) == 0) {
        cursor->at += 5;
        *out = false;
        return true;
    }
    return false;
}

/* Reads a non-negative decimal integer that fits int64 (Python 2 numpy's "L" suffix allowed). */
static bool read_dim(header_cursor *cursor, int64_t *out)
{
    skip_space(cursor);
    int64_t value = 0;
    const char *start = cursor->at;
    while (cursor->at < cursor->end && *cursor->at >= '0' && *cursor->at <= '9') {
        const int digit = *cursor->at - '0';
        if (value > (INT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
        cursor->at++;
    }
    if (cursor->at == start)
        return false;
    if (cursor->at < cursor->end && *cursor->at == 'L')
        cursor->at++;
    *out = value;
    return true;
}

/* Reads a shape tuple: (), (N,), (N, M), ... with an optional trailing comma. */
static aimcc_status read_shape(aimcc_ctx *ctx, header_cursor *cursor, cli_npy_header *out)
{
    if (!accept(cursor, '('))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "invalid .npy header: 'shape' is not a tuple of integers");
    out->rank = 0;
    while (!accept(cursor, ')')) {
        if (out->rank == AIMRT_MAX_RANK)
            return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                              ".npy shape has more than %d dimensions, the most aimcc handles",
                              AIMRT_MAX_RANK);
        if (!read_dim(cursor, &out->dims[out->rank]))
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "invalid .npy header: shape dimension %d is not an integer from 0 "
                              "to %lld",
                              out->rank, (long long)INT64_MAX);
        out->rank++;
        if (!accept(cursor, ',')) {
            if (!accept(cursor, ')'))
                return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                  "invalid .npy header: the 'shape' tuple is not closed");
            break;
        }
    }
    return AIMCC_OK;
}

/* Maps a descr such as '<f4' to a dtype. */
static aimcc_status parse_descr(aimcc_ctx *ctx, const char *descr, aimrt_dtype *out)
{
    const char order = descr[0];
    for (size_t i = 0; order && i < N_NPY_TYPES; i++) {
        if (strcmp(descr + 1, npy_types[i].code) != 0)
            continue;
        const bool one_byte = aimrt_dtype_size(npy_types[i].dtype) == 1;
        if (order == '<' || (one_byte && (order == '|' || order == '>' || order == '='))) {
            *out = npy_types[i].dtype;
            return AIMCC_OK;
        }
        if (order == '>')
            return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                              ".npy dtype '%s' is big-endian, which aimcc does not read. Save the "
                              "array little-endian, e.g. with arr.astype('<%s')",
                              descr, npy_types[i].code);
        break;
    }
    return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                      ".npy dtype '%s' is not supported; use one of <f4 <f8 <f2 |u1 |i1 |b1 <i2 "
                      "<u2 <i4 <u4 <i8 <u8",
                      descr);
}

/* Parses the dict literal of the header into out (dtype, rank, dims). */
static aimcc_status parse_dict(aimcc_ctx *ctx, header_cursor *cursor, cli_npy_header *out)
{
    bool have_descr = false, have_order = false, have_shape = false;
    if (!accept(cursor, '{'))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "invalid .npy header: it does not start with a dict");
    while (!accept(cursor, '}')) {
        char key[32];
        if (!read_string(cursor, key, sizeof key) || !accept(cursor, ':'))
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "invalid .npy header: expected a quoted key and ':'");
        aimcc_status status = AIMCC_OK;
        if (strcmp(key, "descr") == 0 && !have_descr) {
            char descr[32];
            skip_space(cursor);
            if (cursor->at < cursor->end && *cursor->at == '[')
                return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                                  ".npy array has a structured dtype, which aimcc does not read; "
                                  "save a plain numeric array");
            if (!read_string(cursor, descr, sizeof descr))
                return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                  "invalid .npy header: 'descr' is not a quoted dtype string");
            status = parse_descr(ctx, descr, &out->dtype);
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            bool fortran = false;
            if (!read_bool(cursor, &fortran))
                return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                  "invalid .npy header: 'fortran_order' is not True or False");
            if (fortran)
                return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                                  ".npy array is in Fortran order; save it in C order, e.g. with "
                                  "np.save(path, np.ascontiguousarray(arr))");
            have_order = true;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            status = read_shape(ctx, cursor, out);
            have_shape = true;
        } else {
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "invalid .npy header: unexpected or repeated key '%s'", key);
        }
        if (status != AIMCC_OK)
            return status;
        if (accept(cursor, ','))
            continue;
        if (accept(cursor, '}'))
            break;
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "invalid .npy header: expected ',' or '}' after key '%s'", key);
    }
    skip_space(cursor);
    if (cursor->at != cursor->end)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "invalid .npy header: unexpected text after the dict");
    const char *missing = NULL;
    if (!have_shape)
        missing = "shape";
    if (!have_order)
        missing = "fortran_order";
    if (!have_descr)
        missing = "descr";
    if (missing)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "invalid .npy header: missing key '%s'", missing);
    return AIMCC_OK;
}

/* Reads the version and header length from the fixed prefix. */
static aimcc_status parse_prefix(aimcc_ctx *ctx, const uint8_t *bytes, size_t size,
                                 size_t *header_start, size_t *header_length)
{
    if (size < 10 || memcmp(bytes, npy_magic, sizeof npy_magic) != 0)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "not an .npy file: it does not start with \\x93NUMPY");
    const int major = bytes[6];
    if (major < 1 || major > 3 || bytes[7] != 0)
        return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          ".npy format version %d.%d is not supported (1.0, 2.0 and 3.0 are)",
                          major, bytes[7]);
    if (major == 1) {
        *header_start = 10;
        *header_length = (size_t)bytes[8] | (size_t)bytes[9] << 8;
        return AIMCC_OK;
    }
    if (size < 12)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "truncated .npy file: %zu bytes, shorter than its 12-byte prefix", size);
    *header_start = 12;
    *header_length = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 |
                     (size_t)bytes[11] << 24;
    return AIMCC_OK;
}

aimcc_status cli_npy_parse_header(aimcc_ctx *ctx, const char *name, const void *bytes,
                                  size_t size, cli_npy_header *out)
{
    memset(out, 0, sizeof *out);
    aimcc_ctx_set_file(ctx, name);
    size_t start = 0, length = 0;
    aimcc_status status = parse_prefix(ctx, bytes, size, &start, &length);
    if (status != AIMCC_OK)
        return status;
    if (length > CLI_NPY_MAX_HEADER_BYTES)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          ".npy header length %zu exceeds the %d bytes aimcc reads", length,
                          CLI_NPY_MAX_HEADER_BYTES);
    if (length > size - start)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "truncated .npy file: the header needs %zu bytes but %zu follow the "
                          "prefix",
                          length, size - start);

    header_cursor cursor = {(const char *)bytes + start, (const char *)bytes + start + length};
    status = parse_dict(ctx, &cursor, out);
    if (status != AIMCC_OK)
        return status;

    const size_t elem_size = aimrt_dtype_size(out->dtype);
    int64_t count = 1;
    for (int i = 0; i < out->rank; i++) {
        if (out->dims[i] != 0 && count > INT64_MAX / out->dims[i])
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              ".npy shape overflows: the element count exceeds %lld",
                              (long long)INT64_MAX);
        count *= out->dims[i];
    }
    if ((uint64_t)count > SIZE_MAX / elem_size)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          ".npy shape overflows: %lld elements of %zu bytes exceed the address "
                          "space",
                          (long long)count, elem_size);
    out->count = count;
    out->data_offset = start + length;
    out->data_bytes = (size_t)count * elem_size;
    return AIMCC_OK;
}

/* Checks that the file size is the header plus exactly the data it describes. */
static aimcc_status check_data_size(aimcc_ctx *ctx, const cli_npy_header *header,
                                    uint64_t file_size)
{
    const uint64_t have = file_size - header->data_offset;
    if (have < header->data_bytes)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "truncated .npy file: the shape needs %zu data bytes but the file has "
                          "%llu",
                          header->data_bytes, (unsigned long long)have);
    if (have > header->data_bytes)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "invalid .npy file: %llu bytes follow the %zu data bytes the shape "
                          "needs",
                          (unsigned long long)(have - header->data_bytes), header->data_bytes);
    return AIMCC_OK;
}

static void set_tensor(const cli_npy_header *header, void *data, aimrt_tensor *out)
{
    memset(out, 0, sizeof *out);
    out->dtype = header->dtype;
    out->rank = header->rank;
    memcpy(out->dims, header->dims, sizeof header->dims);
    out->data = data;
}

aimcc_status cli_npy_decode(aimcc_ctx *ctx, const char *name, const void *bytes, size_t size,
                            aimrt_tensor *out)
{
    memset(out, 0, sizeof *out);
    cli_npy_header header;
    aimcc_status status = cli_npy_parse_header(ctx, name, bytes, size, &header);
    if (status == AIMCC_OK)
        status = check_data_size(ctx, &header, size);
    if (status != AIMCC_OK)
        return status;
    void *data = malloc(header.data_bytes ? header.data_bytes : 1);
    if (!data)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %zu bytes",
                          header.data_bytes);
    memcpy(data, (const uint8_t *)bytes + header.data_offset, header.data_bytes);
    set_tensor(&header, data, out);
    return AIMCC_OK;
}

/* Reads and parses the prefix and header of an open file. */
static aimcc_status read_header(aimcc_ctx *ctx, const char *path, FILE *file, uint64_t file_size,
                                cli_npy_header *header)
{
    uint8_t prefix[12];
    const size_t n_prefix = fread(prefix, 1, sizeof prefix, file);
    size_t start = 0, length = 0;
    aimcc_ctx_set_file(ctx, path);
    aimcc_status status = parse_prefix(ctx, prefix, n_prefix, &start, &length);
    if (status != AIMCC_OK)
        return status;

    /* Read at most the declared header, capped, and let the parser report truncation. */
    size_t want = start + (length < CLI_NPY_MAX_HEADER_BYTES ? length : CLI_NPY_MAX_HEADER_BYTES);
    if (want > file_size)
        want = (size_t)file_size;
    uint8_t *buffer = malloc(want > sizeof prefix ? want : sizeof prefix);
    if (!buffer)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading the header");
    memcpy(buffer, prefix, n_prefix);
    size_t have = n_prefix;
    if (want > have)
        have += fread(buffer + have, 1, want - have, file);
    status = cli_npy_parse_header(ctx, path, buffer, have, header);
    free(buffer);
    return status;
}

aimcc_status cli_npy_read(aimcc_ctx *ctx, const char *path, aimrt_tensor *out)
{
    memset(out, 0, sizeof *out);
    aimcc_ctx_set_file(ctx, path);
    FILE *file = fopen(path, "rb");
    if (!file)
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot open: %s", strerror(errno));

    struct stat st;
    aimcc_status status = AIMCC_OK;
    void *data = NULL;
    cli_npy_header header;
    if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "not a regular file");
        goto cleanup;
    }
    status = read_header(ctx, path, file, (uint64_t)st.st_size, &header);
    if (status == AIMCC_OK)
        status = check_data_size(ctx, &header, (uint64_t)st.st_size);
    if (status != AIMCC_OK)
        goto cleanup;

    data = malloc(header.data_bytes ? header.data_bytes : 1);
    if (!data) {
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %zu bytes",
                            header.data_bytes);
        goto cleanup;
    }
    if (fseek(file, (long)header.data_offset, SEEK_SET) != 0 ||
        fread(data, 1, header.data_bytes, file) != header.data_bytes) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                            "cannot read %zu data bytes: the file is shorter than its header "
                            "says",
                            header.data_bytes);
        goto cleanup;
    }
    set_tensor(&header, data, out);
    data = NULL;

cleanup:
    free(data);
    fclose(file);
    return status;
}

/* Formats the header dict padded so that the data starts at a multiple of 64 bytes. */
static size_t format_header(const aimrt_tensor *tensor, const char *descr, char *buf, size_t size)
{
    int used = snprintf(buf, size, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < tensor->rank; i++)
        used += snprintf(buf + used, size - (size_t)used, "%lld,%s", (long long)tensor->dims[i],
                         i + 1 < tensor->rank ? " " : "");
    used += snprintf(buf + used, size - (size_t)used, "), }");

    /* 10 bytes of prefix, the dict, spaces, and a final newline. */
    size_t total = 10 + (size_t)used + 1;
    const size_t padded = (total + 63) / 64 * 64;
    memset(buf + used, ' ', padded - total);
    used += (int)(padded - total);
    buf[used++] = '\n';
    return (size_t)used;
}

aimcc_status cli_npy_write(aimcc_ctx *ctx, const char *path, const aimrt_tensor *tensor)
{
    aimcc_ctx_set_file(ctx, path);
    const char *code = NULL;
    for (size_t i = 0; i < N_NPY_TYPES; i++) {
        if (npy_types[i].dtype == tensor->dtype)
            code = npy_types[i].code;
    }
    int64_t count = 0;
    const size_t elem_size = aimrt_dtype_size(tensor->dtype);
    if (!code || !aimrt_shape_count(tensor->rank, tensor->dims, elem_size, &count))
        return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "cannot write a tensor of dtype %s and rank %d as .npy",
                          aimrt_dtype_name(tensor->dtype) ? aimrt_dtype_name(tensor->dtype) : "?",
                          tensor->rank);

    char descr[4];
    snprintf(descr, sizeof descr, "%c%s", elem_size == 1 ? '|' : '<', code);
    char header[512];
    const size_t header_bytes = format_header(tensor, descr, header, sizeof header);
    const uint8_t prefix[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)((header_bytes) & 0xff),
        (uint8_t)(header_bytes >> 8)};

    cli_atomic_file file;
    aimcc_status status = cli_atomic_open(ctx, path, &file);
    if (status != AIMCC_OK)
        return status;
    fwrite(prefix, 1, sizeof prefix, file.file);
    fwrite(header, 1, header_bytes, file.file);
    fwrite(tensor->data, elem_size, (size_t)count, file.file);
    return cli_atomic_commit(ctx, &file);
}
