/* SPDX-License-Identifier: MIT */
/*
 * Output comparison for the conformance tests (declared in test_pipeline.h): the project's
 * float tolerance, exact integers, and a failure report with the max absolute error, the
 * NMSE and the first mismatch.
 */
#include "test_pipeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const test_tolerance test_tolerance_default = {1e-4, 1e-3, 0};

static bool dtype_is_float(aimrt_dtype dtype)
{
    return dtype == AIMRT_DTYPE_FLOAT || dtype == AIMRT_DTYPE_FLOAT16 ||
           dtype == AIMRT_DTYPE_DOUBLE;
}

/* Returns element i of a numeric tensor as a double (exact for every integer of up to 53
 * bits; larger 64-bit integers are compared by integer_distance). */
static double value_at(const aimrt_tensor *tensor, int64_t i)
{
    switch (tensor->dtype) {
    case AIMRT_DTYPE_FLOAT:
        return ((const float *)tensor->data)[i];
    case AIMRT_DTYPE_FLOAT16:
        return aimrt_half_to_float(((const uint16_t *)tensor->data)[i]);
    case AIMRT_DTYPE_DOUBLE:
        return ((const double *)tensor->data)[i];
    case AIMRT_DTYPE_UINT8:
        return ((const uint8_t *)tensor->data)[i];
    case AIMRT_DTYPE_INT8:
        return ((const int8_t *)tensor->data)[i];
    case AIMRT_DTYPE_UINT16:
        return ((const uint16_t *)tensor->data)[i];
    case AIMRT_DTYPE_INT16:
        return ((const int16_t *)tensor->data)[i];
    case AIMRT_DTYPE_INT32:
        return ((const int32_t *)tensor->data)[i];
    case AIMRT_DTYPE_INT64:
        return (double)((const int64_t *)tensor->data)[i];
    case AIMRT_DTYPE_BOOL:
        return ((const uint8_t *)tensor->data)[i] != 0;
    case AIMRT_DTYPE_UINT32:
        return ((const uint32_t *)tensor->data)[i];
    case AIMRT_DTYPE_UINT64:
        return (double)((const uint64_t *)tensor->data)[i];
    default:
        return NAN;
    }
}

/* Returns |actual - expected| of integer element i, saturated at INT64_MAX. */
static int64_t integer_distance(const aimrt_tensor *actual, const aimrt_tensor *expected, int64_t i)
{
    if (actual->dtype == AIMRT_DTYPE_INT64 || actual->dtype == AIMRT_DTYPE_UINT64) {
        const uint64_t a = ((const uint64_t *)actual->data)[i];
        const uint64_t e = ((const uint64_t *)expected->data)[i];
        const bool is_signed = actual->dtype == AIMRT_DTYPE_INT64;
        const bool a_less = is_signed ? (int64_t)a < (int64_t)e : a < e;
        const uint64_t distance = a_less ? e - a : a - e;
        return distance > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)distance;
    }
    return (int64_t)fabs(value_at(actual, i) - value_at(expected, i));
}

static bool floats_match(double actual, double expected, double bound)
{
    if (isnan(expected))
        return isnan(actual);
    if (isinf(expected))
        return actual == expected;
    return fabs(actual - expected) <= bound;
}

static bool same_shape(const aimrt_tensor *a, const aimrt_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return false;
    return true;
}

static void print_dims(const aimrt_tensor *tensor)
{
    printf("[");
    for (int d = 0; d < tensor->rank; d++)
        printf("%s%lld", d > 0 ? "," : "", (long long)tensor->dims[d]);
    printf("]");
}

bool test_compare_outputs(const aimrt_tensor *actual, const aimrt_tensor *expected,
                          test_tolerance tolerance, const char *label)
{
    if (actual->dtype != expected->dtype || !same_shape(actual, expected)) {
        printf("%s: got %s", label, aimrt_dtype_name(actual->dtype));
        print_dims(actual);
        printf(", expected %s", aimrt_dtype_name(expected->dtype));
        print_dims(expected);
        printf("\n");
        return false;
    }

    const int64_t count = test_tensor_count(expected);
    const bool is_float = dtype_is_float(expected->dtype);
    double max_expected = 0.0;
    for (int64_t i = 0; i < count; i++) {
        const double e = fabs(value_at(expected, i));
        if (isfinite(e) && e > max_expected)
            max_expected = e;
    }
    const double abs_bound = tolerance.abs_scale * (max_expected > 1.0 ? max_expected : 1.0);

    double max_error = 0.0, error_sum = 0.0, expected_sum = 0.0;
    int64_t n_bad = 0, first_bad = -1;
    for (int64_t i = 0; i < count; i++) {
        const double a = value_at(actual, i), e = value_at(expected, i);
        bool ok;
        if (is_float)
            ok = floats_match(a, e, abs_bound + tolerance.rel * fabs(e));
        else
            ok = integer_distance(actual, expected, i) <= tolerance.int_steps;
        if (isfinite(a) && isfinite(e)) {
            const double error = fabs(a - e);
            max_error = error > max_error ? error : max_error;
            error_sum += error * error;
            expected_sum += e * e;
        }
        if (!ok && n_bad++ == 0)
            first_bad = i;
    }
    if (n_bad == 0)
        return true;

    const double nmse = expected_sum > 0.0 ? error_sum / expected_sum : error_sum;
    printf("%s: %lld of %lld elements differ; max abs error %.6g, NMSE %.6g; first at index "
           "%lld: actual %.9g, expected %.9g (bound %.3g + %.3g * |expected|, integers %lld "
           "steps)\n",
           label, (long long)n_bad, (long long)count, max_error, nmse, (long long)first_bad,
           value_at(actual, first_bad), value_at(expected, first_bad), abs_bound, tolerance.rel,
           (long long)tolerance.int_steps);
    return false;
}
