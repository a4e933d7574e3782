/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the canonicalize pass: the driver in canonicalize.c
 * and its rewrites, one file each (BatchNormalization folding, Conv lowering,
 * Gemm and MatMul lowering).
 */
#ifndef AIMCC_CANONICALIZE_H
#define AIMCC_CANONICALIZE_H

#include "passes/pass.h"

#define AIMCC_CANON_PASS "canonicalize"

/* Returns whether value is a constant f32 tensor with data. */
bool aimcc_canon_is_float_const(const aimcc_value *value);

/* Adds a constant f32 value named name (may be NULL) holding a copy of data.
 * Fails with AIMCC_ERR_NOMEM naming the node. */
aimcc_status aimcc_canon_add_const(aimcc_ctx *ctx, aimcc_module *module, const aimcc_op *op,
                                   const char *name, int rank, const int64_t *dims,
                                   const float *data, aimcc_value **out);

/* Moves every use of old_value, and its ONNX tensor name, to new_value. */
void aimcc_canon_take_over(aimcc_module *module, aimcc_value *old_value, aimcc_value *new_value);

/* Logs at INFO that a product of op stays a digital operation, and why. */
void aimcc_canon_log_digital(const aimcc_op *op, const char *reason);

/*
 * The rewrites. Each one replaces op when it applies and leaves it when it
 * does not (logging why at INFO); an unchanged op is not an error. They
 * return an error only when creating the replacement fails.
 */
aimcc_status aimcc_canon_fold_batch_norm(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op);
aimcc_status aimcc_canon_lower_conv(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op);
aimcc_status aimcc_canon_lower_gemm(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op);
aimcc_status aimcc_canon_lower_matmul(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op);

#endif
