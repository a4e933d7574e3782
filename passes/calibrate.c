/* SPDX-License-Identifier: MIT */
/*
 * The calibrate pass, after encode: with calibration inputs (--calib) it
 * sets each quantized LINEAR op's input (DAC) range from the |x| it reads on
 * the exact device, stores probe rows with their exact outputs, and sets ADC
 * ranges per tile column from sim chip instances. Without data it sets the
 * ADC ranges of kinds with a calibrated ADC from the weights.
 * docs/calibration.md describes the options and the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "passes/calibrate.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"

/* Defaults of calibrate.percentile (aihwkit's input-range quantile 0.99995,
 * in percent) and calibrate.probes. */
#define DEFAULT_PERCENTILE 99.995
#define DEFAULT_PROBES 64

static bool is_quantized_linear(const aimcc_op *op)
{
    return op->code == AIMRT_OP_LINEAR && op->plan != NULL &&
           op->plan->encoding != AIMRT_ENCODING_FLOAT && op->n_inputs >= 4 &&
           op->inputs[1] != NULL && op->inputs[1]->rank == 2;
}

/* Lists the quantized LINEAR ops with their index in the emitted code. */
static aimcc_status collect_ops(calib_state *state)
{
    int n_ops = 0, n_program_ops = 0;
    for (aimcc_op *op = state->module->first; op != NULL; op = op->next) {
        n_program_ops++;
        n_ops += is_quantized_linear(op);
    }
    state->ops = calloc((size_t)n_ops + 1, sizeof *state->ops);
    state->by_index = calloc((size_t)n_program_ops + 1, sizeof *state->by_index);
    if (state->ops == NULL || state->by_index == NULL)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    state->n_program_ops = n_program_ops;
    int index = 0;
    for (aimcc_op *op = state->module->first; op != NULL; op = op->next, index++) {
        if (!is_quantized_linear(op))
            continue;
        calib_op *item = &state->ops[state->n_ops++];
        item->op = op;
        item->program_index = index;
        item->k = op->inputs[1]->dims[0];
        item->n = op->inputs[1]->dims[1];
        state->by_index[index] = item;
    }
    return AIMCC_OK;
}

static void free_state(calib_state *state)
{
    for (int i = 0; state->ops != NULL && i < state->n_ops; i++) {
        free(state->ops[i].histogram);
        aimcc_calib_sample_free(&state->ops[i].sample);
    }
    free(state->ops);
    free(state->by_index);
}

/* Reads calibrate.input; the target loader already checked the choice. */
static aimcc_calib_method read_method(const aimcc_target *target)
{
    const char *text = aimcc_target_option_text(target, "calibrate.input", NULL, "percentile");
    for (int m = 0; m < AIMCC_CALIB_METHOD_COUNT; m++) {
        if (strcmp(text, aimcc_calib_method_name((aimcc_calib_method)m)) == 0)
            return (aimcc_calib_method)m;
    }
    return AIMCC_CALIB_PERCENTILE;
}

/* Gathers |x| histograms on the exact device and sets every op's static input range. */
static aimcc_status calibrate_input_ranges(calib_state *state)
{
    for (int i = 0; i < state->n_ops; i++) {
        state->ops[i].histogram = calloc(1, sizeof *state->ops[i].histogram);
        if (state->ops[i].histogram == NULL)
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    }
    aimcc_status status = calib_run(state, CALIB_DEVICE_EXACT, 0, 0, state->options->calib_samples,
                                    NULL);
    const aimcc_target *target = state->module->target;
    const aimcc_calib_method method = read_method(target);
    const double percentile =
        aimcc_target_option_number(target, "calibrate.percentile", NULL, DEFAULT_PERCENTILE);
    for (int i = 0; i < state->n_ops && status == AIMCC_OK; i++) {
        calib_op *item = &state->ops[i];
        const aimrt_linear_plan *plan = item->op->plan;
        const int32_t top = aimcc_layout_input_top(plan->input_sign, plan->input_bits);
        const double range = aimcc_calib_range(item->histogram, method, percentile, top);
        if (range > 0.0)
            status = calib_set_input_range(state, item, range);
        else
            AIMCC_LOG(AIMCC_LOG_WARN, CALIBRATE_PASS, item->op->node,
                      "every calibration input of this layer is 0, so its input range stays "
                      "dynamic; check the calibration data");
    }
    return status;
}

