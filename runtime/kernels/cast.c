/* SPDX-License-Identifier: MIT */
/*
 * Cast between every dtype of tensor.h. Integer and bool sources convert
 * through int64 so 64-bit values stay exact; float sources through double.
 * Float to integer rounds toward zero like C and saturates (NaN gives 0),
 * which ONNX leaves undefined but C would make undefined behavior; float to
 * bool is x != 0.
 */
#include "kernels/kernels.h"

#include <math.h>

static bool is_float_kind(aimrt_dtype dtype)
{
    return dtype == AIMRT_DTYPE_FLOAT || dtype == AIMRT_DTYPE_DOUBLE ||
           dtype == AIMRT_DTYPE_FLOAT16;
}

static double load_double(aimrt_dtype dtype, const void *data, int64_t i)
{
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT:
        return ((const float *)data)[i];
    case AIMRT_DTYPE_DOUBLE:
        return ((const double *)data)[i];
    case AIMRT_DTYPE_FLOAT16:
        return aimrt_half_to_float(((const uint16_t *)data)[i]);
    case AIMRT_DTYPE_UINT64:
        return (double)((const uint64_t *)data)[i];
    default:
        break;
    }
    /* Every other dtype is an integer or bool that fits int64 exactly. */
    int64_t value;
    switch (dtype) {
    case AIMRT_DTYPE_UINT8:
        value = ((const uint8_t *)data)[i];
        break;
    case AIMRT_DTYPE_INT8:
        value = ((const int8_t *)data)[i];
        break;
    case AIMRT_DTYPE_UINT16:
        value = ((const uint16_t *)data)[i];
        break;
    case AIMRT_DTYPE_INT16:
        value = ((const int16_t *)data)[i];
        break;
    case AIMRT_DTYPE_INT32:
        value = ((const int32_t *)data)[i];
        break;
    case AIMRT_DTYPE_UINT32:
        value = ((const uint32_t *)data)[i];
        break;
    case AIMRT_DTYPE_BOOL:
        value = ((const uint8_t *)data)[i] != 0;
        break;
    default:
        value = ((const int64_t *)data)[i];
        break;
    }
    return (double)value;
}

/* Loads an integer or bool element as the bits of a uint64, so a store to a
 * narrower type wraps modulo 2^n. */
static uint64_t load_bits(aimrt_dtype dtype, const void *data, int64_t i)
{
    switch (dtype) {
    case AIMRT_DTYPE_UINT8:
        return ((const uint8_t *)data)[i];
    case AIMRT_DTYPE_INT8:
        return (uint64_t)(int64_t)((const int8_t *)data)[i];
    case AIMRT_DTYPE_UINT16:
        return ((const uint16_t *)data)[i];
    case AIMRT_DTYPE_INT16:
        return (uint64_t)(int64_t)((const int16_t *)data)[i];
    case AIMRT_DTYPE_INT32:
        return (uint64_t)(int64_t)((const int32_t *)data)[i];
    case AIMRT_DTYPE_UINT32:
        return ((const uint32_t *)data)[i];
    case AIMRT_DTYPE_BOOL:
        return ((const uint8_t *)data)[i] != 0;
    case AIMRT_DTYPE_INT64:
        return (uint64_t)((const int64_t *)data)[i];
    default:
        return ((const uint64_t *)data)[i];
    }
}

static void store_bits(aimrt_dtype dtype, uint64_t bits, bool is_zero, void *data, int64_t i)
{
    switch (dtype) {
    case AIMRT_DTYPE_UINT8:
        ((uint8_t *)data)[i] = (uint8_t)bits;
        break;
    case AIMRT_DTYPE_INT8:
        ((int8_t *)data)[i] = (int8_t)bits;
        break;
    case AIMRT_DTYPE_UINT16:
        ((uint16_t *)data)[i] = (uint16_t)bits;
        break;
    case AIMRT_DTYPE_INT16:
        ((int16_t *)data)[i] = (int16_t)bits;
        break;
    case AIMRT_DTYPE_INT32:
        ((int32_t *)data)[i] = (int32_t)bits;
        break;
    case AIMRT_DTYPE_UINT32:
        ((uint32_t *)data)[i] = (uint32_t)bits;
        break;
    case AIMRT_DTYPE_BOOL:
        ((uint8_t *)data)[i] = !is_zero;
        break;
    case AIMRT_DTYPE_INT64:
        ((int64_t *)data)[i] = (int64_t)bits;
        break;
    default:
        ((uint64_t *)data)[i] = bits;
        break;
    }
}

