/* SPDX-License-Identifier: MIT */
/*
 * Option parsing for the subcommands: one table per subcommand drives both
 * the parser and the --help text, so the two cannot disagree. The verbosity
 * options and --help are common to every subcommand and handled here.
 */
#include "cli.h"

#include "aimrt/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELP_INDENT 30
#define HELP_WIDTH 100

void cli_args_init(cli_args *args, const cli_command *command, int argc, char **argv)
{
    memset(args, 0, sizeof *args);
    args->command = command;
    args->argc = argc;
    args->argv = argv;
    args->index = 1; /* argv[0] is the subcommand's name */
}

/* Handles -q, -v, -vv, -vvv: returns true when arg is one of them. */
static bool apply_verbosity(const char *arg)
{
    if (strcmp(arg, "-q") == 0) {
        aimcc_log_set_level(AIMCC_LOG_ERROR);
        aimrt_log_set_level(AIMRT_LOG_ERROR);
        return true;
    }
    if (arg[0] != '-' || arg[1] != 'v')
        return false;
    int n = 0;
    for (const char *c = arg + 1; *c; c++) {
        if (*c != 'v')
            return false;
        n++;
    }

    /* Each v raises the level by one step above the default, WARN, up to TRACE. */
    int level = (int)aimcc_log_threshold < AIMCC_LOG_WARN ? AIMCC_LOG_WARN : aimcc_log_threshold;
    level += n;
    if (level > AIMCC_LOG_TRACE)
        level = AIMCC_LOG_TRACE;
    aimcc_log_set_level((aimcc_log_level)level);

    /* The runtime has no TRACE level; its DEBUG is the most verbose. */
    aimrt_log_set_level(level > AIMRT_LOG_DEBUG ? AIMRT_LOG_DEBUG : (aimrt_log_level)level);
    return true;
}

static const cli_option *find_option(const cli_command *command, const char *arg, size_t length)
{
    for (const cli_option *option = command->options; option->id; option++) {
        if (strlen(option->name) == length && strncmp(option->name, arg, length) == 0)
            return option;
        if (option->alias && strlen(option->alias) == length &&
            strncmp(option->alias, arg, length) == 0)
            return option;
    }
    return NULL;
}

int cli_args_next(cli_args *args, const char **value)
{
    *value = NULL;
    if (args->index >= args->argc)
        return CLI_ARG_END;

    const char *arg = args->argv[args->index++];
    if (args->only_positional || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return CLI_ARG_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        args->only_positional = true;
        return cli_args_next(args, value);
    }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        cli_print_help(args->command);
        return CLI_ARG_HELP;
    }
    if (apply_verbosity(arg))
        return cli_args_next(args, value);

    /* "--name=value" and "-o=value" carry their value inline. */
    const char *equals = strchr(arg, '=');
    const size_t length = equals ? (size_t)(equals - arg) : strlen(arg);
    const cli_option *option = find_option(args->command, arg, length);
    if (!option) {
        cli_usage_error(args->command, "unknown option %.*s for aimcc %s", (int)length, arg,
                        args->command->name);
        return CLI_ARG_ERROR;
    }
    if (!option->metavar) {
        if (equals) {
            cli_usage_error(args->command, "option %s takes no value, but was given \"%s\"",
                            option->name, equals + 1);
            return CLI_ARG_ERROR;
        }
        return option->id;
    }
    if (equals) {
        *value = equals + 1;
        return option->id;
    }
    if (args->index >= args->argc) {
        cli_usage_error(args->command, "option %s needs a value %s", option->name,
                        option->metavar);
        return CLI_ARG_ERROR;
    }
    *value = args->argv[args->index++];
    return option->id;
}

/* Prints text wrapped at HELP_WIDTH, continuation lines indented by indent. */
static void print_wrapped(const char *text, int column, int indent)
{
    const char *word = text;
    while (*word) {
        while (*word == ' ')
            word++;
        const size_t length = strcspn(word, " ");
        if (length == 0)
            break;
        if (column > indent && column + 1 + (int)length > HELP_WIDTH) {
            printf("\n%*s", indent, "");
            column = indent;
        } else if (column > indent) {
            putchar(' ');
            column++;
        }
        printf("%.*s", (int)length, word);
        column += (int)length;
        word += length;
    }
    putchar('\n');
}

