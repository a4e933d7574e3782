/* SPDX-License-Identifier: MIT */
/*
 * Tests of the resource limits: the compiler's aimcc_limits (--set
 * limits.KEY) and the runtime's aimrt_limits. Each limit is lowered below a
 * small model or program built here. The input must then fail with a message
 * that names the value, the limit and the option that raises it, and pass
 * once the limit is raised to the value.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aimcc/aimcc.h"
#include "aimrt/aimrt.h"
#include "aimrt/device.h"
#include "onnx.pb-c.h"
#include "program_format.h"
#include "test_support.h"

/* Scratch folder for the models and programs the tests write. */
static char scratch[256];

static int make_scratch(void **state)
{
    (void)state;
    snprintf(scratch, sizeof scratch, "/tmp/test_limits.XXXXXX");
    return mkdtemp(scratch) ? 0 : -1;
}

static const char *const scratch_files[] = {
    "chain.onnx", "matmul.onnx", "external.onnx", "w.bin", "rank9.onnx", "fill.onnx",
    "batched.onnx", "batched.aimc",
};

static int remove_scratch(void **state)
{
    (void)state;
    char path[512];
    for (size_t i = 0; i < sizeof scratch_files / sizeof scratch_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", scratch, scratch_files[i]);
        unlink(path);
    }
    return rmdir(scratch);
}

static void scratch_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", scratch, name);
}

/* Fails the test, printing the message, when it lacks text. */
static void assert_message_has(const char *message, const char *text)
{
    if (!strstr(message, text))
        fail_msg("message \"%s\" lacks \"%s\"", message, text);
}

/* ---- Building small ONNX models with protobuf-c ---- */

/* The messages of one f32 graph input or output of rank up to 2; a dim of
 * -1 is the symbolic batch "N". */
typedef struct value_info_storage {
    Onnx__ValueInfoProto info;
    Onnx__TypeProto type;
    Onnx__TypeProto__Tensor tensor;
    Onnx__TensorShapeProto shape;
    Onnx__TensorShapeProto__Dimension dims[2];
    Onnx__TensorShapeProto__Dimension *dim_pointers[2];
} value_info_storage;

static Onnx__ValueInfoProto *make_value_info(value_info_storage *s, const char *name, int64_t rows,
                                             int64_t cols)
{
    onnx__value_info_proto__init(&s->info);
    onnx__type_proto__init(&s->type);
    onnx__type_proto__tensor__init(&s->tensor);
    onnx__tensor_shape_proto__init(&s->shape);
    const int64_t sizes[2] = {rows, cols};
    for (int i = 0; i < 2; i++) {
        onnx__tensor_shape_proto__dimension__init(&s->dims[i]);
        if (sizes[i] < 0) {
            s->dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            s->dims[i].dim_param = "N";
        } else {
            s->dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            s->dims[i].dim_value = sizes[i];
        }
        s->dim_pointers[i] = &s->dims[i];
    }
    s->shape.n_dim = 2;
    s->shape.dim = s->dim_pointers;
    s->tensor.has_elem_type = 1;
    s->tensor.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    s->tensor.shape = &s->shape;
    s->type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    s->type.tensor_type = &s->tensor;
    s->info.name = (char *)name;
    s->info.type = &s->type;
    return &s->info;
}

static void init_node(Onnx__NodeProto *node, const char *name, const char *op_type,
                      char **inputs, size_t n_inputs, char **outputs)
{
    onnx__node_proto__init(node);
    node->name = (char *)name;
    node->op_type = (char *)op_type;
    node->n_input = n_inputs;
    node->input = inputs;
    node->n_output = 1;
    node->output = outputs;
}

/* A float initializer with raw_data. */
static void init_float_tensor(Onnx__TensorProto *tensor, const char *name, size_t n_dims,
                              int64_t *dims, const float *data, size_t count)
{
    onnx__tensor_proto__init(tensor);
    tensor->name = (char *)name;
    tensor->n_dims = n_dims;
    tensor->dims = dims;
    tensor->has_data_type = 1;
    tensor->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tensor->has_raw_data = 1;
    tensor->raw_data.len = count * sizeof(float);
    tensor->raw_data.data = (uint8_t *)data;
}

