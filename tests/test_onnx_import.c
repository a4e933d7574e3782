/* SPDX-License-Identifier: MIT */
/*
 * Tests of the ONNX import driver: tensor storage forms, unsafe external
 * data, malformed files, graph validation, input bindings and If inlining,
 * on the models that models/gen_import_cases.py writes and on the shared
 * edge cases. Expected values are the literals the generator script wrote.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/onnx_import.h"

typedef struct fixture {
    aimcc_ctx *ctx;
    aimcc_arena *arena;
    aimcc_module *module;
} fixture;

/* Warnings captured from the log, for the sorting test. */
static char captured_log[2048];

static void capture_log(aimcc_log_level level, const char *pass, const char *node,
                        const char *message, void *user)
{
    (void)pass;
    (void)node;
    (void)user;
    if (level == AIMCC_LOG_WARN)
        snprintf(captured_log + strlen(captured_log), sizeof captured_log - strlen(captured_log),
                 "%s\n", message);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = aimcc_ctx_create();
    f->arena = aimcc_arena_create();
    captured_log[0] = '\0';
    aimcc_log_set_callback(capture_log, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimcc_log_set_callback(NULL, NULL);
    aimcc_arena_destroy(f->arena);
    aimcc_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

static aimcc_status import_case(fixture *f, const char *name, const aimcc_options *options)
{
    char path[1024];
    char relative[256];
    snprintf(relative, sizeof relative, "tests/data/onnx/%s.onnx", name);
    test_source_path(path, sizeof path, relative);
    return aimcc_onnx_import(f->ctx, f->arena, path, options, &f->module);
}

static aimcc_status import_shared(fixture *f, const char *name)
{
    char path[1024];
    char relative[256];
    snprintf(relative, sizeof relative, "edgecases/%s/model.onnx", name);
    test_shared_path(path, sizeof path, relative);
    if (!test_path_exists(path))
        skip();
    return aimcc_onnx_import(f->ctx, f->arena, path, NULL, &f->module);
}

static const char *message(const fixture *f)
{
    return aimcc_ctx_diag(f->ctx)->message;
}

/* Asserts that the message contains every fragment, printing it when not. */
static void assert_message_has(const fixture *f, const char *fragment)
{
    if (!strstr(message(f), fragment))
        print_error("message \"%s\" lacks \"%s\"\n", message(f), fragment);
    assert_non_null(strstr(message(f), fragment));
}

static const aimcc_value *find_value(const aimcc_module *module, const char *name)
{
    for (int i = 0; i < module->n_values; i++) {
        if (module->values[i]->name && !strcmp(module->values[i]->name, name))
            return module->values[i];
    }
    return NULL;
}

/* Returns the constant named name after checking its dtype and shape. */
static const void *constant(const fixture *f, const char *name, aimrt_dtype dtype, int rank,
                            const int64_t *dims)
{
    const aimcc_value *value = find_value(f->module, name);
    if (!value)
        print_error("no value named %s\n", name);
    assert_non_null(value);
    assert_int_equal(value->kind, AIMCC_VALUE_CONST);
    assert_int_equal(value->dtype, dtype);
    assert_int_equal(value->rank, rank);
    for (int i = 0; i < rank; i++)
        assert_int_equal(value->dims[i], dims[i]);
    assert_non_null(value->data);
    return value->data;
}

static void test_storage_float_forms(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "storage_forms", NULL), AIMCC_OK);

    const float *f_raw = constant(f, "f_raw", AIMRT_DTYPE_FLOAT, 2, (int64_t[]){2, 3});
    const float f_raw_expected[] = {0.5f, -1.0f, 2.0f, 3.25f, -4.5f, 1e-3f};
    for (int i = 0; i < 6; i++)
        assert_true(f_raw[i] == f_raw_expected[i]);
    const float *f_data = constant(f, "f_data", AIMRT_DTYPE_FLOAT, 2, (int64_t[]){2, 2});
    const float f_data_expected[] = {1.0f, -2.0f, 3.5f, 4e10f};
    for (int i = 0; i < 4; i++)
        assert_true(f_data[i] == f_data_expected[i]);
    const double *d_data = constant(f, "d_data", AIMRT_DTYPE_DOUBLE, 1, (int64_t[]){3});
    assert_true(d_data[0] == 1.0 / 3 && d_data[1] == -2.5 && d_data[2] == 1e300);
    const float *scalar = constant(f, "scalar", AIMRT_DTYPE_FLOAT, 0, NULL);
    assert_true(scalar[0] == 3.25f);
    constant(f, "empty", AIMRT_DTYPE_FLOAT, 2, (int64_t[]){0, 3});
}

