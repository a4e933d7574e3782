/* SPDX-License-Identifier: MIT */
/*
 * Tests of the first passes: canonicalize (Conv, Gemm, MatMul lowering,
 * BatchNormalization folding, identity and dead-op removal), map (blocks,
 * packing, sliced columns, replicas, capacity errors) and the pipeline
 * driver (dumps, stop, checks).
 * Lowered graphs are run op by op with the runtime kernels and compared with
 * the original op or a double-precision reference.
 */
#include "test_support.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/ir.h"
#include "ir/target.h"
#include "passes/pass.h"

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
    f->module->properties = AIMCC_PROP_IMPORTED;
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

/* Fills data with values in [-1, 1) from a fixed-seed linear congruential generator. */
static void fill_random(float *data, int64_t count, uint32_t seed)
{
    uint32_t state = seed * 2654435761u + 1u;
    for (int64_t i = 0; i < count; i++) {
        state = state * 1664525u + 1013904223u;
        data[i] = (float)((double)(state >> 8) / (double)(1u << 24) * 2.0 - 1.0);
    }
}

static int64_t shape_count(int rank, const int64_t *dims)
{
    int64_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= dims[i];
    return count;
}

/* Adds a graph input. A batched input stores dims[0] = 1, as the frontend does,
 * and run_module feeds it at any batch size. */
static aimcc_value *add_input(fixture *f, const char *name, int rank, const int64_t *dims,
                              bool batched)
{
    aimcc_value *x =
        aimcc_ir_value_add(f->module, name, AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, rank, dims, NULL);
    assert_non_null(x);
    assert_true(!batched || dims[0] == 1);
    x->batched = batched;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    return x;
}

static aimcc_value *add_random_const(fixture *f, const char *name, int rank, const int64_t *dims,
                                     uint32_t seed)
{
    const int64_t count = shape_count(rank, dims);
    float *data = malloc((size_t)count * sizeof(float));
    fill_random(data, count, seed);
    aimcc_value *value = aimcc_ir_value_add(f->module, name, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT,
                                            rank, dims, data);
    free(data);
    assert_non_null(value);
    return value;
}

static aimcc_op *add_op(fixture *f, aimrt_op code, const char *node, const char *onnx_type,
                        int n_inputs, aimcc_value *const *inputs, int n_attrs,
                        const aimrt_attr *attrs)
{
    aimcc_op *op = NULL;
    const aimcc_status status = aimcc_ir_op_create(f->ctx, f->module, NULL, code, node, onnx_type,
                                                   n_inputs, inputs, n_attrs, attrs, 1, NULL, &op);
    if (status != AIMCC_OK)
        fail_msg("creating %s failed: %s", node, aimcc_ctx_diag(f->ctx)->message);
    return op;
}

static int count_ops(const aimcc_module *module, aimrt_op code)
{
    int n = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next)
        n += op->code == code;
    return n;
}

static const aimcc_op *find_op(const aimcc_module *module, aimrt_op code)
{
    for (const aimcc_op *op = module->first; op != NULL; op = op->next)
        if (op->code == code)
            return op;
    return NULL;
}

static void run_canonicalize(fixture *f)
{
    aimcc_status status = aimcc_pass_canonicalize.run(f->module, f->ctx);
    if (status != AIMCC_OK)
        fail_msg("canonicalize failed: %s", aimcc_ctx_diag(f->ctx)->message);
    f->module->properties |= AIMCC_PROP_CANONICAL;
    status = aimcc_ir_verify(f->ctx, f->module);
    if (status != AIMCC_OK)
        fail_msg("verify after canonicalize failed: %s", aimcc_ctx_diag(f->ctx)->message);
}

/* Returns the tensor view of a value with dims[0] = batch when it is batched. */
static aimrt_tensor batch_tensor(const aimcc_value *value, int64_t batch)
{
    aimrt_tensor tensor = aimcc_ir_value_tensor(value);
    if (value->batched)
        tensor.dims[0] = batch;
    return tensor;
}

static int64_t tensor_count(const aimrt_tensor *tensor)
{
    int64_t count = 1;
    for (int i = 0; i < tensor->rank; i++)
        count *= tensor->dims[i];
    return count;
}

/*
 * Runs the module's ops in order with the runtime kernels on f32 inputs (one
 * array per graph input, batched ones at this batch size) and returns a
 * malloc'd copy of graph output 0.
 */
static float *run_module(const aimcc_module *module, const float *const *inputs, int64_t batch)
{
    void **buffers = calloc((size_t)module->n_values, sizeof(void *));
    for (int i = 0; i < module->n_inputs; i++)
        buffers[module->inputs[i]->id] = (void *)inputs[i];
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        aimrt_tensor in[64];
        aimrt_tensor out[1];
        assert_true(op->n_inputs <= 64 && op->n_outputs == 1);
        for (int i = 0; i < op->n_inputs; i++) {
            if (op->inputs[i] == NULL) {
                memset(&in[i], 0, sizeof(in[i]));
                continue;
            }
            in[i] = batch_tensor(op->inputs[i], batch);
            if (in[i].data == NULL)
                in[i].data = buffers[op->inputs[i]->id];
            assert_non_null(in[i].data);
        }
        const aimcc_value *y = op->outputs[0];
        out[0] = batch_tensor(y, batch);
        out[0].data = calloc((size_t)tensor_count(&out[0]), sizeof(float));
        buffers[y->id] = out[0].data;
        char message[256] = "";
        aimrt_op_call call = {
            .op = op->code, .n_attrs = op->n_attrs, .attrs = op->attrs,
            .n_inputs = op->n_inputs, .inputs = in, .n_outputs = 1, .outputs = out,
            .message = message, .message_size = sizeof(message),
        };
        void *scratch = malloc(aimrt_op_scratch_size(&call) + 1);
        const aimrt_status status = aimrt_op_run(&call, scratch);
        free(scratch);
        if (status != AIMRT_OK)
            fail_msg("op %s of node %s failed: %s", aimrt_op_name(op->code), op->node, message);
    }
    const aimcc_value *result = module->outputs[0];
    const aimrt_tensor result_tensor = batch_tensor(result, batch);
    const size_t bytes = (size_t)tensor_count(&result_tensor) * sizeof(float);
    float *copy = malloc(bytes);
    memcpy(copy, buffers[result->id], bytes);
    for (int i = 0; i < module->n_values; i++)
        if (module->values[i]->kind == AIMCC_VALUE_ACTIVATION)
            free(buffers[i]);
    free(buffers);
    return copy;
}

/* Asserts |actual - expected| <= 1e-5 * max(1, |expected|) element by element. */
static void assert_close(const float *actual, const double *expected, int64_t count,
                         const char *what)
{
    for (int64_t i = 0; i < count; i++) {
        const double bound = 1e-5 * fmax(1.0, fabs(expected[i]));
        if (!(fabs((double)actual[i] - expected[i]) <= bound))
            fail_msg("%s: element %lld is %.9g, expected %.9g", what, (long long)i,
                     (double)actual[i], expected[i]);
    }
}