/* Writes a model of one graph, opset 13, to path. */
static void write_model(const char *path, Onnx__GraphProto *graph)
{
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    opset.domain = "";
    opset.has_version = 1;
    opset.version = 13;
    Onnx__OperatorSetIdProto *opsets[1] = {&opset};
    Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
    model.has_ir_version = 1;
    model.ir_version = 7;
    model.n_opset_import = 1;
    model.opset_import = opsets;
    model.graph = graph;

    const size_t size = onnx__model_proto__get_packed_size(&model);
    uint8_t *bytes = malloc(size);
    assert_non_null(bytes);
    onnx__model_proto__pack(&model, bytes);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
    free(bytes);
}

/* Writes y = Relu(Relu(Relu(x))) with x, y f32[1, 4]: three nodes. */
static void write_chain_model(const char *path)
{
    char *names[4] = {"x", "a", "b", "y"};
    Onnx__NodeProto nodes[3];
    Onnx__NodeProto *node_pointers[3];
    static const char *const node_names[3] = {"relu0", "relu1", "relu2"};
    for (int i = 0; i < 3; i++) {
        init_node(&nodes[i], node_names[i], "Relu", &names[i], 1, &names[i + 1]);
        node_pointers[i] = &nodes[i];
    }
    value_info_storage x_storage, y_storage;
    Onnx__ValueInfoProto *inputs[1] = {make_value_info(&x_storage, "x", 1, 4)};
    Onnx__ValueInfoProto *outputs[1] = {make_value_info(&y_storage, "y", 1, 4)};
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "chain";
    graph.n_node = 3;
    graph.node = node_pointers;
    graph.n_input = 1;
    graph.input = inputs;
    graph.n_output = 1;
    graph.output = outputs;
    write_model(path, &graph);
}

/* Writes y = MatMul(x, W) + B with W f32[10, 10] (400 bytes) and B f32[10]
 * (40 bytes). rows is x's first dimension (-1: the symbolic batch). When
 * external is given, W's bytes are stored in that file beside the model. */
static void write_matmul_model(const char *path, int64_t rows, const char *external)
{
    float w_data[100], b_data[10];
    for (int i = 0; i < 100; i++)
        w_data[i] = (float)(i % 7 - 3);
    for (int i = 0; i < 10; i++)
        b_data[i] = (float)i;
    int64_t w_dims[2] = {10, 10};
    int64_t b_dims[1] = {10};
    Onnx__TensorProto w, b;
    init_float_tensor(&w, "W", 2, w_dims, w_data, 100);
    init_float_tensor(&b, "B", 1, b_dims, b_data, 10);

    Onnx__StringStringEntryProto location = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    Onnx__StringStringEntryProto *entries[1] = {&location};
    if (external) {
        char folder_path[512];
        snprintf(folder_path, sizeof folder_path, "%s/%s", scratch, external);
        FILE *file = fopen(folder_path, "wb");
        assert_non_null(file);
        assert_int_equal(fwrite(w_data, sizeof(float), 100, file), 100);
        assert_int_equal(fclose(file), 0);
        location.key = "location";
        location.value = (char *)external;
        w.has_raw_data = 0;
        w.has_data_location = 1;
        w.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
        w.n_external_data = 1;
        w.external_data = entries;
    }
    Onnx__TensorProto *initializers[2] = {&w, &b};

    char *mm_inputs[2] = {"x", "W"};
    char *mm_outputs[1] = {"xw"};
    char *add_inputs[2] = {"xw", "B"};
    char *add_outputs[1] = {"y"};
    Onnx__NodeProto mm, add;
    init_node(&mm, "mm", "MatMul", mm_inputs, 2, mm_outputs);
    init_node(&add, "add", "Add", add_inputs, 2, add_outputs);
    Onnx__NodeProto *nodes[2] = {&mm, &add};

    value_info_storage x_storage, y_storage;
    Onnx__ValueInfoProto *inputs[1] = {make_value_info(&x_storage, "x", rows, 10)};
    Onnx__ValueInfoProto *outputs[1] = {make_value_info(&y_storage, "y", rows, 10)};
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "matmul";
    graph.n_node = 2;
    graph.node = nodes;
    graph.n_initializer = 2;
    graph.initializer = initializers;
    graph.n_input = 1;
    graph.input = inputs;
    graph.n_output = 1;
    graph.output = outputs;
    write_model(path, &graph);
}