static void test_storage_int32_data_narrowed(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "storage_forms", NULL), AIMCC_OK);

    const int8_t *i8 = constant(f, "i8_data", AIMRT_DTYPE_INT8, 1, (int64_t[]){4});
    assert_int_equal(i8[0], -128);
    assert_int_equal(i8[1], -1);
    assert_int_equal(i8[2], 0);
    assert_int_equal(i8[3], 127);
    const uint8_t *u8 = constant(f, "u8_data", AIMRT_DTYPE_UINT8, 1, (int64_t[]){3});
    assert_int_equal(u8[1], 200);
    assert_int_equal(u8[2], 255);
    const int16_t *i16 = constant(f, "i16_data", AIMRT_DTYPE_INT16, 1, (int64_t[]){2});
    assert_int_equal(i16[0], -32768);
    assert_int_equal(i16[1], 32767);
    const uint16_t *u16 = constant(f, "u16_data", AIMRT_DTYPE_UINT16, 1, (int64_t[]){2});
    assert_int_equal(u16[1], 65535);
    const uint8_t *b = constant(f, "b_data", AIMRT_DTYPE_BOOL, 1, (int64_t[]){3});
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 0);
    assert_int_equal(b[2], 1);
    const int32_t *i32 = constant(f, "i32_data", AIMRT_DTYPE_INT32, 1, (int64_t[]){2});
    assert_int_equal(i32[0], INT32_MIN);
    assert_int_equal(i32[1], INT32_MAX);
}

static void test_storage_float16_bit_patterns(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "storage_forms", NULL), AIMCC_OK);

    /* int32_data contains each half's bits, not a converted number. */
    const uint16_t *h = constant(f, "h_data", AIMRT_DTYPE_FLOAT16, 1, (int64_t[]){4});
    assert_int_equal(h[0], 0xFBFF);
    assert_int_equal(h[1], 0x0001);
    assert_int_equal(h[2], 0x3E00);
    assert_int_equal(h[3], 0x8000);
    assert_true(aimrt_half_to_float(h[0]) == -65504.0f);
    assert_true(aimrt_half_to_float(h[1]) == ldexpf(1.0f, -24));
    assert_true(aimrt_half_to_float(h[2]) == 1.5f);
    const uint16_t *h_raw = constant(f, "h_raw", AIMRT_DTYPE_FLOAT16, 1, (int64_t[]){3});
    assert_int_equal(h_raw[0], 0xFBFF);
    assert_int_equal(h_raw[1], 0x0400);
    assert_int_equal(h_raw[2], 0x2E66);
}

