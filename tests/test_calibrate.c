/* SPDX-License-Identifier: MIT */
/*
 * Tests of the calibrate pass. The range rules are checked on drawn data
 * against counts and optima that the tests compute by sorting and by
 * scanning the exact quantization error. The probe sample is checked
 * against its bottom-k contract. On the MNIST CNN the pass must give
 * well-formed operands whose ideal outputs match the reference formula of
 * docs/tile-lowering.md, identical programs from identical inputs, ADC
 * ranges equal to column sums of the levels without data, and an error for
 * samples that do not fit the graph input.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimrt/aimrt.h"
#include "backend/emit.h"
#include "ir/ir.h"
#include "passes/calibrate.h"
#include "passes/kind_layout.h"
#include "test_pipeline.h"

/* ---- Drawn data ---- */

/* xorshift64* (Vigna 2016): a fixed-seed stream for the test data. */
static double draw_uniform(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (double)((*state * UINT64_C(2685821657736338717)) >> 11) * 0x1p-53;
}

/* Fills x with n values: uniform on [-1, 1) or standard normal (Box-Muller). */
static float *draw_values(int64_t n, bool gaussian, uint64_t seed)
{
    float *x = malloc((size_t)n * sizeof *x);
    uint64_t state = seed;
    for (int64_t i = 0; i < n; i++) {
        const double u = draw_uniform(&state);
        if (!gaussian) {
            x[i] = (float)(2.0 * u - 1.0);
            continue;
        }
        const double v = draw_uniform(&state);
        x[i] = (float)(sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v));
    }
    return x;
}

static int compare_floats(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The exact mean squared error of quantizing x to [-top, top] with LSB r / top. */
static double quantization_mse(const float *x, int64_t n, double r, int top)
{
    const double lsb = r / top;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double q = nearbyint(x[i] / lsb);
        q = q > top ? top : (q < -top ? -top : q);
        sum += (q * lsb - x[i]) * (q * lsb - x[i]);
    }
    return sum / (double)n;
}

/* ---- Range rules ---- */

static void test_percentile_range_bounds_clipping(void **state)
{
    (void)state;
    const int64_t n = 200000;
    float *x = draw_values(n, true, 7);
    aimcc_calib_histogram *histogram = calloc(1, sizeof *histogram);
    aimcc_calib_histogram_add(histogram, x, n);
    float *sorted = malloc((size_t)n * sizeof *sorted);
    for (int64_t i = 0; i < n; i++)
        sorted[i] = fabsf(x[i]);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_floats);

    const double percentiles[] = {90.0, 99.0, 99.9, 99.995, 100.0};
    for (size_t p = 0; p < sizeof percentiles / sizeof percentiles[0]; p++) {
        const double r = aimcc_calib_range_percentile(histogram, percentiles[p]);
        int64_t clipped = 0;
        for (int64_t i = 0; i < n; i++)
            clipped += fabsf(x[i]) > r;
        const double allowed = floor((double)n * (100.0 - percentiles[p]) / 100.0 + 1e-6);
        if ((double)clipped > allowed)
            fail_msg("percentile %g: range %g clips %lld values, more than %g",
                     percentiles[p], r, (long long)clipped, allowed);
        /* Not wider than one bin (2^(1/32)) above the quantile itself. */
        const int64_t rank = (int64_t)ceil((double)n * percentiles[p] / 100.0) - 1;
        assert_true(r >= sorted[rank]);
        assert_true(r <= sorted[rank] * exp2(1.0 / AIMCC_CALIB_BINS_PER_OCTAVE) * (1 + 1e-9));
    }
    free(sorted);
    free(histogram);
    free(x);
}

/* Checks the MSE rule against a scan of the exact error on a grid of 0.1 %
 * of max|x| from 0.3 max|x| up (every optimum here lies above it). */
