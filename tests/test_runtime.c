/* SPDX-License-Identifier: MIT */
/*
 * Tests of sessions and the exact device. Programs built through the IR API
 * and emitted by the backend run on the exact device and must match
 * references computed here in double. A recording device checks the MVM
 * regions and the sample and MVM indices that key a device's noise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "aimrt/aimrt.h"
#include "backend/emit.h"
#include "ir/ir.h"

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
    int64_t patches;   /* rows of x per sample: x is [batch, patches, k] when > 1 */
    int64_t k;
    int64_t n;
    float *w;
    float *bias;
    aimrt_program *program;
} fixture;

static float next_value(uint32_t *state, float scale)
{
    *state = *state * 1664525u + 1013904223u;
    return scale * ((float)(*state >> 8) / 8388608.0f - 1.0f);
}

/* Builds x -> linear (k x n weight, rows split over two 512 x 512 tiles when
 * k > 512) -> relu -> y. x is [1, k] or [1, patches, k], batched or not. */
static fixture *build_program(int64_t patches, int64_t k, int64_t n, bool batched)
{
    fixture *f = calloc(1, sizeof *f);
    f->patches = patches;
    f->k = k;
    f->n = n;
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    f->module = aimcc_ir_module_create(f->arena, "mlp");
    f->w = malloc((size_t)(k * n) * sizeof *f->w);
    f->bias = malloc((size_t)n * sizeof *f->bias);
    uint32_t seed = 777;
    for (int64_t i = 0; i < k * n; i++)
        f->w[i] = next_value(&seed, 0.1f);
    for (int64_t i = 0; i < n; i++)
        f->bias[i] = next_value(&seed, 0.5f);

    const int64_t x_dims[3] = {1, patches, k};
    const int64_t x_dims_flat[2] = {1, k};
    aimcc_value *x = patches > 1
                         ? aimcc_ir_value_add(f->module, "x", AIMCC_VALUE_INPUT,
                                              AIMRT_DTYPE_FLOAT, 3, x_dims, NULL)
                         : aimcc_ir_value_add(f->module, "x", AIMCC_VALUE_INPUT,
                                              AIMRT_DTYPE_FLOAT, 2, x_dims_flat, NULL);
    x->batched = batched;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    aimcc_value *w = aimcc_ir_value_add(f->module, "fc.weight", AIMCC_VALUE_CONST,
                                        AIMRT_DTYPE_FLOAT, 2, (const int64_t[]){k, n}, f->w);
    aimcc_value *b = aimcc_ir_value_add(f->module, "fc.bias", AIMCC_VALUE_CONST,
                                        AIMRT_DTYPE_FLOAT, 1, (const int64_t[]){n}, f->bias);
    aimcc_value *inputs[] = {x, w, b};
    aimcc_op *linear, *relu;
    assert_int_equal(aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_LINEAR, "fc", "Gemm", 3,
                                        inputs, 0, NULL, 1, NULL, &linear),
                     AIMCC_OK);

    /* Rows [0, 512) on tile 0; the rest on tile 1 at row 7, column 3. */
    const int64_t split = k > 512 ? 512 : k;
    aimcc_tile_block *blocks = aimcc_arena_calloc(f->arena, 2, sizeof *blocks);
    blocks[0] = (aimcc_tile_block){aimcc_ir_tile_add(f->module, 0, 512, 512), 0, 0, 0, 0, split,
                                   n};
    linear->n_blocks = 1;
    if (k > split) {
        blocks[1] = (aimcc_tile_block){aimcc_ir_tile_add(f->module, 0, 512, 512), 7, 3, split, 0,
                                       k - split, n};
        linear->n_blocks = 2;
    }
    linear->blocks = blocks;

    const char *names[] = {"y"};
    assert_int_equal(aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_RELU, "relu", "Relu", 1,
                                        linear->outputs, 0, NULL, 1, names, &relu),
                     AIMCC_OK);
    assert_int_equal(aimcc_ir_module_add_output(f->module, relu->outputs[0]), AIMCC_OK);

    void *bytes = NULL;
    size_t size = 0;
    assert_int_equal(aimcc_emit_program_bytes(f->ctx, f->module, &bytes, &size), AIMCC_OK);
    aimrt_error error = {0};
    if (aimrt_program_load(bytes, size, &f->program, &error) != AIMRT_OK)
        fail_msg("load failed: %s", error.message);
    free(bytes);
    return f;
}

static int setup_mlp(void **state)
{
    *state = build_program(1, 600, 300, true);
    return 0;
}

