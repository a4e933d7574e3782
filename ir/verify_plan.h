/* SPDX-License-Identifier: MIT */
/*
 * The verifier's checks of tile lowering, called by aimcc_ir_verify: the
 * plan of each quantized LINEAR against docs/tile-lowering.md and its tile
 * kind, and the cell levels that encode wrote on each tile.
 */
#ifndef AIMCC_VERIFY_PLAN_H
#define AIMCC_VERIFY_PLAN_H

#include "ir/ir.h"

/*
 * Checks op's plan: present exactly on LINEAR ops with i32 weights (or with
 * encoding FLOAT), bit widths in range, S, P and phases either unset (before
 * bit-slice) or equal to the formulas, the fields equal to the op's tile kind
 * when a target is bound, and the input attributes equal to the plan. The
 * verifier in ir/verify.c checks that each block's S * P columns per weight
 * and reference columns lie inside its tile.
 * Returns AIMCC_ERR_INTERNAL with a message naming the op's node.
 */
aimcc_status aimcc_ir_verify_plan(aimcc_ctx *ctx, const aimcc_module *module, const aimcc_op *op);

/*
 * Checks the tiles' levels: every tile has them once the module is encoded,
 * the levels of a tile that quantized blocks use are integers in
 * [0, 2^cb - 1], and float levels are finite.
 */
aimcc_status aimcc_ir_verify_levels(aimcc_ctx *ctx, const aimcc_module *module);

#endif