static void check_mse_optimum(bool gaussian, int top)
{
    const int64_t n = 50000;
    float *x = draw_values(n, gaussian, 11);
    aimcc_calib_histogram *histogram = calloc(1, sizeof *histogram);
    aimcc_calib_histogram_add(histogram, x, n);
    const double r = aimcc_calib_range_mse(histogram, top);

    double best_r = 0.0, best_mse = INFINITY;
    for (int i = 300; i <= 1000; i++) {
        const double candidate = histogram->max_abs * i / 1000.0;
        const double mse = quantization_mse(x, n, candidate, top);
        if (mse < best_mse) {
            best_mse = mse;
            best_r = candidate;
        }
    }
    const double mse = quantization_mse(x, n, r, top);
    if (mse > 1.02 * best_mse || fabs(r - best_r) > 0.06 * best_r)
        fail_msg("%s, top %d: range %g gives MSE %g; the optimum is %g with MSE %g",
                 gaussian ? "gaussian" : "uniform", top, r, mse, best_r, best_mse);
    free(histogram);
    free(x);
}

static void test_mse_range_uniform_optimum(void **state)
{
    (void)state;
    check_mse_optimum(false, 15);
    check_mse_optimum(false, 127);
}

static void test_mse_range_gaussian_optimum(void **state)
{
    (void)state;
    check_mse_optimum(true, 7);
    check_mse_optimum(true, 15);
    check_mse_optimum(true, 127);
}

static void test_histogram_zeros_give_zero_range(void **state)
{
    (void)state;
    const float zeros[4] = {0.0f, -0.0f, 0.0f, 0.0f};
    aimcc_calib_histogram *histogram = calloc(1, sizeof *histogram);
    aimcc_calib_histogram_add(histogram, zeros, 4);
    assert_int_equal(histogram->total, 4);
    assert_true(aimcc_calib_range_percentile(histogram, 99.995) == 0.0);
    assert_true(aimcc_calib_range_mse(histogram, 127) == 0.0);
    free(histogram);
}

/* ---- Probe sample ---- */

