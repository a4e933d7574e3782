/* SPDX-License-Identifier: MIT */
/*
 * Semantic checks of a parsed program. They cover graph inputs and outputs,
 * tensor ids, single assignment (every activation written once, before it is
 * read) and attribute keys. Each op's shapes are checked with aimrt_op_infer
 * at batch 1 and 2 (quantized LINEAR ops by program_plan.c), then LINEAR
 * plans and blocks, tile levels and the activation arena.
 */
#include <stdio.h>
#include <stdlib.h>

#include "program_internal.h"

void program_tensor_view(const aimrt_program *program, int32_t id, int64_t batch,
                         aimrt_tensor *view)
{
    const program_tensor *t = &program->tensors[id];
    view->dtype = t->dtype;
    view->rank = t->rank;
    memcpy(view->dims, t->dims, sizeof view->dims);
    if (t->batched)
        view->dims[0] = batch;
    view->data = (void *)t->data;
}

static aimrt_status check_graph_io(const aimrt_program *program, uint8_t *listed,
                                   aimrt_error *error)
{
    for (int i = 0; i < program->n_inputs; i++) {
        const int32_t id = program->inputs[i];
        if (id < 0 || id >= program->n_tensors ||
            program->tensors[id].kind != AIMRT_TENSOR_INPUT || listed[id])
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section code: graph input %d names tensor %d, which is out "
                                   "of range, not an input or listed twice", i, id);
        listed[id] = 1;
    }
    for (int32_t id = 0; id < program->n_tensors; id++) {
        if (program->tensors[id].kind == AIMRT_TENSOR_INPUT && !listed[id])
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": an input missing from the graph inputs",
                                   id, program->tensors[id].name);
    }
    for (int i = 0; i < program->n_outputs; i++) {
        const int32_t id = program->outputs[i];
        if (id < 0 || id >= program->n_tensors ||
            program->tensors[id].kind == AIMRT_TENSOR_WEIGHT)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section code: graph output %d names tensor %d, which is out "
                                   "of range or a tile weight", i, id);
        listed[id] |= 2;
    }
    for (int32_t id = 0; id < program->n_tensors; id++) {
        if (program->tensors[id].kind == AIMRT_TENSOR_OUTPUT && !(listed[id] & 2))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": an output missing from the graph outputs",
                                   id, program->tensors[id].name);
    }
    return AIMRT_OK;
}

/* Checks op index's tensor ids and their kinds, then marks its outputs
 * as written. */
static aimrt_status check_dataflow(const aimrt_program *program, int index, uint8_t *written,
                                   aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    for (int i = 0; i < op->n_inputs; i++) {
        const int32_t id = op->inputs[i];
        if (id == -1)
            continue;
        if (id < 0 || id >= program->n_tensors || !written[id])
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\": input %d names tensor %d, which is out of "
                                   "range or read before it is written",
                                   index, op->node, i, id);
        const bool is_weight = program->tensors[id].kind == AIMRT_TENSOR_WEIGHT;
        const bool weight_slot = op->code == AIMRT_OP_LINEAR && i == 1;
        if (is_weight != weight_slot)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\": input %d \"%s\": a tile weight must be, and "
                                   "only be, input 1 of a linear op",
                                   index, op->node, i, program->tensors[id].name);
    }
    for (int i = 0; i < op->n_outputs; i++) {
        const int32_t id = op->outputs[i];
        if (id < 0 || id >= program->n_tensors || written[id] ||
            (program->tensors[id].kind != AIMRT_TENSOR_ACTIVATION &&
             program->tensors[id].kind != AIMRT_TENSOR_OUTPUT))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\": output %d names tensor %d, which is out of "
                                   "range, not an activation or written twice",
                                   index, op->node, i, id);
        written[id] = 1;
    }
    for (int i = 0; i < op->n_attrs; i++) {
        for (int j = 0; j < i; j++) {
            if (op->attrs[i].key == op->attrs[j].key)
                return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                       "op %d \"%s\": attribute %s appears twice", index,
                                       op->node, aimrt_attr_key_name(op->attrs[i].key));
        }
    }
    if ((op->code == AIMRT_OP_LINEAR) != (op->n_blocks > 0))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": %d tile blocks, but a linear op needs at least "
                               "one and other ops none", index, op->node, op->n_blocks);
    return AIMRT_OK;
}

static bool same_shape(const aimrt_tensor *a, const aimrt_tensor *b)
{
    return a->dtype == b->dtype && a->rank == b->rank &&
           memcmp(a->dims, b->dims, (size_t)a->rank * sizeof a->dims[0]) == 0;
}

