/* SPDX-License-Identifier: MIT */
/*
 * Tests of the ONNX lowering rules: small single-op models from
 * models/gen_lower_cases.py (tests/data/lower/), and the valid ONNX edge
 * cases, are imported with aimcc_onnx_import and their modules run op by op
 * with the runtime kernels, against outputs that numpy computed. Rejected
 * models must fail with the right status and a message naming the node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/onnx_import.h"
#include "frontend/onnx_lower.h"
#include "ir/ir.h"
#include "test_ir_eval.h"
#include "test_pipeline.h"
#include "test_support.h"

#define MAX_TENSORS 16

/* Float outputs agree with numpy within 1e-5 of the output's scale; integers exactly. */
static const test_tolerance lower_tolerance = {.abs_scale = 1e-5, .rel = 1e-5, .int_steps = 0};

/* An imported model and the context that contains its diagnostic. */
typedef struct imported {
    aimcc_ctx *ctx;
    aimcc_arena *arena;
    aimcc_module *module;
    aimcc_status status;
} imported;

static imported import_model(const char *folder)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model.onnx", folder);
    imported result = {.ctx = aimcc_ctx_create(), .arena = aimcc_arena_create()};
    assert_non_null(result.ctx);
    assert_non_null(result.arena);
    aimcc_options options = {0};
    result.status = aimcc_onnx_import(result.ctx, result.arena, path, &options, &result.module);

    /* As the compile driver does, import again with a fixed leading 1 kept at
     * its exported size when an op moved the batch axis. */
    if (result.status == AIMCC_ERR_UNSUPPORTED && result.module != NULL &&
        result.module->batch_broken) {
        options.fixed_batch = true;
        aimcc_ctx_clear(result.ctx);
        result.status =
            aimcc_onnx_import(result.ctx, result.arena, path, &options, &result.module);
    }
    return result;
}

static void release(imported *model)
{
    aimcc_arena_destroy(model->arena);
    aimcc_ctx_destroy(model->ctx);
}

/* Reads folder/PREFIX_K.pb for K = 0, 1, ... until one is missing. */
static int read_tensors(const char *folder, const char *prefix, test_tensor *tensors)
{
    int n = 0;
    for (; n < MAX_TENSORS; n++) {
        char path[1024];
        char message[512];
        snprintf(path, sizeof path, "%s/%s_%d.pb", folder, prefix, n);
        if (!test_path_exists(path))
            break;
        if (test_tensor_read_pb(path, &tensors[n], message, sizeof message) != AIMCC_OK)
            fail_msg("%s", message);
    }
    return n;
}

/* Imports folder/model.onnx, runs it on the data in data_folder and compares. */
static void check_model_outputs(const char *folder, const char *data_folder)
{
    imported model = import_model(folder);
    if (model.status != AIMCC_OK) {
        char reason[sizeof ((aimcc_diag *)0)->message];
        snprintf(reason, sizeof reason, "%s", aimcc_ctx_diag(model.ctx)->message);
        release(&model);
        fail_msg("%s: import failed: %s", folder, reason);
    }

    test_tensor inputs[MAX_TENSORS];
    test_tensor expected[MAX_TENSORS];
    test_tensor actual[MAX_TENSORS];
    const int n_inputs = read_tensors(data_folder, "input", inputs);
    const int n_expected = read_tensors(data_folder, "output", expected);
    assert_int_equal(model.module->n_outputs, n_expected);

    char message[512] = "";
    if (!test_ir_eval(model.module, inputs, n_inputs, actual, MAX_TENSORS, message,
                      sizeof message))
        fail_msg("%s: %s", folder, message);
    for (int i = 0; i < n_expected; i++) {
        char label[1100];
        snprintf(label, sizeof label, "%s output %d", folder, i);
        assert_true(test_compare_outputs(&actual[i].tensor, &expected[i].tensor,
                                         lower_tolerance, label));
        test_tensor_free(&actual[i]);
        test_tensor_free(&expected[i]);
    }
    for (int i = 0; i < n_inputs; i++)
        test_tensor_free(&inputs[i]);
    release(&model);
}

