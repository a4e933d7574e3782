/* SPDX-License-Identifier: MIT */
/*
 * Name tables of the op codes and attribute keys, shared by the IR text form,
 * the program printer and messages, and attribute lookup helpers.
 */
#include "aimrt/ops.h"

#include <assert.h>
#include <string.h>

static const char *const op_names[] = {
    [AIMRT_OP_IDENTITY] = "identity",
    [AIMRT_OP_NEG] = "neg",
    [AIMRT_OP_ABS] = "abs",
    [AIMRT_OP_SQRT] = "sqrt",
    [AIMRT_OP_EXP] = "exp",
    [AIMRT_OP_LOG] = "log",
    [AIMRT_OP_ERF] = "erf",
    [AIMRT_OP_RELU] = "relu",
    [AIMRT_OP_LEAKY_RELU] = "leaky_relu",
    [AIMRT_OP_ELU] = "elu",
    [AIMRT_OP_SELU] = "selu",
    [AIMRT_OP_SIGMOID] = "sigmoid",
    [AIMRT_OP_HARD_SIGMOID] = "hard_sigmoid",
    [AIMRT_OP_HARD_SWISH] = "hard_swish",
    [AIMRT_OP_TANH] = "tanh",
    [AIMRT_OP_CLIP] = "clip",
    [AIMRT_OP_ADD] = "add",
    [AIMRT_OP_SUB] = "sub",
    [AIMRT_OP_MUL] = "mul",
    [AIMRT_OP_DIV] = "div",
    [AIMRT_OP_POW] = "pow",
    [AIMRT_OP_MAX] = "max",
    [AIMRT_OP_MIN] = "min",
    [AIMRT_OP_PRELU] = "prelu",
    [AIMRT_OP_SOFTMAX] = "softmax",
    [AIMRT_OP_LOG_SOFTMAX] = "log_softmax",
    [AIMRT_OP_MAX_POOL] = "max_pool",
    [AIMRT_OP_AVG_POOL] = "avg_pool",
    [AIMRT_OP_REDUCE_MEAN] = "reduce_mean",
    [AIMRT_OP_REDUCE_MAX] = "reduce_max",
    [AIMRT_OP_REDUCE_SUM] = "reduce_sum",
    [AIMRT_OP_RESHAPE] = "reshape",
    [AIMRT_OP_TRANSPOSE] = "transpose",
    [AIMRT_OP_CONCAT] = "concat",
    [AIMRT_OP_SLICE] = "slice",
    [AIMRT_OP_GATHER] = "gather",
    [AIMRT_OP_PAD] = "pad",
    [AIMRT_OP_CAST] = "cast",
    [AIMRT_OP_QUANTIZE_LINEAR] = "quantize_linear",
    [AIMRT_OP_DEQUANTIZE_LINEAR] = "dequantize_linear",
    [AIMRT_OP_MATMUL] = "matmul",
    [AIMRT_OP_GEMM] = "gemm",
    [AIMRT_OP_CONV] = "conv",
    [AIMRT_OP_BATCH_NORM] = "batch_norm",
    [AIMRT_OP_LINEAR] = "linear",
    [AIMRT_OP_IM2COL] = "im2col",
};
static_assert(sizeof op_names / sizeof op_names[0] == AIMRT_OP_COUNT,
              "every op code needs a name");

