/* SPDX-License-Identifier: MIT */
/*
 * Tests of tile lowering on integer kinds. They cover the kind layout rules,
 * select-domain, and quantize (scales and integers against numpy, input sign
 * detection, DequantizeLinear integers). The quantized LINEAR reference
 * kernel is checked against numpy, encode levels are decoded back with the
 * formulas of docs/tile-lowering.md, each pass's IR dump is parsed and printed
 * again and compared with golden files, and the exact device must match the
 * reference kernel bit for bit. It also covers the verifier's block bounds,
 * non-finite weights and the tile usage that `aimcc inspect` prints.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aimrt/aimrt.h"
#include "backend/emit.h"
#include "data/quantize/quantize_refs.h"
#include "ir/ir.h"
#include "ir/target.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"
#include "test_ir_eval.h"
#include "test_pipeline.h"

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    f->module = aimcc_ir_module_create(f->arena, "test");
    f->module->properties = AIMCC_PROP_IMPORTED | AIMCC_PROP_CANONICAL;
    *state = f;
    return f->arena != NULL && f->ctx != NULL && f->module != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

/* ---- Helpers ---- */

/* Loads tests/data/targets/quantized_NAME.json with --set bindings and binds it. */
static void bind_target(fixture *f, const char *name, const aimcc_binding *sets, int n_sets)
{
    char relative[256], path[1024];
    snprintf(relative, sizeof relative, "tests/data/targets/quantized_%s.json", name);
    test_source_path(path, sizeof path, relative);
    aimcc_target *target = NULL;
    if (aimcc_target_load(f->ctx, f->arena, path, sets, n_sets, &target) != AIMCC_OK)
        fail_msg("loading %s failed: %s", path, aimcc_ctx_diag(f->ctx)->message);
    f->module->target = target;
    f->module->target_name = target->name;
}

static aimcc_value *add_input(fixture *f, const char *name, int64_t k)
{
    const int64_t dims[2] = {1, k};
    aimcc_value *x =
        aimcc_ir_value_add(f->module, name, AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 2, dims, NULL);
    assert_non_null(x);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    return x;
}

static aimcc_value *add_const(fixture *f, const char *name, aimrt_dtype dtype, int rank,
                              const int64_t *dims, const void *data)
{
    aimcc_value *value = aimcc_ir_value_add(f->module, name, AIMCC_VALUE_CONST, dtype, rank, dims,
                                            data);
    assert_non_null(value);
    return value;
}

static aimcc_op *add_op(fixture *f, aimrt_op code, const char *node, int n_inputs,
                        aimcc_value *const *inputs, int n_attrs, const aimrt_attr *attrs)
{
    aimcc_op *op = NULL;
    if (aimcc_ir_op_create(f->ctx, f->module, NULL, code, node, "Test", n_inputs, inputs, n_attrs,
                           attrs, 1, NULL, &op) != AIMCC_OK)
        fail_msg("creating %s failed: %s", node, aimcc_ctx_diag(f->ctx)->message);
    return op;
}

/* Adds LINEAR(x, W [K, N] f32, no bias) and marks its output as a graph output. */
static aimcc_op *add_linear(fixture *f, const char *node, aimcc_value *x, int64_t k, int64_t n,
                            const float *w)
{
    const int64_t dims[2] = {k, n};
    aimcc_value *inputs[3] = {x, add_const(f, NULL, AIMRT_DTYPE_FLOAT, 2, dims, w), NULL};
    aimcc_op *op = add_op(f, AIMRT_OP_LINEAR, node, 3, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, op->outputs[0]), AIMCC_OK);
    return op;
}

/* Runs one pass the way the pipeline does: run, set its property, verify. */
static void run_pass(fixture *f, const aimcc_pass *pass)
{
    if (pass->run(f->module, f->ctx) != AIMCC_OK)
        fail_msg("%s failed: %s", pass->name, aimcc_ctx_diag(f->ctx)->message);
    f->module->properties |= pass->provides;
    if (aimcc_ir_verify(f->ctx, f->module) != AIMCC_OK)
        fail_msg("verify after %s failed: %s", pass->name, aimcc_ctx_diag(f->ctx)->message);
}

static void run_until(fixture *f, const char *last)
{
    const aimcc_options options = {.stop_after = last, .verify_each = true};
    if (aimcc_pipeline_run(f->ctx, f->module, &options) != AIMCC_OK)
        fail_msg("pipeline up to %s failed: %s", last, aimcc_ctx_diag(f->ctx)->message);
}

/* Finds the LINEAR op of node. */
static aimcc_op *find_linear(const aimcc_module *module, const char *node)
{
    for (aimcc_op *op = module->first; op != NULL; op = op->next)
        if (op->code == AIMRT_OP_LINEAR && strcmp(op->node, node) == 0)
            return op;
    fail_msg("no linear op of node %s", node);
    return NULL;
}

static void assert_ints_equal(const char *label, const int32_t *actual, const int32_t *expected,
                              int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (actual[i] != expected[i])
            fail_msg("%s[%lld] is %d, expected %d", label, (long long)i, actual[i], expected[i]);
}

/* Compares floats bit for bit (the scales and the reference values are exact). */
static void assert_floats_equal(const char *label, const float *actual, const float *expected,
                                int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (memcmp(&actual[i], &expected[i], sizeof(float)) != 0)
            fail_msg("%s[%lld] is %.9g, expected %.9g", label, (long long)i, (double)actual[i],
                     (double)expected[i]);
}

/* ---- Kind layout ---- */

static void test_kind_layout_rejects_bad_kinds(void **state)
{
    fixture *f = *state;
    const aimcc_tile_kind good = {.name = "k", .rows = 8, .cols = 8, .n_tiles = 1,
                                  .weight_bits = 8, .cell_bits = 2, .encoding = "differential",
                                  .input_mode = "bit-serial", .input_bits = 8};
    assert_int_equal(aimcc_kind_check(f->ctx, &good), AIMCC_OK);
    static const struct {
        int weight_bits, cell_bits, input_bits;
        const char *encoding;
        const char *field;
    } cases[] = {
        {8, 2, 8, "twos-complement", "cell_bits is 2"},
        {1, 1, 8, "differential", "weight_bits is 1"},
        {17, 2, 8, "differential", "weight_bits is 17"},
        {4, 8, 8, "offset", "cell_bits is 8"},
        {8, 0, 8, "offset", "cell_bits is 0"},
        {8, 2, 0, "differential", "input.bits is 0"},
        {8, 2, 17, "differential", "input.bits is 17"},
        {8, 2, 8, "gray-code", "encoding \"gray-code\""},
        {0, 0, 8, "differential", "encoding \"differential\" needs integer weights"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aimcc_tile_kind kind = good;
        kind.name = "bad-kind";
        kind.weight_bits = cases[i].weight_bits;
        kind.cell_bits = cases[i].cell_bits;
        kind.input_bits = cases[i].input_bits;
        kind.encoding = cases[i].encoding;
        aimcc_ctx_clear(f->ctx);
        assert_int_equal(aimcc_kind_check(f->ctx, &kind), AIMCC_ERR_INVALID_ARG);
        const char *message = aimcc_ctx_diag(f->ctx)->message;
        if (!strstr(message, "\"bad-kind\"") || !strstr(message, cases[i].field))
            fail_msg("case %zu: message \"%s\" lacks the kind or \"%s\"", i, message,
                     cases[i].field);
    }
}

/* S, P, phases and reference columns of each preset kind of the design's table. */
typedef struct preset_counts {
    const char *name;
    int32_t slices, polarities, phases_signed, phases_unsigned, references;
} preset_counts;

static const preset_counts preset_table[] = {
    /* pcm-current: 8-bit weights on 8-bit cells, differential, amplitude one pass. */
    {"pcm", 1, 2, 1, 1, 0},
    /* rram-current: 2-bit cells, differential, bit-serial 8. */
    {"rram", 4, 2, 8, 8, 0},
    /* sram-charge: binary cells, two's complement slices, bit-serial 8. */
    {"sram", 8, 1, 8, 8, 0},
    /* sram-capdiv: binary cells, offset with reference columns, bit-serial 8. */
    {"capdiv", 8, 1, 8, 8, 8},
    /* rram-resdiv: 4-bit cells, constant-sum pairs, bit-serial 8. */
    {"resdiv", 2, 2, 8, 8, 0},
    /* time-domain: binary cells, differential: ceil((8 - 1) / 1) digits of |w|, PWM. */
    {"time", 7, 2, 1, 1, 0},
};

static void test_kind_layout_preset_counts(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof preset_table / sizeof preset_table[0]; i++) {
        const preset_counts *want = &preset_table[i];
        bind_target(f, want->name, NULL, 0);
        const aimcc_tile_kind *kind = &f->module->target->kinds[0];
        assert_int_equal(aimcc_kind_slices(kind), want->slices);
        assert_int_equal(aimcc_kind_polarities(kind), want->polarities);
        assert_int_equal(aimcc_kind_phases(kind, aimcc_kind_input_sign(kind)), want->phases_signed);
        assert_int_equal(aimcc_kind_phases(kind, AIMRT_INPUT_UNSIGNED), want->phases_unsigned);
        assert_int_equal(aimcc_kind_columns_per_weight(kind), want->slices * want->polarities);
        assert_int_equal(aimcc_kind_reference_columns(kind), want->references);
    }
}

