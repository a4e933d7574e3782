/* SPDX-License-Identifier: MIT */
/*
 * Load-time checks of the activation arena that the schedule pass lays out:
 * every placed buffer lies inside the arena and is aligned to its element,
 * and no op writes over its own inputs. Whether two buffers that are live at
 * the same time overlap elsewhere would need the liveness of every pair, so
 * it is not checked.
 */
#include "program_internal.h"

int64_t program_tensor_bytes(const aimrt_program *program, int32_t id, int64_t batch)
{
    aimrt_tensor view;
    int64_t count = 0;
    program_tensor_view(program, id, batch, &view);
    aimrt_shape_count(view.rank, view.dims, aimrt_dtype_size(view.dtype), &count);
    return count * (int64_t)aimrt_dtype_size(view.dtype);
}

static aimrt_status check_placement(const aimrt_program *program, int32_t id,
                                    aimrt_error *error)
{
    const program_tensor *t = &program->tensors[id];
    const int64_t arena = t->batched ? program->arena_bytes_per_sample : program->arena_bytes_fixed;
    const uint64_t element = aimrt_dtype_size(t->dtype);
    if (t->data_offset % element != 0 || t->data_offset > (uint64_t)arena ||
        t->data_length > (uint64_t)arena - t->data_offset)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": arena buffer [%llu, +%llu) is not aligned to "
                               "its %llu-byte elements or lies outside the %lld-byte %s arena",
                               id, t->name, (unsigned long long)t->data_offset,
                               (unsigned long long)t->data_length, (unsigned long long)element,
                               (long long)arena, t->batched ? "per-sample" : "fixed");
    return AIMRT_OK;
}

/* Returns true when tensors a and b share bytes of the same arena part. */
static bool buffers_overlap(const program_tensor *a, const program_tensor *b)
{
    return a->in_arena && b->in_arena && a->batched == b->batched && a->data_length > 0 &&
           b->data_length > 0 && a->data_offset < b->data_offset + b->data_length &&
           b->data_offset < a->data_offset + a->data_length;
}

/* An op's kernel reads its inputs while it writes its outputs, so they must
 * not share bytes. */
static aimrt_status check_op_buffers(const aimrt_program *program, int index,
                                     aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    for (int o = 0; o < op->n_outputs; o++) {
        const program_tensor *out = &program->tensors[op->outputs[o]];
        for (int i = 0; i < op->n_inputs + o; i++) {
            const int32_t id = i < op->n_inputs ? op->inputs[i] : op->outputs[i - op->n_inputs];
            if (id >= 0 && id != op->outputs[o] && buffers_overlap(out, &program->tensors[id]))
                return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                       "op %d \"%s\": output \"%s\" shares arena bytes with \"%s\", "
                                       "which the op reads or writes at the same time",
                                       index, op->node, out->name, program->tensors[id].name);
        }
    }
    return AIMRT_OK;
}

aimrt_status program_check_arena(const aimrt_program *program, aimrt_error *error)
{
    for (int32_t id = 0; id < program->n_tensors; id++) {
        if (!program->tensors[id].in_arena)
            continue;
        const aimrt_status status = check_placement(program, id, error);
        if (status != AIMRT_OK)
            return status;
    }
    for (int i = 0; i < program->n_ops; i++) {
        const aimrt_status status = check_op_buffers(program, i, error);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}
