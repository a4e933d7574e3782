/* SPDX-License-Identifier: MIT */
/*
 * ADC ranges of the calibrate pass, one per tile column of each LINEAR op's
 * blocks in block order, in level units (level x input integer of a phase),
 * as the device's set_adc_range takes them. With calibration data they are
 * the calibrate.adc_percentile quantile of the pre-ADC signals that sim chip
 * instances record, the largest over the instances. On the charge,
 * charge-redist, capdiv and resdiv kinds, whose SAR converts a node that
 * moves one way from its reset level, they are spans [low, high] instead:
 * a symmetric range would leave half of the codes unused. Without data they
 * are the largest |column sum| the column's levels allow at full-scale
 * input, capped at the kind's default span adc.bound x U.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "passes/calibrate.h"
#include "passes/kind_layout.h"

/* Default of calibrate.adc_percentile, in percent. */
#define DEFAULT_ADC_PERCENTILE 99.99
/* Default of calibrate.adc_samples: the sim runs cost 8 to 64 times the
 * exact ones on bit-sliced kinds, so they take the first 256 samples. */
#define DEFAULT_ADC_SAMPLES 256

bool calib_op_has_calibrated_adc(const aimcc_module *module, const aimcc_op *op)
{
    const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
    return kind != NULL && kind->adc_bits > 0 && kind->adc_range != NULL &&
           strcmp(kind->adc_range, "calibrated") == 0;
}

/* Returns the tile columns of one block: S * P per weight column plus the
 * reference columns. */
static int64_t block_columns(const aimcc_op *op, const aimcc_tile_block *block)
{
    return block->n_cols * aimrt_plan_columns_per_weight(op->plan) +
           aimrt_plan_reference_columns(op->plan);
}

/* Returns true when op's kind converts a one-sided node with a SAR ADC. */
static bool converts_one_sided_node(const aimcc_module *module, const aimcc_op *op)
{
    const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
    if (kind == NULL)
        return false;
    switch (kind->domain) {
    case AIMCC_DOMAIN_CHARGE:
    case AIMCC_DOMAIN_CHARGE_REDIST:
    case AIMCC_DOMAIN_CAPDIV:
    case AIMCC_DOMAIN_RESDIV:
        return true;
    default:
        return false;
    }
}

int64_t calib_op_tile_columns(const aimcc_op *op)
{
    int64_t total = 0;
    for (int b = 0; b < op->n_blocks; b++)
        total += block_columns(op, &op->blocks[b]);
    return total;
}

/* Allocates item->adc_range (zeros) when the op needs ADC ranges. */
static aimcc_status allocate_ranges(calib_state *state, calib_op *item)
{
    if (item->adc_range != NULL || !calib_op_has_calibrated_adc(state->module, item->op))
        return AIMCC_OK;
    item->n_adc = calib_op_tile_columns(item->op);
    item->adc_range = aimcc_arena_calloc(state->module->arena, (size_t)item->n_adc + 1,
                                         sizeof *item->adc_range);
    if (item->adc_range == NULL)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, item->op->node, item->op->onnx_type,
                          "out of memory");
    return AIMCC_OK;
}

/* Allocates item->adc_low, every bottom at +infinity until an instance
 * lowers it, when the op's kind converts a one-sided node. */
static aimcc_status allocate_lows(calib_state *state, calib_op *item)
{
    if (item->adc_range == NULL || !converts_one_sided_node(state->module, item->op))
        return AIMCC_OK;
    item->adc_low = aimcc_arena_calloc(state->module->arena, (size_t)item->n_adc + 1,
                                       sizeof *item->adc_low);
    if (item->adc_low == NULL)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, item->op->node, item->op->onnx_type,
                          "out of memory");
    for (int64_t c = 0; c < item->n_adc; c++)
        item->adc_low[c] = INFINITY;
    return AIMCC_OK;
}

/* Reads column c of tile's quantiles from the device into the op's range
 * at index at: |value| for a symmetric range, both ends for a span. */
static aimrt_status read_column(calib_op *item, const aimrt_device *device, int32_t tile,
                                int64_t c, double q, int64_t at)
{
    if (item->adc_low == NULL) {
        double value = 0.0;
        const aimrt_status rt = aimrt_device_sim_signal_quantile(device, tile, c, q, &value);
        if (rt == AIMRT_OK && isfinite(value) && value > item->adc_range[at])
            item->adc_range[at] = (float)value;
        return rt;
    }
    double low = 0.0, high = 0.0;
    const aimrt_status rt = aimrt_device_sim_signal_span(device, tile, c, q, &low, &high);
    if (rt == AIMRT_OK && isfinite(high) && high > item->adc_range[at])
        item->adc_range[at] = (float)high;
    if (rt == AIMRT_OK && isfinite(low) && low < item->adc_low[at])
        item->adc_low[at] = (float)low;
    return rt;
}

/* Closes every span. A bottom is at most 0, the node's reset level: the sim
 * instances see activations that earlier noisy layers moved, so a bottom
 * above 0 could clip the probes and the data of a later run. A top is at
 * least 0, and a column whose span is empty keeps the device's range. */
static void finish_spans(calib_state *state)
{
    for (int i = 0; i < state->n_ops; i++) {
        calib_op *item = &state->ops[i];
        for (int64_t c = 0; item->adc_low != NULL && c < item->n_adc; c++) {
            float *low = &item->adc_low[c], *high = &item->adc_range[c];
            if (!isfinite(*low) || *low > 0.0f)
                *low = 0.0f;
            if (*high < 0.0f)
                *high = 0.0f;
            if (!(*low < *high)) {
                *low = 0.0f;
                *high = 0.0f;
            }
        }
    }
}

