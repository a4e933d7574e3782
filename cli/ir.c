/* SPDX-License-Identifier: MIT */
/*
 * aimcc ir: prints the IR text dump of a model after a pass of the pipeline.
 * With --parse it parses an IR text file, checks it with the IR verifier and
 * prints it back, so a dump can be edited by hand and checked. --dot prints
 * either as a Graphviz graph instead.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "files.h"
#include "ir/ir.h"

enum {
    OPT_AFTER = 1,
    OPT_DUMP_WEIGHTS,
    OPT_PARSE,
    OPT_DOT,
};

static const cli_option ir_options[] = {
    CLI_MODEL_OPTIONS,
    {OPT_AFTER, "--after", NULL, "PASS",
     "Stop the pipeline after this pass and print the IR then: import (the frontend's IR), "
     "canonicalize, select-domain, quantize, map, bit-slice, encode, calibrate or schedule. "
     "Default: the last pass."},
    {OPT_DUMP_WEIGHTS, "--dump-weights", NULL, NULL,
     "Print every constant value, so the dump parses back, instead of shape and checksum."},
    {OPT_PARSE, "--parse", NULL, "FILE.ir",
     "Parse an IR text file instead of a model, verify it and print it back."},
    {OPT_DOT, "--dot", NULL, NULL,
     "Print the IR as a Graphviz dot graph instead of the text dump: a node per op with its "
     "ONNX node and output shapes (linear ops with their tile kind and tiles), an edge per value. "
     "Render it with 'dot -Tsvg'."},
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_ir_command = {
    .name = "ir",
    .usage = "aimcc ir MODEL.onnx [-t TARGET] [--set KEY=VALUE ...] [--dim NAME=VALUE ...] "
             "[--const NAME=FILE.pb ...] [--after PASS] [--dump-weights] [--dot]\n"
             "       aimcc ir --parse FILE.ir [--dump-weights] [--dot]",
    .summary = "Print the IR of a model after a pass, or check an IR text file. The dump goes "
               "to standard output; its grammar is in docs/ir.md. With --parse the file is "
               "parsed, verified and printed back. --dot prints a Graphviz graph instead.",
    .options = ir_options,
    .verbose_help = "Print more: -v adds info messages (each pass with its time, the tiles of "
                    "each layer), -vv also debug messages (lowering and slicing choices per node).",
};

/* Prints the module as the text dump, or as a dot graph when dot is set. */
static aimcc_status print_module(aimcc_ctx *ctx, const aimcc_module *module, bool weights,
                                 bool dot)
{
    return dot ? aimcc_ir_print_dot(ctx, module, stdout)
               : aimcc_ir_print(ctx, module, stdout, weights);
}

/* Parses, verifies and prints an IR text file. */
static int print_parsed(const char *path, bool weights, bool dot)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    char *text = NULL;
    size_t size = 0;
    int exit_status = CLI_EXIT_INPUT;
    if (!ctx || !arena) {
        cli_error("out of memory");
        goto cleanup;
    }
    aimcc_module *module = NULL;
    aimcc_status status = cli_read_file(ctx, path, &text, &size);
    if (status == AIMCC_OK)
        status = aimcc_ir_parse(ctx, arena, text, size, path, &module);
    if (status == AIMCC_OK)
        status = aimcc_ir_verify(ctx, module);
    if (status == AIMCC_OK)
        status = print_module(ctx, module, weights, dot);
    exit_status = status == AIMCC_OK ? CLI_EXIT_OK : cli_report(ctx);

cleanup:
    free(text);
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
    return exit_status;
}

/* Compiles the model up to options->stop_after and prints the module. */
static int print_model(const char *path, const aimcc_options *options, bool dot)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    if (!ctx)
        return cli_error("out of memory");
    aimcc_compile *compile = NULL;
    aimcc_status status = aimcc_compile_model(ctx, path, options, &compile);
    if (status == AIMCC_OK)
        status = print_module(ctx, aimcc_compile_module(compile), options->dump_weights, dot);
    const int exit_status = status == AIMCC_OK ? CLI_EXIT_OK : cli_report(ctx);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    return exit_status;
}

/* Parses the arguments; returns an exit status or -1 to go on. */
static int parse_arguments(int argc, char **argv, cli_model_options *model, const char **input,
                           const char **parse_path, bool *dot)
{
    cli_args args;
    cli_args_init(&args, &cli_ir_command, argc, argv);
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (*input)
                return cli_usage_error(&cli_ir_command, "one model expected, but got \"%s\" and \"%s\"",
                                       *input, value);
            *input = value;
            break;
        case OPT_AFTER:
            if (!cli_check_pass_name(&cli_ir_command, "--after", value, false))
                return CLI_EXIT_USAGE;
            model->options.stop_after = value;
            break;
        case OPT_DUMP_WEIGHTS: model->options.dump_weights = true; break;
        case OPT_PARSE: *parse_path = value; break;
        case OPT_DOT: *dot = true; break;
        default:
            if (!cli_model_options_apply(&cli_ir_command, model, id, value))
                return CLI_EXIT_USAGE;
        }
    }
    if (*parse_path && *input)
        return cli_usage_error(&cli_ir_command,
                               "give either a model or --parse FILE.ir, not both");
    if (!*parse_path && !*input)
        return cli_usage_error(&cli_ir_command, "missing the model file MODEL.onnx");
    return -1;
}

int cli_ir_main(int argc, char **argv)
{
    cli_model_options model;
    if (!cli_model_options_init(&model, argc)) {
        cli_model_options_free(&model);
        return cli_error("out of memory");
    }
    const char *input = NULL, *parse_path = NULL;
    bool dot = false;
    int exit_status = parse_arguments(argc, argv, &model, &input, &parse_path, &dot);
    if (exit_status < 0) {
        exit_status = parse_path ? print_parsed(parse_path, model.options.dump_weights, dot)
                                 : print_model(input, &model.options, dot);
    }
    cli_model_options_free(&model);
    return exit_status;
}
