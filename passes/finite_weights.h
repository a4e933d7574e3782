/* SPDX-License-Identifier: MIT */
/*
 * Rejects NaN and infinite weights before any pass encodes them, because a
 * tile cell stores a finite level and a column with a NaN has no scale to
 * quantize with. Canonicalize and quantize call these checks.
 */
#ifndef AIMCC_FINITE_WEIGHTS_H
#define AIMCC_FINITE_WEIGHTS_H

#include "ir/ir.h"

/*
 * Checks that the constant w (f32, f64 or f16; other dtypes pass) holds only
 * finite values. origin names where w comes from in the message ("the model's
 * weight tensor", say). Fails with AIMCC_ERR_NUMERIC naming op's node, w,
 * the index of the first bad element in w's shape and its value.
 */
aimcc_status aimcc_check_finite_weight(aimcc_ctx *ctx, const aimcc_op *op, const aimcc_value *w,
                                       const char *origin);

/* Checks the weight matrix (input 1) of every LINEAR op of module that
 * still has float weights, with aimcc_check_finite_weight. */
aimcc_status aimcc_check_finite_linear_weights(aimcc_ctx *ctx, const aimcc_module *module,
                                               const char *origin);

#endif
