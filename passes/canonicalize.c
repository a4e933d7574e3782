/* SPDX-License-Identifier: MIT */
/*
 * The canonicalize pass, the first after import. It removes identities and
 * turns Gemm and MatMul with a constant weight into LINEAR. It folds
 * BatchNormalization into the Conv or LINEAR before it, lowers Conv with a
 * constant weight to IM2COL + LINEAR per group, and removes dead ops.
 */
#include "passes/canonicalize.h"

#include "passes/finite_weights.h"

#include <string.h>

bool aimcc_canon_is_float_const(const aimcc_value *value)
{
    return value != NULL && value->kind == AIMCC_VALUE_CONST && value->data != NULL &&
           value->dtype == AIMRT_DTYPE_FLOAT;
}

aimcc_status aimcc_canon_add_const(aimcc_ctx *ctx, aimcc_module *module, const aimcc_op *op,
                                   const char *name, int rank, const int64_t *dims,
                                   const float *data, aimcc_value **out)
{
    *out = aimcc_ir_value_add(module, name, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, rank, dims,
                              data);
    if (*out == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                          "out of memory adding the constant %s", name != NULL ? name : "");
    return AIMCC_OK;
}

void aimcc_canon_take_over(aimcc_module *module, aimcc_value *old_value, aimcc_value *new_value)
{
    aimcc_ir_value_replace_uses(module, old_value, new_value);
    /* The replacement computes the same tensor, so it carries the ONNX name
     * that dumps, outputs and messages show. */
    if (old_value->name != NULL && new_value->name == NULL) {
        new_value->name = old_value->name;
        old_value->name = NULL;
    }
}

void aimcc_canon_log_digital(const aimcc_op *op, const char *reason)
{
    AIMCC_LOG(AIMCC_LOG_INFO, AIMCC_CANON_PASS, op->node,
              "%s: the product stays a digital %s run with OpenBLAS because %s",
              op->onnx_type != NULL ? op->onnx_type : "op", aimrt_op_name(op->code), reason);
}

/* Removes an IDENTITY by handing its uses to its input. */
static void remove_identity(aimcc_module *module, aimcc_op *op)
{
    aimcc_value *in = op->inputs[0];
    aimcc_value *out = op->outputs[0];
    /* A graph output that would become a graph input or a constant keeps its
     * copy, so every output of the program is a buffer of its own. */
    if (out->is_output && in->kind != AIMCC_VALUE_ACTIVATION)
        return;
    if (out->is_output && in->is_output)
        return;
    aimcc_ir_value_replace_uses(module, out, in);
    aimcc_ir_op_remove(module, op);
}

static bool is_dead(const aimcc_op *op)
{
    for (int i = 0; i < op->n_outputs; i++)
        if (op->outputs[i]->n_uses > 0 || op->outputs[i]->is_output)
            return false;
    return true;
}

/* Removes ops whose outputs no op reads and no graph output names. Walking backwards removes a whole
 * dead chain in one sweep, because removing an op drops the uses of its
 * inputs, whose producers come earlier. */
static void remove_dead_ops(aimcc_module *module)
{
    for (aimcc_op *op = module->last; op != NULL;) {
        aimcc_op *prev = op->prev;
        if (is_dead(op))
            aimcc_ir_op_remove(module, op);
        op = prev;
    }
}

typedef aimcc_status (*rewrite_fn)(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op);

/* Applies rewrite to every op with this code, in order. A rewrite inserts its
 * replacement before op and removes op, so the saved next op stays valid. */
static aimcc_status rewrite_all(aimcc_ctx *ctx, aimcc_module *module, aimrt_op code,
                                rewrite_fn rewrite)
{
    for (aimcc_op *op = module->first; op != NULL;) {
        aimcc_op *next = op->next;
        if (op->code == code) {
            const aimcc_status status = rewrite(ctx, module, op);
            if (status != AIMCC_OK)
                return status;
        }
        op = next;
    }
    return AIMCC_OK;
}

/* Checks the constant weights of Gemm, MatMul and Conv as the model gives
 * them, so a message shows the ONNX tensor and its own index. */
static aimcc_status check_model_weights(aimcc_ctx *ctx, const aimcc_module *module)
{
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        if ((op->code != AIMRT_OP_GEMM && op->code != AIMRT_OP_MATMUL &&
             op->code != AIMRT_OP_CONV) ||
            op->n_inputs < 2)
            continue;
        const aimcc_status status =
            aimcc_check_finite_weight(ctx, op, op->inputs[1], "the weight tensor");
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

static aimcc_status canonicalize_run(aimcc_module *module, aimcc_ctx *ctx)
{
    for (aimcc_op *op = module->first; op != NULL;) {
        aimcc_op *next = op->next;
        if (op->code == AIMRT_OP_IDENTITY && op->n_inputs == 1 && op->n_outputs == 1)
            remove_identity(module, op);
        op = next;
    }

    /* Gemm and MatMul become LINEAR first, so BatchNormalization folds into
     * LINEAR and CONV alike; CONV is lowered after folding. */
    aimcc_status status = check_model_weights(ctx, module);
    if (status == AIMCC_OK)
        status = rewrite_all(ctx, module, AIMRT_OP_GEMM, aimcc_canon_lower_gemm);
    if (status == AIMCC_OK)
        status = rewrite_all(ctx, module, AIMRT_OP_MATMUL, aimcc_canon_lower_matmul);
    if (status == AIMCC_OK)
        status = rewrite_all(ctx, module, AIMRT_OP_BATCH_NORM, aimcc_canon_fold_batch_norm);
    if (status == AIMCC_OK)
        status = rewrite_all(ctx, module, AIMRT_OP_CONV, aimcc_canon_lower_conv);
    if (status != AIMCC_OK)
        return status;

    remove_dead_ops(module);
    /* Folding can turn finite constants into non-finite weights, such as a
     * BatchNormalization whose variance plus epsilon is zero or negative. */
    return aimcc_check_finite_linear_weights(
        ctx, module, "the linear weight [inputs, outputs] folded from the model's constants");
}

const aimcc_pass aimcc_pass_canonicalize = {
    .name = "canonicalize",
    .summary = "fold BatchNormalization, turn constant-weight Gemm, MatMul and Conv into "
               "linear, remove identities and dead ops",
    .run = canonicalize_run,
    .requires = AIMCC_PROP_IMPORTED,
    .provides = AIMCC_PROP_CANONICAL,
};
