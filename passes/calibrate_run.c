/* SPDX-License-Identifier: MIT */
/*
 * Runs the module in its current state over the calibration samples. The
 * module is emitted into memory and loaded with libaimrt. On the exact device
 * an op observer gathers each LINEAR op's |x| histogram and probe rows, and a
 * sim device records the pre-ADC signals. Samples are fed in order with their
 * global index, so the results depend on the data alone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/emit.h"
#include "passes/calibrate.h"

/* Samples per run of a batched program. */
#define CALIB_BATCH 64

/* The buffers of one pass over the data. */
typedef struct calib_feed {
    aimrt_io_info input;
    int64_t batch;       /* samples per run */
    void *input_data;
    int n_outputs;
    void **output_data;
} calib_feed;

/* Stores value in element i of data as dtype: round half to even and
 * saturate for integers, as `aimcc eval` converts. */
static void store_element(void *data, aimrt_dtype dtype, int64_t i, float value)
{
    const double r = nearbyint((double)value);
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT: ((float *)data)[i] = value; break;
    case AIMRT_DTYPE_DOUBLE: ((double *)data)[i] = value; break;
    case AIMRT_DTYPE_UINT8: ((uint8_t *)data)[i] = (uint8_t)fmin(fmax(r, 0), UINT8_MAX); break;
    case AIMRT_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)fmin(fmax(r, INT8_MIN), INT8_MAX); break;
    case AIMRT_DTYPE_INT16:
        ((int16_t *)data)[i] = (int16_t)fmin(fmax(r, INT16_MIN), INT16_MAX);
        break;
    case AIMRT_DTYPE_INT32:
        ((int32_t *)data)[i] = (int32_t)fmin(fmax(r, INT32_MIN), INT32_MAX);
        break;
    default: ((int64_t *)data)[i] = (int64_t)fmin(fmax(r, -0x1p63), 0x1p63 - 1024); break;
    }
}

static bool dtype_supported(aimrt_dtype dtype)
{
    return dtype == AIMRT_DTYPE_FLOAT || dtype == AIMRT_DTYPE_DOUBLE ||
           dtype == AIMRT_DTYPE_UINT8 || dtype == AIMRT_DTYPE_INT8 ||
           dtype == AIMRT_DTYPE_INT16 || dtype == AIMRT_DTYPE_INT32 || dtype == AIMRT_DTYPE_INT64;
}

/* Records the rows of one LINEAR op's call in its histogram and sample. */
static void observe(void *user, int op_index, const char *node, int op_code, int n_inputs,
                    const aimrt_tensor *inputs, int n_outputs, const aimrt_tensor *outputs)
{
    (void)node;
    calib_state *state = user;
    if (op_code != AIMRT_OP_LINEAR || op_index < 0 || op_index >= state->n_program_ops ||
        n_inputs < 1 || n_outputs < 1)
        return;
    calib_op *item = state->by_index[op_index];
    const aimrt_tensor *x = &inputs[0], *y = &outputs[0];
    if (item == NULL || x->data == NULL || y->data == NULL || x->dtype != AIMRT_DTYPE_FLOAT ||
        y->dtype != AIMRT_DTYPE_FLOAT)
        return;
    int64_t count = 0;
    if (!aimrt_shape_count(x->rank, x->dims, 0, &count) || item->k <= 0)
        return;
    const int64_t rows = count / item->k;
    if (item->histogram != NULL)
        aimcc_calib_histogram_add(item->histogram, x->data, count);
    state->rows_gathered += rows;
    if (item->sample.capacity == 0 || state->batch <= 0 || rows % state->batch != 0)
        return;
    const int64_t rows_per_sample = rows / state->batch;
    const float *xs = x->data, *ys = y->data;
    for (int64_t r = 0; r < rows; r++) {
        const int64_t global = state->first_sample * rows_per_sample + r;
        aimcc_calib_sample_offer(&item->sample, aimcc_calib_row_key(op_index, global),
                                 xs + r * item->k, ys + r * item->n);
    }
}

