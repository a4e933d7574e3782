/* SPDX-License-Identifier: MIT */
/*
 * The evaluation behind `aimcc eval`: the request the command line makes and
 * the accuracy it yields.
 */
#ifndef AIMCC_CLI_EVAL_H
#define AIMCC_CLI_EVAL_H

#include "ir/arena.h"
#include "session.h"

/* The options of one eval command. Paths are borrowed. */
typedef struct eval_request {
    const char *program;
    const char *inputs;  /* X: first axis = samples */
    const char *labels;  /* Y: one integer label per sample */
    float scale;         /* A in X*A+B */
    float shift;         /* B in X*A+B */
    int64_t offset;      /* first sample */
    int64_t limit;       /* samples to evaluate; -1 = all from offset on */
    int64_t batch;       /* samples per run of a batched program */
    int64_t repeat;      /* seeds seed .. seed+repeat-1 */
    bool json;
    cli_device_options device;
} eval_request;

/* Accuracy over the seeds. */
typedef struct eval_result {
    double top1;         /* mean fraction correct over the seeds */
    double top1_std;     /* population standard deviation (ddof 0) over the seeds */
    int64_t samples;     /* samples per seed */
    int64_t *correct;    /* per seed; malloc'd, caller frees */
    double seconds;      /* wall time of the runs, every seed together */
    const char *device;  /* the device the runs used: --device or the program's default */
} eval_result;

/* Loads the program and the data, runs every seed, and fills *result.
 * Errors name the program or data file and the values that disagree. */
aimcc_status cli_eval_run(aimcc_ctx *ctx, aimcc_arena *arena, const eval_request *request,
                          eval_result *result);

#endif
