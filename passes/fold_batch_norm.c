/* SPDX-License-Identifier: MIT */
/*
 * BatchNormalization folding for canonicalize: y = s (x - mean) / sqrt(var + eps) + b
 * on the output channels of a CONV or a LINEAR with constant weights becomes
 * new weights w * f and bias (bias - mean) * f + b with f = s / sqrt(var + eps),
 * computed in double. A BATCH_NORM that cannot fold stays; the runtime has a kernel.
 */
#include "passes/canonicalize.h"

#include <math.h>
#include <stdlib.h>

/* The per-channel factors of one BATCH_NORM. */
typedef struct bn_factors {
    int64_t n_channels;
    const float *scale;
    const float *shift;
    const float *mean;
    const float *var;
    double epsilon;
} bn_factors;

static double bn_factor(const bn_factors *bn, int64_t c)
{
    return (double)bn->scale[c] / sqrt((double)bn->var[c] + bn->epsilon);
}

static float bn_bias(const bn_factors *bn, const float *bias, int64_t c)
{
    const double b = bias != NULL ? (double)bias[c] : 0.0;
    return (float)((b - (double)bn->mean[c]) * bn_factor(bn, c) + (double)bn->shift[c]);
}

/* Scales the weight's output channels: axis 0 of a CONV weight [M, C/g, k...],
 * the last axis of a LINEAR weight [K, N]. */
static void scale_weight(const bn_factors *bn, const aimcc_value *w, bool channel_first,
                         float *out)
{
    const float *data = w->data;
    const int64_t count = aimcc_ir_value_count(w);
    const int64_t per_channel = count / bn->n_channels;
    for (int64_t i = 0; i < count; i++) {
        const int64_t c = channel_first ? i / per_channel : i % bn->n_channels;
        out[i] = (float)((double)data[i] * bn_factor(bn, c));
    }
}

/* Returns the reason the BATCH_NORM cannot fold into its producer, or NULL. */
static const char *check_foldable(const aimcc_op *bn, const aimcc_op *producer)
{
    const aimcc_value *x = bn->inputs[0];
    for (int i = 1; i < 5; i++)
        if (!aimcc_canon_is_float_const(bn->inputs[i]))
            return "its scale, bias, mean or variance is not a constant f32 tensor";
    if (producer == NULL || (producer->code != AIMRT_OP_CONV && producer->code != AIMRT_OP_LINEAR))
        return "its input does not come from a Conv, Gemm or MatMul";
    if (x->n_uses != 1 || x->is_output)
        return "its input is also read elsewhere";
    const aimcc_value *w = producer->inputs[1];
    const aimcc_value *bias = producer->n_inputs > 2 ? producer->inputs[2] : NULL;
    if (!aimcc_canon_is_float_const(w) || (bias != NULL && !aimcc_canon_is_float_const(bias)))
        return "the weight or bias before it is not constant";
    const int64_t n_channels = aimcc_ir_value_count(bn->inputs[1]);
    if (producer->code == AIMRT_OP_LINEAR && (x->rank != 2 || w->dims[1] != n_channels))
        return "the linear output's channels are not on axis 1";
    if (producer->code == AIMRT_OP_CONV && w->dims[0] != n_channels)
        return "the Conv's output channels differ from its channel count";
    for (int i = 1; i < 5; i++)
        if (aimcc_ir_value_count(bn->inputs[i]) != n_channels)
            return "its parameters differ in length";
    return NULL;
}

/* Creates the producer again with folded weight and bias, before it. */
static aimcc_status create_folded(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *bn,
                                  aimcc_op *producer, const bn_factors *bn_data, aimcc_op **out)
{
    const aimcc_value *w = producer->inputs[1];
    const aimcc_value *bias = producer->n_inputs > 2 ? producer->inputs[2] : NULL;
    const int64_t count = aimcc_ir_value_count(w);
    float *weight = malloc((size_t)count * sizeof(float));
    float *folded_bias = malloc((size_t)bn_data->n_channels * sizeof(float));
    if (weight == NULL || folded_bias == NULL) {
        free(weight);
        free(folded_bias);
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, bn->node, bn->onnx_type,
                          "out of memory folding BatchNormalization");
    }
    scale_weight(bn_data, w, producer->code == AIMRT_OP_CONV, weight);
    for (int64_t c = 0; c < bn_data->n_channels; c++)
        folded_bias[c] = bn_bias(bn_data, bias != NULL ? bias->data : NULL, c);

    aimcc_value *inputs[3] = {producer->inputs[0], NULL, NULL};
    const char *base = w->name != NULL ? w->name : producer->node;
    const int64_t bias_dims[1] = {bn_data->n_channels};
    aimcc_status status = aimcc_canon_add_const(
        ctx, module, bn, aimcc_arena_printf(module->arena, "%s.bn_folded", base), w->rank, w->dims,
        weight, &inputs[1]);
    if (status == AIMCC_OK)
        status = aimcc_canon_add_const(
            ctx, module, bn, aimcc_arena_printf(module->arena, "%s.bn_folded_bias", base), 1,
            bias_dims, folded_bias, &inputs[2]);
    free(weight);
    free(folded_bias);
    if (status != AIMCC_OK)
        return status;
    return aimcc_ir_op_create(ctx, module, producer, producer->code, producer->node,
                              producer->onnx_type, 3, inputs, producer->n_attrs, producer->attrs,
                              1, NULL, out);
}

aimcc_status aimcc_canon_fold_batch_norm(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *bn)
{
    if (bn->n_inputs != 5 || bn->n_outputs != 1)
        return AIMCC_OK;
    aimcc_op *producer = bn->inputs[0]->producer;
    const char *reason = check_foldable(bn, producer);
    if (reason != NULL) {
        AIMCC_LOG(AIMCC_LOG_INFO, AIMCC_CANON_PASS, bn->node,
                  "BatchNormalization stays a digital batch_norm because %s", reason);
        return AIMCC_OK;
    }

    const bn_factors factors = {
        .n_channels = aimcc_ir_value_count(bn->inputs[1]),
        .scale = bn->inputs[1]->data,
        .shift = bn->inputs[2]->data,
        .mean = bn->inputs[3]->data,
        .var = bn->inputs[4]->data,
        .epsilon = (double)aimrt_attr_float(bn->attrs, bn->n_attrs, AIMRT_ATTR_EPSILON, 1e-5f),
    };
    aimcc_op *folded = NULL;
    const aimcc_status status = create_folded(ctx, module, bn, producer, &factors, &folded);
    if (status != AIMCC_OK)
        return status;

    aimcc_canon_take_over(module, bn->outputs[0], folded->outputs[0]);
    aimcc_ir_op_remove(module, bn);
    aimcc_ir_op_remove(module, producer);
    AIMCC_LOG(AIMCC_LOG_DEBUG, AIMCC_CANON_PASS, bn->node, "BatchNormalization folded into %s",
              producer->node);
    return AIMCC_OK;
}