static void assert_close_f32(const float *actual, const float *expected, int64_t count,
                             const char *what)
{
    double *wide = malloc((size_t)count * sizeof(double));
    for (int64_t i = 0; i < count; i++)
        wide[i] = expected[i];
    assert_close(actual, wide, count, what);
    free(wide);
}

/* ---- Conv lowering ---- */

/* One convolution: 1-D when h == 0. */
typedef struct conv_case {
    const char *name;
    int64_t n, c, h, w, m, group;
    int64_t kh, kw;
    int64_t stride, pad, dilation;
    bool bias;
} conv_case;

/* Builds x -> CONV -> output; returns the CONV. */
static aimcc_op *build_conv(fixture *f, const conv_case *cc, aimcc_value **x_out)
{
    const bool two_d = cc->h > 0;
    const int rank = two_d ? 4 : 3;
    const int64_t x_dims[4] = {1, cc->c, two_d ? cc->h : cc->w, cc->w};
    const int64_t w_dims[4] = {cc->m, cc->c / cc->group, two_d ? cc->kh : cc->kw, cc->kw};
    aimcc_value *inputs[3] = {add_input(f, "x", rank, x_dims, true),
                              add_random_const(f, "conv.w", rank, w_dims, 7), NULL};
    if (cc->bias)
        inputs[2] = add_random_const(f, "conv.b", 1, &cc->m, 11);
    const int n_spatial = rank - 2;
    const int64_t strides[2] = {cc->stride, cc->stride};
    const int64_t pads[4] = {cc->pad, cc->pad, cc->pad, cc->pad};
    const int64_t dilations[2] = {cc->dilation, cc->dilation};
    const aimrt_attr attrs[] = {
        aimcc_ir_attr_ints(f->module, AIMRT_ATTR_KERNEL, n_spatial, w_dims + 2),
        aimcc_ir_attr_ints(f->module, AIMRT_ATTR_STRIDES, n_spatial, strides),
        aimcc_ir_attr_ints(f->module, AIMRT_ATTR_PADS, 2 * n_spatial, pads),
        aimcc_ir_attr_ints(f->module, AIMRT_ATTR_DILATIONS, n_spatial, dilations),
        aimcc_ir_attr_int(f->module, AIMRT_ATTR_GROUP, cc->group),
    };
    aimcc_op *conv = add_op(f, AIMRT_OP_CONV, "/layer1/conv/Conv", "Conv", cc->bias ? 3 : 2,
                            inputs, 5, attrs);
    *x_out = inputs[0];
    return conv;
}

static void check_conv_lowering(const conv_case *cc)
{
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    aimcc_value *x = NULL;
    aimcc_op *conv = build_conv(f, cc, &x);
    assert_int_equal(aimcc_ir_module_add_output(f->module, conv->outputs[0]), AIMCC_OK);
    const aimcc_value *conv_out = conv->outputs[0];
    const int out_rank = conv_out->rank;
    int64_t out_dims[AIMRT_MAX_RANK];
    memcpy(out_dims, conv_out->dims, sizeof(out_dims));
    assert_true(conv_out->batched);

    const int64_t x_count = cc->n * aimcc_ir_value_count(x);
    float *x_data = malloc((size_t)x_count * sizeof(float));
    fill_random(x_data, x_count, 3);
    const float *inputs[1] = {x_data};
    float *expected = run_module(f->module, inputs, cc->n);

    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_CONV), 0);
    assert_int_equal(count_ops(f->module, AIMRT_OP_IM2COL), cc->group);
    assert_int_equal(count_ops(f->module, AIMRT_OP_LINEAR), cc->group);
    assert_int_equal(count_ops(f->module, AIMRT_OP_CONCAT), cc->group > 1 ? 1 : 0);
    for (const aimcc_op *op = f->module->first; op != NULL; op = op->next)
        assert_string_equal(op->node, "/layer1/conv/Conv");
    const aimcc_value *result = f->module->outputs[0];
    assert_int_equal(result->rank, out_rank);
    assert_true(result->batched);
    for (int d = 0; d < out_rank; d++)
        assert_int_equal(result->dims[d], out_dims[d]);

    float *actual = run_module(f->module, inputs, cc->n);
    assert_close_f32(actual, expected, cc->n * shape_count(out_rank - 1, out_dims + 1), cc->name);
    free(actual);
    free(expected);
    free(x_data);
    teardown((void **)&f);
}

static void test_conv_lowering_matches_kernel(void **state)
{
    (void)state;
    static const conv_case cases[] = {
        {"plain 3x3", 2, 3, 6, 5, 4, 1, 3, 3, 1, 0, 1, true},
        {"groups 2", 1, 4, 5, 5, 6, 2, 3, 3, 1, 1, 1, true},
        {"depthwise", 2, 3, 5, 4, 3, 3, 3, 3, 1, 1, 1, false},
        {"depthwise multiplier 2", 1, 2, 4, 4, 4, 2, 2, 2, 1, 0, 1, true},
        {"1-D", 2, 3, 0, 9, 5, 1, 1, 3, 1, 1, 1, true},
        {"1-D grouped", 1, 4, 0, 8, 4, 2, 1, 2, 2, 0, 1, false},
        {"stride pad dilation", 1, 2, 9, 8, 3, 1, 3, 3, 2, 2, 2, true},
        {"1x1 pointwise", 3, 5, 3, 3, 7, 1, 1, 1, 1, 0, 1, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_conv_lowering(&cases[i]);
}

static void test_conv_runtime_weight_stays(void **state)
{
    fixture *f = *state;
    const int64_t x_dims[4] = {1, 2, 4, 4};
    const int64_t w_dims[4] = {3, 2, 3, 3};
    aimcc_value *inputs[2] = {add_input(f, "x", 4, x_dims, true),
                              add_input(f, "w", 4, w_dims, false)};
    aimcc_op *conv = add_op(f, AIMRT_OP_CONV, "conv_dynamic", "Conv", 2, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, conv->outputs[0]), AIMCC_OK);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_CONV), 1);
    assert_int_equal(count_ops(f->module, AIMRT_OP_LINEAR), 0);
}

/* ---- BatchNormalization folding ---- */

typedef struct bn_params {
    float scale[8], shift[8], mean[8], var[8];
    float epsilon;
} bn_params;

static void make_bn_params(bn_params *bn, int64_t channels)
{
    fill_random(bn->scale, channels, 21);
    fill_random(bn->shift, channels, 22);
    fill_random(bn->mean, channels, 23);
    fill_random(bn->var, channels, 24);
    for (int64_t c = 0; c < channels; c++)
        bn->var[c] = 0.5f + bn->var[c] * bn->var[c];
    bn->epsilon = 1e-3f;
}

static aimcc_op *add_bn(fixture *f, aimcc_value *x, const bn_params *bn, int64_t channels)
{
    aimcc_value *inputs[5] = {x};
    const float *data[4] = {bn->scale, bn->shift, bn->mean, bn->var};
    static const char *const names[4] = {"bn.scale", "bn.bias", "bn.mean", "bn.var"};
    for (int i = 0; i < 4; i++)
        inputs[1 + i] = aimcc_ir_value_add(f->module, names[i], AIMCC_VALUE_CONST,
                                           AIMRT_DTYPE_FLOAT, 1, &channels, data[i]);
    const aimrt_attr eps = aimcc_ir_attr_float(f->module, AIMRT_ATTR_EPSILON, bn->epsilon);
    return add_op(f, AIMRT_OP_BATCH_NORM, "/bn/BatchNormalization", "BatchNormalization", 5,
                  inputs, 1, &eps);
}

