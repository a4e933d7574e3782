/* SPDX-License-Identifier: MIT */
/*
 * Test interpreter for IR modules: one tensor per value id, constants viewed
 * in place, op outputs allocated at the shapes aimrt_op_infer gives for the
 * tensors actually fed.
 */
#include "test_ir_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_MAX_IO 64

typedef struct eval_state {
    const aimcc_module *module;
    aimrt_tensor *tensors; /* by value id */
    bool *owned;           /* tensors[id].data was allocated here */
    char *message;
    size_t size;
} eval_state;

static bool bind_inputs(eval_state *state, const test_tensor *inputs, int n_inputs)
{
    const aimcc_module *module = state->module;
    if (n_inputs != module->n_inputs) {
        snprintf(state->message, state->size, "the module has %d inputs but %d were given",
                 module->n_inputs, n_inputs);
        return false;
    }
    for (int i = 0; i < n_inputs; i++) {
        const aimcc_value *value = module->inputs[i];
        const aimrt_tensor *fed = &inputs[i].tensor;
        bool same = fed->dtype == value->dtype && fed->rank == value->rank;
        for (int d = value->batched ? 1 : 0; same && d < value->rank; d++)
            same = fed->dims[d] == value->dims[d];
        if (!same) {
            snprintf(state->message, state->size,
                     "input %d \"%s\" does not match the module's dtype and shape", i,
                     value->name ? value->name : "");
            return false;
        }
        state->tensors[value->id] = *fed;
    }
    return true;
}

/* Runs one op, allocating its outputs. */
static bool run_op(eval_state *state, const aimcc_op *op)
{
    aimrt_tensor inputs[EVAL_MAX_IO];
    aimrt_tensor outputs[EVAL_MAX_IO];
    if (op->n_inputs > EVAL_MAX_IO || op->n_outputs > EVAL_MAX_IO)
        return false;
    for (int i = 0; i < op->n_inputs; i++) {
        memset(&inputs[i], 0, sizeof inputs[i]);
        if (op->inputs[i] == NULL)
            continue;
        inputs[i] = state->tensors[op->inputs[i]->id];
        if (inputs[i].data == NULL) {
            snprintf(state->message, state->size, "op %d (%s, node \"%s\"): input %d is not computed",
                     op->id, aimrt_op_name(op->code), op->node ? op->node : "", i);
            return false;
        }
    }
    memset(outputs, 0, sizeof outputs);
    char reason[256] = "";
    aimrt_op_call call = {
        .op = op->code, .n_attrs = op->n_attrs, .attrs = op->attrs, .n_inputs = op->n_inputs,
        .inputs = inputs, .n_outputs = op->n_outputs, .outputs = outputs, .message = reason,
        .message_size = sizeof reason,
    };
    aimrt_status status = aimrt_op_infer(&call);
    for (int i = 0; status == AIMRT_OK && i < op->n_outputs; i++) {
        int64_t count = 0;
        aimrt_shape_count(outputs[i].rank, outputs[i].dims, 1, &count);
        outputs[i].data = calloc((size_t)count * aimrt_dtype_size(outputs[i].dtype) + 1, 1);
        state->tensors[op->outputs[i]->id] = outputs[i];
        state->owned[op->outputs[i]->id] = true;
    }
    void *scratch = NULL;
    if (status == AIMRT_OK) {
        scratch = calloc(aimrt_op_scratch_size(&call) + 1, 1);
        status = aimrt_op_run(&call, scratch);
        free(scratch);
    }
    if (status != AIMRT_OK)
        snprintf(state->message, state->size, "op %d (%s, node \"%s\") failed: %s", op->id,
                 aimrt_op_name(op->code), op->node ? op->node : "", reason);
    return status == AIMRT_OK;
}

static bool copy_outputs(eval_state *state, test_tensor *outputs, int max_outputs)
{
    const aimcc_module *module = state->module;
    if (module->n_outputs > max_outputs) {
        snprintf(state->message, state->size, "the module has %d outputs, more than %d",
                 module->n_outputs, max_outputs);
        return false;
    }
    for (int i = 0; i < module->n_outputs; i++) {
        const aimcc_value *value = module->outputs[i];
        const aimrt_tensor *tensor = &state->tensors[value->id];
        if (tensor->data == NULL ||
            !test_tensor_alloc(&outputs[i], value->name ? value->name : "", tensor->dtype,
                               tensor->rank, tensor->dims)) {
            snprintf(state->message, state->size, "output %d was not computed", i);
            return false;
        }
        const size_t bytes =
            (size_t)test_tensor_count(tensor) * aimrt_dtype_size(tensor->dtype);
        memcpy(outputs[i].tensor.data, tensor->data, bytes);
    }
    return true;
}

bool test_ir_eval(const aimcc_module *module, const test_tensor *inputs, int n_inputs,
                  test_tensor *outputs, int max_outputs, char *message, size_t size)
{
    eval_state state = {
        .module = module,
        .tensors = calloc((size_t)module->n_values + 1, sizeof(aimrt_tensor)),
        .owned = calloc((size_t)module->n_values + 1, sizeof(bool)),
        .message = message,
        .size = size,
    };
    bool ok = state.tensors != NULL && state.owned != NULL;
    for (int i = 0; ok && i < module->n_values; i++) {
        const aimcc_value *value = module->values[i];
        if (value != NULL && value->kind == AIMCC_VALUE_CONST)
            state.tensors[value->id] = aimcc_ir_value_tensor(value);
    }
    ok = ok && bind_inputs(&state, inputs, n_inputs);
    for (const aimcc_op *op = module->first; ok && op != NULL; op = op->next)
        ok = run_op(&state, op);
    ok = ok && copy_outputs(&state, outputs, max_outputs);

    for (int i = 0; state.owned != NULL && i < module->n_values; i++) {
        if (state.owned[i])
            free(state.tensors[i].data);
    }
    free(state.tensors);
    free(state.owned);
    return ok;
}
