/* SPDX-License-Identifier: MIT */
/*
 * Global drift compensation of the runtime on the sim device. A 64 x 16
 * MatMul compiled for pcm-current, with and without drift_compensation, runs
 * with drift alone (one shared exponent) against the analytic drift factor.
 * The probes leave time-0 results unchanged, and the loader rejects tile
 * flags that the format does not define.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test_pipeline.h"
#include "test_support.h"

#include "aimrt/aimrt.h"
#include "aimrt/device.h"

#define K 64
#define N 16
#define VECTORS 8
#define DAY_S 86400.0
#define T0_S 20.0
/* The shared exponent: the mean of Nandakumar 2019 at g_max, its floor. */
#define NU 0.049

typedef struct fixture {
    test_program on;  /* compiled with drift compensation (the preset's default) */
    test_program off; /* compiled with --set drift_compensation=0 */
    float x[VECTORS * K];
} fixture;

static void compile(const char *set, test_program *out)
{
    char model[1024];
    test_source_path(model, sizeof model, "tests/data/drift/matmul.onnx");
    aimcc_options options = {0};
    options.target = "pcm-current";
    const aimcc_binding binding = {.name = "drift_compensation", .value = set};
    if (set) {
        options.sets = &binding;
        options.n_sets = 1;
    }
    if (test_compile_file(model, &options, out) != AIMCC_OK)
        fail_msg("compiling the drift MatMul failed: %s", out->message);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    compile(NULL, &f->on);
    compile("0", &f->off);
    /* Inputs in [-1, 1] from a fixed linear congruential sequence. */
    uint32_t seed = 12345;
    for (int i = 0; i < VECTORS * K; i++) {
        seed = seed * 1664525u + 1013904223u;
        f->x[i] = (float)((double)(seed >> 8) / (double)(1u << 24) * 2.0 - 1.0);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_program_free(&f->on);
    test_program_free(&f->off);
    free(f);
    return 0;
}

/* Runs the program's VECTORS inputs on a sim device created at time_s with
 * flags, then moved to later_s (negative: stays), into y. */
static void run_sim(const test_program *compiled, const float *x, uint32_t flags, double time_s,
                    double later_s, float *y)
{
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(compiled->bytes, compiled->size, &program, &error),
                     AIMRT_OK);
    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    options.seed = 3;
    options.time_s = time_s;
    options.flags = flags;
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_sim_create(program, &options, &device), AIMRT_OK);
    aimrt_session *session = NULL;
    assert_int_equal(aimrt_session_create(program, device, VECTORS, &session, &error), AIMRT_OK);
    if (later_s >= 0.0)
        assert_int_equal(device->set_time(device->state, later_s), AIMRT_OK);
    const void *inputs[1] = {x};
    void *outputs[1] = {y};
    for (int v = 0; v < VECTORS; v++) {
        inputs[0] = x + v * K;
        outputs[0] = y + v * N;
        if (aimrt_session_run(session, 1, v, inputs, outputs, &error) != AIMRT_OK)
            fail_msg("run failed: %s", error.message);
    }
    aimrt_session_free(session);
    device->destroy(device->state);
    aimrt_device_free(device);
    aimrt_program_free(program);
}

static double max_abs(const float *y, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(y[i]));
    return m;
}

/* Largest |a - factor b| over the outputs, relative to max |b|. */
static double scaled_error(const float *a, const float *b, double factor)
{
    double e = 0.0;
    for (int i = 0; i < VECTORS * N; i++)
        e = fmax(e, fabs(a[i] - factor * b[i]));
    return e / max_abs(b, VECTORS * N);
}

/* With one exponent nu for every device, a day of drift scales every column
 * sum by ((t + t0) / t0)^(-nu) = 0.6636; compensation undoes it to within
 * 1e-3 of the largest output (the readout rounds each column sum to an
 * integer, about 1e-5 of it here). */
