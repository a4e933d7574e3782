/* SPDX-License-Identifier: MIT */
/*
 * The compile report of `aimcc compile --report`: one JSON object with each
 * linear layer's tile kind, the reason select-domain gave, its tiles, blocks
 * and cells, the use of each tile kind against its budget, and the totals.
 * Cells count as in `aimcc inspect`: a block of r x c weights takes r tile
 * rows and c * S * P tile columns plus the reference columns of its encoding.
 * "estimates" contains the cost model's energy, latency and area (ir/report_cost.h).
 */
#include "aimcc/aimcc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ir/ir.h"
#include "ir/report_cost.h"
#include "ir/target.h"
#include "ir/temp_file.h"
#include "passes/calibrate_report.h"

/* Version of the report's layout; members are only added. */
#define REPORT_FORMAT_VERSION 1

/* Tiles, blocks and cells of one layer: the LINEAR ops of one ONNX node that
 * follow each other (a grouped convolution has one op per group). */
typedef struct layer_usage {
    const aimcc_op *first;
    int n_ops;
    int n_blocks;
    int n_tiles;
    int64_t weights;
    int64_t cells_used;
    int64_t cells_available; /* all cells of the tiles it uses */
} layer_usage;

/* Returns the tile columns a block takes: n_cols * S * P plus the reference
 * columns. An op without a plan keeps float weights, one column each. */
static int64_t block_columns(const aimcc_op *op, const aimcc_tile_block *block)
{
    if (!op->plan)
        return block->n_cols;
    return block->n_cols * aimrt_plan_columns_per_weight(op->plan) +
           aimrt_plan_reference_columns(op->plan);
}

static double share(int64_t part, int64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

static const aimcc_value *weight_of(const aimcc_op *op)
{
    const aimcc_value *w = op->n_inputs > 1 ? op->inputs[1] : NULL;
    return w && w->rank == 2 ? w : NULL;
}

/* Adds op's blocks to layer; seen marks by tile the tiles the layer counted. */
static void add_op(const aimcc_module *module, const aimcc_op *op, layer_usage *layer, bool *seen)
{
    layer->n_ops++;
    layer->n_blocks += op->n_blocks;
    const aimcc_value *w = weight_of(op);
    layer->weights += w ? w->dims[0] * w->dims[1] : 0;
    for (int b = 0; b < op->n_blocks; b++) {
        const aimcc_tile_block *block = &op->blocks[b];
        layer->cells_used += block->n_rows * block_columns(op, block);
        if (block->tile < 0 || block->tile >= module->n_tiles || seen[block->tile])
            continue;
        seen[block->tile] = true;
        layer->n_tiles++;
        layer->cells_available += module->tiles[block->tile].rows * module->tiles[block->tile].cols;
    }
}

static cJSON *layer_json(const aimcc_module *module, const layer_usage *layer, const bool *seen)
{
    const aimcc_op *op = layer->first;
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "node", op->node ? op->node : "");
    cJSON_AddStringToObject(json, "onnx_type", op->onnx_type ? op->onnx_type : "");
    cJSON_AddNumberToObject(json, "ops", layer->n_ops);
    const aimcc_value *w = weight_of(op);
    const double dims[2] = {w ? (double)w->dims[0] : 0.0, w ? (double)w->dims[1] : 0.0};
    cJSON_AddItemToObject(json, "weight_shape", cJSON_CreateDoubleArray(dims, 2));
    cJSON_AddNumberToObject(json, "weights", (double)layer->weights);

    const aimcc_target *target = module->target;
    const aimcc_tile_kind *kind =
        target && op->kind >= 0 && op->kind < target->n_kinds ? &target->kinds[op->kind] : NULL;
    cJSON_AddNumberToObject(json, "kind_index", op->kind);
    cJSON_AddStringToObject(json, "kind", kind ? kind->name : "");
    cJSON_AddStringToObject(json, "domain", kind ? aimcc_domain_name(kind->domain) : "");
    if (op->kind_reason)
        cJSON_AddStringToObject(json, "kind_reason", op->kind_reason);
    else
        cJSON_AddNullToObject(json, "kind_reason");
    cJSON_AddNumberToObject(json, "replicas", op->n_replicas > 0 ? op->n_replicas : 1);
    cJSON_AddNumberToObject(json, "blocks", layer->n_blocks);
    cJSON_AddNumberToObject(json, "tiles", layer->n_tiles);
    cJSON *ids = cJSON_AddArrayToObject(json, "tile_ids");
    for (int t = 0; t < module->n_tiles; t++) {
        if (seen[t])
            cJSON_AddItemToArray(ids, cJSON_CreateNumber(t));
    }
    cJSON_AddNumberToObject(json, "cells_used", (double)layer->cells_used);
    cJSON_AddNumberToObject(json, "cells_available", (double)layer->cells_available);
    cJSON_AddNumberToObject(json, "utilization",
                            share(layer->cells_used, layer->cells_available));
    aimcc_calibrate_report_layer(json, module, op);
    return json;
}

