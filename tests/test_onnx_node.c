/* SPDX-License-Identifier: MIT */
/*
 * The ONNX backend node tests of Debian's libonnx-testdata on the `float` target. A test
 * whose ops aimcc supports is compiled, run on each of its data sets and must match
 * output_*.pb. The exceptions are listed in refused_tests below with the reason, and import
 * must reject them with AIMCC_ERR_UNSUPPORTED. Every other test must be rejected at import
 * with AIMCC_ERR_UNSUPPORTED too. docs/onnx-support.md mirrors the list.
 *
 * AIMCC_NODE_FILTER=TEXT runs only the tests whose name contains TEXT, and AIMCC_NODE_VERBOSE=1
 * prints the outcome of every test.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_lower.h"
#include "onnx.pb-c.h"
#include "test_pipeline.h"
#include "test_support.h"

#define NODE_DATA_DIR "/usr/share/libonnx-testdata/data"
#define MAX_GRAPH_INPUTS 16
#define MAX_TENSORS 16

/*
 * Tests whose ops aimcc supports but whose use of them is out of scope, so import rejects
 * them with AIMCC_ERR_UNSUPPORTED. Keyed by "folder/test".
 */
typedef struct refused_test {
    const char *test;
    const char *reason;
} refused_test;

static const refused_test refused_tests[] = {
    {"node/test_averagepool_3d_default", "3-D pooling (rank-5 input)"},
    {"node/test_maxpool_3d_default", "3-D pooling (rank-5 input)"},
    {"node/test_batchnorm_epsilon_training_mode",
     "BatchNormalization in training mode (running statistics outputs)"},
    {"node/test_batchnorm_example_training_mode",
     "BatchNormalization in training mode (running statistics outputs)"},
    {"node/test_training_dropout", "Dropout in training mode (random)"},
    {"node/test_training_dropout_default", "Dropout in training mode (random)"},
    {"node/test_training_dropout_default_mask", "Dropout in training mode (random)"},
    {"node/test_training_dropout_mask", "Dropout in training mode (random)"},
    {"node/test_training_dropout_zero_ratio", "Dropout in training mode (random)"},
    {"node/test_training_dropout_zero_ratio_mask", "Dropout in training mode (random)"},
    {"node/test_cast_BFLOAT16_to_FLOAT", "bfloat16 tensors"},
    {"node/test_castlike_BFLOAT16_to_FLOAT_expanded", "bfloat16 tensors"},
    {"node/test_cast_FLOAT_to_BFLOAT16", "bfloat16 tensors"},
    {"node/test_castlike_FLOAT_to_BFLOAT16_expanded", "bfloat16 tensors"},
    {"node/test_cast_FLOAT_to_STRING", "string tensors"},
    {"node/test_castlike_FLOAT_to_STRING_expanded", "string tensors"},
    {"node/test_cast_STRING_to_FLOAT", "string tensors"},
    {"node/test_castlike_STRING_to_FLOAT_expanded", "string tensors"},
    {"node/test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool's Indices output"},
    {"node/test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool's Indices output"},
    {"node/test_identity_opt", "optional or sequence graph input (dense tensors only)"},
    {"node/test_identity_sequence", "optional or sequence graph input (dense tensors only)"},
    {"node/test_reshape_allowzero_reordered", "empty tensor (a zero dimension)"},
    {"node/test_clip_default_int8_inbounds", "Clip on int8 (the kernel takes float)"},
    {"node/test_clip_default_int8_max", "Clip on int8 (the kernel takes float)"},
    {"node/test_clip_default_int8_min", "Clip on int8 (the kernel takes float)"},
    {"node/test_max_float16", "Max and Min on float16"},
    {"node/test_min_float16", "Max and Min on float16"},
    {"node/test_max_uint16", "Max and Min on unsigned integers wider than 8 bits"},
    {"node/test_max_uint32", "Max and Min on unsigned integers wider than 8 bits"},
    {"node/test_max_uint64", "Max and Min on unsigned integers wider than 8 bits"},
    {"node/test_min_uint16", "Max and Min on unsigned integers wider than 8 bits"},
    {"node/test_min_uint32", "Max and Min on unsigned integers wider than 8 bits"},
    {"node/test_min_uint64", "Max and Min on unsigned integers wider than 8 bits"},
    {"node/test_maxpool_2d_uint8", "MaxPool on uint8 (the kernel takes float)"},
    {"node/test_pow_types_float", "Pow with an integer base"},
    {"node/test_pow_types_int32_float32", "Pow with an integer base"},
    {"node/test_pow_types_int32_int32", "Pow with an integer base"},
    {"node/test_pow_types_int64_float32", "Pow with an integer base"},
    {"node/test_pow_types_int64_int64", "Pow with an integer base"},
};
enum { n_refused_tests = sizeof refused_tests / sizeof refused_tests[0] };

