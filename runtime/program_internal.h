/* SPDX-License-Identifier: MIT */
/*
 * The in-memory form of a loaded program, shared by the loader, the printer
 * and the session. Every field has been validated by aimrt_program_load.
 * Constant data and tile levels point into the copied image, which the
 * loader only accepts on a little-endian host.
 */
#ifndef AIMRT_PROGRAM_INTERNAL_H
#define AIMRT_PROGRAM_INTERNAL_H

#include <stdarg.h>

#include "aimrt/aimrt.h"
#include "aimrt/ops.h"
#include "aimrt/params.h"
#include "aimrt/tile.h"
#include "program_format.h"

typedef struct program_section {
    uint32_t id;
    uint32_t count;
    uint64_t offset;
    uint64_t length;
} program_section;

typedef struct program_tensor {
    const char *name;
    aimrt_dtype dtype;
    int kind;          /* AIMRT_TENSOR_* */
    int rank;
    int64_t dims[AIMRT_MAX_RANK];  /* dims[0] is 1 when batched: the batch replaces it */
    bool batched;
    const void *data;  /* constants only, pointing into the image */
    uint64_t data_offset;
    uint64_t data_length;
    bool in_arena;     /* an activation placed at data_offset of the activation arena */
} program_tensor;

typedef struct program_kind {
    const char *name;
    int domain;
    int64_t rows;
    int64_t cols;
    int weight_bits;
    int cell_bits;
    const char *cell;
    const char *encoding;
    aimrt_encoding encoding_code;
    aimrt_input_mode input_mode;
    int input_bits;
    aimrt_input_sign input_sign;  /* for signed inputs: one-pass or a two-pass mode */
    int adc_bits;      /* 0 for a lossless readout */
    int adc_range;     /* AIMRT_ADC_* */
    aimrt_kind_params params; /* section 8 of a version 2 program; fallbacks otherwise */
} program_kind;

typedef struct program_tile {
    int32_t kind;
    int64_t rows;
    int64_t cols;
    const float *levels;  /* rows x cols, row-major, pointing into the image */
    uint64_t levels_offset;
    bool drift_compensation; /* AIMRT_TILE_FLAG_DRIFT_COMPENSATION */
} program_tile;

/* One block of a LINEAR weight on a tile: W[w_row:+n_rows, w_col:+n_cols]
 * sits at (tile_row, tile_col) of the tile. */
typedef struct program_block {
    int32_t tile;
    int64_t tile_row;
    int64_t tile_col;
    int64_t w_row;
    int64_t w_col;
    int64_t n_rows;
    int64_t n_cols;
    int32_t replica;   /* copy index, 0 .. n_replicas - 1 of the op */
} program_block;

typedef struct program_op {
    aimrt_op code;
    const char *node;
    const char *onnx_type;
    int n_inputs;
    int32_t *inputs;   /* -1 for an absent optional input */
    int n_outputs;
    int32_t *outputs;
    int n_attrs;
    aimrt_attr *attrs;
    int n_blocks;
    program_block *blocks;
    int n_replicas;    /* LINEAR: copies of W on tiles, each covering it once */
    bool quantized;    /* LINEAR: a plan record was given (x, Wq, bias, w_scale) */
    aimrt_linear_plan plan;  /* LINEAR: the plan, or a float plan when not quantized */
} program_op;

typedef struct program_meta {
    const char *key;
    const char *value;
} program_meta;

struct aimrt_program {
    uint8_t *image;    /* the copied file */
    size_t size;
    uint32_t version;
    uint32_t flags;
    uint32_t crc;
    program_section sections[AIMRT_SECTION_COUNT];
    int n_tensors;
    program_tensor *tensors;
    int n_kinds;
    program_kind *kinds;
    int n_tiles;
    program_tile *tiles;
    int n_inputs;
    int32_t *inputs;
    int n_outputs;
    int32_t *outputs;
    const char **output_names;  /* graph output names, which may differ from tensor names */
    int n_ops;
    program_op *ops;
    int n_meta;
    program_meta *meta;
    int64_t arena_bytes_per_sample;  /* activation arena of batched tensors, per sample */
    int64_t arena_bytes_fixed;       /* activation arena of the other tensors */
    bool batched;      /* some tensor is batched */
    aimrt_limits limits;  /* the load's limits with defaults filled in */
};

