/* SPDX-License-Identifier: MIT */
/*
 * The quantize pass: on a tile kind with integer weights, every LINEAR
 * (x, W f32, bias) becomes a quantized LINEAR (x, Wq i32 [K, N], bias,
 * w_scale f32 [N]) with a plan, following docs/tile-lowering.md "Quantize".
 * Float kinds keep their LINEAR ops unchanged. Bit-slice fills the plan's
 * slice, polarity and phase counts later.
 *
 * Weights folded from DequantizeLinear(int8 W, scale, 0) reach this pass as
 * f32 products RN(q * scale). They are recognized when, with the scale
 * s = max|w| / 127 of the whole matrix or of one column (or one of the four
 * f32 neighbours of that quotient), every w / s is an integer q with
 * |q| <= 127 and RN(q * s) == w. Symmetric int8 quantizers map max|w| to 127,
 * so their integers and scales come back exactly; a float matrix that the
 * test happens to match is reproduced exactly as well.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "passes/finite_weights.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"

#define QUANTIZE_PASS "quantize"
/* Integers of an int8 DequantizeLinear weight with zero point 0. */
#define INT8_TOP 127
/* Weights this wide or wider hold every int8 integer. */
#define MIN_BITS_FOR_INT8 8

/* Per-op results: the integer weights and scales, and how they were found. */
typedef struct quantized_weight {
    int32_t *wq;    /* K x N row-major */
    float *w_scale; /* N */
    int64_t n_kept; /* columns whose DequantizeLinear integers were kept */
} quantized_weight;

/* ---- Weights ---- */

/*
 * Tries scale s for the columns [col, col + n_cols) of the K x N matrix w:
 * every element must be RN(q * s) for an integer |q| <= 127. Writes q into
 * wq on success.
 */
static bool try_int8_scale(const float *w, int64_t k, int64_t n, int64_t col, int64_t n_cols,
                           float s, int32_t *wq)
{
    if (!(s > 0.0f) || !isfinite(s))
        return false;
    for (int64_t r = 0; r < k; r++) {
        for (int64_t c = col; c < col + n_cols; c++) {
            const float value = w[r * n + c];
            const double q = rint((double)value / (double)s);
            if (!(fabs(q) <= INT8_TOP) || (float)(q * (double)s) != value)
                return false;
            wq[r * n + c] = (int32_t)q;
        }
    }
    return true;
}

/* Returns max |w| over the columns [col, col + n_cols); NaN when any is NaN. */
static float max_abs(const float *w, int64_t k, int64_t n, int64_t col, int64_t n_cols)
{
    float top = 0.0f;
    for (int64_t r = 0; r < k; r++) {
        for (int64_t c = col; c < col + n_cols; c++) {
            const float a = fabsf(w[r * n + c]);
            if (isnan(a))
                return a;
            top = a > top ? a : top;
        }
    }
    return top;
}

/* Looks for int8 integers in the columns [col, col + n_cols) as the file
 * header describes; on success writes wq and returns the scale, else 0. */
static float find_int8_scale(const float *w, int64_t k, int64_t n, int64_t col, int64_t n_cols,
                             int32_t *wq)
{
    const float top = max_abs(w, k, n, col, n_cols);
    if (!(top > 0.0f) || !isfinite(top))
        return 0.0f;
    const float base = (float)((double)top / INT8_TOP);
    const float candidates[5] = {base, nextafterf(base, 0.0f), nextafterf(base, INFINITY),
                                 nextafterf(nextafterf(base, 0.0f), 0.0f),
                                 nextafterf(nextafterf(base, INFINITY), INFINITY)};
    for (int i = 0; i < 5; i++) {
        if (try_int8_scale(w, k, n, col, n_cols, candidates[i], wq))
            return candidates[i];
    }
    return 0.0f;
}

/*
 * Quantizes the columns [col, col + n_cols) with one scale:
 * s = max|w| / Q (1 when all are zero), Wq = round_half_even(w / s)
 * computed in double, clamped to [-Q, Q].
 */
