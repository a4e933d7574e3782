/* SPDX-License-Identifier: MIT */
/*
 * The sim device wired to sessions. With every effect off and a lossless
 * readout it gives the exact device's outputs bit for bit, on every compute
 * domain's preset. Its noise depends
 * on the seed and the global sample index, not on the batch. The MNIST CNN
 * on pcm-current at time 0 stays within 3 points of float accuracy on the
 * first 200 test images.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_pipeline.h"
#include "test_support.h"

#include "aimrt/aimrt.h"
#include "aimrt/device.h"

#define IMAGES 200
#define PIXELS 784
#define CLASSES 10

typedef struct fixture {
    aimrt_program *pcm;   /* MNIST on pcm-current */
    aimrt_program *fp;    /* MNIST on float */
    float *images;        /* IMAGES x PIXELS, values 0 .. 255 */
    int64_t labels[IMAGES];
} fixture;

static aimrt_program *compile_mnist(const char *target)
{
    char model[1024];
    test_source_path(model, sizeof model, "models/mnist-cnn/model.onnx");
    aimcc_options options = {0};
    options.target = target;
    test_program compiled;
    if (test_compile_file(model, &options, &compiled) != AIMCC_OK)
        fail_msg("compiling MNIST for %s failed: %s", target, compiled.message);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load(compiled.bytes, compiled.size, &program, &error) != AIMRT_OK)
        fail_msg("loading MNIST for %s failed: %s", target, error.message);
    test_program_free(&compiled);
    return program;
}

static void read_data(fixture *f)
{
    char path[1024], message[1024];
    test_tensor x, y;
    test_source_path(path, sizeof path, "models/mnist-cnn/data/x_test_uint8.npy");
    if (test_tensor_read_npy(path, &x, message, sizeof message) != AIMCC_OK)
        fail_msg("%s", message);
    test_source_path(path, sizeof path, "models/mnist-cnn/data/y_test.npy");
    if (test_tensor_read_npy(path, &y, message, sizeof message) != AIMCC_OK)
        fail_msg("%s", message);
    assert_int_equal(x.tensor.dtype, AIMRT_DTYPE_UINT8);
    assert_int_equal(y.tensor.dtype, AIMRT_DTYPE_INT64);
    f->images = malloc(IMAGES * PIXELS * sizeof(float));
    assert_non_null(f->images);
    const uint8_t *pixels = x.tensor.data;
    for (int64_t i = 0; i < IMAGES * PIXELS; i++)
        f->images[i] = pixels[i];
    memcpy(f->labels, y.tensor.data, sizeof f->labels);
    test_tensor_free(&x);
    test_tensor_free(&y);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->pcm = compile_mnist("pcm-current");
    f->fp = compile_mnist("float");
    read_data(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimrt_program_free(f->pcm);
    aimrt_program_free(f->fp);
    free(f->images);
    free(f);
    return 0;
}

static aimrt_device *make_exact(const aimrt_program *program)
{
    const int32_t n = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc(n > 0 ? (size_t)n : 1, sizeof *tiles);
    aimrt_program_tiles(program, tiles);
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(n, tiles, &device), AIMRT_OK);
    free(tiles);
    return device;
}

static aimrt_device *make_sim(const aimrt_program *program, uint64_t seed, double time_s,
                              uint32_t flags)
{
    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    options.seed = seed;
    options.time_s = time_s;
    options.flags = flags;
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_sim_create(program, &options, &device), AIMRT_OK);
    return device;
}

static void free_device(aimrt_device *device)
{
    device->destroy(device->state);
    aimrt_device_free(device);
}

/* Runs images [first, first + count) in batches of batch and writes the
 * logits; frees the device. */
static void run_images(const fixture *f, const aimrt_program *program, aimrt_device *device,
                       int64_t batch, int64_t first, int64_t count, float *logits)
{
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    if (aimrt_session_create(program, device, batch, &session, &error) != AIMRT_OK)
        fail_msg("session: %s", error.message);
    for (int64_t i = first; i < first + count; i += batch) {
        const int64_t n = first + count - i < batch ? first + count - i : batch;
        const void *inputs[] = {f->images + i * PIXELS};
        void *outputs[] = {logits + (i - first) * CLASSES};
        if (aimrt_session_run(session, n, i, inputs, outputs, &error) != AIMRT_OK)
            fail_msg("run at sample %lld: %s", (long long)i, error.message);
    }
    aimrt_session_free(session);
    free_device(device);
}

static double accuracy(const fixture *f, const float *logits, int64_t count)
{
    int64_t right = 0;
    for (int64_t i = 0; i < count; i++) {
        int best = 0;
        for (int c = 1; c < CLASSES; c++)
            if (logits[i * CLASSES + c] > logits[i * CLASSES + best])
                best = c;
        right += best == f->labels[i];
    }
    return (double)right / (double)count;
}

