/* SPDX-License-Identifier: MIT */
/*
 * The runtime's resource limits as options of the subcommands that load
 * programs (run, eval, inspect): --max-program-bytes and the other fields of
 * aimrt_limits, each named after its field.
 */
#ifndef AIMCC_CLI_LIMITS_H
#define AIMCC_CLI_LIMITS_H

#include "cli.h"

enum {
    CLI_OPT_MAX_PROGRAM_BYTES = 140,
    CLI_OPT_MAX_TENSORS,
    CLI_OPT_MAX_OPS,
    CLI_OPT_MAX_TILES,
    CLI_OPT_MAX_TENSOR_BYTES,
    CLI_OPT_MAX_SESSION_BYTES,
};

/* The limits that aimrt_program_load_limited checks. */
#define CLI_PROGRAM_LIMIT_OPTIONS                                                                 \
    {CLI_OPT_MAX_PROGRAM_BYTES, "--max-program-bytes", NULL, "N",                                 \
     "Largest program file to load, in bytes. Default: 4294967296 (4 GiB)."},                     \
        {CLI_OPT_MAX_TENSORS, "--max-tensors", NULL, "N",                                         \
         "Largest count of tensors a program may declare. Default: 16777216 (2^24)."},            \
        {CLI_OPT_MAX_OPS, "--max-ops", NULL, "N",                                                 \
         "Largest count of ops a program may declare. Default: 16777216 (2^24)."},                \
        {CLI_OPT_MAX_TILES, "--max-tiles", NULL, "N",                                             \
         "Largest count of tiles a program may declare. Default: 1048576 (2^20)."},               \
        {CLI_OPT_MAX_TENSOR_BYTES, "--max-tensor-bytes", NULL, "N",                               \
         "Largest tensor of a program, in bytes (per sample for a batched tensor). Default: "     \
         "4294967296 (4 GiB)."}

/* The limit that aimrt_session_create checks. */
#define CLI_SESSION_LIMIT_OPTIONS                                                                 \
    {CLI_OPT_MAX_SESSION_BYTES, "--max-session-bytes", NULL, "N",                                 \
     "Largest memory a session may allocate at its maximum batch (activations, scratch and "      \
     "LINEAR buffers), in bytes. Default: 17179869184 (16 GiB)."}

/* Applies one of the CLI_OPT_MAX_* options to limits. Returns -1 when it was
 * applied, CLI_EXIT_USAGE after printing a usage error, and -2 when id is not
 * a limit option. */
int cli_limit_option_apply(const cli_command *command, aimrt_limits *limits, int id,
                           const char *value);

#endif
