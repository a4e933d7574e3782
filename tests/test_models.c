/* SPDX-License-Identifier: MIT */
/*
 * End-to-end conformance on real pretrained models: each model of the shared models folder
 * is compiled for the `float` target, run on the exact device, and compared with the
 * onnxruntime outputs in models/refs (made by models/make_refs.sh). The demo model's top-1
 * with `aimcc eval` must match onnxruntime's on the whole MNIST test set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "test_pipeline.h"
#include "test_support.h"

/*
 * One model and the inputs of its reference data sets, as MODELS in models/ref_inputs.py
 * makes them. Data set K takes batches[K] consecutive samples of the data file, after the
 * samples of the earlier sets. Each input is x * scale + shift in float, cast to the input
 * dtype (round half to even, saturating).
 */
typedef struct model_case {
    const char *name;       /* folder under models/refs */
    const char *model;      /* path under the shared models folder */
    const char *data;       /* .npy under the shared models folder, samples on axis 0 */
    aimrt_dtype dtype;      /* the graph input's dtype */
    int rank;               /* rank of sample_dims */
    int64_t sample_dims[4]; /* one sample's shape; a leading 1 is the exported batch */
    float scale;
    float shift;
    int n_sets;
    int batches[8]; /* samples per data set */
} model_case;

static const model_case model_cases[] = {
    {"mnist-cnn",
     "models/mnist-cnn/model.onnx",
     "models/data/mnist-test/x_test_uint8.npy",
     AIMRT_DTYPE_FLOAT,
     4,
     {1, 1, 28, 28},
     1.0f,
     0.0f,
     8,
     {1, 1, 1, 1, 1, 1, 1, 1}},
    {"mnist-mlp",
     "models/mnist-mlp/mnist.onnx",
     "models/data/mnist-test/x_test_uint8.npy",
     AIMRT_DTYPE_FLOAT,
     4,
     {1, 1, 28, 28},
     0.012728f,
     -0.424212f,
     8,
     {1, 1, 1, 1, 1, 1, 1, 1}},
    {"cifar10-resnet8",
     "models/cifar10-resnet8/ic_resnet8_fp32.onnx",
     "models/data/cifar10-200/x_nhwc_uint8.npy",
     AIMRT_DTYPE_FLOAT,
     3,
     {32, 32, 3},
     1.0f,
     0.0f,
     2,
     {8, 3}},
    {"kws-dscnn-float",
     "models/kws-dscnn/kws_ref_model_float32.onnx",
     "models/data/speech-commands-1000/x_int8.npy",
     AIMRT_DTYPE_FLOAT,
     4,
     {1, 49, 10, 1},
     0.5847029f,
     -48.5303407f,
     8,
     {1, 1, 1, 1, 1, 1, 1, 1}},
    {"kws-dscnn-int8",
     "models/kws-dscnn/kws_ref_model_int8_qdq.onnx",
     "models/data/speech-commands-1000/x_int8.npy",
     AIMRT_DTYPE_INT8,
     4,
     {1, 49, 10, 1},
     1.0f,
     0.0f,
     8,
     {1, 1, 1, 1, 1, 1, 1, 1}},
    {"cifar10-resnet14",
     "models/cifar10-resnet-crosssim/resnet14_cifar10.onnx",
     "models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy",
     AIMRT_DTYPE_FLOAT,
     3,
     {3, 32, 32},
     1.0f,
     0.0f,
     2,
     {8, 3}},
    {"cifar10-resnet20",
     "models/cifar10-resnet-crosssim/resnet20_cifar10.onnx",
     "models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy",
     AIMRT_DTYPE_FLOAT,
     3,
     {3, 32, 32},
     1.0f,
     0.0f,
     2,
     {8, 3}},
    {"cifar10-resnet32",
     "models/cifar10-resnet-crosssim/resnet32_cifar10.onnx",
     "models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy",
     AIMRT_DTYPE_FLOAT,
     3,
     {3, 32, 32},
     1.0f,
     0.0f,
     2,
     {8, 3}},
    {"cifar10-resnet56",
     "models/cifar10-resnet-crosssim/resnet56_cifar10.onnx",
     "models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy",
     AIMRT_DTYPE_FLOAT,
     3,
     {3, 32, 32},
     1.0f,
     0.0f,
     2,
     {8, 3}},
};

/* Returns sample element i of a uint8, int8 or float32 data tensor as a float. */
static float data_value(const aimrt_tensor *data, int64_t i)
{
    switch (data->dtype) {
    case AIMRT_DTYPE_UINT8:
        return ((const uint8_t *)data->data)[i];
    case AIMRT_DTYPE_INT8:
        return ((const int8_t *)data->data)[i];
    case AIMRT_DTYPE_FLOAT:
        return ((const float *)data->data)[i];
    default:
        return NAN;
    }
}

