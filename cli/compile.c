/* SPDX-License-Identifier: MIT */
/*
 * aimcc compile: compiles an ONNX model for a target through the pass
 * pipeline and writes the binary program (.aimc), and with --report a JSON
 * report of the tiles each layer uses. Nothing is written when the
 * compilation fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "convert.h"
#include "ir/ir.h"
#include "progress.h"
#include "tensor_file.h"

enum {
    OPT_OUTPUT = 1,
    OPT_DUMP_AFTER,
    OPT_DUMP_DIR,
    OPT_DUMP_WEIGHTS,
    OPT_VERIFY_EACH,
    OPT_CALIB,
    OPT_SCALE,
    OPT_SHIFT,
    OPT_REPORT,
};

static const cli_option compile_options[] = {
    {OPT_OUTPUT, "--output", "-o", "PROG.aimc", "Write the compiled program to this file. Required."},
    CLI_MODEL_OPTIONS,
    {OPT_DUMP_AFTER, "--dump-after", NULL, "PASS|all",
     "Write the IR text dump after this pass (import, canonicalize, select-domain, quantize, "
     "map, bit-slice, encode, calibrate, schedule; all for the import and every pass) to "
     "DIR/NN-PASS.ir."},
    {OPT_DUMP_DIR, "--dump-dir", NULL, "DIR",
     "Folder for the dumps of --dump-after; it must exist. Default: the current folder."},
    {OPT_DUMP_WEIGHTS, "--dump-weights", NULL, NULL,
     "Print every constant value in dumps, so they parse back, instead of shape and checksum."},
    {OPT_VERIFY_EACH, "--verify-each", NULL, NULL,
     "Run the IR verifier after every pass."},
    {OPT_CALIB, "--calib", NULL, "X.npy",
     "Calibration inputs (.npy or .pb, first axis = samples): the calibrate pass sets input "
     "and ADC ranges from them and stores probe rows (docs/calibration.md). On a target "
     "of several tile kinds, select-domain also measures each layer's error per kind and "
     "its sensitivity on the first select.samples of them (docs/cost-model.md)."},
    {OPT_SCALE, "--scale", NULL, "A",
     "Multiply the calibration inputs by A, in float, as aimcc eval does. Default 1."},
    {OPT_SHIFT, "--shift", NULL, "B",
     "Add B to the calibration inputs after --scale. Default 0."},
    {OPT_REPORT, "--report", NULL, "REPORT.json",
     "Also write a JSON report: per linear layer its tile kind and domain with the reason, "
     "tiles, blocks, cells and utilization; per tile kind and in total the tiles used against "
     "the budget; energy in pJ, latency in ns and area in um^2 per layer and in total "
     "(docs/cost-model.md)."},
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_compile_command = {
    .name = "compile",
    .usage = "aimcc compile MODEL.onnx -o PROG.aimc [-t TARGET] [--set KEY=VALUE ...] "
             "[--dim NAME=VALUE ...] [--const NAME=FILE.pb ...] [--calib X.npy [--scale A] "
             "[--shift B]] [--dump-after PASS|all] "
             "[--dump-dir DIR] [--dump-weights] [--verify-each] [--report REPORT.json]",
    .summary = "Compile an ONNX model for a target and write the binary program. The model is "
               "imported, lowered to the IR and run through the pass pipeline; the program is "
               "written atomically, and nothing is written on failure.",
    .options = compile_options,
    .verbose_help = "Print more: -v adds info messages (each pass with its time, the tiles of "
                    "each layer), -vv also debug messages (lowering and slicing choices per node).",
};

/* The calibration data of --calib, --scale and --shift. */
typedef struct calib_request {
    const char *path;
    float scale;
    float shift;
    float *inputs;      /* X*A+B, malloc'd */
    aimrt_tensor shape; /* dtype and shape of the file's tensor, without its data */
    cli_progress progress;
    const char *step; /* of the bar on screen */
    int64_t done;
} calib_request;