static const char *const attr_names[] = {
    [AIMRT_ATTR_AXIS] = "axis",
    [AIMRT_ATTR_AXES] = "axes",
    [AIMRT_ATTR_KEEPDIMS] = "keepdims",
    [AIMRT_ATTR_PERM] = "perm",
    [AIMRT_ATTR_SHAPE] = "shape",
    [AIMRT_ATTR_KERNEL] = "kernel",
    [AIMRT_ATTR_STRIDES] = "strides",
    [AIMRT_ATTR_PADS] = "pads",
    [AIMRT_ATTR_DILATIONS] = "dilations",
    [AIMRT_ATTR_GROUP] = "group",
    [AIMRT_ATTR_GROUP_INDEX] = "group_index",
    [AIMRT_ATTR_CEIL_MODE] = "ceil_mode",
    [AIMRT_ATTR_COUNT_INCLUDE_PAD] = "count_include_pad",
    [AIMRT_ATTR_ALPHA] = "alpha",
    [AIMRT_ATTR_BETA] = "beta",
    [AIMRT_ATTR_GAMMA] = "gamma",
    [AIMRT_ATTR_MIN] = "min",
    [AIMRT_ATTR_MAX] = "max",
    [AIMRT_ATTR_EPSILON] = "epsilon",
    [AIMRT_ATTR_TO] = "to",
    [AIMRT_ATTR_STARTS] = "starts",
    [AIMRT_ATTR_ENDS] = "ends",
    [AIMRT_ATTR_STEPS] = "steps",
    [AIMRT_ATTR_MODE] = "mode",
    [AIMRT_ATTR_VALUE] = "value",
    [AIMRT_ATTR_TRANS_A] = "trans_a",
    [AIMRT_ATTR_TRANS_B] = "trans_b",
    [AIMRT_ATTR_INPUT_BITS] = "input_bits",
    [AIMRT_ATTR_INPUT_SIGNED] = "input_signed",
    [AIMRT_ATTR_INPUT_SCALE] = "input_scale",
};
static_assert(sizeof attr_names / sizeof attr_names[0] == AIMRT_ATTR_KEY_COUNT,
              "every attribute key needs a name");

const char *aimrt_op_name(aimrt_op op)
{
    if ((int)op < 0 || op >= AIMRT_OP_COUNT)
        return NULL;
    return op_names[op];
}

aimrt_op aimrt_op_from_name(const char *name)
{
    for (int i = 0; i < AIMRT_OP_COUNT; i++) {
        if (strcmp(op_names[i], name) == 0)
            return (aimrt_op)i;
    }
    return AIMRT_OP_COUNT;
}

const char *aimrt_attr_key_name(aimrt_attr_key key)
{
    if ((int)key < 0 || key >= AIMRT_ATTR_KEY_COUNT)
        return NULL;
    return attr_names[key];
}

aimrt_attr_key aimrt_attr_key_from_name(const char *name)
{
    for (int i = 0; i < AIMRT_ATTR_KEY_COUNT; i++) {
        if (strcmp(attr_names[i], name) == 0)
            return (aimrt_attr_key)i;
    }
    return AIMRT_ATTR_KEY_COUNT;
}

const aimrt_attr *aimrt_attr_find(const aimrt_attr *attrs, int n_attrs, aimrt_attr_key key)
{
    for (int i = 0; i < n_attrs; i++) {
        if (attrs[i].key == key)
            return &attrs[i];
    }
    return NULL;
}

int64_t aimrt_attr_int(const aimrt_attr *attrs, int n_attrs, aimrt_attr_key key, int64_t fallback)
{
    const aimrt_attr *attr = aimrt_attr_find(attrs, n_attrs, key);
    if (!attr || attr->n < 1)
        return fallback;
    if (attr->kind == AIMRT_ATTR_INTS)
        return attr->ints[0];

    /* A float outside the int64 range (or NaN) would make the cast undefined. */
    const float value = attr->floats[0];
    if (!(value > -9.2e18f && value < 9.2e18f))
        return fallback;
    return (int64_t)value;
}

float aimrt_attr_float(const aimrt_attr *attrs, int n_attrs, aimrt_attr_key key, float fallback)
{
    const aimrt_attr *attr = aimrt_attr_find(attrs, n_attrs, key);
    if (!attr || attr->n < 1)
        return fallback;
    if (attr->kind == AIMRT_ATTR_FLOATS)
        return attr->floats[0];
    return (float)attr->ints[0];
}
