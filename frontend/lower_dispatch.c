/* SPDX-License-Identifier: MIT */
/*
 * The table of lowering rules: which ONNX op types of the default domain
 * aimcc lowers, from which opset, and which attributes each rule reads.
 * Attributes a rule does not know are ignored with a DEBUG log line.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* The newest opset whose rules the table follows. */
#define LOWER_MAX_OPSET 18

typedef struct lower_entry {
    const char *op_type;
    int64_t min_opset;
    lower_rule rule;
    const char *attributes; /* comma-separated names the rule reads */
} lower_entry;

static const lower_entry rules[] = {
    {"Conv", 1, lower_conv, "auto_pad,dilations,group,kernel_shape,pads,strides"},
    {"Gemm", 1, lower_gemm, "alpha,beta,transA,transB"},
    {"MatMul", 1, lower_matmul, ""},
    {"Add", 7, lower_binary, ""},
    {"Sub", 7, lower_binary, ""},
    {"Mul", 7, lower_binary, ""},
    {"Div", 7, lower_binary, ""},
    {"Pow", 7, lower_binary, ""},
    {"PRelu", 7, lower_binary, ""},
    {"Sqrt", 6, lower_unary, ""},
    {"Exp", 6, lower_unary, ""},
    {"Log", 6, lower_unary, ""},
    {"Neg", 6, lower_unary, ""},
    {"Abs", 6, lower_unary, ""},
    {"Erf", 9, lower_unary, ""},
    {"Relu", 6, lower_unary, ""},
    {"Sigmoid", 6, lower_unary, ""},
    {"Tanh", 6, lower_unary, ""},
    {"HardSwish", 14, lower_unary, ""},
    {"LeakyRelu", 6, lower_activation, "alpha"},
    {"Elu", 6, lower_activation, "alpha"},
    {"Selu", 6, lower_activation, "alpha,gamma"},
    {"HardSigmoid", 6, lower_activation, "alpha,beta"},
    {"Clip", 6, lower_clip, "min,max"},
    {"Max", 6, lower_max_min, ""},
    {"Min", 6, lower_max_min, ""},
    {"Softmax", 1, lower_softmax, "axis"},
    {"LogSoftmax", 1, lower_softmax, "axis"},
    {"MaxPool", 1, lower_max_pool,
     "auto_pad,ceil_mode,dilations,kernel_shape,pads,storage_order,strides"},
    {"AveragePool", 7, lower_average_pool,
     "auto_pad,ceil_mode,count_include_pad,kernel_shape,pads,strides"},
    {"GlobalAveragePool", 1, lower_global_pool, ""},
    {"GlobalMaxPool", 1, lower_global_pool, ""},
    {"BatchNormalization", 7, lower_batch_norm, "epsilon,momentum,spatial,training_mode"},
    {"Flatten", 1, lower_flatten, "axis"},
    {"Reshape", 5, lower_reshape_node, "allowzero"},
    {"Transpose", 1, lower_transpose, "perm"},
    {"Squeeze", 1, lower_squeeze, "axes"},
    {"Unsqueeze", 1, lower_unsqueeze, "axes"},
    {"Concat", 4, lower_concat, "axis"},
    {"Split", 2, lower_split, "axis,split,num_outputs"},
    {"Slice", 1, lower_slice, "starts,ends,axes"},
    {"Gather", 1, lower_gather, "axis"},
    {"Shape", 1, lower_shape, "start,end"},
    {"Constant", 1, lower_constant_node,
     "value,value_float,value_floats,value_int,value_ints,value_string,value_strings,"
     "sparse_value"},
    {"ConstantOfShape", 9, lower_constant_of_shape, "value"},
    {"Identity", 1, lower_identity, ""},
    {"Dropout", 7, lower_dropout, "ratio,seed"},
    {"Pad", 2, lower_pad, "mode,pads,value"},
    {"ReduceMean", 1, lower_reduce, "axes,keepdims,noop_with_empty_axes"},
    {"ReduceMax", 1, lower_reduce, "axes,keepdims,noop_with_empty_axes"},
    {"ReduceSum", 1, lower_reduce, "axes,keepdims,noop_with_empty_axes"},
    {"QuantizeLinear", 10, lower_quant, "axis"},
    {"DequantizeLinear", 10, lower_quant, "axis"},
    {"Cast", 6, lower_cast, "to"},
};

static const lower_entry *find_entry(const char *op_type)
{
    if (op_type == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(rules[i].op_type, op_type) == 0)
            return &rules[i];
    }
    return NULL;
}

int onnx_lower_supported(const char *op_type, int64_t opset)
{
    const lower_entry *entry = find_entry(op_type);
    return entry != NULL && opset >= entry->min_opset && opset <= LOWER_MAX_OPSET;
}

/* Returns true when name is one of the comma-separated names in list. */
static bool list_contains(const char *list, const char *name)
{
    const size_t length = strlen(name);
    for (const char *item = list; *item != '\0';) {
        const char *comma = strchr(item, ',');
        const size_t item_length = comma != NULL ? (size_t)(comma - item) : strlen(item);
        if (item_length == length && strncmp(item, name, length) == 0)
            return true;
        if (comma == NULL)
            break;
        item = comma + 1;
    }
    return false;
}

static void log_unknown_attributes(const lower_node *node, const lower_entry *entry)
{
    for (size_t i = 0; i < node->node->n_attribute; i++) {
        const Onnx__AttributeProto *attr = node->node->attribute[i];
        const char *name = attr != NULL && attr->name != NULL ? attr->name : "";
        if (!list_contains(entry->attributes, name))
            AIMCC_LOG(AIMCC_LOG_DEBUG, "frontend", node->name,
                      "%s: ignoring attribute \"%s\", which opset %lld does not define for it",
                      node->op_type, name, (long long)node->opset);
    }
}

aimcc_status onnx_lower_node(onnx_import *import, const Onnx__NodeProto *node, const char *node_name)
{
    const lower_entry *entry = find_entry(node->op_type);
    if (entry == NULL || !onnx_lower_supported(node->op_type, import->opset))
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, node_name, node->op_type,
                          "op %s is not supported at opset %lld", node->op_type,
                          (long long)import->opset);

    lower_node lowering = {
        .import = import,
        .node = node,
        .name = node_name,
        .op_type = node->op_type,
        .ctx = import->ctx,
        .module = import->module,
        .opset = import->opset,
    };
    log_unknown_attributes(&lowering, entry);
    return entry->rule(&lowering);
}
