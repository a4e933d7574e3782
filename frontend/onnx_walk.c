/* SPDX-License-Identifier: MIT */
/*
 * Lowering of a validated plan: each node, in topological order, goes to its
 * lowering rule (onnx_lower_node). An If with a constant condition is inlined:
 * its branch is lowered in a nested scope that reads outer names, and an
 * Identity op binds each branch output to the If's output.
 */
#include "frontend/onnx_frontend.h"

/* Checks that a lowering rule bound every output the node declares. */
static aimcc_status check_outputs_bound(onnx_import *import, const Onnx__NodeProto *node,
                                        const char *node_name)
{
    for (size_t k = 0; k < node->n_output; k++) {
        if (node->output[k][0] && !onnx_import_lookup(import, node->output[k]))
            return aimcc_fail(import->ctx, AIMCC_ERR_INTERNAL, node_name, node->op_type,
                              "lowering left output '%s' unbound", node->output[k]);
    }
    return AIMCC_OK;
}

/* Gives the If's output its own name with an Identity of the branch output,
 * so graph outputs keep the names the model declares. */
static aimcc_status bind_if_output(onnx_import *import, const Onnx__NodeProto *node,
                                   const char *node_name, const char *name, aimcc_value *source)
{
    aimcc_op *op = NULL;
    const char *output_names[1] = {name};
    aimcc_status status = aimcc_ir_op_create(import->ctx, import->module, NULL, AIMRT_OP_IDENTITY,
                                             node_name, node->op_type, 1, &source, 0, NULL, 1,
                                             output_names, &op);
    if (status != AIMCC_OK)
        return status;
    aimcc_value *value = op->outputs[0];
    if (source->kind == AIMCC_VALUE_CONST) {
        bool folded = false;
        status = aimcc_ir_fold_op(import->ctx, import->module, op, &folded);
        if (status != AIMCC_OK)
            return status;
    }
    return onnx_import_bind(import, name, value, node_name, node->op_type);
}

static aimcc_status inline_if(onnx_import *import, const Onnx__NodeProto *node,
                              const char *node_name, const onnx_plan *branch)
{
    const Onnx__GraphProto *graph = branch->graph;
    aimcc_value **results = aimcc_arena_calloc(import->arena, graph->n_output + 1, sizeof *results);
    onnx_name_map *outer = import->scope;
    onnx_name_map *inner = onnx_name_map_create(import->arena, outer);
    if (!results || !inner)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, node_name, node->op_type,
                          "out of memory inlining the If branch");

    /* Names the branch defines live in its own scope, so sibling branches may reuse them. */
    import->scope = inner;
    aimcc_status status = onnx_import_initializers(import, branch);
    if (status == AIMCC_OK)
        status = onnx_lower_plan(import, branch);
    for (size_t k = 0; status == AIMCC_OK && k < graph->n_output; k++)
        results[k] = onnx_import_lookup(import, graph->output[k]->name);
    import->scope = outer;

    for (size_t k = 0; status == AIMCC_OK && k < node->n_output; k++) {
        if (!node->output[k][0])
            continue;
        if (!results[k])
            return aimcc_fail(import->ctx, AIMCC_ERR_INTERNAL, node_name, node->op_type,
                              "branch output '%s' has no value", graph->output[k]->name);
        status = bind_if_output(import, node, node_name, node->output[k], results[k]);
    }
    return status;
}

aimcc_status onnx_lower_plan(onnx_import *import, const onnx_plan *plan)
{
    for (int i = 0; i < plan->n_nodes; i++) {
        const Onnx__NodeProto *node = plan->nodes[i];
        const char *node_name = plan->node_names[i];
        aimcc_status status;
        if (plan->branches[i])
            status = inline_if(import, node, node_name, plan->branches[i]);
        else
            status = onnx_lower_node(import, node, node_name);
        /* A rule that fails without a diagnostic still leaves one that names the node. */
        if (status != AIMCC_OK && aimcc_ctx_diag(import->ctx)->status == AIMCC_OK)
            aimcc_fail(import->ctx, status, node_name, node->op_type, "lowering failed (%s)",
                       aimcc_status_name(status));
        if (status == AIMCC_OK)
            status = check_outputs_bound(import, node, node_name);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}