/* Writes y = x + ConstantOfShape([4, 4]) with x f32[1, 1]: the constant of
 * 16 elements is made while lowering, not read from the file. */
static void write_fill_model(const char *path)
{
    int64_t shape_data[2] = {4, 4};
    int64_t shape_dims[1] = {2};
    Onnx__TensorProto shape = ONNX__TENSOR_PROTO__INIT;
    shape.name = "shape";
    shape.n_dims = 1;
    shape.dims = shape_dims;
    shape.has_data_type = 1;
    shape.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    shape.n_int64_data = 2;
    shape.int64_data = shape_data;
    Onnx__TensorProto *initializers[1] = {&shape};

    char *fill_inputs[1] = {"shape"};
    char *fill_outputs[1] = {"c"};
    char *add_inputs[2] = {"x", "c"};
    char *add_outputs[1] = {"y"};
    Onnx__NodeProto fill, add;
    init_node(&fill, "fill", "ConstantOfShape", fill_inputs, 1, fill_outputs);
    init_node(&add, "add", "Add", add_inputs, 2, add_outputs);
    Onnx__NodeProto *nodes[2] = {&fill, &add};

    value_info_storage x_storage, y_storage;
    Onnx__ValueInfoProto *inputs[1] = {make_value_info(&x_storage, "x", 1, 1)};
    Onnx__ValueInfoProto *outputs[1] = {make_value_info(&y_storage, "y", 4, 4)};
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "fill";
    graph.n_node = 2;
    graph.node = nodes;
    graph.n_initializer = 1;
    graph.initializer = initializers;
    graph.n_input = 1;
    graph.input = inputs;
    graph.n_output = 1;
    graph.output = outputs;
    write_model(path, &graph);
}

/* Writes y = Relu(x) with x f32[1, 4] and an unused initializer of rank 9. */
static void write_rank9_model(const char *path)
{
    int64_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 2};
    const float data[2] = {1.0f, 2.0f};
    Onnx__TensorProto deep;
    init_float_tensor(&deep, "deep", 9, dims, data, 2);
    Onnx__TensorProto *initializers[1] = {&deep};

    char *names[2] = {"x", "y"};
    Onnx__NodeProto relu;
    init_node(&relu, "relu", "Relu", &names[0], 1, &names[1]);
    Onnx__NodeProto *nodes[1] = {&relu};
    value_info_storage x_storage, y_storage;
    Onnx__ValueInfoProto *inputs[1] = {make_value_info(&x_storage, "x", 1, 4)};
    Onnx__ValueInfoProto *outputs[1] = {make_value_info(&y_storage, "y", 1, 4)};
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "rank9";
    graph.n_node = 1;
    graph.node = nodes;
    graph.n_initializer = 1;
    graph.initializer = initializers;
    graph.n_input = 1;
    graph.input = inputs;
    graph.n_output = 1;
    graph.output = outputs;
    write_model(path, &graph);
}

/* ---- Compiling under limits ---- */

/* Compiles path on the float target with the given options; returns the
 * status and copies the diagnostic's message into message. */
