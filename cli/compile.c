/* SPDX-License-Identifier: MIT */
/*
 * aimcc compile: compiles an ONNX model for a target through the pass
 * pipeline and writes the binary program (.aimc), and with --report a JSON
 * report of the tiles each layer uses. Nothing is written when the
 * compilation fails.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

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
     "map, bit-slice, encode, schedule; all for the import and every pass) to DIR/NN-PASS.ir."},
    {OPT_DUMP_DIR, "--dump-dir", NULL, "DIR",
     "Folder for the dumps of --dump-after; it must exist. Default: the current folder."},
    {OPT_DUMP_WEIGHTS, "--dump-weights", NULL, NULL,
     "Print every constant value in dumps, so they parse back, instead of shape and checksum."},
    {OPT_VERIFY_EACH, "--verify-each", NULL, NULL,
     "Run the IR verifier after every pass."},
    {OPT_CALIB, "--calib", NULL, "X.npy",
     "Calibration inputs (first axis = samples). Not available in this version."},
    {OPT_SCALE, "--scale", NULL, "A",
     "Multiply the calibration inputs by A. Not available in this version."},
    {OPT_SHIFT, "--shift", NULL, "B",
     "Add B to the calibration inputs after --scale. Not available in this version."},
    {OPT_REPORT, "--report", NULL, "REPORT.json",
     "Also write a JSON report: per linear layer its tile kind and domain with the reason, "
     "tiles, blocks, cells and utilization; per tile kind and in total the tiles used against "
     "the budget. Energy, latency and area are null: no cost model exists yet."},
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_compile_command = {
    .name = "compile",
    .usage = "aimcc compile MODEL.onnx -o PROG.aimc [-t TARGET] [--set KEY=VALUE ...] "
             "[--dim NAME=VALUE ...] [--const NAME=FILE.pb ...] [--dump-after PASS|all] "
             "[--dump-dir DIR] [--dump-weights] [--verify-each] [--report REPORT.json]",
    .summary = "Compile an ONNX model for a target and write the binary program. The model is "
               "imported, lowered to the IR and run through the pass pipeline; the program is "
               "written atomically, and nothing is written on failure.",
    .options = compile_options,
    .verbose_help = "Print more: -v adds info messages (each pass with its time, the tiles of "
                    "each layer), -vv also debug messages (lowering and slicing choices per node).",
};

/* Parses the arguments into model and the output path; returns an exit status
 * or -1 to go on. */
static int parse_arguments(int argc, char **argv, cli_model_options *model, const char **input,
                           const char **output, const char **report)
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
        case OPT_CALIB: return cli_option_unavailable(&cli_compile_command, "--calib");
        case OPT_SCALE: return cli_option_unavailable(&cli_compile_command, "--scale");
        case OPT_SHIFT: return cli_option_unavailable(&cli_compile_command, "--shift");
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
    return -1;
}

int cli_compile_main(int argc, char **argv)
{
    cli_model_options model;
    if (!cli_model_options_init(&model, argc)) {
        cli_model_options_free(&model);
        return cli_error("out of memory");
    }
    const char *input = NULL, *output = NULL, *report = NULL;
    int exit_status = parse_arguments(argc, argv, &model, &input, &output, &report);
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
    aimcc_status status = aimcc_compile_model(ctx, input, &model.options, &compile);
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
    return exit_status;
}