static int teardown_program(void **state)
{
    fixture *f = *state;
    aimrt_program_free(f->program);
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f->w);
    free(f->bias);
    free(f);
    return 0;
}

/* Computes relu(x W + bias) in double for rows of x. */
static void reference(const fixture *f, int64_t rows, const float *x, double *y)
{
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c = 0; c < f->n; c++) {
            double sum = f->bias[c];
            for (int64_t i = 0; i < f->k; i++)
                sum += (double)x[r * f->k + i] * (double)f->w[i * f->n + c];
            y[r * f->n + c] = sum > 0 ? sum : 0;
        }
    }
}

/* Checks |actual - expected| <= 1e-4 * max(1, max|expected|) + 1e-3 * |expected|. */
static void expect_close(const float *actual, const double *expected, int64_t count)
{
    double max_expected = 1;
    for (int64_t i = 0; i < count; i++)
        max_expected = fmax(max_expected, fabs(expected[i]));
    double max_error = 0;
    int64_t first_bad = -1;
    for (int64_t i = 0; i < count; i++) {
        const double error = fabs(actual[i] - expected[i]);
        max_error = fmax(max_error, error);
        if (first_bad < 0 && error > 1e-4 * max_expected + 1e-3 * fabs(expected[i]))
            first_bad = i;
    }
    if (first_bad >= 0)
        fail_msg("max abs error %g; first mismatch at %lld: actual %.9g expected %.9g", max_error,
                 (long long)first_bad, actual[first_bad], expected[first_bad]);
}

static aimrt_device *create_exact(const aimrt_program *program)
{
    const int32_t n_tiles = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc((size_t)n_tiles + 1, sizeof *tiles);
    aimrt_program_tiles(program, tiles);
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(n_tiles, tiles, &device), AIMRT_OK);
    free(tiles);
    return device;
}

static void destroy_device(aimrt_device *device)
{
    device->destroy(device->state);
    aimrt_device_free(device);
}

static void test_runtime_mlp_batch_three(void **state)
{
    fixture *f = *state;
    aimrt_device *device = create_exact(f->program);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(f->program, device, 4, &session, &error), AIMRT_OK);

    enum { BATCH = 3 };
    float *x = malloc(BATCH * 600 * sizeof *x);
    float *y = malloc(BATCH * 300 * sizeof *y);
    double *expected = malloc(BATCH * 300 * sizeof *expected);
    uint32_t seed = 99;
    for (int i = 0; i < BATCH * 600; i++)
        x[i] = next_value(&seed, 1.0f);
    reference(f, BATCH, x, expected);

    const void *inputs[] = {x};
    void *outputs[] = {y};
    if (aimrt_session_run(session, BATCH, 0, inputs, outputs, &error) != AIMRT_OK)
        fail_msg("run failed: %s", error.message);
    expect_close(y, expected, BATCH * 300);

    /* Running the samples one at a time gives the same values. */
    for (int s = 0; s < BATCH; s++) {
        const void *one_input[] = {x + s * 600};
        void *one_output[] = {y + s * 300};
        assert_int_equal(aimrt_session_run(session, 1, s, one_input, one_output, &error),
                         AIMRT_OK);
    }
    expect_close(y, expected, BATCH * 300);

    free(x);
    free(y);
    free(expected);
    aimrt_session_free(session);
    destroy_device(device);
}

