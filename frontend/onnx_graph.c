/* SPDX-License-Identifier: MIT */
/*
 * Validation of an ONNX graph before any lowering: node names, one definition
 * per tensor name, inputs and graph outputs defined, and the branch that each
 * If with a constant condition takes (validated the same way, reading outer
 * names by scope). Unsupported ops are collected over the whole model and
 * reported once; onnx_sort.c puts the nodes in topological order.
 */
#include "frontend/onnx_graph.h"

#include <string.h>

int onnx_node_is_default_domain(const Onnx__NodeProto *node)
{
    return !node->domain || !node->domain[0] || !strcmp(node->domain, "ai.onnx");
}

static const char *text_or_empty(const char *text)
{
    return text ? text : "";
}

static aimcc_status fail_nomem(plan_state *state)
{
    return aimcc_fail(state->import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                      "out of memory while validating the graph");
}

aimcc_status onnx_plan_add_outer_name(plan_state *state, onnx_plan *plan, const char *name)
{
    if (plan->n_outer_names == plan->outer_capacity) {
        const int capacity = plan->outer_capacity ? 2 * plan->outer_capacity : 8;
        const char **names = aimcc_arena_calloc(state->import->arena, (size_t)capacity,
                                                sizeof *names);
        if (!names)
            return fail_nomem(state);
        if (plan->n_outer_names)
            memcpy(names, plan->outer_names, (size_t)plan->n_outer_names * sizeof *names);
        plan->outer_names = names;
        plan->outer_capacity = capacity;
    }
    plan->outer_names[plan->n_outer_names++] = name;
    return AIMCC_OK;
}

/* Names every node: its own name, else its first output, else OpType_N by position. */
static aimcc_status name_nodes(plan_state *state, const Onnx__GraphProto *graph,
                               const char **names)
{
    for (size_t i = 0; i < graph->n_node; i++) {
        const Onnx__NodeProto *node = graph->node[i];
        if (!node->op_type || !node->op_type[0])
            return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                              "node %zu of graph '%s' has no op_type; re-export the model", i,
                              text_or_empty(graph->name));
        if (node->name && node->name[0])
            names[i] = aimcc_arena_strdup(state->import->arena, node->name);
        else if (node->n_output > 0 && node->output[0][0])
            names[i] = aimcc_arena_strdup(state->import->arena, node->output[0]);
        else
            names[i] = aimcc_arena_printf(state->import->arena, "%s_%zu", node->op_type, i);
        if (!names[i])
            return fail_nomem(state);
    }
    return AIMCC_OK;
}

/* Describes what defines a name, for messages about duplicates. */
static const char *describe_definition(plan_state *state, const onnx_definition *definition)
{
    if (definition->node)
        return aimcc_arena_printf(state->import->arena, "node \"%s\" (%s)", definition->node_name,
                                  definition->node->op_type);
    return definition->initializer ? "an initializer" : "a graph input";
}

static aimcc_status fail_duplicate(plan_state *state, const char *name,
                                   const onnx_definition *first, const char *second,
                                   const char *node_name, const char *op_type)
{
    return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, op_type,
                      "tensor '%s' is defined twice, by %s and by %s; every tensor needs "
                      "exactly one producer, so rename one of them or fix the exporter",
                      name, describe_definition(state, first), second);
}

static aimcc_status define_inputs(plan_state *state, const Onnx__GraphProto *graph,
                                  onnx_name_map *definitions)
{
    for (size_t i = 0; i < graph->n_input; i++) {
        const char *name = graph->input[i]->name;
        if (!name || !name[0])
            return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                              "graph input %zu has no name; re-export the model", i);
        const onnx_definition *first = onnx_name_map_find_local(definitions, name);
        if (first)
            return fail_duplicate(state, name, first, "another graph input", NULL, NULL);
        onnx_definition *definition = aimcc_arena_alloc(state->import->arena, sizeof *definition);
        if (!definition || onnx_name_map_put(definitions, name, definition) != AIMCC_OK)
            return fail_nomem(state);
        definition->is_input = true;
        definition->node_index = -1;
    }
    return AIMCC_OK;
}

/* Initializers may repeat a graph input's name (IR version 3 models list every
 * weight as an input), but not another initializer or an outer name. */
static aimcc_status define_initializers(plan_state *state, const Onnx__GraphProto *graph,
                                        onnx_name_map *definitions)
{
    if (graph->n_sparse_initializer > 0)
        return aimcc_fail(state->import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "graph '%s' has %zu sparse initializers, which aimcc does not "
                          "support; store them as dense initializers",
                          text_or_empty(graph->name), graph->n_sparse_initializer);
    for (size_t i = 0; i < graph->n_initializer; i++) {
        const Onnx__TensorProto *tensor = graph->initializer[i];
        const char *name = tensor->name;
        if (!name || !name[0])
            return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                              "initializer %zu of graph '%s' has no name; re-export the model",
                              i, text_or_empty(graph->name));
        onnx_definition *definition = onnx_name_map_find(definitions, name);
        if (definition && definition->is_input && !definition->initializer &&
            onnx_name_map_find_local(definitions, name)) {
            definition->initializer = tensor;
            continue;
        }
        if (definition)
            return fail_duplicate(state, name, definition, "an initializer", NULL, NULL);
        definition = aimcc_arena_alloc(state->import->arena, sizeof *definition);
        if (!definition || onnx_name_map_put(definitions, name, definition) != AIMCC_OK)
            return fail_nomem(state);
        definition->initializer = tensor;
        definition->node_index = -1;
    }
    return AIMCC_OK;
}

