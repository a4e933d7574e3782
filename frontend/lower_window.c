/* SPDX-License-Identifier: MIT */
/*
 * The sliding window of Conv, MaxPool and AveragePool: strides, dilations and
 * pads, with auto_pad resolved into explicit begin and end pads as the ONNX
 * operator specification defines them.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* Reads an ints attribute of n_spatial values (or fallback_value each when absent). */
static aimcc_status read_per_axis(lower_node *node, const char *name, int n_expected,
                                  int64_t fallback_value, int64_t minimum, int64_t *out)
{
    int n = 0;
    const int64_t *values = NULL;
    aimcc_status status = lower_attr_ints(node, name, &n, &values);
    if (status != AIMCC_OK)
        return status;
    if (n < 0) {
        for (int i = 0; i < n_expected; i++)
            out[i] = fallback_value;
        return AIMCC_OK;
    }
    if (n != n_expected)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "attribute \"%s\" has %d values but the input needs %d", name, n,
                          n_expected);
    for (int i = 0; i < n; i++) {
        if (values[i] < minimum || values[i] > INT32_MAX)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "attribute \"%s\" value %lld at index %d is out of range "
                              "[%lld, %d]",
                              name, (long long)values[i], i, (long long)minimum, INT32_MAX);
        out[i] = values[i];
    }
    return AIMCC_OK;
}

/*
 * SAME pads keep ceil(in / stride) outputs. When the total pad is odd,
 * SAME_UPPER puts the extra one at the end and SAME_LOWER at the start.
 */
static void resolve_same(lower_window *window, const aimcc_value *x, bool upper)
{
    for (int i = 0; i < window->n_spatial; i++) {
        const int64_t in = x->dims[2 + i];
        const int64_t stride = window->strides[i];
        const int64_t out = (in + stride - 1) / stride;
        const int64_t extent = (window->kernel[i] - 1) * window->dilations[i] + 1;
        int64_t total = (out - 1) * stride + extent - in;
        if (total < 0)
            total = 0;
        const int64_t small = total / 2;
        window->pads[i] = upper ? small : total - small;
        window->pads[window->n_spatial + i] = upper ? total - small : small;
    }
}

aimcc_status lower_window_read(lower_node *node, const aimcc_value *x, bool read_dilations,
                               lower_window *window)
{
    const int n = window->n_spatial;
    for (int i = 0; i < n; i++)
        window->dilations[i] = 1;
    aimcc_status status = read_per_axis(node, "strides", n, 1, 1, window->strides);
    if (status == AIMCC_OK && read_dilations)
        status = read_per_axis(node, "dilations", n, 1, 1, window->dilations);
    if (status != AIMCC_OK)
        return status;

    const char *auto_pad = NULL;
    status = lower_attr_string(node, "auto_pad", "NOTSET", &auto_pad);
    if (status != AIMCC_OK)
        return status;
    window->auto_pad = false;
    if (strcmp(auto_pad, "NOTSET") == 0)
        return read_per_axis(node, "pads", 2 * n, 0, 0, window->pads);
    if (strcmp(auto_pad, "VALID") == 0) {
        memset(window->pads, 0, sizeof window->pads);
        return AIMCC_OK;
    }
    if (strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0) {
        window->auto_pad = true;
        resolve_same(window, x, strcmp(auto_pad, "SAME_UPPER") == 0);
        return AIMCC_OK;
    }
    return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                      "auto_pad is \"%s\" but must be NOTSET, SAME_UPPER, SAME_LOWER or VALID",
                      auto_pad);
}
