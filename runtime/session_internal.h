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
    int64_t *acc;           /* integer accumulators, rows x N */
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

/* Measures the reference probe readout of every compensated op at time 0,
 * then restores the device's time. Called once the tiles are written. */
aimrt_status session_drift_init(aimrt_session *session, aimrt_error *error);

/* Re-measures the probes when the device's time changed since the last
 * measurement and sets each compensated op's gain. */
aimrt_status session_drift_update(aimrt_session *session, aimrt_error *error);

/* Releases the drift compensation buffers. */
void session_drift_free(aimrt_session *session);

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
