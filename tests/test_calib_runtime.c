/* SPDX-License-Identifier: MIT */
/*
 * The runtime's per-chip calibration. The least-squares fits are checked
 * against closed forms, and the affine correction against a device that adds
 * known column gains and offsets to the exact device. Drift compensation with
 * stored probes is checked against the analytic drift factor. Then come the
 * calibrated ADC ranges, the op observer and the MVM indices of input phases. Probes are attached to a
 * compiled 64 x 16 MatMul in memory, as a version 2 program stores them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimrt/log.h"
#include "session_internal.h"
#include "test_pipeline.h"
#include "test_support.h"

#define K 64
#define N 16
#define PROBES 24
#define VECTORS 8
#define DAY_S 86400.0
#define T0_S 20.0
/* The shared exponent of AIMRT_SIM_UNIFORM_DRIFT: the mean of Nandakumar
 * 2019 at g_max. */
#define NU 0.049

static test_program compiled;

/* Fails, with the values and the caller's line, unless |actual - expected| <= tolerance. */
static void check_near(double actual, double expected, double tolerance, const char *what,
                       int line)
{
    if (!(fabs(actual - expected) <= tolerance))
        fail_msg("line %d: %s is %.17g, expected %.17g within %.3g", line, what, actual, expected,
                 tolerance);
}

