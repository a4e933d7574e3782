/* SPDX-License-Identifier: MIT */
/*
 * How a quantized LINEAR op sits on tiles: the weight encoding, the input
 * (DAC) mode, and the slice and phase arithmetic that both the compiler and
 * the runtime follow. docs/tile-lowering.md gives every formula. Values
 * reach the program format: they are fixed and only appended.
 */
#ifndef AIMRT_TILE_H
#define AIMRT_TILE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a signed integer weight becomes cell levels. */
typedef enum aimrt_encoding {
    AIMRT_ENCODING_FLOAT = 0,           /* float weights as they are, one cell each */
    AIMRT_ENCODING_DIFFERENTIAL = 1,    /* |w| digits on G+ or G-, the other cell at 0 */
    AIMRT_ENCODING_OFFSET = 2,          /* w + 2^(wb-1) digits, minus reference columns */
    AIMRT_ENCODING_CONSTANT_SUM = 3,    /* digit u on G+, (2^cb - 1) - u on G- */
    AIMRT_ENCODING_TWOS_COMPLEMENT = 4, /* wb-bit two's complement on binary cells */
    AIMRT_ENCODING_COUNT = 5,
} aimrt_encoding;

/* How an input integer drives the rows. */
typedef enum aimrt_input_mode {
    AIMRT_INPUT_FLOAT = 0,      /* float inputs, no DAC (the float target) */
    AIMRT_INPUT_AMPLITUDE = 1,  /* one phase, the integer as a voltage level */
    AIMRT_INPUT_BIT_SERIAL = 2, /* one binary phase per bit, shift-and-add */
    AIMRT_INPUT_PWM = 3,        /* one phase, the integer as a pulse of that many steps */
    AIMRT_INPUT_MODE_COUNT = 4,
} aimrt_input_mode;

/* How the sign of an input is handled. */
typedef enum aimrt_input_sign {
    AIMRT_INPUT_ONE_PASS = 0,      /* signed drive; bit-serial: two's complement phases */
    AIMRT_INPUT_TWO_PASS_ANALOG = 1,  /* positive and negative parts, summed before the ADC */
    AIMRT_INPUT_TWO_PASS_DIGITAL = 2, /* positive and negative parts, each through the ADC */
    AIMRT_INPUT_UNSIGNED = 3,      /* the input is known to be >= 0 (after ReLU, say) */
    AIMRT_INPUT_SIGN_COUNT = 4,
} aimrt_input_sign;

/* How the input (DAC) range of a layer is set. */
typedef enum aimrt_input_range {
    AIMRT_RANGE_DYNAMIC = 0, /* per input vector: its max |x| maps to the top code */
    AIMRT_RANGE_STATIC = 1,  /* one range per layer: input_scale is the LSB */
    AIMRT_RANGE_COUNT = 2,
} aimrt_input_range;

/*
 * The quantization, slicing and encoding of one LINEAR op. A float op has
 * encoding FLOAT and input mode FLOAT and ignores the rest.
 */
typedef struct aimrt_linear_plan {
    int32_t kind;                 /* tile kind index */
    aimrt_encoding encoding;
    int32_t weight_bits;          /* wb: weights are integers in [-(2^(wb-1)-1), 2^(wb-1)-1] */
    int32_t cell_bits;            /* cb: cell levels are integers in [0, 2^cb - 1] */
    int32_t n_slices;             /* S: weight digits of cb bits, least significant first */
    int32_t n_polarities;         /* P: cells per digit, 2 for differential and constant-sum */
    aimrt_input_mode input_mode;
    aimrt_input_sign input_sign;
    int32_t input_bits;           /* b: DAC bits, the sign bit included for signed inputs */
    int32_t n_phases;             /* input phases per MVM (1, 2, b, 2(b-1)) */
    aimrt_input_range input_range;
    float input_scale;            /* static range: LSB of the input integer, in input units */
} aimrt_linear_plan;

/* Returns the count of reference columns a block needs (S for OFFSET, else 0). */
static inline int32_t aimrt_plan_reference_columns(const aimrt_linear_plan *plan)
{
    return plan->encoding == AIMRT_ENCODING_OFFSET ? plan->n_slices : 0;
}

/* Returns the tile columns one logical weight column takes (S * P). */
static inline int64_t aimrt_plan_columns_per_weight(const aimrt_linear_plan *plan)
{
    return (int64_t)plan->n_slices * plan->n_polarities;
}

#ifdef __cplusplus
}
#endif

#endif