/* Returns the sections of the program's version: 7 in version 1, else 8. */
static inline int program_section_count(const aimrt_program *program)
{
    return program->version < 2 ? AIMRT_SECTION_COUNT_V1 : AIMRT_SECTION_COUNT;
}

/* Returns a pointer to the first byte of section id in the image. */
static inline const uint8_t *program_section_bytes(const aimrt_program *program, int id)
{
    return program->image + program->sections[id - 1].offset;
}

/* Writes a one-line reason into error (may be NULL) and returns status. */
aimrt_status aimrt_error_set(aimrt_error *error, aimrt_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills every zero field of limits (NULL: all of them) with its default.
 * In program_limits.c. */
aimrt_limits program_limits_resolve(const aimrt_limits *limits);

/*
 * Returns AIMRT_OK when value <= limit. Otherwise writes "WHERE: VALUE UNIT
 * exceed the limit of LIMIT; raise it with --OPTION N (aimrt_limits.FIELD)"
 * into error, where --OPTION is the aimcc option named after field
 * (max_tensor_bytes: --max-tensor-bytes), and returns status.
 */
aimrt_status program_limit_check(aimrt_error *error, aimrt_status status, const char *where,
                                 int64_t value, const char *unit, int64_t limit,
                                 const char *field);

/* Parse steps of aimrt_program_load, in file order after the header. */
aimrt_status program_parse_tensors(aimrt_program *program, aimrt_error *error);
aimrt_status program_parse_tiles(aimrt_program *program, aimrt_error *error);
aimrt_status program_parse_metadata(aimrt_program *program, aimrt_error *error);
/* Fills every kind's params with the fallbacks, then section 8's records. */
aimrt_status program_parse_kind_params(aimrt_program *program, aimrt_error *error);
aimrt_status program_parse_code(aimrt_program *program, aimrt_error *error);
aimrt_status program_check_ops(aimrt_program *program, aimrt_error *error);

/* Checks the plan, blocks and replicas of LINEAR op index (after its shapes),
 * and the cell levels of every tile of an integer kind. In program_plan.c. */
aimrt_status program_check_linear(const aimrt_program *program, int index, aimrt_error *error);
aimrt_status program_check_levels(const aimrt_program *program, aimrt_error *error);
/* Checks the optional calibration inputs 4 to 6 of quantized LINEAR op index
 * (after its blocks). In program_calibration.c. */
aimrt_status program_check_calibration(const aimrt_program *program, int index,
                                       aimrt_error *error);
aimrt_status program_check_quantized_shapes(const aimrt_program *program, int index,
                                            int64_t batch, aimrt_error *error);

/* Checks the arena placement of every activation and that no op's outputs
 * share arena bytes with its inputs or each other. In program_arena.c. */
aimrt_status program_check_arena(const aimrt_program *program, aimrt_error *error);

/* Returns the tile columns a block of op uses: n_cols * S * P plus the
 * reference columns. */
int64_t program_block_columns(const program_op *op, const program_block *block);

/* Returns the byte size of tensor id at batch. */
int64_t program_tensor_bytes(const aimrt_program *program, int32_t id, int64_t batch);

/* Names of plan enums for messages and inspect ("differential", "bit-serial"). */
const char *program_encoding_name(aimrt_encoding encoding);
const char *program_input_mode_name(aimrt_input_mode mode);
const char *program_input_sign_name(aimrt_input_sign sign);
const char *program_input_range_name(aimrt_input_range range);

/* Looks up a string by its offset in the strings section. Returns NULL when the
 * offset is out of range. */
const char *program_string(const aimrt_program *program, uint32_t offset);

/* Fills a tensor view of tensor id at batch (dims[0] = batch when batched). */
void program_tensor_view(const aimrt_program *program, int32_t id, int64_t batch,
                         aimrt_tensor *view);

/* Looks up a metadata value by key. Returns NULL when the key is absent. */
const char *program_meta_find(const aimrt_program *program, const char *key);

#endif
