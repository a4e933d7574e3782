/* SPDX-License-Identifier: MIT */
/*
 * Sessions: bind a loaded program to a device for a maximum batch size.
 * Creation allocates every activation (in the scheduled arena when the
 * program has one) and scratch buffer and writes the tiles. A run executes
 * the instruction stream: digital ops with the kernels, LINEAR ops on the
 * device. A run allocates nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "session_internal.h"

static int64_t tensor_bytes(const aimrt_program *program, int32_t id, int64_t batch)
{
    return program_tensor_bytes(program, id, batch);
}

static aimrt_status check_device(const aimrt_device *device, aimrt_error *error)
{
    if (!device || device->size < sizeof(aimrt_device) ||
        device->version != AIMRT_DEVICE_VERSION || !device->write_tile || !device->mvm)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "aimrt_session_create: the device is NULL, has another interface "
                               "version than %d, or lacks write_tile or mvm",
                               AIMRT_DEVICE_VERSION);
    return AIMRT_OK;
}

/* Checks that batched tensors stay within int64 byte sizes at max_batch. */
static aimrt_status check_max_batch(const aimrt_program *program, int64_t max_batch,
                                    aimrt_error *error)
{
    for (int32_t id = 0; id < program->n_tensors; id++) {
        const program_tensor *t = &program->tensors[id];
        if (!t->batched)
            continue;
        /* The loader checked the bytes of one sample against int64 overflow. */
        const int64_t sample_bytes = tensor_bytes(program, id, 1);
        if (sample_bytes > 0 && max_batch > INT64_MAX / sample_bytes)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                                   "tensor \"%s\" does not fit in memory at batch %lld; use a "
                                   "smaller maximum batch", t->name, (long long)max_batch);
    }
    return AIMRT_OK;
}

/* Allocates the activation arena at max batch: the fixed part, then the
 * per-sample part, in which a batched buffer at offset o starts at
 * o * max_batch, so buffers that the schedule keeps apart stay apart. */
static aimrt_status allocate_arena(aimrt_session *session, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const int64_t fixed = (int64_t)aimrt_align_up((uint64_t)program->arena_bytes_fixed,
                                                  AIMRT_FORMAT_ALIGN);
    const int64_t per_sample = program->arena_bytes_per_sample;
    if (per_sample > (INT64_MAX - fixed) / session->max_batch ||
        fixed + per_sample * session->max_batch > (int64_t)(SIZE_MAX / 2))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "the activation arena (%lld bytes per sample and %lld fixed) does "
                               "not fit in memory at batch %lld; use a smaller maximum batch",
                               (long long)per_sample, (long long)fixed,
                               (long long)session->max_batch);
    /* Never empty, so that a placed buffer of zero bytes still points somewhere. */
    const int64_t bytes = fixed + per_sample * session->max_batch;
    session->arena = aligned_alloc(AIMRT_FORMAT_ALIGN,
                                   aimrt_align_up((uint64_t)bytes + 1, AIMRT_FORMAT_ALIGN));
    if (!session->arena)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM,
                               "out of memory for the %lld-byte activation arena",
                               (long long)bytes);
    memset(session->arena, 0, (size_t)bytes);
    return AIMRT_OK;
}

/* Points constants at their data, placed activations into the arena, and
 * allocates the other activations at max batch. */