static void test_kind_layout_two_pass_phases(void **state)
{
    fixture *f = *state;
    const aimcc_binding two_pass[] = {{"input.signed", "two-pass-analog"}};
    bind_target(f, "rram", two_pass, 1);
    const aimcc_tile_kind *kind = &f->module->target->kinds[0];
    /* Bit-serial two pass: b - 1 magnitude bits for each sign. */
    assert_int_equal(aimcc_kind_phases(kind, aimcc_kind_input_sign(kind)), 14);
    bind_target(f, "pcm", (const aimcc_binding[]){{"input.signed", "two-pass-digital"}}, 1);
    kind = &f->module->target->kinds[0];
    assert_int_equal(aimcc_kind_phases(kind, aimcc_kind_input_sign(kind)), 2);
    assert_int_equal(aimcc_kind_phases(kind, AIMRT_INPUT_UNSIGNED), 1);
}

/* ---- Quantize ---- */

/* Builds x -> LINEAR(W [k, n]) on target name and runs select-domain and quantize. */
static aimcc_op *quantize_one(fixture *f, const char *target, const aimcc_binding *sets,
                              int n_sets, int64_t k, int64_t n, const float *w)
{
    bind_target(f, target, sets, n_sets);
    aimcc_value *x = add_input(f, "x", k);
    add_linear(f, "fc", x, k, n, w);
    run_pass(f, &aimcc_pass_select_domain);
    run_pass(f, &aimcc_pass_quantize);
    aimcc_op *op = find_linear(f->module, "fc");
    assert_non_null(op->plan);
    assert_int_equal(op->n_inputs, 4);
    assert_int_equal(op->inputs[1]->dtype, AIMRT_DTYPE_INT32);
    assert_int_equal(op->inputs[3]->dtype, AIMRT_DTYPE_FLOAT);
    return op;
}

static void test_quantize_per_column_matches_numpy(void **state)
{
    fixture *f = *state;
    const aimcc_op *op = quantize_one(f, "rram", NULL, 0, 6, 5, ref_w);
    assert_ints_equal("wq", op->inputs[1]->data, ref_wq_8, 30);
    assert_floats_equal("w_scale", op->inputs[3]->data, ref_w_scale_8, 5);
    assert_string_equal(op->kind_reason, "only kind");
    assert_int_equal(op->plan->weight_bits, 8);
    assert_int_equal(op->plan->input_range, AIMRT_RANGE_DYNAMIC);
}

static void test_quantize_four_bit_weights(void **state)
{
    fixture *f = *state;
    const aimcc_binding four_bits[] = {{"weight_bits", "4"}};
    const aimcc_op *op = quantize_one(f, "rram", four_bits, 1, 6, 5, ref_w);
    assert_ints_equal("wq", op->inputs[1]->data, ref_wq_4, 30);
    assert_floats_equal("w_scale", op->inputs[3]->data, ref_w_scale_4, 5);
}

static void test_quantize_per_layer_matches_numpy(void **state)
{
    fixture *f = *state;
    const aimcc_binding per_layer[] = {{"quantize.per_layer", "1"}};
    const aimcc_op *op = quantize_one(f, "sram", per_layer, 1, 4, 3, ref_w2);
    assert_ints_equal("wq", op->inputs[1]->data, ref_w2q, 12);
    assert_floats_equal("w_scale", op->inputs[3]->data, ref_w2_scale, 3);
}

static void test_quantize_float_kind_unchanged(void **state)
{
    fixture *f = *state;
    aimcc_value *x = add_input(f, "x", 6);
    const aimcc_op *op = add_linear(f, "fc", x, 6, 5, ref_w);
    const aimcc_value *w = op->inputs[1];
    run_pass(f, &aimcc_pass_select_domain);
    run_pass(f, &aimcc_pass_quantize);
    assert_null(op->plan);
    assert_int_equal(op->n_inputs, 3);
    assert_ptr_equal(op->inputs[1], w);
    assert_int_equal(op->kind, 0);
}

static void test_quantize_static_input_range(void **state)
{
    fixture *f = *state;
    const aimcc_binding range[] = {{"kinds[rram].input.range", "2.54"}};
    const aimcc_op *op = quantize_one(f, "rram", range, 1, 6, 5, ref_w);
    /* The graph input is signed: Qx = 127, so the LSB is 2.54 / 127. */
    assert_int_equal(op->plan->input_range, AIMRT_RANGE_STATIC);
    assert_true(op->plan->input_scale == (float)(2.54 / 127.0));
    assert_true(aimrt_attr_float(op->attrs, op->n_attrs, AIMRT_ATTR_INPUT_SCALE, 0.0f) ==
                op->plan->input_scale);
}

/* Returns the plan's input sign after quantizing LINEAR(producer chain of x). */
static aimrt_input_sign sign_after(void **state, aimrt_op code, float clip_min, bool through)
{
    fixture *f = *state;
    bind_target(f, "rram", NULL, 0);
    aimcc_value *x = add_input(f, "x", 6);
    const aimrt_attr clip = aimcc_ir_attr_float(f->module, AIMRT_ATTR_MIN, clip_min);
    aimcc_value *y = add_op(f, code, "act", 1, &x, code == AIMRT_OP_CLIP, &clip)->outputs[0];
    if (through) {
        const int64_t shape[2] = {0, 6};
        const aimrt_attr reshape = aimcc_ir_attr_ints(f->module, AIMRT_ATTR_SHAPE, 2, shape);
        y = add_op(f, AIMRT_OP_RESHAPE, "flat", 1, &y, 1, &reshape)->outputs[0];
        aimcc_value *both[2] = {y, y};
        const aimrt_attr axis = aimcc_ir_attr_int(f->module, AIMRT_ATTR_AXIS, 1);
        y = add_op(f, AIMRT_OP_CONCAT, "cat", 2, both, 1, &axis)->outputs[0];
        add_linear(f, "fc", y, 12, 5, (float[60]){0.5f});
    } else {
        add_linear(f, "fc", y, 6, 5, ref_w);
    }
    run_pass(f, &aimcc_pass_select_domain);
    run_pass(f, &aimcc_pass_quantize);
    const aimcc_op *op = find_linear(f->module, "fc");
    const int64_t is_signed = aimrt_attr_int(op->attrs, op->n_attrs, AIMRT_ATTR_INPUT_SIGNED, -1);
    assert_int_equal(is_signed, op->plan->input_sign != AIMRT_INPUT_UNSIGNED);
    return op->plan->input_sign;
}

