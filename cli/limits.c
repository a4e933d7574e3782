/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the runtime limit options (--max-program-bytes, --max-tensors,
 * --max-ops, --max-tiles, --max-tensor-bytes, --max-session-bytes) into an
 * aimrt_limits, whose zero fields keep the runtime's defaults.
 */
#include "limits.h"

int cli_limit_option_apply(const cli_command *command, aimrt_limits *limits, int id,
                           const char *value)
{
    const char *option = NULL;
    int64_t *field = NULL;
    switch (id) {
    case CLI_OPT_MAX_PROGRAM_BYTES:
        option = "--max-program-bytes";
        field = &limits->max_program_bytes;
        break;
    case CLI_OPT_MAX_TENSORS:
        option = "--max-tensors";
        field = &limits->max_tensors;
        break;
    case CLI_OPT_MAX_OPS:
        option = "--max-ops";
        field = &limits->max_ops;
        break;
    case CLI_OPT_MAX_TILES:
        option = "--max-tiles";
        field = &limits->max_tiles;
        break;
    case CLI_OPT_MAX_TENSOR_BYTES:
        option = "--max-tensor-bytes";
        field = &limits->max_tensor_bytes;
        break;
    case CLI_OPT_MAX_SESSION_BYTES:
        option = "--max-session-bytes";
        field = &limits->max_session_bytes;
        break;
    default: return -2;
    }
    return cli_parse_int(command, option, value, 1, INT64_MAX, field) ? -1 : CLI_EXIT_USAGE;
}
