/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the aimcc command: exit statuses, the option table and
 * parser every subcommand uses (its --help text is printed from the same
 * table), error reporting, and the subcommand entry points.
 */
#ifndef AIMCC_CLI_H
#define AIMCC_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "aimcc/aimcc.h"
#include "aimrt/aimrt.h"

/* Exit statuses of the command. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INPUT = 1, /* a file, model, program or tensor is wrong */
    CLI_EXIT_USAGE = 2, /* the command line is wrong */
};

/* One option of a subcommand. An option without metavar is a flag. */
typedef struct cli_option {
    int id;              /* returned by cli_args_next; > 0 */
    const char *name;    /* "--set" */
    const char *alias;   /* "-o", or NULL */
    const char *metavar; /* "KEY=VALUE", or NULL for a flag */
    const char *help;    /* what the option sets, with its unit and default */
} cli_option;

/* A subcommand: its usage line, a one-paragraph summary and its options (ended by id 0). */
typedef struct cli_command {
    const char *name;
    const char *usage;
    const char *summary;
    const cli_option *options;
    const char *verbose_help; /* the -v, -vv help line; NULL when they print nothing more */
} cli_command;

/* What cli_args_next returns besides option ids. */
enum {
    CLI_ARG_END = 0,         /* no arguments left */
    CLI_ARG_POSITIONAL = -1, /* *value is a positional argument */
    CLI_ARG_HELP = -2,       /* --help was given: the help is printed, exit 0 */
    CLI_ARG_ERROR = -3,      /* a usage error was printed: exit 2 */
};

/* Walks a subcommand's arguments; -q, -v, -vv and --help are handled inside. */
typedef struct cli_args {
    const cli_command *command;
    int argc;
    char **argv;
    int index;
    bool only_positional; /* after "--" */
} cli_args;

void cli_args_init(cli_args *args, const cli_command *command, int argc, char **argv);

/* Returns the next option id (with *value set for options that take one),
 * CLI_ARG_POSITIONAL, CLI_ARG_END, CLI_ARG_HELP or CLI_ARG_ERROR. */
int cli_args_next(cli_args *args, const char **value);

/* Prints a subcommand's help (usage, summary, options) to stdout. */
void cli_print_help(const cli_command *command);

/* Prints "aimcc: error: MESSAGE. Run 'aimcc CMD --help' ..." on one line and
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints the context's diagnostic as one error line and returns CLI_EXIT_INPUT. */
int cli_report(const aimcc_ctx *ctx);

/* Prints "aimcc: error: " and a formatted message as one line; returns CLI_EXIT_INPUT. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Records a runtime failure in ctx under the file it concerns and returns AIMCC_ERR_*. */
aimcc_status cli_fail_runtime(aimcc_ctx *ctx, const char *file, const aimrt_error *error);

/* Value parsers for option arguments. Each prints a usage error naming the option
 * and returns false when the text is not a number in [min, max]. */
bool cli_parse_int(const cli_command *command, const char *option, const char *text, int64_t min,
                   int64_t max, int64_t *out);
bool cli_parse_double(const cli_command *command, const char *option, const char *text,
                      double min, double max, double *out);

/* Options that are named in the command-line contract but not implemented in
 * this version: prints a usage error naming the option and returns CLI_EXIT_USAGE. */
int cli_option_unavailable(const cli_command *command, const char *option);

/* Options shared by the subcommands that compile a model (compile, ir). */
enum {
    CLI_OPT_TARGET = 100,
    CLI_OPT_SET,
    CLI_OPT_DIM,
    CLI_OPT_CONST,
};

#define CLI_MODEL_OPTIONS                                                                         \
    {CLI_OPT_TARGET, "--target", "-t", "TARGET",                                                  \
     "Target: a preset name from 'aimcc targets' or a path to a target JSON file. Default: "      \
     "float."},                                                                                   \
        {CLI_OPT_SET, "--set", NULL, "KEY=VALUE",                                                 \
         "Override a target field by its dotted path, in the field's unit (adc.bits=6 on every "  \
         "kind, 'kinds[pcm].adc.bits=6' on one), or set a compile option such as the frontend "   \
         "limit limits.max_nodes=N. Repeatable."},                                                \
        {CLI_OPT_DIM, "--dim", NULL, "NAME=VALUE",                                                \
         "Bind the symbolic input dimension NAME to VALUE elements. Repeatable."},                \
        {CLI_OPT_CONST, "--const", NULL, "NAME=FILE.pb",                                          \
         "Bind graph input NAME to the tensor in FILE.pb (ONNX TensorProto) at compile time, for "\
         "inputs that set a shape or axes. Repeatable."}

/* The compile options collected from the command line; binding names are malloc'd. */
typedef struct cli_model_options {
    aimcc_options options;
    aimcc_binding *sets;
    aimcc_binding *dims;
    aimcc_binding *consts;
} cli_model_options;

/* Allocates room for up to argc bindings of each kind; false when out of memory. */
bool cli_model_options_init(cli_model_options *model, int argc);
void cli_model_options_free(cli_model_options *model);

/* Applies one of the CLI_OPT_* options above. Returns false after printing a usage error. */
bool cli_model_options_apply(const cli_command *command, cli_model_options *model, int id,
                             const char *value);

/* Checks that name is a pass of the pipeline (or "all" when allow_all); prints a
 * usage error listing the passes and returns false otherwise. */
bool cli_check_pass_name(const cli_command *command, const char *option, const char *name,
                         bool allow_all);

/* Subcommands. Each receives argv from its own name on and returns the exit status. */
int cli_compile_main(int argc, char **argv);
int cli_run_main(int argc, char **argv);
int cli_eval_main(int argc, char **argv);
int cli_ir_main(int argc, char **argv);
int cli_inspect_main(int argc, char **argv);
int cli_targets_main(int argc, char **argv);
int cli_plot_main(int argc, char **argv);

/* The subcommand tables, for the top-level help. */
extern const cli_command cli_compile_command;
extern const cli_command cli_run_command;
extern const cli_command cli_eval_command;
extern const cli_command cli_ir_command;
extern const cli_command cli_inspect_command;
extern const cli_command cli_targets_command;
extern const cli_command cli_plot_command;

#endif
