/* SPDX-License-Identifier: MIT */
/*
 * The slice and phase arithmetic of a tile kind (docs/tile-lowering.md): its
 * weight encoding, the weight digits S and cells per digit P, the input
 * phases per MVM, and the tile columns a logical weight column takes. The
 * quantize, map, bit-slice and encode passes and the IR verifier share it.
 */
#ifndef AIMCC_KIND_LAYOUT_H
#define AIMCC_KIND_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/ir.h"
#include "ir/target.h"

/* Largest weight and input bit widths the contract allows. */
#define AIMCC_MAX_WEIGHT_BITS 16
#define AIMCC_MAX_INPUT_BITS 16

/* Returns true when the kind keeps float weights (weight_bits 0). */
bool aimcc_kind_is_float(const aimcc_tile_kind *kind);

/*
 * Checks that the kind's fields form a layout the contract allows: a known
 * encoding and input mode, 2 <= weight_bits <= 16, 1 <= cell_bits <= weight_bits,
 * cell_bits 1 for two's complement, and 1 <= input bits <= 16 for integer
 * inputs. A float kind (weight_bits 0) needs encoding "signed-float".
 * Returns AIMCC_ERR_INVALID_ARG with a message naming the kind and the field.
 */
aimcc_status aimcc_kind_check(aimcc_ctx *ctx, const aimcc_tile_kind *kind);

/* The kind's fields as enums; the kind must pass aimcc_kind_check. An absent
 * input.signed is one-pass. */
aimrt_encoding aimcc_kind_encoding(const aimcc_tile_kind *kind);
aimrt_input_mode aimcc_kind_input_mode(const aimcc_tile_kind *kind);
aimrt_input_sign aimcc_kind_input_sign(const aimcc_tile_kind *kind);

/* Returns S, the weight digits of cell_bits bits (1 for a float kind). */
int32_t aimcc_kind_slices(const aimcc_tile_kind *kind);

/* Returns P, the cells per digit: 2 for differential and constant-sum, else 1. */
int32_t aimcc_kind_polarities(const aimcc_tile_kind *kind);

/* Returns the input phases per MVM when the input has this sign (UNSIGNED
 * after a ReLU, else the kind's own sign mode). */
int32_t aimcc_kind_phases(const aimcc_tile_kind *kind, aimrt_input_sign sign);

/* Returns the tile columns one logical weight column takes (S * P). */
int64_t aimcc_kind_columns_per_weight(const aimcc_tile_kind *kind);

/* Returns the reference columns a block needs (S for offset, else 0). */
int32_t aimcc_kind_reference_columns(const aimcc_tile_kind *kind);

/*
 * The same formulas on plain numbers, for code that holds a plan instead of
 * a kind (the verifier, bit-slice). Slices take wb >= 2 and cb >= 1 (twos
 * complement ignores cb); phases take b >= 2, or b >= 1 when unsigned.
 */
int32_t aimcc_layout_slices(aimrt_encoding encoding, int32_t weight_bits, int32_t cell_bits);
int32_t aimcc_layout_polarities(aimrt_encoding encoding);
int32_t aimcc_layout_phases(aimrt_input_mode mode, aimrt_input_sign sign, int32_t input_bits);

/* Returns Qx, the largest input integer: 2^(b-1) - 1 signed, 2^b - 1 unsigned. */
int32_t aimcc_layout_input_top(aimrt_input_sign sign, int32_t input_bits);

/*
 * Fills every field of plan for a LINEAR on kind kind_index with inputs of
 * this sign: the encoding, bit widths, S, P, phases, and the input range
 * (static with input_scale = input.range / Qx when the kind fixes a range).
 * Fails like aimcc_kind_check, and also for signed inputs with 1 input bit
 * (no nonzero signed level), naming the kind and node.
 */
aimcc_status aimcc_kind_plan_init(aimcc_ctx *ctx, const aimcc_tile_kind *kind, int kind_index,
                                  aimrt_input_sign sign, const aimcc_op *op,
                                  aimrt_linear_plan *plan);

/* Returns the tile kind of op (op->kind of the bound target), or the float
 * kind the map pass uses when no target is bound. NULL when op->kind is out of range. */
const aimcc_tile_kind *aimcc_kind_of_op(const aimcc_module *module, const aimcc_op *op);

/* Returns the names of the enums as the IR text and messages write them. */
const char *aimcc_encoding_name(aimrt_encoding encoding);
const char *aimcc_input_mode_name(aimrt_input_mode mode);
const char *aimcc_input_sign_name(aimrt_input_sign sign);
const char *aimcc_input_range_name(aimrt_input_range range);

#endif