/* Opset range of the default domain that aimcc imports. */
enum { min_opset = 7, max_opset = 18 };

/*
 * Node inputs that set a shape, axes, sizes or a bound, which aimcc reads at compile time.
 * A graph input feeding one of them is bound with --const to its test data.
 */
typedef struct const_slot {
    const char *op_type;
    unsigned mask; /* bit i: input i */
} const_slot;

static const const_slot const_slots[] = {
    {"Reshape", 1u << 1},
    {"Squeeze", 1u << 1},
    {"Unsqueeze", 1u << 1},
    {"Slice", 0x1eu},
    {"Pad", 0xeu},
    {"Split", 1u << 1},
    {"ReduceMean", 1u << 1},
    {"ReduceMax", 1u << 1},
    {"ReduceSum", 1u << 1},
    {"ReduceMin", 1u << 1},
    {"ReduceProd", 1u << 1},
    {"ReduceL1", 1u << 1},
    {"ReduceL2", 1u << 1},
    {"ReduceLogSum", 1u << 1},
    {"ReduceLogSumExp", 1u << 1},
    {"ReduceSumSquare", 1u << 1},
    {"Resize", 0xeu},
    {"Upsample", 1u << 1},
    {"Clip", 0x6u},
    {"Expand", 1u << 1},
    {"Tile", 1u << 1},
    {"ConstantOfShape", 1u << 0},
    {"TopK", 1u << 1},
    {"OneHot", 1u << 1},
    {"Range", 0x7u},
    {"CumSum", 1u << 1},
    {"Dropout", 0x6u},
    {"QuantizeLinear", 0x6u},
    {"DequantizeLinear", 0x6u},
};

/* Weights of the products that run on tiles when they are constant. */
static const const_slot weight_slots[] = {
    {"Conv", 0x6u},
    {"Gemm", 0x6u},
    {"MatMul", 1u << 1},
};

/* What one test's model declares: its opset, ops and the graph inputs fed at run time. */
typedef struct node_model {
    int64_t opset;         /* version of the default domain, 0 when absent */
    char unsupported[128]; /* first op type aimcc lacks, or "" */
    int n_inputs;          /* graph inputs that are not initializers */
    char inputs[MAX_GRAPH_INPUTS][256];
    unsigned const_mask;  /* bit i: input i sets a shape or an attribute */
    unsigned weight_mask; /* bit i: input i is a Conv, Gemm or MatMul weight */
    bool has_products;
} node_model;

/* Counts of one folder's outcomes. */
typedef struct node_counts {
    int passed;
    int refused;
    int failed;
} node_counts;

static const char *name_filter;
static bool verbose;
static node_counts totals;

static const refused_test *find_refused(const char *key)
{
    for (int i = 0; i < n_refused_tests; i++)
        if (strcmp(refused_tests[i].test, key) == 0)
            return &refused_tests[i];
    return NULL;
}

static unsigned slot_mask(const const_slot *slots, size_t n_slots, const char *op_type)
{
    for (size_t i = 0; i < n_slots; i++)
        if (strcmp(slots[i].op_type, op_type) == 0)
            return slots[i].mask;
    return 0;
}

static int graph_input_index(const node_model *model, const char *name)
{
    for (int i = 0; i < model->n_inputs; i++)
        if (strcmp(model->inputs[i], name) == 0)
            return i;
    return -1;
}

static bool is_initializer(const Onnx__GraphProto *graph, const char *name)
{
    for (size_t i = 0; i < graph->n_initializer; i++)
        if (graph->initializer[i]->name != NULL && strcmp(graph->initializer[i]->name, name) == 0)
            return true;
    return false;
}

/* Marks the graph inputs that feed the slots of each node. */
static void mark_slots(node_model *model, const Onnx__GraphProto *graph)
{
    for (size_t n = 0; n < graph->n_node; n++) {
        const Onnx__NodeProto *node = graph->node[n];
        const unsigned consts =
            slot_mask(const_slots, sizeof const_slots / sizeof const_slots[0], node->op_type);
        const unsigned weights =
            slot_mask(weight_slots, sizeof weight_slots / sizeof weight_slots[0], node->op_type);
        model->has_products |= weights != 0;
        for (size_t j = 0; j < node->n_input && j < 32; j++) {
            const int index = graph_input_index(model, node->input[j]);
            if (index < 0)
                continue;
            if (consts & (1u << j))
                model->const_mask |= 1u << index;
            if (weights & (1u << j))
                model->weight_mask |= 1u << index;
        }
    }
}

