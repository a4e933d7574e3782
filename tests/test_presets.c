/* SPDX-License-Identifier: MIT */
/*
 * Accuracy of every preset target on the exact device. Each real model is
 * compiled with the aimcc command for the preset and for `float`, and both
 * are evaluated with `aimcc eval --device exact` on the same samples. The
 * preset may lose at most the model's bar in top-1 points. The exact device
 * adds no noise, so the loss is that of the integer weights and inputs alone.
 * Models in the shared models folder are skipped when it is missing.
 * NOTE: the bit-serial presets run 8 to 64 MVM phases per layer, so the whole
 * file takes about 20 minutes on 2 loaded cores (ResNet-20 on sram-capdiv
 * alone about 3.5 minutes).
 */
#include "test_support.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A model, its evaluation data, and the top-1 loss (points) a preset may have. */
typedef struct model_case {
    const char *name;
    const char *model;  /* path under the source tree, or under the shared folder when shared */
    const char *inputs;
    const char *labels;
    bool shared;
    const char *eval_options; /* --scale, --shift and --limit for aimcc eval */
    double max_loss_points;
    double float_top1;        /* measured once per run; < 0 until then */
} model_case;

static model_case models[] = {
    {"mnist-cnn", "models/mnist-cnn/model.onnx", "models/mnist-cnn/data/x_test_uint8.npy",
     "models/mnist-cnn/data/y_test.npy", false, "--limit 1000", 0.5, -1.0},
    {"resnet20", "models/cifar10-resnet-crosssim/resnet20_cifar10.onnx",
     "models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy", "models/data/cifar10-200/y.npy", true,
     "--limit 200", 1.0, -1.0},
    {"kws-dscnn", "models/kws-dscnn/kws_ref_model_float32.onnx",
     "models/data/speech-commands-1000/x_int8.npy", "models/data/speech-commands-1000/y.npy", true,
     "--scale 0.5847029 --shift -48.5303407 --limit 1000", 1.0, -1.0},
};
enum { n_models = sizeof models / sizeof models[0] };

static const char *const presets[] = {
    "pcm-current", "rram-current", "sram-charge", "sram-charge-redist",
    "sram-capdiv", "rram-resdiv",  "time-domain", "hetero",
};
enum { n_presets = sizeof presets / sizeof presets[0] };

/* One test: a model on a preset. */
typedef struct preset_case {
    model_case *model;
    const char *preset;
} preset_case;

static void model_path(const model_case *model, const char *relative, char *buf, size_t size)
{
    if (model->shared)
        test_shared_path(buf, size, relative);
    else
        test_source_path(buf, size, relative);
}

/* Runs a shell command and returns its stdout (caller frees) and exit status. */
static char *run_command(const char *command, int *exit_status)
{
    FILE *pipe = popen(command, "r");
    if (pipe == NULL)
        return NULL;
    size_t capacity = 4096;
    size_t size = 0;
    char *text = malloc(capacity);
    for (size_t n; text != NULL && (n = fread(text + size, 1, capacity - size - 1, pipe)) > 0;) {
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

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/* AIMCC_TEST_QUICK=1 (set by CI for the sanitizer build, where every run is
 * several times slower) evaluates QUICK_SAMPLES samples per model. */
#define QUICK_SAMPLES 64
#define QUICK_SAMPLES_TEXT "64"

static bool quick_run(void)
{
    const char *quick = getenv("AIMCC_TEST_QUICK");
    return quick != NULL && strcmp(quick, "1") == 0;
}

/* Compiles the model for target and returns its top-1 on the exact device. */
static double compile_and_eval(const model_case *model, const char *target)
{
    char onnx[1024], inputs[1024], labels[1024], program[1200], command[8192];
    model_path(model, model->model, onnx, sizeof onnx);
    model_path(model, model->inputs, inputs, sizeof inputs);
    model_path(model, model->labels, labels, sizeof labels);
    char dir[] = "/tmp/aimcc-presets-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(program, sizeof program, "%s/%s.aimc", dir, model->name);

    snprintf(command, sizeof command, "'%s' compile '%s' -t %s -o '%s' 2>&1", AIMCC_COMMAND, onnx,
             target, program);
    int status = 0;
    char *output = run_command(command, &status);
    if (status != 0)
        rmdir(dir);
    if (status != 0)
        fail_msg("%s on %s: aimcc compile exited with %d: %s", model->name, target, status,
                 output != NULL ? output : "");
    free(output);

    /* The last --limit wins, so quick runs cut every data set to its first samples. */
    snprintf(command, sizeof command,
             "'%s' eval '%s' --inputs '%s' --labels '%s' %s %s --device exact --json -q",
             AIMCC_COMMAND, program, inputs, labels, model->eval_options,
             quick_run() ? "--limit " QUICK_SAMPLES_TEXT : "");
    output = run_command(command, &status);
    unlink(program);
    rmdir(dir);
    assert_non_null(output);
    if (status != 0)
        fail_msg("%s on %s: aimcc eval exited with %d: %s", model->name, target, status, output);

    cJSON *json = cJSON_Parse(output);
    if (json == NULL)
        fail_msg("%s on %s: aimcc eval --json printed no JSON object: %s", model->name, target,
                 output);
    const cJSON *top1 = cJSON_GetObjectItemCaseSensitive(json, "top1");
    assert_true(cJSON_IsNumber(top1));
    const double value = top1->valuedouble;
    cJSON_Delete(json);
    free(output);
    return value;
}

static void test_preset_keeps_accuracy(void **state)
{
    const preset_case *c = *state;
    model_case *model = c->model;
    char onnx[1024], inputs[1024];
    model_path(model, model->model, onnx, sizeof onnx);
    model_path(model, model->inputs, inputs, sizeof inputs);
    if (model->shared && (!test_path_exists(onnx) || !test_path_exists(inputs))) {
        printf("skipped: %s or %s is missing\n", onnx, inputs);
        skip();
    }

    const double start = seconds_now();
    if (model->float_top1 < 0)
        model->float_top1 = compile_and_eval(model, "float");
    const double preset_top1 = compile_and_eval(model, c->preset);
    const double loss_points = 100.0 * (model->float_top1 - preset_top1);
    printf("%s on %s: top-1 %.2f%%, float %.2f%%, loss %.2f points (bar %.1f), %.1f s\n",
           model->name, c->preset, 100.0 * preset_top1, 100.0 * model->float_top1, loss_points,
           model->max_loss_points, seconds_now() - start);
    /* A small tolerance keeps a loss of exactly the bar from failing on float
     * rounding. On a quick run one sample is worth more than the bar, so the
     * bar becomes one sample. */
    double bar = model->max_loss_points;
    if (quick_run() && bar < 100.0 / QUICK_SAMPLES)
        bar = 100.0 / QUICK_SAMPLES;
    assert_true(loss_points <= bar + 1e-9);
}

int main(void)
{
    enum { n_cases = n_models * n_presets };
    static preset_case cases[n_cases];
    static char names[n_cases][96];
    struct CMUnitTest tests[n_cases];
    for (int m = 0; m < n_models; m++)
        for (int p = 0; p < n_presets; p++) {
            const int i = m * n_presets + p;
            cases[i] = (preset_case){&models[m], presets[p]};
            snprintf(names[i], sizeof names[i], "%s_on_%s_keeps_accuracy", models[m].name,
                     presets[p]);
            tests[i] = (struct CMUnitTest){names[i], test_preset_keeps_accuracy, NULL, NULL,
                                           &cases[i]};
        }
    return _cmocka_run_group_tests("presets", tests, n_cases, NULL, NULL);
}