static float quantize_columns(const float *w, int64_t k, int64_t n, int64_t col, int64_t n_cols,
                              int32_t top, int32_t *wq)
{
    const float largest = max_abs(w, k, n, col, n_cols);
    const float s = largest > 0.0f ? (float)((double)largest / top) : 1.0f;
    for (int64_t r = 0; r < k; r++) {
        for (int64_t c = col; c < col + n_cols; c++) {
            /* rint rounds half to even in the default rounding mode. */
            double q = rint((double)w[r * n + c] / (double)s);
            q = q > top ? top : (q < -top ? -top : q);
            wq[r * n + c] = (int32_t)q;
        }
    }
    return s;
}

/* Fills out->wq and out->w_scale for W [K, N] at weight_bits bits. */
static void quantize_weight(const float *w, int64_t k, int64_t n, int32_t weight_bits,
                            bool per_layer, quantized_weight *out)
{
    const int32_t top = (INT32_C(1) << (weight_bits - 1)) - 1;
    const bool int8_fits = weight_bits >= MIN_BITS_FOR_INT8;
    out->n_kept = 0;

    const float layer_int8 = int8_fits ? find_int8_scale(w, k, n, 0, n, out->wq) : 0.0f;
    if (layer_int8 > 0.0f || per_layer) {
        const float s = layer_int8 > 0.0f ? layer_int8 : quantize_columns(w, k, n, 0, n, top, out->wq);
        for (int64_t c = 0; c < n; c++)
            out->w_scale[c] = s;
        out->n_kept = layer_int8 > 0.0f ? n : 0;
        return;
    }
    for (int64_t c = 0; c < n; c++) {
        const float kept = int8_fits ? find_int8_scale(w, k, n, c, 1, out->wq) : 0.0f;
        out->n_kept += kept > 0.0f;
        out->w_scale[c] = kept > 0.0f ? kept : quantize_columns(w, k, n, c, 1, top, out->wq);
    }
}

/* ---- Input sign ---- */

/* Memo states of is_non_negative, by value id. */
enum { SIGN_UNKNOWN = 0, SIGN_NON_NEGATIVE = 1, SIGN_ANY = 2, SIGN_VISITING = 3 };

static bool constant_non_negative(const aimcc_value *value)
{
    if (value->dtype != AIMRT_DTYPE_FLOAT || value->data == NULL)
        return false;
    const int64_t count = aimcc_ir_value_count(value);
    const float *data = value->data;
    for (int64_t i = 0; i < count; i++) {
        if (!(data[i] >= 0.0f))
            return false;
    }
    return true;
}

/* The memo of is_non_negative: one state per value id below n. */
typedef struct sign_memo {
    signed char *state;
    int n;
} sign_memo;

static bool is_non_negative(const aimcc_value *value, sign_memo *memo);

/* Decides for an activation from the op that produces it. */
static bool producer_non_negative(const aimcc_op *op, sign_memo *memo)
{
    switch (op->code) {
    case AIMRT_OP_RELU:
    case AIMRT_OP_SIGMOID:
        return true;
    case AIMRT_OP_CLIP:
        return aimrt_attr_float(op->attrs, op->n_attrs, AIMRT_ATTR_MIN, -INFINITY) >= 0.0f;
    case AIMRT_OP_MAX_POOL:
    case AIMRT_OP_AVG_POOL:
    case AIMRT_OP_REDUCE_MEAN: /* GlobalAveragePool */
    case AIMRT_OP_REDUCE_MAX:
    case AIMRT_OP_REDUCE_SUM:
    case AIMRT_OP_RESHAPE:
    case AIMRT_OP_TRANSPOSE:
    case AIMRT_OP_IM2COL: /* its padding is zeros */
        return op->n_inputs >= 1 && op->inputs[0] != NULL && is_non_negative(op->inputs[0], memo);
    case AIMRT_OP_CONCAT:
        for (int i = 0; i < op->n_inputs; i++) {
            if (op->inputs[i] == NULL || !is_non_negative(op->inputs[i], memo))
                return false;
        }
        return op->n_inputs > 0;
    default:
        return false;
    }
}