#define assert_near(actual, expected, tolerance) \
    check_near((actual), (expected), (tolerance), #actual, __LINE__)

static int setup(void **state)
{
    (void)state;
    char model[1024];
    test_source_path(model, sizeof model, "tests/data/drift/matmul.onnx");
    aimcc_options options = {0};
    options.target = "pcm-current";
    if (test_compile_file(model, &options, &compiled) != AIMCC_OK) {
        print_error("compiling the MatMul failed: %s\n", compiled.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_program_free(&compiled);
    return 0;
}

/* Fills n values in [-1, 1] from a linear congruential sequence, and sets
 * one value of each row of k to 1, so every row has max |x| = 1 and the
 * dynamic input range gives every row the same LSB 1 / 127. */
static void fill_inputs(float *x, int rows, int k, uint32_t seed)
{
    for (int i = 0; i < rows * k; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((double)(seed >> 8) / (double)(1u << 24) * 2.0 - 1.0);
    }
    for (int r = 0; r < rows; r++)
        x[r * k + (r * 7) % k] = 1.0f;
}

static aimrt_program *load(void)
{
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load(compiled.bytes, compiled.size, &program, &error) != AIMRT_OK)
        fail_msg("loading the MatMul failed: %s", error.message);
    return program;
}

static int linear_op(const aimrt_program *program)
{
    for (int i = 0; i < program->n_ops; i++)
        if (program->ops[i].code == AIMRT_OP_LINEAR && program->ops[i].quantized)
            return i;
    fail_msg("the MatMul has no quantized linear op");
    return -1;
}

/* Appends a constant float tensor over data (borrowed) and returns its id. */
static int32_t add_constant(aimrt_program *program, const char *name, int rank,
                            const int64_t *dims, const float *data)
{
    program_tensor *tensors =
        realloc(program->tensors, (size_t)(program->n_tensors + 1) * sizeof *tensors);
    assert_non_null(tensors);
    program->tensors = tensors;
    program_tensor *t = &tensors[program->n_tensors];
    *t = (program_tensor){.name = name, .dtype = AIMRT_DTYPE_FLOAT,
                          .kind = AIMRT_TENSOR_CONST, .rank = rank, .data = data};
    for (int d = 0; d < rank; d++)
        t->dims[d] = dims[d];
    return program->n_tensors++;
}

/* Gives op the optional inputs 4 to 6 of a version 2 program (-1: absent). */
static void set_calibration_inputs(program_op *op, int32_t probe_x, int32_t probe_y,
                                   int32_t adc_range)
{
    int32_t *inputs = realloc(op->inputs, 7 * sizeof *inputs);
    assert_non_null(inputs);
    op->inputs = inputs;
    op->n_inputs = 7;
    inputs[4] = probe_x;
    inputs[5] = probe_y;
    inputs[6] = adc_range;
}

static aimrt_device *create_exact(const aimrt_program *program)
{
    aimrt_device *device = test_exact_device(program);
    assert_non_null(device);
    return device;
}

static void destroy_device(aimrt_device *device)
{
    test_device_destroy(device);
}

/* Runs rows vectors of x one sample at a time into y. */
static void run_rows(aimrt_session *session, const float *x, int rows, float *y)
{
    aimrt_error error = {0};
    for (int v = 0; v < rows; v++) {
        const void *inputs[1] = {x + v * K};
        void *outputs[1] = {y + v * N};
        if (aimrt_session_run(session, 1, v, inputs, outputs, &error) != AIMRT_OK)
            fail_msg("run failed: %s", error.message);
    }
}

/* Runs rows vectors of x on a fresh session of program on device into y. */
static void run_on(const aimrt_program *program, const aimrt_device *device, const float *x,
                   int rows, float *y)
{
    char message[512];
    if (test_run_vectors(program, device, x, rows, K, y, N, message, sizeof message) != AIMRT_OK)
        fail_msg("%s", message);
}

/* The probes of one program: inputs and their exact outputs. */
typedef struct probes {
    float x[PROBES * K];
    float y[PROBES * N];
} probes;

/* Computes probe outputs on the exact device (the program has no probes
 * yet) and attaches the probes to the program's linear op. */
static void attach_probes(aimrt_program *program, probes *p)
{
    fill_inputs(p->x, PROBES, K, 777);
    aimrt_device *exact = create_exact(program);
    run_on(program, exact, p->x, PROBES, p->y);
    destroy_device(exact);
    const int64_t x_dims[2] = {PROBES, K}, y_dims[2] = {PROBES, N};
    const int32_t x_id = add_constant(program, "probe_x", 2, x_dims, p->x);
    const int32_t y_id = add_constant(program, "probe_y", 2, y_dims, p->y);
    set_calibration_inputs(&program->ops[linear_op(program)], x_id, y_id, -1);
}

/* ---- The fits against closed forms ---- */

/* y = 2 x + 3 + r with r orthogonal to 1 and x: the least-squares line is
 * still 2 x + 3, and the residual rms is that of r, sqrt(10 / 5). */
static void test_fit_affine_closed_form(void **state)
{
    (void)state;
    const float x[5] = {1, 2, 3, 4, 5};
    const float r[5] = {1, -2, 0, 2, -1};
    float y[5];
    for (int i = 0; i < 5; i++)
        y[i] = 2.0f * x[i] + 3.0f + r[i];
    const session_affine fit = session_fit_affine(x, y, 5, 1);
    assert_int_equal(fit.kind, SESSION_FIT_AFFINE);
    assert_near(fit.gain, 2.0, 1e-12);
    assert_near(fit.offset, 3.0, 1e-12);
    assert_near(fit.residual_rms, sqrt(2.0), 1e-12);
}

/* A strided column: the fit reads every stride-th value. */
static void test_fit_affine_strided_column(void **state)
{
    (void)state;
    float ideal[3 * 4], measured[3 * 4];
    for (int p = 0; p < 4; p++)
        for (int j = 0; j < 3; j++) {
            ideal[p * 3 + j] = (float)(p * p + j);
            measured[p * 3 + j] = 0.5f * ideal[p * 3 + j] - (float)j;
        }
    for (int j = 0; j < 3; j++) {
        const session_affine fit = session_fit_affine(ideal + j, measured + j, 4, 3);
        assert_near(fit.gain, 0.5, 1e-12);
        assert_near(fit.offset, -(double)j, 1e-12);
    }
}

/* Constant ideal outputs give an offset only. A negative or not finite gain
 * leaves the column uncorrected. */
static void test_fit_affine_degenerate_columns(void **state)
{
    (void)state;
    const float constant[4] = {2, 2, 2, 2};
    const float measured[4] = {3, 4, 5, 6};
    session_affine fit = session_fit_affine(constant, measured, 4, 1);
    assert_int_equal(fit.kind, SESSION_FIT_OFFSET_ONLY);
    assert_near(fit.gain, 1.0, 0.0);
    assert_near(fit.offset, 4.5 - 2.0, 1e-12);

    const float one[1] = {7};
    const float one_measured[1] = {9};
    fit = session_fit_affine(one, one_measured, 1, 1);
    assert_int_equal(fit.kind, SESSION_FIT_OFFSET_ONLY);
    assert_near(fit.offset, 2.0, 1e-12);

    const float x[4] = {1, 2, 3, 4};
    const float falling[4] = {4, 3, 2, 1};
    fit = session_fit_affine(x, falling, 4, 1);
    assert_int_equal(fit.kind, SESSION_FIT_IDENTITY);
    assert_near(fit.gain, 1.0, 0.0);
    assert_near(fit.offset, 0.0, 0.0);

    const float not_finite[4] = {1, NAN, 3, 4};
    fit = session_fit_affine(x, not_finite, 4, 1);
    assert_int_equal(fit.kind, SESSION_FIT_IDENTITY);
}

/* The slope through the origin is sum xy / sum xx, else 1. */
static void test_fit_slope_through_origin(void **state)
{
    (void)state;
    /* x = (1, 2), y = (1.5, 2.5): (1.5 + 5) / (1 + 4) = 1.3 */
    assert_near(session_fit_slope(6.5, 5.0), 1.3, 1e-15);
    assert_near(session_fit_slope(1.0, 0.0), 1.0, 0.0);
    assert_near(session_fit_slope(-1.0, 2.0), 1.0, 0.0);
}

/* ---- A device that wraps the exact device ---- */

typedef struct skewed {
    aimrt_device *inner;
    int32_t n_tiles;
    int64_t cols;            /* of every tile */
    double *gain;            /* per tile column, n_tiles x cols */
    double *offset;
    /* What the runtime sent: the ADC ranges and the MVM indices. */
    float ranges[4096];
    int64_t n_ranges;
    int32_t range_tile[8];
    int64_t range_col0[8], range_cols[8];
    int n_range_calls;
    int64_t mvm_seen[4096];
    int64_t n_mvm_seen;
} skewed;

static aimrt_status skewed_write(void *state, const aimrt_tile_desc *tile, const float *levels)
{
    skewed *s = state;
    return s->inner->write_tile(s->inner->state, tile, levels);
}

/* Applies y = g y + o per tile column to the exact column sums. */
static aimrt_status skewed_mvm(void *state, int32_t tile, int64_t row0, int64_t n_rows,
                               int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                               double *y, const int64_t *sample_index, const int64_t *mvm_index)
{
    skewed *s = state;
    const aimrt_status status = s->inner->mvm(s->inner->state, tile, row0, n_rows, col0, n_cols,
                                              n_vectors, x, y, sample_index, mvm_index);
    for (int64_t v = 0; v < n_vectors && s->n_mvm_seen < 4096; v++)
        s->mvm_seen[s->n_mvm_seen++] = mvm_index[v];
    for (int64_t v = 0; v < n_vectors; v++)
        for (int64_t c = 0; c < n_cols; c++) {
            const int64_t at = (int64_t)tile * s->cols + col0 + c;
            y[v * n_cols + c] = s->gain[at] * y[v * n_cols + c] + s->offset[at];
        }
    return status;
}

static aimrt_status skewed_set_adc_range(void *state, int32_t tile, int64_t col0, int64_t n_cols,
                                         const float *range)
{
    skewed *s = state;
    assert_true(s->n_range_calls < 8 && s->n_ranges + n_cols <= 4096);
    s->range_tile[s->n_range_calls] = tile;
    s->range_col0[s->n_range_calls] = col0;
    s->range_cols[s->n_range_calls++] = n_cols;
    memcpy(s->ranges + s->n_ranges, range, (size_t)n_cols * sizeof *range);
    s->n_ranges += n_cols;
    return AIMRT_OK;
}

static void skewed_destroy(void *state)
{
    skewed *s = state;
    destroy_device(s->inner);
    free(s->gain);
    free(s->offset);
    free(s);
}

/* Creates the wrapper with gain 1 and offset 0 everywhere; flags as given. */
static aimrt_device *create_skewed(const aimrt_program *program, uint32_t flags, skewed **out)
{
    skewed *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->inner = create_exact(program);
    s->n_tiles = aimrt_program_n_tiles(program);
    for (int32_t t = 0; t < s->n_tiles; t++)
        s->cols = program->tiles[t].cols > s->cols ? program->tiles[t].cols : s->cols;
    s->gain = malloc((size_t)(s->n_tiles * s->cols) * sizeof(double));
    s->offset = calloc((size_t)(s->n_tiles * s->cols), sizeof(double));
    assert_true(s->gain && s->offset);
    for (int64_t i = 0; i < s->n_tiles * s->cols; i++)
        s->gain[i] = 1.0;
    aimrt_device *device = calloc(1, sizeof *device);
    assert_non_null(device);
    *device = (aimrt_device){.size = sizeof *device, .version = AIMRT_DEVICE_VERSION,
                             .name = "skewed", .state = s, .write_tile = skewed_write,
                             .mvm = skewed_mvm, .destroy = skewed_destroy, .flags = flags,
                             .set_adc_range = skewed_set_adc_range};
    *out = s;
    return device;
}

/* The injected gain of logical column j and the offset on the positive
 * column of its least significant slice, both integers so that the column
 * sums stay exact integers. */
static double injected_gain(int64_t j)
{
    return (double)(1 + j % 3);
}

static double injected_offset(int64_t j)
{
    return (double)(j % 5) - 2.0;
}

/* Sets the wrapper's gains and offsets for every block of op (differential
 * encoding: tile column 2 (c S + s) + polarity). */
static void inject_skew(const aimrt_program *program, const program_op *op, skewed *s)
{
    assert_int_equal(op->plan.encoding, AIMRT_ENCODING_DIFFERENTIAL);
    const int64_t slices = op->plan.n_slices;
    for (int i = 0; i < op->n_blocks; i++) {
        const program_block *b = &op->blocks[i];
        const int64_t columns = b->n_cols * slices * 2;
        for (int64_t local = 0; local < columns; local++) {
            const int64_t base = local / 2, j = b->w_col + base / slices;
            const int64_t at = (int64_t)b->tile * s->cols + b->tile_col + local;
            s->gain[at] = injected_gain(j);
            s->offset[at] = base % slices == 0 && local % 2 == 0 ? injected_offset(j) : 0.0;
        }
    }
    (void)program;
}

static double max_abs(const float *y, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(y[i]));
    return m;
}

/* Largest |a - factor b| relative to max |b|. */
static double scaled_error(const float *a, const float *b, int n, double factor)
{
    double e = 0.0;
    for (int i = 0; i < n; i++)
        e = fmax(e, fabs(a[i] - factor * b[i]));
    return e / max_abs(b, n);
}

/* ---- The affine correction on a chip with known column errors ---- */

/* The wrapper multiplies every column sum of logical column j by g_j and
 * adds o_j to its least significant positive column. With the LSB s = 1 /
 * 127 of every input (max |x| = 1) the outputs become g_j y + o_j s w_j, so
 * the fit must find a_j = g_j and b_j = o_j s w_j, and the corrected outputs
 * equal the exact device's. */
static void test_correction_removes_column_skew(void **state)
{
    (void)state;
    aimrt_program *program = load();
    float x[VECTORS * K], expected[VECTORS * N], actual[VECTORS * N], raw[VECTORS * N];
    fill_inputs(x, VECTORS, K, 4242);
    aimrt_device *exact = create_exact(program);
    run_on(program, exact, x, VECTORS, expected);
    destroy_device(exact);

    /* Without probes the skew reaches the outputs. */
    const int index = linear_op(program);
    skewed *s = NULL;
    aimrt_device *device = create_skewed(program, AIMRT_DEVICE_LINEAR, &s);
    inject_skew(program, &program->ops[index], s);
    run_on(program, device, x, VECTORS, raw);
    assert_true(scaled_error(raw, expected, VECTORS * N, 1.0) > 0.1);

    probes *p = malloc(sizeof *p);
    assert_non_null(p);
    attach_probes(program, p);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(program, device, 1, &session, &error), AIMRT_OK);
    run_rows(session, x, VECTORS, actual);
    const double e = scaled_error(actual, expected, VECTORS * N, 1.0);
    print_message("corrected outputs: error %.3g of the largest output\n", e);
    assert_true(e < 1e-5);

    int64_t n_cols = 0;
    float gain[N], offset[N], drift[N];
    assert_int_equal(aimrt_session_correction(session, index, &n_cols, gain, offset, drift),
                     AIMRT_OK);
    assert_int_equal(n_cols, N);
    const program_op *op = &program->ops[index];
    const float *w_scale = program->tensors[op->inputs[3]].data;
    const double lsb = 1.0f / 127.0f;
    for (int j = 0; j < N; j++) {
        const double b = injected_offset(j) * lsb * w_scale[j];
        assert_near(gain[j], injected_gain(j), 1e-5 * injected_gain(j));
        assert_near(offset[j], b, 1e-5 * max_abs(expected, VECTORS * N));
        assert_near(drift[j], 1.0, 0.0);
    }
    assert_int_equal(aimrt_session_correction(session, program->n_ops, &n_cols, NULL, NULL, NULL),
                     AIMRT_ERR_INVALID_ARG);
    aimrt_session_free(session);
    destroy_device(device);
    aimrt_program_free(program);
    free(p);
}

