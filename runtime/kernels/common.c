/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by every kernel family: failure messages, arity and dtype
 * checks, and attribute reading that validates what an untrusted program
 * supplies before a kernel uses it.
 */
#include "kernels/kernels.h"

#include <stdarg.h>
#include <stdio.h>

aimrt_status aimrt_kernel_fail(aimrt_op_call *call, aimrt_status status, const char *fmt, ...)
{
    if (!call->message || call->message_size == 0)
        return status;

    const char *name = aimrt_op_name(call->op);
    int used = name ? snprintf(call->message, call->message_size, "%s: ", name)
                    : snprintf(call->message, call->message_size, "op %d: ", (int)call->op);
    if (used < 0 || (size_t)used >= call->message_size)
        return status;

    va_list args;
    va_start(args, fmt);
    vsnprintf(call->message + used, call->message_size - (size_t)used, fmt, args);
    va_end(args);
    return status;
}

const aimrt_tensor *aimrt_kernel_input(const aimrt_op_call *call, int i)
{
    if (i >= call->n_inputs || !call->inputs)
        return NULL;
    if (call->inputs[i].dtype == AIMRT_DTYPE_UNDEFINED)
        return NULL;
    return &call->inputs[i];
}

/* Checks that every attribute has a known key and kind and its values exist,
 * so the lookups in op_table.c can read them. */
static aimrt_status check_attrs(aimrt_op_call *call)
{
    if (call->n_attrs < 0 || (call->n_attrs > 0 && !call->attrs))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "has %d attributes but no array",
                                 call->n_attrs);
    for (int i = 0; i < call->n_attrs; i++) {
        const aimrt_attr *a = &call->attrs[i];
        const bool known = (int)a->key >= 0 && a->key < AIMRT_ATTR_KEY_COUNT &&
                           (a->kind == AIMRT_ATTR_INTS || a->kind == AIMRT_ATTR_FLOATS);
        const void *values =
            a->kind == AIMRT_ATTR_INTS ? (const void *)a->ints : (const void *)a->floats;
        if (!known || a->n < 0 || (a->n > 0 && !values))
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "attribute %d (key %d, kind %d, %d values) is invalid", i,
                                     (int)a->key, (int)a->kind, a->n);
    }
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_check_arity(aimrt_op_call *call, int min_inputs, int max_inputs)
{
    aimrt_status status = check_attrs(call);
    if (status != AIMRT_OK)
        return status;
    if (call->n_inputs > 0 && !call->inputs)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "has %d inputs but no array",
                                 call->n_inputs);
    if (call->n_inputs < min_inputs || call->n_inputs > max_inputs) {
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "has %d inputs but takes %d to %d",
                                 call->n_inputs, min_inputs, max_inputs);
    }
    if (call->n_outputs != 1 || !call->outputs)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "has %d outputs but takes 1",
                                 call->n_outputs);
    for (int i = 0; i < call->n_inputs; i++) {
        const aimrt_tensor *t = &call->inputs[i];
        if (i < min_inputs && t->dtype == AIMRT_DTYPE_UNDEFINED)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "input %d is missing", i);
        if (t->dtype == AIMRT_DTYPE_UNDEFINED)
            continue;
        if (aimrt_dtype_size(t->dtype) == 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED, "input %d has dtype code %d", i,
                                     (int)t->dtype);
        int64_t count;
        if (!aimrt_shape_count(t->rank, t->dims, aimrt_dtype_size(t->dtype), &count))
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "input %d has rank %d or a dimension out of range", i,
                                     t->rank);
    }
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_ints(aimrt_op_call *call, aimrt_attr_key key, int max_n,
                               const int64_t **values, int *n)
{
    *values = NULL;
    *n = 0;
    const aimrt_attr *attr = aimrt_attr_find(call->attrs, call->n_attrs, key);
    if (!attr)
        return AIMRT_OK;
    if (attr->kind != AIMRT_ATTR_INTS || attr->n < 0 || (attr->n > 0 && !attr->ints))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "attribute %s must be ints",
                                 aimrt_attr_key_name(key));
    if (attr->n > max_n)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "attribute %s has %d values, more than %d",
                                 aimrt_attr_key_name(key), attr->n, max_n);
    *values = attr->ints;
    *n = attr->n;
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_int(aimrt_op_call *call, aimrt_attr_key key, int64_t fallback, int64_t lo,
                              int64_t hi, int64_t *value)
{
    const int64_t *values;
    int n;
    aimrt_status status = aimrt_kernel_ints(call, key, 1, &values, &n);
    if (status != AIMRT_OK)
        return status;

    *value = n == 1 ? values[0] : fallback;
    if (*value < lo || *value > hi)
        return aimrt_kernel_fail(
            call, AIMRT_ERR_INVALID_ARG, "attribute %s is %lld, outside [%lld, %lld]",
            aimrt_attr_key_name(key), (long long)*value, (long long)lo, (long long)hi);
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_axis(aimrt_op_call *call, int64_t axis, int rank, int *out)
{
    if (axis < -rank || axis >= rank)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_set_output(aimrt_op_call *call, aimrt_dtype dtype, int rank,
                                     const int64_t *dims)
{
    int64_t count;
    if (rank < 0 || rank > AIMRT_MAX_RANK)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "output rank %d exceeds the maximum %d", rank, AIMRT_MAX_RANK);
    if (!aimrt_shape_count(rank, dims, aimrt_dtype_size(dtype), &count))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "output shape has a negative dimension or too many elements");

    aimrt_tensor *y = &call->outputs[0];
    y->dtype = dtype;
    y->rank = rank;
    for (int i = 0; i < AIMRT_MAX_RANK; i++)
        y->dims[i] = i < rank ? dims[i] : 0;
    return AIMRT_OK;
}

bool aimrt_kernel_is_float(aimrt_dtype dtype)
{
    return dtype == AIMRT_DTYPE_FLOAT || dtype == AIMRT_DTYPE_DOUBLE;
}

int64_t aimrt_kernel_count(const aimrt_tensor *tensor)
{
    int64_t count = 0;
    aimrt_shape_count(tensor->rank, tensor->dims, 0, &count);
    return count;
}

aimrt_status aimrt_kernel_check_float(aimrt_op_call *call, const aimrt_tensor *tensor,
                                      const char *name, const aimrt_tensor *other)
{
    if (!aimrt_kernel_is_float(tensor->dtype))
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "%s has dtype %s, but the kernel takes f32 or f64", name,
                                 aimrt_dtype_name(tensor->dtype));
    if (other && other->dtype != tensor->dtype)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "%s has dtype %s but x has %s", name,
                                 aimrt_dtype_name(tensor->dtype), aimrt_dtype_name(other->dtype));
    return AIMRT_OK;
}
