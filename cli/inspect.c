/* SPDX-License-Identifier: MIT */
/*
 * aimcc inspect: loads a program (which validates it) and prints what it
 * contains through the runtime's describer, as text or as one JSON object,
 * with the cost estimates the compiler stored in its metadata.
 */
#include <stdio.h>

#include "cli.h"
#include "inspect_cost.h"
#include "limits.h"

enum {
    OPT_JSON = 1,
};

static const cli_option inspect_options[] = {
    {OPT_JSON, "--json", NULL, NULL, "Print one JSON object instead of text."},
    CLI_PROGRAM_LIMIT_OPTIONS,
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_inspect_command = {
    .name = "inspect",
    .usage = "aimcc inspect PROG.aimc [--json] [--max-program-bytes N] ...",
    .summary = "Validate a compiled program and print what it contains. The text (or JSON) "
               "lists the header, sections, metadata, tile kinds, tensors, ops, and the tiles "
               "and cell utilization of every layer, and the energy, latency and area estimates "
               "with each layer's domain and why.",
    .options = inspect_options,
};

int cli_inspect_main(int argc, char **argv)
{
    cli_args args;
    cli_args_init(&args, &cli_inspect_command, argc, argv);
    const char *path = NULL;
    bool json = false;
    aimrt_limits limits = {0};
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (path)
                return cli_usage_error(&cli_inspect_command,
                                       "one program expected, but got \"%s\" and \"%s\"", path,
                                       value);
            path = value;
            break;
        case OPT_JSON: json = true; break;
        default:
            if (cli_limit_option_apply(&cli_inspect_command, &limits, id, value) != -1)
                return CLI_EXIT_USAGE;
        }
    }
    if (!path)
        return cli_usage_error(&cli_inspect_command, "missing the program file PROG.aimc");

    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load_file_limited(path, &limits, &program, &error) != AIMRT_OK) {
        aimcc_ctx *ctx = aimcc_ctx_create();
        if (!ctx)
            return cli_error("out of memory");
        cli_fail_runtime(ctx, path, &error);
        const int exit_status = cli_report(ctx);
        aimcc_ctx_destroy(ctx);
        return exit_status;
    }
    const aimrt_status status = cli_inspect_print(program, stdout, json);
    aimrt_program_free(program);
    if (status != AIMRT_OK)
        return cli_error("%s: cannot print the program: %s", path, aimrt_status_name(status));
    return CLI_EXIT_OK;
}