static aimrt_status allocate_tensors(aimrt_session *session, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    aimrt_status status = allocate_arena(session, error);
    const int64_t fixed = (int64_t)aimrt_align_up((uint64_t)program->arena_bytes_fixed,
                                                  AIMRT_FORMAT_ALIGN);
    for (int32_t id = 0; id < program->n_tensors && status == AIMRT_OK; id++) {
        const program_tensor *t = &program->tensors[id];
        if (t->kind == AIMRT_TENSOR_CONST) {
            session->buffers[id] = (void *)t->data;
        } else if (t->in_arena) {
            const int64_t offset = (int64_t)t->data_offset;
            session->buffers[id] =
                session->arena + (t->batched ? fixed + offset * session->max_batch : offset);
        } else if (t->kind == AIMRT_TENSOR_ACTIVATION || t->kind == AIMRT_TENSOR_OUTPUT) {
            /* An unscheduled program gives every activation its own buffer. */
            const int64_t bytes = tensor_bytes(program, id, session->max_batch);
            session->buffers[id] = calloc(1, bytes > 0 ? (size_t)bytes : 1);
            if (!session->buffers[id])
                status = aimrt_error_set(error, AIMRT_ERR_NOMEM,
                                         "out of memory for tensor \"%s\" (%lld bytes)",
                                         t->name, (long long)bytes);
        }
    }
    return status;
}

/* Fills the op call views of op at batch; data comes from the session buffers. */
static void bind_views(aimrt_session *session, const program_op *op, int64_t batch)
{
    aimrt_tensor *views = session->views;
    for (int i = 0; i < op->n_inputs; i++) {
        if (op->inputs[i] < 0) {
            views[i] = (aimrt_tensor){.dtype = AIMRT_DTYPE_UNDEFINED};
            continue;
        }
        program_tensor_view(session->program, op->inputs[i], batch, &views[i]);
        views[i].data = session->buffers[op->inputs[i]];
    }
    for (int i = 0; i < op->n_outputs; i++) {
        aimrt_tensor *view = &views[op->n_inputs + i];
        program_tensor_view(session->program, op->outputs[i], batch, view);
        view->data = session->buffers[op->outputs[i]];
    }
}

/* Checks that a LINEAR op reads and writes float, with a float bias of N. */
static aimrt_status check_linear(const aimrt_program *program, int index, aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    if (op->quantized)
        return AIMRT_OK;  /* the loader checked its four inputs */
    const program_tensor *x = &program->tensors[op->inputs[0]];
    const program_tensor *w = &program->tensors[op->inputs[1]];
    const program_tensor *y = &program->tensors[op->outputs[0]];
    const program_tensor *bias =
        op->n_inputs > 2 && op->inputs[2] >= 0 ? &program->tensors[op->inputs[2]] : NULL;
    if (op->n_outputs != 1 || x->dtype != AIMRT_DTYPE_FLOAT || y->dtype != AIMRT_DTYPE_FLOAT ||
        (bias && (bias->dtype != AIMRT_DTYPE_FLOAT || bias->rank != 1 ||
                  bias->dims[0] != w->dims[1])))
        return aimrt_error_set(error, AIMRT_ERR_UNSUPPORTED,
                               "op %d \"%s\": a linear op on a device needs float x and y and a "
                               "float bias [%lld]", index, op->node, (long long)w->dims[1]);
    return AIMRT_OK;
}

/* Measures the kernel scratch and the LINEAR buffers of the largest op at max
 * batch. Only shapes are read, so it runs before any buffer exists. */
static aimrt_status measure_scratch(aimrt_session *session, linear_sizes *sizes, size_t *scratch,
                                    aimrt_error *error)
{
    const aimrt_program *program = session->program;
    *sizes = (linear_sizes){0};
    *scratch = 0;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        if (op->code == AIMRT_OP_LINEAR) {
            aimrt_status status = check_linear(program, i, error);
            if (status != AIMRT_OK)
                return status;
            session_linear_sizes(program, op, session->max_batch, sizes);
            continue;
        }
        bind_views(session, op, session->max_batch);
        aimrt_op_call call = {op->code, op->n_attrs, op->attrs, op->n_inputs, session->views,
                              op->n_outputs, session->views + op->n_inputs, NULL, 0};
        const size_t bytes = aimrt_op_scratch_size(&call);
        *scratch = bytes > *scratch ? bytes : *scratch;
    }
    return AIMRT_OK;
}

