/* SPDX-License-Identifier: MIT */
/*
 * The slice and phase arithmetic of a tile kind, written once so that
 * quantize, map, bit-slice, encode and the verifier agree. The formulas are
 * the tables of docs/tile-lowering.md ("Bit-slice: weight digits" and
 * "Bit-slice: input phases").
 */
#include "passes/kind_layout.h"

#include <string.h>

/* The kind a module without a target maps onto: the float preset's geometry,
 * as the map pass uses it. */
static const aimcc_tile_kind default_float_kind = {
    .name = "float",
    .domain = AIMCC_DOMAIN_CURRENT,
    .rows = 512,
    .cols = 512,
    .n_tiles = 4096,
    .cell = "float",
    .weight_bits = 0,
    .cell_bits = 0,
    .encoding = "signed-float",
    .input_mode = "float",
    .adc_range = "lossless",
};

/* Names in enum order; the target file spells the float encoding "signed-float". */
static const char *const encoding_names[] = {"float", "differential", "offset", "constant-sum",
                                             "twos-complement"};
static const char *const input_mode_names[] = {"float", "amplitude", "bit-serial", "pwm"};
static const char *const input_sign_names[] = {"one-pass", "two-pass-analog", "two-pass-digital",
                                               "unsigned"};
static const char *const input_range_names[] = {"dynamic", "static"};
_Static_assert(sizeof encoding_names / sizeof encoding_names[0] == AIMRT_ENCODING_COUNT,
               "one name per aimrt_encoding");
_Static_assert(sizeof input_mode_names / sizeof input_mode_names[0] == AIMRT_INPUT_MODE_COUNT,
               "one name per aimrt_input_mode");
_Static_assert(sizeof input_sign_names / sizeof input_sign_names[0] == AIMRT_INPUT_SIGN_COUNT,
               "one name per aimrt_input_sign");
_Static_assert(sizeof input_range_names / sizeof input_range_names[0] == AIMRT_RANGE_COUNT,
               "one name per aimrt_input_range");

const char *aimcc_encoding_name(aimrt_encoding encoding)
{
    return (unsigned)encoding < AIMRT_ENCODING_COUNT ? encoding_names[encoding] : NULL;
}

const char *aimcc_input_mode_name(aimrt_input_mode mode)
{
    return (unsigned)mode < AIMRT_INPUT_MODE_COUNT ? input_mode_names[mode] : NULL;
}

const char *aimcc_input_sign_name(aimrt_input_sign sign)
{
    return (unsigned)sign < AIMRT_INPUT_SIGN_COUNT ? input_sign_names[sign] : NULL;
}

const char *aimcc_input_range_name(aimrt_input_range range)
{
    return (unsigned)range < AIMRT_RANGE_COUNT ? input_range_names[range] : NULL;
}