static void test_quantize_relu_input_unsigned(void **state)
{
    assert_int_equal(sign_after(state, AIMRT_OP_RELU, 0.0f, false), AIMRT_INPUT_UNSIGNED);
}

static void test_quantize_relu_through_concat_unsigned(void **state)
{
    assert_int_equal(sign_after(state, AIMRT_OP_RELU, 0.0f, true), AIMRT_INPUT_UNSIGNED);
}

static void test_quantize_sigmoid_input_unsigned(void **state)
{
    assert_int_equal(sign_after(state, AIMRT_OP_SIGMOID, 0.0f, false), AIMRT_INPUT_UNSIGNED);
}

static void test_quantize_clip_at_zero_unsigned(void **state)
{
    assert_int_equal(sign_after(state, AIMRT_OP_CLIP, 0.0f, true), AIMRT_INPUT_UNSIGNED);
}

static void test_quantize_clip_below_zero_signed(void **state)
{
    assert_int_equal(sign_after(state, AIMRT_OP_CLIP, -1.0f, false), AIMRT_INPUT_ONE_PASS);
}

static void test_quantize_tanh_input_signed(void **state)
{
    assert_int_equal(sign_after(state, AIMRT_OP_TANH, 0.0f, true), AIMRT_INPUT_ONE_PASS);
}

static void test_quantize_im2col_of_relu_unsigned(void **state)
{
    fixture *f = *state;
    bind_target(f, "rram", NULL, 0);
    const int64_t dims[4] = {1, 2, 3, 3};
    aimcc_value *x =
        aimcc_ir_value_add(f->module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 4, dims, NULL);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    aimcc_value *y = add_op(f, AIMRT_OP_RELU, "act", 1, &x, 0, NULL)->outputs[0];
    const int64_t kernel[2] = {2, 2}, pads[4] = {1, 1, 1, 1};
    const aimrt_attr attrs[2] = {aimcc_ir_attr_ints(f->module, AIMRT_ATTR_KERNEL, 2, kernel),
                                 aimcc_ir_attr_ints(f->module, AIMRT_ATTR_PADS, 4, pads)};
    y = add_op(f, AIMRT_OP_IM2COL, "patches", 1, &y, 2, attrs)->outputs[0];
    add_linear(f, "conv", y, 8, 3, (float[24]){1.0f, -1.0f});
    run_pass(f, &aimcc_pass_select_domain);
    run_pass(f, &aimcc_pass_quantize);
    assert_int_equal(find_linear(f->module, "conv")->plan->input_sign, AIMRT_INPUT_UNSIGNED);
}

/* ReLU, then GlobalAveragePool (a REDUCE_MEAN over the spatial axes), then a
 * classifier: the classifier's input is a mean of non-negative values. */
static void test_quantize_mean_of_relu_unsigned(void **state)
{
    fixture *f = *state;
    bind_target(f, "rram", NULL, 0);
    const int64_t dims[4] = {1, 8, 3, 3};
    aimcc_value *x =
        aimcc_ir_value_add(f->module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 4, dims, NULL);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    aimcc_value *y = add_op(f, AIMRT_OP_RELU, "act", 1, &x, 0, NULL)->outputs[0];
    const int64_t axes[2] = {2, 3};
    const aimrt_attr mean_attrs[2] = {aimcc_ir_attr_ints(f->module, AIMRT_ATTR_AXES, 2, axes),
                                      aimcc_ir_attr_int(f->module, AIMRT_ATTR_KEEPDIMS, 0)};
    y = add_op(f, AIMRT_OP_REDUCE_MEAN, "pool", 1, &y, 2, mean_attrs)->outputs[0];
    add_linear(f, "classifier", y, 8, 3, (float[24]){1.0f, -1.0f});
    run_pass(f, &aimcc_pass_select_domain);
    run_pass(f, &aimcc_pass_quantize);
    assert_int_equal(find_linear(f->module, "classifier")->plan->input_sign, AIMRT_INPUT_UNSIGNED);
}

/* Folds DequantizeLinear(q i8 [4, 3], scale, axis) into an f32 constant, as
 * the frontend does, and returns its data. */
static const float *fold_dequantize(fixture *f, const int8_t *q, const float *scale, int n_scale)
{
    const int64_t dims[2] = {4, 3};
    const int64_t scale_dims[1] = {n_scale};
    aimcc_value *inputs[2] = {add_const(f, "q", AIMRT_DTYPE_INT8, 2, dims, q),
                              add_const(f, "s", AIMRT_DTYPE_FLOAT, n_scale > 1, scale_dims, scale)};
    const aimrt_attr axis = aimcc_ir_attr_int(f->module, AIMRT_ATTR_AXIS, 1);
    aimcc_op *op = add_op(f, AIMRT_OP_DEQUANTIZE_LINEAR, "dq", 2, inputs, 1, &axis);
    aimcc_value *out = op->outputs[0];
    bool folded = false;
    assert_int_equal(aimcc_ir_fold_op(f->ctx, f->module, op, &folded), AIMCC_OK);
    assert_true(folded);
    assert_int_equal(out->kind, AIMCC_VALUE_CONST);
    return out->data;
}

static const int8_t dequantize_q[12] = {127, -3, 5, -64, 127, -127, 0, 100, 1, 33, -127, 2};

static void test_quantize_keeps_dequantized_integers(void **state)
{
    fixture *f = *state;
    /* Per-column scales: every column reaches |q| = 127, as symmetric quantizers give. */
    const float scale[3] = {0.0123f, 0.00071f, 0.3f};
    const float *w = fold_dequantize(f, dequantize_q, scale, 3);
    const aimcc_op *op = quantize_one(f, "resdiv", NULL, 0, 4, 3, w);
    const int32_t *wq = op->inputs[1]->data;
    for (int i = 0; i < 12; i++)
        assert_int_equal(wq[i], dequantize_q[i]);
    assert_floats_equal("w_scale", op->inputs[3]->data, scale, 3);
}

static void test_quantize_keeps_per_tensor_integers(void **state)
{
    fixture *f = *state;
    /* One scale for the matrix: column 2 peaks at |q| = 5 only. */
    static const int8_t q[12] = {127, -3, 5, -64, 12, -1, 0, 100, 1, 33, -127, 2};
    const float scale = 0.0417f;
    const float *w = fold_dequantize(f, q, &scale, 1);
    const aimcc_op *op = quantize_one(f, "rram", NULL, 0, 4, 3, w);
    const int32_t *wq = op->inputs[1]->data;
    const float *w_scale = op->inputs[3]->data;
    for (int i = 0; i < 12; i++)
        assert_int_equal(wq[i], q[i]);
    for (int c = 0; c < 3; c++)
        assert_true(w_scale[c] == scale);
}

static void test_quantize_narrow_weights_requantize(void **state)
{
    fixture *f = *state;
    const float scale[3] = {0.0123f, 0.00071f, 0.3f};
    const float *w = fold_dequantize(f, dequantize_q, scale, 3);
    const aimcc_binding six_bits[] = {{"weight_bits", "6"}};
    const aimcc_op *op = quantize_one(f, "rram", six_bits, 1, 4, 3, w);
    /* 6-bit weights: Q = 31, so 127 becomes 31 and -64 becomes round(-15.62) = -16. */
    const int32_t *wq = op->inputs[1]->data;
    assert_int_equal(wq[0], 31);
    assert_int_equal(wq[3], -16);
    assert_true(((const float *)op->inputs[3]->data)[0] == (float)((double)w[0] / 31.0));
}

