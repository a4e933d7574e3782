/* SPDX-License-Identifier: MIT */
/*
 * Drift compensation (aihwkit's GlobalDriftCompensation and
 * PerColumnDriftCompensation). An op with calibration probes re-measures
 * them when the device's time changes and compares the corrected outputs
 * with the probes' ideal outputs: one factor per op (global) or per column.
 * An op without probes drives one-hot probes at time 0 and keeps the mean
 * |output| as the reference, then scales its outputs by reference / current.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aimrt/log.h"
#include "session_internal.h"

/* One-hot probes run in chunks of at most this many vectors. */
#define PROBE_CHUNK 64

int session_drift_mode(const aimrt_program *program, const program_op *op)
{
    if (op->code != AIMRT_OP_LINEAR || !op->quantized)
        return 0;
    const program_kind *kind = &program->kinds[op->plan.kind];
    if (program->version >= 2 && kind->params.given[AIMRT_PARAM_DRIFT_COMPENSATION]) {
        const double mode = kind->params.value[AIMRT_PARAM_DRIFT_COMPENSATION];
        if (mode >= 2.0)
            return 2;
        if (mode >= 1.0)
            return 1;
        return 0;
    }
    for (int i = 0; i < op->n_blocks; i++)
        if (program->tiles[op->blocks[i].tile].drift_compensation)
            return 1;
    return 0;
}

/* Returns whether op is compensated with one-hot probes: it has drift
 * compensation and no calibration probes.
 * NOTE: one-hot compensation is always global, so the per-column mode only
 * takes effect on ops that carry calibration probes. */
static bool op_compensated(const aimrt_session *session, int index)
{
    const program_op *op = &session->program->ops[index];
    return session_drift_mode(session->program, op) > 0 &&
           session->corrections[index].n_probes == 0;
}

/* Returns whether op has calibration probes and drift compensation. */
static bool op_probe_compensated(const aimrt_session *session, int index)
{
    const op_correction *correction = &session->corrections[index];
    return correction->n_probes > 0 && correction->drift_mode > 0;
}

/* Drives the k one-hot probes e_0 .. e_{k-1} through op index and returns
 * the mean |y - bias| over every probe and output in *readout. */
static aimrt_status measure_op(aimrt_session *session, int index, double *readout,
                               aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const program_op *op = &program->ops[index];
    const int64_t k = program->tensors[op->inputs[1]].dims[0];
    const int64_t n = program->tensors[op->inputs[1]].dims[1];
    int64_t chunk = session_probe_chunk(session, op);
    chunk = chunk < session->probe_rows ? chunk : session->probe_rows;
    *readout = 0.0;
    /* An op without input rows has no buffers to probe with, and keeps gain 1. */
    if (chunk < 1 || k < 1 || n < 1)
        return AIMRT_OK;
    const float *bias = op->inputs[2] >= 0 ? session->buffers[op->inputs[2]] : NULL;
    double sum = 0.0;
    for (int64_t p0 = 0; p0 < k; p0 += chunk) {
        const int64_t rows = k - p0 < chunk ? k - p0 : chunk;
        memset(session->probe_x, 0, (size_t)(rows * k) * sizeof(float));
        for (int64_t r = 0; r < rows; r++)
            session->probe_x[r * k + p0 + r] = 1.0f;
        const aimrt_status status =
            session_probe_run(session, index, session->probe_x, p0, rows, session->probe_y, error);
        if (status != AIMRT_OK)
            return status;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < n; c++)
                sum += fabs((double)session->probe_y[r * n + c] - (bias ? bias[c] : 0.0f));
    }
    *readout = sum / (double)(k * n);
    return AIMRT_OK;
}

/* Allocates the per-op arrays and the one-hot probe chunk buffers; returns
 * whether some op is compensated, with probes or one-hot. */
static aimrt_status allocate_drift(aimrt_session *session, bool *any, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    int64_t max_k = 1, max_n = 1;
    bool one_hot = false;
    *any = false;
    for (int i = 0; i < program->n_ops; i++) {
        *any = *any || op_probe_compensated(session, i);
        if (!op_compensated(session, i))
            continue;
        one_hot = true;
        const int64_t *dims = program->tensors[program->ops[i].inputs[1]].dims;
        max_k = dims[0] > max_k ? dims[0] : max_k;
        max_n = dims[1] > max_n ? dims[1] : max_n;
    }
    *any = *any || one_hot;
    const size_t ops = (size_t)program->n_ops + 1;
    session->drift_gain = malloc(ops * sizeof *session->drift_gain);
    session->drift_reference = calloc(ops, sizeof *session->drift_reference);
    session->probe_rows = one_hot ? PROBE_CHUNK : 0;
    if (one_hot) {
        session->probe_x = malloc((size_t)(PROBE_CHUNK * max_k) * sizeof(float));
        session->probe_y = malloc((size_t)(PROBE_CHUNK * max_n) * sizeof(float));
    }
    if (!session->drift_gain || !session->drift_reference ||
        (one_hot && (!session->probe_x || !session->probe_y)))
        return aimrt_error_set(error, AIMRT_ERR_NOMEM,
                               "out of memory for the drift compensation probes");
    for (int i = 0; i < program->n_ops; i++)
        session->drift_gain[i] = 1.0;
    return AIMRT_OK;
}

