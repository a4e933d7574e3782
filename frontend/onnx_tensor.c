/* SPDX-License-Identifier: MIT */
/*
 * Decoding of ONNX TensorProto into dense tensors: the element type, the
 * shape (checked for negative dims and overflow), and every storage form:
 * raw_data (little-endian), the typed repeated fields, and external data.
 * The element count must match the stored data exactly.
 */
#include "frontend/onnx_frontend.h"

#include <stdio.h>
#include <string.h>

/* raw_data and external data are little-endian and are copied as they are. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "aimcc assumes a little-endian host");

static const char *const onnx_dtype_names[] = {
    "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
    "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
    "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
};

const char *onnx_dtype_name(int64_t data_type)
{
    const int64_t n = (int64_t)(sizeof onnx_dtype_names / sizeof onnx_dtype_names[0]);
    return data_type >= 0 && data_type < n ? onnx_dtype_names[data_type] : "unknown";
}

aimrt_dtype onnx_dtype_to_aimrt(int64_t data_type)
{
    /* The runtime numbers its dtypes as TensorProto.DataType, leaving out the ones it lacks. */
    if (data_type <= 0 || data_type >= AIMRT_DTYPE_COUNT || data_type == 8)
        return AIMRT_DTYPE_UNDEFINED;
    return aimrt_dtype_size((aimrt_dtype)data_type) ? (aimrt_dtype)data_type : AIMRT_DTYPE_UNDEFINED;
}

const char *onnx_format_dims(aimcc_arena *arena, int rank, const int64_t *dims)
{
    char text[AIMRT_MAX_RANK * 24 + 4];
    size_t used = 0;
    text[used++] = '[';
    for (int i = 0; i < rank && i < AIMRT_MAX_RANK; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", i ? ", " : "",
                                 (long long)dims[i]);
    snprintf(text + used, sizeof text - used, "]");
    return aimcc_arena_strdup(arena, text);
}

/* The facts about one tensor that every decoding step and message needs. */
typedef struct tensor_layout {
    const char *name;
    const char *node_name;
    aimrt_dtype dtype;
    int64_t count;
    size_t n_bytes;
    const char *shape;    /* formatted, for messages */
} tensor_layout;

static aimcc_status fail_count(onnx_import *import, const tensor_layout *layout, const char *field,
                               size_t n_found)
{
    return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                      "tensor '%s' has %zu values in %s but its %s shape %s needs %lld; "
                      "re-export the model",
                      layout->name, n_found, field, onnx_dtype_name(layout->dtype),
                      layout->shape, (long long)layout->count);
}

/* Narrows int32_data into the tensor's dtype, checking each element's range. */
static aimcc_status decode_int32_data(onnx_import *import, const Onnx__TensorProto *tensor,
                                      const tensor_layout *layout, uint8_t *data)
{
    int64_t low = INT32_MIN;
    int64_t high = INT32_MAX;
    switch (layout->dtype) {
    case AIMRT_DTYPE_INT8: low = INT8_MIN; high = INT8_MAX; break;
    case AIMRT_DTYPE_UINT8: low = 0; high = UINT8_MAX; break;
    case AIMRT_DTYPE_INT16: low = INT16_MIN; high = INT16_MAX; break;
    case AIMRT_DTYPE_UINT16: low = 0; high = UINT16_MAX; break;
    case AIMRT_DTYPE_BOOL: low = 0; high = 1; break;
    /* Each element contains the 16-bit pattern of one half; some writers sign-extend it. */
    case AIMRT_DTYPE_FLOAT16: low = INT16_MIN; high = UINT16_MAX; break;
    default: break;
    }

    for (int64_t i = 0; i < layout->count; i++) {
        const int32_t element = tensor->int32_data[i];
        if (element < low || element > high)
            return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                              "element %lld of tensor '%s' is %d in int32_data, outside the "
                              "%s range [%lld, %lld]; re-export the model",
                              (long long)i, layout->name, (int)element,
                              onnx_dtype_name(layout->dtype), (long long)low, (long long)high);
        switch (layout->dtype) {
        case AIMRT_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)element; break;
        case AIMRT_DTYPE_UINT8:
        case AIMRT_DTYPE_BOOL: data[i] = (uint8_t)element; break;
        case AIMRT_DTYPE_INT16: ((int16_t *)data)[i] = (int16_t)element; break;
        case AIMRT_DTYPE_UINT16:
        case AIMRT_DTYPE_FLOAT16: ((uint16_t *)data)[i] = (uint16_t)(element & 0xffff); break;
        default: ((int32_t *)data)[i] = element; break;
        }
    }
    return AIMCC_OK;
}

