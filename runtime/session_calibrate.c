/* SPDX-License-Identifier: MIT */
/*
 * Per-chip affine correction. Right after the tiles are written, at device
 * time 0, the session drives the calibration probes that the program stores
 * for an op (inputs 4 probe_x and 5 probe_y) through the op on this chip
 * instance and fits y_meas = a_j y_ideal + b_j per output column by least
 * squares. Every run then outputs (y - b_j) / a_j. The correction absorbs
 * the static column gains and offsets of the circuit: converter gain,
 * capacitive attenuation, comparator offsets, static IR drop.
 */
#include <math.h>
#include <stdlib.h>

#include "aimrt/log.h"
#include "session_internal.h"

/* Returns the tensor id of optional input i of op, or -1 when absent. */
static int32_t optional_input(const program_op *op, int i)
{
    return op->n_inputs > i ? op->inputs[i] : -1;
}

/* Checks op's probes: constant float probe_x [P, K] and probe_y [P, N] with
 * P >= 1, both or neither. Sets *n_probes to P (0 without probes). */
static aimrt_status check_probes(const aimrt_program *program, int index, int64_t *n_probes,
                                 aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const int32_t x_id = optional_input(op, AIMRT_LINEAR_PROBE_X);
    const int32_t y_id = optional_input(op, AIMRT_LINEAR_PROBE_Y);
    *n_probes = 0;
    if (x_id < 0 && y_id < 0)
        return AIMRT_OK;
    const int64_t *w = program->tensors[op->inputs[1]].dims;
    const program_tensor *x = x_id >= 0 ? &program->tensors[x_id] : NULL;
    const program_tensor *y = y_id >= 0 ? &program->tensors[y_id] : NULL;
    const bool ok = x && y && x->kind == AIMRT_TENSOR_CONST && y->kind == AIMRT_TENSOR_CONST &&
                    x->dtype == AIMRT_DTYPE_FLOAT && y->dtype == AIMRT_DTYPE_FLOAT &&
                    x->rank == 2 && y->rank == 2 && !x->batched && !y->batched &&
                    x->dims[0] >= 1 && y->dims[0] == x->dims[0] && x->dims[1] == w[0] &&
                    y->dims[1] == w[1];
    if (!ok)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": calibration probes need constant float probe_x "
                               "[P, %lld] and probe_y [P, %lld] with P >= 1, both or neither; "
                               "recompile the program",
                               index, op->node, (long long)w[0], (long long)w[1]);
    *n_probes = x->dims[0];
    return AIMRT_OK;
}

/* Finds every op with probes and allocates its correction (identity, drift 1). */
static aimrt_status allocate_corrections(aimrt_session *session, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    session->corrections = calloc((size_t)program->n_ops + 1, sizeof *session->corrections);
    if (!session->corrections)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for the corrections");
    int64_t values = 0, measured = 0;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        if (op->code != AIMRT_OP_LINEAR || !op->quantized)
            continue;
        int64_t n_probes = 0;
        const aimrt_status status = check_probes(program, i, &n_probes, error);
        if (status != AIMRT_OK)
            return status;
        /* An op without input rows has no buffers to probe with. */
        if (n_probes == 0 || session_probe_chunk(session, op) < 1)
            continue;
        op_correction *c = &session->corrections[i];
        c->n_probes = n_probes;
        c->n_cols = program->tensors[op->inputs[1]].dims[1];
        c->probe_x = program->tensors[op->inputs[AIMRT_LINEAR_PROBE_X]].data;
        c->probe_y = program->tensors[op->inputs[AIMRT_LINEAR_PROBE_Y]].data;
        c->drift_mode = session_drift_mode(program, op);
        values += 3 * c->n_cols;
        measured = n_probes * c->n_cols > measured ? n_probes * c->n_cols : measured;
    }
    if (values == 0)
        return AIMRT_OK;

    /* NOTE: max_session_bytes does not count these buffers. They are at most
     * 3 N doubles per op and the largest probe_y constant, which the
     * program's size limit bounds. */
    session->correction_values = malloc((size_t)values * sizeof(double));
    session->probe_measured = malloc((size_t)measured * sizeof(float));
    if (!session->correction_values || !session->probe_measured)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM,
                               "out of memory for the calibration probes (%lld values)",
                               (long long)measured);
    double *next = session->correction_values;
    for (int i = 0; i < program->n_ops; i++) {
        op_correction *c = &session->corrections[i];
        if (c->n_probes == 0)
            continue;
        c->gain = next;
        c->offset = next + c->n_cols;
        c->drift = next + 2 * c->n_cols;
        next += 3 * c->n_cols;
        for (int64_t j = 0; j < c->n_cols; j++) {
            c->gain[j] = 1.0;
            c->offset[j] = 0.0;
            c->drift[j] = 1.0;
        }
    }
    return AIMRT_OK;
}

