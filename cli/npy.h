/* SPDX-License-Identifier: MIT */
/*
 * Reader and writer of numpy .npy files (format versions 1.0, 2.0 and 3.0),
 * for the tensors that `aimcc run` and `aimcc eval` read and write. Only
 * little-endian numeric dtypes in C order are accepted. Files are untrusted:
 * the header, the shape and the data size are checked before any use.
 */
#ifndef AIMCC_CLI_NPY_H
#define AIMCC_CLI_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "aimcc/aimcc.h"
#include "aimrt/tensor.h"

/* The largest header accepted, in bytes; numpy itself writes under 200 for
 * ranks up to 8 and refuses to read more than 10000 by default. */
#define CLI_NPY_MAX_HEADER_BYTES 65536

/* What an .npy header describes. */
typedef struct cli_npy_header {
    aimrt_dtype dtype;
    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    int64_t count;        /* elements */
    size_t data_offset;   /* bytes from the file start to the data */
    size_t data_bytes;    /* count times the element size */
} cli_npy_header;

/*
 * Parses the header at the start of bytes[0, size), which must hold at least
 * the whole header (the data may be absent). Failures are recorded in ctx with
 * AIMCC_ERR_INVALID_ARG (malformed header), AIMCC_ERR_UNSUPPORTED (a valid
 * header aimcc cannot use: big-endian, Fortran order, an unsupported dtype) and
 * name `name` as the file.
 */
aimcc_status cli_npy_parse_header(aimcc_ctx *ctx, const char *name, const void *bytes,
                                  size_t size, cli_npy_header *out);

/*
 * Decodes a whole .npy image held in memory: the header, then exactly
 * data_bytes of data. out->data is allocated with malloc (caller frees, also
 * for zero elements). Errors as cli_npy_parse_header, plus a size mismatch.
 */
aimcc_status cli_npy_decode(aimcc_ctx *ctx, const char *name, const void *bytes, size_t size,
                            aimrt_tensor *out);

/* Reads an .npy file into out; out->data is allocated with malloc (caller frees).
 * Returns AIMCC_ERR_IO when the file cannot be read, else as cli_npy_decode. */
aimcc_status cli_npy_read(aimcc_ctx *ctx, const char *path, aimrt_tensor *out);

/* Writes a tensor as an .npy version 1.0 file, atomically. Returns AIMCC_ERR_IO
 * or AIMCC_ERR_UNSUPPORTED (a dtype without an .npy code). */
aimcc_status cli_npy_write(aimcc_ctx *ctx, const char *path, const aimrt_tensor *tensor);

#endif