/* Returns the index of text in names[0 .. n), or -1. */
static int find_name(const char *text, const char *const *names, int n)
{
    for (int i = 0; text != NULL && i < n; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    return -1;
}

static int parse_encoding(const char *text)
{
    if (text != NULL && strcmp(text, "signed-float") == 0)
        return AIMRT_ENCODING_FLOAT;
    return find_name(text, encoding_names, AIMRT_ENCODING_COUNT);
}

bool aimcc_kind_is_float(const aimcc_tile_kind *kind)
{
    return kind->weight_bits == 0;
}

aimrt_encoding aimcc_kind_encoding(const aimcc_tile_kind *kind)
{
    const int code = parse_encoding(kind->encoding);
    return aimcc_kind_is_float(kind) || code < 0 ? AIMRT_ENCODING_FLOAT : (aimrt_encoding)code;
}

aimrt_input_mode aimcc_kind_input_mode(const aimcc_tile_kind *kind)
{
    const int code = find_name(kind->input_mode, input_mode_names, AIMRT_INPUT_MODE_COUNT);
    return code < 0 ? AIMRT_INPUT_FLOAT : (aimrt_input_mode)code;
}

aimrt_input_sign aimcc_kind_input_sign(const aimcc_tile_kind *kind)
{
    /* A kind's own mode is never "unsigned": only quantize proves that. */
    const int code = find_name(kind->input_signed, input_sign_names, AIMRT_INPUT_UNSIGNED);
    return code < 0 ? AIMRT_INPUT_ONE_PASS : (aimrt_input_sign)code;
}

int32_t aimcc_layout_slices(aimrt_encoding encoding, int32_t weight_bits, int32_t cell_bits)
{
    switch (encoding) {
    case AIMRT_ENCODING_DIFFERENTIAL:
        /* Digits of |w| <= 2^(wb-1) - 1: the sign lives in the polarity. */
        return (weight_bits - 1 + cell_bits - 1) / cell_bits;
    case AIMRT_ENCODING_OFFSET:
    case AIMRT_ENCODING_CONSTANT_SUM:
        return (weight_bits + cell_bits - 1) / cell_bits;
    case AIMRT_ENCODING_TWOS_COMPLEMENT:
        return weight_bits;
    default:
        return 1;
    }
}

int32_t aimcc_layout_polarities(aimrt_encoding encoding)
{
    return encoding == AIMRT_ENCODING_DIFFERENTIAL || encoding == AIMRT_ENCODING_CONSTANT_SUM ? 2
                                                                                              : 1;
}

int32_t aimcc_layout_phases(aimrt_input_mode mode, aimrt_input_sign sign, int32_t input_bits)
{
    const bool two_pass =
        sign == AIMRT_INPUT_TWO_PASS_ANALOG || sign == AIMRT_INPUT_TWO_PASS_DIGITAL;
    if (mode == AIMRT_INPUT_BIT_SERIAL)
        return two_pass ? 2 * (input_bits - 1) : input_bits;
    if (mode == AIMRT_INPUT_FLOAT)
        return 1;
    return two_pass ? 2 : 1;
}

int32_t aimcc_layout_input_top(aimrt_input_sign sign, int32_t input_bits)
{
    if (sign == AIMRT_INPUT_UNSIGNED)
        return (INT32_C(1) << input_bits) - 1;
    return (INT32_C(1) << (input_bits - 1)) - 1;
}

int32_t aimcc_kind_slices(const aimcc_tile_kind *kind)
{
    return aimcc_layout_slices(aimcc_kind_encoding(kind), kind->weight_bits, kind->cell_bits);
}

int32_t aimcc_kind_polarities(const aimcc_tile_kind *kind)
{
    return aimcc_layout_polarities(aimcc_kind_encoding(kind));
}

int32_t aimcc_kind_phases(const aimcc_tile_kind *kind, aimrt_input_sign sign)
{
    return aimcc_layout_phases(aimcc_kind_input_mode(kind), sign, kind->input_bits);
}

int64_t aimcc_kind_columns_per_weight(const aimcc_tile_kind *kind)
{
    return (int64_t)aimcc_kind_slices(kind) * aimcc_kind_polarities(kind);
}

int32_t aimcc_kind_reference_columns(const aimcc_tile_kind *kind)
{
    return aimcc_kind_encoding(kind) == AIMRT_ENCODING_OFFSET ? aimcc_kind_slices(kind) : 0;
}

/* Returns the first rule the kind's weight fields break, or NULL. */
static const char *weight_problem(const aimcc_tile_kind *kind, char *buf, size_t size)
{
    const int encoding = parse_encoding(kind->encoding);
    if (encoding < 0) {
        snprintf(buf, size,
                 "encoding \"%s\" is unknown; use signed-float, differential, offset, "
                 "constant-sum or twos-complement",
                 kind->encoding ? kind->encoding : "");
        return buf;
    }
    if (aimcc_kind_is_float(kind)) {
        if (encoding != AIMRT_ENCODING_FLOAT)
            snprintf(buf, size, "encoding \"%s\" needs integer weights, but weight_bits is 0 "
                     "(float); set weight_bits to 2..16 or use encoding signed-float",
                     kind->encoding);
        return encoding != AIMRT_ENCODING_FLOAT ? buf : NULL;
    }
    if (kind->weight_bits < 2 || kind->weight_bits > AIMCC_MAX_WEIGHT_BITS)
        snprintf(buf, size, "weight_bits is %d; allowed are 0 (float) and 2..%d",
                 kind->weight_bits, AIMCC_MAX_WEIGHT_BITS);
    else if (encoding == AIMRT_ENCODING_FLOAT)
        snprintf(buf, size, "encoding \"%s\" holds float weights, but weight_bits is %d; use "
                 "weight_bits 0 or an integer encoding", kind->encoding, kind->weight_bits);
    else if (kind->cell_bits < 1 || kind->cell_bits > kind->weight_bits)
        snprintf(buf, size, "cell_bits is %d; allowed are 1..weight_bits (%d)", kind->cell_bits,
                 kind->weight_bits);
    else if (encoding == AIMRT_ENCODING_TWOS_COMPLEMENT && kind->cell_bits != 1)
        snprintf(buf, size, "cell_bits is %d, but encoding \"twos-complement\" needs binary "
                 "cells (cell_bits 1)", kind->cell_bits);
    else
        return NULL;
    return buf;
}

/* Returns the first rule the kind's input fields break, or NULL. */
static const char *input_problem(const aimcc_tile_kind *kind, char *buf, size_t size)
{
    const int mode = find_name(kind->input_mode, input_mode_names, AIMRT_INPUT_MODE_COUNT);
    if (mode < 0) {
        snprintf(buf, size, "input.mode \"%s\" is unknown; use float, amplitude, bit-serial or pwm",
                 kind->input_mode ? kind->input_mode : "");
        return buf;
    }
    if (kind->input_signed != NULL &&
        find_name(kind->input_signed, input_sign_names, AIMRT_INPUT_UNSIGNED) < 0) {
        snprintf(buf, size, "input.signed \"%s\" is unknown; use one-pass, two-pass-analog or "
                 "two-pass-digital", kind->input_signed);
        return buf;
    }
    if (mode == AIMRT_INPUT_FLOAT) {
        if (!aimcc_kind_is_float(kind))
            snprintf(buf, size, "input.mode \"float\" gives no input integers for weight_bits "
                     "%d; use amplitude, bit-serial or pwm with input.bits", kind->weight_bits);
        return aimcc_kind_is_float(kind) ? NULL : buf;
    }
    if (kind->input_bits < 1 || kind->input_bits > AIMCC_MAX_INPUT_BITS) {
        snprintf(buf, size, "input.bits is %d; allowed are 1..%d", kind->input_bits,
                 AIMCC_MAX_INPUT_BITS);
        return buf;
    }
    return NULL;
}

aimcc_status aimcc_kind_check(aimcc_ctx *ctx, const aimcc_tile_kind *kind)
{
    char buf[256];
    const char *problem = weight_problem(kind, buf, sizeof buf);
    if (problem == NULL)
        problem = input_problem(kind, buf, sizeof buf);
    if (problem == NULL)
        return AIMCC_OK;
    return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL, "tile kind \"%s\": %s.",
                      kind->name ? kind->name : "", problem);
}