static void test_runtime_batch_out_of_range(void **state)
{
    fixture *f = *state;
    aimrt_device *device = create_exact(f->program);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(f->program, device, 2, &session, &error), AIMRT_OK);

    float x[3 * 600] = {0}, y[3 * 300];
    const void *inputs[] = {x};
    void *outputs[] = {y};
    assert_int_equal(aimrt_session_run(session, 3, 0, inputs, outputs, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "batch 3 is outside [1, 2]"));
    assert_int_equal(aimrt_session_run(session, 0, 0, inputs, outputs, &error),
                     AIMRT_ERR_INVALID_ARG);
    const void *missing[] = {NULL};
    assert_int_equal(aimrt_session_run(session, 1, 0, missing, outputs, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "input 0 \"x\""));
    aimrt_session *other = NULL;
    assert_int_equal(aimrt_session_create(f->program, device, 0, &other, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_null(other);

    aimrt_session_free(session);
    destroy_device(device);
}

/* A device that records its calls and forwards them to the exact device. */
typedef struct recorder {
    aimrt_device *exact;
    int n_writes;
    int n_mvms;
    int32_t tiles[8];
    int64_t regions[8][4];    /* row0, n_rows, col0, n_cols */
    int64_t n_vectors[8];
    int64_t samples[8][16];
    int64_t mvms[8][16];
    bool fail;
} recorder;

static aimrt_status record_write(void *state, const aimrt_tile_desc *tile, const float *levels)
{
    recorder *r = state;
    r->n_writes++;
    return r->exact->write_tile(r->exact->state, tile, levels);
}

static aimrt_status record_mvm(void *state, int32_t tile, int64_t row0, int64_t n_rows,
                               int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                               double *y, const int64_t *sample_index, const int64_t *mvm_index)
{
    recorder *r = state;
    if (r->fail)
        return AIMRT_ERR_DEVICE;
    if (r->n_mvms < 8) {
        const int i = r->n_mvms;
        r->tiles[i] = tile;
        r->regions[i][0] = row0;
        r->regions[i][1] = n_rows;
        r->regions[i][2] = col0;
        r->regions[i][3] = n_cols;
        r->n_vectors[i] = n_vectors;
        for (int64_t v = 0; v < n_vectors && v < 16; v++) {
            r->samples[i][v] = sample_index[v];
            r->mvms[i][v] = mvm_index[v];
        }
    }
    r->n_mvms++;
    return r->exact->mvm(r->exact->state, tile, row0, n_rows, col0, n_cols, n_vectors, x, y,
                         sample_index, mvm_index);
}

static aimrt_device recording_device(recorder *r)
{
    return (aimrt_device){.size = sizeof(aimrt_device), .version = AIMRT_DEVICE_VERSION,
                          .name = "recorder", .state = r, .write_tile = record_write,
                          .mvm = record_mvm};
}

static void test_runtime_mvm_regions_and_indices(void **state)
{
    fixture *f = *state;
    recorder r = {.exact = create_exact(f->program)};
    const aimrt_device device = recording_device(&r);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(f->program, &device, 3, &session, &error), AIMRT_OK);
    assert_int_equal(r.n_writes, 2);

    float x[3 * 600] = {0}, y[3 * 300];
    const void *inputs[] = {x};
    void *outputs[] = {y};
    assert_int_equal(aimrt_session_run(session, 3, 10, inputs, outputs, &error), AIMRT_OK);

    /* One MVM per block: W rows [0, 512) at tile 0, rows [512, 600) at tile 1 [7, 3]. */
    assert_int_equal(r.n_mvms, 2);
    assert_int_equal(r.tiles[0], 0);
    assert_int_equal(r.regions[0][0], 0);
    assert_int_equal(r.regions[0][1], 512);
    assert_int_equal(r.regions[0][2], 0);
    assert_int_equal(r.regions[0][3], 300);
    assert_int_equal(r.tiles[1], 1);
    assert_int_equal(r.regions[1][0], 7);
    assert_int_equal(r.regions[1][1], 88);
    assert_int_equal(r.regions[1][2], 3);
    assert_int_equal(r.regions[1][3], 300);
    for (int v = 0; v < 3; v++) {
        assert_int_equal(r.n_vectors[1], 3);
        assert_int_equal(r.samples[1][v], 10 + v);
        assert_int_equal(r.mvms[1][v], 0);
    }

    /* A device failure names the op and the tile. */
    r.fail = true;
    assert_int_equal(aimrt_session_run(session, 1, 0, inputs, outputs, &error),
                     AIMRT_ERR_DEVICE);
    assert_non_null(strstr(error.message, "op 0 \"fc\""));
    assert_non_null(strstr(error.message, "tile 0"));

    aimrt_session_free(session);
    destroy_device(r.exact);
}

/* x [batch, 4, 20]: every patch of a sample is one MVM vector with its patch index. */
static void test_runtime_patch_mvm_index(void **state)
{
    fixture *f = build_program(4, 20, 6, true);
    recorder r = {.exact = create_exact(f->program)};
    const aimrt_device device = recording_device(&r);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(f->program, &device, 2, &session, &error), AIMRT_OK);

    float x[2 * 4 * 20], y[2 * 4 * 6];
    double expected[2 * 4 * 6];
    uint32_t seed = 5;
    for (int i = 0; i < 2 * 4 * 20; i++)
        x[i] = next_value(&seed, 1.0f);
    reference(f, 8, x, expected);
    const void *inputs[] = {x};
    void *outputs[] = {y};
    assert_int_equal(aimrt_session_run(session, 2, 100, inputs, outputs, &error), AIMRT_OK);
    expect_close(y, expected, 2 * 4 * 6);

    assert_int_equal(r.n_mvms, 1);
    assert_int_equal(r.n_vectors[0], 8);
    for (int v = 0; v < 8; v++) {
        assert_int_equal(r.samples[0][v], 100 + v / 4);
        assert_int_equal(r.mvms[0][v], v % 4);
    }

    aimrt_session_free(session);
    destroy_device(r.exact);
    *state = f;
}