/* Probe shapes that do not match the op fail at session creation, naming
 * the op. */
static void test_correction_rejects_probe_shape(void **state)
{
    (void)state;
    aimrt_program *program = load();
    static float x[PROBES * K], y[PROBES * (N + 1)];
    const int64_t x_dims[2] = {PROBES, K}, y_dims[2] = {PROBES, N + 1};
    const int index = linear_op(program);
    set_calibration_inputs(&program->ops[index], add_constant(program, "px", 2, x_dims, x),
                           add_constant(program, "py", 2, y_dims, y), -1);
    aimrt_device *exact = create_exact(program);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(program, exact, 1, &session, &error),
                     AIMRT_ERR_INVALID_PROGRAM);
    assert_null(session);
    assert_non_null(strstr(error.message, program->ops[index].node));
    assert_non_null(strstr(error.message, "probe_y [P, 16]"));
    destroy_device(exact);
    aimrt_program_free(program);
}

/* ---- Drift compensation with the stored probes ---- */

/* Runs fixed inputs on a sim device (drift alone) created at time_s, and
 * fills y and the drift factors of the program's linear op. */
static void run_drifted(const aimrt_program *program, double time_s, float *y, float *drift)
{
    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    options.seed = 3;
    options.time_s = time_s;
    options.flags = AIMRT_SIM_UNIFORM_DRIFT | AIMRT_SIM_LOSSLESS_ADC;
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_sim_create(program, &options, &device), AIMRT_OK);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    if (aimrt_session_create(program, device, 1, &session, &error) != AIMRT_OK)
        fail_msg("session create failed: %s", error.message);
    float x[VECTORS * K];
    fill_inputs(x, VECTORS, K, 99);
    run_rows(session, x, VECTORS, y);
    int64_t n_cols = 0;
    assert_int_equal(aimrt_session_correction(session, linear_op(program), &n_cols, NULL, NULL,
                                              drift),
                     AIMRT_OK);
    aimrt_session_free(session);
    destroy_device(device);
}

