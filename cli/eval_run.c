/* SPDX-License-Identifier: MIT */
/*
 * The evaluation loop of `aimcc eval`. It checks that X, Y and the program fit
 * together. Then for every seed it creates the device, feeds the samples in
 * batches and counts the correct top-1 predictions. Each run passes the global
 * index of its first sample, which keys the device's dynamic noise, so the
 * batch size does not change the result.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "eval.h"
#include "progress.h"
#include "tensor_file.h"

/* How samples map onto runs of the program. */
typedef struct eval_plan {
    aimrt_tensor x;
    aimrt_tensor y;
    int64_t n_samples;     /* first dimension of X */
    int64_t sample_count;  /* elements per sample of X */
    aimrt_io_info input;   /* the graph input */
    int64_t group;         /* samples in one run of an unbatched program (1 or its fixed batch) */
    int64_t run_samples;   /* most samples one run takes */
    int64_t classes;       /* elements of output 0 per sample */
    int n_outputs;
    void *input_data;
    void **output_data;
} eval_plan;

/* Reads X and Y and checks the labels and the sample range. */
static aimcc_status load_data(aimcc_ctx *ctx, aimcc_arena *arena, const eval_request *request,
                              eval_plan *plan, int64_t *limit)
{
    const char *name = NULL;
    aimcc_status status = cli_tensor_read(ctx, arena, "--inputs", request->inputs, &name, &plan->x);
    if (status == AIMCC_OK)
        status = cli_tensor_read(ctx, arena, "--labels", request->labels, &name, &plan->y);
    if (status != AIMCC_OK)
        return status;

    aimcc_ctx_set_file(ctx, request->inputs);
    int64_t count = 0;
    aimrt_shape_count(plan->x.rank, plan->x.dims, 0, &count);
    if (plan->x.rank < 1 || plan->x.dims[0] < 1 || plan->x.dtype == AIMRT_DTYPE_UNDEFINED)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "no samples: X needs a first axis of at least one sample, but its rank "
                          "is %d",
                          plan->x.rank);
    plan->n_samples = plan->x.dims[0];
    plan->sample_count = count / plan->n_samples;

    aimcc_ctx_set_file(ctx, request->labels);
    char shape[256];
    cli_format_shape(plan->y.dtype, plan->y.rank, plan->y.dims, shape, sizeof shape);
    if (plan->y.rank != 1 || !cli_dtype_is_integer(plan->y.dtype))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "labels must be 1-D integers, one per sample of %s, but they are %s",
                          request->inputs, shape);
    if (plan->y.dims[0] != plan->n_samples) {
        /* Either file may be the wrong one, so the message blames neither. */
        char x_shape[256];
        cli_format_shape(plan->x.dtype, plan->x.rank, plan->x.dims, x_shape, sizeof x_shape);
        aimcc_ctx_set_file(ctx, NULL);
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s contains %lld sample%s (the first axis of its shape %s) but %s "
                          "contains %lld label%s; give one label per sample",
                          request->inputs, (long long)plan->n_samples,
                          plan->n_samples == 1 ? "" : "s", x_shape, request->labels,
                          (long long)plan->y.dims[0], plan->y.dims[0] == 1 ? "" : "s");
    }

    aimcc_ctx_set_file(ctx, request->inputs);
    if (request->offset >= plan->n_samples)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "--offset %lld is past the last sample, %lld; give an offset from 0 "
                          "to %lld",
                          (long long)request->offset, (long long)plan->n_samples - 1,
                          (long long)plan->n_samples - 1);
    *limit = request->limit < 0 ? plan->n_samples - request->offset : request->limit;
    if (*limit > plan->n_samples - request->offset)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "--offset %lld --limit %lld runs past the %lld sample%s; lower "
                          "--limit to at most %lld",
                          (long long)request->offset, (long long)*limit,
                          (long long)plan->n_samples, plan->n_samples == 1 ? "" : "s",
                          (long long)(plan->n_samples - request->offset));
    return AIMCC_OK;
}