/* Parses --scale or --shift; returns false after a usage error. */
static bool parse_affine(const char *option, const char *value, float *out)
{
    double number = 0.0;
    /* The arithmetic runs in float, so A and B must fit one. */
    if (!cli_parse_double(&cli_compile_command, option, value, -3.4e38, 3.4e38, &number))
        return false;
    *out = (float)number;
    return true;
}

/* Parses the arguments into model and the output path; returns an exit status
 * or -1 to go on. */
static int parse_arguments(int argc, char **argv, cli_model_options *model, const char **input,
                           const char **output, const char **report, calib_request *calib)
{
    cli_args args;
    cli_args_init(&args, &cli_compile_command, argc, argv);
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (*input)
                return cli_usage_error(&cli_compile_command,
                                       "one model expected, but got \"%s\" and \"%s\"", *input,
                                       value);
            *input = value;
            break;
        case OPT_OUTPUT: *output = value; break;
        case OPT_DUMP_AFTER:
            if (!cli_check_pass_name(&cli_compile_command, "--dump-after", value, true))
                return CLI_EXIT_USAGE;
            model->options.dump_after = value;
            break;
        case OPT_DUMP_DIR: model->options.dump_dir = value; break;
        case OPT_DUMP_WEIGHTS: model->options.dump_weights = true; break;
        case OPT_VERIFY_EACH: model->options.verify_each = true; break;
        case OPT_CALIB: calib->path = value; break;
        case OPT_SCALE:
            if (!parse_affine("--scale", value, &calib->scale))
                return CLI_EXIT_USAGE;
            break;
        case OPT_SHIFT:
            if (!parse_affine("--shift", value, &calib->shift))
                return CLI_EXIT_USAGE;
            break;
        case OPT_REPORT: *report = value; break;
        default:
            if (!cli_model_options_apply(&cli_compile_command, model, id, value))
                return CLI_EXIT_USAGE;
        }
    }
    if (!*input)
        return cli_usage_error(&cli_compile_command, "missing the model file MODEL.onnx");
    if (!*output)
        return cli_usage_error(&cli_compile_command,
                               "missing the output program: give -o PROG.aimc");
    if (!calib->path && (calib->scale != 1.0f || calib->shift != 0.0f))
        return cli_usage_error(&cli_compile_command,
                               "--scale and --shift apply to calibration inputs: give --calib "
                               "X.npy as well");
    return -1;
}

/* Draws one progress bar per calibration step: each pass over the data on
 * the exact device or on one sim instance. */
static void show_progress(void *user, const char *step, int64_t done, int64_t total)
{
    calib_request *calib = user;
    if (calib->step != step || done < calib->done) {
        cli_progress_finish(&calib->progress);
        calib->step = step;
        cli_progress_start(&calib->progress, total);
    }
    calib->done = done;
    cli_progress_update(&calib->progress, done);
}

