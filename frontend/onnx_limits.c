/* SPDX-License-Identifier: MIT */
/*
 * Resource limits of the ONNX frontend (aimcc_limits): node count, elements
 * and bytes of one tensor, bytes of all constants, and bytes of external
 * data. Each is checked before the memory it bounds is allocated, so a model
 * that declares a huge tensor or graph fails with a message that names the
 * value, the limit and the --set key that raises it.
 */
#include "frontend/onnx_frontend.h"

static int64_t limit_or_default(int64_t value, int64_t fallback)
{
    return value > 0 ? value : fallback;
}

aimcc_limits onnx_limits_resolve(const aimcc_limits *limits)
{
    const aimcc_limits none = {0};
    if (!limits)
        limits = &none;
    return (aimcc_limits){
        .max_nodes = limit_or_default(limits->max_nodes, AIMCC_DEFAULT_MAX_NODES),
        .max_tensor_elements =
            limit_or_default(limits->max_tensor_elements, AIMCC_DEFAULT_MAX_TENSOR_ELEMENTS),
        .max_tensor_bytes =
            limit_or_default(limits->max_tensor_bytes, AIMCC_DEFAULT_MAX_TENSOR_BYTES),
        .max_total_bytes = limit_or_default(limits->max_total_bytes, AIMCC_DEFAULT_MAX_TOTAL_BYTES),
        .max_external_bytes =
            limit_or_default(limits->max_external_bytes, AIMCC_DEFAULT_MAX_EXTERNAL_BYTES),
    };
}

/* Formats how to raise the limit of key: a --set option in a compilation.
 * A tensor file read outside one (aimcc run's inputs) has the defaults. */
static const char *raise_hint(const onnx_import *import, const char *key)
{
    if (!import->limits_settable)
        return "tensor files read outside a compilation have this fixed limit";
    return aimcc_arena_printf(import->arena, "raise it with --set limits.%s=N", key);
}

aimcc_status onnx_limit_tensor(onnx_import *import, const char *node_name, const char *what,
                               const char *name, aimrt_dtype dtype, int rank,
                               const int64_t *dims)
{
    const size_t elem_size = aimrt_dtype_size(dtype);
    int64_t count = 0;
    if (elem_size == 0 || !aimrt_shape_count(rank, dims, elem_size, &count))
        return AIMCC_OK;  /* the caller reports an invalid dtype or an overflowing shape */
    const aimcc_limits *limits = &import->limits;
    const char *shape = onnx_format_dims(import->arena, rank, dims);
    if (count > limits->max_tensor_elements)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, NULL,
                          "%s \"%s\" of shape %s: %lld elements exceed the limit of %lld; %s",
                          what, name, shape ? shape : "?", (long long)count,
                          (long long)limits->max_tensor_elements,
                          raise_hint(import, "max_tensor_elements"));

    /* count <= max_tensor_elements < 2^63 and elem_size <= 8, and aimrt_shape_count
     * checked that the byte size fits int64. */
    const int64_t n_bytes = count * (int64_t)elem_size;
    if (n_bytes > limits->max_tensor_bytes)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, NULL,
                          "%s \"%s\" of %s shape %s: %lld bytes exceed the limit of %lld; %s",
                          what, name, aimrt_dtype_name(dtype), shape ? shape : "?",
                          (long long)n_bytes, (long long)limits->max_tensor_bytes,
                          raise_hint(import, "max_tensor_bytes"));
    return AIMCC_OK;
}

aimcc_status onnx_limit_add_constant(onnx_import *import, const char *node_name, const char *name,
                                     uint64_t n_bytes)
{
    const int64_t limit = import->limits.max_total_bytes;
    const int64_t before = import->n_constant_bytes;
    if (n_bytes > (uint64_t)(limit - before))
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, NULL,
                          "tensor \"%s\": its %llu bytes bring the constants of the model to "
                          "%llu bytes, over the limit of %lld; %s",
                          name, (unsigned long long)n_bytes,
                          (unsigned long long)before + (unsigned long long)n_bytes,
                          (long long)limit, raise_hint(import, "max_total_bytes"));
    import->n_constant_bytes = before + (int64_t)n_bytes;
    return AIMCC_OK;
}

aimcc_status onnx_limit_add_external(onnx_import *import, const char *name, uint64_t n_bytes)
{
    const int64_t limit = import->limits.max_external_bytes;
    const int64_t before = import->n_external_bytes;
    if (n_bytes > (uint64_t)(limit - before))
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "tensor \"%s\": its %llu bytes of external data bring the external "
                          "data read to %llu bytes, over the limit of %lld; %s",
                          name, (unsigned long long)n_bytes,
                          (unsigned long long)before + (unsigned long long)n_bytes,
                          (long long)limit, raise_hint(import, "max_external_bytes"));
    import->n_external_bytes = before + (int64_t)n_bytes;
    return AIMCC_OK;
}

aimcc_status onnx_limit_add_nodes(onnx_import *import, const char *graph_name, bool is_branch,
                                  size_t n_nodes)
{
    const int64_t limit = import->limits.max_nodes;
    const int64_t before = import->n_nodes;
    const char *name = graph_name ? graph_name : "";
    if (n_nodes > (uint64_t)(limit - before) && !is_branch)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "the main graph \"%s\": %zu nodes exceed the limit of %lld; %s", name,
                          n_nodes, (long long)limit, raise_hint(import, "max_nodes"));
    if (n_nodes > (uint64_t)(limit - before))
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "the If branch graph \"%s\": its %zu nodes bring the model to %llu "
                          "nodes, over the limit of %lld; %s",
                          name, n_nodes, (unsigned long long)before + (unsigned long long)n_nodes,
                          (long long)limit, raise_hint(import, "max_nodes"));
    import->n_nodes = before + (int64_t)n_nodes;
    return AIMCC_OK;
}
