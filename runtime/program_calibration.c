/* SPDX-License-Identifier: MIT */
/*
 * Load-time checks of the calibration inputs of a quantized LINEAR op
 * (format version 2): probe_x [P, K], probe_y [P, N], adc_range [C], one
 * range per tile column of the op's blocks in block order, and adc_low [C],
 * the bottom of each column's converter span. Each may be absent (adc_low
 * needs adc_range); present ones are finite f32 constants of those shapes.
 */
#include <math.h>
#include <stdio.h>

#include "program_internal.h"

static const char *const input_names[] = {"probe_x", "probe_y", "adc_range", "adc_low"};

/* Checks that input slot of op is an f32 constant of rank `rank` whose
 * dims equal dims (a dim of -1 takes any value >= 2), with finite values,
 * non-negative when non_negative. */
static aimrt_status check_input(const aimrt_program *program, int index, int slot, int rank,
                                const int64_t *dims, bool non_negative, aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const char *name = input_names[slot - AIMRT_LINEAR_PROBE_X];
    const program_tensor *t = &program->tensors[op->inputs[slot]];
    bool ok = t->kind == AIMRT_TENSOR_CONST && t->dtype == AIMRT_DTYPE_FLOAT && t->rank == rank;
    for (int d = 0; ok && d < rank; d++)
        ok = dims[d] < 0 ? t->dims[d] >= 2 : t->dims[d] == dims[d];
    if (!ok) {
        char want[96];
        if (rank == 2)
            snprintf(want, sizeof want, "[P >= 2, %lld]", (long long)dims[1]);
        else
            snprintf(want, sizeof want, "[%lld]", (long long)dims[0]);
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": input %d %s (\"%s\") must be a float constant "
                               "%s", index, op->node, slot, name, t->name, want);
    }
    const int64_t count = (int64_t)(t->data_length / sizeof(float));
    const uint8_t *data = t->data;
    for (int64_t i = 0; i < count; i++) {
        const float v = aimrt_get_f32(data + 4 * i);
        if (!isfinite(v) || (non_negative && v < 0.0f))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\": input %d %s (\"%s\") element %lld is %g; "
                                   "values must be finite%s", index, op->node, slot, name,
                                   t->name, (long long)i, (double)v,
                                   non_negative ? " and >= 0" : "");
    }
    return AIMRT_OK;
}

/* Checks adc_low [C] against adc_range: every span [low, high] is empty
 * (both 0, the device's own range) or has low < high. */
static aimrt_status check_span(const aimrt_program *program, int index, int64_t columns,
                               aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    if (op->inputs[AIMRT_LINEAR_ADC_RANGE] < 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": adc_low (input 7) needs adc_range (input 6)",
                               index, op->node);
    const int64_t dims[1] = {columns};
    aimrt_status status = check_input(program, index, AIMRT_LINEAR_ADC_LOW, 1, dims, false, error);
    if (status != AIMRT_OK)
        return status;

    const uint8_t *low = program->tensors[op->inputs[AIMRT_LINEAR_ADC_LOW]].data;
    const uint8_t *high = program->tensors[op->inputs[AIMRT_LINEAR_ADC_RANGE]].data;
    for (int64_t c = 0; c < columns; c++) {
        const float l = aimrt_get_f32(low + 4 * c), h = aimrt_get_f32(high + 4 * c);
        const bool unset = l == 0.0f && h == 0.0f;
        if (!unset && !(l < h))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\": ADC span of column %lld is [%g, %g]; adc_low "
                                   "must be below adc_range, or both 0",
                                   index, op->node, (long long)c, (double)l, (double)h);
    }
    return AIMRT_OK;
}

aimrt_status program_check_calibration(const aimrt_program *program, int index,
                                       aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const program_tensor *w = &program->tensors[op->inputs[1]];
    const int64_t k = w->dims[0], n = w->dims[1];
    int64_t columns = 0;
    for (int i = 0; i < op->n_blocks; i++)
        columns += program_block_columns(op, &op->blocks[i]);

    const bool has_x = op->n_inputs > AIMRT_LINEAR_PROBE_X && op->inputs[AIMRT_LINEAR_PROBE_X] >= 0;
    const bool has_y = op->n_inputs > AIMRT_LINEAR_PROBE_Y && op->inputs[AIMRT_LINEAR_PROBE_Y] >= 0;
    aimrt_status status = AIMRT_OK;
    if (has_x) {
        const int64_t dims[2] = {-1, k};
        status = check_input(program, index, AIMRT_LINEAR_PROBE_X, 2, dims, false, error);
    }
    if (status == AIMRT_OK && has_y) {
        const int64_t dims[2] = {-1, n};
        status = check_input(program, index, AIMRT_LINEAR_PROBE_Y, 2, dims, false, error);
    }
    if (status == AIMRT_OK && has_x && has_y &&
        program->tensors[op->inputs[AIMRT_LINEAR_PROBE_X]].dims[0] !=
            program->tensors[op->inputs[AIMRT_LINEAR_PROBE_Y]].dims[0])
        status = aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                 "op %d \"%s\": probe_x has %lld probes but probe_y %lld; they "
                                 "must match", index, op->node,
                                 (long long)program->tensors[op->inputs[AIMRT_LINEAR_PROBE_X]].dims[0],
                                 (long long)program->tensors[op->inputs[AIMRT_LINEAR_PROBE_Y]].dims[0]);
    if (status == AIMRT_OK && op->n_inputs > AIMRT_LINEAR_ADC_RANGE &&
        op->inputs[AIMRT_LINEAR_ADC_RANGE] >= 0) {
        const int64_t dims[1] = {columns};
        status = check_input(program, index, AIMRT_LINEAR_ADC_RANGE, 1, dims, true, error);
    }
    if (status == AIMRT_OK && op->n_inputs > AIMRT_LINEAR_ADC_LOW &&
        op->inputs[AIMRT_LINEAR_ADC_LOW] >= 0)
        status = check_span(program, index, columns, error);
    return status;
}
