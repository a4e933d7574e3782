/* SPDX-License-Identifier: MIT */
/*
 * The map pass: places the weight matrix W [K, N] of every LINEAR op (rows =
 * inputs, cols = outputs) on tiles of the op's kind. W splits into blocks of
 * at most the tile's rows and of as many weight columns as fit the tile's
 * columns (S * P tile columns per weight column, plus S reference columns per
 * block for the offset encoding). The blocks of all layers are then packed
 * first-fit decreasing by rows, each one diagonally after the last block of
 * its tile, so two blocks on a tile never share a row or a column.
 */
#include "ir/target.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAP_PASS "map"

/* The kind used when no target is bound: the float preset's geometry, the
 * same kind that aimcc_kind_of_op returns then. */
static const aimcc_tile_kind default_kind = {
    .name = "float",
    .domain = AIMCC_DOMAIN_CURRENT,
    .rows = 512,
    .cols = 512,
    .n_tiles = 4096,
    .cell = "float",
    .weight_bits = 0,
    .cell_bits = 0,
    .encoding = "signed-float",
    .input_mode = "float",
    .adc_range = "lossless",
    .encoding_code = AIMRT_ENCODING_FLOAT,
    .input_mode_code = AIMRT_INPUT_FLOAT,
};

/* The LINEAR ops of one ONNX node, in op order. A grouped convolution
 * becomes one LINEAR per group, and they form one layer. */
typedef struct map_layer {
    const char *node;
    int first_op; /* index into map_state.ops */
    int n_ops;
    int kind;
} map_layer;

/* One block to pack, with its place on the packed tiles of its kind. */
typedef struct map_item {
    aimcc_tile_block *block;
    int op;       /* index into map_state.ops */
    int layer;    /* index into map_state.layers */
    int kind;
    int index;    /* block index within the op */
    int64_t cols; /* tile columns of the block */
    int tile;     /* index among the tiles that the packing opened for the kind */
    int64_t tile_row;
    int64_t tile_col;
} map_item;

/* The next free corner of a packed tile: a new block goes at (row, col). */
typedef struct map_corner {
    int64_t row;
    int64_t col;
} map_corner;

typedef struct map_state {
    aimcc_module *module;
    aimcc_ctx *ctx;
    int n_kinds;
    const aimcc_tile_kind *kinds;
    int n_ops;
    aimcc_op **ops;
    int n_layers;
    map_layer *layers;
    int n_items;
    map_item *items;
    map_corner *corners; /* one per item: a packing opens at most one tile per block */
} map_state;

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Checks the kind's geometry here and its bits and encoding with the layout
 * rules, which the column formulas rely on (cell_bits >= 1, say). */
static aimcc_status check_kind(aimcc_ctx *ctx, const aimcc_tile_kind *kind)
{
    if (kind->rows < 1 || kind->cols < 1 || kind->n_tiles < 0)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "tile kind \"%s\" has %lldx%lld cells and %lld tiles; a kind needs at "
                          "least one row and one column. Fix the kind in the target file.",
                          kind->name, (long long)kind->rows, (long long)kind->cols,
                          (long long)kind->n_tiles);
    return aimcc_kind_check(ctx, kind);
}

/* Returns the maximum weight columns of one block on kind (0 when not one fits). */
static int64_t block_columns_max(const aimcc_tile_kind *kind)
{
    const int64_t free_cols = kind->cols - aimcc_kind_reference_columns(kind);
    return free_cols > 0 ? free_cols / aimcc_kind_columns_per_weight(kind) : 0;
}

static aimcc_status check_weight(aimcc_ctx *ctx, const aimcc_op *op)
{
    const aimcc_value *w = op->n_inputs >= 2 ? op->inputs[1] : NULL;
    if (w != NULL && w->rank == 2 && w->dims[0] > 0 && w->dims[1] > 0)
        return AIMCC_OK;
    return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                      "linear op %d has no 2-D weight with rows and columns; canonicalize "
                      "creates every linear op with one",
                      op->id);
}