static double bn_factor(const bn_params *bn, int64_t c)
{
    return (double)bn->scale[c] / sqrt((double)bn->var[c] + (double)bn->epsilon);
}

static void test_bn_folds_into_conv(void **state)
{
    fixture *f = *state;
    const conv_case cc = {"conv+bn", 2, 3, 5, 5, 4, 1, 3, 3, 1, 1, 1, true};
    aimcc_value *x = NULL;
    aimcc_op *conv = build_conv(f, &cc, &x);
    const aimcc_value *w = conv->inputs[1];
    const aimcc_value *b = conv->inputs[2];
    bn_params bn;
    make_bn_params(&bn, cc.m);
    aimcc_op *bn_op = add_bn(f, conv->outputs[0], &bn, cc.m);
    assert_int_equal(aimcc_ir_module_add_output(f->module, bn_op->outputs[0]), AIMCC_OK);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_BATCH_NORM), 0);

    /* The LINEAR weight is [C*k*k, M]: w[m, r] * f_m rounded once from double. */
    const aimcc_op *linear = find_op(f->module, AIMRT_OP_LINEAR);
    assert_non_null(linear);
    const int64_t rows = cc.c * cc.kh * cc.kw;
    const float *w_data = w->data;
    const float *folded = linear->inputs[1]->data;
    for (int64_t m = 0; m < cc.m; m++)
        for (int64_t r = 0; r < rows; r++) {
            const float expected = (float)((double)w_data[m * rows + r] * bn_factor(&bn, m));
            assert_true(folded[r * cc.m + m] == expected);
        }
    const float *b_data = b->data;
    const float *folded_bias = linear->inputs[2]->data;
    for (int64_t m = 0; m < cc.m; m++) {
        const double expected =
            ((double)b_data[m] - (double)bn.mean[m]) * bn_factor(&bn, m) + (double)bn.shift[m];
        assert_true(folded_bias[m] == (float)expected);
    }

    /* The whole graph against a direct double-precision conv + BN. */
    const int64_t x_count = cc.n * aimcc_ir_value_count(x);
    float *x_data = malloc((size_t)x_count * sizeof(float));
    fill_random(x_data, x_count, 3);
    const int64_t oh = cc.h, ow = cc.w; /* stride 1, pad 1, kernel 3 keep the size */
    double *expected = calloc((size_t)(cc.n * cc.m * oh * ow), sizeof(double));
    for (int64_t n = 0; n < cc.n; n++)
        for (int64_t m = 0; m < cc.m; m++)
            for (int64_t y = 0; y < oh; y++)
                for (int64_t xo = 0; xo < ow; xo++) {
                    double sum = b_data[m];
                    for (int64_t c = 0; c < cc.c; c++)
                        for (int64_t ky = 0; ky < 3; ky++)
                            for (int64_t kx = 0; kx < 3; kx++) {
                                const int64_t iy = y - 1 + ky, ix = xo - 1 + kx;
                                if (iy < 0 || iy >= cc.h || ix < 0 || ix >= cc.w)
                                    continue;
                                sum += (double)x_data[((n * cc.c + c) * cc.h + iy) * cc.w + ix] *
                                       (double)w_data[((m * cc.c + c) * 3 + ky) * 3 + kx];
                            }
                    expected[((n * cc.m + m) * oh + y) * ow + xo] =
                        (sum - bn.mean[m]) * bn_factor(&bn, m) + bn.shift[m];
                }
    const float *inputs[1] = {x_data};
    float *actual = run_module(f->module, inputs, cc.n);
    assert_close(actual, expected, cc.n * cc.m * oh * ow, "conv+bn");
    free(actual);
    free(expected);
    free(x_data);
}

static void test_bn_folds_into_gemm(void **state)
{
    fixture *f = *state;
    const int64_t m_size = 3, k_size = 5, n_size = 4;
    const int64_t a_dims[2] = {1, k_size};
    const int64_t b_dims[2] = {n_size, k_size};
    aimcc_value *inputs[3] = {add_input(f, "a", 2, a_dims, true),
                              add_random_const(f, "fc.w", 2, b_dims, 31),
                              add_random_const(f, "fc.b", 1, &n_size, 32)};
    const aimrt_attr attrs[] = {aimcc_ir_attr_int(f->module, AIMRT_ATTR_TRANS_B, 1)};
    aimcc_op *gemm = add_op(f, AIMRT_OP_GEMM, "fc", "Gemm", 3, inputs, 1, attrs);
    bn_params bn;
    make_bn_params(&bn, n_size);
    aimcc_op *bn_op = add_bn(f, gemm->outputs[0], &bn, n_size);
    assert_int_equal(aimcc_ir_module_add_output(f->module, bn_op->outputs[0]), AIMCC_OK);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_BATCH_NORM), 0);
    assert_int_equal(count_ops(f->module, AIMRT_OP_GEMM), 0);

    const aimcc_op *linear = find_op(f->module, AIMRT_OP_LINEAR);
    assert_non_null(linear);
    assert_int_equal(linear->inputs[1]->dims[0], k_size);
    assert_int_equal(linear->inputs[1]->dims[1], n_size);
    const float *b = inputs[1]->data;
    const float *bias = inputs[2]->data;
    const float *folded = linear->inputs[1]->data;
    for (int64_t k = 0; k < k_size; k++)
        for (int64_t n = 0; n < n_size; n++) {
            /* alpha = 1 makes the transposed weight exact before the fold. */
            const float expected = (float)((double)b[n * k_size + k] * bn_factor(&bn, n));
            assert_true(folded[k * n_size + n] == expected);
        }

    float a_data[15];
    fill_random(a_data, 15, 33);
    double expected[12];
    for (int64_t i = 0; i < m_size; i++)
        for (int64_t n = 0; n < n_size; n++) {
            double sum = bias[n];
            for (int64_t k = 0; k < k_size; k++)
                sum += (double)a_data[i * k_size + k] * (double)b[n * k_size + k];
            expected[i * n_size + n] = (sum - bn.mean[n]) * bn_factor(&bn, n) + bn.shift[n];
        }
    const float *run_inputs[1] = {a_data};
    float *actual = run_module(f->module, run_inputs, m_size);
    assert_close(actual, expected, 12, "gemm+bn");
    free(actual);
}

static void test_bn_with_shared_input_stays(void **state)
{
    fixture *f = *state;
    const conv_case cc = {"shared", 1, 2, 4, 4, 2, 1, 3, 3, 1, 1, 1, false};
    aimcc_value *x = NULL;
    aimcc_op *conv = build_conv(f, &cc, &x);
    bn_params bn;
    make_bn_params(&bn, cc.m);
    aimcc_op *bn_op = add_bn(f, conv->outputs[0], &bn, cc.m);
    aimcc_value *sum_in[2] = {bn_op->outputs[0], conv->outputs[0]};
    aimcc_op *add = add_op(f, AIMRT_OP_ADD, "residual", "Add", 2, sum_in, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, add->outputs[0]), AIMCC_OK);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_BATCH_NORM), 1);
    assert_int_equal(count_ops(f->module, AIMRT_OP_LINEAR), 1);
}

