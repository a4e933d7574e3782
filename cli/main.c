/* SPDX-License-Identifier: MIT */
/*
 * The aimcc command: dispatches to one subcommand (compile, run, eval, ir,
 * inspect, plot, targets) and prints the top-level help and the version. Each
 * subcommand is a thin layer over libaimcc and libaimrt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "cli.h"

typedef struct subcommand {
    const cli_command *command;
    int (*main)(int argc, char **argv);
} subcommand;

static const subcommand subcommands[] = {
    {&cli_compile_command, cli_compile_main}, {&cli_run_command, cli_run_main},
    {&cli_eval_command, cli_eval_main},       {&cli_ir_command, cli_ir_main},
    {&cli_inspect_command, cli_inspect_main}, {&cli_plot_command, cli_plot_main},
    {&cli_targets_command, cli_targets_main},
};

#define N_SUBCOMMANDS (int)(sizeof subcommands / sizeof subcommands[0])

static void print_help(void)
{
    printf("Usage: aimcc COMMAND [options] [-q | -v | -vv] [--help]\n\n"
           "Compiles ONNX models for analog in-memory computing tiles and runs the compiled\n"
           "programs.\n\nCommands:\n");
    for (int i = 0; i < N_SUBCOMMANDS; i++) {
        const cli_command *command = subcommands[i].command;
        /* The first sentence of the summary is the one-line description. */
        const size_t length = strcspn(command->summary, ".");
        printf("  %-10s%.*s.\n", command->name, (int)length, command->summary);
    }
    printf("\nOptions:\n"
           "  --version     Print the version and exit.\n"
           "  -h, --help    Print this help and exit.\n\n"
           "Run 'aimcc COMMAND --help' for the options of a command.\n"
           "Exit status: 0 on success, 1 on an input error, 2 on bad usage.\n");
}

int main(int argc, char **argv)
{
    /* The runtime's GEMMs are small (one layer of one batch), and OpenBLAS's
     * worker threads then spend more time waiting than computing: on a 2-core
     * machine, ResNet-20 on 200 images ran 1.5x slower with 2 threads than with
     * one. OPENBLAS_NUM_THREADS still overrides this. */
    if (!getenv("OPENBLAS_NUM_THREADS"))
        openblas_set_num_threads(1);

    if (argc < 2)
        return cli_usage_error(NULL, "missing command");

    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help();
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("aimcc %s\n", AIMCC_VERSION);
        return CLI_EXIT_OK;
    }
    for (int i = 0; i < N_SUBCOMMANDS; i++) {
        if (strcmp(name, subcommands[i].command->name) == 0) {
            const int status = subcommands[i].main(argc - 1, argv + 1);
            fflush(stdout);
            if (ferror(stdout) && status == CLI_EXIT_OK)
                return cli_error("cannot write to standard output");
            return status;
        }
    }
    return cli_usage_error(NULL, "unknown command \"%s\"", name);
}