static void test_sample_keeps_smallest_keys(void **state)
{
    (void)state;
    const int64_t rows = 500, capacity = 16;
    aimcc_calib_sample forward, backward;
    assert_true(aimcc_calib_sample_init(&forward, capacity, 2, 1));
    assert_true(aimcc_calib_sample_init(&backward, capacity, 2, 1));
    for (int64_t i = 0; i < rows; i++) {
        const float x[2] = {(float)i, (float)-i}, y[1] = {(float)(2 * i)};
        aimcc_calib_sample_offer(&forward, aimcc_calib_row_key(3, i), x, y);
        const int64_t j = rows - 1 - i;
        const float xj[2] = {(float)j, (float)-j}, yj[1] = {(float)(2 * j)};
        aimcc_calib_sample_offer(&backward, aimcc_calib_row_key(3, j), xj, yj);
    }
    assert_true(aimcc_calib_sample_sort(&forward));
    assert_true(aimcc_calib_sample_sort(&backward));

    /* The kept keys are the 16 smallest of all 500, found here by sorting. */
    uint64_t *keys = malloc((size_t)rows * sizeof *keys);
    for (int64_t i = 0; i < rows; i++)
        keys[i] = aimcc_calib_row_key(3, i);
    for (int64_t i = 1; i < rows; i++)
        for (int64_t j = i; j > 0 && keys[j - 1] > keys[j]; j--) {
            const uint64_t t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    assert_int_equal(forward.n, capacity);
    for (int64_t i = 0; i < capacity; i++) {
        assert_true(forward.keys[i] == keys[i]);
        assert_true(backward.keys[i] == keys[i]);
        /* Each row travels with its key. */
        const float row = forward.x[2 * i];
        assert_true(aimcc_calib_row_key(3, (int64_t)row) == forward.keys[i]);
        assert_true(forward.y[i] == 2.0f * row);
    }
    assert_memory_equal(forward.x, backward.x, (size_t)capacity * 2 * sizeof(float));
    free(keys);
    aimcc_calib_sample_free(&forward);
    aimcc_calib_sample_free(&backward);
}

/* ---- The pass on the MNIST CNN ---- */

/* Calibration samples 5000 .. 5000+n of the MNIST test set, as f32. */
typedef struct calib_data {
    float *x;
    int64_t n;
    int64_t elements;
} calib_data;

static calib_data read_mnist(int64_t n)
{
    char path[4096], message[512];
    test_source_path(path, sizeof path, "models/mnist-cnn/data/x_test_uint8.npy");
    test_tensor images;
    if (test_tensor_read_npy(path, &images, message, sizeof message) != AIMCC_OK)
        fail_msg("%s", message);
    calib_data data = {.n = n, .elements = 28 * 28};
    data.x = malloc((size_t)(n * data.elements) * sizeof *data.x);
    const uint8_t *pixels = images.tensor.data;
    for (int64_t i = 0; i < n * data.elements; i++)
        data.x[i] = pixels[5000 * data.elements + i];
    test_tensor_free(&images);
    return data;
}

/* Writes pcm-current with a lossless ADC to a temporary file: the exact
 * runs alone, without sim instances. */
static void write_lossless_target(char *path, size_t size)
{
    char preset[4096];
    test_source_path(preset, sizeof preset, "targets/pcm-current.json");
    FILE *in = fopen(preset, "rb");
    assert_non_null(in);
    char *text = calloc(1, 1 << 20);
    const size_t n = fread(text, 1, (1 << 20) - 1, in);
    fclose(in);
    assert_true(n > 0);
    /* The preset's "adc" object contains bits, range and bound; replace it whole. */
    char *adc = strstr(text, "\"adc\"");
    assert_non_null(adc);
    char *end = strchr(adc, '{');
    assert_non_null(end);
    for (int depth = 0; *end; end++) {
        depth += (*end == '{') - (*end == '}');
        if (depth == 0)
            break;
    }
    assert_int_equal(*end, '}');
    snprintf(path, size, "/tmp/test_calibrate_target_%d.json", (int)getpid());
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fprintf(out, "%.*s\"adc\": {\"range\": \"lossless\"}%s", (int)(adc - text), text, end + 1);
    fclose(out);
    free(text);
}

static aimcc_compile *compile_mnist(aimcc_ctx *ctx, const char *target, const calib_data *data,
                                    const aimcc_binding *sets, int n_sets)
{
    char model[4096];
    test_source_path(model, sizeof model, "models/mnist-cnn/model.onnx");
    aimcc_options options = {.target = target, .sets = sets, .n_sets = n_sets};
    if (data != NULL) {
        options.calib_inputs = data->x;
        options.calib_samples = data->n;
        options.calib_sample_elements = data->elements;
        options.calib_name = "calib.npy";
    }
    aimcc_compile *compile = NULL;
    if (aimcc_compile_model(ctx, model, &options, &compile) != AIMCC_OK)
        fail_msg("%s", aimcc_ctx_diag(ctx)->message);
    return compile;
}

/* Computes the reference output of a quantized LINEAR for one row of x. */
static void reference_row(const aimcc_op *op, const float *x, float *y)
{
    const aimrt_linear_plan *plan = op->plan;
    const int64_t k = op->inputs[1]->dims[0], n = op->inputs[1]->dims[1];
    const int32_t *w = op->inputs[1]->data;
    const float *bias = op->inputs[2] ? op->inputs[2]->data : NULL;
    const float *w_scale = op->inputs[3]->data;
    const int top = aimcc_layout_input_top(plan->input_sign, plan->input_bits);
    const float low = plan->input_sign == AIMRT_INPUT_UNSIGNED ? 0.0f : (float)-top;
    for (int64_t c = 0; c < n; c++) {
        int64_t acc = 0;
        for (int64_t r = 0; r < k; r++) {
            const float q = fminf(fmaxf(rintf(x[r] / plan->input_scale), low), (float)top);
            acc += (int64_t)q * w[r * n + c];
        }
        y[c] = (float)((double)acc * plan->input_scale * w_scale[c]) + (bias ? bias[c] : 0.0f);
    }
}

static void test_calibrate_operands_well_formed(void **state)
{
    (void)state;
    char target[4096];
    write_lossless_target(target, sizeof target);
    calib_data data = read_mnist(100);
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = compile_mnist(ctx, target, &data, NULL, 0);
    const aimcc_module *module = aimcc_compile_module(compile);

    int n_linear = 0;
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->plan == NULL)
            continue;
        n_linear++;
        assert_int_equal(op->plan->input_range, AIMRT_RANGE_STATIC);
        assert_int_equal(op->n_inputs, 6);
        const aimcc_value *probe_x = op->inputs[4], *probe_y = op->inputs[5];
        const int64_t k = op->inputs[1]->dims[0], n = op->inputs[1]->dims[1];
        assert_int_equal(probe_x->kind, AIMCC_VALUE_CONST);
        assert_int_equal(probe_x->rank, 2);
        assert_int_equal(probe_x->dims[0], 64);
        assert_int_equal(probe_x->dims[1], k);
        assert_int_equal(probe_y->dims[0], 64);
        assert_int_equal(probe_y->dims[1], n);
        float *y = malloc((size_t)n * sizeof *y);
        for (int64_t p = 0; p < 64; p++) {
            reference_row(op, (const float *)probe_x->data + p * k, y);
            const float *want = (const float *)probe_y->data + p * n;
            for (int64_t c = 0; c < n; c++) {
                if (fabsf(y[c] - want[c]) > 1e-5f * fmaxf(1.0f, fabsf(y[c])))
                    fail_msg("%s probe %lld column %lld: stored %.9g, reference %.9g", op->node,
                             (long long)p, (long long)c, (double)want[c], (double)y[c]);
            }
        }
        free(y);
    }
    assert_int_equal(n_linear, 3);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    free(data.x);
    unlink(target);
}