/* Adds "layers": one entry per linear layer, grouped as `aimcc inspect` does.
 * Once the module is mapped, ops without blocks are skipped as inspect skips
 * them. seen is scratch by tile. */
static void add_layers(cJSON *report, const aimcc_module *module, bool *seen)
{
    cJSON *layers = cJSON_AddArrayToObject(report, "layers");
    const bool mapped = (module->properties & AIMCC_PROP_MAPPED) != 0;
    layer_usage layer = {0};
    for (const aimcc_op *op = module->first; op; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR || (mapped && op->n_blocks == 0))
            continue;
        const bool same_node = layer.first && layer.first->node && op->node &&
                               strcmp(layer.first->node, op->node) == 0;
        if (!same_node) {
            if (layer.first)
                cJSON_AddItemToArray(layers, layer_json(module, &layer, seen));
            layer = (layer_usage){.first = op};
            memset(seen, 0, (size_t)module->n_tiles * sizeof *seen);
        }
        add_op(module, op, &layer, seen);
    }
    if (layer.first)
        cJSON_AddItemToArray(layers, layer_json(module, &layer, seen));
}

/* Tiles and cells of one tile kind, or of all kinds with kind -1. */
typedef struct kind_usage {
    int64_t tiles_used;
    int64_t tiles_budget;
    int64_t cells_used;
    int64_t cells_total;
} kind_usage;

static kind_usage count_kind(const aimcc_module *module, int kind)
{
    kind_usage usage = {0, 0, 0, 0};
    for (int t = 0; t < module->n_tiles; t++) {
        const aimcc_tile *tile = &module->tiles[t];
        if (kind >= 0 && tile->kind != kind)
            continue;
        usage.tiles_used++;
        usage.cells_total += tile->rows * tile->cols;
    }
    for (const aimcc_op *op = module->first; op; op = op->next) {
        for (int b = 0; b < op->n_blocks; b++) {
            const aimcc_tile_block *block = &op->blocks[b];
            if (block->tile < 0 || block->tile >= module->n_tiles)
                continue;
            if (kind < 0 || module->tiles[block->tile].kind == kind)
                usage.cells_used += block->n_rows * block_columns(op, block);
        }
    }
    const aimcc_target *target = module->target;
    for (int k = 0; target && k < target->n_kinds; k++) {
        if (kind < 0 || k == kind)
            usage.tiles_budget += target->kinds[k].n_tiles;
    }
    return usage;
}

static void add_usage(cJSON *json, kind_usage usage)
{
    cJSON_AddNumberToObject(json, "tiles_used", (double)usage.tiles_used);
    cJSON_AddNumberToObject(json, "tiles_budget", (double)usage.tiles_budget);
    cJSON_AddNumberToObject(json, "tiles_share", share(usage.tiles_used, usage.tiles_budget));
    cJSON_AddNumberToObject(json, "cells_used", (double)usage.cells_used);
    cJSON_AddNumberToObject(json, "cells_total", (double)usage.cells_total);
    cJSON_AddNumberToObject(json, "utilization", share(usage.cells_used, usage.cells_total));
}

/* Adds "kinds": each tile kind of the target with its bit widths and use. */
static void add_kinds(cJSON *report, const aimcc_module *module)
{
    cJSON *kinds = cJSON_AddArrayToObject(report, "kinds");
    const aimcc_target *target = module->target;
    for (int k = 0; target && k < target->n_kinds; k++) {
        const aimcc_tile_kind *kind = &target->kinds[k];
        cJSON *json = cJSON_CreateObject();
        cJSON_AddStringToObject(json, "kind", kind->name);
        cJSON_AddStringToObject(json, "domain", aimcc_domain_name(kind->domain));
        cJSON_AddNumberToObject(json, "rows", (double)kind->rows);
        cJSON_AddNumberToObject(json, "cols", (double)kind->cols);
        cJSON_AddStringToObject(json, "cell", kind->cell ? kind->cell : "");
        cJSON_AddNumberToObject(json, "weight_bits", kind->weight_bits);
        cJSON_AddNumberToObject(json, "cell_bits", kind->cell_bits);
        cJSON_AddNumberToObject(json, "input_bits", kind->input_bits);
        cJSON_AddNumberToObject(json, "adc_bits", kind->adc_bits);
        add_usage(json, count_kind(module, k));
        cJSON_AddItemToArray(kinds, json);
    }
}

