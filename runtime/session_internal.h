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