/* With one exponent nu for every device, a day scales every column sum by
 * ((t + t0) / t0)^-nu = 0.6636. Compensation with the probes (global, from
 * the tile flag, and per-column, from the kind's parameter) finds the
 * inverse factor to 1e-4 and restores the time-0 outputs to within 1e-4 of
 * the largest output. The lossless readout rounds column sums to integers,
 * which leaves about 1e-5. */
static void test_drift_probes_restore_scale(void **state)
{
    (void)state;
    const double factor = pow((DAY_S + T0_S) / T0_S, NU);
    for (int mode = 1; mode <= 2; mode++) {
        aimrt_program *program = load();
        probes *p = malloc(sizeof *p);
        assert_non_null(p);
        attach_probes(program, p);
        const int index = linear_op(program);
        if (mode == 2) {
            /* A version 2 program gives the mode in the kind's parameters. */
            program->version = 2;
            aimrt_kind_params *params = &program->kinds[program->ops[index].plan.kind].params;
            params->value[AIMRT_PARAM_DRIFT_COMPENSATION] = 2.0;
            params->given[AIMRT_PARAM_DRIFT_COMPENSATION] = true;
        }
        float before[VECTORS * N], after[VECTORS * N], drift[N];
        run_drifted(program, 0.0, before, drift);
        for (int j = 0; j < N; j++)
            assert_near(drift[j], 1.0, 0.0);
        run_drifted(program, DAY_S, after, drift);
        const double e = scaled_error(after, before, VECTORS * N, 1.0);
        print_message("mode %d after one day: drift factor %.7f (closed form %.7f), error %.3g\n",
                      mode, drift[0], factor, e);
        assert_true(e < 1e-4);
        for (int j = 0; j < N; j++)
            assert_near(drift[j], factor, 1e-4 * factor);
        aimrt_program_free(program);
        free(p);
    }
}