/* Checks that no layer on an integer kind skipped quantize. The pass record
 * requires QUANTIZED, but tests and tools may run map on a module that only
 * canonicalize has seen, which is fine for float kinds. */
static aimcc_status check_quantized(const map_state *s, const aimcc_op *op)
{
    const aimcc_tile_kind *kind = &s->kinds[op->kind];
    if (aimcc_kind_is_float(kind) || (s->module->properties & AIMCC_PROP_QUANTIZED) != 0)
        return AIMCC_OK;
    return aimcc_fail(s->ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                      "the layer is on tile kind \"%s\" with %d-bit weights, but the module is "
                      "not quantized; run the quantize pass before map",
                      kind->name, kind->weight_bits);
}

/* Checks one LINEAR op and sets its replica count from map.replicate[NODE]. */
static aimcc_status check_op(map_state *s, aimcc_op *op)
{
    aimcc_status status = check_weight(s->ctx, op);
    if (status != AIMCC_OK)
        return status;
    if (op->kind < 0 || op->kind >= s->n_kinds)
        return aimcc_fail(s->ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                          "linear op %d is on tile kind %d, but the target has %d kinds "
                          "(0 to %d); select-domain sets the kind",
                          op->id, op->kind, s->n_kinds, s->n_kinds - 1);
    status = check_quantized(s, op);
    if (status != AIMCC_OK)
        return status;

    const int64_t replicas = aimcc_target_option_int(s->module->target, "map.replicate",
                                                     op->node, op->n_replicas);
    if (replicas < 1 || replicas > 64)
        return aimcc_fail(s->ctx, AIMCC_ERR_INVALID_ARG, op->node, op->onnx_type,
                          "the layer asks for %lld replicas; allowed: 1 to 64 "
                          "(--set 'map.replicate[%s]=N')",
                          (long long)replicas, op->node != NULL ? op->node : "");
    op->n_replicas = (int)replicas;
    return AIMCC_OK;
}

static bool same_node(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Collects and checks the LINEAR ops and groups them into layers. */
static aimcc_status collect_layers(map_state *s)
{
    for (const aimcc_op *op = s->module->first; op != NULL; op = op->next)
        s->n_ops += op->code == AIMRT_OP_LINEAR;
    s->ops = calloc((size_t)s->n_ops + 1, sizeof(*s->ops));
    s->layers = calloc((size_t)s->n_ops + 1, sizeof(*s->layers));
    if (s->ops == NULL || s->layers == NULL)
        return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory listing %d linear layers", s->n_ops);

    int n = 0;
    for (aimcc_op *op = s->module->first; op != NULL; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        const aimcc_status status = check_op(s, op);
        if (status != AIMCC_OK)
            return status;
        map_layer *last = s->n_layers > 0 ? &s->layers[s->n_layers - 1] : NULL;
        if (last != NULL && same_node(last->node, op->node) && last->kind == op->kind) {
            last->n_ops++;
        } else {
            s->layers[s->n_layers++] =
                (map_layer){.node = op->node, .first_op = n, .n_ops = 1, .kind = op->kind};
        }
        s->ops[n++] = op;
    }
    return aimcc_check_option_nodes(s->ctx, s->module, "map.replicate", "replicate");
}

/* Returns the block count of an op: replicas x row blocks x column blocks. */
static int64_t count_blocks(const map_state *s, const aimcc_op *op)
{
    const aimcc_tile_kind *kind = &s->kinds[op->kind];
    const aimcc_value *w = op->inputs[1];
    return op->n_replicas * ceil_div(w->dims[0], kind->rows) *
           ceil_div(w->dims[1], block_columns_max(kind));
}

/* Fails when not even one weight column fits a tile of the op's kind. */
static aimcc_status check_block_columns(const map_state *s, const aimcc_op *op)
{
    const aimcc_tile_kind *kind = &s->kinds[op->kind];
    if (block_columns_max(kind) >= 1)
        return AIMCC_OK;
    return aimcc_fail(s->ctx, AIMCC_ERR_CAPACITY, op->node, op->onnx_type,
                      "one weight column takes %lld tile columns (plus %lld reference columns) "
                      "on tile kind \"%s\", but its tiles have %lld columns. Use a kind with "
                      "more columns, or fewer weight bits or more cell bits.",
                      (long long)aimcc_kind_columns_per_weight(kind), (long long)aimcc_kind_reference_columns(kind),
                      kind->name, (long long)kind->cols);
}

/* Splits op's weight into blocks (replica, then rows, then columns) and adds
 * one item per block. */
static aimcc_status split_op(map_state *s, int op_index, int layer)
{
    aimcc_op *op = s->ops[op_index];
    const aimcc_tile_kind *kind = &s->kinds[op->kind];
    const int64_t k = op->inputs[1]->dims[0];
    const int64_t n = op->inputs[1]->dims[1];
    const int64_t width = block_columns_max(kind);
    const int n_blocks = (int)count_blocks(s, op);
    aimcc_tile_block *blocks = aimcc_arena_calloc(s->module->arena, (size_t)n_blocks,
                                                  sizeof(*blocks));
    if (blocks == NULL)
        return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                          "out of memory splitting the layer into %d blocks", n_blocks);

    int b = 0;
    for (int replica = 0; replica < op->n_replicas; replica++) {
        for (int64_t row = 0; row < k; row += kind->rows) {
            for (int64_t col = 0; col < n; col += width) {
                aimcc_tile_block *block = &blocks[b];
                *block = (aimcc_tile_block){
                    .tile = -1,
                    .w_row = row,
                    .w_col = col,
                    .n_rows = k - row < kind->rows ? k - row : kind->rows,
                    .n_cols = n - col < width ? n - col : width,
                    .replica = replica,
                };
                s->items[s->n_items++] = (map_item){
                    .block = block,
                    .op = op_index,
                    .layer = layer,
                    .kind = op->kind,
                    .index = b,
                    .cols = block->n_cols * aimcc_kind_columns_per_weight(kind) + aimcc_kind_reference_columns(kind),
                };
                b++;
            }
        }
    }
    op->blocks = blocks;
    op->n_blocks = n_blocks;
    return AIMCC_OK;
}