static aimcc_status define_node_outputs(plan_state *state, const Onnx__GraphProto *graph,
                                        const char *const *names, onnx_name_map *definitions)
{
    for (size_t i = 0; i < graph->n_node; i++) {
        const Onnx__NodeProto *node = graph->node[i];
        for (size_t k = 0; k < node->n_output; k++) {
            const char *name = node->output[k];
            /* An empty output name is an optional output that the model leaves out. */
            if (!name[0])
                continue;
            const onnx_definition *first = onnx_name_map_find(definitions, name);
            if (first) {
                const char *second = aimcc_arena_printf(state->import->arena, "node \"%s\" (%s)",
                                                        names[i], node->op_type);
                return fail_duplicate(state, name, first, second ? second : "a node", names[i],
                                      node->op_type);
            }
            onnx_definition *definition = aimcc_arena_alloc(state->import->arena,
                                                            sizeof *definition);
            if (!definition || onnx_name_map_put(definitions, name, definition) != AIMCC_OK)
                return fail_nomem(state);
            definition->node = node;
            definition->node_name = names[i];
            definition->node_index = (int)i;
        }
    }
    return AIMCC_OK;
}

/* Checks that every input names a tensor in scope; an empty name is an absent
 * optional input. Inputs defined by an enclosing graph are recorded. */
static aimcc_status check_node_inputs(plan_state *state, onnx_plan *plan, size_t index)
{
    const Onnx__NodeProto *node = plan->graph->node[index];
    for (size_t k = 0; k < node->n_input; k++) {
        const char *name = node->input[k];
        if (!name[0])
            continue;
        if (onnx_name_map_find_local(plan->definitions, name))
            continue;
        if (!onnx_name_map_find(plan->definitions, name))
            return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL,
                              state->original_names[index], node->op_type,
                              "input '%s' is not produced by any node and is not a graph input "
                              "or initializer; fix the exporter or add the missing tensor",
                              name);
        aimcc_status status = onnx_plan_add_outer_name(state, plan, name);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

static aimcc_status check_graph_outputs(plan_state *state, onnx_plan *plan, const char *where)
{
    const Onnx__GraphProto *graph = plan->graph;
    for (size_t i = 0; i < graph->n_output; i++) {
        const char *name = graph->output[i]->name;
        if (!name || !name[0])
            return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                              "%s %zu has no name; re-export the model", where, i);
        if (onnx_name_map_find_local(plan->definitions, name))
            continue;
        if (!onnx_name_map_find(plan->definitions, name))
            return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                              "%s '%s' is not produced by any node and is not a graph input or "
                              "initializer; fix the exporter or remove the output",
                              where, name);
        aimcc_status status = onnx_plan_add_outer_name(state, plan, name);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

aimcc_status onnx_plan_graph(plan_state *state, const Onnx__GraphProto *graph,
                             onnx_name_map *parent, const char *output_label, onnx_plan **out)
{
    onnx_import *import = state->import;
    const size_t n = graph->n_node;
    aimcc_status status = onnx_limit_add_nodes(import, graph->name, parent != NULL, n);
    if (status != AIMCC_OK)
        return status;
    onnx_plan *plan = aimcc_arena_alloc(import->arena, sizeof *plan);
    const char **names = aimcc_arena_calloc(import->arena, n, sizeof *names);
    if (!plan || !names)
        return fail_nomem(state);
    plan->graph = graph;
    plan->definitions = onnx_name_map_create(import->arena, parent);
    plan->branches = aimcc_arena_calloc(import->arena, n, sizeof *plan->branches);
    if (!plan->definitions || !plan->branches)
        return fail_nomem(state);

    /* Only the main graph has inputs; branches of If take none. */
    const char *const *saved_names = state->original_names;
    state->original_names = names;
    status = name_nodes(state, graph, names);
    if (status == AIMCC_OK && !parent)
        status = define_inputs(state, graph, plan->definitions);
    if (status == AIMCC_OK)
        status = define_initializers(state, graph, plan->definitions);
    if (status == AIMCC_OK)
        status = define_node_outputs(state, graph, names, plan->definitions);
    for (size_t i = 0; status == AIMCC_OK && i < n; i++) {
        status = check_node_inputs(state, plan, i);
        if (status == AIMCC_OK)
            status = onnx_plan_classify_node(state, plan, i);
    }
    if (status == AIMCC_OK)
        status = check_graph_outputs(state, plan, output_label);
    if (status == AIMCC_OK)
        status = onnx_plan_sort(state, plan, names);
    state->original_names = saved_names;
    *out = plan;
    return status;
}

aimcc_status onnx_plan_model(onnx_import *import, const Onnx__ModelProto *model, onnx_plan **out)
{
    plan_state state = {.import = import, .model = model};
    aimcc_status status = onnx_plan_graph(&state, model->graph, NULL, "graph output", out);
    if (status == AIMCC_OK)
        status = onnx_plan_report_unsupported(&state);
    return status;
}