static void test_storage_64bit_forms(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "storage_forms", NULL), AIMCC_OK);

    const int64_t *i64 = constant(f, "i64_data", AIMRT_DTYPE_INT64, 1, (int64_t[]){3});
    assert_true(i64[0] == INT64_MIN);
    assert_true(i64[1] == 5);
    assert_true(i64[2] == (INT64_C(1) << 40));
    const uint64_t *u64 = constant(f, "u64_data", AIMRT_DTYPE_UINT64, 1, (int64_t[]){2});
    assert_true(u64[0] == UINT64_MAX);
    assert_true(u64[1] == 7);
    const uint32_t *u32 = constant(f, "u32_data", AIMRT_DTYPE_UINT32, 1, (int64_t[]){2});
    assert_true(u32[0] == UINT32_MAX);
    assert_true(u32[1] == 1);
    const int64_t *i64_raw = constant(f, "i64_raw", AIMRT_DTYPE_INT64, 1, (int64_t[]){2});
    assert_true(i64_raw[0] == -3);
    assert_true(i64_raw[1] == (INT64_C(1) << 50));
    const uint8_t *b_raw = constant(f, "b_raw", AIMRT_DTYPE_BOOL, 1, (int64_t[]){2});
    assert_int_equal(b_raw[0], 1);
    assert_int_equal(b_raw[1], 0);
}

static void test_external_data_at_offsets(void **state)
{
    fixture *f = *state;
    /* Run from another folder: locations resolve against the model's folder. */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    const aimcc_status status = import_case(f, "storage_forms", NULL);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(status, AIMCC_OK);

    const float *a = constant(f, "ext_f32", AIMRT_DTYPE_FLOAT, 1, (int64_t[]){3});
    assert_true(a[0] == 1.5f && a[1] == -2.25f && a[2] == 3.0f);
    const float *b = constant(f, "ext_nolen", AIMRT_DTYPE_FLOAT, 1, (int64_t[]){2});
    assert_true(b[0] == 0.5f && b[1] == 0.25f);
    const int64_t *c = constant(f, "ext_i64", AIMRT_DTYPE_INT64, 1, (int64_t[]){2});
    assert_true(c[0] == 7 && c[1] == -9);
}

static void test_external_shared_weights(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "external_data_weights"), AIMCC_OK);

    /* Compare with the bytes of weights.bin read here at the documented offsets. */
    char path[1024];
    test_shared_path(path, sizeof path, "edgecases/external_data_weights/weights.bin");
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    float w[12];
    float bias[3];
    assert_int_equal(fseek(file, 4, SEEK_SET), 0);
    assert_int_equal(fread(w, sizeof(float), 12, file), 12);
    assert_int_equal(fseek(file, 64, SEEK_SET), 0);
    assert_int_equal(fread(bias, sizeof(float), 3, file), 3);
    fclose(file);
    const float *w_value = constant(f, "W", AIMRT_DTYPE_FLOAT, 2, (int64_t[]){3, 4});
    assert_memory_equal(w_value, w, sizeof w);
    const float *b_value = constant(f, "B", AIMRT_DTYPE_FLOAT, 1, (int64_t[]){3});
    assert_memory_equal(b_value, bias, sizeof bias);
}

static void test_shared_fp16_int32_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "fp16_weights_int32_data"), AIMCC_OK);
    const uint16_t *w = constant(f, "W16_int32_data", AIMRT_DTYPE_FLOAT16, 1, (int64_t[]){4});
    /* The case stores -65504 and the largest subnormal, 1023 * 2^-24. */
    assert_true(aimrt_half_to_float(w[2]) == -65504.0f);
    assert_true(aimrt_half_to_float(w[3]) == 1023.0f * ldexpf(1.0f, -24));
}

/* Imports a case that must fail and checks the status and the message. */
static void expect_failure(fixture *f, const char *name, aimcc_status status,
                           const char *const *fragments)
{
    aimcc_ctx_clear(f->ctx);
    assert_int_equal(import_case(f, name, NULL), status);
    assert_null(f->module);
    for (; *fragments; fragments++)
        assert_message_has(f, *fragments);
}

static void test_external_traversal_rejected(void **state)
{
    expect_failure(*state, "ext_traversal", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "../onnx/storage_forms.bin", "outside the model folder",
                                    NULL});
    expect_failure(*state, "ext_absolute", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "/etc/hostname", "outside the model folder", NULL});
}

static void test_external_shared_traversal(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "external_data_path_traversal"), AIMCC_ERR_INVALID_MODEL);
    assert_message_has(f, "'W'");
    assert_message_has(f, "outside the model folder");
}