/* Returns true when every element of value is >= 0 by construction. The memo
 * keeps shared subgraphs from being walked twice; a cycle counts as signed. */
static bool is_non_negative(const aimcc_value *value, sign_memo *memo)
{
    if (value->id < 0 || value->id >= memo->n)
        return false;
    signed char *state = &memo->state[value->id];
    if (*state != SIGN_UNKNOWN)
        return *state == SIGN_NON_NEGATIVE;
    *state = SIGN_VISITING;
    bool result = false;
    if (value->kind == AIMCC_VALUE_CONST)
        result = constant_non_negative(value);
    else if (value->kind == AIMCC_VALUE_ACTIVATION && value->producer != NULL)
        result = producer_non_negative(value->producer, memo);
    memo->state[value->id] = result ? SIGN_NON_NEGATIVE : SIGN_ANY;
    return result;
}

/* ---- The op ---- */

static aimcc_status check_operands(aimcc_ctx *ctx, const aimcc_op *op)
{
    const aimcc_value *x = op->inputs[0], *w = op->n_inputs > 1 ? op->inputs[1] : NULL;
    const aimcc_value *bias = op->n_inputs > 2 ? op->inputs[2] : NULL;
    if (w == NULL || w->rank != 2 || w->kind != AIMCC_VALUE_CONST || w->data == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                          "linear op %d has no constant 2-D weight; canonicalize creates every "
                          "linear op with one",
                          op->id);
    if (x->dtype != AIMRT_DTYPE_FLOAT || w->dtype != AIMRT_DTYPE_FLOAT ||
        (bias != NULL && bias->dtype != AIMRT_DTYPE_FLOAT))
        return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, op->node, op->onnx_type,
                          "quantized tiles take f32 inputs, weights and bias, but this layer "
                          "computes in %s; export the model in f32 or use the float target",
                          aimrt_dtype_name(x->dtype == AIMRT_DTYPE_FLOAT ? w->dtype : x->dtype));
    return AIMCC_OK;
}

/* Builds the attributes the reference kernel reads: input bits, signedness
 * and, for a static range, the input LSB. */
static int plan_attrs(aimcc_module *module, const aimrt_linear_plan *plan, aimrt_attr *attrs)
{
    int n = 0;
    attrs[n++] = aimcc_ir_attr_int(module, AIMRT_ATTR_INPUT_BITS, plan->input_bits);
    attrs[n++] =
        aimcc_ir_attr_int(module, AIMRT_ATTR_INPUT_SIGNED, plan->input_sign != AIMRT_INPUT_UNSIGNED);
    if (plan->input_range == AIMRT_RANGE_STATIC)
        attrs[n++] = aimcc_ir_attr_float(module, AIMRT_ATTR_INPUT_SCALE, plan->input_scale);
    return n;
}

/* Adds the Wq and w_scale constants and rewires op to (x, Wq, bias, w_scale). */
static aimcc_status rewrite_op(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op,
                               const quantized_weight *q, aimrt_linear_plan *plan)
{
    const aimcc_value *w = op->inputs[1];
    aimcc_value *wq = aimcc_ir_value_add(module, NULL, AIMCC_VALUE_CONST, AIMRT_DTYPE_INT32, 2,
                                         w->dims, q->wq);
    aimcc_value *w_scale = aimcc_ir_value_add(module, NULL, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT,
                                              1, &w->dims[1], q->w_scale);
    aimcc_value **inputs = aimcc_arena_calloc(module->arena, 4, sizeof *inputs);
    aimrt_attr *attrs = aimcc_arena_calloc(module->arena, 3, sizeof *attrs);
    if (wq == NULL || w_scale == NULL || inputs == NULL || attrs == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                          "out of memory quantizing the layer");
    const int n_attrs = plan_attrs(module, plan, attrs);
    for (int i = 0; i < n_attrs; i++) {
        if (attrs[i].ints == NULL && attrs[i].floats == NULL)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                              "out of memory quantizing the layer");
    }

    inputs[0] = op->inputs[0];
    inputs[1] = wq;
    inputs[2] = op->n_inputs > 2 ? op->inputs[2] : NULL;
    inputs[3] = w_scale;
    op->inputs[1]->n_uses--;
    wq->n_uses++;
    w_scale->n_uses++;
    op->inputs = inputs;
    op->n_inputs = 4;
    op->attrs = attrs;
    op->n_attrs = n_attrs;
    op->plan = plan;
    return AIMCC_OK;
}