/* Returns the bytes of a file (caller frees), or NULL. */
static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    unsigned char *bytes = NULL;
    long length = -1;
    if (fseek(file, 0, SEEK_END) == 0)
        length = ftell(file);
    if (length >= 0 && fseek(file, 0, SEEK_SET) == 0)
        bytes = malloc(length > 0 ? (size_t)length : 1);
    if (bytes != NULL && fread(bytes, 1, (size_t)length, file) != (size_t)length) {
        free(bytes);
        bytes = NULL;
    }
    fclose(file);
    *size = length > 0 ? (size_t)length : 0;
    return bytes;
}

/* Reads a test's model.onnx. Returns false with a reason when it cannot be parsed. */
static bool read_node_model(const char *path, node_model *model, char *message, size_t size)
{
    memset(model, 0, sizeof *model);
    size_t length = 0;
    unsigned char *bytes = read_file(path, &length);
    Onnx__ModelProto *proto = bytes != NULL ? onnx__model_proto__unpack(NULL, length, bytes) : NULL;
    free(bytes);
    if (proto == NULL || proto->graph == NULL) {
        snprintf(message, size, "%s: not a readable ONNX model", path);
        if (proto != NULL)
            onnx__model_proto__free_unpacked(proto, NULL);
        return false;
    }

    for (size_t i = 0; i < proto->n_opset_import; i++) {
        const char *domain = proto->opset_import[i]->domain;
        if (domain == NULL || domain[0] == '\0' || strcmp(domain, "ai.onnx") == 0)
            model->opset = proto->opset_import[i]->version;
    }
    const Onnx__GraphProto *graph = proto->graph;
    for (size_t i = 0; i < graph->n_input && model->n_inputs < MAX_GRAPH_INPUTS; i++) {
        const char *name = graph->input[i]->name != NULL ? graph->input[i]->name : "";
        if (!is_initializer(graph, name))
            snprintf(model->inputs[model->n_inputs++], sizeof model->inputs[0], "%s", name);
    }
    for (size_t n = 0; n < graph->n_node && model->unsupported[0] == '\0'; n++) {
        const Onnx__NodeProto *node = graph->node[n];
        const bool default_domain =
            node->domain == NULL || node->domain[0] == '\0' || strcmp(node->domain, "ai.onnx") == 0;
        if (!default_domain || !onnx_lower_supported(node->op_type, model->opset))
            snprintf(model->unsupported, sizeof model->unsupported, "%s", node->op_type);
    }
    mark_slots(model, graph);
    onnx__model_proto__free_unpacked(proto, NULL);
    return true;
}