/* ---- Quantized LINEAR reference kernel ---- */

/* Runs the quantized LINEAR kernel on x [4, 6] with the numpy case's inputs. */
static void run_kernel_case(const float *x, int64_t bits, int64_t is_signed, float scale,
                            const float *expected, const char *label)
{
    const aimrt_tensor inputs[4] = {
        {.dtype = AIMRT_DTYPE_FLOAT, .rank = 2, .dims = {4, 6}, .data = (void *)x},
        {.dtype = AIMRT_DTYPE_INT32, .rank = 2, .dims = {6, 5}, .data = (void *)ref_lin_wq},
        {.dtype = AIMRT_DTYPE_FLOAT, .rank = 1, .dims = {5}, .data = (void *)ref_lin_bias},
        {.dtype = AIMRT_DTYPE_FLOAT, .rank = 1, .dims = {5}, .data = (void *)ref_lin_w_scale},
    };
    const int64_t bits_value[1] = {bits}, signed_value[1] = {is_signed};
    const float scale_value[1] = {scale};
    const aimrt_attr attrs[3] = {
        {.key = AIMRT_ATTR_INPUT_BITS, .kind = AIMRT_ATTR_INTS, .n = 1, .ints = bits_value},
        {.key = AIMRT_ATTR_INPUT_SIGNED, .kind = AIMRT_ATTR_INTS, .n = 1, .ints = signed_value},
        {.key = AIMRT_ATTR_INPUT_SCALE, .kind = AIMRT_ATTR_FLOATS, .n = 1, .floats = scale_value},
    };
    float y[20];
    aimrt_tensor output = {.dtype = AIMRT_DTYPE_FLOAT, .rank = 2, .dims = {4, 5}, .data = y};
    char message[256] = "";
    aimrt_op_call call = {.op = AIMRT_OP_LINEAR, .n_attrs = scale > 0.0f ? 3 : 2, .attrs = attrs,
                          .n_inputs = 4, .inputs = inputs, .n_outputs = 1, .outputs = &output,
                          .message = message, .message_size = sizeof message};
    const size_t scratch_size = aimrt_op_scratch_size(&call);
    assert_true(scratch_size >= 5 * sizeof(int64_t) + 6 * sizeof(int32_t));
    void *scratch = malloc(scratch_size);
    const aimrt_status status = aimrt_op_run(&call, scratch);
    free(scratch);
    if (status != AIMRT_OK)
        fail_msg("%s: %s", label, message);
    assert_floats_equal(label, y, expected, 20);
}

static void test_linear_kernel_matches_numpy(void **state)
{
    (void)state;
    run_kernel_case(ref_x, 8, 1, 0.0f, ref_y_signed_8, "signed 8-bit dynamic");
    run_kernel_case(ref_relu_x, 8, 0, 0.0f, ref_y_unsigned_8, "unsigned 8-bit dynamic");
    run_kernel_case(ref_x, 4, 1, 0.05f, ref_y_static_4, "signed 4-bit static");
    run_kernel_case(ref_relu_x, 3, 0, 0.1f, ref_y_unsigned_static_3, "unsigned 3-bit static");
}

static void test_linear_kernel_rejects_bad_attrs(void **state)
{
    (void)state;
    const aimrt_tensor inputs[4] = {
        {.dtype = AIMRT_DTYPE_FLOAT, .rank = 2, .dims = {4, 6}},
        {.dtype = AIMRT_DTYPE_INT32, .rank = 2, .dims = {6, 5}},
        {.dtype = AIMRT_DTYPE_UNDEFINED},
        {.dtype = AIMRT_DTYPE_FLOAT, .rank = 1, .dims = {5}},
    };
    const int64_t one[1] = {1}, seventeen[1] = {17};
    const aimrt_attr cases[][2] = {
        {{.key = AIMRT_ATTR_INPUT_SIGNED, .kind = AIMRT_ATTR_INTS, .n = 1, .ints = one}},
        {{.key = AIMRT_ATTR_INPUT_BITS, .kind = AIMRT_ATTR_INTS, .n = 1, .ints = seventeen}},
        {{.key = AIMRT_ATTR_INPUT_BITS, .kind = AIMRT_ATTR_INTS, .n = 1, .ints = one},
         {.key = AIMRT_ATTR_INPUT_SIGNED, .kind = AIMRT_ATTR_INTS, .n = 1, .ints = one}},
    };
    static const char *const reasons[] = {"needs the input_bits", "outside [1, 16]",
                                          "no nonzero signed input"};
    for (int i = 0; i < 3; i++) {
        aimrt_tensor output = {0};
        char message[256] = "";
        aimrt_op_call call = {.op = AIMRT_OP_LINEAR, .n_attrs = i == 2 ? 2 : 1,
                              .attrs = cases[i], .n_inputs = 4, .inputs = inputs,
                              .n_outputs = 1, .outputs = &output, .message = message,
                              .message_size = sizeof message};
        assert_int_equal(aimrt_op_infer(&call), AIMRT_ERR_INVALID_ARG);
        if (!strstr(message, reasons[i]))
            fail_msg("case %d: message \"%s\" lacks \"%s\"", i, message, reasons[i]);
    }
}

/* ---- Bit-slice and encode ---- */

/* The hand-worked matrix: every column reaches 127, so quantize keeps these
 * integers with scale 1. */
static const float hand_w[6] = {127.0f, -127.0f, -5.0f, 3.0f, 0.0f, 64.0f};

/* Builds relu(x) -> LINEAR(hand_w) on target name and runs the pipeline to last. */
static aimcc_op *lower_hand_matrix(fixture *f, const char *target, const char *last)
{
    bind_target(f, target, NULL, 0);
    aimcc_value *x = add_input(f, "x", 3);
    aimcc_value *y = add_op(f, AIMRT_OP_RELU, "act", 1, &x, 0, NULL)->outputs[0];
    add_linear(f, "fc", y, 3, 2, hand_w);
    run_until(f, last);
    return find_linear(f->module, "fc");
}

static void test_bit_slice_counts_per_preset(void **state)
{
    for (size_t i = 0; i < sizeof preset_table / sizeof preset_table[0]; i++) {
        fixture *f = *state;
        teardown(state);
        setup(state);
        f = *state;
        const preset_counts *want = &preset_table[i];
        const aimcc_op *op = lower_hand_matrix(f, want->name, "bit-slice");
        assert_int_equal(op->plan->n_slices, want->slices);
        assert_int_equal(op->plan->n_polarities, want->polarities);
        /* The input comes from a ReLU, so it is unsigned. */
        assert_int_equal(op->plan->input_sign, AIMRT_INPUT_UNSIGNED);
        assert_int_equal(op->plan->n_phases, want->phases_unsigned);
        assert_int_equal(aimrt_plan_reference_columns(op->plan), want->references);
    }
}

/* Returns the level of digit s, polarity p of weight column c in row r of block. */
static float level_at(const aimcc_module *module, const aimcc_op *op, const aimcc_tile_block *b,
                      int64_t r, int64_t column)
{
    const aimcc_tile *tile = &module->tiles[b->tile];
    return tile->levels[(b->tile_row + r) * tile->cols + b->tile_col + column];
}

/*
 * Decodes weight column c of a block from column sums for the input x (one
 * value per block row), with the decode column of docs/tile-lowering.md for
 * the plan's encoding. Returns acc = sum_k x_k * W[k, c].
 */