/* The runtime's log lines, captured at INFO. */
typedef struct captured {
    char lines[8][512];
    int n;
} captured;

static void capture(aimrt_log_level level, const char *message, void *user)
{
    captured *c = user;
    if (level == AIMRT_LOG_INFO && c->n < 8)
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", message);
}

/* Returns the first captured line that contains both a and b. */
static const char *find_line(const captured *c, const char *a, const char *b)
{
    for (int i = 0; i < c->n; i++)
        if (strstr(c->lines[i], a) && strstr(c->lines[i], b))
            return c->lines[i];
    return NULL;
}

/* At INFO the session logs one line per calibrated op (the injected gains
 * 1 + j mod 3 of 16 columns have mean 31 / 16 = 1.9375) and one per drift
 * re-measurement with the factor range. */
static void test_calibration_logs_fit_summary(void **state)
{
    (void)state;
    aimrt_program *program = load();
    const int index = linear_op(program);
    skewed *s = NULL;
    aimrt_device *device = create_skewed(program, AIMRT_DEVICE_LINEAR, &s);
    inject_skew(program, &program->ops[index], s);
    probes *p = malloc(sizeof *p);
    assert_non_null(p);
    attach_probes(program, p);

    captured lines = {.n = 0};
    aimrt_log_set_callback(capture, &lines);
    aimrt_log_set_level(AIMRT_LOG_INFO);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    const aimrt_status status = aimrt_session_create(program, device, 1, &session, &error);
    float drift[N], y[VECTORS * N];
    run_drifted(program, DAY_S, y, drift);
    aimrt_log_set_level(AIMRT_LOG_WARN);
    aimrt_log_set_callback(NULL, NULL);
    assert_int_equal(status, AIMRT_OK);

    const char *fit = find_line(&lines, program->ops[index].node, "calibrated with 24 probes");
    assert_non_null(fit);
    print_message("%s\n", fit);
    assert_non_null(strstr(fit, "gain mean 1.9375 min 1 max 3"));
    assert_non_null(strstr(fit, "0 of 16 columns offset only, 0 left uncorrected"));
    const char *drifted = find_line(&lines, "drift compensation at 86400 s", "factor 1.50711");
    assert_non_null(drifted);
    print_message("%s\n", drifted);
    aimrt_session_free(session);
    destroy_device(device);
    aimrt_program_free(program);
    free(p);
}