static aimcc_status compile_with(const char *path, const aimcc_options *options, char *message,
                                 size_t size)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_non_null(ctx);
    aimcc_compile *compile = NULL;
    const aimcc_status status = aimcc_compile_model(ctx, path, options, &compile);
    snprintf(message, size, "%s", aimcc_ctx_diag(ctx)->message);
    if (status == AIMCC_OK)
        assert_non_null(compile);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    return status;
}

/* Compiles path with one --set KEY=VALUE. */
static aimcc_status compile_with_set(const char *path, const char *key, const char *value,
                                     char *message, size_t size)
{
    const aimcc_binding set = {key, value};
    const aimcc_options options = {.sets = &set, .n_sets = 1};
    return compile_with(path, &options, message, size);
}

static void test_limits_node_count(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "chain.onnx");
    write_chain_model(path);

    assert_int_equal(compile_with_set(path, "limits.max_nodes", "2", message, sizeof message),
                     AIMCC_ERR_INVALID_MODEL);
    assert_message_has(message, "\"chain\"");
    assert_message_has(message, "3 nodes exceed the limit of 2");
    assert_message_has(message, "--set limits.max_nodes=N");
    assert_int_equal(compile_with_set(path, "limits.max_nodes", "3", message, sizeof message),
                     AIMCC_OK);
}

static void test_limits_options_field_and_set(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "chain.onnx");
    write_chain_model(path);

    /* The limits field of aimcc_options applies without any --set. */
    aimcc_options options = {.limits = {.max_nodes = 2}};
    assert_int_equal(compile_with(path, &options, message, sizeof message),
                     AIMCC_ERR_INVALID_MODEL);
    assert_message_has(message, "limit of 2");

    /* --set overrides the field. */
    const aimcc_binding set = {"limits.max_nodes", "3"};
    options.sets = &set;
    options.n_sets = 1;
    assert_int_equal(compile_with(path, &options, message, sizeof message), AIMCC_OK);
}

static void test_limits_tensor_elements(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "matmul.onnx");
    write_matmul_model(path, 1, NULL);

    assert_int_equal(
        compile_with_set(path, "limits.max_tensor_elements", "50", message, sizeof message),
        AIMCC_ERR_INVALID_MODEL);
    assert_message_has(message, "tensor \"W\"");
    assert_message_has(message, "[10, 10]");
    assert_message_has(message, "100 elements exceed the limit of 50");
    assert_message_has(message, "--set limits.max_tensor_elements=N");
    assert_int_equal(
        compile_with_set(path, "limits.max_tensor_elements", "100", message, sizeof message),
        AIMCC_OK);
}

static void test_limits_tensor_bytes(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "matmul.onnx");
    write_matmul_model(path, 1, NULL);

    /* W is 10 * 10 floats of 4 bytes. */
    assert_int_equal(
        compile_with_set(path, "limits.max_tensor_bytes", "399", message, sizeof message),
        AIMCC_ERR_INVALID_MODEL);
    assert_message_has(message, "tensor \"W\"");
    assert_message_has(message, "400 bytes exceed the limit of 399");
    assert_message_has(message, "--set limits.max_tensor_bytes=N");
    assert_int_equal(
        compile_with_set(path, "limits.max_tensor_bytes", "400", message, sizeof message),
        AIMCC_OK);
}

static void test_limits_total_bytes(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "matmul.onnx");
    write_matmul_model(path, 1, NULL);

    /* W (400 bytes) is read first, then B (40 bytes) brings the total to 440. */
    assert_int_equal(
        compile_with_set(path, "limits.max_total_bytes", "439", message, sizeof message),
        AIMCC_ERR_INVALID_MODEL);
    assert_message_has(message, "tensor \"B\"");
    assert_message_has(message, "to 440 bytes, over the limit of 439");
    assert_message_has(message, "--set limits.max_total_bytes=N");
    assert_int_equal(
        compile_with_set(path, "limits.max_total_bytes", "440", message, sizeof message),
        AIMCC_OK);
}

