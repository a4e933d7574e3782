/* SPDX-License-Identifier: MIT */
/*
 * Measured layer errors for the select-domain pass. The estimate of
 * passes/cost_model_error.c reads each kind's noise parameters but does not
 * model how the simulated circuit turns them into output error (node
 * nonlinearity, ADC spans, what the calibration cannot correct). With
 * calibration data the pass measures instead. For each tile kind, a copy of
 * the module with every linear layer on that kind goes through the rest of
 * the pipeline (calibration included) on the first select.samples
 * calibration samples. The program then runs those samples on one sim chip
 * instance that no calibration run used. A layer's error is the rms of
 * y - (x W + b) over the rms of x W + b. Here x is the input the layer got on
 * that chip and W, b are its float weights and bias, so errors of earlier
 * layers change what a layer reads but are not counted twice.
 */
#include "passes/select_measure.h"

#include "aimrt/log.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir/target.h"
#include "passes/calibrate.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"

/* Tiles each kind offers a trial: the whole model on one kind must fit,
 * whatever the chip's budget, since only its error is wanted. */
#define TRIAL_TILES ((int64_t)1 << 30)

/* What one layer's float weights are and what its trial outputs added up to. */
typedef struct measured_layer {
    const float *w;    /* K x N row-major */
    const float *bias; /* N, or NULL */
    const char *node;  /* ONNX node name, for the log */
    int64_t k, n;
    double error2;     /* sum of (y - x W - b)^2 */
    double reference2; /* sum of (x W + b)^2 */
} measured_layer;

/* The observer's state during one trial run. */
typedef struct trial {
    measured_layer *layers;
    int n_layers;
    int *layer_of_op; /* by program op index: the layer, or -1 */
    int n_program_ops;
    float *reference; /* x W + b of the call being compared */
    int64_t reference_size;
    bool out_of_memory;
    double *sensitivity; /* by layer, filled by the first trial that runs; NULL after */
} trial;

static bool is_linear(const aimcc_op *op)
{
    return op->code == AIMRT_OP_LINEAR;
}

/* Reads the float weights and bias of every LINEAR op of the original module. */
static bool collect_layers(const aimcc_module *module, measured_layer *layers, int n_layers)
{
    int l = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        if (!is_linear(op))
            continue;
        if (l >= n_layers || op->n_inputs < 2)
            return false;
        const aimcc_value *w = op->inputs[1];
        if (w == NULL || w->data == NULL || w->dtype != AIMRT_DTYPE_FLOAT || w->rank != 2)
            return false;
        const aimcc_value *b = op->n_inputs >= 3 ? op->inputs[2] : NULL;
        const bool has_bias = b != NULL && b->data != NULL && b->dtype == AIMRT_DTYPE_FLOAT &&
                              aimcc_ir_value_count(b) == w->dims[1];
        layers[l++] = (measured_layer){.w = w->data, .bias = has_bias ? b->data : NULL,
                                       .node = op->node, .k = w->dims[0], .n = w->dims[1]};
    }
    return l == n_layers;
}

/* Adds one LINEAR call's squared errors to its layer. */
static void observe(void *user, int op_index, const char *node, int op_code, int n_inputs,
                    const aimrt_tensor *inputs, int n_outputs, const aimrt_tensor *outputs)
{
    (void)node;
    trial *t = user;
    if (op_code != AIMRT_OP_LINEAR || op_index < 0 || op_index >= t->n_program_ops ||
        t->layer_of_op[op_index] < 0 || n_inputs < 1 || n_outputs < 1)
        return;
    measured_layer *layer = &t->layers[t->layer_of_op[op_index]];
    const aimrt_tensor *x = &inputs[0], *y = &outputs[0];
    int64_t x_count = 0, y_count = 0;
    if (x->data == NULL || y->data == NULL || x->dtype != AIMRT_DTYPE_FLOAT ||
        y->dtype != AIMRT_DTYPE_FLOAT || !aimrt_shape_count(x->rank, x->dims, 0, &x_count) ||
        !aimrt_shape_count(y->rank, y->dims, 0, &y_count))
        return;
    const int64_t rows = x_count / layer->k;
    if (rows < 1 || rows > INT32_MAX || rows * layer->k != x_count || rows * layer->n != y_count)
        return;
    if (y_count > t->reference_size) {
        float *grown = realloc(t->reference, (size_t)y_count * sizeof *grown);
        if (grown == NULL) {
            t->out_of_memory = true;
            return;
        }
        t->reference = grown;
        t->reference_size = y_count;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)layer->n,
                (int)layer->k, 1.0f, x->data, (int)layer->k, layer->w, (int)layer->n, 0.0f,
                t->reference, (int)layer->n);
    const float *ys = y->data;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c = 0; c < layer->n; c++) {
            const double ideal = (double)t->reference[r * layer->n + c] +
                                 (layer->bias != NULL ? (double)layer->bias[c] : 0.0);
            const double diff = (double)ys[r * layer->n + c] - ideal;
            if (!isfinite(diff))
                continue;
            layer->error2 += diff * diff;
            layer->reference2 += ideal * ideal;
        }
    }
}

