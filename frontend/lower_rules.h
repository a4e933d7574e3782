/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the per-op lowering rules (lower_*.c): reading a node's
 * attributes and constant inputs, emitting IR ops that fold at once, and
 * binding the node's outputs. Each rule turns one validated ONNX node into
 * runtime ops (aimrt/ops.h) with fully normalized attributes.
 */
#ifndef AIMCC_LOWER_RULES_H
#define AIMCC_LOWER_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend/onnx_lower.h"

/* The node being lowered and where its ops go. */
typedef struct lower_node {
    onnx_import *import;
    const Onnx__NodeProto *node;
    const char *name;    /* node name for messages */
    const char *op_type;
    aimcc_ctx *ctx;
    aimcc_module *module;
    int64_t opset;       /* version of the default domain that the node is read by */
} lower_node;

typedef aimcc_status (*lower_rule)(lower_node *node);

/* Records an error naming the node and returns status. */
aimcc_status lower_fail(lower_node *node, aimcc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Attributes (lower_attr.c). A missing attribute gives the fallback, and one
 * of another type fails with AIMCC_ERR_INVALID_MODEL naming the attribute. */
const Onnx__AttributeProto *lower_attr_find(const lower_node *node, const char *name);
aimcc_status lower_attr_int(lower_node *node, const char *name, int64_t fallback, int64_t *out);
aimcc_status lower_attr_float(lower_node *node, const char *name, float fallback, float *out);
/* *n is -1 when the attribute is absent. values borrow the node's storage. */
aimcc_status lower_attr_ints(lower_node *node, const char *name, int *n, const int64_t **values);
aimcc_status lower_attr_floats(lower_node *node, const char *name, int *n, const float **values);
/* Copies a string attribute into the arena. The fallback is returned as is. */
aimcc_status lower_attr_string(lower_node *node, const char *name, const char *fallback,
                               const char **out);
/* Reads an int attribute that must be 0 or 1. */
aimcc_status lower_attr_flag(lower_node *node, const char *name, int64_t fallback, int64_t *out);

/* Inputs and outputs (lower_emit.c). */
int lower_n_inputs(const lower_node *node);
/* Returns the value of input index, or NULL when it is absent or named "". */
aimcc_value *lower_input(lower_node *node, int index);
/* Like lower_input, but fails with AIMCC_ERR_INVALID_MODEL when absent. */
aimcc_status lower_input_required(lower_node *node, int index, aimcc_value **out);
/* Returns the name of output index, or NULL when absent or "". */
const char *lower_output_name(const lower_node *node, int index);
/* Binds output index to value, or does nothing when the output is absent. */
aimcc_status lower_bind(lower_node *node, int index, aimcc_value *value);

/* Reads a constant integer input (any int dtype) as int64 into the arena.
 * role names the input in messages ("shape", "axes"). An input computed at
 * run time fails with AIMCC_ERR_UNSUPPORTED, and the message names --const. */
aimcc_status lower_const_ints(lower_node *node, int index, const char *role, int *n,
                              int64_t **values);
/* Reads a constant one-element numeric input as a float. */
aimcc_status lower_const_scalar(lower_node *node, int index, const char *role, float *out);

/* Normalizes an axis in [-rank, rank) to [0, rank). Errors name the role. */
aimcc_status lower_axis(lower_node *node, int64_t axis, int rank, const char *role,
                        int64_t *out);
/* Normalizes n axes in place and rejects repeats. */
aimcc_status lower_axes(lower_node *node, int n, int64_t *axes, int rank, const char *role);

/* Adds a constant value (data copied) named name (may be NULL). */
aimcc_status lower_constant(lower_node *node, const char *name, aimrt_dtype dtype, int rank,
                            const int64_t *dims, const void *data, aimcc_value **out);

/* Creates one op with one output named out_name (NULL for an intermediate
 * value), folds it when its inputs are constant, and returns its output. */
aimcc_status lower_emit(lower_node *node, aimrt_op code, int n_inputs,
                        aimcc_value *const *inputs, int n_attrs, const aimrt_attr *attrs,
                        const char *out_name, aimcc_value **out);
/* Emits op with inputs x (and y when not NULL) and binds the result to output 0. */
aimcc_status lower_emit_bind(lower_node *node, aimrt_op code, aimcc_value *x, aimcc_value *y,
                             int n_attrs, const aimrt_attr *attrs);
/* Emits RESHAPE of x to dims. Set keep_batch when output axis 0 is input
 * axis 0, so that for a batched x the op copies the run-time batch there. */
aimcc_status lower_reshape(lower_node *node, aimcc_value *x, int rank, const int64_t *dims,
                           bool keep_batch, const char *out_name, aimcc_value **out);
/* Fails with AIMCC_ERR_UNSUPPORTED because the node moves or drops the batch
 * of x. action starts the message ("Squeeze removes"). */
aimcc_status lower_batch_fail(lower_node *node, const aimcc_value *x, const char *action);

/* Convolution and pooling windows (lower_window.c). */
typedef struct lower_window {
    int n_spatial;           /* 1 or 2 */
    int64_t kernel[2];
    int64_t strides[2];
    int64_t dilations[2];
    int64_t pads[4];         /* begin..., end... */
    bool auto_pad;           /* pads came from SAME_UPPER or SAME_LOWER */
} lower_window;

/* Reads strides, dilations (when read_dilations), pads and auto_pad for a
 * window whose kernel is already set, over x [N, C, spatial...]. */
aimcc_status lower_window_read(lower_node *node, const aimcc_value *x, bool read_dilations,
                               lower_window *window);

/* Rules, one per ONNX op family. */
aimcc_status lower_unary(lower_node *node);
aimcc_status lower_binary(lower_node *node);
aimcc_status lower_activation(lower_node *node);
aimcc_status lower_clip(lower_node *node);
aimcc_status lower_max_min(lower_node *node);
aimcc_status lower_softmax(lower_node *node);
aimcc_status lower_conv(lower_node *node);
aimcc_status lower_gemm(lower_node *node);
aimcc_status lower_matmul(lower_node *node);
aimcc_status lower_batch_norm(lower_node *node);
aimcc_status lower_max_pool(lower_node *node);
aimcc_status lower_average_pool(lower_node *node);
aimcc_status lower_global_pool(lower_node *node);
aimcc_status lower_shape(lower_node *node);
aimcc_status lower_reshape_node(lower_node *node);
aimcc_status lower_flatten(lower_node *node);
aimcc_status lower_squeeze(lower_node *node);
aimcc_status lower_unsqueeze(lower_node *node);
aimcc_status lower_transpose(lower_node *node);
aimcc_status lower_concat(lower_node *node);
aimcc_status lower_split(lower_node *node);
aimcc_status lower_slice(lower_node *node);
aimcc_status lower_gather(lower_node *node);
aimcc_status lower_pad(lower_node *node);
aimcc_status lower_constant_node(lower_node *node);
aimcc_status lower_constant_of_shape(lower_node *node);
aimcc_status lower_identity(lower_node *node);
aimcc_status lower_dropout(lower_node *node);
aimcc_status lower_cast(lower_node *node);
aimcc_status lower_reduce(lower_node *node);
aimcc_status lower_quant(lower_node *node);

#endif