/* Rounds toward zero and saturates to [lo, hi]; NaN gives 0. */
static double saturate(double value, double lo, double hi)
{
    if (isnan(value))
        return 0.0;
    value = trunc(value);
    return value < lo ? lo : (value > hi ? hi : value);
}

/* Converts a double to an integer dtype's bits, rounding toward zero. */
static uint64_t double_to_bits(aimrt_dtype dtype, double value)
{
    switch (dtype) {
    case AIMRT_DTYPE_UINT8:
        return (uint64_t)saturate(value, 0, UINT8_MAX);
    case AIMRT_DTYPE_INT8:
        return (uint64_t)(int64_t)saturate(value, INT8_MIN, INT8_MAX);
    case AIMRT_DTYPE_UINT16:
        return (uint64_t)saturate(value, 0, UINT16_MAX);
    case AIMRT_DTYPE_INT16:
        return (uint64_t)(int64_t)saturate(value, INT16_MIN, INT16_MAX);
    case AIMRT_DTYPE_INT32:
        return (uint64_t)(int64_t)saturate(value, INT32_MIN, INT32_MAX);
    case AIMRT_DTYPE_UINT32:
        return (uint64_t)saturate(value, 0, UINT32_MAX);
    default:
        break;
    }

    /* 2^63 and 2^64 are exact doubles; the largest doubles below them fit. */
    const double two63 = 9223372036854775808.0;
    if (dtype == AIMRT_DTYPE_INT64) {
        if (!isnan(value) && value >= two63)
            return (uint64_t)INT64_MAX;
        return (uint64_t)(int64_t)saturate(value, -two63, two63);
    }
    if (!isnan(value) && value >= 2.0 * two63)
        return UINT64_MAX;
    return (uint64_t)saturate(value, 0, 2.0 * two63);
}

void aimrt_kernel_store_double(aimrt_dtype dtype, double value, void *data)
{
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT:
        *(float *)data = (float)value;
        return;
    case AIMRT_DTYPE_DOUBLE:
        *(double *)data = value;
        return;
    case AIMRT_DTYPE_FLOAT16:
        *(uint16_t *)data = aimrt_float_to_half((float)value);
        return;
    default:
        break;
    }
    store_bits(dtype, double_to_bits(dtype, value), value == 0.0, data, 0);
}

aimrt_status aimrt_kernel_cast_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    int64_t to;
    status = aimrt_kernel_int(call, AIMRT_ATTR_TO, -1, INT32_MIN, INT32_MAX, &to);
    if (status != AIMRT_OK)
        return status;
    if (to <= AIMRT_DTYPE_UNDEFINED || to >= AIMRT_DTYPE_COUNT ||
        aimrt_dtype_size((aimrt_dtype)to) == 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "attribute to is %lld, which is not a supported dtype code",
                                 (long long)to);
    const aimrt_tensor *x = &call->inputs[0];
    return aimrt_kernel_set_output(call, (aimrt_dtype)to, x->rank, x->dims);
}

aimrt_status aimrt_kernel_cast_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    aimrt_tensor *y = &call->outputs[0];
    const int64_t n = aimrt_kernel_count(x);
    const size_t y_size = aimrt_dtype_size(y->dtype);
    const bool exact_ints = !is_float_kind(x->dtype) && !is_float_kind(y->dtype);
    for (int64_t i = 0; i < n; i++) {
        if (exact_ints) {
            const uint64_t bits = load_bits(x->dtype, x->data, i);
            store_bits(y->dtype, bits, bits == 0, y->data, i);
        } else {
            aimrt_kernel_store_double(y->dtype, load_double(x->dtype, x->data, i),
                                      (char *)y->data + i * (int64_t)y_size);
        }
    }
    return AIMRT_OK;
}