/* Copies module into arena through its text form, with the weights.
 * NOTE: the text writes every weight as a decimal number of 10 to 16 bytes,
 * so the copy of a model of 100 M weights passes through over 1 GB. */
static aimcc_status copy_module(aimcc_ctx *ctx, const aimcc_module *module, aimcc_arena *arena,
                                aimcc_module **out)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    if (stream == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory copying the module");
    aimcc_status status = aimcc_ir_print(ctx, module, stream, true);
    if (fclose(stream) != 0 && status == AIMCC_OK)
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory copying the module");
    if (status == AIMCC_OK)
        status = aimcc_ir_parse(ctx, arena, text, size, "select-domain trial", out);
    free(text);
    return status;
}

/* Maps the program op index of every LINEAR op of the compiled copy to its
 * layer. Returns false when the copy's LINEAR ops do not match the layers. */
static bool map_program_ops(const aimcc_module *copy, trial *t)
{
    int n_ops = 0;
    for (const aimcc_op *op = copy->first; op != NULL; op = op->next)
        n_ops++;
    t->layer_of_op = malloc(((size_t)n_ops + 1) * sizeof *t->layer_of_op);
    if (t->layer_of_op == NULL)
        return false;
    t->n_program_ops = n_ops;
    int index = 0, l = 0;
    for (const aimcc_op *op = copy->first; op != NULL; op = op->next, index++) {
        t->layer_of_op[index] = -1;
        if (!is_linear(op))
            continue;
        const aimcc_value *w = op->n_inputs >= 2 ? op->inputs[1] : NULL;
        if (l >= t->n_layers || w == NULL || w->rank != 2 || w->dims[0] != t->layers[l].k ||
            w->dims[1] != t->layers[l].n)
            return false;
        t->layer_of_op[index] = l++;
    }
    return l == t->n_layers;
}

/* Compiles the copy for one kind and runs the trial samples on one chip. */
static aimcc_status run_trial(aimcc_ctx *ctx, aimcc_module *copy, const aimcc_options *options,
                              trial *t)
{
    /* The trial compilation would repeat every pass's info lines once per
     * kind; only its warnings and errors are worth showing. */
    const aimcc_log_level saved_level = aimcc_log_threshold;
    const aimrt_log_level saved_runtime_level = aimrt_log_get_level();
    if (aimcc_log_threshold > AIMCC_LOG_WARN)
        aimcc_log_threshold = AIMCC_LOG_WARN;
    if (saved_runtime_level > AIMRT_LOG_WARN)
        aimrt_log_set_level(AIMRT_LOG_WARN);
    aimcc_status status = aimcc_pipeline_run_after(ctx, copy, options, "select-domain");
    if (status == AIMCC_OK && !map_program_ops(copy, t))
        status = aimcc_fail(ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                            "the trial program's linear ops do not match the model's layers");
    const aimcc_target *target = copy->target;
    const int64_t seed = aimcc_target_option_int(target, "calibrate.seed", NULL,
                                                 AIMCC_CALIB_DEFAULT_SEED);
    const int64_t instances = aimcc_target_option_int(target, "calibrate.instances", NULL,
                                                      AIMCC_CALIB_DEFAULT_INSTANCES);
    calib_state state = {.ctx = ctx, .module = copy, .options = options,
                         .observer = observe, .observer_user = t};
    if (status == AIMCC_OK)
        status = calib_run(&state, CALIB_DEVICE_SIM, (uint64_t)(seed + instances), 0,
                           options->calib_samples, NULL);
    if (status == AIMCC_OK && t->sensitivity != NULL)
        status = aimcc_select_sensitivity(ctx, copy, options, t->layer_of_op, t->n_program_ops,
                                          t->n_layers, t->sensitivity);
    aimcc_log_threshold = saved_level;
    aimrt_log_set_level(saved_runtime_level);
    if (status == AIMCC_OK && t->out_of_memory)
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                            "out of memory measuring the layer errors");
    return status;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Logs the measured errors of one kind: the range at info, each layer's at debug. */
static void log_kind(const aimcc_tile_kind *kind, int64_t samples, const measured_layer *layers,
                     int n_layers, double seconds)
{
    double low = INFINITY, high = 0.0;
    for (int l = 0; l < n_layers; l++) {
        if (!(layers[l].reference2 > 0.0))
            continue;
        const double error = sqrt(layers[l].error2 / layers[l].reference2);
        low = fmin(low, error);
        high = fmax(high, error);
        AIMCC_LOG(AIMCC_LOG_DEBUG, "select-domain", layers[l].node,
                  "linear op %d on \"%s\": measured error %.4g", l, kind->name, error);
    }
    if (high > 0.0)
        AIMCC_LOG(AIMCC_LOG_INFO, "select-domain", NULL,
                  "measured the layer errors on \"%s\" (%s) from %lld samples in %.1f s: %.3g "
                  "to %.3g",
                  kind->name, aimcc_domain_name(kind->domain), (long long)samples, seconds, low,
                  high);
}

