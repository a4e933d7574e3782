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
    /* Resource limits (onnx_limits.c): the options' limits with defaults
     * filled in, and what has been counted against them so far. */
    aimcc_limits limits;
    bool limits_settable;       /* false for tensor files read outside a compilation */
    int64_t n_nodes;
    int64_t n_constant_bytes;
    int64_t n_external_bytes;
};

/* Fills every zero field of limits (NULL: all of them) with its default. */
aimcc_limits onnx_limits_resolve(const aimcc_limits *limits);

/*
 * Checks a tensor's element count and byte size against limits.max_tensor_elements
 * and limits.max_tensor_bytes before its data is allocated. what ("tensor",
 * "graph input") and name identify it, node_name (may be NULL) the node that
 * creates it. The shape must not overflow (aimrt_shape_count). Returns
 * AIMCC_ERR_INVALID_MODEL, as for a model file over 2 GiB, with a message
 * that names the value, the limit and the --set key that raises it.
 */
aimcc_status onnx_limit_tensor(onnx_import *import, const char *node_name, const char *what,
                               const char *name, aimrt_dtype dtype, int rank,
                               const int64_t *dims);

/* Adds n_bytes of constant data to the model's total and checks it against
 * limits.max_total_bytes. Returns AIMCC_ERR_INVALID_MODEL naming the tensor. */
aimcc_status onnx_limit_add_constant(onnx_import *import, const char *node_name, const char *name,
                                     uint64_t n_bytes);

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
