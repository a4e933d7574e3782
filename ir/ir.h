/* SPDX-License-Identifier: MIT */
/*
 * The aimcc IR: one module of values (tensors with dtype and shape, constant
 * or not) and operations in topological order, all allocated from the
 * compilation's arena. Digital operations use the runtime's op codes
 * (aimrt_op); LINEAR ops carry the tile blocks that the map pass assigns.
 */
#ifndef AIMCC_IR_H
#define AIMCC_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aimcc/aimcc.h"
#include "aimrt/ops.h"
#include "aimrt/tile.h"
#include "ir/arena.h"

typedef struct aimcc_op aimcc_op;
typedef struct aimcc_value aimcc_value;
typedef struct aimcc_target aimcc_target;

typedef enum aimcc_value_kind {
    AIMCC_VALUE_ACTIVATION = 0, /* computed by an op */
    AIMCC_VALUE_INPUT = 1,      /* graph input fed at run time */
    AIMCC_VALUE_CONST = 2,      /* initializer, Constant or folded value: data != NULL */
    AIMCC_VALUE_KIND_COUNT = 3,
} aimcc_value_kind;

struct aimcc_value {
    int id;                 /* dense, in creation order; printed as %id */
    const char *name;       /* ONNX tensor name, or NULL for a value made by a pass */
    aimcc_value_kind kind;
    aimrt_dtype dtype;
    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    /* dims[0] is the run-time batch. dims[0] then holds the exported size
     * (1 for a symbolic batch) and shape inference runs with it. */
    bool batched;
    void *data;             /* constant contents, row-major, little-endian; NULL otherwise */
    bool overridable;       /* an initializer also listed as a graph input */
    bool is_output;         /* a graph output */
    aimcc_op *producer;     /* NULL for inputs and constants */
    int n_uses;             /* count of op inputs that read this value */
    /* Set by schedule for activations: byte offset in the session's activation
     * arena, per sample for batched values (the arena scales with the batch),
     * absolute for the others; -1 before scheduling. */
    int64_t buffer_offset;
};

/* One block of a LINEAR weight matrix placed on a tile: rows [w_row, w_row+n_rows)
 * and columns [w_col, w_col+n_cols) of W sit at (tile_row, tile_col) of tile. */
typedef struct aimcc_tile_block {
    int tile;
    int64_t tile_row;
    int64_t tile_col;
    int64_t w_row;
    int64_t w_col;
    int64_t n_rows;
    int64_t n_cols;
    /* Copy index when map replicates a layer (0 otherwise). Each replica
     * covers the whole weight matrix once. */
    int replica;
} aimcc_tile_block;

/* A physical tile of one kind of the target. */
typedef struct aimcc_tile {
    int id;          /* dense; printed as @tid */
    int kind;        /* index into the target's kinds */
    int64_t rows;
    int64_t cols;
    int64_t rows_used;  /* highest row used + 1, for utilization */
    int64_t cells_used;
    /* Cell levels rows x cols row-major, written by encode (NULL before): the
     * weights themselves on float kinds, integer levels 0..2^cb-1 otherwise. */
    float *levels;
} aimcc_tile;

struct aimcc_op {
    int id;                 /* dense, in creation order */
    aimrt_op code;
    const char *node;       /* ONNX node name (named by the frontend when empty) */
    const char *onnx_type;  /* ONNX op type, e.g. "Conv" */
    int n_inputs;
    aimcc_value **inputs;   /* an absent optional input is NULL */
    int n_outputs;
    aimcc_value **outputs;
    int n_attrs;
    aimrt_attr *attrs;      /* arrays live in the arena */
    int n_blocks;           /* LINEAR only, after map */
    aimcc_tile_block *blocks;
    int n_replicas;         /* LINEAR only: copies of the weights on tiles (1 by default) */
    /* LINEAR only, from quantize on: how the op is quantized, sliced and
     * encoded. A quantized LINEAR reads x, integer weights w [K, N] (i32),
     * bias [N] or absent, and per-column weight scales [N] (f32). */
    aimrt_linear_plan *plan;
    /* Choice of select-domain: tile kind index, and the reason in words. */
    int kind;
    const char *kind_reason;
    aimcc_op *prev;
    aimcc_op *next;
};