aimcc_status aimcc_kind_plan_init(aimcc_ctx *ctx, const aimcc_tile_kind *kind, int kind_index,
                                  aimrt_input_sign sign, const aimcc_op *op,
                                  aimrt_linear_plan *plan)
{
    const aimcc_status status = aimcc_kind_check(ctx, kind);
    if (status != AIMCC_OK)
        return status;
    const aimrt_input_mode mode = aimcc_kind_input_mode(kind);
    if (mode != AIMRT_INPUT_FLOAT && sign != AIMRT_INPUT_UNSIGNED && kind->input_bits < 2)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, op ? op->node : NULL,
                          op ? op->onnx_type : NULL,
                          "tile kind \"%s\": input.bits is 1, which leaves no nonzero signed "
                          "input for this layer (its input can be negative); use input.bits 2..%d",
                          kind->name ? kind->name : "", AIMCC_MAX_INPUT_BITS);

    memset(plan, 0, sizeof *plan);
    plan->kind = kind_index;
    plan->encoding = aimcc_kind_encoding(kind);
    plan->weight_bits = kind->weight_bits;
    plan->cell_bits = kind->cell_bits;
    plan->n_slices = aimcc_kind_slices(kind);
    plan->n_polarities = aimcc_kind_polarities(kind);
    plan->input_mode = mode;
    plan->input_sign = mode == AIMRT_INPUT_FLOAT ? AIMRT_INPUT_ONE_PASS : sign;
    plan->input_bits = kind->input_bits;
    plan->n_phases = aimcc_layout_phases(mode, plan->input_sign, kind->input_bits);
    plan->input_range = AIMRT_RANGE_DYNAMIC;
    if (mode != AIMRT_INPUT_FLOAT && kind->input_range_code == AIMRT_RANGE_STATIC &&
        kind->input_range > 0) {
        /* input.range is the largest |x| the DAC codes, so the LSB is range / Qx. */
        plan->input_range = AIMRT_RANGE_STATIC;
        plan->input_scale =
            (float)(kind->input_range / aimcc_layout_input_top(plan->input_sign, kind->input_bits));
    }
    return AIMCC_OK;
}

const aimcc_tile_kind *aimcc_kind_of_op(const aimcc_module *module, const aimcc_op *op)
{
    const aimcc_target *target = module->target;
    if (target == NULL || target->n_kinds == 0)
        return op->kind == 0 ? &default_float_kind : NULL;
    if (op->kind < 0 || op->kind >= target->n_kinds)
        return NULL;
    return &target->kinds[op->kind];
}