/* ---- Gemm and MatMul lowering ---- */

typedef enum c_shape { C_NONE, C_ROW, C_ROW_2D, C_SCALAR, C_FULL, C_COLUMN } c_shape;

typedef struct gemm_case {
    const char *name;
    float alpha, beta;
    int trans_a, trans_b;
    c_shape c;
    bool expect_add;
} gemm_case;

static void check_gemm_lowering(const gemm_case *gc)
{
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    const int64_t m_size = 3, k_size = 4, n_size = 5;
    const int64_t a_dims[2] = {gc->trans_a ? k_size : m_size, gc->trans_a ? m_size : k_size};
    const int64_t b_dims[2] = {gc->trans_b ? n_size : k_size, gc->trans_b ? k_size : n_size};
    aimcc_value *inputs[3] = {add_input(f, "a", 2, a_dims, false),
                              add_random_const(f, "fc.w", 2, b_dims, 41), NULL};
    const int64_t c_dims[6][2] = {{0}, {n_size}, {1, n_size}, {1}, {m_size, n_size},
                                  {m_size, 1}};
    const int c_rank[6] = {0, 1, 2, 1, 2, 2};
    if (gc->c != C_NONE)
        inputs[2] = add_random_const(f, "fc.c", c_rank[gc->c], c_dims[gc->c], 42);
    const aimrt_attr attrs[] = {
        aimcc_ir_attr_float(f->module, AIMRT_ATTR_ALPHA, gc->alpha),
        aimcc_ir_attr_float(f->module, AIMRT_ATTR_BETA, gc->beta),
        aimcc_ir_attr_int(f->module, AIMRT_ATTR_TRANS_A, gc->trans_a),
        aimcc_ir_attr_int(f->module, AIMRT_ATTR_TRANS_B, gc->trans_b),
    };
    aimcc_op *gemm =
        add_op(f, AIMRT_OP_GEMM, "/fc/Gemm", "Gemm", gc->c != C_NONE ? 3 : 2, inputs, 4, attrs);
    assert_int_equal(aimcc_ir_module_add_output(f->module, gemm->outputs[0]), AIMCC_OK);

    float a_data[12];
    fill_random(a_data, 12, 43);
    const float *run_inputs[1] = {a_data};
    float *expected = run_module(f->module, run_inputs, 1);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_GEMM), 0);
    assert_int_equal(count_ops(f->module, AIMRT_OP_LINEAR), 1);
    assert_int_equal(count_ops(f->module, AIMRT_OP_TRANSPOSE), gc->trans_a);
    assert_int_equal(count_ops(f->module, AIMRT_OP_ADD), gc->expect_add);
    const aimcc_op *linear = find_op(f->module, AIMRT_OP_LINEAR);
    assert_int_equal(linear->inputs[1]->dims[0], k_size);
    assert_int_equal(linear->inputs[1]->dims[1], n_size);
    assert_string_equal(linear->node, "/fc/Gemm");

    float *actual = run_module(f->module, run_inputs, 1);
    assert_close_f32(actual, expected, m_size * n_size, gc->name);
    free(actual);
    free(expected);
    teardown((void **)&f);
}

static void test_gemm_variants_match_kernel(void **state)
{
    (void)state;
    static const gemm_case cases[] = {
        {"plain", 1.0f, 1.0f, 0, 0, C_NONE, false},
        {"alpha trans_b row c", 0.5f, 2.0f, 0, 1, C_ROW, false},
        {"trans_a 1xN c", 1.5f, -1.0f, 1, 0, C_ROW_2D, false},
        {"both transposed scalar c", -2.0f, 0.25f, 1, 1, C_SCALAR, false},
        {"full c", 1.0f, 1.0f, 0, 0, C_FULL, true},
        {"full c scaled", 0.75f, 3.0f, 0, 1, C_FULL, true},
        {"column c", 1.0f, 0.5f, 0, 0, C_COLUMN, true},
        {"beta zero", 1.0f, 0.0f, 0, 0, C_FULL, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_gemm_lowering(&cases[i]);
}

static void test_matmul_constant_becomes_linear(void **state)
{
    fixture *f = *state;
    const int64_t a_dims[3] = {1, 3, 4};
    const int64_t b_dims[2] = {4, 6};
    aimcc_value *inputs[2] = {add_input(f, "a", 3, a_dims, true),
                              add_random_const(f, "proj.w", 2, b_dims, 51)};
    aimcc_op *matmul = add_op(f, AIMRT_OP_MATMUL, "/proj/MatMul", "MatMul", 2, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, matmul->outputs[0]), AIMCC_OK);
    float a_data[24];
    fill_random(a_data, 24, 52);
    const float *run_inputs[1] = {a_data};
    float *expected = run_module(f->module, run_inputs, 2);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_MATMUL), 0);
    assert_int_equal(count_ops(f->module, AIMRT_OP_LINEAR), 1);
    float *actual = run_module(f->module, run_inputs, 2);
    assert_close_f32(actual, expected, 36, "matmul");
    free(actual);
    free(expected);
}

/* Log lines captured from the library. */
typedef struct log_capture {
    int n_digital;
    char nodes[4][64];
} log_capture;

static void capture_log(aimcc_log_level level, const char *pass, const char *node,
                        const char *message, void *user)
{
    log_capture *capture = user;
    if (level == AIMCC_LOG_INFO && strstr(message, "stays a digital") != NULL &&
        capture->n_digital < 4)
        snprintf(capture->nodes[capture->n_digital++], sizeof(capture->nodes[0]), "%s",
                 node != NULL ? node : "");
}

static void test_matmul_two_activations_stays(void **state)
{
    fixture *f = *state;
    const int64_t dims[2] = {3, 3};
    aimcc_value *inputs[2] = {add_input(f, "a", 2, dims, false), add_input(f, "b", 2, dims, false)};
    aimcc_op *matmul = add_op(f, AIMRT_OP_MATMUL, "attention", "MatMul", 2, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, matmul->outputs[0]), AIMCC_OK);
    aimcc_op *gemm = add_op(f, AIMRT_OP_GEMM, "gemm_dynamic", "Gemm", 2, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, gemm->outputs[0]), AIMCC_OK);
    log_capture capture = {0};
    const aimcc_log_level saved_level = aimcc_log_threshold;
    aimcc_log_set_level(AIMCC_LOG_INFO);
    aimcc_log_set_callback(capture_log, &capture);
    run_canonicalize(f);
    aimcc_log_set_callback(NULL, NULL);
    aimcc_log_set_level(saved_level);
    assert_int_equal(capture.n_digital, 2);
    assert_string_equal(capture.nodes[0], "gemm_dynamic");
    assert_string_equal(capture.nodes[1], "attention");
    assert_int_equal(count_ops(f->module, AIMRT_OP_MATMUL), 1);
    assert_int_equal(count_ops(f->module, AIMRT_OP_GEMM), 1);
    assert_int_equal(count_ops(f->module, AIMRT_OP_LINEAR), 0);
}