aimrt_status session_drift_init(aimrt_session *session, aimrt_error *error)
{
    bool any = false;
    session->linear_gain = 1.0;
    session->drift_time = 0.0;
    aimrt_status status = allocate_drift(session, &any, error);
    const aimrt_device *device = session->device;
    /* A device without a time has no drift to compensate. */
    session->drift_on =
        status == AIMRT_OK && any && device->set_time && aimrt_device_get_time(device);
    if (!session->drift_on)
        return status;

    const aimrt_program *program = session->program;
    for (int i = 0; i < program->n_ops && status == AIMRT_OK; i++)
        if (op_compensated(session, i))
            status = measure_op(session, i, &session->drift_reference[i], error);
    return status;
}

/* Sets the drift factors of op index, which has probes, from a fresh
 * measurement: the ideal outputs over the corrected ones, without the bias. */
static aimrt_status update_probe_op(aimrt_session *session, int index, aimrt_error *error)
{
    const program_op *op = &session->program->ops[index];
    op_correction *correction = &session->corrections[index];
    aimrt_status status = session_probe_measure(session, index, error);
    if (status != AIMRT_OK)
        return status;

    const float *bias = op->inputs[2] >= 0 ? session->buffers[op->inputs[2]] : NULL;
    const int64_t n = correction->n_cols;
    double sum_ideal = 0.0, sum_corrected = 0.0;
    for (int64_t j = 0; j < n; j++) {
        const double b = bias ? bias[j] : 0.0;
        double sum_xy = 0.0, sum_xx = 0.0;
        for (int64_t p = 0; p < correction->n_probes; p++) {
            const double ideal = correction->probe_y[p * n + j] - b;
            const double measured = session->probe_measured[p * n + j];
            const double corrected =
                (measured - correction->offset[j]) / correction->gain[j] - b;
            sum_ideal += fabs(ideal);
            sum_corrected += fabs(corrected);
            sum_xy += ideal * corrected;
            sum_xx += corrected * corrected;
        }
        correction->drift[j] = session_fit_slope(sum_xy, sum_xx);
    }
    if (correction->drift_mode == 1) {
        /* A tile that reads nothing any more keeps its outputs as they are. */
        const double factor = sum_ideal / sum_corrected;
        for (int64_t j = 0; j < n; j++)
            correction->drift[j] = sum_corrected > 0.0 && isfinite(factor) ? factor : 1.0;
    }
    return AIMRT_OK;
}

/* Logs the range of the drift factors of op index at device time now. */
static void log_drift(const aimrt_session *session, int index, double now)
{
    if (!aimrt_log_enabled(AIMRT_LOG_INFO))
        return;
    const op_correction *correction = &session->corrections[index];
    double low = session->drift_gain[index], high = low;
    if (correction->n_probes > 0) {
        low = high = correction->drift[0];
        for (int64_t j = 1; j < correction->n_cols; j++) {
            low = fmin(low, correction->drift[j]);
            high = fmax(high, correction->drift[j]);
        }
    }
    const char *method = correction->n_probes == 0 ? "global, one-hot probes"
                         : correction->drift_mode == 2 ? "per-column, calibration probes"
                                                        : "global, calibration probes";
    aimrt_log_write(AIMRT_LOG_INFO,
                    "op %d \"%s\": drift compensation at %g s (%s): factor %.6g to %.6g",
                    index, session->program->ops[index].node, now, method, low, high);
}

aimrt_status session_drift_update(aimrt_session *session, aimrt_error *error)
{
    if (!session->drift_on)
        return AIMRT_OK;
    const aimrt_device *device = session->device;
    double now = 0.0;
    aimrt_status status = aimrt_device_get_time(device)(device->state, &now);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "device \"%s\" cannot report its time for drift compensation: %s",
                               device->name, aimrt_status_name(status));
    if (now == session->drift_time)
        return AIMRT_OK;
    const aimrt_program *program = session->program;
    for (int i = 0; i < program->n_ops; i++) {
        const double reference = session->drift_reference[i];
        if (op_probe_compensated(session, i)) {
            status = update_probe_op(session, i, error);
        } else if (op_compensated(session, i) && reference > 0.0) {
            double current = 0.0;
            status = measure_op(session, i, &current, error);
            /* A tile that reads nothing any more keeps its outputs as they are. */
            session->drift_gain[i] = current > 0.0 ? reference / current : 1.0;
        } else {
            continue;
        }
        if (status != AIMRT_OK)
            return status;
        log_drift(session, i, now);
    }
    session->drift_time = now;
    return AIMRT_OK;
}

void session_drift_free(aimrt_session *session)
{
    free(session->drift_gain);
    free(session->drift_reference);
    free(session->probe_x);
    free(session->probe_y);
}
