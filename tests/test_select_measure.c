/* SPDX-License-Identifier: MIT */
/*
 * Tests of the measured layer errors of the select-domain pass, on a target
 * of two current-domain kinds that differ only in cost and in a large ADC
 * integral nonlinearity on the cheaper one. The cost model's estimate does
 * not see the nonlinearity, so without calibration data (or with
 * select.measure=0) the cheaper kind wins; with data the pass measures each
 * kind on the simulator and moves the layer to the kind whose measured error
 * fits the budget, weighed by the sensitivity it measures on the exact
 * device.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/target.h"
#include "passes/pass.h"

#define TARGET_PATH AIMCC_SOURCE_DIR "/tests/data/targets/measure-pair.json"
#define K 64
#define N 8
#define SAMPLES 32

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
    aimcc_options options;
    float calib[SAMPLES * K];
} fixture;

/* A value in [-1, 1) from a hash of i, so the data need no generator state. */
static float spread(uint32_t i)
{
    uint32_t h = i * 2654435761u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return (float)h / 2147483648.0f - 1.0f;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    for (int i = 0; i < SAMPLES * K; i++)
        f->calib[i] = spread((uint32_t)i + 7u);
    *state = f;
    return f->arena != NULL && f->ctx != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

/* Loads the target with sets and builds LINEAR(x [batch, 64], W [64, 8]) on
 * it, followed by a softmax over the 8 outputs when softmax is true. */
static aimcc_op *build_model(fixture *f, const aimcc_binding *sets, int n_sets, bool softmax)
{
    aimcc_target *target = NULL;
    if (aimcc_target_load(f->ctx, f->arena, TARGET_PATH, sets, n_sets, &target) != AIMCC_OK)
        fail_msg("loading the target failed: %s", aimcc_ctx_diag(f->ctx)->message);
    f->module = aimcc_ir_module_create(f->arena, "measure");
    assert_non_null(f->module);
    f->module->properties = AIMCC_PROP_IMPORTED | AIMCC_PROP_CANONICAL;
    f->module->target = target;
    f->module->target_name = target->name;

    const int64_t x_dims[2] = {1, K}, w_dims[2] = {K, N};
    aimcc_value *x = aimcc_ir_value_add(f->module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 2,
                                        x_dims, NULL);
    assert_non_null(x);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    float w[K * N];
    for (int i = 0; i < K * N; i++)
        w[i] = spread((uint32_t)i + 100000u);
    aimcc_value *inputs[3] = {
        x, aimcc_ir_value_add(f->module, "w", AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, 2, w_dims, w),
        NULL};
    aimcc_op *op = NULL;
    if (aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_LINEAR, "layer", "Gemm", 3, inputs,
                           0, NULL, 1, NULL, &op) != AIMCC_OK)
        fail_msg("creating the layer failed: %s", aimcc_ctx_diag(f->ctx)->message);
    aimcc_value *output = op->outputs[0];
    if (softmax) {
        const aimrt_attr axis = aimcc_ir_attr_int(f->module, AIMRT_ATTR_AXIS, 1);
        aimcc_op *probabilities = NULL;
        if (aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_SOFTMAX, "probabilities",
                               "Softmax", 1, &output, 1, &axis, 1, NULL,
                               &probabilities) != AIMCC_OK)
            fail_msg("creating the softmax failed: %s", aimcc_ctx_diag(f->ctx)->message);
        output = probabilities->outputs[0];
    }
    assert_int_equal(aimcc_ir_module_add_output(f->module, output), AIMCC_OK);
    return op;
}

static aimcc_op *build(fixture *f, const aimcc_binding *sets, int n_sets)
{
    return build_model(f, sets, n_sets, false);
}

static void run_select(fixture *f, bool with_data)
{
    f->options = (aimcc_options){0};
    if (with_data) {
        f->options.calib_inputs = f->calib;
        f->options.calib_samples = SAMPLES;
        f->options.calib_sample_elements = K;
        f->options.calib_name = "calibration samples";
    }
    f->module->options = &f->options;
    const aimcc_status status = aimcc_pass_select_domain.run(f->module, f->ctx);
    f->module->options = NULL;
    if (status != AIMCC_OK)
        fail_msg("select-domain failed: %s", aimcc_ctx_diag(f->ctx)->message);
}

/* Returns the first number after `label` in text, or NaN. */
static double number_after(const char *text, const char *label)
{
    const char *at = strstr(text, label);
    return at != NULL ? strtod(at + strlen(label), NULL) : NAN;
}

static const char *kind_name(const fixture *f, const aimcc_op *op)
{
    return f->module->target->kinds[op->kind].name;
}

static void test_measure_without_data_takes_estimate(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"select.max_error", "0.05"}};
    const aimcc_op *op = build(f, sets, 1);
    run_select(f, false);
    /* Equal estimated errors: the cheaper kind wins. */
    assert_string_equal(kind_name(f, op), "bowed");
    assert_non_null(strstr(op->kind_reason, "estimated error"));
}

static void test_measure_moves_layer_off_nonlinear_adc(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"select.max_error", "0.05"}};
    const aimcc_op *op = build(f, sets, 1);
    run_select(f, true);
    assert_string_equal(kind_name(f, op), "steady");
    assert_non_null(strstr(op->kind_reason, "measured error"));
    /* The steady kind is limited by 8-bit quantization. Inputs and weights
     * uniform on [-1, 1] with LSB 1/127 err by about 0.004 each. An ADC
     * range near 3.5 rms outputs errs by 2 * 3.5 / (256 * sqrt(12)) = 0.008.
     * In quadrature that is about 0.01, and the bowed ADC errs far more. */
    const double chosen = number_after(op->kind_reason, "measured error ");
    const double runner_up = number_after(strstr(op->kind_reason, "runner-up"), "measured error ");
    print_message("measured errors: steady %g, bowed %g\n", chosen, runner_up);
    assert_true(chosen > 0.0);
    assert_true(chosen < 0.03);
    assert_true(runner_up > 3.0 * chosen);
}

static void test_measure_sensitivity_of_output_layer(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"select.max_error", "0.05"}};
    const aimcc_op *op = build(f, sets, 1);
    run_select(f, true);
    /* The layer's output is the model's output, so noise of relative rms e
     * there moves the output by e: the sensitivity is sqrt(L) * 1 = 1, up to
     * float rounding, whatever the draws. */
    assert_non_null(strstr(op->kind_reason, "(measured)"));
    const double sensitivity = number_after(op->kind_reason, "sensitivity ");
    assert_true(fabs(sensitivity - 1.0) < 1e-3);
}

static void test_measure_sensitivity_before_softmax(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"select.max_error", "0.05"}};
    const aimcc_op *op = build_model(f, sets, 1, true);
    run_select(f, true);
    /* The logits that the final softmax reads count as the model's output,
     * so the layer that computes them has sensitivity 1 again. */
    const double sensitivity = number_after(op->kind_reason, "sensitivity ");
    assert_true(fabs(sensitivity - 1.0) < 1e-3);
}

static void test_measure_off_keeps_estimate(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"select.max_error", "0.05"}, {"select.measure", "0"}};
    const aimcc_op *op = build(f, sets, 2);
    run_select(f, true);
    assert_string_equal(kind_name(f, op), "bowed");
    assert_non_null(strstr(op->kind_reason, "estimated error"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_measure_without_data_takes_estimate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_measure_moves_layer_off_nonlinear_adc, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_measure_sensitivity_of_output_layer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_measure_sensitivity_before_softmax, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_measure_off_keeps_estimate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