/* Matches a sample of X with the graph input: one sample per run, or a fixed batch of them. */
static aimcc_status plan_input(aimcc_ctx *ctx, const eval_request *request,
                               const aimrt_program *program, eval_plan *plan)
{
    aimcc_ctx_set_file(ctx, request->program);
    if (aimrt_program_n_inputs(program) != 1)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "eval feeds one graph input, but the program has %d; use aimcc run "
                          "for programs with several inputs",
                          aimrt_program_n_inputs(program));
    aimrt_program_input(program, 0, &plan->input);
    const aimrt_io_info *input = &plan->input;
    int64_t input_count = 0;
    aimrt_shape_count(input->rank, input->dims, 0, &input_count);

    plan->group = 1;
    if (!input->batched && input->rank > 1 && input->dims[0] > 1 &&
        plan->sample_count * input->dims[0] == input_count)
        plan->group = input->dims[0];
    if (plan->sample_count * plan->group != input_count) {
        char want[256], have[256];
        cli_format_shape(input->dtype, input->rank, input->dims, want, sizeof want);
        cli_format_shape(plan->x.dtype, plan->x.rank - 1, plan->x.dims + 1, have, sizeof have);
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, input->name, NULL,
                          "graph input has shape %s (%lld element%s) but a sample of %s has "
                          "shape %s (%lld element%s); give samples with as many elements as "
                          "the input",
                          want, (long long)input_count, input_count == 1 ? "" : "s",
                          request->inputs, have, (long long)plan->sample_count,
                          plan->sample_count == 1 ? "" : "s");
    }
    const int skip = input->batched || plan->group > 1 ? 1 : 0;
    cli_warn_sample_layout(request->inputs, &plan->x, input->name, input->dtype,
                           input->rank - skip, input->dims + skip);
    plan->run_samples = input->batched ? request->batch : plan->group;
    return AIMCC_OK;
}

/* Checks output 0 and sizes the prediction rows. */
static aimcc_status plan_output(aimcc_ctx *ctx, const aimrt_program *program, eval_plan *plan)
{
    plan->n_outputs = aimrt_program_n_outputs(program);
    aimrt_io_info output;
    if (plan->n_outputs < 1 || aimrt_program_output(program, 0, &output) != AIMRT_OK)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL, "the program has no outputs");
    int64_t count = 0;
    aimrt_shape_count(output.rank, output.dims, 0, &count);
    if (plan->input.batched != (output.batched != 0) || count % plan->group != 0 ||
        count / plan->group < 1)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, output.name, NULL,
                          "output 0 (%lld element%s per run) does not give one row of class "
                          "scores per sample (%lld sample%s per run, %s); eval needs a "
                          "classifier output",
                          (long long)count, count == 1 ? "" : "s", (long long)plan->group,
                          plan->group == 1 ? "" : "s",
                          plan->input.batched ? "batched" : "fixed batch");
    plan->classes = count / plan->group;
    return AIMCC_OK;
}

/* Allocates the input and output buffers for run_samples samples. */
static aimcc_status allocate_buffers(aimcc_ctx *ctx, aimcc_arena *arena,
                                     const aimrt_program *program, eval_plan *plan)
{
    const int64_t batch = plan->input.batched ? plan->run_samples : 1;
    plan->output_data = aimcc_arena_calloc(arena, (size_t)plan->n_outputs, sizeof(void *));
    int64_t count = 0;
    const size_t in_size = aimrt_dtype_size(plan->input.dtype);
    bool ok = plan->output_data &&
              aimrt_shape_count(plan->input.rank, plan->input.dims, in_size, &count) &&
              (plan->input_data = aimcc_arena_calloc(arena, (size_t)(count * batch), in_size));
    for (int i = 0; ok && i < plan->n_outputs; i++) {
        aimrt_io_info output;
        aimrt_program_output(program, i, &output);
        const size_t out_size = aimrt_dtype_size(output.dtype);
        ok = aimrt_shape_count(output.rank, output.dims, out_size, &count) &&
             (plan->output_data[i] = aimcc_arena_calloc(
                  arena, (size_t)(count * (output.batched ? batch : 1)), out_size));
    }
    if (!ok)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory for the buffers of %lld samples; lower --batch",
                          (long long)batch);
    return AIMCC_OK;
}

/* Converts samples [first, first+n) into the input buffer as X*A+B cast to the input's dtype;
 * the unused samples of a fixed batch are zero. */
static void feed_samples(const eval_plan *plan, const eval_request *request, int64_t first,
                         int64_t n)
{
    const int64_t per_sample = plan->sample_count;
    for (int64_t i = 0; i < n * per_sample; i++) {
        const float x = (float)cli_element_get(plan->x.data, plan->x.dtype, first * per_sample + i);
        cli_element_set(plan->input_data, plan->input.dtype, i, x * request->scale + request->shift);
    }
    const int64_t size = (int64_t)aimrt_dtype_size(plan->input.dtype);
    if (n < plan->run_samples && !plan->input.batched)
        memset((char *)plan->input_data + n * per_sample * size, 0,
               (size_t)((plan->run_samples - n) * per_sample * size));
}

