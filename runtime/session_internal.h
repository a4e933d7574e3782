/* SPDX-License-Identifier: MIT */
/*
 * The state of a session, shared by the session driver (session.c) and the
 * LINEAR executor (session_linear.c). Every buffer is sized for max_batch
 * when the session is created, so a run never allocates.
 */
#ifndef AIMRT_SESSION_INTERNAL_H
#define AIMRT_SESSION_INTERNAL_H

#include "program_internal.h"

struct aimrt_session {
    const aimrt_program *program;  /* borrowed: must outlive the session */
    const aimrt_device *device;    /* borrowed: must outlive the session */
    int64_t max_batch;
    void **buffers;         /* per tensor: activation storage, constant data, or bound input */
    aimrt_tensor *views;    /* one op call's input and output views */
    void *scratch;
    size_t scratch_size;
    float *gather;          /* x columns of one block, rows x n_rows */
    float *partial;         /* one block's MVM result, rows x n_cols */
    int64_t *sample_index;  /* per row of x */
    int64_t *mvm_index;     /* per row of x */
};

/* The sizes of the LINEAR buffers a session needs at max_batch. */
typedef struct linear_sizes {
    int64_t rows;      /* rows of x, all leading dims flattened */
    int64_t gather;    /* floats */
    int64_t partial;   /* floats */
} linear_sizes;

/* Adds op's LINEAR buffer needs at batch to *sizes (keeping maxima). */
void session_linear_sizes(const aimrt_program *program, const program_op *op, int64_t batch,
                          linear_sizes *sizes);

/* Runs LINEAR op index on the device for batch samples starting at first_sample. */
aimrt_status session_run_linear(aimrt_session *session, int index, int64_t batch,
                                int64_t first_sample, aimrt_error *error);

#endif
