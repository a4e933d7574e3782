/* SPDX-License-Identifier: MIT */
/*
 * Calibrated ADC spans and comparator offsets. A SAR comparator's static
 * offset shifts every code of its column. The per-column correction removes
 * that shift only while no code saturates, so the runtime centres each
 * calibrated span on the chip's own offsets. A 64 x 16 MatMul is compiled
 * for sram-charge with its comparator offsets (3 mV) as the only analog
 * effect and a 16-bit ADC, calibrated on one sim instance, and run on
 * another: its corrected outputs must match the exact device's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "test_pipeline.h"
#include "test_support.h"

#define K 64
#define N 16
#define CALIB_ROWS 256
#define TEST_ROWS 32
#define SEED 7

/* Fills rows x K values in [0, 1) from a linear congruential sequence:
 * post-ReLU activations, which a bit-serial tile drives bit by bit. */
static void fill_activations(float *x, int rows, uint32_t seed)
{
    for (int i = 0; i < rows * K; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((double)(seed >> 8) / (double)(1u << 24));
    }
}

/* Compiles the MatMul for sram-charge with only the comparator offset on. */
static void compile_offset_only(const float *calib, test_program *out)
{
    char model[4096], seed[32];
    test_source_path(model, sizeof model, "tests/data/drift/matmul.onnx");
    snprintf(seed, sizeof seed, "%d", SEED);
    const aimcc_binding sets[] = {
        {"circuit.comparator.sigma_noise", "0"},
        {"circuit.temperature", "0"},
        {"circuit.charge.node_voltage_dependence", "off"},
        {"device.mismatch.sigma_i", "0"},
        {"adc.bits", "16"},
        {"calibrate.instances", "1"},
        {"calibrate.seed", seed},
    };
    aimcc_options options = {.target = "sram-charge",
                             .sets = sets,
                             .n_sets = (int)(sizeof sets / sizeof sets[0]),
                             .calib_inputs = calib,
                             .calib_samples = CALIB_ROWS,
                             .calib_sample_elements = K,
                             .calib_name = "calib"};
    if (test_compile_file(model, &options, out) != AIMCC_OK)
        fail_msg("compiling the MatMul for sram-charge failed: %s", out->message);
}

/* Runs rows vectors of x on a fresh session of program on device into y. */
static void run_on(const aimrt_program *program, const aimrt_device *device, const float *x,
                   int rows, float *y)
{
    char message[512];
    if (test_run_vectors(program, device, x, rows, K, y, N, message, sizeof message) != AIMRT_OK)
        fail_msg("%s", message);
}

static void test_spans_follow_chip_offsets(void **state)
{
    (void)state;
    float *calib = malloc(CALIB_ROWS * K * sizeof *calib);
    assert_non_null(calib);
    fill_activations(calib, CALIB_ROWS, 11);
    test_program compiled = {0};
    compile_offset_only(calib, &compiled);
    free(calib);

    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load(compiled.bytes, compiled.size, &program, &error) != AIMRT_OK)
        fail_msg("loading the program failed: %s", error.message);

    float x[TEST_ROWS * K], expected[TEST_ROWS * N], actual[TEST_ROWS * N];
    fill_activations(x, TEST_ROWS, 23);
    aimrt_device *exact = test_exact_device(program);
    assert_non_null(exact);
    run_on(program, exact, x, TEST_ROWS, expected);
    test_device_destroy(exact);

    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    options.seed = SEED + 1;
    aimrt_device *sim = NULL;
    assert_int_equal(aimrt_device_sim_create(program, &options, &sim), AIMRT_OK);
    run_on(program, sim, x, TEST_ROWS, actual);
    test_device_destroy(sim);

    /* A 16-bit ADC over the calibrated range and the fitted correction
     * leave errors below 1e-3 of the largest output. A saturated code in
     * any of the 64 conversions behind an output moves it by up to a whole
     * offset, which is several percent of the output. */
    double largest = 0.0, worst = 0.0;
    for (int i = 0; i < TEST_ROWS * N; i++) {
        largest = fmax(largest, fabs(expected[i]));
        worst = fmax(worst, fabs((double)actual[i] - expected[i]));
    }
    print_message("largest output %.6g, largest error %.3g\n", largest, worst);
    assert_true(largest > 0.0);
    assert_true(worst <= 2e-3 * largest);

    aimrt_program_free(program);
    test_program_free(&compiled);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spans_follow_chip_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
