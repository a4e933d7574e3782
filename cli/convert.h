/* SPDX-License-Identifier: MIT */
/*
 * Element access across dtypes for eval: reading any numeric element as a
 * double, and storing a float into any numeric dtype the way a graph input
 * expects it (round half to even, saturating at the dtype's range).
 */
#ifndef AIMCC_CLI_CONVERT_H
#define AIMCC_CLI_CONVERT_H

#include <stdint.h>

#include "aimrt/tensor.h"

/* Returns element i of data (dtype) as a double; bool reads as 0 or 1. Integers
 * beyond 2^53 in magnitude round to the nearest double. */
double cli_element_get(const void *data, aimrt_dtype dtype, int64_t i);

/* Stores value as element i of data (dtype). Integer dtypes take the value
 * rounded half to even and clamped to their range (NaN stores 0); bool stores
 * value != 0; f16 rounds half to even. */
void cli_element_set(void *data, aimrt_dtype dtype, int64_t i, float value);

/* Returns true for the integer dtypes (not bool, not floating point). */
bool cli_dtype_is_integer(aimrt_dtype dtype);

#endif