/* Builds the input of a data set from samples [first, first + batch) of the data. */
static void build_input(const model_case *mc, const aimrt_tensor *data, int first, int batch,
                        test_tensor *out)
{
    /* A leading 1 is the exported batch, which the batch replaces; otherwise the batch is a
     * new leading dimension. */
    int64_t dims[AIMRT_MAX_RANK];
    int rank = 0;
    if (mc->sample_dims[0] != 1)
        dims[rank++] = batch;
    for (int d = 0; d < mc->rank; d++)
        dims[rank++] = mc->sample_dims[d];
    if (mc->sample_dims[0] == 1)
        dims[0] = batch;
    assert_true(test_tensor_alloc(out, "", mc->dtype, rank, dims));

    const int64_t per_sample = test_tensor_count(data) / data->dims[0];
    const int64_t count = test_tensor_count(&out->tensor);
    assert_int_equal(count, per_sample * batch);
    assert_true(first + batch <= data->dims[0]);
    const bool affine = mc->scale != 1.0f || mc->shift != 0.0f;
    for (int64_t i = 0; i < count; i++) {
        float x = data_value(data, first * per_sample + i);
        if (affine) {
            const float scaled = x * mc->scale;
            x = scaled + mc->shift;
        }
        if (mc->dtype == AIMRT_DTYPE_FLOAT) {
            ((float *)out->tensor.data)[i] = x;
        } else {
            const float rounded = fminf(fmaxf(rintf(x), -128.0f), 127.0f);
            ((int8_t *)out->tensor.data)[i] = (int8_t)rounded;
        }
    }
}

/* Compares a rebuilt input with the input_0.pb that onnxruntime ran, when the folder has
 * one, so a drift between this file and models/ref_inputs.py shows as its own failure. */
static bool check_input_file(const char *set_dir, const test_tensor *input)
{
    char path[1024], message[2304];
    snprintf(path, sizeof path, "%s/input_0.pb", set_dir);
    if (!test_path_exists(path))
        return true;
    test_tensor stored;
    if (test_tensor_read_pb(path, &stored, message, sizeof message) != AIMCC_OK) {
        printf("%s\n", message);
        return false;
    }
    const test_tolerance exact = {0.0, 0.0, 0};
    const bool same = test_compare_outputs(&input->tensor, &stored.tensor, exact, path);
    test_tensor_free(&stored);
    return same;
}

/* Runs one data set and compares output_0.pb. Returns true when it matches. */
static bool run_data_set(const model_case *mc, const test_program *program,
                         const aimrt_tensor *data, int set, int first)
{
    char set_dir[1024], path[1100], label[256], message[2304];
    char relative[256];
    snprintf(relative, sizeof relative, "models/refs/%s/test_data_set_%d", mc->name, set);
    test_source_path(set_dir, sizeof set_dir, relative);
    snprintf(label, sizeof label, "%s test_data_set_%d", mc->name, set);

    test_tensor input, outputs[4], expected;
    build_input(mc, data, first, mc->batches[set], &input);
    bool ok = check_input_file(set_dir, &input);
    int n_outputs = 0;
    if (ok && test_run_program(program, &input, 1, outputs, 4, &n_outputs, message,
                               sizeof message) != AIMRT_OK) {
        printf("%s: run failed: %s\n", label, message);
        ok = false;
    }
    snprintf(path, sizeof path, "%s/output_0.pb", set_dir);
    if (ok && test_tensor_read_pb(path, &expected, message, sizeof message) != AIMCC_OK) {
        printf("%s\n", message);
        ok = false;
    } else if (ok) {
        ok = n_outputs >= 1 && test_compare_outputs(&outputs[0].tensor, &expected.tensor,
                                                    test_tolerance_default, label);
        test_tensor_free(&expected);
    }
    for (int i = 0; i < n_outputs; i++)
        test_tensor_free(&outputs[i]);
    test_tensor_free(&input);
    return ok;
}

/* Returns true when the program's single input takes a run-time batch. */
static bool program_input_batched(const test_program *program)
{
    aimrt_program *loaded = NULL;
    aimrt_error error;
    if (aimrt_program_load(program->bytes, program->size, &loaded, &error) != AIMRT_OK)
        return false;
    aimrt_io_info info;
    const bool batched = aimrt_program_n_inputs(loaded) == 1 &&
                         aimrt_program_input(loaded, 0, &info) == AIMRT_OK && info.batched;
    aimrt_program_free(loaded);
    return batched;
}