static aimcc_status decode_uint64_data(onnx_import *import, const Onnx__TensorProto *tensor,
                                       const tensor_layout *layout, uint8_t *data)
{
    for (int64_t i = 0; i < layout->count; i++) {
        const uint64_t element = tensor->uint64_data[i];
        if (layout->dtype == AIMRT_DTYPE_UINT64) {
            ((uint64_t *)data)[i] = element;
            continue;
        }
        if (element > UINT32_MAX)
            return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                              "element %lld of tensor '%s' is %llu in uint64_data, outside the "
                              "UINT32 range; re-export the model",
                              (long long)i, layout->name, (unsigned long long)element);
        ((uint32_t *)data)[i] = (uint32_t)element;
    }
    return AIMCC_OK;
}

/* Decodes the typed repeated field that the dtype stores its values in. */
static aimcc_status decode_typed_field(onnx_import *import, const Onnx__TensorProto *tensor,
                                       const tensor_layout *layout, uint8_t *data)
{
    const size_t count = (size_t)layout->count;
    switch (layout->dtype) {
    case AIMRT_DTYPE_FLOAT:
        if (tensor->n_float_data != count)
            return fail_count(import, layout, "float_data", tensor->n_float_data);
        memcpy(data, tensor->float_data, layout->n_bytes);
        return AIMCC_OK;
    case AIMRT_DTYPE_DOUBLE:
        if (tensor->n_double_data != count)
            return fail_count(import, layout, "double_data", tensor->n_double_data);
        memcpy(data, tensor->double_data, layout->n_bytes);
        return AIMCC_OK;
    case AIMRT_DTYPE_INT64:
        if (tensor->n_int64_data != count)
            return fail_count(import, layout, "int64_data", tensor->n_int64_data);
        memcpy(data, tensor->int64_data, layout->n_bytes);
        return AIMCC_OK;
    case AIMRT_DTYPE_UINT32:
    case AIMRT_DTYPE_UINT64:
        if (tensor->n_uint64_data != count)
            return fail_count(import, layout, "uint64_data", tensor->n_uint64_data);
        return decode_uint64_data(import, tensor, layout, data);
    default:
        if (tensor->n_int32_data != count)
            return fail_count(import, layout, "int32_data", tensor->n_int32_data);
        return decode_int32_data(import, tensor, layout, data);
    }
}

/* Returns true when any typed repeated field has values. */
static bool has_typed_values(const Onnx__TensorProto *tensor)
{
    return tensor->n_float_data || tensor->n_double_data || tensor->n_int32_data ||
           tensor->n_int64_data || tensor->n_uint64_data || tensor->n_string_data;
}

static aimcc_status decode_data(onnx_import *import, const Onnx__TensorProto *tensor,
                                const tensor_layout *layout, void **out)
{
    if (tensor->has_data_location &&
        tensor->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return onnx_external_read(import, tensor, layout->name, layout->n_bytes, out);

    if (!tensor->has_raw_data && !has_typed_values(tensor) && layout->count > 0)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                          "tensor '%s' of shape %s has no data (no raw_data, typed values or "
                          "external data); re-export the model",
                          layout->name, layout->shape);
    if (tensor->has_raw_data && tensor->raw_data.len != layout->n_bytes)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                          "tensor '%s' has %zu bytes of raw_data but its %s shape %s needs %zu; "
                          "re-export the model",
                          layout->name, tensor->raw_data.len, onnx_dtype_name(layout->dtype),
                          layout->shape, layout->n_bytes);

    /* One spare byte keeps the pointer valid for empty tensors. */
    uint8_t *data = aimcc_arena_alloc(import->arena, layout->n_bytes + 1);
    if (!data)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, layout->node_name, NULL,
                          "out of memory decoding tensor '%s' (%zu bytes)", layout->name,
                          layout->n_bytes);
    *out = data;
    if (layout->count == 0)
        return AIMCC_OK;
    if (!tensor->has_raw_data)
        return decode_typed_field(import, tensor, layout, data);

    memcpy(data, tensor->raw_data.data, layout->n_bytes);
    /* A bool is one byte; anything but 0 reads as true, as numpy does. */
    if (layout->dtype == AIMRT_DTYPE_BOOL) {
        for (size_t i = 0; i < layout->n_bytes; i++)
            data[i] = data[i] != 0;
    }
    return AIMCC_OK;
}

