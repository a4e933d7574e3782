/* SPDX-License-Identifier: MIT */
/*
 * Op creation: copies the attributes, infers output shapes with the runtime's
 * aimrt_op_infer, and decides whether each output carries the run-time batch
 * by inferring with two batch sizes.
 */
#include "ir/ir.h"

#include <stdio.h>
#include <string.h>

#define MAX_OP_IO 64

/* Fills tensors for the op's inputs, with batched inputs at batch size batch. */
static void describe_inputs(int n_inputs, aimcc_value *const *inputs, int64_t batch,
                            aimrt_tensor *tensors)
{
    for (int i = 0; i < n_inputs; i++) {
        if (!inputs[i]) {
            memset(&tensors[i], 0, sizeof tensors[i]);
            continue;
        }
        tensors[i] = aimcc_ir_value_tensor(inputs[i]);
        if (inputs[i]->batched)
            tensors[i].dims[0] = batch;
    }
}

static aimrt_status infer_at(aimrt_op code, int n_attrs, const aimrt_attr *attrs, int n_inputs,
                             aimcc_value *const *inputs, int64_t batch, int n_outputs,
                             aimrt_tensor *outputs, char *message, size_t message_size)
{
    aimrt_tensor in[MAX_OP_IO];
    describe_inputs(n_inputs, inputs, batch, in);
    memset(outputs, 0, (size_t)n_outputs * sizeof *outputs);
    aimrt_op_call call = {
        .op = code, .n_attrs = n_attrs, .attrs = attrs, .n_inputs = n_inputs, .inputs = in,
        .n_outputs = n_outputs, .outputs = outputs, .message = message,
        .message_size = message_size,
    };
    return aimrt_op_infer(&call);
}

static bool same_shape_after_axis0(const aimrt_tensor *a, const aimrt_tensor *b)
{
    if (a->rank != b->rank || a->rank == 0)
        return false;
    for (int d = 1; d < a->rank; d++) {
        if (a->dims[d] != b->dims[d])
            return false;
    }
    return true;
}

/* Softmax over axis 0 keeps the shape but mixes the samples of a batch. */
static bool normalizes_axis0(aimrt_op code, int n_attrs, const aimrt_attr *attrs, int rank)
{
    if (code != AIMRT_OP_SOFTMAX && code != AIMRT_OP_LOG_SOFTMAX)
        return false;
    int64_t axis = aimrt_attr_int(attrs, n_attrs, AIMRT_ATTR_AXIS, -1);
    if (axis < 0)
        axis += rank;
    return axis == 0;
}

/*
 * Marks outputs batched when inference at batch 1 and batch 2 differs exactly
 * in dims[0] (1 versus 2). An op with a batched input must keep the batch on
 * axis 0 of every output, or else the model is not batch-agnostic.
 */
static aimcc_status classify_batch(aimcc_ctx *ctx, aimcc_module *module, aimrt_op code,
                                   const char *node, const char *onnx_type, int n_attrs,
                                   const aimrt_attr *attrs, int n_inputs,
                                   aimcc_value *const *inputs, int n_outputs,
                                   const aimrt_tensor *at1, bool *batched)
{
    bool any_batched = false;
    int batched_rank = 0;
    for (int i = 0; i < n_inputs; i++) {
        if (inputs[i] && inputs[i]->batched) {
            any_batched = true;
            batched_rank = inputs[i]->rank;
        }
    }
    for (int i = 0; i < n_outputs; i++)
        batched[i] = false;
    if (!any_batched)
        return AIMCC_OK;

    aimrt_tensor at2[MAX_OP_IO];
    char message[256] = "";
    const aimrt_status status = infer_at(code, n_attrs, attrs, n_inputs, inputs, 2, n_outputs,
                                         at2, message, sizeof message);
    bool keeps_batch = status == AIMRT_OK && !normalizes_axis0(code, n_attrs, attrs, batched_rank);
    for (int i = 0; keeps_batch && i < n_outputs; i++) {
        keeps_batch = at1[i].dims[0] == 1 && at2[i].dims[0] == 2 &&
                      same_shape_after_axis0(&at1[i], &at2[i]);
        batched[i] = keeps_batch;
    }
    if (keeps_batch)
        return AIMCC_OK;

    module->batch_broken = true;
    return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, node, onnx_type,
                      "the op moves or mixes the batch axis (axis 0), so the program cannot be "
                      "batch-agnostic; give the batch dimension a fixed size with "
                      "--dim NAME=VALUE or export the model with a fixed batch");
}

