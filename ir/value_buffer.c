/* SPDX-License-Identifier: MIT */
/*
 * The size of an activation's buffer in the arena, which the schedule pass,
 * the IR text dump and the backend all take from here.
 */
#include "ir/ir.h"

int64_t aimcc_ir_value_buffer_bytes(const aimcc_value *value)
{
    int64_t bytes = (int64_t)aimrt_dtype_size(value->dtype);
    for (int d = value->batched ? 1 : 0; d < value->rank && d < AIMRT_MAX_RANK; d++) {
        if (value->dims[d] < 0 || __builtin_mul_overflow(bytes, value->dims[d], &bytes))
            return -1;
    }
    return bytes;
}
