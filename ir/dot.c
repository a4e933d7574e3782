/* SPDX-License-Identifier: MIT */
/*
 * The module as a Graphviz dot graph, for `aimcc ir --dot`. Each op is a node
 * labeled with its op name, ONNX node name and output shapes, and a LINEAR op
 * also with its tile kind and tiles. Graph inputs, constants and graph outputs
 * are nodes too, and each op input is an edge. Node names come from dense ids,
 * so the text is the same on every run.
 */
#include "ir/ir.h"

#include <inttypes.h>
#include <stdlib.h>

#include "ir/target.h"

/* Tiles listed by id in a LINEAR op's label; a longer list ends in "...". */
#define MAX_LISTED_TILES 8

/* Scratch of one print: which values get a leaf node, and a mark per tile. */
typedef struct dot_scratch {
    bool *is_leaf; /* by value id */
    bool *on_tile; /* by tile id */
} dot_scratch;

/* Writes text inside a dot string: quotes and backslashes escaped, control
 * bytes as spaces, and bytes outside ASCII as \xNN so the file stays ASCII. */
static void write_escaped(FILE *file, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(file, "\\%c", *c);
        else if (*c < 0x20)
            fputc(' ', file);
        else if (*c >= 0x7f)
            fprintf(file, "\\\\x%02x", *c);
        else
            fputc(*c, file);
    }
}

/* Writes "f32[N,1,28,28]"; N is the run-time batch. */
static void write_type(FILE *file, const aimcc_value *value)
{
    const char *dtype = aimrt_dtype_name(value->dtype);
    fprintf(file, "%s[", dtype ? dtype : "?");
    for (int d = 0; d < value->rank && d < AIMRT_MAX_RANK; d++) {
        if (d > 0)
            fputc(',', file);
        if (d == 0 && value->batched)
            fputc('N', file);
        else
            fprintf(file, "%" PRId64, value->dims[d]);
    }
    fputc(']', file);
}

/* Writes the dot node name of the value's source: its producer op, or the
 * value's own leaf node for graph inputs and constants. */
static void write_source(FILE *file, const aimcc_value *value)
{
    if (value->producer)
        fprintf(file, "op%d", value->producer->id);
    else
        fprintf(file, "v%d", value->id);
}

/* Writes the label lines of a LINEAR op that select-domain and map placed:
 * "\nkind pcm (current)\n2 blocks on 1 tile: @t0". */
static void write_tile_lines(FILE *file, const aimcc_module *module, const aimcc_op *op,
                             bool *on_tile)
{
    if (op->code != AIMRT_OP_LINEAR || (!op->kind_reason && op->kind == 0 && !op->plan))
        return;
    const aimcc_target *target = module->target;
    if (target && op->kind >= 0 && op->kind < target->n_kinds) {
        const aimcc_tile_kind *kind = &target->kinds[op->kind];
        fputs("\\nkind ", file);
        write_escaped(file, kind->name);
        fprintf(file, " (%s)", aimcc_domain_name(kind->domain));
    } else {
        fprintf(file, "\\nkind %d", op->kind);
    }
    if (op->n_blocks == 0)
        return;

    /* Tiles in id order, each once. */
    for (int t = 0; t < module->n_tiles; t++)
        on_tile[t] = false;
    int n_tiles = 0;
    for (int b = 0; b < op->n_blocks; b++) {
        const int t = op->blocks[b].tile;
        if (t >= 0 && t < module->n_tiles && !on_tile[t]) {
            on_tile[t] = true;
            n_tiles++;
        }
    }
    fprintf(file, "\\n%d block%s on %d tile%s:", op->n_blocks, op->n_blocks == 1 ? "" : "s",
            n_tiles, n_tiles == 1 ? "" : "s");
    int listed = 0;
    for (int t = 0; t < module->n_tiles; t++) {
        if (!on_tile[t])
            continue;
        if (listed++ == MAX_LISTED_TILES) {
            fputs(" ...", file);
            break;
        }
        fprintf(file, " @t%d", t);
    }
}

static void write_op(FILE *file, const aimcc_module *module, const aimcc_op *op, bool *on_tile)
{
    const char *name = aimrt_op_name(op->code);
    fprintf(file, "  op%d [label=\"%s \\\"", op->id, name ? name : "?");
    write_escaped(file, op->node);
    fputs("\\\"", file);
    if (op->onnx_type && op->onnx_type[0]) {
        fputs(" (", file);
        write_escaped(file, op->onnx_type);
        fputc(')', file);
    }
    for (int i = 0; i < op->n_outputs; i++) {
        if (!op->outputs[i])
            continue;
        fprintf(file, "\\n%%%d : ", op->outputs[i]->id);
        write_type(file, op->outputs[i]);
    }
    write_tile_lines(file, module, op, on_tile);
    fputs("\"", file);
    if (op->code == AIMRT_OP_LINEAR)
        fputs(", style=filled, fillcolor=lightblue", file);
    fputs("];\n", file);
}

