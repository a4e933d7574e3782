/* SPDX-License-Identifier: MIT */
/*
 * Measured layer sensitivities for the select-domain pass. A compiled trial
 * copy of the model runs the trial samples on the exact device once clean,
 * and once per layer with Gaussian noise of relative rms EPSILON added to
 * that layer's output. The sensitivity of a layer is the relative rms
 * change of the model's output per unit of relative
 * error at the layer. The output is the last op's, or the logits that a
 * final softmax reads, because a saturated softmax hides errors until they
 * flip the class. That is rms(out - clean) / rms(clean) divided by
 * rms(noise) / rms(layer output). The noise in it is the noise drawn, so
 * the spread of a few draws does not enter. The noise is
 * drawn from the counter-based streams the simulator uses, keyed by the
 * layer and the element, so the result depends on the data alone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/calibrate.h"
#include "passes/select_measure.h"
#include "runtime/sim/random.h"

/* Relative rms of the injected noise: small enough for the model to respond
 * linearly, large enough to stand out of float rounding. */
#define EPSILON 0.05

/* Seed of the injected noise, apart from the calibration and run seeds. */
#define NOISE_SEED 0x5e5517u

/* The observer's state during the sensitivity runs. */
typedef struct sensitivity_run {
    const calib_state *calib; /* for the first sample and batch of the run */
    const int *layer_of_op;   /* by program op index: the layer, or -1 */
    int n_program_ops;
    int n_layers;
    int noisy_layer;          /* the layer that gets noise, -1 in the clean run */
    double *output_square;    /* by layer: sum of squares of its clean output */
    int64_t *output_count;    /* by layer: elements summed */
    float *clean;             /* model output of the clean run, per sample */
    int64_t per_sample;       /* model output elements per sample, 0 before the first */
    int64_t samples;
    double noise_square;      /* sum of the squared noise of a noisy run */
    double change_square;     /* sum of (out - clean)^2 of a noisy run */
    double clean_square;      /* sum of clean^2 */
    bool mismatch;            /* the model output changed shape between runs */
} sensitivity_run;

/* Adds the noise to layer `layer`'s output y of `count` elements. */
static void add_noise(sensitivity_run *run, int layer, float *y, int64_t count)
{
    const double rms = run->output_count[layer] > 0
                           ? sqrt(run->output_square[layer] / (double)run->output_count[layer])
                           : 0.0;
    const int64_t per_sample = count / run->calib->batch;
    for (int64_t i = 0; i < count; i++) {
        const int64_t sample = run->calib->first_sample + i / per_sample;
        const aimrt_sim_static_key key = {
            .seed = NOISE_SEED, .tile = (uint32_t)layer, .effect = AIMRT_SIM_EFFECT_SENSITIVITY,
            .cell = (uint64_t)(sample * per_sample + i % per_sample) &
                    AIMRT_SIM_RANDOM_STATIC_MAX_CELL};
        const float before = y[i];
        y[i] += (float)(EPSILON * rms * aimrt_sim_normal_static(&key, 0));
        const double added = (double)y[i] - (double)before;
        run->noise_square += added * added;
    }
}

/* Records the clean model output, or compares a noisy one with it. */
static void record_output(sensitivity_run *run, const float *out, int64_t count)
{
    const int64_t batch = run->calib->batch;
    const int64_t per_sample = count / batch;
    if (run->per_sample == 0 && run->noisy_layer < 0) {
        run->per_sample = per_sample;
        run->clean = calloc((size_t)(run->samples * per_sample), sizeof *run->clean);
    }
    if (run->clean == NULL || per_sample != run->per_sample ||
        run->calib->first_sample + batch > run->samples) {
        run->mismatch = true;
        return;
    }
    float *clean = run->clean + run->calib->first_sample * per_sample;
    for (int64_t i = 0; i < count; i++) {
        if (run->noisy_layer < 0) {
            clean[i] = out[i];
            continue;
        }
        const double change = (double)out[i] - (double)clean[i];
        if (isfinite(change)) {
            run->change_square += change * change;
            run->clean_square += (double)clean[i] * (double)clean[i];
        }
    }
}

