/* SPDX-License-Identifier: MIT */
/*
 * Resource limits of the runtime (aimrt_limits): the defaults, and the one
 * message format of every limit error, which names the value, the limit, the
 * aimcc option and the aimrt_limits field that raise it. The loader and
 * aimrt_session_create check the limits before they allocate.
 */
#include "program_internal.h"

static int64_t limit_or_default(int64_t value, int64_t fallback)
{
    return value > 0 ? value : fallback;
}

aimrt_limits program_limits_resolve(const aimrt_limits *limits)
{
    const aimrt_limits none = {0};
    if (!limits)
        limits = &none;
    return (aimrt_limits){
        .max_program_bytes =
            limit_or_default(limits->max_program_bytes, AIMRT_DEFAULT_MAX_PROGRAM_BYTES),
        .max_tensors = limit_or_default(limits->max_tensors, AIMRT_DEFAULT_MAX_TENSORS),
        .max_ops = limit_or_default(limits->max_ops, AIMRT_DEFAULT_MAX_OPS),
        .max_tiles = limit_or_default(limits->max_tiles, AIMRT_DEFAULT_MAX_TILES),
        .max_tensor_bytes =
            limit_or_default(limits->max_tensor_bytes, AIMRT_DEFAULT_MAX_TENSOR_BYTES),
        .max_session_bytes =
            limit_or_default(limits->max_session_bytes, AIMRT_DEFAULT_MAX_SESSION_BYTES),
    };
}

aimrt_status program_limit_check(aimrt_error *error, aimrt_status status, const char *where,
                                 int64_t value, const char *unit, int64_t limit,
                                 const char *field)
{
    if (value <= limit)
        return AIMRT_OK;

    /* The aimcc option is the field's name with dashes: max_ops is --max-ops. */
    char option[64];
    size_t i = 0;
    for (; field[i] && i + 1 < sizeof option; i++)
        option[i] = field[i] == '_' ? '-' : field[i];
    option[i] = '\0';
    return aimrt_error_set(error, status,
                           "%s: %lld %s exceed the limit of %lld; raise it with --%s N "
                           "(aimrt_limits.%s)",
                           where, (long long)value, unit, (long long)limit, option, field);
}