/* Returns a * b + c for non-negative values, saturating at INT64_MAX. */
static int64_t add_product(int64_t a, int64_t b, int64_t c)
{
    if (a < 0 || b < 0 || c < 0)
        return INT64_MAX;
    if (a != 0 && b > INT64_MAX / a)
        return INT64_MAX;
    return a * b > INT64_MAX - c ? INT64_MAX : a * b + c;
}

/* Checks the bytes that the session allocates at max batch against the
 * program's max_session_bytes, before any of them is allocated. */
static aimrt_status check_memory(const aimrt_session *session, const linear_sizes *sizes,
                                 size_t scratch, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const int64_t batch = session->max_batch;
    const int64_t fixed = (int64_t)aimrt_align_up((uint64_t)program->arena_bytes_fixed,
                                                  AIMRT_FORMAT_ALIGN);
    int64_t activations = add_product(program->arena_bytes_per_sample, batch, fixed);
    for (int32_t id = 0; id < program->n_tensors; id++) {
        const program_tensor *t = &program->tensors[id];
        if (!t->in_arena && (t->kind == AIMRT_TENSOR_ACTIVATION || t->kind == AIMRT_TENSOR_OUTPUT))
            activations = add_product(1, tensor_bytes(program, id, batch), activations);
    }

    /* The LINEAR buffers of allocate_scratch, with their element sizes. */
    int64_t buffers = scratch > (size_t)INT64_MAX ? INT64_MAX : (int64_t)scratch;
    buffers = add_product(sizes->gather, sizeof(float), buffers);
    buffers = add_product(sizes->partial, sizeof(double), buffers);
    buffers = add_product(sizes->xq, sizeof(int32_t), buffers);
    buffers = add_product(sizes->acc, sizeof(double), buffers);
    buffers = add_product(sizes->replicas, sizeof(replica_rows), buffers);
    buffers = add_product(sizes->rows, 6 * sizeof(int64_t) + sizeof(float), buffers);

    char where[192];
    snprintf(where, sizeof where,
             "session at max batch %lld (activations %lld bytes, scratch and LINEAR buffers "
             "%lld bytes)",
             (long long)batch, (long long)activations, (long long)buffers);
    const aimrt_status status =
        program_limit_check(error, AIMRT_ERR_NOMEM, where, add_product(1, activations, buffers),
                            "bytes", program->limits.max_session_bytes, "max_session_bytes");
    if (status != AIMRT_OK && error && batch > 1) {
        const size_t used = strlen(error->message);
        snprintf(error->message + used, sizeof error->message - used,
                 ", or use a smaller maximum batch");
    }
    return status;
}

/* Allocates the scratch and LINEAR buffers that measure_scratch sized. */
static aimrt_status allocate_scratch(aimrt_session *session, const linear_sizes *measured,
                                     size_t scratch, aimrt_error *error)
{
    const linear_sizes sizes = *measured;
    session->scratch_size = scratch;
    session->scratch = malloc(scratch > 0 ? scratch : 1);
    const size_t rows = (size_t)(sizes.rows > 0 ? sizes.rows : 1);
    session->gather = malloc((size_t)(sizes.gather > 0 ? sizes.gather : 1) * sizeof(float));
    session->partial = malloc((size_t)(sizes.partial > 0 ? sizes.partial : 1) * sizeof(double));
    session->xq = malloc((size_t)(sizes.xq > 0 ? sizes.xq : 1) * sizeof(int32_t));
    session->acc = malloc((size_t)(sizes.acc > 0 ? sizes.acc : 1) * sizeof(double));
    session->parts = malloc((size_t)(sizes.replicas > 0 ? sizes.replicas : 1) *
                            sizeof *session->parts);
    session->sample_index = malloc(rows * sizeof(int64_t));
    session->mvm_index = malloc(rows * sizeof(int64_t));
    session->order = malloc(rows * sizeof(int64_t));
    session->order_sample = malloc(rows * sizeof(int64_t));
    session->order_mvm = malloc(rows * sizeof(int64_t));
    session->phase_sum = malloc(rows * sizeof(int64_t));
    session->phase_mvm = malloc(rows * sizeof(int64_t));
    session->input_scale = malloc(rows * sizeof(float));
    if (!session->scratch || !session->gather || !session->partial || !session->xq ||
        !session->acc || !session->parts || !session->sample_index || !session->mvm_index ||
        !session->order || !session->order_sample || !session->order_mvm ||
        !session->phase_sum || !session->phase_mvm || !session->input_scale)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for session scratch");
    return AIMRT_OK;
}