static void test_external_symlink_escape(void **state)
{
    fixture *f = *state;
    char folder[] = "/tmp/aimcc-import-XXXXXX";
    assert_non_null(mkdtemp(folder));
    char source[1024];
    char model[1100];
    char link[1100];
    char target[1024];
    test_source_path(source, sizeof source, "tests/data/onnx/ext_symlink.onnx");
    test_source_path(target, sizeof target, "tests/data/onnx/storage_forms.bin");
    snprintf(model, sizeof model, "%s/model.onnx", folder);
    snprintf(link, sizeof link, "%s/link.bin", folder);
    assert_int_equal(symlink(source, model), 0);
    assert_int_equal(symlink(target, link), 0);

    const aimcc_status status = aimcc_onnx_import(f->ctx, f->arena, model, NULL, &f->module);
    unlink(link);
    unlink(model);
    rmdir(folder);
    assert_int_equal(status, AIMCC_ERR_INVALID_MODEL);
    assert_message_has(f, "'W'");
    assert_message_has(f, "symbolic link");
}

static void test_external_range_checked(void **state)
{
    expect_failure(*state, "ext_past_end", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "offset 72", "runs past the end", NULL});
    expect_failure(*state, "ext_length_mismatch", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "length 8", "need 12 bytes", NULL});
}

static void test_data_length_mismatch_rejected(void **state)
{
    expect_failure(*state, "raw_length_mismatch", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "8 bytes of raw_data", "needs 12", NULL});
    expect_failure(*state, "float_data_short", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "3 values in float_data", "[2, 2] needs 4", NULL});
}

static void test_bad_shapes_rejected(void **state)
{
    expect_failure(*state, "negative_dim", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "negative dimension -1", NULL});
    expect_failure(*state, "overflow_dims", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "overflows 64 bits", NULL});
}

static void test_unsupported_dtypes_rejected(void **state)
{
    expect_failure(*state, "string_tensor", AIMCC_ERR_UNSUPPORTED,
                   (const char *[]){"'W'", "STRING", NULL});
    expect_failure(*state, "bfloat16_tensor", AIMCC_ERR_UNSUPPORTED,
                   (const char *[]){"'W'", "BFLOAT16", NULL});
    expect_failure(*state, "int8_out_of_range", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "element 1", "300", "INT8", NULL});
}

static void test_truncated_model_rejected(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "malformed_truncated"), AIMCC_ERR_INVALID_MODEL);
    assert_null(f->module);
    /* The diagnostic's file names the model, so the message does not repeat it. */
    assert_non_null(strstr(aimcc_ctx_diag(f->ctx)->file, "model.onnx"));
    assert_message_has(f, "the file is not a valid ModelProto");
    assert_null(strstr(message(f), "model.onnx"));
    assert_int_equal(aimcc_ctx_diag(f->ctx)->n_later, 0);
}

/* Writes bytes to a temporary file and imports it. */
static aimcc_status import_bytes(fixture *f, const uint8_t *bytes, size_t size)
{
    char path[] = "/tmp/aimcc-bytes-XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
    const aimcc_status status = aimcc_onnx_import(f->ctx, f->arena, path, NULL, &f->module);
    unlink(path);
    return status;
}

static void test_garbage_bytes_rejected(void **state)
{
    fixture *f = *state;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x3a, 0x99, 0x01, 0x02};
    assert_int_equal(import_bytes(f, garbage, sizeof garbage), AIMCC_ERR_INVALID_MODEL);
    assert_message_has(f, "is not a valid ModelProto");
}

/* Prepends a length-delimited field header (tag, then length) to buffer[start..end). */
static size_t wrap_field(uint8_t *buffer, size_t start, size_t end, unsigned field)
{
    uint8_t header[12];
    size_t n = 0;
    header[n++] = (uint8_t)(field << 3 | 2);
    for (size_t length = end - start;; length >>= 7) {
        header[n++] = (uint8_t)((length & 0x7f) | (length >= 0x80 ? 0x80 : 0));
        if (length < 0x80)
            break;
    }
    memcpy(buffer + start - n, header, n);
    return start - n;
}

