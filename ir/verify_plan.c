/* SPDX-License-Identifier: MIT */
/*
 * The verifier's checks of tile lowering: quantization plans against the
 * formulas of docs/tile-lowering.md (through passes/kind_layout.h) and the
 * op's tile kind, and the cell levels of the tiles.
 */
#include "ir/verify_plan.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "ir/target.h"
#include "passes/kind_layout.h"

static aimcc_status fail_plan(aimcc_ctx *ctx, const aimcc_op *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static aimcc_status fail_plan(aimcc_ctx *ctx, const aimcc_op *op, const char *fmt, ...)
{
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op ? op->node : NULL, op ? op->onnx_type : NULL,
                      "invalid IR: %s", message);
}

/* Returns the first bit width or enum of plan out of range, or NULL. */
static const char *plan_field_problem(const aimrt_linear_plan *plan)
{
    if ((unsigned)plan->input_mode >= AIMRT_INPUT_MODE_COUNT ||
        plan->input_mode == AIMRT_INPUT_FLOAT)
        return "the input mode is not amplitude, bit-serial or pwm";
    if ((unsigned)plan->input_sign >= AIMRT_INPUT_SIGN_COUNT)
        return "the input sign is out of range";
    if ((unsigned)plan->input_range >= AIMRT_RANGE_COUNT)
        return "the input range is out of range";
    if (plan->weight_bits < 2 || plan->weight_bits > AIMCC_MAX_WEIGHT_BITS)
        return "wb is outside 2..16";
    if (plan->cell_bits < 1 || plan->cell_bits > plan->weight_bits)
        return "cb is outside 1..wb";
    if (plan->encoding == AIMRT_ENCODING_TWOS_COMPLEMENT && plan->cell_bits != 1)
        return "two's complement needs cb 1";
    const int32_t min_bits = plan->input_sign == AIMRT_INPUT_UNSIGNED ? 1 : 2;
    if (plan->input_bits < min_bits || plan->input_bits > AIMCC_MAX_INPUT_BITS)
        return "b is outside 1..16 (2..16 for signed inputs)";
    if (plan->input_range == AIMRT_RANGE_STATIC &&
        !(plan->input_scale > 0.0f && isfinite(plan->input_scale)))
        return "a static input range needs a finite scale > 0";
    return NULL;
}

/* Checks S, P and phases: unset before bit-slice, else the formulas. */
static aimcc_status check_counts(aimcc_ctx *ctx, const aimcc_module *module, const aimcc_op *op)
{
    const aimrt_linear_plan *plan = op->plan;
    const int32_t slices = aimcc_layout_slices(plan->encoding, plan->weight_bits, plan->cell_bits);
    const int32_t polarities = aimcc_layout_polarities(plan->encoding);
    const int32_t phases =
        aimcc_layout_phases(plan->input_mode, plan->input_sign, plan->input_bits);
    const bool unset = plan->n_slices == 0 && plan->n_polarities == 0 && plan->n_phases == 0;
    if (unset && (module->properties & AIMCC_PROP_SLICED) == 0)
        return AIMCC_OK;
    if (plan->n_slices != slices || plan->n_polarities != polarities || plan->n_phases != phases)
        return fail_plan(ctx, op,
                         "the plan has S=%d P=%d phases=%d, but %s with wb=%d cb=%d and %s %s "
                         "inputs of %d bits give S=%d P=%d phases=%d",
                         plan->n_slices, plan->n_polarities, plan->n_phases,
                         aimcc_encoding_name(plan->encoding), plan->weight_bits, plan->cell_bits,
                         aimcc_input_mode_name(plan->input_mode),
                         aimcc_input_sign_name(plan->input_sign), plan->input_bits, slices,
                         polarities, phases);
    return AIMCC_OK;
}

/* Checks the plan against the op's tile kind when a target is bound. */
static aimcc_status check_kind(aimcc_ctx *ctx, const aimcc_module *module, const aimcc_op *op)
{
    if (module->target == NULL)
        return AIMCC_OK;
    const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
    const aimrt_linear_plan *plan = op->plan;
    if (kind == NULL)
        return fail_plan(ctx, op, "the op has tile kind %d, but the target has %d kinds",
                         op->kind, module->target->n_kinds);
    const aimrt_input_sign sign = aimcc_kind_input_sign(kind);
    if (aimcc_kind_is_float(kind) || plan->encoding != aimcc_kind_encoding(kind) ||
        plan->weight_bits != kind->weight_bits || plan->cell_bits != kind->cell_bits ||
        plan->input_mode != aimcc_kind_input_mode(kind) || plan->input_bits != kind->input_bits ||
        (plan->input_sign != sign && plan->input_sign != AIMRT_INPUT_UNSIGNED))
        return fail_plan(ctx, op,
                         "the plan (%s, wb=%d cb=%d, %s inputs of %d bits, %s) differs from "
                         "tile kind %d \"%s\" of the target",
                         aimcc_encoding_name(plan->encoding), plan->weight_bits, plan->cell_bits,
                         aimcc_input_mode_name(plan->input_mode), plan->input_bits,
                         aimcc_input_sign_name(plan->input_sign), op->kind, kind->name);
    return AIMCC_OK;
}