/* Checks that a calibration sample fits the program's one graph input. */
static aimcc_status plan_feed(calib_state *state, const aimrt_program *program, calib_feed *feed)
{
    const aimcc_options *options = state->options;
    aimcc_ctx_set_file(state->ctx, options->calib_name);
    if (aimrt_program_n_inputs(program) != 1)
        return aimcc_fail(state->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "calibration feeds one graph input, but the model has %d; compile "
                          "without --calib",
                          aimrt_program_n_inputs(program));
    aimrt_program_input(program, 0, &feed->input);
    int64_t count = 0;
    aimrt_shape_count(feed->input.rank, feed->input.dims, 0, &count);
    if (count != options->calib_sample_elements)
        return aimcc_fail(state->ctx, AIMCC_ERR_INVALID_ARG, feed->input.name, NULL,
                          "graph input has %lld elements per run but a calibration sample has "
                          "%lld; give samples with as many elements as the input",
                          (long long)count, (long long)options->calib_sample_elements);
    if (!dtype_supported(feed->input.dtype))
        return aimcc_fail(state->ctx, AIMCC_ERR_UNSUPPORTED, feed->input.name, NULL,
                          "calibration inputs cannot be converted to %s; export the model with "
                          "a float or integer input",
                          aimrt_dtype_name(feed->input.dtype));
    feed->batch = feed->input.batched ? CALIB_BATCH : 1;
    return AIMCC_OK;
}

/* Allocates the input and output buffers of feed->batch samples. */
static aimcc_status allocate_feed(calib_state *state, const aimrt_program *program,
                                  calib_feed *feed)
{
    const size_t size = aimrt_dtype_size(feed->input.dtype);
    feed->input_data = calloc((size_t)(feed->batch * state->options->calib_sample_elements), size);
    feed->n_outputs = aimrt_program_n_outputs(program);
    feed->output_data = calloc((size_t)feed->n_outputs + 1, sizeof(void *));
    bool ok = feed->input_data != NULL && feed->output_data != NULL;
    for (int i = 0; ok && i < feed->n_outputs; i++) {
        aimrt_io_info output;
        int64_t count = 0;
        aimrt_program_output(program, i, &output);
        ok = aimrt_shape_count(output.rank, output.dims, 0, &count);
        const int64_t n = count * (output.batched ? feed->batch : 1);
        ok = ok && (feed->output_data[i] = calloc((size_t)n + 1, aimrt_dtype_size(output.dtype)));
    }
    if (!ok)
        return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory for the calibration buffers");
    return AIMCC_OK;
}

static void free_feed(calib_feed *feed)
{
    free(feed->input_data);
    for (int i = 0; feed->output_data != NULL && i < feed->n_outputs; i++)
        free(feed->output_data[i]);
    free(feed->output_data);
}

/* Creates the device of a run: exact, or sim with seed and recorded signals. */
static aimcc_status create_device(calib_state *state, const aimrt_program *program,
                                  calib_device kind, uint64_t seed, aimrt_device **device)
{
    aimrt_status rt;
    if (kind == CALIB_DEVICE_EXACT) {
        const int32_t n_tiles = aimrt_program_n_tiles(program);
        aimrt_tile_desc *tiles = calloc((size_t)n_tiles + 1, sizeof *tiles);
        if (tiles == NULL)
            return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
        aimrt_program_tiles(program, tiles);
        rt = aimrt_device_exact_create(n_tiles, tiles, device);
        free(tiles);
    } else {
        aimrt_sim_options options;
        aimrt_sim_options_defaults(&options);
        options.seed = seed;
        options.flags |= AIMRT_SIM_RECORD_SIGNALS;
        rt = aimrt_device_sim_create(program, &options, device);
    }
    if (rt != AIMRT_OK)
        return aimcc_fail(state->ctx, rt == AIMRT_ERR_NOMEM ? AIMCC_ERR_NOMEM : AIMCC_ERR_INTERNAL,
                          NULL, NULL, "cannot create the %s device for calibration (%s)",
                          kind == CALIB_DEVICE_EXACT ? "exact" : "sim", aimrt_status_name(rt));
    return AIMCC_OK;
}