/* The spread of one op's fit, for the log. */
typedef struct fit_summary {
    double gain_sum, gain_min, gain_max;
    double offset_squares, residual_squares;
    int64_t offset_only, identity;
} fit_summary;

static void log_fit(const aimrt_session *session, int index, const fit_summary *s)
{
    const op_correction *c = &session->corrections[index];
    const double n = (double)c->n_cols;
    aimrt_log_write(AIMRT_LOG_INFO,
                    "op %d \"%s\": calibrated with %lld probes: gain mean %.6g min %.6g max "
                    "%.6g, offset rms %.4g, residual rms %.4g; %lld of %lld columns offset "
                    "only, %lld left uncorrected",
                    index, session->program->ops[index].node, (long long)c->n_probes,
                    s->gain_sum / n, s->gain_min, s->gain_max, sqrt(s->offset_squares / n),
                    sqrt(s->residual_squares / n), (long long)s->offset_only,
                    (long long)c->n_cols, (long long)s->identity);
}

/* Measures op index's probes and fits its correction column by column. */
static aimrt_status fit_op(aimrt_session *session, int index, aimrt_error *error)
{
    op_correction *c = &session->corrections[index];
    const aimrt_status status = session_probe_measure(session, index, error);
    if (status != AIMRT_OK)
        return status;
    fit_summary summary = {.gain_min = INFINITY, .gain_max = -INFINITY};
    for (int64_t j = 0; j < c->n_cols; j++) {
        const session_affine fit = session_fit_affine(c->probe_y + j, session->probe_measured + j,
                                                      c->n_probes, c->n_cols);
        c->gain[j] = fit.gain;
        c->offset[j] = fit.offset;
        summary.gain_sum += fit.gain;
        summary.gain_min = fmin(summary.gain_min, fit.gain);
        summary.gain_max = fmax(summary.gain_max, fit.gain);
        summary.offset_squares += fit.offset * fit.offset;
        summary.residual_squares += fit.residual_rms * fit.residual_rms;
        summary.offset_only += fit.kind == SESSION_FIT_OFFSET_ONLY;
        summary.identity += fit.kind == SESSION_FIT_IDENTITY;
    }
    if (aimrt_log_enabled(AIMRT_LOG_INFO))
        log_fit(session, index, &summary);
    return AIMRT_OK;
}

/* Fits every correction and measures the one-hot drift references. */
static aimrt_status calibrate_ops(aimrt_session *session, aimrt_error *error)
{
    aimrt_status status = AIMRT_OK;
    for (int i = 0; i < session->program->n_ops && status == AIMRT_OK; i++)
        if (session->corrections[i].n_probes > 0)
            status = fit_op(session, i, error);
    if (status == AIMRT_OK)
        status = session_drift_init(session, error);
    return status;
}

aimrt_status session_calibrate_init(aimrt_session *session, aimrt_error *error)
{
    aimrt_status status = allocate_corrections(session, error);
    if (status != AIMRT_OK)
        return status;

    /* Calibration happens right after programming: a device with a time
     * goes to time 0 for the probes and then back to its time. */
    const aimrt_device *device = session->device;
    aimrt_status (*get_time)(void *, double *) = aimrt_device_get_time(device);
    if (!get_time || !device->set_time)
        return calibrate_ops(session, error);
    double now = 0.0;
    status = get_time(device->state, &now);
    if (status == AIMRT_OK)
        status = device->set_time(device->state, 0.0);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "device \"%s\" cannot get or set its time for the calibration "
                               "and drift compensation probes: %s",
                               device->name, aimrt_status_name(status));
    status = calibrate_ops(session, error);
    if (status != AIMRT_OK)
        return status;
    status = device->set_time(device->state, now);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "device \"%s\" cannot return to %g s after the calibration "
                               "probes: %s", device->name, now, aimrt_status_name(status));
    return AIMRT_OK;
}

void session_calibrate_free(aimrt_session *session)
{
    free(session->corrections);
    free(session->correction_values);
    free(session->probe_measured);
}

aimrt_status aimrt_session_correction(const aimrt_session *session, int op_index,
                                      int64_t *n_cols, float *gain, float *offset, float *drift)
{
    if (!session || !n_cols || op_index < 0 || op_index >= session->program->n_ops)
        return AIMRT_ERR_INVALID_ARG;
    const op_correction *c = &session->corrections[op_index];
    if (c->n_probes == 0)
        return AIMRT_ERR_INVALID_ARG;
    *n_cols = c->n_cols;
    for (int64_t j = 0; j < c->n_cols; j++) {
        if (gain)
            gain[j] = (float)c->gain[j];
        if (offset)
            offset[j] = (float)c->offset[j];
        if (drift)
            drift[j] = (float)c->drift[j];
    }
    return AIMRT_OK;
}