/* Counts the samples among [first, first+n) whose first maximum of output 0 is the label. */
static int64_t count_correct(const eval_plan *plan, int64_t first, int64_t n,
                             const aimrt_program *program)
{
    aimrt_io_info output;
    aimrt_program_output(program, 0, &output);
    int64_t correct = 0;
    for (int64_t s = 0; s < n; s++) {
        /* NaN scores never win; a row of NaN predicts no class. */
        int64_t best = -1;
        double best_score = 0.0;
        for (int64_t c = 0; c < plan->classes; c++) {
            const double score = cli_element_get(plan->output_data[0], output.dtype,
                                                 s * plan->classes + c);
            if (!isnan(score) && (best < 0 || score > best_score)) {
                best = c;
                best_score = score;
            }
        }
        const double label = cli_element_get(plan->y.data, plan->y.dtype, first + s);
        correct += best >= 0 && (double)best == label;
    }
    return correct;
}

/* Runs samples [offset, offset+limit) on one seed; adds the correct count to *correct. */
static aimcc_status run_seed(aimcc_ctx *ctx, const eval_request *request, cli_session *session,
                             const eval_plan *plan, int64_t seed, int64_t limit,
                             cli_progress *progress, int64_t *done, int64_t *correct)
{
    const int64_t max_batch = plan->input.batched ? plan->run_samples : 1;
    aimcc_status status = cli_session_start(ctx, session, &request->device, seed, max_batch);
    for (int64_t start = 0; status == AIMCC_OK && start < limit; start += plan->run_samples) {
        const int64_t first = request->offset + start;
        const int64_t n = limit - start < plan->run_samples ? limit - start : plan->run_samples;
        feed_samples(plan, request, first, n);
        const void *inputs[1] = {plan->input_data};
        aimrt_error error = {0};
        if (aimrt_session_run(session->session, plan->input.batched ? n : 1, first, inputs,
                              plan->output_data, &error) != AIMRT_OK)
            return cli_fail_runtime(ctx, request->program, &error);
        *correct += count_correct(plan, first, n, session->program);
        *done += n;
        cli_progress_update(progress, *done);
    }
    return status;
}

/* Fills the mean and the population standard deviation of the accuracy. */
static void summarize(const eval_request *request, eval_result *result)
{
    double sum = 0.0;
    for (int64_t r = 0; r < request->repeat; r++)
        sum += (double)result->correct[r] / (double)result->samples;
    result->top1 = sum / (double)request->repeat;
    double squares = 0.0;
    for (int64_t r = 0; r < request->repeat; r++) {
        const double d = (double)result->correct[r] / (double)result->samples - result->top1;
        squares += d * d;
    }
    result->top1_std = sqrt(squares / (double)request->repeat);
}

aimcc_status cli_eval_run(aimcc_ctx *ctx, aimcc_arena *arena, const eval_request *request,
                          eval_result *result)
{
    eval_plan plan = {0};
    cli_session session = {0};
    int64_t limit = 0;
    aimcc_status status = cli_session_load(ctx, request->program, &request->device.limits,
                                           &session);
    if (status == AIMCC_OK)
        status = load_data(ctx, arena, request, &plan, &limit);
    if (status == AIMCC_OK)
        status = plan_input(ctx, request, session.program, &plan);
    if (status == AIMCC_OK)
        status = plan_output(ctx, session.program, &plan);
    if (status == AIMCC_OK)
        status = allocate_buffers(ctx, arena, session.program, &plan);
    result->correct = calloc((size_t)request->repeat, sizeof *result->correct);
    if (status == AIMCC_OK && !result->correct)
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");

    cli_progress progress;
    cli_progress_start(&progress, limit * request->repeat);
    const double start_s = cli_now_seconds();
    int64_t done = 0;
    for (int64_t r = 0; status == AIMCC_OK && r < request->repeat; r++)
        status = run_seed(ctx, request, &session, &plan, request->device.seed + r, limit,
                          &progress, &done, &result->correct[r]);
    result->seconds = cli_now_seconds() - start_s;
    result->device = session.device_name ? session.device_name : "exact";
    cli_progress_finish(&progress);
    cli_session_close(&session);

    result->samples = limit;
    if (status == AIMCC_OK)
        summarize(request, result);
    return status;
}
