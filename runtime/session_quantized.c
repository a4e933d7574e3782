/* SPDX-License-Identifier: MIT */
/*
 * Runs a quantized LINEAR op exactly as docs/tile-lowering.md states: each
 * input vector v gets its LSB s_v and integers xq, which split into phases
 * x_p of significance g_p. Per block and phase, one device MVM over the
 * block's tile columns (reference columns included) gives column sums that
 * decode per encoding into double accumulators, summed over phases and row
 * blocks. Then y = (float)(acc * s_v * w_scale[n]) + bias[n].
 *
 * The accumulators are doubles because only the exact device returns integer
 * column sums. The sim returns ADC codes times an LSB that a calibrated range
 * makes fractional, so truncating its sums would bias each output toward
 * zero. A double represents every integer up to 2^53 exactly.
 */
#include <math.h>

#include "session_internal.h"

static bool is_two_pass(const aimrt_linear_plan *plan)
{
    return plan->input_sign == AIMRT_INPUT_TWO_PASS_ANALOG ||
           plan->input_sign == AIMRT_INPUT_TWO_PASS_DIGITAL;
}

/* Returns Qx, the largest input integer: 2^(b-1) - 1 signed, 2^b - 1 unsigned. */
static int32_t input_top(const aimrt_linear_plan *plan)
{
    return plan->input_sign == AIMRT_INPUT_UNSIGNED ? (INT32_C(1) << plan->input_bits) - 1
                                                    : (INT32_C(1) << (plan->input_bits - 1)) - 1;
}

/* Computes s_v and xq of each row: s_v = max_k |x| / Qx (1 for a zero row)
 * in float, or the static scale, then xq = clamp(round_half_even(x / s_v)). */
static void quantize_inputs(aimrt_session *session, const aimrt_linear_plan *plan, int64_t rows,
                            int64_t k, const float *x)
{
    const int32_t top = input_top(plan);
    const float low = plan->input_sign == AIMRT_INPUT_UNSIGNED ? 0.0f : (float)-top;
    for (int64_t v = 0; v < rows; v++) {
        const float *row = x + v * k;
        float scale = plan->input_scale;
        if (plan->input_range == AIMRT_RANGE_DYNAMIC) {
            float range = 0.0f;
            for (int64_t i = 0; i < k; i++)
                range = fmaxf(range, fabsf(row[i]));
            scale = range > 0.0f ? range / (float)top : 1.0f;
        }
        session->input_scale[v] = scale;
        int32_t *q = session->xq + v * k;
        for (int64_t i = 0; i < k; i++) {
            /* rintf rounds half to even in the default rounding mode. NaN goes to the low end. */
            float value = rintf(row[i] / scale);
            if (value > (float)top)
                value = (float)top;
            else if (!(value >= low))
                value = low;
            q[i] = (int32_t)value;
        }
    }
}

/* The phase index that stands for all phases added up, on linear devices. */
#define MERGED_PHASES (-1)

/* Where a phase takes its integers from: xq itself, its positive or negative
 * part, or xq mod 2^b (two's complement bits). */
typedef enum phase_source {
    SOURCE_RAW,
    SOURCE_POSITIVE,
    SOURCE_NEGATIVE,
    SOURCE_WRAPPED,
} phase_source;

/* Finds the source of phase p and, for bit-serial phases, the bit it takes (-1 for all). */
static phase_source phase_layout(const aimrt_linear_plan *plan, int32_t p, int32_t *bit)
{
    const int32_t half = plan->input_bits - 1;
    *bit = -1;
    if (plan->input_mode != AIMRT_INPUT_BIT_SERIAL) {
        if (!is_two_pass(plan))
            return SOURCE_RAW;
        return p == 0 ? SOURCE_POSITIVE : SOURCE_NEGATIVE;
    }
    if (plan->input_sign == AIMRT_INPUT_UNSIGNED) {
        *bit = p;
        return SOURCE_RAW;
    }
    if (!is_two_pass(plan)) {
        *bit = p;
        return SOURCE_WRAPPED;
    }
    *bit = p < half ? p : p - half;
    return p < half ? SOURCE_POSITIVE : SOURCE_NEGATIVE;
}