/* Reads --calib into the options as X*A+B in f32, one row per sample. */
static aimcc_status read_calibration(aimcc_ctx *ctx, calib_request *calib, aimcc_options *options)
{
    aimcc_arena *arena = aimcc_arena_create();
    if (!arena)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    const char *name = NULL;
    aimrt_tensor x;
    aimcc_status status = cli_tensor_read(ctx, arena, "--calib", calib->path, &name, &x);
    int64_t count = 0;
    if (status == AIMCC_OK && (x.rank < 1 || x.dims[0] < 1 ||
                               !aimrt_shape_count(x.rank, x.dims, 0, &count) || count < 1)) {
        aimcc_ctx_set_file(ctx, calib->path);
        status = aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                            "no calibration samples: --calib needs a first axis of at least "
                            "one sample and a nonempty tensor, but its rank is %d",
                            x.rank);
    }
    if (status == AIMCC_OK && !(calib->inputs = malloc((size_t)count * sizeof(float))))
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                            "out of memory for %lld calibration values", (long long)count);
    for (int64_t i = 0; status == AIMCC_OK && i < count; i++) {
        calib->inputs[i] = (float)cli_element_get(x.data, x.dtype, i) * calib->scale + calib->shift;
        /* A NaN would pass through the exact runs into probes the loader rejects. */
        if (!isfinite(calib->inputs[i])) {
            aimcc_ctx_set_file(ctx, calib->path);
            status = aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                "calibration value %lld (sample %lld) is %g after --scale and "
                                "--shift; give finite values",
                                (long long)i, (long long)(i / (count / x.dims[0])),
                                (double)calib->inputs[i]);
        }
    }
    if (status == AIMCC_OK) {
        options->calib_inputs = calib->inputs;
        options->calib_samples = x.dims[0];
        options->calib_sample_elements = count / x.dims[0];
        options->calib_name = calib->path;
        options->progress = show_progress;
        options->progress_user = calib;
        calib->shape = x;
        calib->shape.data = NULL;
        /* Later messages (the target's, the model's) name their own files. */
        aimcc_ctx_set_file(ctx, NULL);
    }
    aimcc_arena_destroy(arena);
    return status;
}

/* Warns when the calibration samples' shape differs from the graph input's in
 * more than size-1 axes, as aimcc eval does for its inputs. */
static void warn_calibration_layout(const calib_request *calib, aimcc_compile *compile)
{
    /* The calibrate pass reports progress for every run of the data, so without
     * a step it read none of it (a target without integer tiles, such as float). */
    const aimcc_module *module = aimcc_compile_module(compile);
    if (!calib->path || !calib->step || module->n_inputs != 1)
        return;
    /* An unbatched input takes one whole tensor per calibration sample. */
    const aimcc_value *input = module->inputs[0];
    const int skip = input->batched ? 1 : 0;
    cli_warn_sample_layout(calib->path, &calib->shape, input->name ? input->name : "",
                           input->dtype, input->rank - skip, input->dims + skip);
}

int cli_compile_main(int argc, char **argv)
{
    cli_model_options model;
    if (!cli_model_options_init(&model, argc)) {
        cli_model_options_free(&model);
        return cli_error("out of memory");
    }
    const char *input = NULL, *output = NULL, *report = NULL;
    calib_request calib = {.scale = 1.0f, .shift = 0.0f};
    int exit_status = parse_arguments(argc, argv, &model, &input, &output, &report, &calib);
    if (exit_status >= 0) {
        cli_model_options_free(&model);
        return exit_status;
    }

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = NULL;
    if (!ctx) {
        exit_status = cli_error("out of memory");
        goto cleanup;
    }
    aimcc_status status = AIMCC_OK;
    if (calib.path)
        status = read_calibration(ctx, &calib, &model.options);
    if (status == AIMCC_OK)
        status = aimcc_compile_model(ctx, input, &model.options, &compile);
    cli_progress_finish(&calib.progress);
    if (status == AIMCC_OK)
        warn_calibration_layout(&calib, compile);
    struct stat st;
    const bool program_existed = stat(output, &st) == 0;
    if (status == AIMCC_OK)
        status = aimcc_compile_write_program(ctx, compile, output);
    if (status == AIMCC_OK && report) {
        status = aimcc_compile_write_report(ctx, compile, report);
        /* NOTE: a program that existed before is already replaced when the
         * report fails; only a new one can be removed again. */
        if (status != AIMCC_OK && !program_existed)
            unlink(output);
    }
    if (status != AIMCC_OK) {
        exit_status = cli_report(ctx);
        goto cleanup;
    }
    AIMCC_LOG(AIMCC_LOG_INFO, NULL, NULL, "wrote %s", output);
    if (report)
        AIMCC_LOG(AIMCC_LOG_INFO, NULL, NULL, "wrote %s", report);
    aimcc_log_flush_repeats();
    exit_status = CLI_EXIT_OK;

cleanup:
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    cli_model_options_free(&model);
    free(calib.inputs);
    return exit_status;
}
