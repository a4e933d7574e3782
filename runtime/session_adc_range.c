/* SPDX-License-Identifier: MIT */
/*
 * Calibrated ADC ranges. A LINEAR op of a version 2 program may carry input 6
 * adc_range: one full-scale |column sum| per tile column of each block, in
 * block order, in level units (0 keeps the device's default). Once the tiles
 * are written the session hands each block's ranges to the device's
 * set_adc_range; a device without it (the exact device) reads losslessly.
 */
#include <math.h>

#include "session_internal.h"

/* Checks that op's adc_range is a constant float [C] of finite values >= 0,
 * with C the tile columns of all its blocks. */
static aimrt_status check_ranges(const aimrt_program *program, int index, aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const program_tensor *t = &program->tensors[op->inputs[AIMRT_LINEAR_ADC_RANGE]];
    int64_t columns = 0;
    for (int i = 0; i < op->n_blocks; i++)
        columns += program_block_columns(op, &op->blocks[i]);
    bool ok = t->kind == AIMRT_TENSOR_CONST && t->dtype == AIMRT_DTYPE_FLOAT && t->rank == 1 &&
              !t->batched && t->dims[0] == columns;
    const float *range = t->data;
    for (int64_t c = 0; ok && c < columns; c++)
        ok = isfinite(range[c]) && range[c] >= 0.0f;
    if (!ok)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": adc_range \"%s\" must be a constant float [%lld] "
                               "(one finite range >= 0 per tile column of its blocks); "
                               "recompile the program",
                               index, op->node, t->name, (long long)columns);
    return AIMRT_OK;
}

/* Sends the ranges of every block of op index to the device. */
static aimrt_status set_op_ranges(aimrt_session *session, int index, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const program_op *op = &program->ops[index];
    aimrt_status status = check_ranges(program, index, error);
    if (status != AIMRT_OK)
        return status;
    const aimrt_device *device = session->device;
    const float *range = program->tensors[op->inputs[AIMRT_LINEAR_ADC_RANGE]].data;
    for (int i = 0; i < op->n_blocks; i++) {
        const program_block *b = &op->blocks[i];
        const int64_t columns = program_block_columns(op, b);
        status = aimrt_device_set_adc_range(device)(device->state, b->tile, b->tile_col, columns,
                                                    range);
        if (status != AIMRT_OK)
            return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                                   "op %d \"%s\": device \"%s\" failed to set the ADC ranges of "
                                   "tile %d columns %lld to %lld (block %d): %s",
                                   index, op->node, device->name, b->tile,
                                   (long long)b->tile_col, (long long)(b->tile_col + columns - 1),
                                   i, aimrt_status_name(status));
        range += columns;
    }
    return AIMRT_OK;
}

aimrt_status session_set_adc_ranges(aimrt_session *session, aimrt_error *error)
{
    if (!aimrt_device_set_adc_range(session->device))
        return AIMRT_OK;
    const aimrt_program *program = session->program;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        if (op->code != AIMRT_OP_LINEAR || !op->quantized ||
            op->n_inputs <= AIMRT_LINEAR_ADC_RANGE || op->inputs[AIMRT_LINEAR_ADC_RANGE] < 0)
            continue;
        const aimrt_status status = set_op_ranges(session, i, error);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}