static void test_limits_external_bytes(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "external.onnx");
    write_matmul_model(path, 1, "w.bin");

    assert_int_equal(
        compile_with_set(path, "limits.max_external_bytes", "16", message, sizeof message),
        AIMCC_ERR_INVALID_MODEL);
    assert_message_has(message, "tensor \"W\"");
    assert_message_has(message, "400 bytes of external data");
    assert_message_has(message, "over the limit of 16");
    assert_message_has(message, "--set limits.max_external_bytes=N");
    assert_int_equal(
        compile_with_set(path, "limits.max_external_bytes", "400", message, sizeof message),
        AIMCC_OK);
}

static void test_limits_lowered_constant(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "fill.onnx");
    write_fill_model(path);

    aimcc_ctx *ctx = aimcc_ctx_create();
    const aimcc_binding set = {"limits.max_tensor_elements", "15"};
    const aimcc_options options = {.sets = &set, .n_sets = 1};
    aimcc_compile *compile = NULL;
    assert_int_equal(aimcc_compile_model(ctx, path, &options, &compile), AIMCC_ERR_INVALID_MODEL);
    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    assert_string_equal(diag->node, "fill");
    assert_message_has(diag->message, "16 elements exceed the limit of 15");
    assert_message_has(diag->message, "--set limits.max_tensor_elements=N");
    aimcc_ctx_destroy(ctx);

    assert_int_equal(
        compile_with_set(path, "limits.max_tensor_elements", "16", message, sizeof message),
        AIMCC_OK);
}

static void test_limits_rank_is_fixed(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "rank9.onnx");
    write_rank9_model(path);

    assert_int_equal(compile_with(path, NULL, message, sizeof message), AIMCC_ERR_UNSUPPORTED);
    assert_message_has(message, "'deep' has rank 9");
    assert_message_has(message, "rank up to 8");
    assert_message_has(message, "no option raises");
}

static void test_limits_set_value_rejected(void **state)
{
    (void)state;
    char path[512], message[2048];
    scratch_path(path, sizeof path, "chain.onnx");
    write_chain_model(path);

    static const char *const values[] = {"0", "-5", "many", "2147483648"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        assert_int_equal(
            compile_with_set(path, "limits.max_nodes", values[i], message, sizeof message),
            AIMCC_ERR_INVALID_ARG);
        assert_message_has(message, "\"limits.max_nodes\"");
        assert_message_has(message, "from 1 to 2147483647");
    }
    assert_int_equal(compile_with_set(path, "limits.max_nodez", "5", message, sizeof message),
                     AIMCC_ERR_INVALID_ARG);
    assert_message_has(message, "unknown key \"limits.max_nodez\"");
    assert_message_has(message, "limits.max_nodes");
}

/* ---- Loading programs under limits ---- */

/* A program compiled from the batched MatMul model, x f32[N, 10], on float
 * tiles of 8x8 cells, so that W spans several tiles. */
typedef struct program_bytes {
    char path[512];
    uint8_t *bytes;
    size_t size;
} program_bytes;

static void compile_program(program_bytes *program)
{
    char model[512];
    scratch_path(model, sizeof model, "batched.onnx");
    write_matmul_model(model, -1, NULL);
    scratch_path(program->path, sizeof program->path, "batched.aimc");

    aimcc_ctx *ctx = aimcc_ctx_create();
    const aimcc_binding sets[2] = {{"rows", "8"}, {"cols", "8"}};
    const aimcc_options options = {.sets = sets, .n_sets = 2};
    aimcc_compile *compile = NULL;
    assert_int_equal(aimcc_compile_model(ctx, model, &options, &compile), AIMCC_OK);
    assert_int_equal(aimcc_compile_write_program(ctx, compile, program->path), AIMCC_OK);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);

    FILE *file = fopen(program->path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    const long size = ftell(file);
    assert_true(size > 0);
    rewind(file);
    program->size = (size_t)size;
    program->bytes = malloc(program->size);
    assert_non_null(program->bytes);
    assert_int_equal(fread(program->bytes, 1, program->size, file), program->size);
    fclose(file);
}

