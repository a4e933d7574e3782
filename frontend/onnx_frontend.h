/* SPDX-License-Identifier: MIT */
/*
 * Private interface between the files of the ONNX import driver: name maps,
 * file reading, the protobuf wire check, tensor decoding, graph validation
 * (the plan) and the binding of graph inputs. The lowering rules see only
 * onnx_lower.h.
 */
#ifndef AIMCC_ONNX_FRONTEND_H
#define AIMCC_ONNX_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/onnx_lower.h"

/* Largest model or tensor file read: protobuf messages cannot exceed 2 GiB. */
#define ONNX_MAX_FILE_BYTES ((size_t)2 << 30)

/* Name maps: open addressing over arena memory, with an optional parent map
 * that lookups fall back to (the enclosing graph of an If branch). Keys are
 * borrowed and must outlive the map. */
typedef struct onnx_name_map onnx_name_map;

onnx_name_map *onnx_name_map_create(aimcc_arena *arena, onnx_name_map *parent);
onnx_name_map *onnx_name_map_parent(const onnx_name_map *map);
/* Returns the item of name in this map only, or NULL. */
void *onnx_name_map_find_local(const onnx_name_map *map, const char *name);
/* Returns the item of name in this map or the nearest parent that has it, or NULL. */
void *onnx_name_map_find(const onnx_name_map *map, const char *name);
/* Adds or replaces the item of name in this map. Returns AIMCC_ERR_NOMEM on failure. */
aimcc_status onnx_name_map_put(onnx_name_map *map, const char *name, void *item);

/* Reads a whole file of at most ONNX_MAX_FILE_BYTES into malloc'ed memory
 * (caller frees *data). what ("model", "tensor") names it in errors; errors
 * about the model leave its path to the context's file.
 * Returns AIMCC_ERR_IO or AIMCC_ERR_INVALID_MODEL (too large). */
aimcc_status onnx_file_read(aimcc_ctx *ctx, const char *path, const char *what, uint8_t **data,
                            size_t *size);

/* Returns the folder of path ("." when it has none), copied into arena. */
const char *onnx_path_folder(aimcc_arena *arena, const char *path);

/* Checks that bytes are well-formed protobuf wire data for the message type,
 * nested at most a fixed depth, so that unpacking cannot recurse without bound. */
bool onnx_wire_check(const uint8_t *data, size_t size, const ProtobufCMessageDescriptor *descriptor);

/* Returns the ONNX name of a TensorProto.DataType ("FLOAT", "BFLOAT16"). */
const char *onnx_dtype_name(int64_t data_type);

/* Maps a TensorProto.DataType to the runtime dtype, or AIMRT_DTYPE_UNDEFINED
 * when aimcc has no such dtype (strings, bfloat16, complex, float8). */
aimrt_dtype onnx_dtype_to_aimrt(int64_t data_type);

/* Formats dims as "[2, 3]" into the arena. */
const char *onnx_format_dims(aimcc_arena *arena, int rank, const int64_t *dims);

/* Decodes a TensorProto in any storage form into out, with its data in the
 * import's arena. Errors name the tensor (and node_name when not NULL). */
aimcc_status onnx_tensor_decode(onnx_import *import, const Onnx__TensorProto *tensor,
                                const char *node_name, aimrt_tensor *out);

/* Adds the nodes of one graph (the main graph, or an If branch when
 * is_branch) to the model's count and checks it against limits.max_nodes
 * before anything is allocated per node. Returns AIMCC_ERR_INVALID_MODEL. */
aimcc_status onnx_limit_add_nodes(onnx_import *import, const char *graph_name, bool is_branch,
                                  size_t n_nodes);

/* Adds n_bytes of external data of tensor name to the model's count and
 * checks it against limits.max_external_bytes before they are read. */
aimcc_status onnx_limit_add_external(onnx_import *import, const char *name, uint64_t n_bytes);

/* Reads a TensorProto (.pb) file for --const into out, under the limits and
 * counts of import, which the file's tensor adds to. *name as for
 * aimcc_onnx_read_tensor. */
aimcc_status onnx_tensor_file_read(onnx_import *import, const char *path, const char **name,
                                   aimrt_tensor *out);

/* Reads the n_bytes of a tensor stored as external data into *data (arena),
 * after checking that its location stays inside import->model_dir and that
 * its offset and length fit the file. */
aimcc_status onnx_external_read(onnx_import *import, const Onnx__TensorProto *tensor,
                                const char *tensor_name, size_t n_bytes, void **data);

/* What defines a name in a graph: a graph input, an initializer (or both, in
 * IR v3 models), or the output of a node. */
typedef struct onnx_definition {
    bool is_input;
    const Onnx__TensorProto *initializer;
    const Onnx__NodeProto *node;
    const char *node_name;
    int node_index;                  /* position in its graph's node list */
} onnx_definition;

/* A validated graph: its nodes in topological order with their names, and for
 * each If with a constant condition the plan of the branch it takes. */
typedef struct onnx_plan onnx_plan;
struct onnx_plan {
    const Onnx__GraphProto *graph;
    onnx_name_map *definitions;      /* name -> onnx_definition */
    int n_nodes;
    const Onnx__NodeProto **nodes;   /* topological order */
    const char **node_names;         /* arena copies, parallel to nodes */
    onnx_plan **branches;            /* parallel to nodes; NULL unless an inlined If */
    int n_outer_names;
    int outer_capacity;
    const char **outer_names;        /* names read from enclosing graphs, repeats kept */
};

/* Validates the model's main graph: names, definitions, topological order
 * (sorting it with a warning), constant If conditions, and supported ops (one
 * error that lists every unsupported op). */
aimcc_status onnx_plan_model(onnx_import *import, const Onnx__ModelProto *model, onnx_plan **out);

/* Returns 1 when the node is in the default ONNX domain ("" or "ai.onnx"). */
int onnx_node_is_default_domain(const Onnx__NodeProto *node);

/* Adds the graph inputs to the module, binding --dim and --const options. */
aimcc_status onnx_import_inputs(onnx_import *import, const onnx_plan *plan);

/* Decodes and binds every initializer of a graph. Initializers that are also
 * graph inputs stay constant and are marked overridable. */
aimcc_status onnx_import_initializers(onnx_import *import, const onnx_plan *plan);

/* Lowers the plan's nodes in order, inlining the branch taken by each If. */
aimcc_status onnx_lower_plan(onnx_import *import, const onnx_plan *plan);

#endif