/* ---- ADC ranges, observer, phase indices ---- */

/* Input 6 reaches the device's set_adc_range block by block, in block order. */
static void test_adc_range_reaches_device(void **state)
{
    (void)state;
    aimrt_program *program = load();
    const int index = linear_op(program);
    program_op *op = &program->ops[index];
    int64_t columns = 0;
    for (int i = 0; i < op->n_blocks; i++)
        columns += program_block_columns(op, &op->blocks[i]);
    assert_true(columns <= 4096 && op->n_blocks <= 8);
    float *range = malloc((size_t)columns * sizeof *range);
    assert_non_null(range);
    for (int64_t c = 0; c < columns; c++)
        range[c] = (float)(c + 1);
    const int64_t dims[1] = {columns};
    set_calibration_inputs(op, -1, -1, add_constant(program, "adc_range", 1, dims, range));

    skewed *s = NULL;
    aimrt_device *device = create_skewed(program, AIMRT_DEVICE_LINEAR, &s);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(program, device, 1, &session, &error), AIMRT_OK);
    assert_int_equal(s->n_range_calls, op->n_blocks);
    for (int i = 0; i < op->n_blocks; i++) {
        assert_int_equal(s->range_tile[i], op->blocks[i].tile);
        assert_int_equal(s->range_col0[i], op->blocks[i].tile_col);
        assert_int_equal(s->range_cols[i], program_block_columns(op, &op->blocks[i]));
    }
    assert_int_equal(s->n_ranges, columns);
    assert_memory_equal(s->ranges, range, (size_t)columns * sizeof *range);
    aimrt_session_free(session);

    /* A negative range is rejected with the op and the tensor named. */
    range[0] = -1.0f;
    assert_int_equal(aimrt_session_create(program, device, 1, &session, &error),
                     AIMRT_ERR_INVALID_PROGRAM);
    assert_non_null(strstr(error.message, op->node));
    assert_non_null(strstr(error.message, "adc_range"));
    destroy_device(device);
    aimrt_program_free(program);
    free(range);
}