static void test_deep_nesting_rejected(void **state)
{
    fixture *f = *state;
    /* Graph > Node > Attribute > Graph ... 6000 levels deep, built from the inside out. */
    const size_t capacity = 1 << 17;
    uint8_t *buffer = calloc(capacity, 1);
    const size_t end = capacity;
    size_t start = end;
    for (int level = 0; level < 2000; level++) {
        start = wrap_field(buffer, start, end, 6);  /* AttributeProto.g */
        start = wrap_field(buffer, start, end, 5);  /* NodeProto.attribute */
        start = wrap_field(buffer, start, end, 1);  /* GraphProto.node */
    }
    start = wrap_field(buffer, start, end, 7);      /* ModelProto.graph */
    const aimcc_status status = import_bytes(f, buffer + start, end - start);
    free(buffer);
    assert_int_equal(status, AIMCC_ERR_INVALID_MODEL);
    assert_message_has(f, "is not a valid ModelProto");
}

static void test_dangling_output_rejected(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "dangling_graph_output"), AIMCC_ERR_INVALID_MODEL);
    assert_message_has(f, "graph output 'Y' is not produced by any node and is not a graph "
                          "input or initializer");
}

static void test_duplicate_names_rejected(void **state)
{
    fixture *f = *state;
    expect_failure(f, "duplicate_producers", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'h'", "node \"first\" (Relu)", "node \"second\" (Relu)", NULL});
    assert_string_equal(aimcc_ctx_diag(f->ctx)->node, "second");
}

static void test_initializer_output_clash(void **state)
{
    fixture *f = *state;
    expect_failure(f, "initializer_output_clash", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"'W'", "an initializer", "node \"make_w\"", NULL});
}

static void test_undefined_input_rejected(void **state)
{
    fixture *f = *state;
    expect_failure(f, "undefined_input", AIMCC_ERR_INVALID_MODEL,
                   (const char *[]){"input 'ghost' is not produced", NULL});
    /* The unnamed node is named after its first output. */
    assert_string_equal(aimcc_ctx_diag(f->ctx)->node, "h");
    assert_string_equal(aimcc_ctx_diag(f->ctx)->op, "Add");
}

static void test_cycle_rejected(void **state)
{
    fixture *f = *state;
    expect_failure(f, "cycle", AIMCC_ERR_INVALID_MODEL, (const char *[]){"cycle", NULL});
    const char *node = aimcc_ctx_diag(f->ctx)->node;
    assert_true(!strcmp(node, "add_a") || !strcmp(node, "relu_b"));
}

static void test_unsorted_graph_sorted(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "nodes_not_topologically_sorted"), AIMCC_OK);
    assert_non_null(strstr(captured_log, "not in topological order"));
    assert_non_null(strstr(captured_log, "sorted them"));

    /* The lowered ops follow the data: Relu, then Mul, then Add. */
    const aimrt_op expected[] = {AIMRT_OP_RELU, AIMRT_OP_MUL, AIMRT_OP_ADD};
    int n = 0;
    for (const aimcc_op *op = f->module->first; op; op = op->next) {
        assert_true(n < 3);
        assert_int_equal(op->code, expected[n++]);
    }
    assert_int_equal(n, 3);
}

static void test_unsupported_ops_listed(void **state)
{
    fixture *f = *state;
    expect_failure(f, "unsupported_ops", AIMCC_ERR_UNSUPPORTED,
                   (const char *[]){"unsupported operators: ",
                                    "Frobnicate (domain \"com.example\" version 1, first at node "
                                    "\"frob0\")",
                                    "Loop (opset 13, first at node \"loop1\")",
                                    "If (opset 13, first at node \"if_dynamic\"",
                                    "Widget (domain \"org.other\", which the model does not "
                                    "import, first at node \"Widget_5\")",
                                    "docs/onnx-support.md", NULL});
    /* Relu and Add are supported, and Frobnicate is listed once. */
    assert_null(strstr(message(f), "Relu"));
    assert_null(strstr(message(f), "frob1"));
}