/* ---- Identity and dead-op removal ---- */

static void test_identity_and_dead_removed(void **state)
{
    fixture *f = *state;
    const int64_t dims[2] = {2, 3};
    aimcc_value *x = add_input(f, "x", 2, dims, false);
    aimcc_op *identity = add_op(f, AIMRT_OP_IDENTITY, "id", "Identity", 1, &x, 0, NULL);
    aimcc_op *relu = add_op(f, AIMRT_OP_RELU, "relu", "Relu", 1, &identity->outputs[0], 0, NULL);
    aimcc_op *dead = add_op(f, AIMRT_OP_SIGMOID, "unused", "Sigmoid", 1, &x, 0, NULL);
    add_op(f, AIMRT_OP_TANH, "unused_chain", "Tanh", 1, &dead->outputs[0], 0, NULL);
    aimcc_op *last = add_op(f, AIMRT_OP_IDENTITY, "out_copy", "Identity", 1, &relu->outputs[0],
                            0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, last->outputs[0]), AIMCC_OK);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_IDENTITY), 0);
    assert_int_equal(count_ops(f->module, AIMRT_OP_SIGMOID), 0);
    assert_int_equal(count_ops(f->module, AIMRT_OP_TANH), 0);
    assert_ptr_equal(f->module->first, relu);
    assert_ptr_equal(relu->inputs[0], x);
    assert_ptr_equal(f->module->outputs[0], relu->outputs[0]);
}

static void test_identity_of_input_output_kept(void **state)
{
    fixture *f = *state;
    const int64_t dims[1] = {4};
    aimcc_value *x = add_input(f, "x", 1, dims, false);
    aimcc_op *identity = add_op(f, AIMRT_OP_IDENTITY, "passthrough", "Identity", 1, &x, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, identity->outputs[0]), AIMCC_OK);
    run_canonicalize(f);
    assert_int_equal(count_ops(f->module, AIMRT_OP_IDENTITY), 1);
}

/* ---- Map ---- */

/* Adds x [1, k] -> LINEAR with a zero weight [k, n] named node. Value names
 * carry the value count, so several ops may share one node name (as the
 * per-group LINEARs of a grouped convolution do). */
static aimcc_op *add_linear(fixture *f, const char *node, int64_t k, int64_t n)
{
    const int64_t x_dims[2] = {1, k};
    const int64_t w_dims[2] = {k, n};
    float *zeros = calloc((size_t)(k * n), sizeof(float));
    char name[64];
    snprintf(name, sizeof(name), "%s.x%d", node, f->module->n_values);
    aimcc_value *inputs[2] = {add_input(f, name, 2, x_dims, true), NULL};
    snprintf(name, sizeof(name), "%s.w%d", node, f->module->n_values);
    inputs[1] = aimcc_ir_value_add(f->module, name, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, 2,
                                   w_dims, zeros);
    free(zeros);
    aimcc_op *op = add_op(f, AIMRT_OP_LINEAR, node, "Gemm", 2, inputs, 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, op->outputs[0]), AIMCC_OK);
    return op;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* A float kind: one cell per weight. */
static aimcc_tile_kind float_kind(const char *name, int64_t rows, int64_t cols, int64_t n_tiles)
{
    return (aimcc_tile_kind){.name = name, .rows = rows, .cols = cols, .n_tiles = n_tiles,
                             .cell = "float", .encoding = "signed-float", .input_mode = "float",
                             .adc_range = "lossless"};
}

/* An integer kind with 8-bit amplitude inputs and the given weight encoding. */
static aimcc_tile_kind integer_kind(const char *name, int64_t rows, int64_t cols, int64_t n_tiles,
                                    int weight_bits, int cell_bits, const char *encoding)
{
    aimcc_tile_kind kind = float_kind(name, rows, cols, n_tiles);
    kind.cell = "pcm";
    kind.weight_bits = weight_bits;
    kind.cell_bits = cell_bits;
    kind.encoding = encoding;
    kind.input_mode = "amplitude";
    kind.input_mode_code = AIMRT_INPUT_AMPLITUDE;
    kind.input_bits = 8;
    return kind;
}

/* Returns the tile columns of a block of n_cols weight columns, from the
 * table of the tile-lowering contract: S * P per weight column, plus S
 * reference columns per block for the offset encoding. */
static int64_t block_tile_columns(const aimcc_tile_kind *kind, int64_t n_cols)
{
    if (kind->weight_bits == 0)
        return n_cols;
    const int64_t wb = kind->weight_bits;
    const int64_t cb = kind->cell_bits;
    if (strcmp(kind->encoding, "differential") == 0)
        return n_cols * ceil_div(wb - 1, cb) * 2;
    if (strcmp(kind->encoding, "offset") == 0)
        return n_cols * ceil_div(wb, cb) + ceil_div(wb, cb);
    if (strcmp(kind->encoding, "constant-sum") == 0)
        return n_cols * ceil_div(wb, cb) * 2;
    assert_string_equal(kind->encoding, "twos-complement");
    return n_cols * wb;
}

static const aimcc_tile_kind *kind_of(const fixture *f, const aimcc_op *op)
{
    static aimcc_tile_kind no_target;
    no_target = float_kind("float", 512, 512, 4096);
    return f->module->target != NULL ? &f->module->target->kinds[op->kind] : &no_target;
}

/* A block as placed: its tile, and its rows and tile columns there. */
typedef struct placed_block {
    int tile;
    int64_t row, n_rows, col, n_cols;
} placed_block;

/* Checks that op's blocks lie inside their tiles and inside W, and cover
 * every weight exactly once per replica. Appends the blocks to placed. */
static void check_op_blocks(const fixture *f, const aimcc_op *op, placed_block *placed,
                            int *n_placed)
{
    const aimcc_tile_kind *kind = kind_of(f, op);
    const int64_t k = op->inputs[1]->dims[0];
    const int64_t n = op->inputs[1]->dims[1];
    assert_true(op->n_replicas >= 1);
    unsigned char *covered = calloc((size_t)(k * n * op->n_replicas), 1);
    for (int i = 0; i < op->n_blocks; i++) {
        const aimcc_tile_block *block = &op->blocks[i];
        assert_true(block->tile >= 0 && block->tile < f->module->n_tiles);
        const aimcc_tile *tile = &f->module->tiles[block->tile];
        assert_int_equal(tile->kind, op->kind);
        assert_int_equal(tile->rows, kind->rows);
        assert_int_equal(tile->cols, kind->cols);
        assert_true(block->replica >= 0 && block->replica < op->n_replicas);
        const int64_t tile_cols = block_tile_columns(kind, block->n_cols);
        assert_true(block->n_rows >= 1 && block->n_cols >= 1);
        assert_true(block->tile_row >= 0 && block->tile_row + block->n_rows <= tile->rows);
        assert_true(block->tile_col >= 0 && block->tile_col + tile_cols <= tile->cols);
        assert_true(block->w_row >= 0 && block->w_row + block->n_rows <= k);
        assert_true(block->w_col >= 0 && block->w_col + block->n_cols <= n);
        for (int64_t r = block->w_row; r < block->w_row + block->n_rows; r++)
            for (int64_t c = block->w_col; c < block->w_col + block->n_cols; c++)
                covered[(block->replica * k + r) * n + c]++;
        placed[(*n_placed)++] = (placed_block){block->tile, block->tile_row, block->n_rows,
                                               block->tile_col, tile_cols};
    }
    for (int64_t i = 0; i < k * n * op->n_replicas; i++)
        if (covered[i] != 1)
            fail_msg("node %s: replica %lld, weight (%lld, %lld) covered %d times", op->node,
                     (long long)(i / (k * n)), (long long)(i % (k * n) / n),
                     (long long)(i % n), covered[i]);
    free(covered);
}