/* Splits every op into blocks; the item and corner arrays hold one entry per block. */
static aimcc_status split_layers(map_state *s)
{
    int64_t total = 0;
    for (int o = 0; o < s->n_ops; o++) {
        const aimcc_status status = check_block_columns(s, s->ops[o]);
        if (status != AIMCC_OK)
            return status;
        total += count_blocks(s, s->ops[o]);
        if (total > INT_MAX / 2)
            return aimcc_fail(s->ctx, AIMCC_ERR_CAPACITY, s->ops[o]->node,
                              s->ops[o]->onnx_type,
                              "the layers up to this one split into %lld tile blocks, more than "
                              "%d; use a target with larger tiles",
                              (long long)total, INT_MAX / 2);
    }
    s->items = calloc((size_t)total + 1, sizeof(*s->items));
    s->corners = calloc((size_t)total + 1, sizeof(*s->corners));
    if (s->items == NULL || s->corners == NULL)
        return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory packing %lld tile blocks", (long long)total);

    for (int l = 0; l < s->n_layers; l++) {
        const map_layer *layer = &s->layers[l];
        for (int o = layer->first_op; o < layer->first_op + layer->n_ops; o++) {
            const aimcc_status status = split_op(s, o, l);
            if (status != AIMCC_OK)
                return status;
        }
    }
    return AIMCC_OK;
}

/* Orders blocks by rows, then tile columns, both descending, then by op and
 * block index, so the packing is the same on every run. */
