/* SPDX-License-Identifier: MIT */
/*
 * Elementwise ONNX ops: unary math, binary ops with numpy broadcasting,
 * activations with their attributes written out in full, Clip (attributes
 * before opset 11, constant inputs after) and variadic Max and Min.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "frontend/lower_rules.h"

typedef struct op_code {
    const char *op_type;
    aimrt_op code;
} op_code;

static const op_code elementwise_codes[] = {
    {"Neg", AIMRT_OP_NEG},           {"Abs", AIMRT_OP_ABS},
    {"Sqrt", AIMRT_OP_SQRT},         {"Exp", AIMRT_OP_EXP},
    {"Log", AIMRT_OP_LOG},           {"Erf", AIMRT_OP_ERF},
    {"Relu", AIMRT_OP_RELU},         {"Sigmoid", AIMRT_OP_SIGMOID},
    {"Tanh", AIMRT_OP_TANH},         {"HardSwish", AIMRT_OP_HARD_SWISH},
    {"Add", AIMRT_OP_ADD},           {"Sub", AIMRT_OP_SUB},
    {"Mul", AIMRT_OP_MUL},           {"Div", AIMRT_OP_DIV},
    {"Pow", AIMRT_OP_POW},           {"PRelu", AIMRT_OP_PRELU},
    {"LeakyRelu", AIMRT_OP_LEAKY_RELU}, {"Elu", AIMRT_OP_ELU},
    {"Selu", AIMRT_OP_SELU},         {"HardSigmoid", AIMRT_OP_HARD_SIGMOID},
    {"Max", AIMRT_OP_MAX},           {"Min", AIMRT_OP_MIN},
};

static aimrt_op code_of(const char *op_type)
{
    for (size_t i = 0; i < sizeof elementwise_codes / sizeof elementwise_codes[0]; i++) {
        if (strcmp(elementwise_codes[i].op_type, op_type) == 0)
            return elementwise_codes[i].code;
    }
    return AIMRT_OP_COUNT;
}

aimcc_status lower_unary(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status != AIMCC_OK)
        return status;
    return lower_emit_bind(node, code_of(node->op_type), x, NULL, 0, NULL);
}

static bool dtype_is_float(aimrt_dtype dtype)
{
    return dtype == AIMRT_DTYPE_FLOAT || dtype == AIMRT_DTYPE_DOUBLE;
}

/* Pow takes an exponent of any numeric type from opset 12 on; the kernel
 * computes in the base's float type, so an integer exponent is cast to it. */
static aimcc_status lower_pow(lower_node *node, aimcc_value *base, aimcc_value *exponent)
{
    if (!dtype_is_float(base->dtype))
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED,
                          "Pow with a %s base is not supported; aimcc computes Pow in float "
                          "or double, so cast the base to float in the model",
                          aimrt_dtype_name(base->dtype));
    if (exponent->dtype != base->dtype) {
        const aimrt_attr to = aimcc_ir_attr_int(node->module, AIMRT_ATTR_TO, base->dtype);
        aimcc_value *cast = NULL;
        const aimcc_status status = lower_emit(node, AIMRT_OP_CAST, 1, &exponent, 1, &to, NULL,
                                               &cast);
        if (status != AIMCC_OK)
            return status;
        exponent = cast;
    }
    return lower_emit_bind(node, AIMRT_OP_POW, base, exponent, 0, NULL);
}

aimcc_status lower_binary(lower_node *node)
{
    aimcc_value *a = NULL;
    aimcc_value *b = NULL;
    aimcc_status status = lower_input_required(node, 0, &a);
    if (status == AIMCC_OK)
        status = lower_input_required(node, 1, &b);
    if (status != AIMCC_OK)
        return status;
    if (strcmp(node->op_type, "Pow") == 0)
        return lower_pow(node, a, b);
    return lower_emit_bind(node, code_of(node->op_type), a, b, 0, NULL);
}

/* Reads one float attribute into attrs[*n] with the ONNX default. */
static aimcc_status add_float_attr(lower_node *node, const char *name, float fallback,
                                   aimrt_attr_key key, aimrt_attr *attrs, int *n)
{
    float value = 0.0f;
    aimcc_status status = lower_attr_float(node, name, fallback, &value);
    if (status != AIMCC_OK)
        return status;
    attrs[(*n)++] = aimcc_ir_attr_float(node->module, key, value);
    return AIMCC_OK;
}