/* Checks every linear op's blocks, that no two blocks on a tile share a row
 * or a column, and each tile's rows_used and cells_used. */
static void check_mapping(const fixture *f)
{
    int n_blocks = 0;
    for (const aimcc_op *op = f->module->first; op != NULL; op = op->next)
        n_blocks += op->code == AIMRT_OP_LINEAR ? op->n_blocks : 0;
    placed_block *placed = calloc((size_t)n_blocks + 1, sizeof(*placed));
    int n_placed = 0;
    for (const aimcc_op *op = f->module->first; op != NULL; op = op->next)
        if (op->code == AIMRT_OP_LINEAR)
            check_op_blocks(f, op, placed, &n_placed);

    for (int a = 0; a < n_placed; a++) {
        for (int b = 0; b < a; b++) {
            const placed_block *p = &placed[a], *q = &placed[b];
            if (p->tile != q->tile)
                continue;
            if (p->row < q->row + q->n_rows && q->row < p->row + p->n_rows)
                fail_msg("blocks %d and %d share rows of tile %d", b, a, p->tile);
            if (p->col < q->col + q->n_cols && q->col < p->col + p->n_cols)
                fail_msg("blocks %d and %d share columns of tile %d", b, a, p->tile);
        }
    }
    for (int t = 0; t < f->module->n_tiles; t++) {
        int64_t cells = 0, rows_used = 0;
        for (int i = 0; i < n_placed; i++) {
            if (placed[i].tile != t)
                continue;
            cells += placed[i].n_rows * placed[i].n_cols;
            if (placed[i].row + placed[i].n_rows > rows_used)
                rows_used = placed[i].row + placed[i].n_rows;
        }
        assert_true(cells > 0);
        assert_int_equal(f->module->tiles[t].cells_used, cells);
        assert_int_equal(f->module->tiles[t].rows_used, rows_used);
    }
    free(placed);
}

static void run_map(fixture *f)
{
    const aimcc_status status = aimcc_pass_map.run(f->module, f->ctx);
    if (status != AIMCC_OK)
        fail_msg("map failed: %s", aimcc_ctx_diag(f->ctx)->message);
    check_mapping(f);
}

static void check_map_blocks(int64_t k, int64_t n)
{
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    f->module->properties |= AIMCC_PROP_CANONICAL;
    aimcc_op *op = add_linear(f, "fc", k, n);
    run_map(f);
    /* No target: 512x512 float tiles. */
    const int64_t expected_blocks = ceil_div(k, 512) * ceil_div(n, 512);
    assert_int_equal(op->n_blocks, expected_blocks);
    assert_true(f->module->n_tiles >= 1 && f->module->n_tiles <= expected_blocks);
    teardown((void **)&f);
}

static void test_map_blocks_cover_once(void **state)
{
    (void)state;
    static const int64_t sizes[] = {1, 511, 512, 513, 1024, 1100};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (size_t j = 1; j < 4; j++)
            check_map_blocks(sizes[i], sizes[j]);
    check_map_blocks(513, 1100);
}

/* Map log lines with a total of one kind. */
typedef struct map_log {
    char total[512];
} map_log;

static void capture_map_log(aimcc_log_level level, const char *pass, const char *node,
                            const char *message, void *user)
{
    (void)node;
    map_log *log = user;
    if (level == AIMCC_LOG_INFO && pass != NULL && strcmp(pass, "map") == 0 &&
        strstr(message, "packing saves") != NULL)
        snprintf(log->total, sizeof(log->total), "%s", message);
}

/* Maps n_groups depthwise 3x3 groups (one 9x1 LINEAR each) and stores the map log total in log. */
static void map_depthwise(fixture *f, int n_groups, map_log *log)
{
    f->module->properties |= AIMCC_PROP_CANONICAL;
    for (int g = 0; g < n_groups; g++)
        add_linear(f, "dw", 9, 1);
    const aimcc_log_level saved_level = aimcc_log_threshold;
    aimcc_log_set_level(AIMCC_LOG_INFO);
    aimcc_log_set_callback(capture_map_log, log);
    run_map(f);
    aimcc_log_set_callback(NULL, NULL);
    aimcc_log_set_level(saved_level);
}

static void test_map_packs_depthwise_groups(void **state)
{
    fixture *f = *state;
    map_log log = {{0}};
    /* 56 blocks of 9 rows fill 504 of the 512 rows of one tile. */
    map_depthwise(f, 56, &log);
    assert_int_equal(f->module->n_tiles, 1);
    assert_int_equal(f->module->tiles[0].rows_used, 504);
    assert_int_equal(f->module->tiles[0].cells_used, 56 * 9);
    if (strstr(log.total, "packing saves 55 tiles (56 without packing)") == NULL)
        fail_msg("map log \"%s\" lacks the packing gain", log.total);
}

static void test_map_packs_64_depthwise_groups(void **state)
{
    fixture *f = *state;
    map_log log = {{0}};
    /* 64 x 9 = 576 rows: diagonal placement fits 56 blocks on the first
     * tile and the other 8 on a second. */
    map_depthwise(f, 64, &log);
    assert_int_equal(f->module->n_tiles, 2);
    assert_int_equal(f->module->tiles[0].rows_used, 504);
    assert_int_equal(f->module->tiles[1].rows_used, 72);
    if (strstr(log.total, "packing saves 62 tiles (64 without packing)") == NULL)
        fail_msg("map log \"%s\" lacks the packing gain", log.total);
}

/* Blocks of layers of several sizes share tiles but no row or column. */
static void test_map_packed_blocks_disjoint(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = integer_kind("pcm", 256, 256, 1000, 8, 2, "differential");
    aimcc_target target = {.name = "t", .n_kinds = 1, .kinds = &kind};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL | AIMCC_PROP_QUANTIZED;
    static const int64_t shapes[][2] = {{300, 40}, {27, 16}, {144, 32}, {9, 1},   {9, 1},
                                        {257, 33}, {64, 10}, {1, 1},    {100, 3}, {256, 32}};
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char node[16];
        snprintf(node, sizeof(node), "layer%zu", i);
        add_linear(f, node, shapes[i][0], shapes[i][1]);
    }
    run_map(f);
    int n_blocks = 0;
    for (const aimcc_op *op = f->module->first; op != NULL; op = op->next)
        n_blocks += op->n_blocks;
    assert_true(f->module->n_tiles < n_blocks);
}