static void test_unknown_domain_shared(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "unknown_op_domain"), AIMCC_ERR_UNSUPPORTED);
    assert_message_has(f, "Frobnicate (domain \"com.example\" version 1, first at node \"frob0\")");
}

static void test_old_opset_rejected(void **state)
{
    expect_failure(*state, "opset_too_old", AIMCC_ERR_UNSUPPORTED,
                   (const char *[]){"opset 6", "7 to 18", NULL});
}

static void test_unbound_dim_names_option(void **state)
{
    fixture *f = *state;
    expect_failure(f, "unbound_dim", AIMCC_ERR_UNSUPPORTED,
                   (const char *[]){"'seq'", "'x'", "--dim seq=VALUE", NULL});
}

static void test_bound_dim_sets_size(void **state)
{
    fixture *f = *state;
    const aimcc_binding dims[] = {{"seq", "5"}};
    const aimcc_options options = {.dims = dims, .n_dims = 1};
    assert_int_equal(import_case(f, "unbound_dim", &options), AIMCC_OK);
    assert_int_equal(f->module->n_inputs, 1);
    const aimcc_value *x = f->module->inputs[0];
    assert_true(x->batched);
    assert_int_equal(x->dims[0], 1);
    assert_int_equal(x->dims[1], 5);
    assert_int_equal(x->dims[2], 4);
    assert_int_equal(f->module->n_outputs, 1);
    assert_ptr_equal(f->module->outputs[0], x);
    assert_true(f->module->properties & AIMCC_PROP_IMPORTED);
}

static void test_batch_from_leading_dim(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "batch_inputs", NULL), AIMCC_OK);
    assert_int_equal(f->module->n_inputs, 3);
    const aimcc_value *a = f->module->inputs[0];
    const aimcc_value *b = f->module->inputs[1];
    const aimcc_value *c = f->module->inputs[2];
    assert_true(a->batched);
    assert_int_equal(a->dims[0], 1);
    assert_true(b->batched);
    assert_int_equal(b->dims[1], 5);
    assert_false(c->batched);
    assert_int_equal(c->dims[0], 4);
}

static void test_const_binds_input(void **state)
{
    fixture *f = *state;
    char pb[1024];
    test_source_path(pb, sizeof pb, "tests/data/onnx/const_shape.pb");
    const aimcc_binding consts[] = {{"shape", pb}};
    const aimcc_options options = {.consts = consts, .n_consts = 1};
    assert_int_equal(import_case(f, "const_input", &options), AIMCC_OK);
    assert_int_equal(f->module->n_inputs, 1);
    assert_string_equal(f->module->inputs[0]->name, "x");
    const int64_t *shape = constant(f, "shape", AIMRT_DTYPE_INT64, 1, (int64_t[]){2});
    assert_true(shape[0] == 3 && shape[1] == 1);
}

static void test_const_wrong_dtype_rejected(void **state)
{
    fixture *f = *state;
    char pb[1024];
    test_source_path(pb, sizeof pb, "tests/data/onnx/const_wrong_dtype.pb");
    const aimcc_binding consts[] = {{"shape", pb}};
    const aimcc_options options = {.consts = consts, .n_consts = 1};
    assert_int_equal(import_case(f, "const_input", &options), AIMCC_ERR_INVALID_ARG);
    assert_message_has(f, "--const shape=");
    assert_message_has(f, "i32");
    assert_message_has(f, "graph input 'shape' is i64");
}

static void test_const_unknown_input_rejected(void **state)
{
    fixture *f = *state;
    const aimcc_binding consts[] = {{"nothere", "x.pb"}};
    const aimcc_options options = {.consts = consts, .n_consts = 1};
    assert_int_equal(import_case(f, "const_input", &options), AIMCC_ERR_INVALID_ARG);
    assert_message_has(f, "no graph input named 'nothere'");
}