static void check_case(const char *name)
{
    char folder[1024];
    char relative[256];
    snprintf(relative, sizeof relative, "tests/data/lower/%s", name);
    test_source_path(folder, sizeof folder, relative);
    check_model_outputs(folder, folder);
}

static void check_edge_case(const char *name)
{
    char folder[1024];
    char data[1100];
    char relative[256];
    snprintf(relative, sizeof relative, "edgecases/%s", name);
    test_shared_path(folder, sizeof folder, relative);
    if (!test_path_exists(folder))
        skip();
    snprintf(data, sizeof data, "%s/test_data_set_0", folder);
    check_model_outputs(folder, data);
}

/* Imports a model that must fail and checks the status, node and message. */
static void check_rejected(const char *name, aimcc_status status, const char *node,
                           const char *needle)
{
    char folder[1024];
    char relative[256];
    snprintf(relative, sizeof relative, "tests/data/lower/%s", name);
    test_source_path(folder, sizeof folder, relative);
    imported model = import_model(folder);
    const aimcc_diag *diag = aimcc_ctx_diag(model.ctx);
    if (model.status != status || strstr(diag->message, needle) == NULL)
        print_message("%s: status %s, message: %s\n", name, aimcc_status_name(model.status),
                      diag->message);
    assert_int_equal(model.status, status);
    assert_int_equal(diag->status, status);
    assert_string_equal(diag->node, node);
    assert_non_null(strstr(diag->message, needle));
    release(&model);
}