static aimrt_status write_tiles(aimrt_session *session, aimrt_error *error)
{
    const aimrt_program *program = session->program;
    const aimrt_device *device = session->device;
    for (int32_t i = 0; i < program->n_tiles; i++) {
        aimrt_tile_desc desc;
        aimrt_program_tile(program, i, &desc);
        const aimrt_status status = device->write_tile(device->state, &desc,
                                                       program->tiles[i].levels);
        if (status != AIMRT_OK)
            return aimrt_error_set(error, AIMRT_ERR_DEVICE,
                                   "device \"%s\" failed to write tile %d (%lldx%lld): %s",
                                   device->name, i, (long long)desc.rows, (long long)desc.cols,
                                   aimrt_status_name(status));
    }
    return AIMRT_OK;
}

aimrt_status aimrt_session_create(const aimrt_program *program, const aimrt_device *device,
                                  int64_t max_batch, aimrt_session **out, aimrt_error *error)
{
    if (!program || !out || max_batch < 1)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "aimrt_session_create: program and out must not be NULL and "
                               "max_batch (%lld) must be at least 1", (long long)max_batch);
    *out = NULL;
    aimrt_status status = check_device(device, error);
    if (status != AIMRT_OK)
        return status;
    /* An unbatched program runs one sample per run, whatever max_batch the caller requests. */
    if (!program->batched)
        max_batch = 1;
    status = check_max_batch(program, max_batch, error);
    if (status != AIMRT_OK)
        return status;

    aimrt_session *session = calloc(1, sizeof *session);
    if (!session)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for the session");
    session->program = program;
    session->device = device;
    session->max_batch = max_batch;
    int max_views = 1;
    for (int i = 0; i < program->n_ops; i++) {
        const int n = program->ops[i].n_inputs + program->ops[i].n_outputs;
        max_views = n > max_views ? n : max_views;
    }
    session->buffers = calloc((size_t)program->n_tensors + 1, sizeof *session->buffers);
    session->views = calloc((size_t)max_views, sizeof *session->views);
    if (!session->buffers || !session->views)
        status = aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for the session");

    linear_sizes sizes;
    size_t scratch = 0;
    if (status == AIMRT_OK)
        status = measure_scratch(session, &sizes, &scratch, error);
    if (status == AIMRT_OK)
        status = check_memory(session, &sizes, scratch, error);
    if (status == AIMRT_OK)
        status = allocate_tensors(session, error);
    if (status == AIMRT_OK)
        status = allocate_scratch(session, &sizes, scratch, error);
    if (status == AIMRT_OK)
        status = write_tiles(session, error);
    if (status == AIMRT_OK)
        status = session_set_adc_ranges(session, error);
    if (status == AIMRT_OK)
        status = session_calibrate_init(session, error);
    if (status != AIMRT_OK) {
        aimrt_session_free(session);
        return status;
    }
    *out = session;
    return AIMRT_OK;
}