static void test_initializer_input_stays_constant(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "initializer_also_input", NULL), AIMCC_OK);
    assert_int_equal(f->module->n_inputs, 1);
    assert_string_equal(f->module->inputs[0]->name, "x");
    const float *w = constant(f, "W", AIMRT_DTYPE_FLOAT, 1, (int64_t[]){2});
    assert_true(w[0] == 0.5f && w[1] == -0.5f);
    assert_true(find_value(f->module, "W")->overridable);
}

static void test_shared_initializer_input(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "initializer_also_graph_input"), AIMCC_OK);
    assert_int_equal(f->module->n_inputs, 1);
    assert_true(find_value(f->module, "W")->overridable);
    assert_true(find_value(f->module, "B")->overridable);
}

static void test_if_constant_initializer_inlined(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "if_const_cond_outer_scope"), AIMCC_OK);
    assert_int_equal(f->module->n_outputs, 1);
    const aimcc_value *y = f->module->outputs[0];
    assert_string_equal(y->name, "y");
    /* The condition is true: y is the then branch's Add of the outer x and W. */
    assert_non_null(y->producer);
    assert_int_equal(y->producer->code, AIMRT_OP_IDENTITY);
    const aimcc_value *branch_out = y->producer->inputs[0];
    assert_non_null(branch_out->producer);
    assert_int_equal(branch_out->producer->code, AIMRT_OP_ADD);
}

static void test_if_constant_node_else(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_case(f, "if_constant_node", NULL), AIMCC_OK);
    const aimcc_value *y = f->module->outputs[0];
    assert_string_equal(y->name, "y");
    assert_int_equal(y->producer->code, AIMRT_OP_IDENTITY);
    assert_int_equal(y->producer->inputs[0]->producer->code, AIMRT_OP_RELU);
}

static void test_empty_input_name_absent(void **state)
{
    fixture *f = *state;
    assert_int_equal(import_shared(f, "clip_opset11_inputs_and_empty_name"), AIMCC_OK);
    assert_int_equal(f->module->n_outputs, 3);
}

static void test_tensor_file_round_trip(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/aimcc-tensor-XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    float values[6] = {1.0f, -2.0f, 0.5f, 1e-7f, 3e8f, -0.0f};
    const aimrt_tensor tensor = {.dtype = AIMRT_DTYPE_FLOAT, .rank = 2, .dims = {2, 3},
                                 .data = values};
    assert_int_equal(aimcc_onnx_write_tensor(f->ctx, path, "t", &tensor), AIMCC_OK);

    const char *name = NULL;
    aimrt_tensor read;
    const aimcc_status status = aimcc_onnx_read_tensor(f->ctx, f->arena, path, &name, &read);
    unlink(path);
    assert_int_equal(status, AIMCC_OK);
    assert_string_equal(name, "t");
    assert_int_equal(read.dtype, AIMRT_DTYPE_FLOAT);
    assert_int_equal(read.rank, 2);
    assert_int_equal(read.dims[0], 2);
    assert_int_equal(read.dims[1], 3);
    assert_memory_equal(read.data, values, sizeof values);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_storage_float_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_int32_data_narrowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_float16_bit_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_64bit_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_data_at_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_shared_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_fp16_int32_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_traversal_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_shared_traversal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_symlink_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_range_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_length_mismatch_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_shapes_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_dtypes_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_model_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_bytes_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_nesting_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dangling_output_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_names_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initializer_output_clash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_input_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cycle_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsorted_graph_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_ops_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_domain_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_opset_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbound_dim_names_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_dim_sets_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_from_leading_dim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_const_binds_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_const_wrong_dtype_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_const_unknown_input_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initializer_input_stays_constant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_initializer_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_constant_initializer_inlined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_constant_node_else, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_input_name_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tensor_file_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
