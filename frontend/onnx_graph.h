/* SPDX-License-Identifier: MIT */
/*
 * Private interface of graph validation, shared by onnx_graph.c (definitions
 * and names), onnx_ops.c (supported ops, If conditions) and onnx_sort.c
 * (topological order).
 */
#ifndef AIMCC_ONNX_GRAPH_H
#define AIMCC_ONNX_GRAPH_H

#include "frontend/onnx_frontend.h"

/* The first node of one unsupported op type. */
typedef struct onnx_unsupported {
    const char *domain;        /* "" for the default domain */
    const char *op_type;
    const char *node_name;
    const char *reason;        /* extra words, or NULL */
} onnx_unsupported;

/* The state of validating one model, across its main graph and inlined branches. */
typedef struct plan_state {
    onnx_import *import;
    const Onnx__ModelProto *model;
    const char *const *original_names;  /* node names of the graph being validated, file order */
    int n_unsupported;
    int unsupported_capacity;
    onnx_unsupported *unsupported;
} plan_state;

/* Validates one graph; parent is the definitions of the enclosing graph (NULL
 * for the main graph) and output_label names its outputs in messages. */
aimcc_status onnx_plan_graph(plan_state *state, const Onnx__GraphProto *graph,
                             onnx_name_map *parent, const char *output_label, onnx_plan **out);

/* Records a name that the plan reads from an enclosing graph. */
aimcc_status onnx_plan_add_outer_name(plan_state *state, onnx_plan *plan, const char *name);

/* Records node index of the plan's graph as unsupported, or plans the branch
 * of an If with a constant condition. */
aimcc_status onnx_plan_classify_node(plan_state *state, onnx_plan *plan, size_t index);

/* Fails once, listing every unsupported op type, when there are any. */
aimcc_status onnx_plan_report_unsupported(plan_state *state);

/* Orders plan->nodes topologically (Kahn's algorithm, file order among ready
 * nodes), warning when that changed the order; rejects a cycle naming a node. */
aimcc_status onnx_plan_sort(plan_state *state, onnx_plan *plan, const char *const *names);

#endif
