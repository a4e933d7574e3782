/* SPDX-License-Identifier: MIT */
/*
 * The state of a session, shared by the session driver (session.c) and the
 * LINEAR executors (session_linear.c for the float path and the replica
 * split, session_quantized.c for quantized ops). Every buffer is sized for
 * max_batch when the session is created, so a run never allocates.
 */
#ifndef AIMRT_SESSION_INTERNAL_H
#define AIMRT_SESSION_INTERNAL_H

#include "program_internal.h"

/* The per-chip correction of one quantized LINEAR op, fitted from the
 * program's calibration probes (session_calibrate.c). */
typedef struct op_correction {
    int64_t n_probes;       /* P, 0 when the op has no probes */
    int64_t n_cols;         /* N */
    const float *probe_x;   /* [P, K], a constant of the program */
    const float *probe_y;   /* [P, N], the ideal outputs with the bias */
    double *gain;           /* [N] a_j of y_meas = a_j y_ideal + b_j */
    double *offset;         /* [N] b_j */
    double *drift;          /* [N] drift factor, 1 until the device's time changes */
    int drift_mode;         /* AIMRT_PARAM_DRIFT_COMPENSATION: 0 off, 1 global, 2 per-column */
} op_correction;

/* The vectors of one replica: order[first .. first + count) of the session. */
typedef struct replica_rows {
    int64_t first;
    int64_t count;
} replica_rows;

struct aimrt_session {
    const aimrt_program *program;  /* borrowed: must outlive the session */
    const aimrt_device *device;    /* borrowed: must outlive the session */
    int64_t max_batch;
    void **buffers;         /* per tensor: activation storage, constant data, or bound input */
    uint8_t *arena;         /* activations the schedule placed, or NULL */
    aimrt_tensor *views;    /* one op call's input and output views */
    void *scratch;
    size_t scratch_size;
    float *gather;          /* device inputs of one block: vectors x n_rows */
    double *partial;        /* one block's MVM result: vectors x tile columns */
    int64_t *sample_index;  /* per row of x */
    int64_t *mvm_index;     /* per row of x */
    int64_t *order;         /* rows of x grouped by replica */
    int64_t *order_sample;  /* sample_index in that order */
    int64_t *order_mvm;     /* mvm_index in that order */
    int64_t *phase_sum;     /* per vector: the sum of one phase's inputs over a block */
    int64_t *phase_mvm;     /* per vector: the MVM index of one input phase */
    float *input_scale;     /* per row of x: s_v */
    int32_t *xq;            /* quantized inputs, rows x K */
    double *acc;            /* accumulators of decoded column sums, rows x N */
    replica_rows *parts;    /* per replica of the current op */

    /* Global drift compensation (session_drift.c). */
    double linear_gain;     /* digital gain of the quantized op now running */
    double *drift_gain;     /* per op: reference / current probe readout, 1 when off */
    double *drift_reference; /* per op: probe readout after programming, 0 when off */
    float *probe_x;         /* one chunk of probe inputs, probe_rows x K */
    float *probe_y;         /* their outputs, probe_rows x N */
    int64_t probe_rows;
    double drift_time;      /* device time that drift_gain was measured at, -1 for none */
    bool drift_on;          /* some op is compensated and the device has a time */

    /* Per-chip correction from calibration probes (session_calibrate.c). */
    op_correction *corrections;        /* per op; n_probes 0 for ops without probes */
    const op_correction *correction;   /* of the quantized op now running, or NULL */
    double *correction_values;         /* gain, offset and drift of every op, one block */
    float *probe_measured;             /* one op's probe outputs, P x N of the largest op */

    aimrt_op_observer observer;        /* called after each op, or NULL */
    void *observer_user;
};

/* The sizes of the LINEAR buffers a session needs at max_batch, in elements. */
typedef struct linear_sizes {
    int64_t rows;      /* rows of x, all leading dims flattened */
    int64_t gather;
    int64_t partial;
    int64_t xq;        /* quantized ops only */
    int64_t acc;       /* quantized ops only */
    int64_t replicas;
} linear_sizes;

