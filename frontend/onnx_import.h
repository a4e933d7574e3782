/* SPDX-License-Identifier: MIT */
/*
 * Entry point of the ONNX frontend: read a model file, validate it, and lower
 * it into an IR module. protobuf-c types stay inside frontend/.
 */
#ifndef AIMCC_ONNX_IMPORT_H
#define AIMCC_ONNX_IMPORT_H

#include "ir/ir.h"

/*
 * Imports the model at path into a new module allocated in arena, binding
 * --dim and --const options. Each failure is one diagnostic naming the file
 * and the node or tensor. Returns AIMCC_ERR_INVALID_MODEL, _UNSUPPORTED,
 * _IO, _NOMEM or AIMCC_OK. *out is NULL on failure, except when an op moved
 * the batch axis: then the failed module (batch_broken set) is returned.
 */
aimcc_status aimcc_onnx_import(aimcc_ctx *ctx, aimcc_arena *arena, const char *path,
                               const aimcc_options *options, aimcc_module **out);

/*
 * Reads a serialized TensorProto (.pb) file into a tensor allocated in arena.
 * *name receives the tensor's name ("" when unnamed). Errors name the file.
 */
aimcc_status aimcc_onnx_read_tensor(aimcc_ctx *ctx, aimcc_arena *arena, const char *path,
                                    const char **name, aimrt_tensor *out);

/* Writes a tensor as a serialized TensorProto with raw_data, atomically. */
aimcc_status aimcc_onnx_write_tensor(aimcc_ctx *ctx, const char *path, const char *name,
                                     const aimrt_tensor *tensor);

#endif