static int compare_items(const void *pa, const void *pb)
{
    const map_item *a = pa;
    const map_item *b = pb;
    if (a->block->n_rows != b->block->n_rows)
        return a->block->n_rows > b->block->n_rows ? -1 : 1;
    if (a->cols != b->cols)
        return a->cols > b->cols ? -1 : 1;
    if (a->op != b->op)
        return a->op < b->op ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/*
 * Packs the sorted blocks of kind from layers 0 .. last_layer (only the layer
 * only_layer when it is >= 0) first-fit: each block goes to the first tile
 * whose free corner leaves room for it. Sets the items' tile and position and
 * returns the count of tiles opened.
 */
static int pack_blocks(map_state *s, int kind, int last_layer, int only_layer)
{
    const aimcc_tile_kind *geometry = &s->kinds[kind];
    map_corner *corners = s->corners;
    int n_tiles = 0;
    int first_open = 0; /* tiles before it have no free row or no free column */
    for (int i = 0; i < s->n_items; i++) {
        map_item *item = &s->items[i];
        if (item->kind != kind || item->layer > last_layer ||
            (only_layer >= 0 && item->layer != only_layer))
            continue;
        const int64_t rows = item->block->n_rows;
        int t = first_open;
        while (t < n_tiles && (corners[t].row + rows > geometry->rows ||
                               corners[t].col + item->cols > geometry->cols))
            t++;
        if (t == n_tiles)
            corners[n_tiles++] = (map_corner){0, 0};

        item->tile = t;
        item->tile_row = corners[t].row;
        item->tile_col = corners[t].col;
        corners[t].row += rows;
        corners[t].col += item->cols;
        while (first_open < n_tiles && (corners[first_open].row >= geometry->rows ||
                                        corners[first_open].col >= geometry->cols))
            first_open++;
    }
    return n_tiles;
}

/* Describes a layer's weights for messages: "600x600 weight matrix" or
 * "64 weight matrices of 9x1". */
static const char *describe_layer(const map_state *s, const map_layer *layer)
{
    const aimcc_op *first = s->ops[layer->first_op];
    const long long k = (long long)first->inputs[1]->dims[0];
    const long long n = (long long)first->inputs[1]->dims[1];
    aimcc_arena *arena = s->module->arena;
    if (layer->n_ops == 1)
        return aimcc_arena_printf(arena, "%lldx%lld weight matrix", k, n);
    int64_t weights = 0;
    bool same = true;
    for (int o = layer->first_op; o < layer->first_op + layer->n_ops; o++) {
        const aimcc_value *w = s->ops[o]->inputs[1];
        weights += w->dims[0] * w->dims[1];
        same = same && w->dims[0] == k && w->dims[1] == n;
    }
    if (same)
        return aimcc_arena_printf(arena, "%d weight matrices of %lldx%lld", layer->n_ops, k, n);
    return aimcc_arena_printf(arena, "%d weight matrices of %lld weights in all", layer->n_ops,
                              (long long)weights);
}

/*
 * Fails naming the first layer whose blocks, packed with those of the layers
 * before it, need more tiles of kind than the target has. The layer is found
 * by bisection over the prefixes of the layer list.
 */
static aimcc_status fail_capacity(map_state *s, int kind, int total)
{
    const aimcc_tile_kind *geometry = &s->kinds[kind];
    int fits = -1;                /* packing layers 0..fits needs at most the budget */
    int exceeds = s->n_layers - 1; /* packing layers 0..exceeds needs more */
    while (exceeds - fits > 1) {
        const int middle = fits + (exceeds - fits) / 2;
        if (pack_blocks(s, kind, middle, -1) > geometry->n_tiles)
            exceeds = middle;
        else
            fits = middle;
    }
    const int before = fits >= 0 ? pack_blocks(s, kind, fits, -1) : 0;
    const int up_to = pack_blocks(s, kind, exceeds, -1);
    const int alone = pack_blocks(s, kind, INT_MAX, exceeds);
    const map_layer *layer = &s->layers[exceeds];
    const aimcc_op *op = s->ops[layer->first_op];
    const char *replicas =
        op->n_replicas > 1 ? aimcc_arena_printf(s->module->arena, " in %d replicas",
                                                op->n_replicas)
                           : "";
    const char *columns =
        aimcc_kind_columns_per_weight(geometry) > 1
            ? aimcc_arena_printf(s->module->arena, " at %lld tile columns per weight column",
                                 (long long)aimcc_kind_columns_per_weight(geometry))
            : "";
    return aimcc_fail(s->ctx, AIMCC_ERR_CAPACITY, layer->node, op->onnx_type,
                      "its %s%s needs %d tile%s of %lldx%lld%s on its own and %d together with "
                      "the earlier layers (which use %d), but the target has %lld tile%s of kind "
                      "\"%s\" and the whole model needs %d. Use a target with more tiles or "
                      "--set chip.tiles.%s=%d.",
                      describe_layer(s, layer), replicas, alone, alone == 1 ? "" : "s",
                      (long long)geometry->rows, (long long)geometry->cols, columns, up_to, before,
                      (long long)geometry->n_tiles, geometry->n_tiles == 1 ? "" : "s",
                      geometry->name, total, geometry->name, total);
}

/* Adds the packed tiles of kind to the module and moves the blocks onto them. */
static aimcc_status commit_tiles(map_state *s, int kind, int n_tiles)
{
    const aimcc_tile_kind *geometry = &s->kinds[kind];
    const int base = s->module->n_tiles;
    for (int t = 0; t < n_tiles; t++) {
        if (aimcc_ir_tile_add(s->module, kind, geometry->rows, geometry->cols) != base + t)
            return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                              "out of memory adding tile %d of kind \"%s\"", t, geometry->name);
    }
    for (int i = 0; i < s->n_items; i++) {
        const map_item *item = &s->items[i];
        if (item->kind != kind)
            continue;
        aimcc_tile_block *block = item->block;
        block->tile = base + item->tile;
        block->tile_row = item->tile_row;
        block->tile_col = item->tile_col;
        aimcc_tile *tile = &s->module->tiles[block->tile];
        if (tile->rows_used < block->tile_row + block->n_rows)
            tile->rows_used = block->tile_row + block->n_rows;
        tile->cells_used += block->n_rows * item->cols;
    }
    return AIMCC_OK;
}