/* The first layer reads raw pixels 0..255, so the max rule must give 255. */
static void test_calibrate_max_rule_first_layer(void **state)
{
    (void)state;
    char target[4096];
    write_lossless_target(target, sizeof target);
    calib_data data = read_mnist(20);
    const aimcc_binding sets[] = {{"calibrate.input", "max"}, {"calibrate.affine", "0"}};
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = compile_mnist(ctx, target, &data, sets, 2);
    const aimcc_module *module = aimcc_compile_module(compile);
    const aimcc_op *op = module->first;
    while (op && op->code != AIMRT_OP_LINEAR)
        op = op->next;
    assert_non_null(op);
    float largest = 0.0f;
    for (int64_t i = 0; i < data.n * data.elements; i++)
        largest = fmaxf(largest, data.x[i]);
    const int top = aimcc_layout_input_top(op->plan->input_sign, op->plan->input_bits);
    assert_true(fabs((double)op->plan->input_scale * top - largest) <= 1e-4 * largest);
    /* calibrate.affine=0 leaves the probes out. */
    assert_int_equal(op->n_inputs, 4);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    free(data.x);
    unlink(target);
}

static void emit_bytes(aimcc_ctx *ctx, aimcc_compile *compile, void **bytes, size_t *size)
{
    if (aimcc_emit_program_bytes(ctx, aimcc_compile_module(compile), bytes, size) != AIMCC_OK)
        fail_msg("%s", aimcc_ctx_diag(ctx)->message);
}

/* Two compilations with the same data on the sim-calibrated target give the same bytes. */
static void test_calibrate_twice_same_bytes(void **state)
{
    (void)state;
    char target[4096];
    test_source_path(target, sizeof target, "tests/data/targets/quantized_pcm.json");
    calib_data data = read_mnist(16);
    const aimcc_binding sets[] = {{"calibrate.instances", "2"}};
    void *bytes[2] = {NULL, NULL};
    size_t size[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        aimcc_ctx *ctx = aimcc_ctx_create();
        aimcc_compile *compile = compile_mnist(ctx, target, &data, sets, 1);
        emit_bytes(ctx, compile, &bytes[i], &size[i]);
        aimcc_compile_destroy(compile);
        aimcc_ctx_destroy(ctx);
    }
    assert_int_equal(size[0], size[1]);
    assert_memory_equal(bytes[0], bytes[1], size[0]);
    free(bytes[0]);
    free(bytes[1]);
    free(data.x);
}