static aimcc_status create_outputs(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op,
                                   const aimrt_tensor *shapes, const bool *batched,
                                   const char *const *output_names)
{
    for (int i = 0; i < op->n_outputs; i++) {
        const char *name = output_names ? output_names[i] : NULL;
        aimcc_value *value = aimcc_ir_value_add(module, name, AIMCC_VALUE_ACTIVATION,
                                                shapes[i].dtype, shapes[i].rank, shapes[i].dims,
                                                NULL);
        if (!value)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                              "out of memory creating output %d", i);
        value->batched = batched[i];
        value->producer = op;
        op->outputs[i] = value;
    }
    return AIMCC_OK;
}

static aimrt_attr *copy_attrs(aimcc_module *module, int n_attrs, const aimrt_attr *attrs)
{
    aimrt_attr *copy = aimcc_arena_calloc(module->arena, (size_t)n_attrs + 1, sizeof *copy);
    if (!copy)
        return NULL;
    for (int i = 0; i < n_attrs; i++) {
        if (attrs[i].kind == AIMRT_ATTR_INTS)
            copy[i] = aimcc_ir_attr_ints(module, attrs[i].key, attrs[i].n, attrs[i].ints);
        else
            copy[i] = aimcc_ir_attr_floats(module, attrs[i].key, attrs[i].n, attrs[i].floats);
        if (attrs[i].n > 0 && !copy[i].ints && !copy[i].floats)
            return NULL;
    }
    return copy;
}

static void link_op(aimcc_module *module, aimcc_op *op, aimcc_op *before)
{
    if (!before) {
        op->prev = module->last;
        if (module->last)
            module->last->next = op;
        else
            module->first = op;
        module->last = op;
        return;
    }
    op->next = before;
    op->prev = before->prev;
    if (before->prev)
        before->prev->next = op;
    else
        module->first = op;
    before->prev = op;
}

aimcc_status aimcc_ir_op_create(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *before,
                                aimrt_op code, const char *node, const char *onnx_type,
                                int n_inputs, aimcc_value *const *inputs, int n_attrs,
                                const aimrt_attr *attrs, int n_outputs,
                                const char *const *output_names, aimcc_op **out)
{
    if (n_inputs < 0 || n_inputs > MAX_OP_IO || n_outputs < 1 || n_outputs > MAX_OP_IO)
        return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, node, onnx_type,
                          "%d inputs and %d outputs exceed the limit of %d", n_inputs, n_outputs,
                          MAX_OP_IO);

    aimrt_tensor shapes[MAX_OP_IO];
    char message[256] = "";
    const aimrt_status status = infer_at(code, n_attrs, attrs, n_inputs, inputs, 1, n_outputs,
                                         shapes, message, sizeof message);
    if (status != AIMRT_OK) {
        const aimcc_status mapped = status == AIMRT_ERR_UNSUPPORTED ? AIMCC_ERR_UNSUPPORTED
                                                                    : AIMCC_ERR_INVALID_MODEL;
        return aimcc_fail(ctx, mapped, node, onnx_type, "%s",
                          message[0] ? message : "the input shapes or attributes are invalid");
    }

    bool batched[MAX_OP_IO];
    aimcc_status result = classify_batch(ctx, module, code, node, onnx_type, n_attrs, attrs,
                                         n_inputs, inputs, n_outputs, shapes, batched);
    if (result != AIMCC_OK)
        return result;

    aimcc_op *op = aimcc_arena_alloc(module->arena, sizeof *op);
    aimcc_value **op_inputs = aimcc_arena_calloc(module->arena, (size_t)n_inputs + 1,
                                                 sizeof *op_inputs);
    aimcc_value **op_outputs = aimcc_arena_calloc(module->arena, (size_t)n_outputs,
                                                  sizeof *op_outputs);
    aimrt_attr *op_attrs = copy_attrs(module, n_attrs, attrs);
    if (!op || !op_inputs || !op_outputs || !op_attrs)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, node, onnx_type, "out of memory creating the op");

    op->id = module->next_op_id++;
    op->code = code;
    op->node = aimcc_arena_strdup(module->arena, node ? node : "");
    op->onnx_type = aimcc_arena_strdup(module->arena, onnx_type ? onnx_type : "");
    op->n_inputs = n_inputs;
    op->inputs = op_inputs;
    op->n_outputs = n_outputs;
    op->outputs = op_outputs;
    op->n_attrs = n_attrs;
    op->attrs = op_attrs;
    op->n_replicas = 1;
    for (int i = 0; i < n_inputs; i++) {
        op_inputs[i] = inputs[i];
        if (inputs[i])
            inputs[i]->n_uses++;
    }

    result = create_outputs(ctx, module, op, shapes, batched, output_names);
    if (result != AIMCC_OK)
        return result;
    link_op(module, op, before);
    if (out)
        *out = op;
    return AIMCC_OK;
}