/*
 * Runs the one-sample data sets of a batch-agnostic program as one batch and compares the
 * result with their output_0.pb files stacked on axis 0, so batching must not change any
 * sample's output.
 */
static bool run_sets_as_one_batch(const model_case *mc, const test_program *program,
                                  const aimrt_tensor *data)
{
    char label[256], message[2304];
    snprintf(label, sizeof label, "%s data sets 0-%d as one batch", mc->name, mc->n_sets - 1);
    test_tensor input, outputs[4], expected, stacked;
    printf("%s: the program takes a run-time batch, so the data sets also run as one batch\n",
           mc->name);
    build_input(mc, data, 0, mc->n_sets, &input);
    int n_outputs = 0;
    bool ok = test_run_program(program, &input, 1, outputs, 4, &n_outputs, message,
                               sizeof message) == AIMRT_OK;
    if (!ok)
        printf("%s: run failed: %s\n", label, message);
    memset(&stacked, 0, sizeof stacked);
    for (int set = 0; ok && set < mc->n_sets; set++) {
        char relative[256], path[1024];
        snprintf(relative, sizeof relative, "models/refs/%s/test_data_set_%d/output_0.pb", mc->name,
                 set);
        test_source_path(path, sizeof path, relative);
        assert_int_equal(test_tensor_read_pb(path, &expected, message, sizeof message), AIMCC_OK);
        if (set == 0) {
            int64_t dims[AIMRT_MAX_RANK];
            memcpy(dims, expected.tensor.dims, sizeof dims);
            dims[0] = mc->n_sets;
            assert_true(
                test_tensor_alloc(&stacked, "", expected.tensor.dtype, expected.tensor.rank, dims));
        }
        const size_t bytes =
            (size_t)test_tensor_count(&expected.tensor) * aimrt_dtype_size(expected.tensor.dtype);
        assert_int_equal(bytes * (size_t)mc->n_sets, (size_t)test_tensor_count(&stacked.tensor) *
                                                         aimrt_dtype_size(stacked.tensor.dtype));
        memcpy((char *)stacked.tensor.data + bytes * (size_t)set, expected.tensor.data, bytes);
        test_tensor_free(&expected);
    }
    if (ok)
        ok = n_outputs >= 1 && test_compare_outputs(&outputs[0].tensor, &stacked.tensor,
                                                    test_tolerance_default, label);
    for (int i = 0; i < n_outputs; i++)
        test_tensor_free(&outputs[i]);
    test_tensor_free(&stacked);
    test_tensor_free(&input);
    return ok;
}

static void test_model_matches_onnxruntime(void **state)
{
    const model_case *mc = *state;
    char model_path[1024], data_path[1024], message[2304];
    test_shared_path(model_path, sizeof model_path, mc->model);
    test_shared_path(data_path, sizeof data_path, mc->data);
    if (!test_path_exists(model_path) || !test_path_exists(data_path)) {
        printf("%s: %s or %s not found\n", mc->name, model_path, data_path);
        skip();
    }

    test_program program;
    if (test_compile_file(model_path, NULL, &program) != AIMCC_OK)
        printf("%s: compile failed: %s\n", mc->name, program.message);
    assert_int_equal(program.status, AIMCC_OK);
    test_tensor data;
    if (test_tensor_read_npy(data_path, &data, message, sizeof message) != AIMCC_OK)
        printf("%s\n", message);
    assert_non_null(data.tensor.data);

    int n_failed = 0, first = 0;
    for (int set = 0; set < mc->n_sets; set++) {
        if (!run_data_set(mc, &program, &data.tensor, set, first))
            n_failed++;
        first += mc->batches[set];
    }
    if (mc->batches[0] == 1 && program_input_batched(&program) &&
        !run_sets_as_one_batch(mc, &program, &data.tensor))
        n_failed++;
    test_tensor_free(&data);
    test_program_free(&program);
    assert_int_equal(n_failed, 0);
}