typedef struct aimcc_module {
    aimcc_arena *arena;
    const char *name;         /* graph name */
    const char *target_name;  /* set when a target is bound */
    const aimcc_target *target;
    int n_values;
    int values_capacity;
    aimcc_value **values;     /* by id */
    int n_inputs;
    aimcc_value **inputs;     /* graph inputs in order */
    int n_outputs;
    aimcc_value **outputs;    /* graph outputs in order */
    const char **output_names; /* ONNX graph output names, kept when a pass replaces the value */
    aimcc_op *first;
    aimcc_op *last;
    int next_op_id;
    int n_tiles;
    int tiles_capacity;
    aimcc_tile *tiles;
    uint32_t properties;      /* AIMCC_PROP_* bits the passes provided */
    /* Set by schedule: activation arena sizes in bytes, per sample for the
     * batched values and in total for the others. */
    int64_t arena_bytes_per_sample;
    int64_t arena_bytes_fixed;
    /* Set by aimcc_ir_op_create when an op moves or merges the batch axis, so
     * the importer can fall back to the exported batch size. */
    bool batch_broken;
    /* The compile options while aimcc_pipeline_run runs, else NULL. Borrowed:
     * the calibrate pass reads the calibration inputs from them. */
    const aimcc_options *options;
} aimcc_module;

/* Properties that passes provide and require. */
enum {
    AIMCC_PROP_IMPORTED = 1u << 0,
    AIMCC_PROP_CANONICAL = 1u << 1,
    AIMCC_PROP_MAPPED = 1u << 2,
    AIMCC_PROP_SCHEDULED = 1u << 3,
    AIMCC_PROP_DOMAIN_SELECTED = 1u << 4,
    AIMCC_PROP_QUANTIZED = 1u << 5,
    AIMCC_PROP_SLICED = 1u << 6,
    AIMCC_PROP_ENCODED = 1u << 7,
};

/* Creates an empty module in the arena; returns NULL when out of memory. */
aimcc_module *aimcc_ir_module_create(aimcc_arena *arena, const char *name);

/* Adds a value with a shape; data (may be NULL) is copied into the arena.
 * Returns NULL when out of memory or when the shape's byte size overflows. */
aimcc_value *aimcc_ir_value_add(aimcc_module *module, const char *name, aimcc_value_kind kind,
                                aimrt_dtype dtype, int rank, const int64_t *dims,
                                const void *data);

/* Returns the element count of a value (dims[0] counted as stored). */
int64_t aimcc_ir_value_count(const aimcc_value *value);

/* Returns the byte size of a value's data. */
size_t aimcc_ir_value_bytes(const aimcc_value *value);

/*
 * Returns the bytes of a value's activation buffer: per sample (dims[1:])
 * when it is batched, whatever dims[0] stores, else all of its data. The
 * schedule pass lays out the arena and the backend records buffers with it,
 * so the two agree. Returns -1 when a dimension is negative or the size
 * overflows. Defined in ir/value_buffer.c.
 */
int64_t aimcc_ir_value_buffer_bytes(const aimcc_value *value);

/* Builds a tensor view of a value (data may be NULL). */
aimrt_tensor aimcc_ir_value_tensor(const aimcc_value *value);

/* Appends a graph input or output. Returns AIMCC_ERR_NOMEM on failure. */
aimcc_status aimcc_ir_module_add_input(aimcc_module *module, aimcc_value *value);
aimcc_status aimcc_ir_module_add_output(aimcc_module *module, aimcc_value *value);