/* Writes the node of a graph input (input_index >= 0) or of a constant. */
static void write_leaf(FILE *file, const aimcc_value *value, int input_index)
{
    fprintf(file, "  v%d [label=\"", value->id);
    if (input_index >= 0)
        fprintf(file, "input %d ", input_index);
    else
        fputs(value->kind == AIMCC_VALUE_CONST ? "const " : "value ", file);
    fprintf(file, "%%%d", value->id);
    if (value->name) {
        fputs(" $", file);
        write_escaped(file, value->name);
    }
    fputs("\\n", file);
    write_type(file, value);
    fputs(input_index >= 0 ? "\", shape=invhouse, style=filled, fillcolor=palegreen];\n"
                           : "\", shape=note, fontsize=10, color=gray40];\n",
          file);
}

/* Marks the values without a producer that an edge starts from: graph
 * inputs, op inputs and graph outputs. */
static void mark_leaves(const aimcc_module *module, bool *is_leaf)
{
    for (int i = 0; i < module->n_inputs; i++) {
        if (module->inputs[i])
            is_leaf[module->inputs[i]->id] = true;
    }
    for (const aimcc_op *op = module->first; op; op = op->next) {
        for (int i = 0; i < op->n_inputs; i++) {
            if (op->inputs[i] && !op->inputs[i]->producer)
                is_leaf[op->inputs[i]->id] = true;
        }
    }
    for (int i = 0; i < module->n_outputs; i++) {
        if (module->outputs[i] && !module->outputs[i]->producer)
            is_leaf[module->outputs[i]->id] = true;
    }
}

/* Writes the leaves: graph inputs in graph order, then the others by id. */
static void write_leaves(FILE *file, const aimcc_module *module, bool *is_leaf)
{
    for (int i = 0; i < module->n_inputs; i++) {
        const aimcc_value *value = module->inputs[i];
        if (value && is_leaf[value->id]) {
            write_leaf(file, value, i);
            is_leaf[value->id] = false; /* an input listed twice gets one node */
        }
    }
    for (int id = 0; id < module->n_values; id++) {
        if (is_leaf[id] && module->values[id])
            write_leaf(file, module->values[id], -1);
    }
}

/* Writes the graph outputs, each as a node with an edge from its source. */
static void write_outputs(FILE *file, const aimcc_module *module)
{
    for (int i = 0; i < module->n_outputs; i++) {
        const aimcc_value *value = module->outputs[i];
        if (!value)
            continue;
        const char *name = module->output_names && module->output_names[i]
                               ? module->output_names[i]
                               : value->name;
        fprintf(file, "  out%d [label=\"output %d", i, i);
        if (name) {
            fputs(" $", file);
            write_escaped(file, name);
        }
        fputs("\\n", file);
        write_type(file, value);
        fputs("\", shape=house, style=filled, fillcolor=lightsalmon];\n", file);
        fputs("  ", file);
        write_source(file, value);
        fprintf(file, " -> out%d [label=\"%%%d\"];\n", i, value->id);
    }
}

/* Writes one edge per op input, labeled with the value it carries. */
static void write_edges(FILE *file, const aimcc_module *module)
{
    for (const aimcc_op *op = module->first; op; op = op->next) {
        for (int i = 0; i < op->n_inputs; i++) {
            if (!op->inputs[i])
                continue;
            fputs("  ", file);
            write_source(file, op->inputs[i]);
            fprintf(file, " -> op%d [label=\"%%%d\"];\n", op->id, op->inputs[i]->id);
        }
    }
}

aimcc_status aimcc_ir_print_dot(aimcc_ctx *ctx, const aimcc_module *module, FILE *file)
{
    if (!module || !file)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "aimcc_ir_print_dot: module and file must not be NULL");
    dot_scratch scratch = {
        .is_leaf = calloc((size_t)module->n_values + 1, sizeof(bool)),
        .on_tile = calloc((size_t)module->n_tiles + 1, sizeof(bool)),
    };
    if (!scratch.is_leaf || !scratch.on_tile) {
        free(scratch.is_leaf);
        free(scratch.on_tile);
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory for the dot graph");
    }

    fputs("digraph \"", file);
    write_escaped(file, module->name ? module->name : "module");
    fputs("\" {\n", file);
    fputs("  node [shape=box, fontname=\"Helvetica\"];\n", file);
    fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", file);
    if (module->target_name) {
        fputs("  label=\"target ", file);
        write_escaped(file, module->target_name);
        fputs("\";\n", file);
    }
    mark_leaves(module, scratch.is_leaf);
    write_leaves(file, module, scratch.is_leaf);
    for (const aimcc_op *op = module->first; op; op = op->next)
        write_op(file, module, op, scratch.on_tile);
    write_edges(file, module);
    write_outputs(file, module);
    fputs("}\n", file);
    free(scratch.is_leaf);
    free(scratch.on_tile);

    if (ferror(file))
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "writing the dot graph failed; check the free space of the output");
    return AIMCC_OK;
}