static int64_t decode_column(const aimcc_module *module, const aimcc_op *op,
                             const aimcc_tile_block *b, int64_t c, const int64_t *x)
{
    const aimrt_linear_plan *plan = op->plan;
    const int32_t slices = plan->n_slices, polarities = plan->n_polarities;
    const int64_t top = (INT64_C(1) << plan->cell_bits) - 1;
    const int64_t offset = INT64_C(1) << (plan->weight_bits - 1);
    int64_t x_sum = 0;
    for (int64_t r = 0; r < b->n_rows; r++)
        x_sum += x[r];
    int64_t acc = 0;
    for (int32_t s = 0; s < slices; s++) {
        int64_t col[2] = {0, 0}, ref = 0;
        for (int64_t r = 0; r < b->n_rows; r++) {
            for (int32_t p = 0; p < polarities; p++)
                col[p] += x[r] * (int64_t)level_at(module, op, b, r, (c * slices + s) * polarities + p);
            if (plan->encoding == AIMRT_ENCODING_OFFSET)
                ref += x[r] * (int64_t)level_at(module, op, b, r, b->n_cols * slices + s);
        }
        const int64_t weight = INT64_C(1) << (s * plan->cell_bits);
        switch (plan->encoding) {
        case AIMRT_ENCODING_DIFFERENTIAL:
            acc += weight * (col[0] - col[1]);
            break;
        case AIMRT_ENCODING_OFFSET:
            acc += weight * (col[0] - ref);
            break;
        case AIMRT_ENCODING_CONSTANT_SUM:
            acc += weight * ((col[0] - col[1]) + top * x_sum) / 2;
            break;
        default:
            acc += s == plan->weight_bits - 1 ? -weight * col[0] : weight * col[0];
            break;
        }
    }
    if (plan->encoding == AIMRT_ENCODING_OFFSET || plan->encoding == AIMRT_ENCODING_CONSTANT_SUM)
        acc -= plan->encoding == AIMRT_ENCODING_CONSTANT_SUM ? offset * x_sum : 0;
    return acc;
}

/* The levels that hand-worked digits give weight -5 (row 1, column 0), by (s, p). */
typedef struct hand_levels {
    const char *target;
    int n;
    int levels[16];
} hand_levels;