/* Writes x_p (docs/tile-lowering.md) of n integers q into in, and returns their
 * sum. Phase MERGED_PHASES writes xq itself, the sum of g_p x_p over all phases. */
static int64_t gather_phase(const aimrt_linear_plan *plan, int32_t p, const int32_t *q,
                            int64_t n, float *in)
{
    int32_t bit = -1;
    const phase_source source = p == MERGED_PHASES ? SOURCE_RAW : phase_layout(plan, p, &bit);
    const uint32_t mask = (UINT32_C(1) << plan->input_bits) - 1;
    int64_t sum = 0;
    for (int64_t r = 0; r < n; r++) {
        uint32_t value;
        switch (source) {
        case SOURCE_POSITIVE: value = q[r] > 0 ? (uint32_t)q[r] : 0; break;
        case SOURCE_NEGATIVE: value = q[r] < 0 ? (uint32_t)-q[r] : 0; break;
        case SOURCE_WRAPPED: value = (uint32_t)q[r] & mask; break;
        default: value = (uint32_t)q[r]; break;
        }
        /* Only SOURCE_RAW of a signed input stays negative, and it takes no bit. */
        const int32_t x = bit >= 0 ? (int32_t)((value >> bit) & 1) : (int32_t)value;
        in[r] = (float)x;
        sum += x;
    }
    return sum;
}

/* Returns g_p, the significance of phase p. */
static int64_t phase_gain(const aimrt_linear_plan *plan, int32_t p)
{
    if (p == MERGED_PHASES)
        return 1;
    if (plan->input_mode != AIMRT_INPUT_BIT_SERIAL)
        return is_two_pass(plan) && p == 1 ? -1 : 1;
    if (plan->input_sign == AIMRT_INPUT_UNSIGNED)
        return INT64_C(1) << p;
    if (!is_two_pass(plan))
        return p == plan->input_bits - 1 ? -(INT64_C(1) << p) : INT64_C(1) << p;
    const int32_t half = plan->input_bits - 1;
    return p < half ? INT64_C(1) << p : -(INT64_C(1) << (p - half));
}

/* Adds gain * the decoded values of logical columns [0, n_cols) into acc,
 * from one vector's column sums cols, with sum_x the phase's input sum over
 * the block's rows. */
static void decode_add(const aimrt_linear_plan *plan, int64_t n_cols, const double *cols,
                       int64_t sum_x, int64_t gain, double *acc)
{
    const int32_t slices = plan->n_slices, cb = plan->cell_bits;
    const double top = ldexp(1.0, cb) - 1.0;
    const double radix = ldexp(1.0, cb);
    const double offset = ldexp(1.0, plan->weight_bits - 1);
    const double *reference = cols + n_cols * slices;  /* OFFSET reference columns */
    for (int64_t c = 0; c < n_cols; c++) {
        double value = 0.0;
        for (int32_t s = slices - 1; s >= 0; s--) {
            /* Horner's scheme gives value = sum_s 2^(s cb) digit_s. The last two's
             * complement bit has weight -2^(wb-1). */
            const int64_t base = c * slices + s;
            double digit;
            switch (plan->encoding) {
            case AIMRT_ENCODING_DIFFERENTIAL:
                digit = cols[2 * base] - cols[2 * base + 1];
                break;
            case AIMRT_ENCODING_OFFSET:
                digit = cols[base] - reference[s];
                break;
            case AIMRT_ENCODING_CONSTANT_SUM:
                /* (G+ - G-) + M X is twice the G+ column sum: even on the exact device. */
                digit = 0.5 * (cols[2 * base] - cols[2 * base + 1] + top * (double)sum_x);
                break;
            default:
                digit = s == slices - 1 ? -cols[base] : cols[base];
                break;
            }
            value = value * radix + digit;
        }
        if (plan->encoding == AIMRT_ENCODING_CONSTANT_SUM)
            value -= offset * (double)sum_x;
        acc[c] += (double)gain * value;
    }
}

