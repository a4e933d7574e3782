/* SPDX-License-Identifier: MIT */
/*
 * Finds the first NaN or infinity in a weight constant and reports it with
 * the node, the tensor, the element's index in the tensor's own shape and
 * its value, so the user can find it in the model.
 */
#include "passes/finite_weights.h"

#include <math.h>
#include <stdio.h>

/* Reads element i of a float constant as double. */
static double element(const aimcc_value *w, int64_t i)
{
    switch (w->dtype) {
    case AIMRT_DTYPE_DOUBLE:
        return ((const double *)w->data)[i];
    case AIMRT_DTYPE_FLOAT16:
        return aimrt_half_to_float(((const uint16_t *)w->data)[i]);
    default:
        return ((const float *)w->data)[i];
    }
}

/* Writes "[i0, i1, ...]", the index of flat element i in w's shape. */
static void format_index(char *text, size_t size, const aimcc_value *w, int64_t i)
{
    int64_t index[AIMRT_MAX_RANK] = {0};
    for (int d = w->rank - 1; d >= 0; d--) {
        const int64_t dim = w->dims[d] > 0 ? w->dims[d] : 1;
        index[d] = i % dim;
        i /= dim;
    }
    size_t used = (size_t)snprintf(text, size, "[");
    for (int d = 0; d < w->rank && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, "%s%lld", d > 0 ? ", " : "",
                                 (long long)index[d]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

/* Writes the dtype and shape of w, such as "f32[4,3]". */
static void format_type(char *text, size_t size, const aimcc_value *w)
{
    size_t used = (size_t)snprintf(text, size, "%s[", aimrt_dtype_name(w->dtype));
    for (int d = 0; d < w->rank && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, "%s%lld", d > 0 ? "," : "",
                                 (long long)w->dims[d]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

aimcc_status aimcc_check_finite_weight(aimcc_ctx *ctx, const aimcc_op *op, const aimcc_value *w,
                                       const char *origin)
{
    if (w == NULL || w->kind != AIMCC_VALUE_CONST || w->data == NULL ||
        (w->dtype != AIMRT_DTYPE_FLOAT && w->dtype != AIMRT_DTYPE_DOUBLE &&
         w->dtype != AIMRT_DTYPE_FLOAT16))
        return AIMCC_OK;
    const int64_t count = aimcc_ir_value_count(w);
    for (int64_t i = 0; i < count; i++) {
        const double value = element(w, i);
        if (isfinite(value))
            continue;
        const char *what = "NaN";
        if (isinf(value))
            what = value > 0 ? "+inf" : "-inf";
        char index[AIMRT_MAX_RANK * 22 + 4], type[AIMRT_MAX_RANK * 22 + 16];
        format_index(index, sizeof index, w, i);
        format_type(type, sizeof type, w);
        return aimcc_fail(ctx, AIMCC_ERR_NUMERIC, op->node, op->onnx_type,
                          "%s \"%s\" (%%%d, %s) has %s at %s, the first of its non-finite "
                          "values, but tile cells hold only finite weights. Replace the NaN and "
                          "infinite values in the model (check the training run or the export "
                          "for overflow) and compile again.",
                          origin, w->name != NULL ? w->name : "(unnamed)", w->id, type,
                          what, index);
    }
    return AIMCC_OK;
}

aimcc_status aimcc_check_finite_linear_weights(aimcc_ctx *ctx, const aimcc_module *module,
                                               const char *origin)
{
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->n_inputs < 2)
            continue;
        const aimcc_status status = aimcc_check_finite_weight(ctx, op, op->inputs[1], origin);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}
