/* SPDX-License-Identifier: MIT */
/*
 * Element conversions for eval's input preprocessing and its readout of
 * predictions and labels. Rounding uses nearbyint in the default rounding
 * mode, which is round half to even.
 */
#include "convert.h"

#include <math.h>
#include <string.h>

double cli_element_get(const void *data, aimrt_dtype dtype, int64_t i)
{
    const unsigned char *bytes = data;
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT: return ((const float *)data)[i];
    case AIMRT_DTYPE_DOUBLE: return ((const double *)data)[i];
    case AIMRT_DTYPE_FLOAT16: return aimrt_half_to_float(((const uint16_t *)data)[i]);
    case AIMRT_DTYPE_UINT8: return bytes[i];
    case AIMRT_DTYPE_INT8: return ((const int8_t *)data)[i];
    case AIMRT_DTYPE_BOOL: return bytes[i] != 0;
    case AIMRT_DTYPE_UINT16: return ((const uint16_t *)data)[i];
    case AIMRT_DTYPE_INT16: return ((const int16_t *)data)[i];
    case AIMRT_DTYPE_INT32: return ((const int32_t *)data)[i];
    case AIMRT_DTYPE_UINT32: return ((const uint32_t *)data)[i];
    case AIMRT_DTYPE_INT64: return (double)((const int64_t *)data)[i];
    case AIMRT_DTYPE_UINT64: return (double)((const uint64_t *)data)[i];
    default: return 0.0;
    }
}

bool cli_dtype_is_integer(aimrt_dtype dtype)
{
    switch (dtype) {
    case AIMRT_DTYPE_UINT8:
    case AIMRT_DTYPE_INT8:
    case AIMRT_DTYPE_UINT16:
    case AIMRT_DTYPE_INT16:
    case AIMRT_DTYPE_INT32:
    case AIMRT_DTYPE_UINT32:
    case AIMRT_DTYPE_INT64:
    case AIMRT_DTYPE_UINT64: return true;
    default: return false;
    }
}

/* Rounds half to even and clamps to [low, high]; NaN gives 0. The bounds are
 * compared as doubles, so high is the dtype's maximum or 2^63 / 2^64 for the
 * 64-bit types, whose maxima a double cannot hold. */
static double round_clamp(float value, double low, double high)
{
    if (isnan(value))
        return 0.0;
    const double rounded = nearbyint((double)value);
    if (rounded < low)
        return low;
    if (rounded > high)
        return high;
    return rounded;
}

/* Stores a 64-bit integer with saturation at 2^63 (or 2^64 unsigned) and up. */
static void set_wide(void *data, aimrt_dtype dtype, int64_t i, float value)
{
    if (dtype == AIMRT_DTYPE_INT64) {
        const double r = round_clamp(value, -0x1p63, 0x1p63);
        ((int64_t *)data)[i] = r >= 0x1p63 ? INT64_MAX : (int64_t)r;
    } else {
        const double r = round_clamp(value, 0.0, 0x1p64);
        ((uint64_t *)data)[i] = r >= 0x1p64 ? UINT64_MAX : (uint64_t)r;
    }
}

void cli_element_set(void *data, aimrt_dtype dtype, int64_t i, float value)
{
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT: ((float *)data)[i] = value; break;
    case AIMRT_DTYPE_DOUBLE: ((double *)data)[i] = value; break;
    case AIMRT_DTYPE_FLOAT16: ((uint16_t *)data)[i] = aimrt_float_to_half(value); break;
    case AIMRT_DTYPE_BOOL: ((uint8_t *)data)[i] = value != 0.0f; break;
    case AIMRT_DTYPE_UINT8: ((uint8_t *)data)[i] = (uint8_t)round_clamp(value, 0, UINT8_MAX); break;
    case AIMRT_DTYPE_INT8:
        ((int8_t *)data)[i] = (int8_t)round_clamp(value, INT8_MIN, INT8_MAX);
        break;
    case AIMRT_DTYPE_UINT16:
        ((uint16_t *)data)[i] = (uint16_t)round_clamp(value, 0, UINT16_MAX);
        break;
    case AIMRT_DTYPE_INT16:
        ((int16_t *)data)[i] = (int16_t)round_clamp(value, INT16_MIN, INT16_MAX);
        break;
    case AIMRT_DTYPE_INT32:
        ((int32_t *)data)[i] = (int32_t)round_clamp(value, INT32_MIN, INT32_MAX);
        break;
    case AIMRT_DTYPE_UINT32:
        ((uint32_t *)data)[i] = (uint32_t)round_clamp(value, 0, UINT32_MAX);
        break;
    case AIMRT_DTYPE_INT64:
    case AIMRT_DTYPE_UINT64: set_wide(data, dtype, i, value); break;
    default: break;
    }
}