typedef struct observed {
    int calls;
    int last_index;
    float linear_output[N];
} observed;

static void observe(void *user, int op_index, const char *node, int op_code, int n_inputs,
                    const aimrt_tensor *inputs, int n_outputs, const aimrt_tensor *outputs)
{
    observed *o = user;
    assert_non_null(node);
    assert_true(op_index == o->last_index + 1);
    assert_true(n_inputs >= 1 && n_outputs >= 1 && inputs[0].data && outputs[0].data);
    o->last_index = op_index;
    o->calls++;
    if (op_code == AIMRT_OP_LINEAR) {
        assert_int_equal(test_tensor_count(&outputs[0]), N);
        memcpy(o->linear_output, outputs[0].data, sizeof o->linear_output);
    }
}

/* The observer receives every op in order, and the linear op's output view
 * contains what the run returned. Clearing the observer stops the calls. */
static void test_observer_sees_every_op(void **state)
{
    (void)state;
    aimrt_program *program = load();
    aimrt_device *exact = create_exact(program);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(program, exact, 1, &session, &error), AIMRT_OK);
    observed o = {.last_index = -1};
    assert_int_equal(aimrt_session_set_observer(session, observe, &o), AIMRT_OK);
    float x[K], y[N];
    fill_inputs(x, 1, K, 5);
    run_rows(session, x, 1, y);
    assert_int_equal(o.calls, program->n_ops);
    if (program->ops[program->n_ops - 1].code == AIMRT_OP_LINEAR)
        assert_memory_equal(o.linear_output, y, sizeof y);
    assert_int_equal(aimrt_session_set_observer(session, NULL, NULL), AIMRT_OK);
    o.last_index = -1;
    run_rows(session, x, 1, y);
    assert_int_equal(o.calls, program->n_ops);
    assert_int_equal(aimrt_session_set_observer(NULL, observe, &o), AIMRT_ERR_INVALID_ARG);
    /* Without probes the op has no correction to report. */
    int64_t n_cols = 0;
    assert_int_equal(aimrt_session_correction(session, linear_op(program), &n_cols, NULL, NULL,
                                              NULL),
                     AIMRT_ERR_INVALID_ARG);
    aimrt_session_free(session);
    destroy_device(exact);
    aimrt_program_free(program);
}