/* Runs aimrt_op_infer on op index at batch and compares with the declared outputs. */
static aimrt_status check_shapes(const aimrt_program *program, int index, int64_t batch,
                                 aimrt_tensor *views, aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    if (op->quantized) {
        const aimrt_status status = program_check_quantized_shapes(program, index, batch, error);
        if (status != AIMRT_OK || batch != 1)
            return status;
        return program_check_linear(program, index, error);
    }
    aimrt_tensor *inputs = views;
    aimrt_tensor *outputs = views + op->n_inputs;
    for (int i = 0; i < op->n_inputs; i++) {
        if (op->inputs[i] == -1)
            inputs[i] = (aimrt_tensor){.dtype = AIMRT_DTYPE_UNDEFINED};
        else
            program_tensor_view(program, op->inputs[i], batch, &inputs[i]);
    }
    memset(outputs, 0, (size_t)op->n_outputs * sizeof *outputs);

    char reason[256] = "";
    aimrt_op_call call = {op->code,  op->n_attrs, op->attrs, op->n_inputs,   inputs,
                          op->n_outputs, outputs, reason, sizeof reason};
    if (aimrt_op_infer(&call) != AIMRT_OK)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\" (%s) at batch %lld: %s", index, op->node,
                               aimrt_op_name(op->code), (long long)batch, reason);
    for (int i = 0; i < op->n_outputs; i++) {
        aimrt_tensor declared;
        program_tensor_view(program, op->outputs[i], batch, &declared);
        if (!same_shape(&outputs[i], &declared))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\" (%s) at batch %lld: output %d \"%s\" is declared "
                                   "with another dtype or shape than the op computes",
                                   index, op->node, aimrt_op_name(op->code), (long long)batch, i,
                                   program->tensors[op->outputs[i]].name);
    }
    if (op->code == AIMRT_OP_LINEAR && (op->n_inputs < 2 || inputs[1].rank != 2))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": a linear op needs a rank-2 weight as input 1",
                               index, op->node);
    if (op->code == AIMRT_OP_LINEAR && batch == 1)
        return program_check_linear(program, index, error);
    return AIMRT_OK;
}

static aimrt_status check_op(const aimrt_program *program, int index, uint8_t *written,
                             aimrt_tensor *views, aimrt_error *error)
{
    aimrt_status status = check_dataflow(program, index, written, error);
    if (status == AIMRT_OK)
        status = check_shapes(program, index, 1, views, error);
    if (status == AIMRT_OK && program->batched)
        status = check_shapes(program, index, 2, views, error);
    return status;
}

aimrt_status program_check_ops(aimrt_program *program, aimrt_error *error)
{
    /* Batched tensors must stay valid at batch 2, which check_shapes uses. */
    for (int32_t id = 0; id < program->n_tensors; id++) {
        aimrt_tensor view;
        int64_t count;
        program_tensor_view(program, id, 1, &view);
        if (program->tensors[id].batched &&
            !aimrt_shape_count(view.rank, view.dims, 2 * aimrt_dtype_size(view.dtype), &count))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": too large to be batched", id,
                                   program->tensors[id].name);
    }

    int max_views = 1;
    for (int i = 0; i < program->n_ops; i++) {
        const int n = program->ops[i].n_inputs + program->ops[i].n_outputs;
        max_views = n > max_views ? n : max_views;
    }
    uint8_t *written = calloc((size_t)program->n_tensors + 1, 1);
    aimrt_tensor *views = calloc((size_t)max_views, sizeof *views);
    aimrt_status status = AIMRT_OK;
    if (!written || !views) {
        status = aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory checking the program");
        goto cleanup;
    }

    status = check_graph_io(program, written, error);
    if (status != AIMRT_OK)
        goto cleanup;
    for (int32_t id = 0; id < program->n_tensors; id++) {
        const int kind = program->tensors[id].kind;
        written[id] = kind == AIMRT_TENSOR_INPUT || kind == AIMRT_TENSOR_CONST ||
                      kind == AIMRT_TENSOR_WEIGHT;
    }
    for (int i = 0; i < program->n_ops && status == AIMRT_OK; i++)
        status = check_op(program, i, written, views, error);
    if (status == AIMRT_OK)
        status = program_check_levels(program, error);
    if (status == AIMRT_OK)
        status = program_check_arena(program, error);
    for (int i = 0; i < program->n_outputs && status == AIMRT_OK; i++) {
        if (!written[program->outputs[i]])
            status = aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                     "section code: graph output %d \"%s\" is never written", i,
                                     program->tensors[program->outputs[i]].name);
    }

cleanup:
    free(written);
    free(views);
    return status;
}