/* Checks the dtype and the shape, and fills the layout. */
static aimcc_status check_layout(onnx_import *import, const Onnx__TensorProto *tensor,
                                 tensor_layout *layout, aimrt_tensor *out)
{
    const int64_t data_type = tensor->has_data_type ? tensor->data_type : 0;
    layout->dtype = onnx_dtype_to_aimrt(data_type);
    if (data_type == 0)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                          "tensor '%s' has no data_type; re-export the model", layout->name);
    if (layout->dtype == AIMRT_DTYPE_UNDEFINED)
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, layout->node_name, NULL,
                          "tensor '%s' has data_type %s (%lld), which aimcc does not support; "
                          "convert it to a numeric type such as FLOAT in the model",
                          layout->name, onnx_dtype_name(data_type), (long long)data_type);
    if (tensor->n_dims > AIMRT_MAX_RANK)
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, layout->node_name, NULL,
                          "tensor '%s' has rank %zu; aimcc supports tensors of rank up to %d, a "
                          "fixed limit of the runtime (AIMRT_MAX_RANK) that no option raises",
                          layout->name, tensor->n_dims, AIMRT_MAX_RANK);

    out->dtype = layout->dtype;
    out->rank = (int)tensor->n_dims;
    for (int i = 0; i < out->rank; i++)
        out->dims[i] = tensor->dims[i];
    layout->shape = onnx_format_dims(import->arena, out->rank, out->dims);
    if (!layout->shape)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, layout->node_name, NULL,
                          "out of memory decoding tensor '%s'", layout->name);
    for (int i = 0; i < out->rank; i++) {
        if (out->dims[i] < 0)
            return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                              "tensor '%s' has the negative dimension %lld at axis %d of shape "
                              "%s; re-export the model",
                              layout->name, (long long)out->dims[i], i, layout->shape);
    }

    const size_t elem_size = aimrt_dtype_size(layout->dtype);
    if (!aimrt_shape_count(out->rank, out->dims, elem_size, &layout->count) ||
        (uint64_t)layout->count > SIZE_MAX / elem_size)
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, layout->node_name, NULL,
                          "tensor '%s' of %s shape %s is too large: its element count or byte "
                          "size overflows 64 bits; re-export the model",
                          layout->name, onnx_dtype_name(layout->dtype), layout->shape);
    layout->n_bytes = (size_t)layout->count * elem_size;
    return onnx_limit_tensor(import, layout->node_name, "tensor", layout->name, layout->dtype,
                             out->rank, out->dims);
}

aimcc_status onnx_tensor_decode(onnx_import *import, const Onnx__TensorProto *tensor,
                                const char *node_name, aimrt_tensor *out)
{
    memset(out, 0, sizeof *out);
    tensor_layout layout = {
        .name = tensor->name && tensor->name[0] ? tensor->name : "(unnamed)",
        .node_name = node_name,
    };
    aimcc_status status = check_layout(import, tensor, &layout, out);
    if (status == AIMCC_OK)
        status = onnx_limit_add_constant(import, node_name, layout.name, layout.n_bytes);
    if (status != AIMCC_OK)
        return status;
    return decode_data(import, tensor, &layout, &out->data);
}

aimcc_status onnx_import_tensor(onnx_import *import, const Onnx__TensorProto *tensor,
                                const char *node_name, aimcc_value **out)
{
    *out = NULL;
    aimrt_tensor decoded;
    const aimcc_status status = onnx_tensor_decode(import, tensor, node_name, &decoded);
    if (status != AIMCC_OK)
        return status;

    /* The decoded data already lives in the arena, so the value takes it over uncopied. */
    const char *name = tensor->name && tensor->name[0] ? tensor->name : NULL;
    aimcc_value *value = aimcc_ir_value_add(import->module, name, AIMCC_VALUE_CONST, decoded.dtype,
                                            decoded.rank, decoded.dims, NULL);
    if (!value)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, node_name, NULL,
                          "out of memory adding tensor '%s'", name ? name : "(unnamed)");
    value->data = decoded.data;
    *out = value;
    return AIMCC_OK;
}