void aimrt_session_free(aimrt_session *session)
{
    if (!session)
        return;
    const aimrt_program *program = session->program;
    for (int32_t id = 0; session->buffers && id < program->n_tensors; id++) {
        const int kind = program->tensors[id].kind;
        if ((kind == AIMRT_TENSOR_ACTIVATION || kind == AIMRT_TENSOR_OUTPUT) &&
            !program->tensors[id].in_arena)
            free(session->buffers[id]);
    }
    free(session->arena);
    free(session->buffers);
    free(session->views);
    free(session->scratch);
    free(session->gather);
    free(session->partial);
    free(session->xq);
    free(session->acc);
    free(session->parts);
    free(session->sample_index);
    free(session->mvm_index);
    free(session->order);
    free(session->order_sample);
    free(session->order_mvm);
    free(session->phase_sum);
    free(session->phase_mvm);
    free(session->input_scale);
    session_drift_free(session);
    session_calibrate_free(session);
    free(session);
}

static aimrt_status run_digital(aimrt_session *session, int index, int64_t batch,
                                aimrt_error *error)
{
    const program_op *op = &session->program->ops[index];
    bind_views(session, op, batch);
    char reason[256] = "";
    aimrt_op_call call = {op->code, op->n_attrs, op->attrs, op->n_inputs, session->views,
                          op->n_outputs, session->views + op->n_inputs, reason, sizeof reason};
    const aimrt_status status = aimrt_op_run(&call, session->scratch);
    if (status != AIMRT_OK)
        return aimrt_error_set(error, status, "op %d \"%s\" (%s): %s", index, op->node,
                               aimrt_op_name(op->code), reason);
    return AIMRT_OK;
}

/* Calls the observer with the views of op index, which just ran at batch. */
static void notify_observer(aimrt_session *session, int index, int64_t batch)
{
    const program_op *op = &session->program->ops[index];
    bind_views(session, op, batch);
    session->observer(session->observer_user, index, op->node, (int)op->code, op->n_inputs,
                      session->views, op->n_outputs, session->views + op->n_inputs);
}

aimrt_status aimrt_session_set_observer(aimrt_session *session, aimrt_op_observer observer,
                                        void *user)
{
    if (!session)
        return AIMRT_ERR_INVALID_ARG;
    session->observer = observer;
    session->observer_user = observer ? user : NULL;
    return AIMRT_OK;
}

aimrt_status aimrt_session_run(aimrt_session *session, int64_t batch, int64_t first_sample,
                               const void *const *inputs, void *const *outputs,
                               aimrt_error *error)
{
    if (!session || (!inputs && session->program->n_inputs > 0) ||
        (!outputs && session->program->n_outputs > 0))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "aimrt_session_run: session, inputs and outputs must not be NULL");
    const aimrt_program *program = session->program;
    if (batch < 1 || batch > session->max_batch || first_sample < 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "aimrt_session_run: batch %lld is outside [1, %lld] or "
                               "first_sample %lld is negative%s",
                               (long long)batch, (long long)session->max_batch,
                               (long long)first_sample,
                               program->batched ? "" : " (this program is not batched)");

    for (int i = 0; i < program->n_inputs; i++) {
        if (!inputs[i])
            return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                                   "aimrt_session_run: input %d \"%s\" is NULL", i,
                                   program->tensors[program->inputs[i]].name);
        session->buffers[program->inputs[i]] = (void *)inputs[i];
    }

    aimrt_status drift = session_drift_update(session, error);
    if (drift != AIMRT_OK)
        return drift;
    for (int i = 0; i < program->n_ops; i++) {
        const aimrt_status status =
            program->ops[i].code == AIMRT_OP_LINEAR
                ? session_run_linear(session, i, batch, first_sample, error)
                : run_digital(session, i, batch, error);
        if (status != AIMRT_OK)
            return status;
        if (session->observer)
            notify_observer(session, i, batch);
    }

    for (int i = 0; i < program->n_outputs; i++) {
        const int32_t id = program->outputs[i];
        if (!outputs[i])
            return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                                   "aimrt_session_run: output %d \"%s\" is NULL", i,
                                   program->tensors[id].name);
        memmove(outputs[i], session->buffers[id], (size_t)tensor_bytes(program, id, batch));
    }
    return AIMRT_OK;
}
