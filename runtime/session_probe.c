/* SPDX-License-Identifier: MIT */
/*
 * Probe vectors on the device: the calibration probes of the per-chip
 * correction (session_calibrate.c) and the drift compensation probes
 * (session_drift.c) go through a quantized op's own path (input
 * quantization, phases, ADC, decode) with MVM indices that no inference uses.
 */
#include "session_internal.h"

/*
 * Probes take the top MVM indices below 2^32 / n_phases, so every phase's
 * MVM index (m n_phases + phase) stays below the simulator's 2^32 dynamic
 * key range. Inference indices count the patches of one sample from 0, so
 * they never reach these, and the probes leave the inference noise unchanged.
 */
int64_t session_probe_mvm(const program_op *op, int64_t p)
{
    const int64_t phases = op->plan.n_phases > 0 ? op->plan.n_phases : 1;
    return (INT64_C(1) << 32) / phases - 1 - p;
}

int64_t session_probe_chunk(const aimrt_session *session, const program_op *op)
{
    /* The session's LINEAR buffers hold the op's rows at max batch. */
    int64_t k;
    return session_linear_rows(session->program, op, session->max_batch, &k);
}

aimrt_status session_probe_run(aimrt_session *session, int index, const float *x, int64_t first,
                               int64_t n, float *y, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const program_op *op = &program->ops[index];
    const int64_t k = program->tensors[op->inputs[1]].dims[0];
    const int64_t cols = program->tensors[op->inputs[1]].dims[1];
    for (int64_t r = 0; r < n; r++) {
        session->sample_index[r] = 0;
        session->mvm_index[r] = session_probe_mvm(op, first + r);
    }
    session_group_by_replica(session, op, n);

    /* Probes read the device's raw outputs, which the corrections are fitted to. */
    session->linear_gain = 1.0;
    session->correction = NULL;
    int failed = 0;
    const aimrt_status status = session_run_quantized(session, op, n, k, cols, x, y, &failed);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "op %d \"%s\": device \"%s\" failed on a calibration or drift "
                               "compensation probe on tile %d: %s",
                               index, op->node, session->device->name, op->blocks[failed].tile,
                               aimrt_status_name(status));
    return AIMRT_OK;
}

aimrt_status session_probe_measure(aimrt_session *session, int index, aimrt_error *error)
{
    const op_correction *correction = &session->corrections[index];
    const program_op *op = &session->program->ops[index];
    const int64_t k = session->program->tensors[op->inputs[1]].dims[0];
    const int64_t chunk = session_probe_chunk(session, op);
    for (int64_t p0 = 0; p0 < correction->n_probes; p0 += chunk) {
        const int64_t rows =
            correction->n_probes - p0 < chunk ? correction->n_probes - p0 : chunk;
        const aimrt_status status =
            session_probe_run(session, index, correction->probe_x + p0 * k, p0, rows,
                              session->probe_measured + p0 * correction->n_cols, error);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}