/* Copies each layer's estimates (runner-up, energy, latency, area, error)
 * into the layer of the same node and position in layers. */
static void merge_estimates(cJSON *layers, const cJSON *estimates)
{
    static const char *const keys[] = {"runner_up", "energy_pj", "latency_ns", "area_um2",
                                       "error"};
    const cJSON *costed = cJSON_GetObjectItemCaseSensitive(estimates, "layers");
    const cJSON *cost = costed ? costed->child : NULL;
    for (cJSON *layer = layers ? layers->child : NULL; layer && cost; layer = layer->next) {
        const cJSON *node = cJSON_GetObjectItemCaseSensitive(layer, "node");
        const cJSON *cost_node = cJSON_GetObjectItemCaseSensitive(cost, "node");
        if (!cJSON_IsString(node) || !cJSON_IsString(cost_node) ||
            strcmp(node->valuestring, cost_node->valuestring) != 0)
            continue;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const cJSON *item = cJSON_GetObjectItemCaseSensitive(cost, keys[k]);
            if (item)
                cJSON_AddItemToObject(layer, keys[k], cJSON_Duplicate(item, true));
        }
        cost = cost->next;
    }
}

/* Builds the report; returns NULL when out of memory. */
static cJSON *build_report(const aimcc_module *module)
{
    bool *seen = calloc((size_t)module->n_tiles + 1, sizeof *seen);
    cJSON *report = cJSON_CreateObject();
    if (!seen || !report) {
        free(seen);
        cJSON_Delete(report);
        return NULL;
    }
    cJSON_AddNumberToObject(report, "format_version", REPORT_FORMAT_VERSION);
    cJSON_AddStringToObject(report, "graph", module->name ? module->name : "");
    cJSON_AddStringToObject(report, "target", module->target_name ? module->target_name : "");
    add_layers(report, module, seen);
    add_kinds(report, module);
    add_usage(cJSON_AddObjectToObject(report, "total"), count_kind(module, -1));

    cJSON *estimates = aimcc_report_cost(module);
    if (!estimates) {
        free(seen);
        cJSON_Delete(report);
        return NULL;
    }
    merge_estimates(cJSON_GetObjectItemCaseSensitive(report, "layers"), estimates);
    cJSON_AddItemToObject(report, "estimates", estimates);
    free(seen);
    return report;
}

/* Writes text to a temporary file beside path, then renames it over path.
 * Messages name the path first and carry no model file. */
static aimcc_status write_atomically(aimcc_ctx *ctx, const char *path, const char *text)
{
    const size_t length = strlen(path);
    char *temp = malloc(length + sizeof ".tmp-XXXXXX");
    if (!temp)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory writing %s", path);
    memcpy(temp, path, length);
    memcpy(temp + length, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    const int fd = aimcc_temp_file_create(temp);
    if (fd < 0) {
        const int error = errno;
        free(temp);
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "%s: cannot create a temporary file in its folder (%s); check that "
                          "the folder exists and is writable",
                          path, strerror(error));
    }

    FILE *file = fdopen(fd, "wb");
    /* The JSON text ends in the newline that a text file has. */
    bool ok = file && fputs(text, file) >= 0 && fputc('\n', file) != EOF && fflush(file) == 0;
    int error = ok ? 0 : (errno ? errno : EIO);
    if (file) {
        if (fclose(file) != 0 && ok) {
            ok = false;
            error = errno ? errno : EIO;
        }
    } else {
        close(fd);
    }
    if (ok && rename(temp, path) != 0) {
        ok = false;
        error = errno;
    }
    aimcc_status status = AIMCC_OK;
    if (!ok) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "%s: writing the report failed (%s)",
                            path, strerror(error));
        remove(temp);
    }
    free(temp);
    return status;
}

aimcc_status aimcc_compile_write_report(aimcc_ctx *ctx, aimcc_compile *compile, const char *path)
{
    if (!compile || !path)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "aimcc_compile_write_report: compile and path must not be NULL");
    aimcc_ctx_set_file(ctx, NULL);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "%s: is a folder, not a file; give the path of the report file to "
                          "write, such as %s/report.json",
                          path, path);

    cJSON *report = build_report(aimcc_compile_module(compile));
    char *text = report ? cJSON_Print(report) : NULL;
    cJSON_Delete(report);
    if (!text)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory building the report");

    const aimcc_status status = write_atomically(ctx, path, text);
    cJSON_free(text);
    return status;
}
