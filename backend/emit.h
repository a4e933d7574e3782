/* SPDX-License-Identifier: MIT */
/*
 * The backend: writes a scheduled module as a binary program (.aimc, format
 * version 1, described in docs/program-format.md) that libaimrt loads.
 */
#ifndef AIMCC_EMIT_H
#define AIMCC_EMIT_H

#include <stddef.h>

#include "ir/ir.h"

/*
 * Writes the program of module to path atomically: the bytes go to a
 * temporary file in the same folder, which is renamed over path, and removed
 * on failure. LINEAR ops must carry their tile blocks (run the map pass).
 * Returns AIMCC_ERR_IO when the file cannot be written, AIMCC_ERR_UNSUPPORTED
 * for a weight dtype the tiles cannot hold, AIMCC_ERR_INTERNAL for an op or
 * block the IR should not contain, AIMCC_ERR_NOMEM; the diagnostic names the
 * node or file.
 */
aimcc_status aimcc_emit_program(aimcc_ctx *ctx, const aimcc_module *module, const char *path);

/*
 * Writes like aimcc_emit_program and records the source model in the
 * metadata: its file name, size and CRC-32 (zlib), read from source_path.
 * source_path may be NULL to record none.
 */
aimcc_status aimcc_emit_program_source(aimcc_ctx *ctx, const aimcc_module *module,
                                       const char *source_path, const char *path);

/*
 * Builds the program in memory. On success *bytes points at *size bytes that the
 * caller frees with free(). Returns the same codes as aimcc_emit_program.
 */
aimcc_status aimcc_emit_program_bytes(aimcc_ctx *ctx, const aimcc_module *module, void **bytes,
                                      size_t *size);

#endif