/* Checks that the input attributes the reference kernel reads equal the plan. */
static aimcc_status check_attrs(aimcc_ctx *ctx, const aimcc_op *op)
{
    const aimrt_linear_plan *plan = op->plan;
    const int64_t bits = aimrt_attr_int(op->attrs, op->n_attrs, AIMRT_ATTR_INPUT_BITS, -1);
    const int64_t is_signed = aimrt_attr_int(op->attrs, op->n_attrs, AIMRT_ATTR_INPUT_SIGNED, 1);
    const aimrt_attr *scale = aimrt_attr_find(op->attrs, op->n_attrs, AIMRT_ATTR_INPUT_SCALE);
    const bool is_static = plan->input_range == AIMRT_RANGE_STATIC;
    const bool scale_matches =
        is_static ? scale != NULL && aimrt_attr_float(op->attrs, op->n_attrs,
                                                      AIMRT_ATTR_INPUT_SCALE, 0.0f) ==
                                         plan->input_scale
                  : scale == NULL;
    if (bits == plan->input_bits && is_signed == (plan->input_sign != AIMRT_INPUT_UNSIGNED) &&
        scale_matches)
        return AIMCC_OK;
    return fail_plan(ctx, op,
                     "the attributes input_bits=%" PRId64 " input_signed=%" PRId64
                     " and input_scale (%s) differ from the plan (b=%d, %s, %s range)",
                     bits, is_signed, scale ? "present" : "absent", plan->input_bits,
                     aimcc_input_sign_name(plan->input_sign),
                     aimcc_input_range_name(plan->input_range));
}

aimcc_status aimcc_ir_verify_plan(aimcc_ctx *ctx, const aimcc_module *module, const aimcc_op *op)
{
    const aimrt_linear_plan *plan = op->plan;
    const bool linear = op->code == AIMRT_OP_LINEAR;
    const bool integer_weight = linear && op->n_inputs > 1 && op->inputs[1] != NULL &&
                                op->inputs[1]->dtype == AIMRT_DTYPE_INT32;
    if (plan == NULL)
        return integer_weight ? fail_plan(ctx, op, "the linear op has integer weights but no plan")
                              : AIMCC_OK;
    if (!linear)
        return fail_plan(ctx, op, "a %s op has a plan; only linear ops have one",
                         aimrt_op_name(op->code));
    if (plan->kind != op->kind)
        return fail_plan(ctx, op, "the plan is for tile kind %d but the op is on kind %d",
                         plan->kind, op->kind);
    if ((unsigned)plan->encoding >= AIMRT_ENCODING_COUNT)
        return fail_plan(ctx, op, "the plan's encoding %d is out of range", (int)plan->encoding);
    if ((plan->encoding == AIMRT_ENCODING_FLOAT) == integer_weight)
        return fail_plan(ctx, op, "the plan's encoding is %s but the weights are %s",
                         aimcc_encoding_name(plan->encoding), integer_weight ? "i32" : "float");
    if (plan->encoding == AIMRT_ENCODING_FLOAT)
        return AIMCC_OK;

    const char *problem = plan_field_problem(plan);
    if (problem != NULL)
        return fail_plan(ctx, op, "the plan is inconsistent: %s", problem);
    aimcc_status status = check_counts(ctx, module, op);
    if (status == AIMCC_OK)
        status = check_kind(ctx, module, op);
    if (status == AIMCC_OK)
        status = check_attrs(ctx, op);
    return status;
}

/* Fills cell_bits[t] with the cell bits of the quantized blocks on tile t (0: float). */
static void tile_cell_bits(const aimcc_module *module, int *cell_bits)
{
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->plan == NULL || op->plan->encoding == AIMRT_ENCODING_FLOAT)
            continue;
        for (int b = 0; b < op->n_blocks; b++)
            cell_bits[op->blocks[b].tile] = op->plan->cell_bits;
    }
}

/* Checks the levels of one tile: integers in [0, 2^cb - 1], or finite floats when cb is 0. */
static aimcc_status check_tile_levels(aimcc_ctx *ctx, const aimcc_tile *tile, int cell_bits)
{
    const float top = cell_bits > 0 ? (float)((INT32_C(1) << cell_bits) - 1) : 0.0f;
    const int64_t count = tile->rows * tile->cols;
    for (int64_t i = 0; i < count; i++) {
        const float level = tile->levels[i];
        const bool valid = cell_bits > 0 ? level >= 0.0f && level <= top && level == rintf(level)
                                         : isfinite(level);
        if (valid)
            continue;
        if (cell_bits > 0)
            return fail_plan(ctx, NULL,
                             "tile @t%d cell [%" PRId64 ", %" PRId64 "] has level %.9g, outside "
                             "the integers 0..%.0f of %d-bit cells",
                             tile->id, i / tile->cols, i % tile->cols, (double)level,
                             (double)top, cell_bits);
        return fail_plan(ctx, NULL, "tile @t%d cell [%" PRId64 ", %" PRId64 "] has level %g",
                         tile->id, i / tile->cols, i % tile->cols, (double)level);
    }
    return AIMCC_OK;
}

aimcc_status aimcc_ir_verify_levels(aimcc_ctx *ctx, const aimcc_module *module)
{
    int *cell_bits = calloc((size_t)module->n_tiles + 1, sizeof *cell_bits);
    if (cell_bits == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory verifying %d tiles",
                          module->n_tiles);
    tile_cell_bits(module, cell_bits);
    const bool encoded = (module->properties & AIMCC_PROP_ENCODED) != 0;
    aimcc_status status = AIMCC_OK;
    for (int t = 0; t < module->n_tiles && status == AIMCC_OK; t++) {
        const aimcc_tile *tile = &module->tiles[t];
        if (tile->levels != NULL)
            status = check_tile_levels(ctx, tile, cell_bits[t]);
        else if (encoded)
            status = fail_plan(ctx, NULL, "tile @t%d has no levels, but the module is encoded",
                               t);
    }
    free(cell_bits);
    return status;
}