/* Activations with alpha, beta or gamma; defaults from the ONNX operator specification. */
aimcc_status lower_activation(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status != AIMCC_OK)
        return status;

    aimrt_attr attrs[2];
    int n = 0;
    const char *op = node->op_type;
    if (strcmp(op, "LeakyRelu") == 0) {
        status = add_float_attr(node, "alpha", 0.01f, AIMRT_ATTR_ALPHA, attrs, &n);
    } else if (strcmp(op, "Elu") == 0) {
        status = add_float_attr(node, "alpha", 1.0f, AIMRT_ATTR_ALPHA, attrs, &n);
    } else if (strcmp(op, "Selu") == 0) {
        status = add_float_attr(node, "alpha", 1.67326319217681884765625f, AIMRT_ATTR_ALPHA,
                                attrs, &n);
        if (status == AIMCC_OK)
            status = add_float_attr(node, "gamma", 1.05070102214813232421875f, AIMRT_ATTR_GAMMA,
                                    attrs, &n);
    } else {
        status = add_float_attr(node, "alpha", 0.2f, AIMRT_ATTR_ALPHA, attrs, &n);
        if (status == AIMCC_OK)
            status = add_float_attr(node, "beta", 0.5f, AIMRT_ATTR_BETA, attrs, &n);
    }
    if (status != AIMCC_OK)
        return status;
    return lower_emit_bind(node, code_of(op), x, NULL, n, attrs);
}

/* Reads Clip's bound from input index (opset 11 and later); absent stays unset. */
static aimcc_status read_clip_bound(lower_node *node, int index, const char *what,
                                    aimrt_attr_key key, aimrt_attr *attrs, int *n)
{
    if (lower_input(node, index) == NULL) {
        aimcc_value *unused = NULL;
        if ((size_t)index < node->node->n_input && node->node->input[index][0] != '\0')
            return lower_input_required(node, index, &unused);
        return AIMCC_OK;
    }
    float bound = 0.0f;
    aimcc_status status = lower_const_scalar(node, index, what, &bound);
    if (status != AIMCC_OK)
        return status;
    attrs[(*n)++] = aimcc_ir_attr_float(node->module, key, bound);
    return AIMCC_OK;
}

aimcc_status lower_clip(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status != AIMCC_OK)
        return status;

    aimrt_attr attrs[2];
    int n = 0;
    if (node->opset < 11) {
        /* Before opset 11 the bounds default to the float range. */
        if (lower_attr_find(node, "min") != NULL)
            status = add_float_attr(node, "min", -FLT_MAX, AIMRT_ATTR_MIN, attrs, &n);
        if (status == AIMCC_OK && lower_attr_find(node, "max") != NULL)
            status = add_float_attr(node, "max", FLT_MAX, AIMRT_ATTR_MAX, attrs, &n);
    } else {
        status = read_clip_bound(node, 1, "min", AIMRT_ATTR_MIN, attrs, &n);
        if (status == AIMCC_OK)
            status = read_clip_bound(node, 2, "max", AIMRT_ATTR_MAX, attrs, &n);
    }
    if (status != AIMCC_OK)
        return status;
    return lower_emit_bind(node, AIMRT_OP_CLIP, x, NULL, n, attrs);
}

/* Variadic Max and Min become a chain of binary ops; one input is an identity. */
aimcc_status lower_max_min(lower_node *node)
{
    const int n_inputs = lower_n_inputs(node);
    if (n_inputs < 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "%s needs at least one input",
                          node->op_type);
    aimcc_value *result = NULL;
    aimcc_status status = lower_input_required(node, 0, &result);
    if (status != AIMCC_OK)
        return status;
    if (n_inputs == 1)
        return lower_emit_bind(node, AIMRT_OP_IDENTITY, result, NULL, 0, NULL);

    const aimrt_op code = code_of(node->op_type);
    for (int i = 1; i < n_inputs; i++) {
        aimcc_value *operand = NULL;
        status = lower_input_required(node, i, &operand);
        if (status != AIMCC_OK)
            return status;
        aimcc_value *inputs[2] = {result, operand};
        const char *name = i == n_inputs - 1 ? lower_output_name(node, 0) : NULL;
        status = lower_emit(node, code, 2, inputs, 0, NULL, name, &result);
        if (status != AIMCC_OK)
            return status;
    }
    return lower_bind(node, 0, result);
}
