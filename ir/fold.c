/* SPDX-License-Identifier: MIT */
/*
 * Constant folding of one op: when every input is known at compile time the
 * runtime kernel runs now and its outputs become constants. The frontend
 * calls it after creating each op, so shape chains fold as they are read.
 */
#include "ir/ir.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FOLD_IO 64

static bool inputs_constant(const aimcc_op *op)
{
    if (op->n_inputs > MAX_FOLD_IO || op->n_outputs > MAX_FOLD_IO)
        return false;
    for (int i = 0; i < op->n_inputs; i++) {
        const aimcc_value *input = op->inputs[i];
        if (input && (input->kind != AIMCC_VALUE_CONST || !input->data || input->batched))
            return false;
    }
    return true;
}

static aimcc_status fold_run(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op,
                             aimrt_tensor *outputs)
{
    aimrt_tensor inputs[MAX_FOLD_IO];
    for (int i = 0; i < op->n_inputs; i++) {
        if (op->inputs[i])
            inputs[i] = aimcc_ir_value_tensor(op->inputs[i]);
        else
            memset(&inputs[i], 0, sizeof inputs[i]);
    }
    for (int i = 0; i < op->n_outputs; i++) {
        outputs[i] = aimcc_ir_value_tensor(op->outputs[i]);
        /* One extra byte keeps zero-size outputs at a valid address. */
        outputs[i].data = aimcc_arena_alloc(module->arena, aimcc_ir_value_bytes(op->outputs[i]) + 1);
        if (!outputs[i].data)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                              "out of memory folding a constant");
    }

    char message[256] = "";
    aimrt_op_call call = {
        .op = op->code, .n_attrs = op->n_attrs, .attrs = op->attrs, .n_inputs = op->n_inputs,
        .inputs = inputs, .n_outputs = op->n_outputs, .outputs = outputs, .message = message,
        .message_size = sizeof message,
    };
    const size_t scratch_size = aimrt_op_scratch_size(&call);
    void *scratch = scratch_size ? malloc(scratch_size) : NULL;
    if (scratch_size && !scratch)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                          "out of memory folding a constant (%zu bytes of scratch)", scratch_size);
    const aimrt_status status = aimrt_op_run(&call, scratch);
    free(scratch);
    if (status != AIMRT_OK)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, op->node, op->onnx_type,
                          "computing this constant at compile time failed: %s",
                          message[0] ? message : aimrt_status_name(status));
    return AIMCC_OK;
}

aimcc_status aimcc_ir_fold_op(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op, bool *folded)
{
    *folded = false;
    if (!inputs_constant(op))
        return AIMCC_OK;

    aimrt_tensor outputs[MAX_FOLD_IO];
    const aimcc_status status = fold_run(ctx, module, op, outputs);
    if (status != AIMCC_OK)
        return status;

    for (int i = 0; i < op->n_outputs; i++) {
        aimcc_value *value = op->outputs[i];
        value->kind = AIMCC_VALUE_CONST;
        value->data = outputs[i].data;
        value->producer = NULL;
        value->batched = false;
    }
    aimcc_ir_op_remove(module, op);
    *folded = true;
    return AIMCC_OK;
}