#define CASE_TEST(name)                          \
    static void test_##name(void **state)        \
    {                                            \
        (void)state;                             \
        check_case(#name);                       \
    }
#define EDGE_TEST(name)                          \
    static void test_edge_##name(void **state)   \
    {                                            \
        (void)state;                             \
        check_edge_case(#name);                  \
    }

CASE_TEST(softmax_opset11_default_axis)
CASE_TEST(softmax_opset13_default_axis)
CASE_TEST(log_softmax_opset11_axis2)
CASE_TEST(squeeze_opset11_axes_attr)
CASE_TEST(squeeze_opset13_axes_input)
CASE_TEST(unsqueeze_opset11_axes_attr)
CASE_TEST(reshape_zero_minus_one)
CASE_TEST(flatten_negative_axis)
CASE_TEST(transpose_default_perm)
CASE_TEST(shape_opset15_start)
CASE_TEST(clip_opset10_attributes)
CASE_TEST(clip_opset11_absent_min)
CASE_TEST(clip_opset11_both_bounds)
CASE_TEST(slice_negative_steps)
CASE_TEST(slice_opset9_attributes)
CASE_TEST(split_opset11_attribute)
CASE_TEST(split_opset13_input)
CASE_TEST(split_opset18_num_outputs)
CASE_TEST(batched_slice_split)
CASE_TEST(gather_negative_int32_indices)
CASE_TEST(concat_negative_axis)
CASE_TEST(conv_auto_pad_same_upper)
CASE_TEST(conv_auto_pad_same_lower)
CASE_TEST(conv_depthwise_dilated_strided)
CASE_TEST(conv_1d_strided)
CASE_TEST(maxpool_ceil_mode)
CASE_TEST(avgpool_count_include_pad)
CASE_TEST(avgpool_same_lower_excluding_pad)
CASE_TEST(global_average_pool)
CASE_TEST(global_max_pool)
CASE_TEST(gemm_trans_b_alpha_beta)
CASE_TEST(matmul_batched)
CASE_TEST(batch_norm_default_epsilon)
CASE_TEST(unary_ops)
CASE_TEST(binary_broadcast_ops)
CASE_TEST(activation_attribute_defaults)
CASE_TEST(max_min_variadic)
CASE_TEST(reduce_mean_opset13_attr)
CASE_TEST(reduce_sum_opset13_input)
CASE_TEST(reduce_max_opset18_empty_noop)
CASE_TEST(reduce_max_opset18_all_axes)
CASE_TEST(pad_opset10_constant)
CASE_TEST(pad_opset11_reflect)
CASE_TEST(pad_opset18_axes_edge)
CASE_TEST(quantize_dequantize_per_axis)
CASE_TEST(quantize_opset10_per_tensor)
CASE_TEST(cast_float_to_int32)
CASE_TEST(constant_every_form)
CASE_TEST(constant_of_shape_dropout_mask)

EDGE_TEST(batchnorm_opset7_spatial)
EDGE_TEST(clip_opset11_inputs_and_empty_name)
EDGE_TEST(constant_node_forms)
EDGE_TEST(conv_autopad_same_even_kernel)
EDGE_TEST(conv_bias_batch2)
EDGE_TEST(conv_group_depthwise)
EDGE_TEST(conv_pool_asymmetric_pads)
EDGE_TEST(dim_param_batch_gemm)
EDGE_TEST(gemm_transA_alpha_beta_colbias)
EDGE_TEST(maxpool_ceil_mode)
EDGE_TEST(reshape_zero_and_minus_one)
EDGE_TEST(shape_gather_concat_reshape)
EDGE_TEST(softmax_opset11_default_axis)
EDGE_TEST(squeeze_opset11_axes_attr)

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds to one RESHAPE that
 * copies the batch, and runs at batch 3 although the model was exported at 1. */
static void test_shape_chain_keeps_batch(void **state)
{
    (void)state;
    check_case("shape_chain_keeps_batch");

    char folder[1024];
    test_source_path(folder, sizeof folder, "tests/data/lower/shape_chain_keeps_batch");
    imported model = import_model(folder);
    assert_int_equal(model.status, AIMCC_OK);
    const aimcc_module *module = model.module;
    assert_true(module->inputs[0]->batched);
    assert_true(module->outputs[0]->batched);
    assert_non_null(module->first);
    assert_ptr_equal(module->first, module->last);
    assert_int_equal(module->first->code, AIMRT_OP_RESHAPE);
    const aimrt_attr *shape =
        aimrt_attr_find(module->first->attrs, module->first->n_attrs, AIMRT_ATTR_SHAPE);
    assert_non_null(shape);
    assert_int_equal(shape->n, 2);
    assert_int_equal(shape->ints[0], 0);
    assert_int_equal(shape->ints[1], -1);
    release(&model);
}

/* Squeeze, opset 11 Softmax, Flatten, Unsqueeze and Reshape to [1, 6] keep a
 * symbolic batch on axis 0 and run at batch 3. */
static void test_batched_reshape_family(void **state)
{
    (void)state;
    check_case("batched_reshape_family");

    char folder[1024];
    test_source_path(folder, sizeof folder, "tests/data/lower/batched_reshape_family");
    imported model = import_model(folder);
    assert_int_equal(model.status, AIMCC_OK);
    assert_true(model.module->outputs[0]->batched);
    for (const aimcc_op *op = model.module->first; op != NULL; op = op->next)
        assert_true(op->outputs[0]->batched);
    release(&model);
}

/* Records the DEBUG lines of the lowering. */
static char logged[4096];

static void record_log(aimcc_log_level level, const char *pass, const char *node,
                       const char *message, void *user)
{
    (void)pass;
    (void)user;
    if (level == AIMCC_LOG_DEBUG && node != NULL && strcmp(node, "relu_extra") == 0)
        snprintf(logged + strlen(logged), sizeof logged - strlen(logged), "%s\n", message);
}

static void test_unknown_attribute_logged(void **state)
{
    (void)state;
    logged[0] = '\0';
    const aimcc_log_level saved = aimcc_log_threshold;
    aimcc_log_set_level(AIMCC_LOG_DEBUG);
    aimcc_log_set_callback(record_log, NULL);
    check_case("relu_unknown_attribute");
    aimcc_log_set_callback(NULL, NULL);
    aimcc_log_set_level(saved);
    assert_non_null(strstr(logged, "exporter_hint"));
}

static void test_maxpool_storage_order_rejected(void **state)
{
    (void)state;
    check_rejected("error_maxpool_storage_order", AIMCC_ERR_UNSUPPORTED, "pool_col_major",
                   "storage_order");
}

static void test_maxpool_same_ceil_rejected(void **state)
{
    (void)state;
    check_rejected("error_maxpool_same_ceil", AIMCC_ERR_UNSUPPORTED, "pool_same_ceil",
                   "ceil_mode");
}

static void test_maxpool_indices_rejected(void **state)
{
    (void)state;
    check_rejected("error_maxpool_indices", AIMCC_ERR_UNSUPPORTED, "pool_indices", "Indices");
}

static void test_conv_3d_rejected(void **state)
{
    (void)state;
    check_rejected("error_conv_3d", AIMCC_ERR_UNSUPPORTED, "conv3d", "2-D");
}

static void test_pad_wrap_rejected(void **state)
{
    (void)state;
    check_rejected("error_pad_wrap", AIMCC_ERR_UNSUPPORTED, "pad_wrap", "wrap");
}

static void test_reshape_runtime_shape_rejected(void **state)
{
    (void)state;
    check_rejected("error_reshape_runtime_shape", AIMCC_ERR_UNSUPPORTED, "reshape_dynamic",
                   "--const");
}

static void test_clip_runtime_min_rejected(void **state)
{
    (void)state;
    check_rejected("error_clip_runtime_min", AIMCC_ERR_UNSUPPORTED, "clip_dynamic", "--const");
}

static void test_batch_norm_training_rejected(void **state)
{
    (void)state;
    check_rejected("error_batch_norm_training", AIMCC_ERR_UNSUPPORTED, "bn_train",
                   "training_mode");
}

static void test_attribute_type_mismatch_rejected(void **state)
{
    (void)state;
    check_rejected("error_attribute_type", AIMCC_ERR_INVALID_MODEL, "softmax_float_axis",
                   "\"axis\"");
}

static void test_squeeze_batch_rejected(void **state)
{
    (void)state;
    check_rejected("error_squeeze_batch", AIMCC_ERR_UNSUPPORTED, "squeeze_batch", "batch");
}

static void test_cast_string_rejected(void **state)
{
    (void)state;
    check_rejected("error_cast_string", AIMCC_ERR_UNSUPPORTED, "cast_string", "string");
}

static void test_supported_opset_ranges(void **state)
{
    (void)state;
    assert_true(onnx_lower_supported("Conv", 7));
    assert_true(onnx_lower_supported("Softmax", 18));
    assert_false(onnx_lower_supported("HardSwish", 13));
    assert_true(onnx_lower_supported("HardSwish", 14));
    assert_false(onnx_lower_supported("ConstantOfShape", 8));
    assert_true(onnx_lower_supported("ConstantOfShape", 9));
    assert_true(onnx_lower_supported("DequantizeLinear", 10));
    assert_false(onnx_lower_supported("If", 13));
    assert_false(onnx_lower_supported("Resize", 13));
    assert_false(onnx_lower_supported("Conv", 19));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_opset11_default_axis),
        cmocka_unit_test(test_softmax_opset13_default_axis),
        cmocka_unit_test(test_log_softmax_opset11_axis2),
        cmocka_unit_test(test_squeeze_opset11_axes_attr),
        cmocka_unit_test(test_squeeze_opset13_axes_input),
        cmocka_unit_test(test_unsqueeze_opset11_axes_attr),
        cmocka_unit_test(test_reshape_zero_minus_one),
        cmocka_unit_test(test_flatten_negative_axis),
        cmocka_unit_test(test_transpose_default_perm),
        cmocka_unit_test(test_shape_opset15_start),
        cmocka_unit_test(test_shape_chain_keeps_batch),
        cmocka_unit_test(test_batched_reshape_family),
        cmocka_unit_test(test_clip_opset10_attributes),
        cmocka_unit_test(test_clip_opset11_absent_min),
        cmocka_unit_test(test_clip_opset11_both_bounds),
        cmocka_unit_test(test_slice_negative_steps),
        cmocka_unit_test(test_slice_opset9_attributes),
        cmocka_unit_test(test_split_opset11_attribute),
        cmocka_unit_test(test_split_opset13_input),
        cmocka_unit_test(test_split_opset18_num_outputs),
        cmocka_unit_test(test_batched_slice_split),
        cmocka_unit_test(test_gather_negative_int32_indices),
        cmocka_unit_test(test_concat_negative_axis),
        cmocka_unit_test(test_conv_auto_pad_same_upper),
        cmocka_unit_test(test_conv_auto_pad_same_lower),
        cmocka_unit_test(test_conv_depthwise_dilated_strided),
        cmocka_unit_test(test_conv_1d_strided),
        cmocka_unit_test(test_maxpool_ceil_mode),
        cmocka_unit_test(test_avgpool_count_include_pad),
        cmocka_unit_test(test_avgpool_same_lower_excluding_pad),
        cmocka_unit_test(test_global_average_pool),
        cmocka_unit_test(test_global_max_pool),
        cmocka_unit_test(test_gemm_trans_b_alpha_beta),
        cmocka_unit_test(test_matmul_batched),
        cmocka_unit_test(test_batch_norm_default_epsilon),
        cmocka_unit_test(test_unary_ops),
        cmocka_unit_test(test_binary_broadcast_ops),
        cmocka_unit_test(test_activation_attribute_defaults),
        cmocka_unit_test(test_max_min_variadic),
        cmocka_unit_test(test_reduce_mean_opset13_attr),
        cmocka_unit_test(test_reduce_sum_opset13_input),
        cmocka_unit_test(test_reduce_max_opset18_empty_noop),
        cmocka_unit_test(test_reduce_max_opset18_all_axes),
        cmocka_unit_test(test_pad_opset10_constant),
        cmocka_unit_test(test_pad_opset11_reflect),
        cmocka_unit_test(test_pad_opset18_axes_edge),
        cmocka_unit_test(test_quantize_dequantize_per_axis),
        cmocka_unit_test(test_quantize_opset10_per_tensor),
        cmocka_unit_test(test_cast_float_to_int32),
        cmocka_unit_test(test_constant_every_form),
        cmocka_unit_test(test_constant_of_shape_dropout_mask),
        cmocka_unit_test(test_unknown_attribute_logged),
        cmocka_unit_test(test_edge_batchnorm_opset7_spatial),
        cmocka_unit_test(test_edge_clip_opset11_inputs_and_empty_name),
        cmocka_unit_test(test_edge_constant_node_forms),
        cmocka_unit_test(test_edge_conv_autopad_same_even_kernel),
        cmocka_unit_test(test_edge_conv_bias_batch2),
        cmocka_unit_test(test_edge_conv_group_depthwise),
        cmocka_unit_test(test_edge_conv_pool_asymmetric_pads),
        cmocka_unit_test(test_edge_dim_param_batch_gemm),
        cmocka_unit_test(test_edge_gemm_transA_alpha_beta_colbias),
        cmocka_unit_test(test_edge_maxpool_ceil_mode),
        cmocka_unit_test(test_edge_reshape_zero_and_minus_one),
        cmocka_unit_test(test_edge_shape_gather_concat_reshape),
        cmocka_unit_test(test_edge_softmax_opset11_default_axis),
        cmocka_unit_test(test_edge_squeeze_opset11_axes_attr),
        cmocka_unit_test(test_maxpool_storage_order_rejected),
        cmocka_unit_test(test_maxpool_same_ceil_rejected),
        cmocka_unit_test(test_maxpool_indices_rejected),
        cmocka_unit_test(test_conv_3d_rejected),
        cmocka_unit_test(test_pad_wrap_rejected),
        cmocka_unit_test(test_reshape_runtime_shape_rejected),
        cmocka_unit_test(test_clip_runtime_min_rejected),
        cmocka_unit_test(test_batch_norm_training_rejected),
        cmocka_unit_test(test_attribute_type_mismatch_rejected),
        cmocka_unit_test(test_squeeze_batch_rejected),
        cmocka_unit_test(test_cast_string_rejected),
        cmocka_unit_test(test_supported_opset_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
