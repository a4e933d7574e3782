/* SPDX-License-Identifier: MIT */
/*
 * Element types, shape arithmetic and IEEE half conversion shared by the
 * runtime and the compiler.
 */
#include "aimrt/tensor.h"

#include <assert.h>
#include <string.h>

const char *aimrt_status_name(aimrt_status status)
{
    switch (status) {
    case AIMRT_OK: return "ok";
    case AIMRT_ERR_INVALID_ARG: return "invalid argument";
    case AIMRT_ERR_INVALID_PROGRAM: return "invalid program";
    case AIMRT_ERR_UNSUPPORTED: return "unsupported";
    case AIMRT_ERR_NUMERIC: return "numeric error";
    case AIMRT_ERR_IO: return "I/O error";
    case AIMRT_ERR_NOMEM: return "out of memory";
    case AIMRT_ERR_DEVICE: return "device error";
    case AIMRT_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

typedef struct dtype_info {
    const char *name;
    size_t size;
} dtype_info;

/* Indexed by the ONNX data type number; a NULL name marks a code aimcc does not handle. */
static const dtype_info dtype_table[AIMRT_DTYPE_COUNT] = {
    [AIMRT_DTYPE_FLOAT] = {"f32", 4},   [AIMRT_DTYPE_UINT8] = {"u8", 1},
    [AIMRT_DTYPE_INT8] = {"i8", 1},     [AIMRT_DTYPE_UINT16] = {"u16", 2},
    [AIMRT_DTYPE_INT16] = {"i16", 2},   [AIMRT_DTYPE_INT32] = {"i32", 4},
    [AIMRT_DTYPE_INT64] = {"i64", 8},   [AIMRT_DTYPE_BOOL] = {"bool", 1},
    [AIMRT_DTYPE_FLOAT16] = {"f16", 2}, [AIMRT_DTYPE_DOUBLE] = {"f64", 8},
    [AIMRT_DTYPE_UINT32] = {"u32", 4},  [AIMRT_DTYPE_UINT64] = {"u64", 8},
};

size_t aimrt_dtype_size(aimrt_dtype dtype)
{
    if ((int)dtype < 0 || dtype >= AIMRT_DTYPE_COUNT)
        return 0;
    return dtype_table[dtype].size;
}

const char *aimrt_dtype_name(aimrt_dtype dtype)
{
    if ((int)dtype < 0 || dtype >= AIMRT_DTYPE_COUNT)
        return NULL;
    return dtype_table[dtype].name;
}

aimrt_dtype aimrt_dtype_from_name(const char *name)
{
    for (int i = 0; i < AIMRT_DTYPE_COUNT; i++) {
        if (dtype_table[i].name && strcmp(dtype_table[i].name, name) == 0)
            return (aimrt_dtype)i;
    }
    return AIMRT_DTYPE_UNDEFINED;
}

bool aimrt_shape_count(int rank, const int64_t *dims, size_t elem_size, int64_t *count)
{
    if (rank < 0 || rank > AIMRT_MAX_RANK)
        return false;

    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return false;
        if (dims[i] != 0 && n > INT64_MAX / dims[i])
            return false;
        n *= dims[i];
    }

    /* The byte size must fit as well, so callers can multiply safely. */
    if (elem_size > 0 && n > INT64_MAX / (int64_t)elem_size)
        return false;
    *count = n;
    return true;
}

float aimrt_half_to_float(uint16_t bits)
{
    const uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;
    const uint32_t exponent = (bits >> 10) & 0x1fu;
    uint32_t mantissa = bits & 0x3ffu;
    uint32_t out;

    if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        out = sign;
    } else {
        /* Subnormal half: shift the mantissa up until its leading one is implicit. */
        uint32_t e = 113;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            e--;
        }
        out = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
    }

    float value;
    memcpy(&value, &out, sizeof value);
    return value;
}

uint16_t aimrt_float_to_half(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    const uint32_t abs_bits = bits & 0x7fffffffu;

    if (abs_bits >= 0x7f800000u) {
        const uint16_t nan_bit = abs_bits > 0x7f800000u ? 0x200u : 0;
        return (uint16_t)(sign | 0x7c00u | nan_bit);
    }
    if (abs_bits >= 0x477ff000u) /* rounds to above 65504 */
        return (uint16_t)(sign | 0x7c00u);

    const int32_t exponent = (int32_t)(abs_bits >> 23) - 127;
    uint32_t mantissa = (abs_bits & 0x7fffffu) | 0x800000u;
    int shift;
    uint32_t half_exponent;
    if (exponent < -14) {
        /* Subnormal result: the value is mantissa * 2^(exponent-23), the unit is 2^-24. */
        shift = -exponent - 1;
        if (shift > 24 + 1)
            return sign;
        half_exponent = 0;
    } else {
        shift = 13;
        half_exponent = (uint32_t)(exponent + 15);
        mantissa &= 0x7fffffu;
    }

    /* Round half to even on the bits shifted out. */
    const uint32_t truncated = mantissa >> shift;
    const uint32_t remainder = mantissa & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t result = (half_exponent << 10) + truncated;
    if (remainder > halfway || (remainder == halfway && (truncated & 1u)))
        result++;
    return (uint16_t)(sign | result);
}
