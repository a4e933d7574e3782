/* SPDX-License-Identifier: MIT */
/*
 * Constant (every numeric form), ConstantOfShape, and the ops that pass data
 * through: Identity, inference-mode Dropout and Cast.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* Names a value after the node's output, so dumps show the ONNX tensor name. */
static aimcc_status bind_named(lower_node *node, aimcc_value *value)
{
    const char *name = lower_output_name(node, 0);
    if (name != NULL)
        value->name = aimcc_arena_strdup(node->module->arena, name);
    return lower_bind(node, 0, value);
}

static aimcc_status constant_from_tensor(lower_node *node, const Onnx__AttributeProto *attr)
{
    if (attr->t == NULL || (attr->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR &&
                            attr->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED))
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "attribute \"value\" must hold a tensor");
    aimcc_value *value = NULL;
    aimcc_status status = onnx_import_tensor(node->import, attr->t, node->name, &value);
    return status != AIMCC_OK ? status : bind_named(node, value);
}

aimcc_status lower_constant_node(lower_node *node)
{
    static const char *const unsupported[] = {"value_string", "value_strings", "sparse_value"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        if (lower_attr_find(node, unsupported[i]) != NULL)
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "attribute \"%s\" is not supported; aimcc reads numeric "
                              "constants only (value, value_float(s), value_int(s))",
                              unsupported[i]);
    }

    const Onnx__AttributeProto *attr = lower_attr_find(node, "value");
    if (attr != NULL)
        return constant_from_tensor(node, attr);

    aimcc_value *value = NULL;
    aimcc_status status = AIMCC_OK;
    int n = 0;
    if (lower_attr_find(node, "value_float") != NULL) {
        float scalar = 0.0f;
        status = lower_attr_float(node, "value_float", 0.0f, &scalar);
        if (status == AIMCC_OK)
            status = lower_constant(node, NULL, AIMRT_DTYPE_FLOAT, 0, NULL, &scalar, &value);
    } else if (lower_attr_find(node, "value_floats") != NULL) {
        const float *floats = NULL;
        status = lower_attr_floats(node, "value_floats", &n, &floats);
        const int64_t dim = n;
        if (status == AIMCC_OK)
            status = lower_constant(node, NULL, AIMRT_DTYPE_FLOAT, 1, &dim, floats, &value);
    } else if (lower_attr_find(node, "value_int") != NULL) {
        int64_t scalar = 0;
        status = lower_attr_int(node, "value_int", 0, &scalar);
        if (status == AIMCC_OK)
            status = lower_constant(node, NULL, AIMRT_DTYPE_INT64, 0, NULL, &scalar, &value);
    } else if (lower_attr_find(node, "value_ints") != NULL) {
        const int64_t *ints = NULL;
        status = lower_attr_ints(node, "value_ints", &n, &ints);
        const int64_t dim = n;
        if (status == AIMCC_OK)
            status = lower_constant(node, NULL, AIMRT_DTYPE_INT64, 1, &dim, ints, &value);
    } else {
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "Constant has none of the attributes value, value_float, "
                          "value_floats, value_int or value_ints");
    }
    return status != AIMCC_OK ? status : bind_named(node, value);
}

/* Decodes ConstantOfShape's value attribute: one element, float 0 when absent. */
static aimcc_status read_fill(lower_node *node, aimrt_dtype *dtype, const void **element)
{
    static const float zero = 0.0f;
    const Onnx__AttributeProto *attr = lower_attr_find(node, "value");
    *dtype = AIMRT_DTYPE_FLOAT;
    *element = &zero;
    if (attr == NULL)
        return AIMCC_OK;
    if (attr->t == NULL)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "attribute \"value\" must hold a tensor");
    aimcc_value *value = NULL;
    aimcc_status status = onnx_import_tensor(node->import, attr->t, node->name, &value);
    if (status != AIMCC_OK)
        return status;
    if (aimcc_ir_value_count(value) != 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "attribute \"value\" has %lld elements but must have one",
                          (long long)aimcc_ir_value_count(value));
    *dtype = value->dtype;
    *element = value->data;
    return AIMCC_OK;
}