/* Runs phase p of block b on its replica's rows and adds g_p * decode into acc. */
static aimrt_status run_phase(aimrt_session *session, const program_op *op,
                              const program_block *b, int32_t p, int64_t k, int64_t n)
{
    const aimrt_linear_plan *plan = &op->plan;
    const replica_rows part = session->parts[b->replica];
    const int64_t *order = session->order + part.first;
    for (int64_t i = 0; i < part.count; i++)
        session->phase_sum[i] = gather_phase(plan, p, session->xq + order[i] * k + b->w_row,
                                             b->n_rows, session->gather + i * b->n_rows);

    /* Each input phase is an MVM of its own, so its noise must be drawn anew:
     * phase p of the vector with MVM index m is MVM m * n_phases + p. */
    const int64_t phase = p == MERGED_PHASES ? 0 : p;
    for (int64_t i = 0; i < part.count; i++)
        session->phase_mvm[i] = session->order_mvm[part.first + i] * plan->n_phases + phase;

    const int64_t columns = program_block_columns(op, b);
    const aimrt_device *device = session->device;
    const aimrt_status status =
        device->mvm(device->state, b->tile, b->tile_row, b->n_rows, b->tile_col, columns,
                    part.count, session->gather, session->partial,
                    session->order_sample + part.first, session->phase_mvm);
    if (status != AIMRT_OK)
        return status;

    const int64_t gain = phase_gain(plan, p);
    for (int64_t i = 0; i < part.count; i++)
        decode_add(plan, b->n_cols, session->partial + i * columns, session->phase_sum[i], gain,
                   session->acc + order[i] * n + b->w_col);
    return AIMRT_OK;
}

/* Writes y with the per-chip correction of the op: the raw output y_raw (as
 * the probes measured it, bias included) becomes (y_raw - b_j) / a_j, and
 * its part above the bias is then scaled by the drift factor. */
static void write_corrected(const aimrt_session *session, int64_t rows, int64_t n,
                            const float *w_scale, const float *bias, float *y)
{
    const op_correction *c = session->correction;
    for (int64_t v = 0; v < rows; v++) {
        const double scale = session->input_scale[v];
        for (int64_t j = 0; j < n; j++) {
            const float b = bias ? bias[j] : 0.0f;
            const float raw = (float)(session->acc[v * n + j] * scale * w_scale[j]) + b;
            const double corrected = ((double)raw - c->offset[j]) / c->gain[j];
            y[v * n + j] = (float)(b + c->drift[j] * (corrected - b));
        }
    }
}

aimrt_status session_run_quantized(aimrt_session *session, const program_op *op, int64_t rows,
                                   int64_t k, int64_t n, const float *x, float *y,
                                   int *failed_block)
{
    quantize_inputs(session, &op->plan, rows, k, x);
    memset(session->acc, 0, (size_t)(rows * n) * sizeof *session->acc);

    /* Column sums and their decoding are linear in x, so on an exact linear
     * device one call with xq gives the integers of all phases added up. */
    const bool merge = (aimrt_device_flags(session->device) & AIMRT_DEVICE_LINEAR) != 0;
    const int32_t first_phase = merge ? MERGED_PHASES : 0;
    const int32_t end_phase = merge ? MERGED_PHASES + 1 : op->plan.n_phases;
    for (int i = 0; i < op->n_blocks; i++) {
        for (int32_t p = first_phase; p < end_phase; p++) {
            const aimrt_status status = run_phase(session, op, &op->blocks[i], p, k, n);
            if (status != AIMRT_OK) {
                *failed_block = i;
                return status;
            }
        }
    }

    const float *w_scale = session->buffers[op->inputs[3]];
    const float *bias = op->inputs[2] >= 0 ? session->buffers[op->inputs[2]] : NULL;
    if (session->correction) {
        write_corrected(session, rows, n, w_scale, bias, y);
        return AIMRT_OK;
    }
    for (int64_t v = 0; v < rows; v++) {
        const double scale = session->input_scale[v];
        for (int64_t c = 0; c < n; c++) {
            /* The drift gain is 1 (exact) unless drift compensation is on. */
            const float value = (float)(session->acc[v * n + c] * scale * w_scale[c] *
                                        session->linear_gain);
            y[v * n + c] = bias ? value + bias[c] : value;
        }
    }
    return AIMRT_OK;
}
