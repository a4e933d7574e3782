/* SPDX-License-Identifier: MIT */
/*
 * What the calibrate pass writes into a quantized LINEAR op: a static input
 * range (the plan's input_scale and the matching attribute) and the optional
 * inputs 4 probe_x f32 [P, K], 5 probe_y f32 [P, N], 6 adc_range f32 [C] and
 * 7 adc_low f32 [C].
 * The backend writes these inputs as constant tensors.
 */
#include <math.h>
#include <string.h>

#include "passes/calibrate.h"
#include "passes/kind_layout.h"

aimcc_status calib_set_input_range(calib_state *state, calib_op *item, double range)
{
    aimcc_op *op = item->op;
    aimrt_linear_plan *plan = op->plan;
    const int32_t top = aimcc_layout_input_top(plan->input_sign, plan->input_bits);
    const float scale = (float)(range / top);
    if (!(scale > 0.0f) || !isfinite(scale))
        return AIMCC_OK;

    /* The attributes keep their order with input_scale last, as quantize writes them. */
    aimrt_attr *attrs = aimcc_arena_calloc(state->module->arena, (size_t)op->n_attrs + 1,
                                           sizeof *attrs);
    if (attrs == NULL)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type, "out of memory");
    int n = 0;
    for (int i = 0; i < op->n_attrs; i++) {
        if (op->attrs[i].key != AIMRT_ATTR_INPUT_SCALE)
            attrs[n++] = op->attrs[i];
    }
    attrs[n] = aimcc_ir_attr_float(state->module, AIMRT_ATTR_INPUT_SCALE, scale);
    if (attrs[n].floats == NULL)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type, "out of memory");
    op->attrs = attrs;
    op->n_attrs = n + 1;
    plan->input_range = AIMRT_RANGE_STATIC;
    plan->input_scale = scale;
    item->input_range = (double)scale * top;
    return AIMCC_OK;
}

/* Adds a constant f32 value of the given shape; NULL when out of memory. */
static aimcc_value *add_constant(aimcc_module *module, int rank, int64_t d0, int64_t d1,
                                 const float *data)
{
    const int64_t dims[2] = {d0, d1};
    return aimcc_ir_value_add(module, NULL, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, rank, dims,
                              data);
}

aimcc_status calib_attach_operands(calib_state *state, calib_op *item, bool with_probes)
{
    aimcc_op *op = item->op;
    aimcc_module *module = state->module;
    const bool probes = with_probes && item->sample.n > 0;
    const bool ranges = item->adc_range != NULL && item->n_adc > 0;
    if (!probes && !ranges)
        return AIMCC_OK;

    const bool spans = ranges && item->adc_low != NULL;
    int n_inputs = 6;
    if (ranges)
        n_inputs = spans ? 8 : 7;
    aimcc_value **inputs = aimcc_arena_calloc(module->arena, (size_t)n_inputs, sizeof *inputs);
    if (inputs == NULL)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type, "out of memory");
    for (int i = 0; i < op->n_inputs && i < 4; i++)
        inputs[i] = op->inputs[i];
    if (probes) {
        const aimcc_calib_sample *sample = &item->sample;
        inputs[4] = add_constant(module, 2, sample->n, item->k, sample->x);
        inputs[5] = add_constant(module, 2, sample->n, item->n, sample->y);
        if (inputs[4] == NULL || inputs[5] == NULL)
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                              "out of memory for %lld probes", (long long)sample->n);
    }
    if (ranges) {
        inputs[6] = add_constant(module, 1, item->n_adc, 0, item->adc_range);
        if (inputs[6] == NULL)
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                              "out of memory");
    }
    if (spans) {
        inputs[7] = add_constant(module, 1, item->n_adc, 0, item->adc_low);
        if (inputs[7] == NULL)
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                              "out of memory");
    }
    for (int i = 4; i < n_inputs; i++) {
        if (inputs[i] != NULL)
            inputs[i]->n_uses++;
    }
    /* A second calibration replaces the operands of the first. */
    for (int i = 4; i < op->n_inputs; i++) {
        if (op->inputs[i] != NULL)
            op->inputs[i]->n_uses--;
    }
    op->inputs = inputs;
    op->n_inputs = n_inputs;
    return AIMCC_OK;
}