aimcc_status lower_constant_of_shape(lower_node *node)
{
    int rank = 0;
    int64_t *dims = NULL;
    aimcc_status status = lower_const_ints(node, 0, "shape", &rank, &dims);
    aimrt_dtype dtype = AIMRT_DTYPE_FLOAT;
    const void *element = NULL;
    if (status == AIMCC_OK)
        status = read_fill(node, &dtype, &element);
    if (status != AIMCC_OK)
        return status;
    if (rank > AIMRT_MAX_RANK)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED, "the shape has %d entries; at most rank %d is supported",
                          rank, AIMRT_MAX_RANK);
    for (int i = 0; i < rank; i++) {
        if (dims[i] == AIMCC_DIM_BATCH) {
            node->module->batch_broken = true;
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "shape[%d] is the run-time batch, but a constant cannot follow "
                              "the batch size; give the batch dimension a fixed size with "
                              "--dim NAME=VALUE or export the model with a fixed batch",
                              i);
        }
        if (dims[i] < 0)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "shape[%d] = %lld is negative", i,
                              (long long)dims[i]);
    }

    const size_t size = aimrt_dtype_size(dtype);
    int64_t count = 0;
    if (size == 0 || !aimrt_shape_count(rank, dims, size, &count))
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "the shape is too large");
    const char *output_name = lower_output_name(node, 0);
    status = onnx_limit_tensor(node->import, node->name, "constant",
                               output_name ? output_name : "(unnamed)", dtype, rank, dims);
    if (status != AIMCC_OK)
        return status;
    unsigned char *data = aimcc_arena_alloc(node->module->arena, (size_t)count * size + 1);
    if (data == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory for %lld elements",
                          (long long)count);
    for (int64_t i = 0; i < count; i++)
        memcpy(data + (size_t)i * size, element, size);
    aimcc_value *value = NULL;
    status = lower_constant(node, lower_output_name(node, 0), dtype, rank, dims, data, &value);
    return status != AIMCC_OK ? status : lower_bind(node, 0, value);
}

aimcc_status lower_identity(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    return status != AIMCC_OK ? status : lower_emit_bind(node, AIMRT_OP_IDENTITY, x, NULL, 0, NULL);
}

/* Dropout at inference passes x through; its mask output is all true. */
aimcc_status lower_dropout(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status == AIMCC_OK && node->opset >= 12 && lower_input(node, 2) != NULL) {
        float training = 0.0f;
        status = lower_const_scalar(node, 2, "training_mode", &training);
        if (status == AIMCC_OK && training != 0.0f)
            return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                              "training_mode is true but aimcc compiles inference only; export "
                              "the model for inference (model.eval() in PyTorch)");
    }
    if (status == AIMCC_OK)
        status = lower_emit_bind(node, AIMRT_OP_IDENTITY, x, NULL, 0, NULL);
    const char *mask_name = lower_output_name(node, 1);
    if (status != AIMCC_OK || mask_name == NULL)
        return status;

    if (x->batched)
        return lower_batch_fail(node, x, "the mask output is a constant, so it cannot follow");
    int64_t count = aimcc_ir_value_count(x);
    unsigned char *ones = aimcc_arena_alloc(node->module->arena, (size_t)count + 1);
    if (ones == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory for the mask");
    memset(ones, 1, (size_t)count);
    aimcc_value *mask = NULL;
    status = lower_constant(node, mask_name, AIMRT_DTYPE_BOOL, x->rank, x->dims, ones, &mask);
    return status != AIMCC_OK ? status : lower_bind(node, 1, mask);
}

aimcc_status lower_cast(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    int64_t to = 0;
    if (status == AIMCC_OK && lower_attr_find(node, "to") == NULL)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Cast needs the attribute \"to\"");
    if (status == AIMCC_OK)
        status = lower_attr_int(node, "to", 0, &to);
    if (status != AIMCC_OK)
        return status;

    /* ONNX type numbers are the runtime's dtype codes; string (8), complex
     * (14, 15), bfloat16 (16) and later types have no runtime dtype. */
    const bool supported = to > 0 && to < AIMRT_DTYPE_COUNT && to != 8 &&
                           aimrt_dtype_size((aimrt_dtype)to) != 0;
    if (!supported)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "Cast to ONNX data type %lld is not supported; aimcc casts to numeric "
                          "types and bool only (not string or bfloat16)",
                          (long long)to);
    const aimrt_attr attr = aimcc_ir_attr_int(node->module, AIMRT_ATTR_TO, to);
    return lower_emit_bind(node, AIMRT_OP_CAST, x, NULL, 1, &attr);
}