/* Widens each column's range to the quantiles this sim instance recorded. */
static aimcc_status read_quantiles(calib_state *state, const aimrt_program *program,
                                   const aimrt_device *device)
{
    (void)program;
    const double q =
        aimcc_target_option_number(state->module->target, "calibrate.adc_percentile", NULL,
                                   DEFAULT_ADC_PERCENTILE) / 100.0;
    for (int i = 0; i < state->n_ops; i++) {
        calib_op *item = &state->ops[i];
        if (item->adc_range == NULL)
            continue;
        int64_t at = 0;
        for (int b = 0; b < item->op->n_blocks; b++) {
            const aimcc_tile_block *block = &item->op->blocks[b];
            const int64_t columns = block_columns(item->op, block);
            for (int64_t c = 0; c < columns; c++, at++) {
                const aimrt_status rt =
                    read_column(item, device, block->tile, block->tile_col + c, q, at);
                if (rt != AIMRT_OK)
                    return aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, item->op->node,
                                      item->op->onnx_type,
                                      "the sim device gave no signal quantile for tile %d "
                                      "column %lld (%s)",
                                      block->tile, (long long)(block->tile_col + c),
                                      aimrt_status_name(rt));
            }
        }
    }
    return AIMCC_OK;
}

aimcc_status calib_adc_from_data(calib_state *state)
{
    bool any = false;
    for (int i = 0; i < state->n_ops; i++) {
        aimcc_status status = allocate_ranges(state, &state->ops[i]);
        if (status == AIMCC_OK)
            status = allocate_lows(state, &state->ops[i]);
        if (status != AIMCC_OK)
            return status;
        any = any || state->ops[i].adc_range != NULL;
    }
    if (!any)
        return AIMCC_OK;
    const aimcc_target *target = state->module->target;
    const int64_t seed = aimcc_target_option_int(target, "calibrate.seed", NULL, AIMCC_CALIB_DEFAULT_SEED);
    const int64_t instances =
        aimcc_target_option_int(target, "calibrate.instances", NULL, AIMCC_CALIB_DEFAULT_INSTANCES);
    /* Instance i runs the i-th of `instances` contiguous shares of the first
     * calibrate.adc_samples samples. The sim runs then cost one pass over
     * them whatever the instance count. */
    const int64_t limit =
        aimcc_target_option_int(target, "calibrate.adc_samples", NULL, DEFAULT_ADC_SAMPLES);
    const int64_t n = state->options->calib_samples < limit ? state->options->calib_samples : limit;
    for (int64_t i = 0; i < instances; i++) {
        const int64_t begin = n * i / instances, end = n * (i + 1) / instances;
        if (begin == end)
            continue;
        const aimcc_status status =
            calib_run(state, CALIB_DEVICE_SIM, (uint64_t)(seed + i), begin, end, read_quantiles);
        if (status != AIMCC_OK)
            return status;
    }
    finish_spans(state);
    return AIMCC_OK;
}

/* Returns the largest input integer one phase drives: 1 for bit-serial
 * phases (one bit each), Qx for amplitude and PWM. */
static double phase_input_top(const aimrt_linear_plan *plan)
{
    if (plan->input_mode == AIMRT_INPUT_BIT_SERIAL)
        return 1.0;
    return aimcc_layout_input_top(plan->input_sign, plan->input_bits);
}

/* Returns the kind's default ADC span in level units, the cap the sim device
 * puts on its own range (docs/simulator.md, converters): adc.bound times U,
 * U = (2^cb - 1) times 1 for bit-serial phases, else 2^(b-1) - 1. Only a
 * bound the target sets caps the range: the fallback of 10 is aihwkit's
 * bound for analog weights and amplitude inputs, and on binary slices with
 * bit-serial phases it would clip any column sum above 10 cells. */
static double default_span(const aimcc_tile_kind *kind, const aimrt_linear_plan *plan)
{
    if (!kind->params.given[AIMRT_PARAM_ADC_BOUND])
        return INFINITY;
    const double top_level = ldexp(1.0, plan->cell_bits) - 1.0;
    const int bits = plan->input_bits > 1 ? plan->input_bits : 2;
    const double x_full =
        plan->input_mode == AIMRT_INPUT_BIT_SERIAL ? 1.0 : ldexp(1.0, bits - 1) - 1.0;
    return kind->params.value[AIMRT_PARAM_ADC_BOUND] * top_level * x_full;
}

aimcc_status calib_adc_from_weights(calib_state *state)
{
    for (int i = 0; i < state->n_ops; i++) {
        calib_op *item = &state->ops[i];
        aimcc_status status = allocate_ranges(state, item);
        if (status != AIMCC_OK)
            return status;
        if (item->adc_range == NULL)
            continue;
        const double top = phase_input_top(item->op->plan);
        const double cap = default_span(aimcc_kind_of_op(state->module, item->op), item->op->plan);
        int64_t at = 0;
        for (int b = 0; b < item->op->n_blocks; b++) {
            const aimcc_tile_block *block = &item->op->blocks[b];
            const aimcc_tile *tile = &state->module->tiles[block->tile];
            const int64_t columns = block_columns(item->op, block);
            for (int64_t c = 0; c < columns; c++, at++) {
                double sum = 0.0;
                for (int64_t r = 0; tile->levels != NULL && r < block->n_rows; r++)
                    sum += fabs(tile->levels[(block->tile_row + r) * tile->cols +
                                             block->tile_col + c]);
                item->adc_range[at] = (float)fmin(sum * top, cap);
            }
        }
    }
    return AIMCC_OK;
}