static void print_option(const char *alias, const char *name, const char *metavar,
                         const char *help)
{
    char head[128];
    snprintf(head, sizeof head, "  %s%s%s%s%s", alias ? alias : "", alias ? ", " : "", name,
             metavar ? " " : "", metavar ? metavar : "");
    int column = printf("%s", head);
    if (column >= HELP_INDENT) {
        printf("\n%*s", HELP_INDENT, "");
    } else {
        printf("%*s", HELP_INDENT - column, "");
    }
    print_wrapped(help, HELP_INDENT, HELP_INDENT);
}

void cli_print_help(const cli_command *command)
{
    printf("Usage: %s\n\n", command->usage);
    print_wrapped(command->summary, 0, 0);
    printf("\nOptions:\n");
    for (const cli_option *option = command->options; option->id; option++)
        print_option(option->alias, option->name, option->metavar, option->help);
    print_option(NULL, "-q", NULL, "Print errors only.");
    print_option(NULL, "-v, -vv", NULL,
                 command->verbose_help ? command->verbose_help
                                       : "Print more. This command prints no info or debug "
                                         "messages, so -v and -vv change nothing.");
    print_option("-h", "--help", NULL, "Print this help and exit.");
}

int cli_usage_error(const cli_command *command, const char *fmt, ...)
{
    fprintf(stderr, "aimcc: error: ");
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    if (command)
        fprintf(stderr, ". Run 'aimcc %s --help' for the options.\n", command->name);
    else
        fprintf(stderr, ". Run 'aimcc --help' for the commands.\n");
    return CLI_EXIT_USAGE;
}

int cli_error(const char *fmt, ...)
{
    fprintf(stderr, "aimcc: error: ");
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    return CLI_EXIT_INPUT;
}

int cli_report(const aimcc_ctx *ctx)
{
    char line[4096];
    aimcc_diag_format(aimcc_ctx_diag(ctx), line, sizeof line);
    fprintf(stderr, "aimcc: error: %s\n", line);
    aimcc_log_flush_repeats();
    return CLI_EXIT_INPUT;
}

aimcc_status cli_fail_runtime(aimcc_ctx *ctx, const char *file, const aimrt_error *error)
{
    aimcc_status status = AIMCC_ERR_INVALID_ARG;
    switch (error->status) {
    case AIMRT_ERR_IO: status = AIMCC_ERR_IO; break;
    case AIMRT_ERR_NOMEM: status = AIMCC_ERR_NOMEM; break;
    case AIMRT_ERR_UNSUPPORTED: status = AIMCC_ERR_UNSUPPORTED; break;
    case AIMRT_ERR_NUMERIC: status = AIMCC_ERR_NUMERIC; break;
    case AIMRT_ERR_INTERNAL: status = AIMCC_ERR_INTERNAL; break;
    default: break;
    }
    const char *message = error->message[0] ? error->message : aimrt_status_name(error->status);
    /* The loader's messages start with the path already; name it once. */
    const size_t length = strlen(file);
    const bool named = strncmp(message, file, length) == 0 && message[length] == ':';
    aimcc_ctx_set_file(ctx, named ? NULL : file);
    return aimcc_fail(ctx, status, NULL, NULL, "%s", message);
}

bool cli_parse_int(const cli_command *command, const char *option, const char *text, int64_t min,
                   int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    const long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        cli_usage_error(command, "option %s needs an integer from %lld to %lld, not \"%s\"",
                        option, (long long)min, (long long)max, text);
        return false;
    }
    *out = value;
    return true;
}

bool cli_parse_double(const cli_command *command, const char *option, const char *text,
                      double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    const double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(value) || value < min ||
        value > max) {
        cli_usage_error(command, "option %s needs a number from %g to %g, not \"%s\"", option,
                        min, max, text);
        return false;
    }
    *out = value;
    return true;
}

int cli_option_unavailable(const cli_command *command, const char *option)
{
    return cli_usage_error(command, "option %s is not available in this version of aimcc %s",
                           option, command->name);
}