/* An unbatched program with x [1, 3, 20] runs one sample of three rows. */
static void test_runtime_unbatched_program(void **state)
{
    fixture *f = build_program(3, 20, 6, false);
    *state = f;
    aimrt_io_info info;
    assert_int_equal(aimrt_program_input(f->program, 0, &info), AIMRT_OK);
    assert_false(info.batched);

    aimrt_device *device = create_exact(f->program);
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(f->program, device, 16, &session, &error), AIMRT_OK);

    float x[3 * 20], y[3 * 6];
    double expected[3 * 6];
    uint32_t seed = 8;
    for (int i = 0; i < 3 * 20; i++)
        x[i] = next_value(&seed, 1.0f);
    reference(f, 3, x, expected);
    const void *inputs[] = {x};
    void *outputs[] = {y};
    assert_int_equal(aimrt_session_run(session, 1, 0, inputs, outputs, &error), AIMRT_OK);
    expect_close(y, expected, 3 * 6);
    assert_int_equal(aimrt_session_run(session, 2, 0, inputs, outputs, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "not batched"));

    aimrt_session_free(session);
    destroy_device(device);
}

static void test_exact_device_rejects_bad_region(void **state)
{
    const aimrt_tile_desc tiles[] = {{0, 0, 4, 3}};
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(1, tiles, &device), AIMRT_OK);
    const float levels[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    float x[2] = {1, 2};
    double y[2];
    const int64_t index[1] = {0};

    /* A tile must be written before it is read. */
    assert_int_equal(device->mvm(device->state, 0, 0, 2, 0, 2, 1, x, y, index, index),
                     AIMRT_ERR_INVALID_ARG);
    assert_int_equal(device->write_tile(device->state, &tiles[0], levels), AIMRT_OK);

    /* Rows [1, 3), columns [1, 3): y = 1 * [5, 6] + 2 * [8, 9]. */
    assert_int_equal(device->mvm(device->state, 0, 1, 2, 1, 2, 1, x, y, index, index), AIMRT_OK);
    assert_true(y[0] == 21.0);
    assert_true(y[1] == 24.0);

    assert_int_equal(device->mvm(device->state, 0, 3, 2, 0, 1, 1, x, y, index, index),
                     AIMRT_ERR_INVALID_ARG);
    assert_int_equal(device->mvm(device->state, 0, 0, 1, 2, 2, 1, x, y, index, index),
                     AIMRT_ERR_INVALID_ARG);
    assert_int_equal(device->mvm(device->state, 1, 0, 1, 0, 1, 1, x, y, index, index),
                     AIMRT_ERR_INVALID_ARG);
    assert_int_equal(device->set_time(device->state, -1.0), AIMRT_ERR_INVALID_ARG);
    destroy_device(device);

    const aimrt_tile_desc wrong_index[] = {{3, 0, 4, 3}};
    assert_int_equal(aimrt_device_exact_create(1, wrong_index, &device), AIMRT_ERR_INVALID_ARG);
}

static void test_session_rejects_old_device(void **state)
{
    fixture *f = *state;
    recorder r = {.exact = create_exact(f->program)};
    aimrt_device device = recording_device(&r);
    device.version = AIMRT_DEVICE_VERSION + 1;
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_session_create(f->program, &device, 1, &session, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "interface version"));
    assert_null(session);
    destroy_device(r.exact);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runtime_mlp_batch_three, setup_mlp,
                                        teardown_program),
        cmocka_unit_test_setup_teardown(test_runtime_batch_out_of_range, setup_mlp,
                                        teardown_program),
        cmocka_unit_test_setup_teardown(test_runtime_mvm_regions_and_indices, setup_mlp,
                                        teardown_program),
        cmocka_unit_test_teardown(test_runtime_patch_mvm_index, teardown_program),
        cmocka_unit_test_teardown(test_runtime_unbatched_program, teardown_program),
        cmocka_unit_test(test_exact_device_rejects_bad_region),
        cmocka_unit_test_setup_teardown(test_session_rejects_old_device, setup_mlp,
                                        teardown_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