/* The three data sets that ship with the ONNX model zoo's MNIST CNN. */
static void test_mnist_cnn_zoo_data_sets(void **state)
{
    char model_path[1024], path[1024], relative[128], message[2304];
    test_source_path(model_path, sizeof model_path, "models/mnist-cnn/model.onnx");
    test_program program;
    if (test_compile_file(model_path, NULL, &program) != AIMCC_OK)
        printf("mnist-cnn: compile failed: %s\n", program.message);
    assert_int_equal(program.status, AIMCC_OK);

    int n_failed = 0;
    for (int set = 0; set < 3; set++) {
        test_tensor input, expected, outputs[4];
        int n_outputs = 0;
        snprintf(relative, sizeof relative, "models/mnist-cnn/test_data_set_%d/input_0.pb", set);
        test_source_path(path, sizeof path, relative);
        assert_int_equal(test_tensor_read_pb(path, &input, message, sizeof message), AIMCC_OK);
        snprintf(relative, sizeof relative, "models/mnist-cnn/test_data_set_%d/output_0.pb", set);
        test_source_path(path, sizeof path, relative);
        assert_int_equal(test_tensor_read_pb(path, &expected, message, sizeof message), AIMCC_OK);

        if (test_run_program(&program, &input, 1, outputs, 4, &n_outputs, message,
                             sizeof message) != AIMRT_OK) {
            printf("mnist-cnn zoo test_data_set_%d: run failed: %s\n", set, message);
            n_failed++;
        } else if (!test_compare_outputs(&outputs[0].tensor, &expected.tensor,
                                         test_tolerance_default, path)) {
            n_failed++;
        }
        for (int i = 0; i < n_outputs; i++)
            test_tensor_free(&outputs[i]);
        test_tensor_free(&input);
        test_tensor_free(&expected);
    }
    test_program_free(&program);
    assert_int_equal(n_failed, 0);
}

/* Runs a shell command and returns its standard output (caller frees), or NULL. */
static char *run_command(const char *command, int *exit_status)
{
    FILE *pipe = popen(command, "r");
    if (pipe == NULL)
        return NULL;
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    size_t n;
    while (text != NULL && (n = fread(text + size, 1, capacity - size - 1, pipe)) > 0) {
        size += n;
        if (capacity - size < 2) {
            char *grown = realloc(text, capacity * 2);
            if (grown == NULL) {
                free(text);
                text = NULL;
                break;
            }
            text = grown;
            capacity *= 2;
        }
    }
    if (text != NULL)
        text[size] = '\0';
    *exit_status = pclose(pipe);
    return text;
}

/* onnxruntime-node 1.31.1 classifies 9891 of the 10,000 MNIST test images correctly. */
static void test_mnist_cnn_eval_accuracy(void **state)
{
    char model[1024], images[1024], labels[1024], program[1024], command[4096];
    test_source_path(model, sizeof model, "models/mnist-cnn/model.onnx");
    test_source_path(images, sizeof images, "models/mnist-cnn/data/x_test_uint8.npy");
    test_source_path(labels, sizeof labels, "models/mnist-cnn/data/y_test.npy");
    char dir[] = "/tmp/aimcc-eval-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(program, sizeof program, "%s/mnist-cnn.aimc", dir);

    snprintf(command, sizeof command, "'%s' compile '%s' -t float -o '%s'", AIMCC_COMMAND, model,
             program);
    int status = system(command);
    assert_int_equal(status, 0);
    snprintf(command, sizeof command, "'%s' eval '%s' --inputs '%s' --labels '%s' --json",
             AIMCC_COMMAND, program, images, labels);
    char *output = run_command(command, &status);
    unlink(program);
    rmdir(dir);
    assert_non_null(output);
    if (status != 0)
        printf("aimcc eval exited with %d: %s\n", status, output);
    assert_int_equal(status, 0);

    cJSON *json = cJSON_Parse(output);
    if (json == NULL)
        printf("aimcc eval --json printed no JSON object: %s\n", output);
    assert_non_null(json);
    const cJSON *top1 = cJSON_GetObjectItemCaseSensitive(json, "top1");
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(json, "samples");
    assert_true(cJSON_IsNumber(top1));
    assert_true(cJSON_IsNumber(samples));
    assert_int_equal((int)samples->valuedouble, 10000);
    const double correct = top1->valuedouble * 10000.0;
    printf("aimcc eval: top-1 %.4f (%.0f of 10000), onnxruntime 9891\n", top1->valuedouble,
           correct);
    assert_true(fabs(correct - 9891.0) <= 5.5);
    cJSON_Delete(json);
    free(output);
}

int main(void)
{
    enum { n_models = sizeof model_cases / sizeof model_cases[0] };
    struct CMUnitTest tests[n_models + 2];
    char names[n_models][96];
    for (int i = 0; i < n_models; i++) {
        snprintf(names[i], sizeof names[i], "model_%s_matches_onnxruntime", model_cases[i].name);
        tests[i] = (struct CMUnitTest){names[i], test_model_matches_onnxruntime, NULL, NULL,
                                       (void *)&model_cases[i]};
    }
    tests[n_models] = (struct CMUnitTest)cmocka_unit_test(test_mnist_cnn_zoo_data_sets);
    tests[n_models + 1] = (struct CMUnitTest)cmocka_unit_test(test_mnist_cnn_eval_accuracy);
    return _cmocka_run_group_tests("models", tests, n_models + 2, NULL, NULL);
}