/* Every quantized op on a calibrated ADC gets one range per tile column. */
static void test_calibrate_adc_ranges_per_column(void **state)
{
    (void)state;
    char target[4096];
    test_source_path(target, sizeof target, "tests/data/targets/quantized_pcm.json");
    calib_data data = read_mnist(16);
    const aimcc_binding sets[] = {{"calibrate.instances", "1"}};
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = compile_mnist(ctx, target, &data, sets, 1);
    const aimcc_module *module = aimcc_compile_module(compile);
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->plan == NULL)
            continue;
        assert_int_equal(op->n_inputs, 7);
        const aimcc_value *range = op->inputs[6];
        /* Differential, one 8-bit slice: 2 tile columns per weight column. */
        int64_t columns = 0;
        for (int b = 0; b < op->n_blocks; b++)
            columns += 2 * op->blocks[b].n_cols;
        assert_int_equal(range->rank, 1);
        assert_int_equal(range->dims[0], columns);
        int64_t positive = 0;
        for (int64_t c = 0; c < columns; c++) {
            const float value = ((const float *)range->data)[c];
            assert_true(value >= 0.0f && isfinite(value));
            positive += value > 0.0f;
        }
        if (positive == 0)
            fail_msg("%s: every ADC range is 0", op->node);
    }
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    free(data.x);
}

/* On a kind whose SAR converts a one-sided node (capdiv) every calibrated
 * op carries spans: a bottom at or below 0 and below its top, or both 0. */
static void test_calibrate_spans_on_one_sided_kind(void **state)
{
    (void)state;
    calib_data data = read_mnist(16);
    const aimcc_binding sets[] = {{"calibrate.instances", "1"}};
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = compile_mnist(ctx, "sram-capdiv", &data, sets, 1);
    const aimcc_module *module = aimcc_compile_module(compile);
    int spans = 0;
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->plan == NULL)
            continue;
        assert_int_equal(op->n_inputs, 8);
        const aimcc_value *high = op->inputs[6], *low = op->inputs[7];
        assert_non_null(low);
        assert_int_equal(low->rank, 1);
        assert_int_equal(low->dims[0], high->dims[0]);
        int64_t nonempty = 0;
        for (int64_t c = 0; c < low->dims[0]; c++) {
            const float bottom = ((const float *)low->data)[c];
            const float top = ((const float *)high->data)[c];
            assert_true(bottom <= 0.0f);
            assert_true(bottom < top || (bottom == 0.0f && top == 0.0f));
            nonempty += top > 0.0f;
        }
        assert_true(nonempty > 0);
        spans++;
    }
    assert_int_equal(spans, 3);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    free(data.x);
}

/* Without data and without an adc.bound in the target, no cap applies: every
 * range is the column's sum of levels times Qx, the largest sum it can reach. */
static void test_adc_ranges_uncapped_without_bound(void **state)
{
    (void)state;
    char target[4096];
    test_source_path(target, sizeof target, "tests/data/targets/quantized_pcm.json");
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = compile_mnist(ctx, target, NULL, NULL, 0);
    const aimcc_module *module = aimcc_compile_module(compile);
    int64_t checked = 0;
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->plan == NULL)
            continue;
        assert_false(module->target->kinds[op->kind].params.given[AIMRT_PARAM_ADC_BOUND]);
        const float *range = op->inputs[6]->data;
        const double top = aimcc_layout_input_top(op->plan->input_sign, op->plan->input_bits);
        int64_t at = 0;
        for (int b = 0; b < op->n_blocks; b++) {
            const aimcc_tile_block *block = &op->blocks[b];
            const aimcc_tile *tile = &module->tiles[block->tile];
            for (int64_t c = 0; c < 2 * block->n_cols; c++, at++) {
                double sum = 0.0;
                for (int64_t r = block->tile_row; r < block->tile_row + block->n_rows; r++)
                    sum += tile->levels[r * tile->cols + block->tile_col + c];
                assert_true(fabs(range[at] - sum * top) <= 1e-6 * sum * top);
                checked++;
            }
        }
    }
    assert_true(checked > 0);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
}

