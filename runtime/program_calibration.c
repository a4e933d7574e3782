/* SPDX-License-Identifier: MIT */
/*
 * Load-time checks of the calibration inputs of a quantized LINEAR op
 * (format version 2): probe_x [P, K], probe_y [P, N] and adc_range [C], one
 * range per tile column of the op's blocks in block order. Each may be
 * absent; present ones are finite f32 constants of exactly those shapes.
 */
#include <math.h>
#include <stdio.h>

#include "program_internal.h"

static const char *const input_names[] = {"probe_x", "probe_y", "adc_range"};

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
    return status;
}
