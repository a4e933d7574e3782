/* SPDX-License-Identifier: MIT */
/*
 * Topological order of a graph's nodes. ONNX requires sorted nodes, but some
 * exporters write them in another order, and onnxruntime accepts those. This
 * file sorts them with Kahn's algorithm, taking ready nodes in file order (a
 * min-heap of positions), so a sorted graph keeps its order. A cycle is an
 * error that names a node on it.
 */
#include "frontend/onnx_graph.h"

#include <string.h>

/* Node `to` reads tensor `name`, which node `from` of the same graph produces. */
typedef struct edge {
    int from;
    int to;
    const char *name;
} edge;

/* Adds an edge when a local node produces name; counts only when edges is NULL. */
static void add_edge(const onnx_plan *plan, int to, const char *name, edge *edges, int *n_edges)
{
    if (!name[0])
        return;
    const onnx_definition *definition = onnx_name_map_find_local(plan->definitions, name);
    if (!definition || !definition->node)
        return;
    if (edges)
        edges[*n_edges] = (edge){.from = definition->node_index, .to = to, .name = name};
    (*n_edges)++;
}

/* Lists the edges into each node in node order, so they come grouped by `to`.
 * An inlined If also depends on what its branch reads from this graph. */
static int collect_edges(const onnx_plan *plan, edge *edges)
{
    int n_edges = 0;
    for (size_t i = 0; i < plan->graph->n_node; i++) {
        const Onnx__NodeProto *node = plan->graph->node[i];
        for (size_t k = 0; k < node->n_input; k++)
            add_edge(plan, (int)i, node->input[k], edges, &n_edges);
        const onnx_plan *branch = plan->branches[i];
        for (int k = 0; branch && k < branch->n_outer_names; k++)
            add_edge(plan, (int)i, branch->outer_names[k], edges, &n_edges);
    }
    return n_edges;
}

static void heap_push(int *heap, int *size, int item)
{
    int i = (*size)++;
    while (i > 0 && heap[(i - 1) / 2] > item) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = item;
}

static int heap_pop(int *heap, int *size)
{
    const int top = heap[0];
    const int last = heap[--(*size)];
    int i = 0;
    for (;;) {
        int child = 2 * i + 1;
        if (child >= *size)
            break;
        if (child + 1 < *size && heap[child + 1] < heap[child])
            child++;
        if (heap[child] >= last)
            break;
        heap[i] = heap[child];
        i = child;
    }
    if (*size > 0)
        heap[i] = last;
    return top;
}

/* Names a node on a cycle. Every node left unsorted has an unsorted producer,
 * so walking producers n steps from any of them ends inside a cycle. */
static aimcc_status fail_cycle(plan_state *state, const onnx_plan *plan, const char *const *names,
                               const edge *edges, const int *first_edge, const bool *emitted)
{
    const int n = (int)plan->graph->n_node;
    int node = 0;
    while (emitted[node])
        node++;
    const edge *into = NULL;
    for (int step = 0; step <= n; step++) {
        for (int e = first_edge[node]; e < first_edge[node + 1]; e++) {
            if (!emitted[edges[e].from]) {
                into = &edges[e];
                break;
            }
        }
        node = into->from;
    }
    const Onnx__NodeProto *cycle_node = plan->graph->node[into->to];
    return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, names[into->to],
                      cycle_node->op_type,
                      "the graph has a cycle through this node: its input '%s' comes from node "
                      "\"%s\", which depends on this node's output; ONNX graphs must be acyclic, "
                      "so fix the exporter",
                      into->name, names[into->from]);
}

/* Warns once about the first node that reads a tensor produced later in the file. */
static void warn_unsorted(plan_state *state, const onnx_plan *plan, const char *const *names,
                          const edge *edges, int n_edges)
{
    for (int e = 0; e < n_edges; e++) {
        if (edges[e].from > edges[e].to) {
            AIMCC_LOG(AIMCC_LOG_WARN, "frontend", NULL,
                      "%s: nodes are not in topological order (node \"%s\" reads '%s' before "
                      "node \"%s\" produces it); sorted them",
                      state->import->file, names[edges[e].to], edges[e].name,
                      names[edges[e].from]);
            return;
        }
    }
}

aimcc_status onnx_plan_sort(plan_state *state, onnx_plan *plan, const char *const *names)
{
    aimcc_arena *arena = state->import->arena;
    const int n = (int)plan->graph->n_node;
    const int n_edges = collect_edges(plan, NULL);
    edge *edges = aimcc_arena_calloc(arena, (size_t)n_edges + 1, sizeof *edges);
    int *first_edge = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *first_edge);
    int *first_out = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *first_out);
    int *out_edges = aimcc_arena_calloc(arena, (size_t)n_edges + 1, sizeof *out_edges);
    int *waiting = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *waiting);
    int *heap = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *heap);
    bool *emitted = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *emitted);
    plan->nodes = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *plan->nodes);
    plan->node_names = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *plan->node_names);
    onnx_plan **branches = aimcc_arena_calloc(arena, (size_t)n + 1, sizeof *branches);
    if (!edges || !first_edge || !first_out || !out_edges || !waiting || !heap || !emitted ||
        !plan->nodes || !plan->node_names || !branches)
        return aimcc_fail(state->import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory sorting %d nodes", n);
    collect_edges(plan, edges);

    /* Edges in (grouped by consumer) and out (grouped by producer), as index ranges. */
    for (int e = 0; e < n_edges; e++) {
        first_edge[edges[e].to + 1]++;
        first_out[edges[e].from + 1]++;
        waiting[edges[e].to]++;
    }
    for (int i = 0; i < n; i++) {
        first_edge[i + 1] += first_edge[i];
        first_out[i + 1] += first_out[i];
    }
    int *fill = heap;
    memcpy(fill, first_out, (size_t)n * sizeof *fill);
    for (int e = 0; e < n_edges; e++)
        out_edges[fill[edges[e].from]++] = e;

    int heap_size = 0;
    for (int i = 0; i < n; i++) {
        if (waiting[i] == 0)
            heap_push(heap, &heap_size, i);
    }
    int n_sorted = 0;
    bool reordered = false;
    while (heap_size > 0) {
        const int node = heap_pop(heap, &heap_size);
        reordered |= node != n_sorted;
        emitted[node] = true;
        plan->nodes[n_sorted] = plan->graph->node[node];
        plan->node_names[n_sorted] = names[node];
        branches[n_sorted++] = plan->branches[node];
        for (int k = first_out[node]; k < first_out[node + 1]; k++) {
            const int consumer = edges[out_edges[k]].to;
            if (--waiting[consumer] == 0)
                heap_push(heap, &heap_size, consumer);
        }
    }
    if (n_sorted < n)
        return fail_cycle(state, plan, names, edges, first_edge, emitted);
    if (reordered)
        warn_unsorted(state, plan, names, edges, n_edges);
    plan->branches = branches;
    plan->n_nodes = n;
    return AIMCC_OK;
}