static int compare_names(const struct dirent **a, const struct dirent **b)
{
    /* test_data_set_10 sorts after test_data_set_9. */
    const size_t length_a = strlen((*a)->d_name), length_b = strlen((*b)->d_name);
    if (length_a != length_b)
        return length_a < length_b ? -1 : 1;
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int select_data_set(const struct dirent *entry)
{
    return strncmp(entry->d_name, "test_data_set_", 14) == 0;
}

static int select_test(const struct dirent *entry)
{
    return strncmp(entry->d_name, "test_", 5) == 0;
}

typedef enum node_outcome {
    OUTCOME_PASSED,
    OUTCOME_REFUSED,
    OUTCOME_FAILED,
} node_outcome;

static const char *const outcome_names[] = {"passed", "refused", "failed"};

/* Reads input_K.pb of a data set for each graph input K not in bound, named after the
 * graph input so the run binds it by name. */
static bool read_inputs(const char *set_dir, const node_model *model, unsigned bound,
                        test_tensor *inputs, int *n_inputs, char *why, size_t size)
{
    *n_inputs = 0;
    for (int k = 0; k < model->n_inputs; k++) {
        if (bound & (1u << k))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/input_%d.pb", set_dir, k);
        if (test_tensor_read_pb(path, &inputs[*n_inputs], why, size) != AIMCC_OK)
            return false;
        snprintf(inputs[*n_inputs].name, sizeof inputs[0].name, "%s", model->inputs[k]);
        (*n_inputs)++;
    }
    return true;
}

/* Reads output_0.pb, output_1.pb, ... of a data set. */
static bool read_outputs(const char *set_dir, test_tensor *outputs, int *n_outputs, char *why,
                         size_t size)
{
    *n_outputs = 0;
    for (int k = 0; k < MAX_TENSORS; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/output_%d.pb", set_dir, k);
        if (!test_path_exists(path))
            break;
        if (test_tensor_read_pb(path, &outputs[k], why, size) != AIMCC_OK)
            return false;
        *n_outputs = k + 1;
    }
    return true;
}

static void free_tensors(test_tensor *tensors, int n)
{
    for (int i = 0; i < n; i++)
        test_tensor_free(&tensors[i]);
}

/* Runs the program on one data set and compares every output. */
static bool check_data_set(const test_program *program, const char *set_dir,
                           const node_model *model, unsigned bound, const char *label, char *why,
                           size_t size)
{
    test_tensor inputs[MAX_TENSORS], expected[MAX_TENSORS], actual[MAX_TENSORS];
    int n_inputs = 0, n_expected = 0, n_actual = 0;
    bool ok = read_inputs(set_dir, model, bound, inputs, &n_inputs, why, size) &&
              read_outputs(set_dir, expected, &n_expected, why, size);
    if (ok && test_run_program(program, inputs, n_inputs, actual, MAX_TENSORS, &n_actual, why,
                               size) != AIMRT_OK)
        ok = false;
    if (ok && n_actual != n_expected) {
        snprintf(why, size, "the program has %d outputs, the test expects %d", n_actual,
                 n_expected);
        ok = false;
    }
    for (int k = 0; ok && k < n_expected; k++) {
        char output_label[600];
        snprintf(output_label, sizeof output_label, "%s output_%d", label, k);
        if (!test_compare_outputs(&actual[k].tensor, &expected[k].tensor, test_tolerance_default,
                                  output_label)) {
            snprintf(why, size, "output_%d differs from the expected output (printed above)", k);
            ok = false;
        }
    }
    free_tensors(inputs, n_inputs);
    free_tensors(expected, n_expected);
    free_tensors(actual, n_actual);
    return ok;
}

/*
 * Compiles a test's model with the graph inputs in bound given as constants (from each data
 * set's files, so a test with bound inputs compiles once per data set) and checks every data
 * set. Returns OUTCOME_REFUSED when import rejects the model with AIMCC_ERR_UNSUPPORTED.
 */
static node_outcome run_variant(const char *test_dir, const char *key, const node_model *model,
                                unsigned bound, char *why, size_t size)
{
    char model_path[1024];
    snprintf(model_path, sizeof model_path, "%s/model.onnx", test_dir);
    struct dirent **sets = NULL;
    const int n_sets = scandir(test_dir, &sets, select_data_set, compare_names);
    node_outcome outcome = n_sets > 0 ? OUTCOME_PASSED : OUTCOME_FAILED;
    if (n_sets <= 0)
        snprintf(why, size, "no test_data_set_* folder");

    test_program program = {0};
    bool compiled = false;
    for (int s = 0; s < n_sets && outcome == OUTCOME_PASSED; s++) {
        char set_dir[1024], label[512];
        snprintf(set_dir, sizeof set_dir, "%s/%s", test_dir, sets[s]->d_name);
        snprintf(label, sizeof label, "%s %s", key, sets[s]->d_name);
        if (!compiled || bound != 0) {
            aimcc_binding consts[MAX_GRAPH_INPUTS];
            char paths[MAX_GRAPH_INPUTS][1100];
            aimcc_options options = {.consts = consts};
            for (int k = 0; k < model->n_inputs; k++) {
                if (!(bound & (1u << k)))
                    continue;
                snprintf(paths[k], sizeof paths[k], "%s/input_%d.pb", set_dir, k);
                consts[options.n_consts++] = (aimcc_binding){model->inputs[k], paths[k]};
            }
            test_program_free(&program);
            const aimcc_status status = test_compile_file(model_path, &options, &program);
            compiled = true;
            if (status == AIMCC_ERR_UNSUPPORTED) {
                snprintf(why, size, "%s", program.message);
                outcome = OUTCOME_REFUSED;
                break;
            }
            if (status != AIMCC_OK) {
                snprintf(why, size, "compile failed with status \"%s\": %s",
                         aimcc_status_name(status), program.message);
                outcome = OUTCOME_FAILED;
                break;
            }
        }
        if (!check_data_set(&program, set_dir, model, bound, label, why, size))
            outcome = OUTCOME_FAILED;
    }
    test_program_free(&program);
    for (int s = 0; s < n_sets; s++)
        free(sets[s]);
    free(sets);
    return outcome;
}

/* A test with an op or opset aimcc lacks must be rejected at import, naming the op. */
static node_outcome check_unsupported(const char *test_dir, const node_model *model,
                                      const refused_test *listed, char *why, size_t size)
{
    if (listed != NULL) {
        snprintf(why, size,
                 "listed in refused_tests, but import rejects it anyway for %s; "
                 "remove it from the list",
                 model->unsupported[0] != '\0' ? model->unsupported : "its opset");
        return OUTCOME_FAILED;
    }
    char model_path[1024];
    snprintf(model_path, sizeof model_path, "%s/model.onnx", test_dir);
    test_program program;
    const aimcc_status status = test_compile_file(model_path, NULL, &program);
    test_program_free(&program);
    if (status != AIMCC_ERR_UNSUPPORTED) {
        snprintf(why, size,
                 "uses %s (opset %lld), which aimcc does not support, but compiling "
                 "returned %s: %s",
                 model->unsupported[0] != '\0' ? model->unsupported : "an opset out of range",
                 (long long)model->opset, aimcc_status_name(status), program.message);
        return OUTCOME_FAILED;
    }
    /* The message names the op, or the opset when that is out of range. */
    const bool opset_in_range = model->opset >= min_opset && model->opset <= max_opset;
    const bool names_op =
        model->unsupported[0] != '\0' && strstr(program.message, model->unsupported) != NULL;
    if (!names_op && (opset_in_range || strstr(program.message, "opset") == NULL)) {
        snprintf(why, size, "rejected, but the message names neither \"%s\" nor the opset: %s",
                 model->unsupported, program.message);
        return OUTCOME_FAILED;
    }
    snprintf(why, size, "%s", program.message);
    return OUTCOME_REFUSED;
}

/* A test of supported ops must pass, or be rejected at import when it is listed. */
static node_outcome check_supported(const char *test_dir, const char *key, const node_model *model,
                                    const refused_test *listed, char *why, size_t size)
{
    node_outcome outcome = run_variant(test_dir, key, model, model->const_mask, why, size);
    if (listed != NULL) {
        if (outcome == OUTCOME_REFUSED)
            return OUTCOME_REFUSED;
        char detail[1024];
        snprintf(detail, sizeof detail, "%s", outcome == OUTCOME_PASSED ? "" : why);
        snprintf(why, size, "listed in refused_tests (%s) but import accepted it and it %s%s%s",
                 listed->reason, outcome_names[outcome], detail[0] != '\0' ? ": " : "", detail);
        return OUTCOME_FAILED;
    }
    if (outcome == OUTCOME_REFUSED) {
        char detail[1024];
        snprintf(detail, sizeof detail, "%s", why);
        snprintf(why, size, "rejected but not listed in refused_tests: %s", detail);
        return OUTCOME_FAILED;
    }
    if (outcome != OUTCOME_PASSED || (model->weight_mask & ~model->const_mask) == 0)
        return outcome;

    /* Again with the Conv, Gemm and MatMul weights constant, so they run on tiles. */
    outcome = run_variant(test_dir, key, model, model->const_mask | model->weight_mask, why, size);
    if (outcome != OUTCOME_PASSED) {
        char detail[1024];
        snprintf(detail, sizeof detail, "%s", why);
        snprintf(why, size, "with its weights bound as constants it %s: %s", outcome_names[outcome],
                 detail);
        return OUTCOME_FAILED;
    }
    snprintf(why, size, "also with its weights bound as constants");
    return OUTCOME_PASSED;
}

static node_outcome run_node_test(const char *folder, const char *name, char *why, size_t size)
{
    char test_dir[1024], model_path[1100], key[512];
    snprintf(test_dir, sizeof test_dir, "%s/%s/%s", NODE_DATA_DIR, folder, name);
    snprintf(model_path, sizeof model_path, "%s/model.onnx", test_dir);
    snprintf(key, sizeof key, "%s/%s", folder, name);
    node_model model;
    if (!read_node_model(model_path, &model, why, size))
        return OUTCOME_FAILED;

    const refused_test *listed = find_refused(key);
    const bool supported =
        model.opset >= min_opset && model.opset <= max_opset && model.unsupported[0] == '\0';
    if (!supported)
        return check_unsupported(test_dir, &model, listed, why, size);
    return check_supported(test_dir, key, &model, listed, why, size);
}

/* Runs every test of one folder and prints its summary line. */
static node_counts run_folder(const char *folder)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", NODE_DATA_DIR, folder);
    struct dirent **tests = NULL;
    const int n_tests = scandir(dir, &tests, select_test, alphasort);
    node_counts counts = {0};
    for (int t = 0; t < n_tests; t++) {
        const char *name = tests[t]->d_name;
        if (name_filter == NULL || strstr(name, name_filter) != NULL) {
            char why[4096] = "";
            const node_outcome outcome = run_node_test(folder, name, why, sizeof why);
            if (outcome == OUTCOME_FAILED)
                printf("FAILED %s/%s: %s\n", folder, name, why);
            else if (verbose)
                printf("%s %s/%s%s%s\n", outcome_names[outcome], folder, name,
                       why[0] != '\0' ? ": " : "", why);
            counts.passed += outcome == OUTCOME_PASSED;
            counts.refused += outcome == OUTCOME_REFUSED;
            counts.failed += outcome == OUTCOME_FAILED;
        }
        free(tests[t]);
    }
    free(tests);
    printf("%s: %d passed, %d refused, %d failed\n", folder, counts.passed, counts.refused,
           counts.failed);
    return counts;
}