/* Logs one layer: its blocks, the tiles they touch and the cells they use. */
static void log_layer(const map_state *s, int layer_index, int *last_seen)
{
    const map_layer *layer = &s->layers[layer_index];
    const aimcc_tile_kind *kind = &s->kinds[layer->kind];
    int n_blocks = 0;
    int n_tiles = 0;
    int64_t cells = 0;
    for (int o = layer->first_op; o < layer->first_op + layer->n_ops; o++) {
        const aimcc_op *op = s->ops[o];
        const int64_t cols_per_weight = aimcc_kind_columns_per_weight(kind);
        for (int b = 0; b < op->n_blocks; b++) {
            const aimcc_tile_block *block = &op->blocks[b];
            cells += block->n_rows * (block->n_cols * cols_per_weight + aimcc_kind_reference_columns(kind));
            n_tiles += last_seen[block->tile] != layer_index;
            last_seen[block->tile] = layer_index;
        }
        n_blocks += op->n_blocks;
    }
    const double capacity = (double)n_tiles * (double)kind->rows * (double)kind->cols;
    AIMCC_LOG(AIMCC_LOG_INFO, MAP_PASS, layer->node,
              "%s in %d block%s (%d replica%s) on %d tile%s of kind \"%s\"; %lld cells used, "
              "%.3g%% of those tiles",
              describe_layer(s, layer), n_blocks, n_blocks == 1 ? "" : "s",
              s->ops[layer->first_op]->n_replicas,
              s->ops[layer->first_op]->n_replicas == 1 ? "" : "s", n_tiles,
              n_tiles == 1 ? "" : "s", kind->name, (long long)cells,
              capacity > 0 ? 100.0 * (double)cells / capacity : 0.0);
}