/* Maps a k x n layer on 512x512 tiles of an 8-bit encoding (4-bit cells for
 * offset, 1-bit for twos-complement, else 2-bit) and checks that blocks hold at most width weight
 * columns. Differential: S = ceil(7/2) = 4 digits of P = 2 cells, so 8 tile
 * columns per weight and 64 weights per block. */
static void check_sliced_blocks(int64_t k, int64_t n, const char *encoding, int64_t width)
{
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    const int cell_bits = strcmp(encoding, "offset") == 0           ? 4
                          : strcmp(encoding, "twos-complement") == 0 ? 1
                                                                     : 2;
    aimcc_tile_kind kind = integer_kind("pcm", 512, 512, 4096, 8, cell_bits, encoding);
    aimcc_target target = {.name = "t", .n_kinds = 1, .kinds = &kind};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL | AIMCC_PROP_QUANTIZED;
    aimcc_op *op = add_linear(f, "fc", k, n);
    run_map(f);
    assert_int_equal(op->n_blocks, ceil_div(k, 512) * ceil_div(n, width));
    for (int i = 0; i < op->n_blocks; i++)
        assert_true(op->blocks[i].n_cols <= width);
    assert_int_equal(op->blocks[0].n_cols, n < width ? n : width);
    teardown((void **)&f);
}

static void test_map_tile_edges_sliced_columns(void **state)
{
    (void)state;
    static const int64_t rows[] = {511, 512, 513};
    static const int64_t cols[] = {1, 63, 64, 65, 128, 129};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++)
            check_sliced_blocks(rows[i], cols[j], "differential", 64);
    /* Offset, 8-bit weights on 4-bit cells: S = 2, P = 1, and 2 reference
     * columns per block leave (512 - 2) / 2 = 255 weights per block. */
    static const int64_t offset_cols[] = {254, 255, 256, 511};
    for (size_t j = 0; j < sizeof(offset_cols) / sizeof(offset_cols[0]); j++)
        check_sliced_blocks(513, offset_cols[j], "offset", 255);
    /* Constant-sum, 8-bit weights on 2-bit cells: S = 4, P = 2, 64 weights. */
    check_sliced_blocks(100, 65, "constant-sum", 64);
    /* Two's complement, 8 bits on binary cells: S = 8, P = 1, 64 weights. */
    check_sliced_blocks(512, 64, "twos-complement", 64);
    check_sliced_blocks(1, 65, "twos-complement", 64);
}

/* Checks that the capacity error of the model in f names node and contains
 * every string of needed. */