static void check_folder(const char *folder)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", NODE_DATA_DIR, folder);
    if (!test_path_exists(dir)) {
        printf("%s not found: install Debian's libonnx-testdata\n", dir);
        skip();
    }
    const node_counts counts = run_folder(folder);
    totals.passed += counts.passed;
    totals.refused += counts.refused;
    totals.failed += counts.failed;
    assert_int_equal(counts.failed, 0);
}

static void test_node_folder_node(void **state)
{
    check_folder("node");
}

static void test_node_folder_pytorch_converted(void **state)
{
    check_folder("pytorch-converted");
}

static void test_node_folder_pytorch_operator(void **state)
{
    check_folder("pytorch-operator");
}

static void test_node_folder_simple(void **state)
{
    check_folder("simple");
}

/* Every listed test exists and uses only supported ops, and docs/onnx-support.md names it. */
static void test_refused_list_matches_docs(void **state)
{
    char docs_path[1024];
    test_source_path(docs_path, sizeof docs_path, "docs/onnx-support.md");
    size_t length = 0;
    unsigned char *bytes = read_file(docs_path, &length);
    if (bytes == NULL)
        printf("%s: cannot read\n", docs_path);
    assert_non_null(bytes);
    char *docs = malloc(length + 1);
    assert_non_null(docs);
    memcpy(docs, bytes, length);
    docs[length] = '\0';
    free(bytes);

    int n_stale = 0;
    for (int i = 0; i < n_refused_tests; i++) {
        const char *key = refused_tests[i].test;
        const char *name = strchr(key, '/') + 1;
        char path[1024], why[512];
        snprintf(path, sizeof path, "%s/%s/model.onnx", NODE_DATA_DIR, key);
        node_model model;
        if (!read_node_model(path, &model, why, sizeof why)) {
            printf("refused_tests: %s: %s\n", key, why);
            n_stale++;
        } else if (model.opset < min_opset || model.opset > max_opset ||
                   model.unsupported[0] != '\0') {
            printf("refused_tests: %s uses %s (opset %lld), which import rejects anyway: "
                   "remove it from the list\n",
                   key, model.unsupported[0] != '\0' ? model.unsupported : "an opset",
                   (long long)model.opset);
            n_stale++;
        }
        if (strstr(docs, name) == NULL) {
            printf("refused_tests: %s is not listed in %s\n", key, docs_path);
            n_stale++;
        }
    }
    free(docs);
    assert_int_equal(n_stale, 0);
}

int main(void)
{
    name_filter = getenv("AIMCC_NODE_FILTER");
    verbose = getenv("AIMCC_NODE_VERBOSE") != NULL;
    aimcc_log_set_level(AIMCC_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_list_matches_docs),
        cmocka_unit_test(test_node_folder_node),
        cmocka_unit_test(test_node_folder_pytorch_converted),
        cmocka_unit_test(test_node_folder_pytorch_operator),
        cmocka_unit_test(test_node_folder_simple),
    };
    const int n_failed_tests = cmocka_run_group_tests(tests, NULL, NULL);
    printf("all folders: %d passed, %d refused, %d failed\n", totals.passed, totals.refused,
           totals.failed);
    return n_failed_tests;
}