/* Feeds calibration samples [begin, end) through the session in runs of
 * feed->batch, each run keyed by the global index of its first sample. */
static aimcc_status feed_samples(calib_state *state, aimrt_session *session, calib_feed *feed,
                                 int64_t begin, int64_t end, const char *step)
{
    const aimcc_options *options = state->options;
    const int64_t per_sample = options->calib_sample_elements;
    state->rows_gathered = 0;
    for (int64_t first = begin; first < end; first += feed->batch) {
        const int64_t remaining = end - first;
        const int64_t n = remaining < feed->batch ? remaining : feed->batch;
        for (int64_t i = 0; i < n * per_sample; i++)
            store_element(feed->input_data, feed->input.dtype, i,
                          options->calib_inputs[first * per_sample + i]);
        state->first_sample = first;
        state->batch = n;
        aimrt_error error = {0};
        const void *inputs[1] = {feed->input_data};
        const aimrt_status rt = aimrt_session_run(session, n, first, inputs,
                                                  (void *const *)feed->output_data, &error);
        if (rt != AIMRT_OK)
            return aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                              "calibration sample %lld failed to run: %s", (long long)first,
                              error.message);
        if (options->progress != NULL)
            options->progress(options->progress_user, step, first + n - begin, end - begin);
    }
    return AIMCC_OK;
}

aimcc_status calib_run(calib_state *state, calib_device kind, uint64_t seed, int64_t begin,
                       int64_t end,
                       aimcc_status (*on_sim)(calib_state *state, const aimrt_program *program,
                                              const aimrt_device *device))
{
    void *bytes = NULL;
    size_t size = 0;
    aimrt_program *program = NULL;
    aimrt_device *device = NULL;
    aimrt_session *session = NULL;
    calib_feed feed = {0};
    aimcc_status status = aimcc_emit_program_bytes(state->ctx, state->module, &bytes, &size);
    if (status != AIMCC_OK)
        goto cleanup;
    aimrt_error error = {0};
    if (aimrt_program_load(bytes, size, &program, &error) != AIMRT_OK) {
        status = aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                            "the program built for calibration does not load: %s", error.message);
        goto cleanup;
    }
    status = plan_feed(state, program, &feed);
    if (status == AIMCC_OK)
        status = allocate_feed(state, program, &feed);
    if (status == AIMCC_OK)
        status = create_device(state, program, kind, seed, &device);
    if (status != AIMCC_OK)
        goto cleanup;
    if (aimrt_session_create(program, device, feed.batch, &session, &error) != AIMRT_OK) {
        status = aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                            "cannot create a calibration session: %s", error.message);
        goto cleanup;
    }
    aimrt_op_observer observer = state->observer;
    void *observer_user = state->observer_user;
    if (observer == NULL && kind == CALIB_DEVICE_EXACT) {
        observer = observe;
        observer_user = state;
    }
    if (observer != NULL &&
        aimrt_session_set_observer(session, observer, observer_user) != AIMRT_OK) {
        status = aimcc_fail(state->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                            "the runtime rejected the calibration observer");
        goto cleanup;
    }
    status = feed_samples(state, session, &feed, begin, end,
                          kind == CALIB_DEVICE_EXACT ? "exact" : "sim");
    if (status == AIMCC_OK && kind == CALIB_DEVICE_SIM && on_sim != NULL)
        status = on_sim(state, program, device);

cleanup:
    aimrt_session_free(session);
    if (device != NULL) {
        device->destroy(device->state);
        aimrt_device_free(device);
    }
    aimrt_program_free(program);
    free_feed(&feed);
    free(bytes);
    return status;
}