static void test_drift_compensation_restores_scale(void **state)
{
    const fixture *f = *state;
    const uint32_t flags = AIMRT_SIM_UNIFORM_DRIFT | AIMRT_SIM_LOSSLESS_ADC;
    float before[VECTORS * N], after[VECTORS * N];
    run_sim(&f->on, f->x, flags, 0.0, -1.0, before);
    run_sim(&f->on, f->x, flags, DAY_S, -1.0, after);
    assert_true(max_abs(before, VECTORS * N) > 1.0);
    const double error = scaled_error(after, before, 1.0);
    print_message("compensated after one day: error %.3g of the largest output\n", error);
    assert_true(error < 1e-3);
    /* The same when the time is set after the session is created. */
    run_sim(&f->on, f->x, flags, 0.0, DAY_S, after);
    assert_true(scaled_error(after, before, 1.0) < 1e-3);
}

/* Without compensation the outputs drop by the analytic drift factor. */
static void test_drift_uncompensated_drops_analytically(void **state)
{
    const fixture *f = *state;
    const uint32_t flags = AIMRT_SIM_UNIFORM_DRIFT | AIMRT_SIM_LOSSLESS_ADC;
    float before[VECTORS * N], after[VECTORS * N];
    run_sim(&f->off, f->x, flags, 0.0, -1.0, before);
    run_sim(&f->off, f->x, flags, DAY_S, -1.0, after);
    const double factor = pow((DAY_S + T0_S) / T0_S, -NU);
    const double error = scaled_error(after, before, factor);
    print_message("uncompensated after one day: factor %.4f, error %.3g\n", factor, error);
    assert_true(error < 1e-3);
    /* And far from the undrifted outputs, so the check above is not vacuous. */
    assert_true(scaled_error(after, before, 1.0) > 0.1);
}

/* At time 0 the probes measure the same readout twice, so the gain is 1.
 * The outputs then equal those of the uncompensated program bit for bit,
 * with effects off and with every effect on, because the probes' MVM indices
 * differ from the inference's and draw none of its noise. */
static void test_drift_probes_leave_time_zero(void **state)
{
    const fixture *f = *state;
    float on[VECTORS * N], off[VECTORS * N];
    const uint32_t ideal = AIMRT_SIM_NO_NOISE | AIMRT_SIM_LOSSLESS_ADC;
    run_sim(&f->on, f->x, ideal, 0.0, -1.0, on);
    run_sim(&f->off, f->x, ideal, 0.0, -1.0, off);
    assert_memory_equal(on, off, sizeof on);
    run_sim(&f->on, f->x, 0, 0.0, -1.0, on);
    run_sim(&f->off, f->x, 0, 0.0, -1.0, off);
    assert_memory_equal(on, off, sizeof on);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The tiles section's offset, from entry 4 of the section table. */
static uint64_t tiles_offset(const uint8_t *image)
{
    const uint8_t *entry = image + 32 + 24 * 3 + 8;
    return get_u32(entry) | (uint64_t)get_u32(entry + 4) << 32;
}

/* The compiled program marks its tile for compensation (flag bit 0); a
 * flag the format does not define is rejected with the tile named. */
static void test_drift_loader_rejects_tile_flags(void **state)
{
    const fixture *f = *state;
    const uint64_t tiles = tiles_offset(f->on.bytes);
    assert_int_equal(get_u32(f->on.bytes + tiles + 4), 1u);
    assert_int_equal(get_u32(f->off.bytes + tiles_offset(f->off.bytes) + 4), 0u);

    uint8_t *copy = malloc(f->on.size);
    assert_non_null(copy);
    memcpy(copy, f->on.bytes, f->on.size);
    put_u32(copy + tiles + 4, 3u);
    put_u32(copy + 12, 0);
    put_u32(copy + 12, (uint32_t)crc32(0L, copy, (uInt)f->on.size));
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(copy, f->on.size, &program, &error),
                     AIMRT_ERR_INVALID_PROGRAM);
    assert_null(program);
    assert_non_null(strstr(error.message, "tile 0"));
    assert_non_null(strstr(error.message, "flags 0x3"));
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drift_compensation_restores_scale),
        cmocka_unit_test(test_drift_uncompensated_drops_analytically),
        cmocka_unit_test(test_drift_probes_leave_time_zero),
        cmocka_unit_test(test_drift_loader_rejects_tile_flags),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