/* Without data: the range of a column is its sum of levels times Qx, capped
 * at adc.bound x (2^cb - 1) x (2^(b-1) - 1), the device's default span,
 * when the target sets adc.bound. */
static void test_adc_ranges_from_weights(void **state)
{
    (void)state;
    char target[4096];
    test_source_path(target, sizeof target, "tests/data/targets/quantized_pcm.json");
    aimcc_ctx *ctx = aimcc_ctx_create();
    const aimcc_binding bound = {.name = "kinds[pcm].adc.bound", .value = "10"};
    aimcc_compile *compile = compile_mnist(ctx, target, NULL, &bound, 1);
    const aimcc_module *module = aimcc_compile_module(compile);
    int64_t capped = 0, uncapped = 0;
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->plan == NULL)
            continue;
        assert_int_equal(op->plan->input_range, AIMRT_RANGE_DYNAMIC);
        assert_int_equal(op->n_inputs, 7);
        assert_null(op->inputs[4]);
        const float *range = op->inputs[6]->data;
        const double top = aimcc_layout_input_top(op->plan->input_sign, op->plan->input_bits);
        /* quantized_pcm.json: 8-bit cells, 8-bit amplitude inputs, adc.bound 10 by --set. */
        const double cap = module->target->kinds[op->kind].params.value[AIMRT_PARAM_ADC_BOUND] *
                           255.0 * 127.0;
        int64_t at = 0;
        for (int b = 0; b < op->n_blocks; b++) {
            const aimcc_tile_block *block = &op->blocks[b];
            const aimcc_tile *tile = &module->tiles[block->tile];
            for (int64_t c = 0; c < 2 * block->n_cols; c++, at++) {
                double sum = 0.0;
                for (int64_t r = block->tile_row; r < block->tile_row + block->n_rows; r++)
                    sum += tile->levels[r * tile->cols + block->tile_col + c];
                const double want = fmin(sum * top, cap);
                assert_true(fabs(range[at] - want) <= 1e-6 * want);
                capped += sum * top > cap;
                uncapped += sum > 0.0 && sum * top < cap;
            }
        }
    }
    /* Both sides of the cap occur on this model, so both are checked. */
    assert_true(capped > 0);
    assert_true(uncapped > 0);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
}

static void test_calibrate_sample_size_mismatch(void **state)
{
    (void)state;
    char model[4096], line[2304];
    test_source_path(model, sizeof model, "models/mnist-cnn/model.onnx");
    float x[2 * 100] = {0};
    const aimcc_options options = {.target = "pcm-current", .calib_inputs = x,
                                   .calib_samples = 2, .calib_sample_elements = 100,
                                   .calib_name = "calib.npy"};
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = NULL;
    assert_int_equal(aimcc_compile_model(ctx, model, &options, &compile), AIMCC_ERR_INVALID_ARG);
    assert_null(compile);
    aimcc_diag_format(aimcc_ctx_diag(ctx), line, sizeof line);
    assert_non_null(strstr(line, "calib.npy"));
    assert_non_null(strstr(line, "[calibrate]"));
    assert_non_null(strstr(line, "\"Input3\""));
    assert_non_null(strstr(line, "784"));
    assert_non_null(strstr(line, "100"));
    aimcc_ctx_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_range_bounds_clipping),
        cmocka_unit_test(test_mse_range_uniform_optimum),
        cmocka_unit_test(test_mse_range_gaussian_optimum),
        cmocka_unit_test(test_histogram_zeros_give_zero_range),
        cmocka_unit_test(test_sample_keeps_smallest_keys),
        cmocka_unit_test(test_calibrate_operands_well_formed),
        cmocka_unit_test(test_calibrate_max_rule_first_layer),
        cmocka_unit_test(test_calibrate_twice_same_bytes),
        cmocka_unit_test(test_calibrate_adc_ranges_per_column),
        cmocka_unit_test(test_adc_ranges_from_weights),
        cmocka_unit_test(test_calibrate_spans_on_one_sided_kind),
        cmocka_unit_test(test_adc_ranges_uncapped_without_bound),
        cmocka_unit_test(test_calibrate_sample_size_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