static void check_capacity_error(fixture *f, const char *node, const char *const *needed,
                                 size_t n_needed)
{
    assert_int_equal(aimcc_pass_map.run(f->module, f->ctx), AIMCC_ERR_CAPACITY);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_int_equal(diag->status, AIMCC_ERR_CAPACITY);
    assert_string_equal(diag->node, node);
    for (size_t i = 0; i < n_needed; i++)
        if (strstr(diag->message, needed[i]) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", diag->message, needed[i]);
    for (const aimcc_op *op = f->module->first; op != NULL; op = op->next)
        assert_int_equal(op->n_blocks, 0);
}

static void test_map_capacity_names_layer(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = float_kind("pcm", 512, 512, 3);
    aimcc_target target = {.name = "small", .n_kinds = 1, .kinds = &kind};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL;
    add_linear(f, "/fc1/Gemm", 1024, 512);
    add_linear(f, "/fc2/Gemm", 600, 600);
    /* fc1: two full tiles. fc2: 512x512, 512x88, 88x512 and 88x88 blocks,
     * each on its own tile since every pair shares rows or columns. */
    const char *needed[] = {"600x600 weight matrix", "needs 4 tiles of 512x512 on its own",
                            "6 together with the earlier layers (which use 2)",
                            "has 3 tiles of kind \"pcm\"", "whole model needs 6",
                            "--set chip.tiles.pcm=6"};
    check_capacity_error(f, "/fc2/Gemm", needed, sizeof(needed) / sizeof(needed[0]));
}

static void test_map_capacity_counts_packing(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = float_kind("float", 512, 512, 1);
    aimcc_target target = {.name = "one", .n_kinds = 1, .kinds = &kind};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL;
    /* Two 200-row blocks fit one tile diagonally; a third needs 600 rows. */
    add_linear(f, "a", 200, 100);
    add_linear(f, "b", 200, 100);
    add_linear(f, "c", 200, 100);
    const char *needed[] = {"200x100 weight matrix", "needs 1 tile of 512x512 on its own",
                            "2 together with the earlier layers (which use 1)",
                            "has 1 tile of kind \"float\"", "--set chip.tiles.float=2"};
    check_capacity_error(f, "c", needed, sizeof(needed) / sizeof(needed[0]));
}

static void test_map_capacity_names_slices(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = integer_kind("pcm", 512, 512, 1, 8, 2, "differential");
    aimcc_target target = {.name = "one", .n_kinds = 1, .kinds = &kind};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL | AIMCC_PROP_QUANTIZED;
    add_linear(f, "fc", 512, 128);
    const char *needed[] = {"512x128 weight matrix", "needs 2 tiles of 512x512 at 8 tile columns "
                                                     "per weight column",
                            "--set chip.tiles.pcm=2"};
    check_capacity_error(f, "fc", needed, sizeof(needed) / sizeof(needed[0]));
}

static void test_map_replicates_layer(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = float_kind("float", 512, 512, 16);
    aimcc_target_option option = {.key = "map.replicate", .node = "fc", .value = 3};
    aimcc_target target = {
        .name = "t", .n_kinds = 1, .kinds = &kind, .n_options = 1, .options = &option};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL;
    aimcc_op *op = add_linear(f, "fc", 100, 700);
    aimcc_op *other = add_linear(f, "other", 10, 10);
    run_map(f);
    assert_int_equal(op->n_replicas, 3);
    assert_int_equal(other->n_replicas, 1);
    /* Each replica: a 100x512 and a 100x188 block. */
    assert_int_equal(op->n_blocks, 6);
    for (int r = 0; r < 3; r++) {
        int n = 0;
        for (int i = 0; i < op->n_blocks; i++)
            n += op->blocks[i].replica == r;
        assert_int_equal(n, 2);
    }
    assert_int_equal(other->n_blocks, 1);
}

static void test_map_replicate_unknown_node(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = float_kind("float", 512, 512, 16);
    aimcc_target_option option = {.key = "map.replicate", .node = "fc9", .value = 2};
    aimcc_target target = {
        .name = "t", .n_kinds = 1, .kinds = &kind, .n_options = 1, .options = &option};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL;
    add_linear(f, "fc", 10, 10);
    assert_int_equal(aimcc_pass_map.run(f->module, f->ctx), AIMCC_ERR_INVALID_ARG);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_string_equal(diag->node, "fc9");
    assert_non_null(strstr(diag->message, "map.replicate[fc9]"));
    assert_non_null(strstr(diag->message, "\"fc\""));
}

static void test_map_integer_needs_quantize(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kind = integer_kind("pcm", 512, 512, 16, 8, 2, "differential");
    aimcc_target target = {.name = "t", .n_kinds = 1, .kinds = &kind};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL;
    add_linear(f, "fc", 10, 10);
    assert_int_equal(aimcc_pass_map.run(f->module, f->ctx), AIMCC_ERR_INTERNAL);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_string_equal(diag->node, "fc");
    assert_non_null(strstr(diag->message, "quantize"));
}

static void test_map_uses_target_kind(void **state)
{
    fixture *f = *state;
    aimcc_tile_kind kinds[2] = {float_kind("big", 512, 512, 16),
                                float_kind("small", 256, 128, 16)};
    aimcc_target target = {.name = "t", .n_kinds = 2, .kinds = kinds};
    f->module->target = &target;
    f->module->properties |= AIMCC_PROP_CANONICAL;
    aimcc_op *big = add_linear(f, "big", 10, 10);
    aimcc_op *op = add_linear(f, "fc", 300, 200);
    op->kind = 1;
    run_map(f);
    assert_int_equal(op->n_blocks, 4);
    assert_int_equal(op->blocks[3].w_row, 256);
    assert_int_equal(op->blocks[3].w_col, 128);
    assert_int_equal(op->blocks[3].n_rows, 44);
    assert_int_equal(op->blocks[3].n_cols, 72);
    assert_int_equal(f->module->tiles[op->blocks[3].tile].rows, 256);
    assert_int_equal(f->module->tiles[op->blocks[3].tile].kind, 1);
    assert_int_equal(f->module->tiles[big->blocks[0].tile].kind, 0);
    assert_int_equal(f->module->tiles[big->blocks[0].tile].cols, 512);
}

/* ---- Pipeline ---- */

/* Builds x -> Gemm -> Relu for the pipeline tests. */
static void build_small_model(fixture *f)
{
    const int64_t a_dims[2] = {1, 8};
    const int64_t b_dims[2] = {8, 4};
    aimcc_value *inputs[2] = {add_input(f, "x", 2, a_dims, true),
                              add_random_const(f, "fc.w", 2, b_dims, 61)};
    aimcc_op *gemm = add_op(f, AIMRT_OP_GEMM, "fc", "Gemm", 2, inputs, 0, NULL);
    aimcc_op *relu = add_op(f, AIMRT_OP_RELU, "relu", "Relu", 1, &gemm->outputs[0], 0, NULL);
    assert_int_equal(aimcc_ir_module_add_output(f->module, relu->outputs[0]), AIMCC_OK);
}

static void remove_dir(const char *dir)
{
    DIR *handle = opendir(dir);
    for (struct dirent *entry; handle != NULL && (entry = readdir(handle)) != NULL;) {
        if (entry->d_name[0] == '.' && (entry->d_name[1] == '\0' || entry->d_name[1] == '.'))
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    if (handle != NULL)
        closedir(handle);
    rmdir(dir);
}

static int count_files(const char *dir)
{
    int n = 0;
    DIR *handle = opendir(dir);
    for (struct dirent *entry; handle != NULL && (entry = readdir(handle)) != NULL;)
        n += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    if (handle != NULL)
        closedir(handle);
    return n;
}

static void test_pipeline_dumps_every_pass(void **state)
{
    fixture *f = *state;
    build_small_model(f);
    char dir[] = "/tmp/aimcc-test-passes-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const aimcc_options options = {.dump_after = "all", .dump_dir = dir, .verify_each = true};
    const aimcc_status status = aimcc_pipeline_run(f->ctx, f->module, &options);
    if (status != AIMCC_OK)
        fail_msg("pipeline failed: %s", aimcc_ctx_diag(f->ctx)->message);
    assert_true((f->module->properties & AIMCC_PROP_MAPPED) != 0);
    static const char *const files[] = {
        "00-import.ir", "01-canonicalize.ir", "02-select-domain.ir", "03-quantize.ir",
        "04-map.ir",    "05-bit-slice.ir",    "06-encode.ir",        "07-calibrate.ir",
        "08-schedule.ir"};
    const size_t n_files = sizeof files / sizeof files[0];
    for (size_t i = 0; i < n_files; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (!test_path_exists(path))
            fail_msg("dump %s is missing", path);
    }
    /* No temporary file is left behind. */
    assert_int_equal(count_files(dir), (int)n_files);
    remove_dir(dir);
}

static void test_pipeline_stops_after_pass(void **state)
{
    fixture *f = *state;
    build_small_model(f);
    const aimcc_options options = {.stop_after = "canonicalize"};
    assert_int_equal(aimcc_pipeline_run(f->ctx, f->module, &options), AIMCC_OK);
    assert_true((f->module->properties & AIMCC_PROP_CANONICAL) != 0);
    assert_true((f->module->properties & AIMCC_PROP_MAPPED) == 0);
    assert_int_equal(f->module->n_tiles, 0);
}

static void test_pipeline_rejects_unknown_pass(void **state)
{
    fixture *f = *state;
    build_small_model(f);
    const aimcc_options options = {.dump_after = "canonicalise"};
    assert_int_equal(aimcc_pipeline_run(f->ctx, f->module, &options), AIMCC_ERR_INVALID_ARG);
    const char *message = aimcc_ctx_diag(f->ctx)->message;
    assert_non_null(strstr(message, "\"canonicalise\""));
    assert_non_null(
        strstr(message, "canonicalize, select-domain, quantize, map, bit-slice, encode, "
                        "calibrate, schedule"));
}

static void test_pipeline_checks_requirements(void **state)
{
    fixture *f = *state;
    build_small_model(f);
    f->module->properties = 0;
    assert_int_equal(aimcc_pipeline_run(f->ctx, f->module, NULL), AIMCC_ERR_INTERNAL);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_non_null(strstr(diag->message, "canonicalize requires"));
    assert_string_equal(diag->pass, "canonicalize");
}

static void test_pass_find_by_name(void **state)
{
    (void)state;
    assert_ptr_equal(aimcc_pass_find("canonicalize"), &aimcc_pass_canonicalize);
    assert_ptr_equal(aimcc_pass_find("map"), &aimcc_pass_map);
    assert_null(aimcc_pass_find("nosuch"));
    assert_null(aimcc_pass_find(NULL));
    assert_ptr_equal(aimcc_pipeline[0], &aimcc_pass_canonicalize);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_lowering_matches_kernel),
        cmocka_unit_test_setup_teardown(test_conv_runtime_weight_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bn_folds_into_conv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bn_folds_into_gemm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bn_with_shared_input_stays, setup, teardown),
        cmocka_unit_test(test_gemm_variants_match_kernel),
        cmocka_unit_test_setup_teardown(test_matmul_constant_becomes_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_matmul_two_activations_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_and_dead_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_of_input_output_kept, setup, teardown),
        cmocka_unit_test(test_map_blocks_cover_once),
        cmocka_unit_test_setup_teardown(test_map_packs_depthwise_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_packs_64_depthwise_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_packed_blocks_disjoint, setup, teardown),
        cmocka_unit_test(test_map_tile_edges_sliced_columns),
        cmocka_unit_test_setup_teardown(test_map_capacity_names_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_capacity_counts_packing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_capacity_names_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_replicates_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_replicate_unknown_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_integer_needs_quantize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_uses_target_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_dumps_every_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_stops_after_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_rejects_unknown_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_checks_requirements, setup, teardown),
        cmocka_unit_test(test_pass_find_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
