/* SPDX-License-Identifier: MIT */
/*
 * Runs a LINEAR op y = x W + bias on the device. x [..., K] is read as rows
 * (all leading dims flattened). For each tile block, the columns
 * x[:, w_row:+n_rows] go to the device as one MVM over the block's tile
 * region, and its result is added into y[:, w_col:+n_cols], so partial sums
 * of blocks that split K are accumulated digitally.
 */
#include "session_internal.h"

/* Returns the rows of x ([..., K]) at batch, with K in *k. */
static int64_t linear_rows(const aimrt_program *program, const program_op *op, int64_t batch,
                           int64_t *k)
{
    aimrt_tensor x;
    program_tensor_view(program, op->inputs[0], batch, &x);
    *k = x.rank > 0 ? x.dims[x.rank - 1] : 1;
    int64_t rows = 1;
    for (int d = 0; d + 1 < x.rank; d++)
        rows *= x.dims[d];
    return rows;
}

void session_linear_sizes(const aimrt_program *program, const program_op *op, int64_t batch,
                          linear_sizes *sizes)
{
    int64_t k;
    const int64_t rows = linear_rows(program, op, batch, &k);
    int64_t max_rows = 0, max_cols = 0;
    for (int i = 0; i < op->n_blocks; i++) {
        max_rows = op->blocks[i].n_rows > max_rows ? op->blocks[i].n_rows : max_rows;
        max_cols = op->blocks[i].n_cols > max_cols ? op->blocks[i].n_cols : max_cols;
    }
    sizes->rows = rows > sizes->rows ? rows : sizes->rows;
    sizes->gather = rows * max_rows > sizes->gather ? rows * max_rows : sizes->gather;
    sizes->partial = rows * max_cols > sizes->partial ? rows * max_cols : sizes->partial;
}

/* Fills each row's global sample index and its MVM index within the sample. */
static void fill_indices(aimrt_session *session, const program_op *op, int64_t rows,
                         int64_t first_sample)
{
    const program_tensor *x = &session->program->tensors[op->inputs[0]];
    int64_t k;
    const int64_t rows_per_sample = x->batched ? linear_rows(session->program, op, 1, &k) : rows;
    for (int64_t r = 0; r < rows; r++) {
        const int64_t sample = rows_per_sample > 0 ? r / rows_per_sample : 0;
        session->sample_index[r] = first_sample + sample;
        session->mvm_index[r] = r - sample * rows_per_sample;
    }
}

/* Runs one block and adds its result into y (rows x n). */
static aimrt_status run_block(aimrt_session *session, const program_block *b, int64_t rows,
                              int64_t k, int64_t n, const float *x, float *y)
{
    /* A block that spans all of K reads x in place. */
    const float *input = x;
    if (b->n_rows != k) {
        for (int64_t r = 0; r < rows; r++)
            memcpy(session->gather + r * b->n_rows, x + r * k + b->w_row,
                   (size_t)b->n_rows * sizeof(float));
        input = session->gather;
    }

    const aimrt_device *device = session->device;
    const aimrt_status status = device->mvm(device->state, b->tile, b->tile_row, b->n_rows,
                                            b->tile_col, b->n_cols, rows, input,
                                            session->partial, session->sample_index,
                                            session->mvm_index);
    if (status != AIMRT_OK)
        return status;

    for (int64_t r = 0; r < rows; r++) {
        float *y_row = y + r * n + b->w_col;
        const float *p_row = session->partial + r * b->n_cols;
        for (int64_t c = 0; c < b->n_cols; c++)
            y_row[c] += p_row[c];
    }
    return AIMRT_OK;
}

aimrt_status session_run_linear(aimrt_session *session, int index, int64_t batch,
                                int64_t first_sample, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const program_op *op = &program->ops[index];
    int64_t k;
    const int64_t rows = linear_rows(program, op, batch, &k);
    aimrt_tensor w;
    program_tensor_view(program, op->inputs[1], 1, &w);
    const int64_t n = w.dims[1];
    const float *x = session->buffers[op->inputs[0]];
    float *y = session->buffers[op->outputs[0]];

    fill_indices(session, op, rows, first_sample);
    memset(y, 0, (size_t)(rows * n) * sizeof(float));
    for (int i = 0; i < op->n_blocks; i++) {
        const aimrt_status status = run_block(session, &op->blocks[i], rows, k, n, x, y);
        if (status != AIMRT_OK)
            return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                                   "op %d \"%s\": device \"%s\" failed on tile %d (block %d): %s",
                                   index, op->node, session->device->name, op->blocks[i].tile, i,
                                   aimrt_status_name(status));
    }

    if (op->n_inputs > 2 && op->inputs[2] >= 0) {
        const float *bias = session->buffers[op->inputs[2]];
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t c = 0; c < n; c++)
                y[r * n + c] += bias[c];
        }
    }
    return AIMRT_OK;
}