static void observe(void *user, int op_index, const char *node, int op_code, int n_inputs,
                    const aimrt_tensor *inputs, int n_outputs, const aimrt_tensor *outputs)
{
    (void)node;
    sensitivity_run *run = user;
    int64_t count = 0;
    if (op_index < 0 || op_index >= run->n_program_ops || n_outputs < 1 ||
        outputs[0].data == NULL || outputs[0].dtype != AIMRT_DTYPE_FLOAT ||
        !aimrt_shape_count(outputs[0].rank, outputs[0].dims, 0, &count) ||
        run->calib->batch < 1 || count % run->calib->batch != 0)
        return;
    float *y = outputs[0].data;
    const int layer = run->layer_of_op[op_index];
    if (layer >= 0 && run->noisy_layer < 0) {
        for (int64_t i = 0; i < count; i++) {
            if (isfinite(y[i])) {
                run->output_square[layer] += (double)y[i] * (double)y[i];
                run->output_count[layer]++;
            }
        }
    }
    /* The observer may change an op's outputs in place: later ops read them. */
    if (layer >= 0 && layer == run->noisy_layer)
        add_noise(run, layer, y, count);
    if (op_index != run->n_program_ops - 1)
        return;
    const bool softmax = op_code == AIMRT_OP_SOFTMAX || op_code == AIMRT_OP_LOG_SOFTMAX;
    const aimrt_tensor *out = softmax && n_inputs >= 1 ? &inputs[0] : &outputs[0];
    int64_t out_count = 0;
    if (out->data != NULL && out->dtype == AIMRT_DTYPE_FLOAT &&
        aimrt_shape_count(out->rank, out->dims, 0, &out_count) &&
        out_count % run->calib->batch == 0)
        record_output(run, out->data, out_count);
}

aimcc_status aimcc_select_sensitivity(aimcc_ctx *ctx, aimcc_module *compiled,
                                      const aimcc_options *options, const int *layer_of_op,
                                      int n_program_ops, int n_layers, double *sensitivity)
{
    sensitivity_run run = {.layer_of_op = layer_of_op, .n_program_ops = n_program_ops,
                           .n_layers = n_layers, .noisy_layer = -1,
                           .samples = options->calib_samples};
    run.output_square = calloc((size_t)n_layers, sizeof *run.output_square);
    run.output_count = calloc((size_t)n_layers, sizeof *run.output_count);
    calib_state state = {.ctx = ctx, .module = compiled, .options = options,
                         .observer = observe, .observer_user = &run};
    run.calib = &state;
    aimcc_status status = AIMCC_OK;
    if (run.output_square == NULL || run.output_count == NULL)
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    if (status == AIMCC_OK)
        status = calib_run(&state, CALIB_DEVICE_EXACT, 0, 0, run.samples, NULL);
    for (int l = 0; l < n_layers && status == AIMCC_OK && !run.mismatch; l++) {
        run.noisy_layer = l;
        run.noise_square = run.change_square = run.clean_square = 0.0;
        status = calib_run(&state, CALIB_DEVICE_EXACT, 0, 0, run.samples, NULL);
        const double injected = run.output_square[l] > 0.0
                                    ? sqrt(run.noise_square / run.output_square[l])
                                    : 0.0;
        if (status == AIMCC_OK && run.clean_square > 0.0 && injected > 0.0)
            sensitivity[l] = sqrt(run.change_square / run.clean_square) / injected;
    }
    if (status == AIMCC_OK && run.mismatch)
        for (int l = 0; l < n_layers; l++)
            sensitivity[l] = NAN;
    free(run.output_square);
    free(run.output_count);
    free(run.clean);
    return status;
}