/* Reads the record count of a section from the image's section table. */
static uint32_t section_count(const program_bytes *program, int id)
{
    uint32_t count = 0;
    const size_t at = AIMRT_HEADER_TABLE + (size_t)(id - 1) * AIMRT_SECTION_ENTRY_SIZE + 4;
    memcpy(&count, program->bytes + at, sizeof count);
    return count;
}

/* Loads the program under limits; returns the status and frees a loaded program. */
static aimrt_status load_with(const program_bytes *program, const aimrt_limits *limits,
                              aimrt_error *error)
{
    aimrt_program *loaded = NULL;
    const aimrt_status status =
        aimrt_program_load_limited(program->bytes, program->size, limits, &loaded, error);
    if (status == AIMRT_OK)
        assert_non_null(loaded);
    else
        assert_null(loaded);
    aimrt_program_free(loaded);
    return status;
}

static void test_limits_program_bytes(void **state)
{
    (void)state;
    program_bytes program;
    compile_program(&program);
    char expected[128];
    snprintf(expected, sizeof expected, "program: %zu bytes exceed the limit of %zu",
             program.size, program.size - 1);

    aimrt_error error = {0};
    aimrt_limits limits = {.max_program_bytes = (int64_t)program.size - 1};
    assert_int_equal(load_with(&program, &limits, &error), AIMRT_ERR_INVALID_PROGRAM);
    assert_message_has(error.message, expected);
    assert_message_has(error.message, "--max-program-bytes N");
    assert_message_has(error.message, "aimrt_limits.max_program_bytes");

    /* The file variant rejects the file before reading it, and names it. */
    aimrt_program *loaded = NULL;
    assert_int_equal(aimrt_program_load_file_limited(program.path, &limits, &loaded, &error),
                     AIMRT_ERR_INVALID_PROGRAM);
    assert_null(loaded);
    assert_message_has(error.message, program.path);
    assert_message_has(error.message, expected);

    limits.max_program_bytes = (int64_t)program.size;
    assert_int_equal(load_with(&program, &limits, &error), AIMRT_OK);
    assert_int_equal(aimrt_program_load_file_limited(program.path, &limits, &loaded, &error),
                     AIMRT_OK);
    aimrt_program_free(loaded);
    free(program.bytes);
}

