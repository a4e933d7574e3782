/* SPDX-License-Identifier: MIT */
/*
 * Internal interface between the ONNX import driver (onnx_import.c: parsing,
 * validation, tensors, topological order) and the per-op lowering rules
 * (lower_*.c). protobuf-c types are visible here because both sides live in
 * frontend/.
 */
#ifndef AIMCC_ONNX_LOWER_H
#define AIMCC_ONNX_LOWER_H

#include "ir/ir.h"
#include "onnx.pb-c.h"

/* The state of one import: the module being built and the names in scope. */
typedef struct onnx_import onnx_import;

struct onnx_import {
    aimcc_ctx *ctx;
    aimcc_module *module;
    aimcc_arena *arena;
    const char *file;           /* model path, for messages */
    const char *model_dir;      /* folder that external data must stay inside */
    int64_t opset;              /* version of the default ("" / "ai.onnx") domain */
    const aimcc_options *options;
    /* Name to value map; implemented by the driver. */
    void *scope;
};

/* Returns the value bound to an ONNX tensor name, or NULL. "" is never bound. */
aimcc_value *onnx_import_lookup(onnx_import *import, const char *name);

/* Binds an ONNX tensor name to a value (the node's outputs). Fails with
 * AIMCC_ERR_INVALID_MODEL naming the node when the name is already bound. */
aimcc_status onnx_import_bind(onnx_import *import, const char *name, aimcc_value *value,
                              const char *node_name, const char *op_type);

/* Decodes a TensorProto in any storage form (raw_data, typed fields, external
 * data) into a new constant value named name. */
aimcc_status onnx_import_tensor(onnx_import *import, const Onnx__TensorProto *tensor,
                                const char *node_name, aimcc_value **out);

/* Returns 1 when the op type of the default domain has a lowering rule. */
int onnx_lower_supported(const char *op_type, int64_t opset);

/*
 * Lowers one node (already validated: inputs defined, name set) into IR ops,
 * binding each of the node's outputs with onnx_import_bind. Rules read the
 * node by the rules of import->opset. Ops whose inputs are all constant are
 * folded at once (aimcc_ir_fold_op), so shape-setting inputs are constant
 * when a later node reads them. Errors name the node.
 */
aimcc_status onnx_lower_node(onnx_import *import, const Onnx__NodeProto *node, const char *node_name);

#endif