/* Gathers the probe rows with their exact outputs at the final input ranges. */
static aimcc_status gather_probes(calib_state *state, int64_t probes)
{
    for (int i = 0; i < state->n_ops; i++) {
        calib_op *item = &state->ops[i];
        free(item->histogram);
        item->histogram = NULL;
        if (!aimcc_calib_sample_init(&item->sample, probes, item->k, item->n))
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, item->op->node, item->op->onnx_type,
                              "out of memory for %lld probes", (long long)probes);
    }
    const aimcc_status status =
        calib_run(state, CALIB_DEVICE_EXACT, 0, 0, state->options->calib_samples, NULL);
    for (int i = 0; i < state->n_ops && status == AIMCC_OK; i++) {
        if (!aimcc_calib_sample_sort(&state->ops[i].sample))
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    }
    return status;
}

/* Logs each op's ranges at INFO. */
static void log_ranges(const calib_state *state)
{
    for (int i = 0; i < state->n_ops; i++) {
        const calib_op *item = &state->ops[i];
        float low = 0.0f, high = 0.0f, bottom = 0.0f;
        for (int64_t c = 0; c < item->n_adc; c++) {
            low = c == 0 || item->adc_range[c] < low ? item->adc_range[c] : low;
            high = item->adc_range[c] > high ? item->adc_range[c] : high;
            if (item->adc_low != NULL)
                bottom = c == 0 || item->adc_low[c] < bottom ? item->adc_low[c] : bottom;
        }
        char spans[64] = "";
        if (item->adc_low != NULL)
            snprintf(spans, sizeof spans, " (tops of spans, bottoms from %.6g)", (double)bottom);
        AIMCC_LOG(AIMCC_LOG_INFO, CALIBRATE_PASS, item->op->node,
                  "input range %.6g (%s), ADC ranges %.6g to %.6g%s over %lld columns, %lld "
                  "probes",
                  item->input_range, item->input_range > 0.0 ? "static" : "dynamic",
                  (double)low, (double)high, spans, (long long)item->n_adc,
                  (long long)item->sample.n);
    }
}

/* Calibrates with data: input ranges, probes, then ADC ranges. */
static aimcc_status calibrate_with_data(calib_state *state)
{
    const aimcc_target *target = state->module->target;
    const bool affine = aimcc_target_option_int(target, "calibrate.affine", NULL, 1) != 0;
    const int64_t probes =
        aimcc_target_option_int(target, "calibrate.probes", NULL, DEFAULT_PROBES);
    aimcc_status status = calibrate_input_ranges(state);
    if (status == AIMCC_OK && affine)
        status = gather_probes(state, probes);
    /* The sim runs see the final input ranges but no probes or ADC ranges yet. */
    if (status == AIMCC_OK)
        status = calib_adc_from_data(state);
    for (int i = 0; i < state->n_ops && status == AIMCC_OK; i++)
        status = calib_attach_operands(state, &state->ops[i], affine);
    return status;
}

/* Without data: ADC ranges from the weights on kinds whose ADC is calibrated. */
static aimcc_status calibrate_without_data(calib_state *state)
{
    bool any = false;
    for (int i = 0; i < state->n_ops; i++)
        any = any || calib_op_has_calibrated_adc(state->module, state->ops[i].op);
    if (!any)
        return AIMCC_OK;
    aimcc_status status = calib_adc_from_weights(state);
    for (int i = 0; i < state->n_ops && status == AIMCC_OK; i++)
        status = calib_attach_operands(state, &state->ops[i], false);
    /* The model file leads the line, as in the command's error lines; a
     * module run without one (parsed IR) is named by its graph name. */
    const char *file = aimcc_ctx_file(state->ctx);
    if (file[0] == '\0')
        file = state->module->name != NULL ? state->module->name : "module";
    if (status == AIMCC_OK)
        AIMCC_LOG(AIMCC_LOG_WARN, NULL, NULL,
                  "%s: [calibrate] no calibration data: input ranges stay dynamic and ADC "
                  "ranges come from the weights; pass --calib X.npy to aimcc compile for "
                  "data-driven ranges",
                  file);
    return status;
}

static aimcc_status calibrate_run(aimcc_module *module, aimcc_ctx *ctx)
{
    calib_state state = {.ctx = ctx, .module = module, .options = module->options};
    char model_file[512];
    snprintf(model_file, sizeof model_file, "%s", aimcc_ctx_file(ctx));
    aimcc_status status = collect_ops(&state);
    const bool has_data = state.options != NULL && state.options->calib_inputs != NULL &&
                          state.options->calib_samples > 0;
    if (status == AIMCC_OK && state.n_ops > 0)
        status = has_data ? calibrate_with_data(&state) : calibrate_without_data(&state);
    if (status == AIMCC_OK) {
        aimcc_ctx_set_file(ctx, model_file);
        log_ranges(&state);
    }
    free_state(&state);
    return status;
}

const aimcc_pass aimcc_pass_calibrate = {
    .name = "calibrate",
    .summary = "set input and ADC ranges from calibration data and store probe rows",
    .run = calibrate_run,
    .requires = AIMCC_PROP_ENCODED,
    .provides = 0,
};