static const hand_levels minus_five[] = {
    /* 8-bit cells, differential: |w| = 5 on G-. */
    {"pcm", 2, {0, 5}},
    /* 2-bit digits of 5 = 1 + 1 * 4 on G-: (0,1) (0,1) (0,0) (0,0). */
    {"rram", 8, {0, 1, 0, 1, 0, 0, 0, 0}},
    /* -5 mod 256 = 251 = 0b11111011, least significant bit first. */
    {"sram", 8, {1, 1, 0, 1, 1, 1, 1, 1}},
    /* u = -5 + 128 = 123 = 0b01111011. */
    {"capdiv", 8, {1, 1, 0, 1, 1, 1, 1, 0}},
    /* u = 123 = 7 * 16 + 11: G+ = 11, 7 and G- = 15 - 11, 15 - 7. */
    {"resdiv", 4, {11, 4, 7, 8}},
    /* 1-bit digits of 5 on G-, seven digits. */
    {"time", 14, {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
};

static void test_encode_levels_decode_exactly(void **state)
{
    static const int64_t inputs[3][3] = {{1, 0, 0}, {0, 1, 0}, {3, 250, 7}};
    for (size_t i = 0; i < sizeof minus_five / sizeof minus_five[0]; i++) {
        teardown(state);
        setup(state);
        fixture *f = *state;
        const aimcc_op *op = lower_hand_matrix(f, minus_five[i].target, "encode");
        assert_int_equal(op->n_blocks, 1);
        const aimcc_tile_block *b = &op->blocks[0];
        assert_int_equal(b->n_rows, 3);
        for (int j = 0; j < minus_five[i].n; j++) {
            const float level = level_at(f->module, op, b, 1, j);
            if (level != (float)minus_five[i].levels[j])
                fail_msg("%s: level %d of weight -5 is %g, expected %d", minus_five[i].target, j,
                         (double)level, minus_five[i].levels[j]);
        }
        if (op->plan->encoding == AIMRT_ENCODING_OFFSET) {
            /* Reference column s contains bit s of 128, so only the top one is set. */
            for (int s = 0; s < 8; s++)
                assert_true(level_at(f->module, op, b, 2, 2 * 8 + s) == (s == 7 ? 1.0f : 0.0f));
        }
        for (int v = 0; v < 3; v++) {
            for (int64_t c = 0; c < 2; c++) {
                int64_t want = 0;
                for (int64_t r = 0; r < 3; r++)
                    want += inputs[v][r] * (int64_t)hand_w[r * 2 + c];
                const int64_t got = decode_column(f->module, op, b, c, inputs[v]);
                if (got != want)
                    fail_msg("%s: input %d column %lld decodes to %lld, expected %lld",
                             minus_five[i].target, v, (long long)c, (long long)got,
                             (long long)want);
            }
        }
    }
}

static void test_encode_float_levels_are_weights(void **state)
{
    fixture *f = *state;
    aimcc_value *x = add_input(f, "x", 6);
    const aimcc_op *op = add_linear(f, "fc", x, 6, 5, ref_w);
    run_until(f, "encode");
    const aimcc_tile_block *b = &op->blocks[0];
    for (int64_t r = 0; r < 6; r++)
        for (int64_t c = 0; c < 5; c++)
            assert_true(level_at(f->module, op, b, r, c) == ref_w[r * 5 + c]);
}

static void test_verify_rejects_level_out_of_range(void **state)
{
    fixture *f = *state;
    const aimcc_op *op = lower_hand_matrix(f, "rram", "encode");
    aimcc_tile *tile = &f->module->tiles[op->blocks[0].tile];
    tile->levels[0] = 4.0f;
    assert_int_equal(aimcc_ir_verify(f->ctx, f->module), AIMCC_ERR_INTERNAL);
    const char *message = aimcc_ctx_diag(f->ctx)->message;
    if (!strstr(message, "level 4") || !strstr(message, "0..3"))
        fail_msg("message \"%s\" lacks the level and its range", message);
    tile->levels[0] = 0.5f;
    assert_int_equal(aimcc_ir_verify(f->ctx, f->module), AIMCC_ERR_INTERNAL);
}

static void test_verify_rejects_wrong_slices(void **state)
{
    fixture *f = *state;
    aimcc_op *op = lower_hand_matrix(f, "rram", "bit-slice");
    op->plan->n_slices = 3;
    assert_int_equal(aimcc_ir_verify(f->ctx, f->module), AIMCC_ERR_INTERNAL);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_string_equal(diag->node, "fc");
    if (!strstr(diag->message, "S=3") || !strstr(diag->message, "give S=4"))
        fail_msg("message \"%s\" lacks the slice counts", diag->message);
}

/* Moves fc's only block to tile column col and returns the verifier's status. */
static aimcc_status verify_block_at(fixture *f, aimcc_op *op, int64_t col)
{
    assert_int_equal(op->n_blocks, 1);
    op->blocks[0].tile_col = col;
    return aimcc_ir_verify(f->ctx, f->module);
}

/* fc is 3x2 on 32x64 tiles. rram (differential, 2-bit cells) takes S * P =
 * 4 * 2 = 8 tile columns per weight column, 16 in all, so the last column
 * where the block fits is 64 - 16 = 48, although its 2 logical columns would
 * fit up to 62. Before bit-slice the verifier takes S and P from the bits. */
static void test_verify_block_physical_columns(void **state)
{
    fixture *f = *state;
    static const char *const stages[] = {"map", "bit-slice"};
    for (int i = 0; i < 2; i++) {
        teardown(state);
        setup(state);
        f = *state;
        aimcc_op *op = lower_hand_matrix(f, "rram", stages[i]);
        assert_int_equal(verify_block_at(f, op, 48), AIMCC_OK);
        assert_int_equal(verify_block_at(f, op, 49), AIMCC_ERR_INTERNAL);
        const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
        assert_string_equal(diag->node, "fc");
        if (!strstr(diag->message, "16 tile columns") || !strstr(diag->message, "@t0 of 32x64"))
            fail_msg("%s: message \"%s\" lacks the 16 tile columns of the block", stages[i],
                     diag->message);
    }
}

/* capdiv (offset, 1-bit cells) takes S = 8 columns per weight column plus 8
 * reference columns: 2 * 8 + 8 = 24 tile columns, so column 40 is the last
 * that fits. At 41 only the reference columns run past the tile. */
static void test_verify_block_reference_columns(void **state)
{
    fixture *f = *state;
    aimcc_op *op = lower_hand_matrix(f, "capdiv", "bit-slice");
    assert_int_equal(verify_block_at(f, op, 40), AIMCC_OK);
    assert_int_equal(verify_block_at(f, op, 41), AIMCC_ERR_INTERNAL);
    const char *message = aimcc_ctx_diag(f->ctx)->message;
    if (!strstr(message, "24 tile columns") || !strstr(message, "8 reference columns"))
        fail_msg("message \"%s\" lacks the 24 tile columns and 8 reference columns", message);
}

/* ---- Non-finite weights ---- */

/* Fails unless the last diagnostic is AIMCC_ERR_NUMERIC on node fc and its
 * message names each of the given parts. */
static void assert_numeric_error(fixture *f, aimcc_status status, const char *const *parts,
                                 int n_parts)
{
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    if (status != AIMCC_ERR_NUMERIC)
        fail_msg("status %d, expected AIMCC_ERR_NUMERIC: %s", (int)status, diag->message);
    assert_string_equal(diag->node, "fc");
    for (int i = 0; i < n_parts; i++)
        if (!strstr(diag->message, parts[i]))
            fail_msg("message \"%s\" lacks \"%s\"", diag->message, parts[i]);
}

/* A MatMul whose 4x3 weight has NaN at [2, 1] (flat index 7) fails in
 * canonicalize on the float target (no target bound), before map or encode
 * see it, naming the ONNX tensor, the index and what to do. */
static void test_nan_weight_rejected_in_canonicalize(void **state)
{
    fixture *f = *state;
    f->module->properties = AIMCC_PROP_IMPORTED;
    float w[12];
    for (int i = 0; i < 12; i++)
        w[i] = 0.125f * (float)i;
    w[7] = NAN;
    w[10] = INFINITY;
    const int64_t dims[2] = {4, 3};
    aimcc_value *inputs[2] = {add_input(f, "x", 4),
                              add_const(f, "fc.weight", AIMRT_DTYPE_FLOAT, 2, dims, w)};
    aimcc_op *op = add_op(f, AIMRT_OP_MATMUL, "fc", 2, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, op->outputs[0]), AIMCC_OK);

    const aimcc_status status = aimcc_pipeline_run(f->ctx, f->module, NULL);
    static const char *const parts[] = {"\"fc.weight\"", "NaN at [2, 1]", "f32[4,3]",
                                        "Replace the NaN"};
    assert_numeric_error(f, status, parts, 4);
    assert_string_equal(aimcc_ctx_diag(f->ctx)->pass, "canonicalize");
}

/* A canonical LINEAR (as parsed from IR text) with -inf in its weight fails
 * in quantize on an integer kind instead of quantizing it to INT32_MIN. */
static void test_inf_weight_rejected_in_quantize(void **state)
{
    fixture *f = *state;
    bind_target(f, "rram", NULL, 0);
    float w[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    w[5] = -INFINITY;
    add_linear(f, "fc", add_input(f, "x", 3), 3, 2, w);
    run_pass(f, &aimcc_pass_select_domain);
    const aimcc_status status = aimcc_pass_quantize.run(f->module, f->ctx);
    static const char *const parts[] = {"-inf at [2, 1]", "linear weight", "f32[3,2]"};
    assert_numeric_error(f, status, parts, 3);
}

/* A BatchNormalization with variance -1 and epsilon 0 folds a NaN scale
 * into finite weights; canonicalize reports the folded linear weight. */
static void test_folded_nan_weight_rejected(void **state)
{
    fixture *f = *state;
    f->module->properties = AIMCC_PROP_IMPORTED;
    static const float w[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    const int64_t dims[2] = {3, 2}, channel[1] = {2};
    aimcc_value *inputs[2] = {add_input(f, "x", 3),
                              add_const(f, "fc.weight", AIMRT_DTYPE_FLOAT, 2, dims, w)};
    aimcc_value *y = add_op(f, AIMRT_OP_MATMUL, "fc", 2, inputs, 0, NULL)->outputs[0];
    static const float ones[2] = {1.0f, 1.0f}, zeros[2] = {0.0f, 0.0f};
    static const float variance[2] = {1.0f, -1.0f};
    aimcc_value *bn_inputs[5] = {
        y, add_const(f, "bn.scale", AIMRT_DTYPE_FLOAT, 1, channel, ones),
        add_const(f, "bn.bias", AIMRT_DTYPE_FLOAT, 1, channel, zeros),
        add_const(f, "bn.mean", AIMRT_DTYPE_FLOAT, 1, channel, zeros),
        add_const(f, "bn.var", AIMRT_DTYPE_FLOAT, 1, channel, variance)};
    const aimrt_attr epsilon = aimcc_ir_attr_float(f->module, AIMRT_ATTR_EPSILON, 0.0f);
    aimcc_op *bn = add_op(f, AIMRT_OP_BATCH_NORM, "bn", 5, bn_inputs, 1, &epsilon);
    assert_int_equal(aimcc_ir_module_add_output(f->module, bn->outputs[0]), AIMCC_OK);

    const aimcc_status status = aimcc_pipeline_run(f->ctx, f->module, NULL);
    /* Column 1 of every row gets the NaN scale; row 0 is the first. */
    static const char *const parts[] = {"folded from the model's constants", "NaN at [0, 1]"};
    assert_numeric_error(f, status, parts, 2);
}

/* ---- Select-domain ---- */

static void test_select_domain_first_kind_fits(void **state)
{
    fixture *f = *state;
    bind_target(f, "hetero", NULL, 0);
    float *w = calloc(64 * 20, sizeof *w);
    w[0] = 1.0f;
    /* All kinds have 32x64 tiles. 32x20 takes one of the two pcm tiles (32 weights each). */
    add_linear(f, "first", add_input(f, "x", 32), 32, 20, w);
    /* 64x8 needs two pcm tiles, but one is left; sram (8 weights a tile) needs 2 of 4. */
    add_linear(f, "second", add_input(f, "x2", 64), 64, 8, w);
    free(w);
    run_pass(f, &aimcc_pass_select_domain);
    const aimcc_op *first = find_linear(f->module, "first");
    const aimcc_op *second = find_linear(f->module, "second");
    assert_int_equal(first->kind, 0);
    assert_string_equal(first->kind_reason, "first kind that fits: \"pcm\" needs 1 tiles, 2 free");
    assert_int_equal(second->kind, 1);
    assert_string_equal(second->kind_reason, "first kind that fits: \"sram\" needs 2 tiles, 4 "
                                             "free; skipped \"pcm\" needs 2 tiles, 1 free");
}

static void test_select_domain_no_kind_fits(void **state)
{
    fixture *f = *state;
    bind_target(f, "hetero", NULL, 0);
    float *w = calloc(1024 * 64, sizeof *w);
    add_linear(f, "huge", add_input(f, "x", 1024), 1024, 64, w);
    free(w);
    assert_int_equal(aimcc_pass_select_domain.run(f->module, f->ctx), AIMCC_ERR_CAPACITY);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_string_equal(diag->node, "huge");
    assert_non_null(strstr(diag->message, "1024x64"));
    assert_non_null(strstr(diag->message, "\"time\" needs"));
}

/* ---- IR text ---- */

static char *read_text(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    const long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)length + 1);
    *size = fread(text, 1, (size_t)length, file);
    text[*size] = '\0';
    fclose(file);
    return text;
}

static char *print_module(aimcc_ctx *ctx, const aimcc_module *module)
{
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&text, &size);
    assert_non_null(file);
    assert_int_equal(aimcc_ir_print(ctx, module, file, true), AIMCC_OK);
    fclose(file);
    return text;
}

