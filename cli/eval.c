/* SPDX-License-Identifier: MIT */
/*
 * aimcc eval: top-1 accuracy of a compiled program on a labelled data set.
 * Each sample of X is scaled and shifted in float, cast to the graph input's
 * dtype, reshaped to the input's shape, and run in batches. The first maximum
 * of output 0 is the prediction. With --repeat R the evaluation runs on seeds
 * seed .. seed+R-1, each on a new device with new static draws, and the command
 * reports the mean and the standard deviation.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "progress.h"
#include "tensor_file.h"

enum {
    OPT_INPUTS = 1,
    OPT_LABELS,
    OPT_SCALE,
    OPT_SHIFT,
    OPT_OFFSET,
    OPT_LIMIT,
    OPT_BATCH,
    OPT_REPEAT,
    OPT_JSON,
};

static const cli_option eval_options[] = {
    {OPT_INPUTS, "--inputs", NULL, "X.npy",
     "Input samples, first axis = samples, any numeric dtype. Required."},
    {OPT_LABELS, "--labels", NULL, "Y.npy",
     "Class labels, one integer per sample (1-D, any integer dtype). Required."},
    {OPT_SCALE, "--scale", NULL, "A", "Multiply every input value by A, in float. Default: 1."},
    {OPT_SHIFT, "--shift", NULL, "B", "Add B to every input value after --scale. Default: 0."},
    {OPT_OFFSET, "--offset", NULL, "K", "Index of the first sample to evaluate. Default: 0."},
    {OPT_LIMIT, "--limit", NULL, "N",
     "Evaluate N samples from --offset on. Default: all the rest."},
    {OPT_BATCH, "--batch", NULL, "N",
     "Samples per run for batched programs (1 to 65536). Programs with a fixed batch run one "
     "sample, or one exported batch, at a time. Default: 64."},
    CLI_DEVICE_OPTIONS,
    {OPT_REPEAT, "--repeat", NULL, "R",
     "Repeat the evaluation on the seeds seed to seed+R-1 and report the mean and standard "
     "deviation (1 to 1000000). Default: 1."},
    {OPT_JSON, "--json", NULL, NULL,
     "Print one JSON object: top1 and top1_std (fractions in [0, 1]), samples, repeat, seconds "
     "and more."},
    CLI_PROGRAM_LIMIT_OPTIONS,
    CLI_SESSION_LIMIT_OPTIONS,
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_eval_command = {
    .name = "eval",
    .usage = "aimcc eval PROG.aimc --inputs X.npy --labels Y.npy [--scale A] [--shift B] "
             "[--offset K] [--limit N] [--batch N] [--device exact|sim] [--seed N] "
             "[--time SECONDS] [--repeat R] [--json] [--max-program-bytes N] "
             "[--max-session-bytes N] ...",
    .summary = "Measure the top-1 accuracy of a program on labelled samples. Each sample is "
               "computed as X*A+B in float, cast to the graph input's dtype (round half to even, "
               "saturating) and reshaped to the input's shape; the first maximum of output 0 is "
               "the prediction. Prints the accuracy, the sample count, the repeat count and the "
               "wall time in seconds.",
    .options = eval_options,
};

/* Applies one option that takes a number; returns an exit status or -1. */
static int apply_number(eval_request *request, int id, const char *value)
{
    const cli_command *command = &cli_eval_command;
    bool ok = true;
    double number = 0.0;
    switch (id) {
    case OPT_SCALE:
    case OPT_SHIFT:
        /* The arithmetic runs in float, so A and B must fit one. */
        ok = cli_parse_double(command, id == OPT_SCALE ? "--scale" : "--shift", value, -3.4e38,
                              3.4e38, &number);
        if (id == OPT_SCALE)
            request->scale = (float)number;
        else
            request->shift = (float)number;
        break;
    case OPT_OFFSET: ok = cli_parse_int(command, "--offset", value, 0, INT64_MAX, &request->offset); break;
    case OPT_LIMIT: ok = cli_parse_int(command, "--limit", value, 1, INT64_MAX, &request->limit); break;
    case OPT_BATCH: ok = cli_parse_int(command, "--batch", value, 1, 65536, &request->batch); break;
    case OPT_REPEAT: ok = cli_parse_int(command, "--repeat", value, 1, 1000000, &request->repeat); break;
    default: return cli_device_options_apply(command, &request->device, id, value);
    }
    return ok ? -1 : CLI_EXIT_USAGE;
}