/* Logs the totals of one kind, with the tiles one block per tile would take. */
static void log_kind(const map_state *s, int kind)
{
    const aimcc_tile_kind *geometry = &s->kinds[kind];
    int n_layers = 0;
    for (int l = 0; l < s->n_layers; l++)
        n_layers += s->layers[l].kind == kind;
    int unpacked = 0;
    for (int i = 0; i < s->n_items; i++)
        unpacked += s->items[i].kind == kind;
    int n_tiles = 0;
    int64_t cells_used = 0;
    for (int t = 0; t < s->module->n_tiles; t++) {
        if (s->module->tiles[t].kind != kind)
            continue;
        n_tiles++;
        cells_used += s->module->tiles[t].cells_used;
    }
    if (n_layers == 0)
        return;
    const int64_t cells = (int64_t)n_tiles * geometry->rows * geometry->cols;
    AIMCC_LOG(AIMCC_LOG_INFO, MAP_PASS, NULL,
              "%d linear layer%s on %d of %lld tiles of kind \"%s\" (%lldx%lld); %lld of %lld "
              "cells used (%.3g%%); packing saves %d tiles (%d without packing)",
              n_layers, n_layers == 1 ? "" : "s", n_tiles, (long long)geometry->n_tiles,
              geometry->name, (long long)geometry->rows, (long long)geometry->cols,
              (long long)cells_used, (long long)cells,
              cells > 0 ? 100.0 * (double)cells_used / (double)cells : 0.0, unpacked - n_tiles,
              unpacked);
}

static void log_utilization(const map_state *s)
{
    if (AIMCC_LOG_INFO > aimcc_log_threshold)
        return;
    int *last_seen = malloc(((size_t)s->module->n_tiles + 1) * sizeof(*last_seen));
    if (last_seen != NULL) {
        for (int t = 0; t < s->module->n_tiles; t++)
            last_seen[t] = -1;
        for (int l = 0; l < s->n_layers; l++)
            log_layer(s, l, last_seen);
        free(last_seen);
    }
    for (int kind = 0; kind < s->n_kinds; kind++)
        log_kind(s, kind);
}

/* Packs every kind's blocks and checks every budget before adding any tile. */
static aimcc_status pack_kinds(map_state *s)
{
    qsort(s->items, (size_t)s->n_items, sizeof(*s->items), compare_items);
    int *n_tiles = calloc((size_t)s->n_kinds, sizeof(*n_tiles));
    if (n_tiles == NULL)
        return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory packing tiles");
    aimcc_status status = AIMCC_OK;
    for (int kind = 0; kind < s->n_kinds && status == AIMCC_OK; kind++) {
        n_tiles[kind] = pack_blocks(s, kind, INT_MAX, -1);
        if (n_tiles[kind] > s->kinds[kind].n_tiles)
            status = fail_capacity(s, kind, n_tiles[kind]);
    }
    /* Each packing above set only the items of its own kind, so they all stand. */
    for (int kind = 0; kind < s->n_kinds && status == AIMCC_OK; kind++)
        status = commit_tiles(s, kind, n_tiles[kind]);
    free(n_tiles);
    return status;
}

static aimcc_status map_run(aimcc_module *module, aimcc_ctx *ctx)
{
    const aimcc_target *target = module->target;
    const bool has_kinds = target != NULL && target->n_kinds > 0;
    map_state s = {
        .module = module,
        .ctx = ctx,
        .n_kinds = has_kinds ? target->n_kinds : 1,
        .kinds = has_kinds ? target->kinds : &default_kind,
    };
    aimcc_status status = AIMCC_OK;
    for (int kind = 0; kind < s.n_kinds && status == AIMCC_OK; kind++)
        status = check_kind(ctx, &s.kinds[kind]);
    if (status == AIMCC_OK)
        status = collect_layers(&s);
    if (status == AIMCC_OK)
        status = split_layers(&s);
    if (status == AIMCC_OK)
        status = pack_kinds(&s);
    if (status == AIMCC_OK) {
        log_utilization(&s);
    } else {
        /* Leave no op with blocks that point at no tile. */
        for (int o = 0; o < s.n_ops && s.ops != NULL; o++) {
            if (s.ops[o] == NULL)
                break;
            s.ops[o]->n_blocks = 0;
            s.ops[o]->blocks = NULL;
        }
    }
    free(s.ops);
    free(s.layers);
    free(s.items);
    free(s.corners);
    return status;
}

const aimcc_pass aimcc_pass_map = {
    .name = "map",
    .summary = "place every linear weight matrix on tiles, packing small blocks onto shared "
               "tiles",
    .run = map_run,
    .requires = AIMCC_PROP_QUANTIZED,
    .provides = AIMCC_PROP_MAPPED,
};