/* Quantizes one LINEAR on a kind with integer weights. */
static aimcc_status quantize_op(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op,
                                const aimcc_tile_kind *kind, sign_memo *memo, int64_t *n_kept)
{
    aimcc_status status = check_operands(ctx, op);
    if (status != AIMCC_OK)
        return status;
    const aimrt_input_sign sign = is_non_negative(op->inputs[0], memo)
                                      ? AIMRT_INPUT_UNSIGNED
                                      : aimcc_kind_input_sign(kind);
    aimrt_linear_plan *plan = aimcc_arena_calloc(module->arena, 1, sizeof *plan);
    if (plan == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type, "out of memory");
    status = aimcc_kind_plan_init(ctx, kind, op->kind, sign, op, plan);
    if (status != AIMCC_OK)
        return status;
    /* Bit-slice fills these from the same formulas once map has placed the op. */
    plan->n_slices = 0;
    plan->n_polarities = 0;
    plan->n_phases = 0;

    const aimcc_value *w = op->inputs[1];
    const int64_t k = w->dims[0], n = w->dims[1];
    quantized_weight q = {
        .wq = malloc((size_t)(k * n) * sizeof *q.wq),
        .w_scale = malloc((size_t)n * sizeof *q.w_scale),
    };
    if (q.wq == NULL || q.w_scale == NULL)
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                            "out of memory quantizing a %lldx%lld weight", (long long)k,
                            (long long)n);
    if (status == AIMCC_OK) {
        const bool per_layer =
            aimcc_target_option_int(module->target, "quantize.per_layer", NULL, 0) != 0;
        quantize_weight(w->data, k, n, plan->weight_bits, per_layer, &q);
        *n_kept += q.n_kept;
        status = rewrite_op(ctx, module, op, &q, plan);
    }
    free(q.wq);
    free(q.w_scale);
    return status;
}

static aimcc_status quantize_run(aimcc_module *module, aimcc_ctx *ctx)
{
    sign_memo memo = {.state = calloc((size_t)module->n_values + 1, 1), .n = module->n_values};
    if (memo.state == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    /* Canonicalize checked the weights it made; a module parsed from IR
     * text skipped it, and a NaN has no scale to quantize with. */
    aimcc_status status =
        aimcc_check_finite_linear_weights(ctx, module, "the linear weight [inputs, outputs]");
    int n_layers = 0;
    int64_t n_kept = 0;
    for (aimcc_op *op = module->first; op != NULL && status == AIMCC_OK; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || op->plan != NULL)
            continue;
        const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
        if (kind == NULL) {
            status = aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                                "linear op %d has tile kind %d, which the target lacks; run "
                                "select-domain first",
                                op->id, op->kind);
            break;
        }
        if (aimcc_kind_is_float(kind))
            continue;
        status = quantize_op(ctx, module, op, kind, &memo, &n_kept);
        n_layers++;
    }
    free(memo.state);
    if (status == AIMCC_OK && n_layers > 0)
        AIMCC_LOG(AIMCC_LOG_INFO, QUANTIZE_PASS, NULL,
                  "quantized %d linear layers; %lld weight columns kept their int8 integers",
                  n_layers, (long long)n_kept);
    return status;
}

const aimcc_pass aimcc_pass_quantize = {
    .name = "quantize",
    .summary = "turn the weights of linear layers on integer tiles into integers and scales",
    .run = quantize_run,
    .requires = AIMCC_PROP_DOMAIN_SELECTED,
    .provides = AIMCC_PROP_QUANTIZED,
};