/* Parses the arguments; returns an exit status or -1 to go on. */
static int parse_arguments(int argc, char **argv, eval_request *request)
{
    cli_args args;
    cli_args_init(&args, &cli_eval_command, argc, argv);
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        int status = -1;
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (request->program)
                return cli_usage_error(&cli_eval_command,
                                       "one program expected, but got \"%s\" and \"%s\"",
                                       request->program, value);
            request->program = value;
            break;
        case OPT_INPUTS: request->inputs = value; break;
        case OPT_LABELS: request->labels = value; break;
        case OPT_JSON: request->json = true; break;
        default: status = apply_number(request, id, value);
        }
        if (status >= 0)
            return status;
    }
    if (!request->program)
        return cli_usage_error(&cli_eval_command, "missing the program file PROG.aimc");
    if (!request->inputs || !request->labels)
        return cli_usage_error(&cli_eval_command, "missing %s",
                               request->inputs ? "--labels Y.npy" : "--inputs X.npy");
    if (request->device.seed > INT64_MAX - (request->repeat - 1))
        return cli_usage_error(&cli_eval_command,
                               "--seed %lld with --repeat %lld runs past the largest seed %lld",
                               (long long)request->device.seed, (long long)request->repeat,
                               (long long)INT64_MAX);
    return -1;
}

/* Prints the result as text or JSON. */
static int print_result(const eval_request *request, const eval_result *result)
{
    if (!request->json) {
        if (request->repeat == 1)
            printf("top1 %.4f (%lld/%lld) samples %lld repeat 1 seconds %.1f\n", result->top1,
                   (long long)result->correct[0], (long long)result->samples,
                   (long long)result->samples, result->seconds);
        else
            printf("top1 %.4f std %.4f samples %lld repeat %lld seconds %.1f\n", result->top1,
                   result->top1_std, (long long)result->samples, (long long)request->repeat,
                   result->seconds);
        return CLI_EXIT_OK;
    }

    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "top1", result->top1);
    cJSON_AddNumberToObject(root, "top1_std", result->top1_std);
    cJSON_AddNumberToObject(root, "samples", (double)result->samples);
    cJSON_AddNumberToObject(root, "offset", (double)request->offset);
    cJSON_AddNumberToObject(root, "repeat", (double)request->repeat);
    cJSON_AddNumberToObject(root, "seed", (double)request->device.seed);
    cJSON_AddStringToObject(root, "device", result->device ? result->device : "exact");
    cJSON_AddNumberToObject(root, "time_s", request->device.time_s);
    cJSON_AddNumberToObject(root, "seconds", result->seconds);
    cJSON_AddStringToObject(root, "program", request->program);
    cJSON *correct = cJSON_AddArrayToObject(root, "correct");
    for (int64_t r = 0; correct && r < request->repeat; r++)
        cJSON_AddItemToArray(correct, cJSON_CreateNumber((double)result->correct[r]));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return cli_error("out of memory formatting the JSON result");
    printf("%s\n", text);
    cJSON_free(text);
    return CLI_EXIT_OK;
}

int cli_eval_main(int argc, char **argv)
{
    eval_request request = {.scale = 1.0f, .limit = -1, .batch = 64, .repeat = 1};
    cli_device_options_init(&request.device);
    int exit_status = parse_arguments(argc, argv, &request);
    if (exit_status >= 0)
        return exit_status;

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    eval_result result = {0};
    if (!ctx || !arena) {
        exit_status = cli_error("out of memory");
        goto cleanup;
    }
    const aimcc_status status = cli_eval_run(ctx, arena, &request, &result);
    exit_status = status == AIMCC_OK ? print_result(&request, &result) : cli_report(ctx);

cleanup:
    free(result.correct);
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
    return exit_status;
}
