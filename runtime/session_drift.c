/* SPDX-License-Identifier: MIT */
/*
 * Global drift compensation (aihwkit's GlobalDriftCompensation). Right after
 * the tiles are written the session drives one-hot probes through every
 * compensated op at time 0 and keeps the mean |output| as the reference;
 * at a later device time it drives them again and scales the op's outputs
 * digitally by reference / current, which restores the pre-drift scale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

/* Probes run in chunks of at most this many vectors. */
#define PROBE_CHUNK 64

/* Returns whether op is compensated: it is quantized and a block sits on a
 * tile flagged for drift compensation. */
static bool op_compensated(const aimrt_program *program, const program_op *op)
{
    if (op->code != AIMRT_OP_LINEAR || !op->quantized)
        return false;
    for (int i = 0; i < op->n_blocks; i++)
        if (program->tiles[op->blocks[i].tile].drift_compensation)
            return true;
    return false;
}

/*
 * Returns the MVM index of probe p of an op with n_phases phases. Probes take
 * the top indices below 2^32 / n_phases, so every phase's MVM index
 * (m n_phases + phase) stays below 2^32. Inference indices count the patches
 * of one sample from 0, so they never reach these, and the probes leave the
 * inference noise unchanged.
 */
static int64_t probe_mvm(const program_op *op, int64_t p)
{
    const int64_t phases = op->plan.n_phases > 0 ? op->plan.n_phases : 1;
    return (INT64_C(1) << 32) / phases - 1 - p;
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
    int64_t unused;
    int64_t chunk = session_linear_rows(program, op, session->max_batch, &unused);
    chunk = chunk < session->probe_rows ? chunk : session->probe_rows;
    *readout = 0.0;
    /* An op without input rows has no buffers to probe with, and keeps gain 1. */
    if (chunk < 1 || k < 1 || n < 1)
        return AIMRT_OK;
    const float *bias = op->inputs[2] >= 0 ? session->buffers[op->inputs[2]] : NULL;
    double sum = 0.0;
    session->linear_gain = 1.0;
    for (int64_t p0 = 0; p0 < k; p0 += chunk) {
        const int64_t rows = k - p0 < chunk ? k - p0 : chunk;
        memset(session->probe_x, 0, (size_t)(rows * k) * sizeof(float));
        for (int64_t r = 0; r < rows; r++) {
            session->probe_x[r * k + p0 + r] = 1.0f;
            session->sample_index[r] = 0;
            session->mvm_index[r] = probe_mvm(op, p0 + r);
        }
        session_group_by_replica(session, op, rows);
        int failed = 0;
        const aimrt_status status = session_run_quantized(session, op, rows, k, n, session->probe_x,
                                                          session->probe_y, &failed);
        if (status != AIMRT_OK)
            return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                                   "op %d \"%s\": device \"%s\" failed on a drift compensation "
                                   "probe on tile %d: %s",
                                   index, op->node, session->device->name,
                                   op->blocks[failed].tile, aimrt_status_name(status));
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < n; c++)
                sum += fabs((double)session->probe_y[r * n + c] - (bias ? bias[c] : 0.0f));
    }
    *readout = sum / (double)(k * n);
    return AIMRT_OK;
}

/* Allocates the per-op arrays and the probe chunk buffers; returns whether
 * some op is compensated. */
static aimrt_status allocate_drift(aimrt_session *session, bool *any, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    int64_t max_k = 1, max_n = 1;
    *any = false;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        if (!op_compensated(program, op))
            continue;
        *any = true;
        const int64_t *dims = program->tensors[op->inputs[1]].dims;
        max_k = dims[0] > max_k ? dims[0] : max_k;
        max_n = dims[1] > max_n ? dims[1] : max_n;
    }
    const size_t ops = (size_t)program->n_ops + 1;
    session->drift_gain = malloc(ops * sizeof *session->drift_gain);
    session->drift_reference = calloc(ops, sizeof *session->drift_reference);
    session->probe_rows = *any ? PROBE_CHUNK : 0;
    if (*any) {
        session->probe_x = malloc((size_t)(PROBE_CHUNK * max_k) * sizeof(float));
        session->probe_y = malloc((size_t)(PROBE_CHUNK * max_n) * sizeof(float));
    }
    if (!session->drift_gain || !session->drift_reference ||
        (*any && (!session->probe_x || !session->probe_y)))
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
    session->drift_time = -1.0;
    aimrt_status status = allocate_drift(session, &any, error);
    const aimrt_device *device = session->device;
    aimrt_status (*get_time)(void *, double *) = aimrt_device_get_time(device);
    /* A device without a time has no drift to compensate. */
    session->drift_on = status == AIMRT_OK && any && device->set_time && get_time;
    if (!session->drift_on)
        return status;

    double now = 0.0;
    status = get_time(device->state, &now);
    if (status == AIMRT_OK)
        status = device->set_time(device->state, 0.0);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "device \"%s\" cannot get or set its time for drift "
                               "compensation: %s", device->name, aimrt_status_name(status));
    const aimrt_program *program = session->program;
    for (int i = 0; i < program->n_ops && status == AIMRT_OK; i++)
        if (op_compensated(program, &program->ops[i]))
            status = measure_op(session, i, &session->drift_reference[i], error);
    if (status != AIMRT_OK)
        return status;
    status = device->set_time(device->state, now);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "device \"%s\" cannot return to %g s after the drift "
                               "compensation probes: %s", device->name, now,
                               aimrt_status_name(status));
    return AIMRT_OK;
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
        if (!op_compensated(program, &program->ops[i]) || !(reference > 0.0))
            continue;
        double current = 0.0;
        status = measure_op(session, i, &current, error);
        if (status != AIMRT_OK)
            return status;
        /* A tile that reads nothing any more keeps its outputs as they are. */
        session->drift_gain[i] = current > 0.0 ? reference / current : 1.0;
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