/*
 * Creates an op before `before` (NULL appends at the end) with copies of the
 * attribute arrays, and fresh output values whose dtype and shape come from
 * aimrt_op_infer. Outputs are batched when the op keeps the batch on axis 0
 * (inference is run with two batch sizes to tell). Output names may be NULL.
 * Failures are recorded in ctx naming the node: shapes that do not fit,
 * attribute values out of range (AIMCC_ERR_INVALID_MODEL or _UNSUPPORTED).
 */
aimcc_status aimcc_ir_op_create(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *before,
                                aimrt_op code, const char *node, const char *onnx_type,
                                int n_inputs, aimcc_value *const *inputs, int n_attrs,
                                const aimrt_attr *attrs, int n_outputs,
                                const char *const *output_names, aimcc_op **out);

/* Unlinks an op and drops its input uses. Its outputs stay in the value table. */
void aimcc_ir_op_remove(aimcc_module *module, aimcc_op *op);

/* Replaces every use of old_value by new_value (op inputs and graph outputs). */
void aimcc_ir_value_replace_uses(aimcc_module *module, aimcc_value *old_value,
                                 aimcc_value *new_value);

/* Attribute helpers that allocate the value arrays in the module's arena. */
aimrt_attr aimcc_ir_attr_ints(aimcc_module *module, aimrt_attr_key key, int n, const int64_t *values);
aimrt_attr aimcc_ir_attr_int(aimcc_module *module, aimrt_attr_key key, int64_t value);
aimrt_attr aimcc_ir_attr_floats(aimcc_module *module, aimrt_attr_key key, int n, const float *values);
aimrt_attr aimcc_ir_attr_float(aimcc_module *module, aimrt_attr_key key, float value);

/* Adds a tile of a target kind; returns its id, or -1 when out of memory. */
int aimcc_ir_tile_add(aimcc_module *module, int kind, int64_t rows, int64_t cols);

/* Checks the module's invariants: ids, topological order, use counts, shapes
 * agreeing with aimrt_op_infer, blocks inside their tiles and matrices.
 * Returns AIMCC_ERR_INTERNAL with a message naming the op on failure. */
aimcc_status aimcc_ir_verify(aimcc_ctx *ctx, const aimcc_module *module);

/* Writes the text dump; with weights, constant data too, so the dump parses back. */
aimcc_status aimcc_ir_print(aimcc_ctx *ctx, const aimcc_module *module, FILE *file, bool weights);

/* Parses a text dump into a new module in arena. Errors name the line. */
aimcc_status aimcc_ir_parse(aimcc_ctx *ctx, aimcc_arena *arena, const char *text, size_t size,
                            const char *file_name, aimcc_module **out);

/* Version of the IR text form, stated on the dump's first line ("aimcc-ir 1"). */
#define AIMCC_IR_VERSION 1

/* Returns the text name of an AIMCC_PROP_* bit number ("mapped" for 2), or NULL. */
const char *aimcc_ir_property_name(int bit);



/*
 * The value that stands for the run-time batch inside folded int64 shape
 * tensors (a Shape of a batched value gives it at index 0). Data movement
 * keeps it; Reshape reads it as "copy the batch". Any arithmetic on it yields
 * a different number, which Reshape rejects.
 */
#define AIMCC_DIM_BATCH (-INT64_C(1099511627776) - 7)

/*
 * Folds op when every present input is constant: runs the kernel at compile
 * time, turns its outputs into constants and removes the op. Sets *folded.
 * Returns an error naming the node when the kernel fails.
 */
aimcc_status aimcc_ir_fold_op(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op, bool *folded);

/*
 * Writes the module as a Graphviz dot graph: a node per op labeled with its op
 * name, ONNX node name and output shapes (LINEAR ops also with their tile kind
 * and tiles), a node per graph input, constant and graph output, and an edge
 * per value read. Node names come from dense ids, so the text is stable across
 * runs. Returns AIMCC_ERR_NOMEM, or AIMCC_ERR_IO when the write fails.
 * Defined in ir/dot.c.
 */
aimcc_status aimcc_ir_print_dot(aimcc_ctx *ctx, const aimcc_module *module, FILE *file);

#endif