static void test_limits_program_counts(void **state)
{
    (void)state;
    program_bytes program;
    compile_program(&program);

    /* Each count limit, one below the count of the section table. */
    const struct {
        int section;
        const char *where;
        const char *unit;
        const char *option;
        size_t field;
    } cases[] = {
        {AIMRT_SECTION_TENSORS, "section tensors", "tensors", "--max-tensors",
         offsetof(aimrt_limits, max_tensors)},
        {AIMRT_SECTION_CODE, "section code", "ops", "--max-ops", offsetof(aimrt_limits, max_ops)},
        {AIMRT_SECTION_TILES, "section tiles", "tiles", "--max-tiles",
         offsetof(aimrt_limits, max_tiles)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint32_t count = section_count(&program, cases[i].section);
        assert_true(count >= 2);
        aimrt_limits limits = {0};
        int64_t *field = (int64_t *)((char *)&limits + cases[i].field);
        *field = count - 1;
        char expected[128];
        snprintf(expected, sizeof expected, "%s: %u %s exceed the limit of %u", cases[i].where,
                 count, cases[i].unit, count - 1);
        aimrt_error error = {0};
        assert_int_equal(load_with(&program, &limits, &error), AIMRT_ERR_INVALID_PROGRAM);
        assert_message_has(error.message, expected);
        assert_message_has(error.message, cases[i].option);

        *field = count;
        assert_int_equal(load_with(&program, &limits, &error), AIMRT_OK);
    }
    free(program.bytes);
}

static void test_limits_program_tensor_bytes(void **state)
{
    (void)state;
    program_bytes program;
    compile_program(&program);

    /* The weight W is the largest tensor: 10 * 10 floats. */
    aimrt_error error = {0};
    aimrt_limits limits = {.max_tensor_bytes = 399};
    assert_int_equal(load_with(&program, &limits, &error), AIMRT_ERR_INVALID_PROGRAM);
    assert_message_has(error.message, "\"W");
    assert_message_has(error.message, "400 bytes exceed the limit of 399");
    assert_message_has(error.message, "--max-tensor-bytes N");

    limits.max_tensor_bytes = 400;
    assert_int_equal(load_with(&program, &limits, &error), AIMRT_OK);
    free(program.bytes);
}

/* Creates a session at max batch 4 on the exact device under the program's limits. */
static aimrt_status create_session(const program_bytes *program, const aimrt_limits *limits,
                                   aimrt_error *error)
{
    aimrt_program *loaded = NULL;
    assert_int_equal(
        aimrt_program_load_limited(program->bytes, program->size, limits, &loaded, error),
        AIMRT_OK);
    const int32_t n_tiles = aimrt_program_n_tiles(loaded);
    aimrt_tile_desc *tiles = calloc((size_t)n_tiles, sizeof *tiles);
    assert_non_null(tiles);
    aimrt_program_tiles(loaded, tiles);
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(n_tiles, tiles, &device), AIMRT_OK);

    aimrt_session *session = NULL;
    const aimrt_status status = aimrt_session_create(loaded, device, 4, &session, error);
    if (status == AIMRT_OK)
        assert_non_null(session);
    else
        assert_null(session);
    aimrt_session_free(session);
    device->destroy(device->state);
    aimrt_device_free(device);
    aimrt_program_free(loaded);
    free(tiles);
    return status;
}

/* Reads the byte count that a session limit message reports. */
static int64_t reported_bytes(const char *message)
{
    const char *colon = strstr(message, "): ");
    assert_non_null(colon);
    return strtoll(colon + 3, NULL, 10);
}

static void test_limits_session_bytes(void **state)
{
    (void)state;
    program_bytes program;
    compile_program(&program);

    aimrt_error error = {0};
    aimrt_limits limits = {.max_session_bytes = 64};
    assert_int_equal(create_session(&program, &limits, &error), AIMRT_ERR_NOMEM);
    assert_message_has(error.message, "session at max batch 4");
    assert_message_has(error.message, "exceed the limit of 64");
    assert_message_has(error.message, "--max-session-bytes N");
    assert_message_has(error.message, "smaller maximum batch");

    /* The output y alone takes 4 samples of 10 floats. */
    const int64_t needed = reported_bytes(error.message);
    assert_true(needed >= 4 * 10 * (int64_t)sizeof(float));

    /* The reported size is the threshold: one byte less fails, that size passes. */
    limits.max_session_bytes = needed - 1;
    assert_int_equal(create_session(&program, &limits, &error), AIMRT_ERR_NOMEM);
    limits.max_session_bytes = needed;
    assert_int_equal(create_session(&program, &limits, &error), AIMRT_OK);
    assert_int_equal(create_session(&program, NULL, &error), AIMRT_OK);
    free(program.bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_node_count),
        cmocka_unit_test(test_limits_options_field_and_set),
        cmocka_unit_test(test_limits_tensor_elements),
        cmocka_unit_test(test_limits_tensor_bytes),
        cmocka_unit_test(test_limits_total_bytes),
        cmocka_unit_test(test_limits_external_bytes),
        cmocka_unit_test(test_limits_lowered_constant),
        cmocka_unit_test(test_limits_rank_is_fixed),
        cmocka_unit_test(test_limits_set_value_rejected),
        cmocka_unit_test(test_limits_program_bytes),
        cmocka_unit_test(test_limits_program_counts),
        cmocka_unit_test(test_limits_program_tensor_bytes),
        cmocka_unit_test(test_limits_session_bytes),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
