/* SPDX-License-Identifier: MIT */
/*
 * Calibrated ADC ranges. A LINEAR op of a version 2 program may carry input 6
 * adc_range: one full-scale |column sum| per tile column of each block, in
 * block order, in level units (0 keeps the device's default), and input 7
 * adc_low, which makes each range the span [adc_low, adc_range]. Once the
 * tiles are written the session hands each block's ranges to the device's
 * set_adc_span or set_adc_range. A device without either (the exact device)
 * reads losslessly.
 *
 * A span describes the signal, and the session centres it on the chip's
 * own comparator offsets, as a SAR ADC's foreground offset calibration
 * does: it converts one zero input per block over the symmetric range that
 * covers the span, and moves each column's span by the level it reads. A
 * span that ignored the offset would saturate codes at one end, and the
 * per-column correction cannot restore a saturated code.
 */
#include <math.h>
#include <stdlib.h>

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

/* Returns op's adc_low values, NULL when the op has none. */
static const float *span_lows(const aimrt_program *program, const program_op *op)
{
    if (op->n_inputs <= AIMRT_LINEAR_ADC_LOW || op->inputs[AIMRT_LINEAR_ADC_LOW] < 0)
        return NULL;
    return program->tensors[op->inputs[AIMRT_LINEAR_ADC_LOW]].data;
}

/* Sets on the n columns of block b the symmetric ranges that cover the spans
 * [low, high]. scratch has room for n values. */
static aimrt_status send_cover(const aimrt_device *device, const program_block *b, int64_t n,
                               const float *low, const float *high, float *scratch)
{
    for (int64_t c = 0; c < n; c++)
        scratch[c] = fmaxf(fabsf(low[c]), fabsf(high[c]));
    return aimrt_device_set_adc_range(device)(device->state, b->tile, b->tile_col, n, scratch);
}

/* Sends the n columns of block b to the device: the span where the op has
 * one and the device takes it, else what the device takes that covers it.
 * scratch has room for n values. */
static aimrt_status send_block(const aimrt_device *device, const program_block *b, int64_t n,
                               const float *low, const float *high, float *scratch)
{
    const int32_t t = b->tile;
    const int64_t col0 = b->tile_col;
    if (low && aimrt_device_set_adc_span(device))
        return aimrt_device_set_adc_span(device)(device->state, t, col0, n, low, high);
    if (!low && aimrt_device_set_adc_range(device))
        return aimrt_device_set_adc_range(device)(device->state, t, col0, n, high);

    /* A symmetric range given to a device with spans only. */
    if (!low) {
        for (int64_t c = 0; c < n; c++)
            scratch[c] = -high[c];
        return aimrt_device_set_adc_span(device)(device->state, t, col0, n, scratch, high);
    }

    /* A span given to a device with symmetric ranges only. */
    return send_cover(device, b, n, low, high, scratch);
}

/* Key of the zero-input conversion of block b: sample 1 with an MVM index
 * far above any inference's (which count from 0 per sample) and apart from
 * the probes' (sample 0). */
#define ZERO_SAMPLE 1
#define ZERO_MVM_TOP ((INT64_C(1) << 32) - 1)

/* Reads the n columns of block b with a zero input on the symmetric range
 * already set, and sets their spans [low, high] moved by the levels read.
 * zero has room for the block's rows, level for n values and moved for 2n. */
static aimrt_status centre_block(const aimrt_device *device, const program_block *b, int index,
                                 int64_t n, const float *low, const float *high, float *zero,
                                 double *level, float *moved)
{
    for (int64_t r = 0; r < b->n_rows; r++)
        zero[r] = 0.0f;
    const int64_t sample = ZERO_SAMPLE, mvm = ZERO_MVM_TOP - index;
    const aimrt_status status = device->mvm(device->state, b->tile, b->tile_row, b->n_rows,
                                            b->tile_col, n, 1, zero, level, &sample, &mvm);
    if (status != AIMRT_OK)
        return status;

    float *moved_high = moved + n;
    for (int64_t c = 0; c < n; c++) {
        const bool unset = low[c] == 0.0f && high[c] == 0.0f;
        const float shift = isfinite(level[c]) && !unset ? (float)level[c] : 0.0f;
        moved[c] = low[c] + shift;
        moved_high[c] = high[c] + shift;
        if (!(moved[c] < moved_high[c]) && !unset) {
            moved[c] = low[c];
            moved_high[c] = high[c];
        }
    }
    return aimrt_device_set_adc_span(device)(device->state, b->tile, b->tile_col, n, moved,
                                             moved_high);
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
    const float *high = program->tensors[op->inputs[AIMRT_LINEAR_ADC_RANGE]].data;
    const float *low = span_lows(program, op);
    const int64_t columns = program->tensors[op->inputs[AIMRT_LINEAR_ADC_RANGE]].dims[0];
    int64_t rows = 1;
    for (int i = 0; i < op->n_blocks; i++)
        rows = op->blocks[i].n_rows > rows ? op->blocks[i].n_rows : rows;
    const bool centre =
        low && aimrt_device_set_adc_span(device) && aimrt_device_set_adc_range(device);
    float *scratch = malloc((size_t)(columns > 0 ? columns : 1) * sizeof *scratch);
    float *zero = centre ? malloc((size_t)rows * sizeof *zero) : NULL;
    float *moved = centre ? malloc((size_t)(2 * columns + 1) * sizeof *moved) : NULL;
    double *level = centre ? malloc((size_t)(columns + 1) * sizeof *level) : NULL;
    if (!scratch || (centre && (!zero || !moved || !level)))
        status = aimrt_error_set(error, AIMRT_ERR_NOMEM, "op %d \"%s\": out of memory for the "
                                 "ADC ranges", index, op->node);

    for (int i = 0; i < op->n_blocks && status == AIMRT_OK; i++) {
        const program_block *b = &op->blocks[i];
        const int64_t n = program_block_columns(op, b);
        if (centre) {
            /* The symmetric range that covers the span reads the offsets. */
            status = send_cover(device, b, n, low, high, scratch);
            if (status == AIMRT_OK)
                status = centre_block(device, b, i, n, low, high, zero, level, moved);
        } else {
            status = send_block(device, b, n, low, high, scratch);
        }
        if (status != AIMRT_OK)
            status = aimrt_error_set(error, AIMRT_ERR_DEVICE,
                                     "op %d \"%s\": device \"%s\" failed to set the ADC ranges of "
                                     "tile %d columns %lld to %lld (block %d): %s",
                                     index, op->node, device->name, b->tile,
                                     (long long)b->tile_col, (long long)(b->tile_col + n - 1),
                                     i, aimrt_status_name(status));
        high += n;
        low = low ? low + n : NULL;
    }
    free(scratch);
    free(zero);
    free(moved);
    free(level);
    return status;
}

aimrt_status session_set_adc_ranges(aimrt_session *session, aimrt_error *error)
{
    if (!aimrt_device_set_adc_range(session->device) && !aimrt_device_set_adc_span(session->device))
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