/* On a bit-serial plan (8 phases) each phase of MVM m is MVM 8 m + p, so no
 * two phases share dynamic noise keys; the outputs equal the one-phase
 * plan's on the exact device. */
/* Fills x from seed, writes the exact outputs of the program into expected,
 * switches its op to bit-serial input phases and returns a skewed device
 * with gain 1 and offset 0. */
static aimrt_device *bit_serial_skewed(aimrt_program *program, float *x, uint32_t seed,
                                       float *expected, skewed **out)
{
    fill_inputs(x, VECTORS, K, seed);
    aimrt_device *exact = create_exact(program);
    run_on(program, exact, x, VECTORS, expected);
    destroy_device(exact);

    program_op *op = &program->ops[linear_op(program)];
    assert_int_equal(op->plan.input_sign, AIMRT_INPUT_ONE_PASS);
    op->plan.input_mode = AIMRT_INPUT_BIT_SERIAL;
    op->plan.n_phases = op->plan.input_bits;
    return create_skewed(program, 0, out);
}

static void test_phases_get_own_mvm_index(void **state)
{
    (void)state;
    aimrt_program *program = load();
    float x[VECTORS * K], expected[VECTORS * N], actual[VECTORS * N];
    skewed *s = NULL;
    aimrt_device *device = bit_serial_skewed(program, x, 31, expected, &s);
    const program_op *op = &program->ops[linear_op(program)];
    run_on(program, device, x, 1, actual);
    assert_memory_equal(actual, expected, N * sizeof(float));
    /* One vector of sample 0, MVM index 0: phases 0 .. 7 per block. */
    assert_int_equal(s->n_mvm_seen, op->n_blocks * op->plan.n_phases);
    for (int64_t i = 0; i < s->n_mvm_seen; i++)
        assert_int_equal(s->mvm_seen[i], i % op->plan.n_phases);
    destroy_device(device);
    aimrt_program_free(program);
}

/* A device's column sums need not be integers: the sim returns ADC codes
 * times a fractional LSB. The same gain on every tile column, reference
 * columns included, scales each decoded phase and so the output by that
 * gain, which truncated sums would not do. */
static void test_fractional_sums_scale_output(void **state)
{
    (void)state;
    aimrt_program *program = load();
    float x[VECTORS * K], expected[VECTORS * N], actual[VECTORS * N];
    skewed *s = NULL;
    aimrt_device *device = bit_serial_skewed(program, x, 47, expected, &s);
    const double gain = 0.7;
    for (int64_t i = 0; i < s->n_tiles * s->cols; i++)
        s->gain[i] = gain;
    run_on(program, device, x, VECTORS, actual);

    const double tolerance = 1e-6 * max_abs(expected, VECTORS * N);
    for (int i = 0; i < VECTORS * N; i++)
        assert_near(actual[i], gain * expected[i], tolerance);
    destroy_device(device);
    aimrt_program_free(program);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_affine_closed_form),
        cmocka_unit_test(test_fit_affine_strided_column),
        cmocka_unit_test(test_fit_affine_degenerate_columns),
        cmocka_unit_test(test_fit_slope_through_origin),
        cmocka_unit_test(test_correction_removes_column_skew),
        cmocka_unit_test(test_correction_rejects_probe_shape),
        cmocka_unit_test(test_drift_probes_restore_scale),
        cmocka_unit_test(test_calibration_logs_fit_summary),
        cmocka_unit_test(test_adc_range_reaches_device),
        cmocka_unit_test(test_observer_sees_every_op),
        cmocka_unit_test(test_phases_get_own_mvm_index),
        cmocka_unit_test(test_fractional_sums_scale_output),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