/* Fails at the first line where actual differs from expected. */
static void assert_same_text(const char *label, const char *expected, const char *actual)
{
    int line = 1;
    size_t i = 0;
    for (; expected[i] != '\0' && expected[i] == actual[i]; i++)
        line += expected[i] == '\n';
    if (expected[i] == actual[i])
        return;
    const char *want = expected + i, *got = actual + i;
    while (want > expected && want[-1] != '\n')
        want--, got--;
    fail_msg("%s differs at line %d:\n--- expected\n%.200s\n+++ actual\n%.200s", label, line, want,
             got);
}

/* Parses text and prints it again; the two must be identical. */
static void check_round_trip(const char *label, const char *text, size_t size)
{
    aimcc_arena *arena = aimcc_arena_create();
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_module *module = NULL;
    if (aimcc_ir_parse(ctx, arena, text, size, label, &module) != AIMCC_OK)
        fail_msg("%s does not parse: %s", label, aimcc_ctx_diag(ctx)->message);
    char *again = print_module(ctx, module);
    assert_same_text(label, text, again);
    free(again);
    aimcc_ctx_destroy(ctx);
    aimcc_arena_destroy(arena);
}

/* Builds x -> relu -> fc1 (6x5) -> fc2 (5x3) for the dump tests. */
static void build_two_layers(fixture *f)
{
    aimcc_value *x = add_input(f, "x", 6);
    aimcc_value *y = add_op(f, AIMRT_OP_RELU, "act", 1, &x, 0, NULL)->outputs[0];
    const int64_t dims[2] = {6, 5}, bias_dims[1] = {5};
    aimcc_value *inputs[3] = {y, add_const(f, "fc1.w", AIMRT_DTYPE_FLOAT, 2, dims, ref_w),
                              add_const(f, "fc1.b", AIMRT_DTYPE_FLOAT, 1, bias_dims, ref_lin_bias)};
    y = add_op(f, AIMRT_OP_LINEAR, "fc1", 3, inputs, 0, NULL)->outputs[0];
    static const float fc2_w[15] = {0.25f, -0.5f, 1.0f,  0.125f, 2.0f, -1.5f, 0.75f, 0.0f,
                                    -0.25f, 1.25f, -2.0f, 0.5f,  0.0f,  0.375f, -0.625f};
    add_linear(f, "fc2", y, 5, 3, fc2_w);
}

static void test_ir_dumps_round_trip_each_pass(void **state)
{
    static const char *const targets[] = {"pcm", "rram", "sram", "capdiv", "resdiv", "time"};
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        teardown(state);
        setup(state);
        fixture *f = *state;
        bind_target(f, targets[t], NULL, 0);
        build_two_layers(f);
        char dir[] = "/tmp/aimcc-test-quantize-XXXXXX";
        assert_non_null(mkdtemp(dir));
        const aimcc_options options = {.dump_after = "all", .dump_dir = dir, .dump_weights = true,
                                       .verify_each = true};
        if (aimcc_pipeline_run(f->ctx, f->module, &options) != AIMCC_OK)
            fail_msg("%s: pipeline failed: %s", targets[t], aimcc_ctx_diag(f->ctx)->message);
        for (int i = 0; aimcc_pipeline[i] != NULL; i++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%02d-%s.ir", dir, i + 1, aimcc_pipeline[i]->name);
            size_t size = 0;
            char *text = read_text(path, &size);
            if (text == NULL)
                fail_msg("%s: dump %s is missing", targets[t], path);
            check_round_trip(path, text, size);
            free(text);
            unlink(path);
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/00-import.ir", dir);
        unlink(path);
        rmdir(dir);
    }
}

/* One golden sequence: two_layers.ir through every pass after canonicalize
 * on a test target, with --set bindings that shrink its tiles. */
typedef struct golden_case {
    const char *target;
    aimcc_binding sets[2];
} golden_case;

/*
 * rram: differential on 2-bit cells takes S * P = 8 tile columns per weight
 * column, so 3x16 tiles hold blocks of at most 3 rows and 2 weight columns:
 * fc1 (4x3) splits into 4 blocks and every block gets a tile of its own.
 * capdiv: offset on 1-bit cells takes 8 columns per weight column plus 8
 * reference columns, so on 8x56 tiles fc1 (4 rows, 32 columns) and fc2
 * (3 rows, 24 columns) pack diagonally onto one tile.
 */
static const golden_case golden_cases[] = {
    {"rram", {{"rows", "3"}, {"cols", "16"}}},
    {"capdiv", {{"rows", "8"}, {"cols", "56"}}},
};

/* Parses tests/data/ir/passes/two_layers.ir, binds the case's target, runs
 * every pass after canonicalize and returns the dump after each (caller
 * frees them). */
static void run_golden_case(const golden_case *c, char **dumps)
{
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    char path[1024];
    test_source_path(path, sizeof path, "tests/data/ir/passes/two_layers.ir");
    size_t size = 0;
    char *input = read_text(path, &size);
    assert_non_null(input);
    aimcc_module *module = NULL;
    if (aimcc_ir_parse(f->ctx, f->arena, input, size, "two_layers.ir", &module) != AIMCC_OK)
        fail_msg("two_layers.ir: %s", aimcc_ctx_diag(f->ctx)->message);
    free(input);
    f->module = module;
    bind_target(f, c->target, c->sets, 2);
    for (int i = 0; aimcc_pipeline[i + 1] != NULL; i++) {
        run_pass(f, aimcc_pipeline[i + 1]);
        dumps[i] = print_module(f->ctx, f->module);
    }
    teardown((void **)&f);
}

/*
 * Golden files in tests/data/ir/passes: two_layers.ir (a canonical module)
 * run through select-domain, quantize, map, bit-slice, encode, calibrate and schedule
 * must print as two_layers.TARGET.PASS.expected after each pass. The dumps
 * must be the same on a second run and parse back to the same text.
 */
static void test_ir_golden_every_pass(void **state)
{
    (void)state;
    enum { N_PASSES = 7 };
    assert_string_equal(aimcc_pipeline[0]->name, "canonicalize");
    assert_null(aimcc_pipeline[N_PASSES + 1]);
    for (size_t c = 0; c < sizeof golden_cases / sizeof golden_cases[0]; c++) {
        char *first[N_PASSES] = {0}, *second[N_PASSES] = {0};
        run_golden_case(&golden_cases[c], first);
        run_golden_case(&golden_cases[c], second);
        for (int i = 0; i < N_PASSES; i++) {
            char relative[256], path[1024];
            snprintf(relative, sizeof relative, "tests/data/ir/passes/two_layers.%s.%s.expected",
                     golden_cases[c].target, aimcc_pipeline[i + 1]->name);
            assert_non_null(first[i]);
            assert_same_text(relative, first[i], second[i]);
            test_source_path(path, sizeof path, relative);
            size_t size = 0;
            char *expected = read_text(path, &size);
            if (expected == NULL)
                fail_msg("%s is missing", path);
            assert_same_text(relative, expected, first[i]);
            check_round_trip(relative, first[i], strlen(first[i]));
            free(expected);
            free(first[i]);
            free(second[i]);
        }
    }
}