/* Adds op's LINEAR buffer needs at batch to *sizes (keeping maxima). */
void session_linear_sizes(const aimrt_program *program, const program_op *op, int64_t batch,
                          linear_sizes *sizes);

/* Sets session->order, parts and the order arrays for rows whose
 * sample_index and mvm_index are filled, grouped by replica. */
void session_group_by_replica(aimrt_session *session, const program_op *op, int64_t rows);

/* Returns the rows of x of LINEAR op at batch, and its input width in *k. */
int64_t session_linear_rows(const aimrt_program *program, const program_op *op, int64_t batch,
                            int64_t *k);

/* Returns op's drift compensation: 0 off, 1 global, 2 per-column. A version
 * 2 program gives it in the kind's parameters, else the tile flag means global. */
int session_drift_mode(const aimrt_program *program, const program_op *op);

/* Allocates the drift state and measures the one-hot reference readout of
 * every compensated op without probes. Called at device time 0. */
aimrt_status session_drift_init(aimrt_session *session, aimrt_error *error);

/* Re-measures the probes when the device's time changed since the last
 * measurement and sets each compensated op's gain. */
aimrt_status session_drift_update(aimrt_session *session, aimrt_error *error);

/* Releases the drift compensation buffers. */
void session_drift_free(aimrt_session *session);

/* Returns the MVM index of probe p of op: the top indices below 2^32 / n_phases. */
int64_t session_probe_mvm(const program_op *op, int64_t p);

/* Returns the most probe vectors of op that one device call may take. */
int64_t session_probe_chunk(const aimrt_session *session, const program_op *op);

/* Drives n probe vectors x [n, K] through quantized op index as sample 0
 * with the probe MVM indices of probes first .. first + n - 1, without any
 * correction or drift gain, into y [n, N]. n is at most session_probe_chunk. */
aimrt_status session_probe_run(aimrt_session *session, int index, const float *x, int64_t first,
                               int64_t n, float *y, aimrt_error *error);

/* Drives all P stored probes of op index through it into session->probe_measured. */
aimrt_status session_probe_measure(aimrt_session *session, int index, aimrt_error *error);

/* Sets up the correction of every op with probes and fits it on the device
 * (at time 0). Called once the tiles are written. */
aimrt_status session_calibrate_init(aimrt_session *session, aimrt_error *error);

/* Releases the correction buffers. */
void session_calibrate_free(aimrt_session *session);

/* Sends the calibrated ADC range (input 6) of every LINEAR op that has one to
 * the device, when the device takes ranges. */
aimrt_status session_set_adc_ranges(aimrt_session *session, aimrt_error *error);

/* How one column's affine fit came out (session_fit.c). */
typedef enum session_fit_kind {
    SESSION_FIT_AFFINE = 0,      /* gain and offset fitted */
    SESSION_FIT_OFFSET_ONLY = 1, /* the ideal outputs barely vary: gain 1 */
    SESSION_FIT_IDENTITY = 2,    /* the gain was not finite or not positive: no correction */
} session_fit_kind;

typedef struct session_affine {
    double gain;
    double offset;
    double residual_rms;   /* rms of measured - (gain ideal + offset) */
    session_fit_kind kind;
} session_affine;

/* Fits measured = gain * ideal + offset by least squares over n points read
 * at ideal[p * stride] and measured[p * stride]. */
session_affine session_fit_affine(const float *ideal, const float *measured, int64_t n,
                                  int64_t stride);

/* Returns the least-squares slope through the origin, sum_xy / sum_xx, or 1
 * when it is not finite or not positive. */
double session_fit_slope(double sum_xy, double sum_xx);

/* Runs LINEAR op index on the device for batch samples starting at first_sample. */
aimrt_status session_run_linear(aimrt_session *session, int index, int64_t batch,
                                int64_t first_sample, aimrt_error *error);

/* Runs quantized LINEAR op on x [rows, k] into y [rows, n]. The session's
 * order arrays and parts already group the rows by replica. Returns the
 * device's status, with the failing block in *failed_block. */
aimrt_status session_run_quantized(aimrt_session *session, const program_op *op, int64_t rows,
                                   int64_t k, int64_t n, const float *x, float *y,
                                   int *failed_block);

#endif