/* With no analog effect and a lossless readout every column sum is the
 * exact integer, decoded by the same code, so the floats match bit for bit. */
static void test_sim_ideal_equals_exact(void **state)
{
    const fixture *f = *state;
    enum { N = 12 };
    float exact[N * CLASSES], sim[N * CLASSES];
    run_images(f, f->pcm, make_exact(f->pcm), 4, 0, N, exact);
    run_images(f, f->pcm, make_sim(f->pcm, 7, 0.0, AIMRT_SIM_NO_NOISE | AIMRT_SIM_LOSSLESS_ADC),
               4, 0, N, sim);
    assert_memory_equal(exact, sim, sizeof exact);
}

/* Every domain's transfer function, with its effects off and a lossless
 * readout, returns the exact column sums, so each preset matches the exact
 * device bit for bit. */
static void test_sim_domains_ideal_equal_exact(void **state)
{
    const fixture *f = *state;
    static const char *const presets[] = {"rram-current", "sram-charge", "sram-charge-redist",
                                          "sram-capdiv",  "rram-resdiv", "time-domain"};
    enum { N = 2 };
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        aimrt_program *program = compile_mnist(presets[i]);
        float exact[N * CLASSES], sim[N * CLASSES];
        run_images(f, program, make_exact(program), N, 0, N, exact);
        run_images(f, program,
                   make_sim(program, 7, 0.0, AIMRT_SIM_NO_NOISE | AIMRT_SIM_LOSSLESS_ADC), N, 0,
                   N, sim);
        if (memcmp(exact, sim, sizeof exact) != 0)
            fail_msg("%s: the ideal sim device differs from the exact device", presets[i]);
        aimrt_program_free(program);
    }
}

/* The same seed draws the same noise; another seed draws other noise. */
static void test_sim_seed_fixes_noise(void **state)
{
    const fixture *f = *state;
    enum { N = 6 };
    float a[N * CLASSES], b[N * CLASSES], c[N * CLASSES];
    run_images(f, f->pcm, make_sim(f->pcm, 5, 3600.0, 0), 3, 10, N, a);
    run_images(f, f->pcm, make_sim(f->pcm, 5, 3600.0, 0), 3, 10, N, b);
    run_images(f, f->pcm, make_sim(f->pcm, 6, 3600.0, 0), 3, 10, N, c);
    assert_memory_equal(a, b, sizeof a);
    int64_t differ = 0;
    for (int i = 0; i < N * CLASSES; i++)
        differ += a[i] != c[i];
    assert_true(differ > N * CLASSES / 2);
}

/* Dynamic draws are keyed by the global sample index, so batch 1 and batch
 * 8 see the same noise on every sample. */
static void test_sim_batch_size_invisible(void **state)
{
    const fixture *f = *state;
    enum { N = 8 };
    float one[N * CLASSES], all[N * CLASSES];
    run_images(f, f->pcm, make_sim(f->pcm, 3, 0.0, 0), 1, 20, N, one);
    run_images(f, f->pcm, make_sim(f->pcm, 3, 0.0, 0), N, 20, N, all);
    assert_memory_equal(one, all, sizeof one);
}

/* pcm-current at time 0 with every effect on stays within 3 points of float. */
static void test_sim_mnist_accuracy_near_float(void **state)
{
    const fixture *f = *state;
    float *logits = malloc(IMAGES * CLASSES * sizeof(float));
    assert_non_null(logits);
    run_images(f, f->fp, make_exact(f->fp), 50, 0, IMAGES, logits);
    const double float_top1 = accuracy(f, logits, IMAGES);
    run_images(f, f->pcm, make_sim(f->pcm, 1, 0.0, 0), 50, 0, IMAGES, logits);
    const double sim_top1 = accuracy(f, logits, IMAGES);
    print_message("MNIST first %d images: float top1 %.3f, sim at 0 s top1 %.3f\n", IMAGES,
                  float_top1, sim_top1);
    free(logits);
    assert_true(fabs(float_top1 - sim_top1) <= 0.03);
}

/* A float program has no integer tiles for the simulator. */
static void test_sim_rejects_float_tiles(void **state)
{
    const fixture *f = *state;
    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    aimrt_device *device = (aimrt_device *)1;
    assert_int_equal(aimrt_device_sim_create(f->fp, &options, &device), AIMRT_ERR_UNSUPPORTED);
    assert_null(device);
    options.time_s = -1.0;
    assert_int_equal(aimrt_device_sim_create(f->pcm, &options, &device), AIMRT_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_ideal_equals_exact),
        cmocka_unit_test(test_sim_domains_ideal_equal_exact),
        cmocka_unit_test(test_sim_seed_fixes_noise),
        cmocka_unit_test(test_sim_batch_size_invisible),
        cmocka_unit_test(test_sim_mnist_accuracy_near_float),
        cmocka_unit_test(test_sim_rejects_float_tiles),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