/* Compiles two_layers.ir for the capdiv golden case and returns what
 * aimrt_program_describe prints (caller frees). */
static char *describe_golden_capdiv(int json)
{
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    char path[1024];
    test_source_path(path, sizeof path, "tests/data/ir/passes/two_layers.ir");
    size_t size = 0;
    char *input = read_text(path, &size);
    assert_non_null(input);
    if (aimcc_ir_parse(f->ctx, f->arena, input, size, "two_layers.ir", &f->module) != AIMCC_OK)
        fail_msg("two_layers.ir: %s", aimcc_ctx_diag(f->ctx)->message);
    free(input);
    bind_target(f, golden_cases[1].target, golden_cases[1].sets, 2);
    for (int i = 1; aimcc_pipeline[i] != NULL; i++)
        run_pass(f, aimcc_pipeline[i]);

    void *bytes = NULL;
    if (aimcc_emit_program_bytes(f->ctx, f->module, &bytes, &size) != AIMCC_OK)
        fail_msg("emit failed: %s", aimcc_ctx_diag(f->ctx)->message);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load(bytes, size, &program, &error) != AIMRT_OK)
        fail_msg("load failed: %s", error.message);
    char *text = NULL;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    assert_int_equal(aimrt_program_describe(program, out, json), AIMRT_OK);
    fclose(out);
    aimrt_program_free(program);
    free(bytes);
    teardown((void **)&f);
    return text;
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("the description lacks \"%s\":\n%s", part, text);
}

/*
 * fc1 (4x3) takes 4 rows and 3 * 8 + 8 = 32 columns and fc2 (3x2) 3 rows and
 * 2 * 8 + 8 = 24 columns of one 8x56 tile (448 cells): 128 + 72 = 200 cells,
 * 44.6%; fc1 alone uses 28.6% of it and fc2 16.1%. The packing puts fc2
 * diagonally after fc1, at row 4 and column 32.
 */
static void test_inspect_shows_packed_layers(void **state)
{
    (void)state;
    char *text = describe_golden_capdiv(0);
    assert_contains(text, "\"fc1\" (Gemm): 4x3 weights in 1 block on tile @0, shared with 1 "
                          "other layer; 128 cells, 28.6% utilization");
    assert_contains(text, "\"fc2\" (MatMul): 3x2 weights in 1 block on tile @0, shared with 1 "
                          "other layer; 72 cells, 16.1% utilization");
    assert_contains(text, "@0 kind 0 8x56, 200 cells used (44.6%): \"fc1\" \"fc2\"\n"
                          "      rows 0:4, columns 0:32: \"fc1\" W[0:4, 0:3]\n"
                          "      rows 4:7, columns 32:56: \"fc2\" W[0:3, 0:2]\n"
                          "      in use: rows 0:7 of 8, columns 0:56 of 56\n");
    assert_contains(text, "kind 0 \"capdiv\" (8x56, S * P = 8 tile columns per weight column "
                          "plus 8 reference columns per block): 1 tile holds 2 layers in 2 "
                          "blocks; 200 of 448 cells used (44.6%); 1 tile shared by several "
                          "layers");
    free(text);

    char *json = describe_golden_capdiv(1);
    cJSON *root = cJSON_Parse(json);
    if (root == NULL)
        fail_msg("the JSON description does not parse:\n%s", json);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    assert_int_equal(cJSON_GetArraySize(layers), 2);
    const cJSON *fc2 = cJSON_GetArrayItem(layers, 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(fc2, "node")->valuestring, "fc2");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(fc2, "cells_used")->valueint, 72);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(fc2, "shared_tiles")->valueint, 1);
    const cJSON *tiles = cJSON_GetObjectItemCaseSensitive(root, "tiles");
    const cJSON *kind = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tiles, "kinds"), 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(kind, "cells_used")->valueint, 200);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(kind, "cells_total")->valueint, 448);
    cJSON_Delete(root);
    free(json);
}

/* ---- Exact device against the reference kernel ---- */

/* Compiles the MNIST CNN for the target, runs the program on the exact device
 * and the compiled IR with the kernels, and requires identical outputs. */
static void check_exact_matches_reference(const char *target)
{
    char model[1024], input_path[1024], target_path[1024], relative[256];
    test_source_path(model, sizeof model, "models/mnist-cnn/model.onnx");
    test_source_path(input_path, sizeof input_path, "models/mnist-cnn/test_data_set_0/input_0.pb");
    snprintf(relative, sizeof relative, "tests/data/targets/quantized_%s.json", target);
    test_source_path(target_path, sizeof target_path, relative);
    const aimcc_options options = {.target = target_path};
    char message[2304];
    test_tensor input;
    if (test_tensor_read_pb(input_path, &input, message, sizeof message) != AIMCC_OK)
        fail_msg("%s", message);

    test_program program;
    if (test_compile_file(model, &options, &program) != AIMCC_OK)
        fail_msg("%s: %s", target, program.message);
    test_tensor device[4];
    int n_outputs = 0;
    if (test_run_program(&program, &input, 1, device, 4, &n_outputs, message, sizeof message) !=
        AIMRT_OK)
        fail_msg("%s: %s", target, message);

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = NULL;
    if (aimcc_compile_model(ctx, model, &options, &compile) != AIMCC_OK)
        fail_msg("%s: %s", target, aimcc_ctx_diag(ctx)->message);
    test_tensor reference[4];
    if (!test_ir_eval(aimcc_compile_module(compile), &input, 1, reference, 4, message,
                      sizeof message))
        fail_msg("%s: %s", target, message);
    const test_tolerance exact = {0.0, 0.0, 0};
    assert_true(test_compare_outputs(&device[0].tensor, &reference[0].tensor, exact, target));

    test_tensor_free(&reference[0]);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    for (int i = 0; i < n_outputs; i++)
        test_tensor_free(&device[i]);
    test_program_free(&program);
    test_tensor_free(&input);
}

static void test_exact_device_matches_reference(void **state)
{
    (void)state;
    static const char *const targets[] = {"pcm", "rram", "sram", "capdiv", "resdiv", "time"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        check_exact_matches_reference(targets[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kind_layout_rejects_bad_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_layout_preset_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_layout_two_pass_phases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_per_column_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_four_bit_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_per_layer_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_float_kind_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_static_input_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_relu_input_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_relu_through_concat_unsigned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_quantize_sigmoid_input_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_clip_at_zero_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_clip_below_zero_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_tanh_input_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_im2col_of_relu_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_mean_of_relu_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_keeps_dequantized_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_keeps_per_tensor_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantize_narrow_weights_requantize, setup, teardown),
        cmocka_unit_test(test_linear_kernel_matches_numpy),
        cmocka_unit_test(test_linear_kernel_rejects_bad_attrs),
        cmocka_unit_test_setup_teardown(test_bit_slice_counts_per_preset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_levels_decode_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_float_levels_are_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_level_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_wrong_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_block_physical_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_block_reference_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan_weight_rejected_in_canonicalize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inf_weight_rejected_in_quantize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folded_nan_weight_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_domain_first_kind_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_domain_no_kind_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ir_dumps_round_trip_each_pass, setup, teardown),
        cmocka_unit_test(test_ir_golden_every_pass),
        cmocka_unit_test(test_inspect_shows_packed_layers),
        cmocka_unit_test(test_exact_device_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
