/* SPDX-License-Identifier: MIT */
/*
 * Runs a LINEAR op y = x W + bias on the device. x [..., K] is read as rows
 * (all leading dims flattened), and row v runs on replica mvm_index mod
 * n_replicas. A float op sends, per block, the columns x[:, w_row:+n_rows]
 * of its replica's rows as one MVM and adds the result into
 * y[:, w_col:+n_cols], so partial sums of blocks that split K are
 * accumulated digitally. Quantized ops go to session_quantized.c.
 */
#include "session_internal.h"

/* Returns the rows of x ([..., K]) at batch, with K in *k. */
int64_t session_linear_rows(const aimrt_program *program, const program_op *op, int64_t batch,
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

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

void session_linear_sizes(const aimrt_program *program, const program_op *op, int64_t batch,
                          linear_sizes *sizes)
{
    int64_t k;
    const int64_t rows = session_linear_rows(program, op, batch, &k);
    const int64_t n = program->tensors[op->inputs[1]].dims[1];
    int64_t max_rows = 0, max_cols = 0;
    for (int i = 0; i < op->n_blocks; i++) {
        max_rows = max64(op->blocks[i].n_rows, max_rows);
        max_cols = max64(program_block_columns(op, &op->blocks[i]), max_cols);
    }
    sizes->rows = max64(rows, sizes->rows);
    sizes->gather = max64(rows * max_rows, sizes->gather);
    sizes->partial = max64(rows * max_cols, sizes->partial);
    sizes->replicas = max64(op->n_replicas, sizes->replicas);
    if (op->quantized) {
        sizes->xq = max64(rows * k, sizes->xq);
        sizes->acc = max64(rows * n, sizes->acc);
    }
}

/* Fills each row's global sample index and its MVM index within the sample. */
static void fill_indices(aimrt_session *session, const program_op *op, int64_t rows,
                         int64_t first_sample)
{
    const program_tensor *x = &session->program->tensors[op->inputs[0]];
    int64_t k;
    const int64_t rows_per_sample =
        x->batched ? session_linear_rows(session->program, op, 1, &k) : rows;
    for (int64_t r = 0; r < rows; r++) {
        const int64_t sample = rows_per_sample > 0 ? r / rows_per_sample : 0;
        session->sample_index[r] = first_sample + sample;
        session->mvm_index[r] = r - sample * rows_per_sample;
    }
}

/* Groups the rows by replica (mvm_index mod n_replicas), keeping their order
 * within a replica, and fills session->parts. */
void session_group_by_replica(aimrt_session *session, const program_op *op, int64_t rows)
{
    const int64_t n_replicas = op->n_replicas;
    int64_t next = 0;
    for (int64_t r = 0; r < n_replicas; r++) {
        session->parts[r].first = next;
        for (int64_t v = 0; v < rows; v++) {
            if (n_replicas > 1 && session->mvm_index[v] % n_replicas != r)
                continue;
            session->order[next] = v;
            session->order_sample[next] = session->sample_index[v];
            session->order_mvm[next] = session->mvm_index[v];
            next++;
        }
        session->parts[r].count = next - session->parts[r].first;
    }
}

/* Runs one float block on its replica's rows and adds its result into y. */
static aimrt_status run_float_block(aimrt_session *session, const program_op *op,
                                    const program_block *b, int64_t k, int64_t n, const float *x,
                                    float *y)
{
    const replica_rows part = session->parts[b->replica];
    const int64_t *order = session->order + part.first;
    /* One replica's block that spans all of K reads x in place. */
    const float *input = x;
    if (b->n_rows != k || op->n_replicas > 1) {
        for (int64_t i = 0; i < part.count; i++)
            memcpy(session->gather + i * b->n_rows, x + order[i] * k + b->w_row,
                   (size_t)b->n_rows * sizeof(float));
        input = session->gather;
    }

    const aimrt_device *device = session->device;
    const aimrt_status status =
        device->mvm(device->state, b->tile, b->tile_row, b->n_rows, b->tile_col, b->n_cols,
                    part.count, input, session->partial, session->order_sample + part.first,
                    session->order_mvm + part.first);
    if (status != AIMRT_OK)
        return status;

    for (int64_t i = 0; i < part.count; i++) {
        float *y_row = y + order[i] * n + b->w_col;
        const double *p_row = session->partial + i * b->n_cols;
        for (int64_t c = 0; c < b->n_cols; c++)
            y_row[c] += (float)p_row[c];
    }
    return AIMRT_OK;
}

/* Runs every block of a float op, then adds the bias. */
static aimrt_status run_float(aimrt_session *session, const program_op *op, int64_t rows,
                              int64_t k, int64_t n, const float *x, float *y, int *failed_block)
{
    memset(y, 0, (size_t)(rows * n) * sizeof(float));
    for (int i = 0; i < op->n_blocks; i++) {
        const aimrt_status status = run_float_block(session, op, &op->blocks[i], k, n, x, y);
        if (status != AIMRT_OK) {
            *failed_block = i;
            return status;
        }
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

aimrt_status session_run_linear(aimrt_session *session, int index, int64_t batch,
                                int64_t first_sample, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const program_op *op = &program->ops[index];
    int64_t k;
    const int64_t rows = session_linear_rows(program, op, batch, &k);
    const int64_t n = program->tensors[op->inputs[1]].dims[1];
    const float *x = session->buffers[op->inputs[0]];
    float *y = session->buffers[op->outputs[0]];

    fill_indices(session, op, rows, first_sample);
    session->linear_gain = session->drift_gain ? session->drift_gain[index] : 1.0;
    session->correction = session->corrections && session->corrections[index].n_probes > 0
                              ? &session->corrections[index]
                              : NULL;
    session_group_by_replica(session, op, rows);
    int failed = 0;
    const aimrt_status status =
        op->quantized ? session_run_quantized(session, op, rows, k, n, x, y, &failed)
                      : run_float(session, op, rows, k, n, x, y, &failed);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                               "op %d \"%s\": device \"%s\" failed on tile %d (block %d): %s",
                               index, op->node, session->device->name, op->blocks[failed].tile,
                               failed, aimrt_status_name(status));
    return AIMRT_OK;
}