/* Measures every layer on kind `kind`; leaves NaN where it cannot. */
static aimcc_status measure_kind(aimcc_ctx *ctx, const aimcc_module *module,
                                 const aimcc_target *trial_target, int kind,
                                 const aimcc_options *options, measured_layer *layers,
                                 int n_layers, double *errors, double **sensitivity)
{
    const double start = now_seconds();
    aimcc_arena *arena = aimcc_arena_create();
    if (arena == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    aimcc_module *copy = NULL;
    aimcc_status status = copy_module(ctx, module, arena, &copy);
    trial t = {.layers = layers, .n_layers = n_layers, .sensitivity = *sensitivity};
    if (status == AIMCC_OK) {
        copy->target = trial_target;
        for (aimcc_op *op = copy->first; op != NULL; op = op->next) {
            if (is_linear(op)) {
                op->kind = kind;
                op->kind_reason = "trial of one kind for every layer";
            }
        }
        copy->properties |= AIMCC_PROP_DOMAIN_SELECTED;
        for (int l = 0; l < n_layers; l++)
            layers[l].error2 = layers[l].reference2 = 0.0;
        status = run_trial(ctx, copy, options, &t);
    }
    const aimcc_tile_kind *k = &trial_target->kinds[kind];
    if (status == AIMCC_OK) {
        for (int l = 0; l < n_layers; l++)
            if (layers[l].reference2 > 0.0)
                errors[l * trial_target->n_kinds + kind] =
                    sqrt(layers[l].error2 / layers[l].reference2);
        log_kind(k, options->calib_samples, layers, n_layers, now_seconds() - start);
        *sensitivity = NULL;
    } else if (status != AIMCC_ERR_NOMEM) {
        /* The pass uses the estimate for this kind and logs the reason. */
        char line[1024];
        aimcc_diag_format(aimcc_ctx_diag(ctx), line, sizeof line);
        AIMCC_LOG(AIMCC_LOG_WARN, "select-domain", NULL,
                  "cannot measure the layer errors on kind \"%s\", so its estimate is used: %s",
                  k->name, line);
        aimcc_ctx_clear(ctx);
        status = AIMCC_OK;
    }
    free(t.layer_of_op);
    free(t.reference);
    aimcc_arena_destroy(arena);
    return status;
}

aimcc_status aimcc_select_measure(aimcc_ctx *ctx, const aimcc_module *module, int n_layers,
                                  double *errors, double *sensitivity, bool *measured)
{
    *measured = false;
    const aimcc_options *options = module->options;
    const aimcc_target *target = module->target;
    if (options == NULL || options->calib_inputs == NULL || options->calib_samples < 1 ||
        target == NULL || n_layers < 1)
        return AIMCC_OK;

    measured_layer *layers = calloc((size_t)n_layers, sizeof *layers);
    aimcc_tile_kind *kinds = calloc((size_t)target->n_kinds, sizeof *kinds);
    if (layers == NULL || kinds == NULL) {
        free(layers);
        free(kinds);
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    }
    aimcc_status status = AIMCC_OK;
    if (!collect_layers(module, layers, n_layers)) {
        AIMCC_LOG(AIMCC_LOG_WARN, "select-domain", NULL,
                  "a linear layer has no float weight matrix, so the layer errors are "
                  "estimated instead of measured");
        goto done;
    }

    /* The trials see the target with room for the whole model on any kind. */
    memcpy(kinds, target->kinds, (size_t)target->n_kinds * sizeof *kinds);
    for (int i = 0; i < target->n_kinds; i++)
        kinds[i].n_tiles = TRIAL_TILES;
    aimcc_target trial_target = *target;
    trial_target.kinds = kinds;

    aimcc_options trial_options = *options;
    const int64_t samples = aimcc_target_option_int(target, "select.samples", NULL,
                                                    AIMCC_SELECT_DEFAULT_SAMPLES);
    if (trial_options.calib_samples > samples)
        trial_options.calib_samples = samples;

    char file[512];
    snprintf(file, sizeof file, "%s", aimcc_ctx_file(ctx));
    double *unmeasured_sensitivity = sensitivity;
    for (int kind = 0; kind < target->n_kinds && status == AIMCC_OK; kind++) {
        /* Float kinds compute exactly, and their estimated error is 0. */
        if (aimcc_kind_is_float(&target->kinds[kind]))
            continue;
        status = measure_kind(ctx, module, &trial_target, kind, &trial_options, layers, n_layers,
                              errors, &unmeasured_sensitivity);
        aimcc_ctx_set_file(ctx, file);
        aimcc_ctx_set_pass(ctx, "select-domain");
    }
    for (int i = 0; i < n_layers * target->n_kinds; i++)
        *measured = *measured || isfinite(errors[i]);

done:
    free(layers);
    free(kinds);
    return status;
}
