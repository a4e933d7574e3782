/* SPDX-License-Identifier: MIT */
/*
 * Layout constants of the binary program format, version 2 (.aimc), and
 * little-endian field access. The compiler's writer (backend/emit.c) and the
 * runtime's loader (runtime/program_load.c) share this header, so one set of
 * numbers defines the file. docs/program-format.md describes every field.
 */
#ifndef AIMRT_PROGRAM_FORMAT_H
#define AIMRT_PROGRAM_FORMAT_H

#include <stdint.h>
#include <string.h>

#define AIMRT_FORMAT_MAGIC "AIMC"
#define AIMRT_FORMAT_VERSION 2u
/* The oldest version the loader still reads: 7 sections, no kind parameters. */
#define AIMRT_FORMAT_VERSION_MIN 1u
#define AIMRT_FORMAT_ALIGN 64u

/* Header: magic[4], version u32, flags u32, crc32 u32, file_size u64,
 * n_sections u32, header_size u32, then the section table. */
#define AIMRT_HEADER_MAGIC 0
#define AIMRT_HEADER_VERSION 4
#define AIMRT_HEADER_FLAGS 8
#define AIMRT_HEADER_CRC 12
#define AIMRT_HEADER_FILE_SIZE 16
#define AIMRT_HEADER_N_SECTIONS 24
#define AIMRT_HEADER_SIZE_FIELD 28
#define AIMRT_HEADER_TABLE 32
/* Section table entry: id u32, count u32, offset u64, length u64. */
#define AIMRT_SECTION_ENTRY_SIZE 24
/* The header with its table, rounded up to the section alignment. */
#define AIMRT_HEADER_SIZE 256

/* Section ids, which are also their order in the table. They are fixed and only appended. */
enum {
    AIMRT_SECTION_STRINGS = 1,
    AIMRT_SECTION_TENSORS = 2,
    AIMRT_SECTION_TILE_KINDS = 3,
    AIMRT_SECTION_TILES = 4,
    AIMRT_SECTION_CONSTANTS = 5,
    AIMRT_SECTION_CODE = 6,
    AIMRT_SECTION_METADATA = 7,
    AIMRT_SECTION_KIND_PARAMS = 8,
    AIMRT_SECTION_COUNT = 8,    /* sections in a version 2 file */
    AIMRT_SECTION_COUNT_V1 = 7, /* sections in a version 1 file */
};

/* Tensor record, 104 bytes: name u32 (string offset), dtype u32, kind u32,
 * rank u32, flags u32, reserved u32, dims i64[8], data_offset u64,
 * data_length u64 (into the constants section). */
#define AIMRT_TENSOR_RECORD_SIZE 104
#define AIMRT_TENSOR_FLAG_BATCHED 1u
/* An activation or output placed in the activation arena: data_offset is its
 * byte offset there (per sample when batched), data_length its byte size at
 * batch 1. */
#define AIMRT_TENSOR_FLAG_ARENA 2u

/* Tensor kinds. An output is an activation that is also a graph output. A
 * weight is a LINEAR weight whose values live on tiles only (no data). */
enum {
    AIMRT_TENSOR_ACTIVATION = 0,
    AIMRT_TENSOR_INPUT = 1,
    AIMRT_TENSOR_CONST = 2,
    AIMRT_TENSOR_OUTPUT = 3,
    AIMRT_TENSOR_WEIGHT = 4,
    AIMRT_TENSOR_KIND_COUNT = 5,
};

/* Tile kind record, 64 bytes: name u32, domain u32, rows u64, cols u64,
 * weight_bits u32, cell_bits u32, cell u32 (string), encoding u32 (string),
 * encoding code u32 (aimrt_encoding), input mode u32 (aimrt_input_mode),
 * input bits u32, input sign u32 (aimrt_input_sign for signed inputs: one-pass
 * or two-pass), adc bits u32, adc range u32 (AIMRT_ADC_*). */
#define AIMRT_KIND_RECORD_SIZE 64
#define AIMRT_DOMAIN_COUNT 6
enum {
    AIMRT_ADC_LOSSLESS = 0,
    AIMRT_ADC_CALIBRATED = 1,
};

/* Tile record, 32 bytes: kind u32, flags u32, rows u64, cols u64,
 * levels_offset u64 from the start of the tiles section, of rows x cols f32. */
#define AIMRT_TILE_RECORD_SIZE 32
/* Tile flag: the runtime applies global drift compensation to the ops whose
 * blocks sit on the tile. */
#define AIMRT_TILE_FLAG_DRIFT_COMPENSATION 1u

/* Code section: n_inputs u32, n_outputs u32, n_ops u32, reserved u32, arena
 * bytes per sample u64, arena bytes fixed u64, input ids i32[n_inputs],
 * outputs as (id i32, name u32) pairs, padded to 8 bytes, then the ops. */
#define AIMRT_CODE_HEADER_SIZE 32
/* Op header, 32 bytes: opcode u32, node u32, onnx_type u32, n_inputs u32,
 * n_outputs u32, n_attrs u32, n_blocks u32, plan u32 (1 when a plan record
 * follows the blocks), then tensor ids i32[n_inputs + n_outputs] padded to 8,
 * attributes, blocks, plan. */
#define AIMRT_OP_HEADER_SIZE 32
/* Attribute header, 16 bytes: key u32, kind u32, count u32, reserved u32,
 * then count i64 or f32 values, padded to 8. */
#define AIMRT_ATTR_HEADER_SIZE 16
/* Tile block, 56 bytes: tile i32, replica i32, tile_row, tile_col, w_row,
 * w_col, n_rows, n_cols as i64. */
#define AIMRT_BLOCK_RECORD_SIZE 56
/* Plan record of a quantized LINEAR op, 48 bytes: kind i32, encoding u32,
 * weight_bits i32, cell_bits i32, n_slices i32, n_polarities i32, input_mode
 * u32, input_sign u32, input_bits i32, n_phases i32, input_range u32,
 * input_scale f32 (the fields of aimrt_linear_plan in order). */
#define AIMRT_PLAN_RECORD_SIZE 48

/* Kind parameter record (section 8), 16 bytes: kind u32, param id u32
 * (aimrt_param), value f64 in the registry's unit. Sorted by (kind, id). */
#define AIMRT_KIND_PARAM_RECORD_SIZE 16

/* Optional calibration inputs of a quantized LINEAR op (version 2): probe
 * inputs [P, K], their ideal outputs [P, N], and one ADC range per tile
 * column of the op's blocks, in block order. Without adc_low a column's
 * converter spans [-adc_range, adc_range]; with it, [adc_low, adc_range]. */
#define AIMRT_LINEAR_PROBE_X 4
#define AIMRT_LINEAR_PROBE_Y 5
#define AIMRT_LINEAR_ADC_RANGE 6
#define AIMRT_LINEAR_ADC_LOW 7
#define AIMRT_LINEAR_MAX_INPUTS 8

/* Metadata record, 8 bytes: key u32, value u32 (both string offsets). */
#define AIMRT_META_RECORD_SIZE 8

/* Rounds n up to a multiple of align (a power of two). */
static inline uint64_t aimrt_align_up(uint64_t n, uint64_t align)
{
    return (n + align - 1) & ~(align - 1);
}

static inline uint32_t aimrt_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t aimrt_get_u64(const uint8_t *p)
{
    return (uint64_t)aimrt_get_u32(p) | (uint64_t)aimrt_get_u32(p + 4) << 32;
}

static inline void aimrt_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void aimrt_put_u64(uint8_t *p, uint64_t v)
{
    aimrt_put_u32(p, (uint32_t)v);
    aimrt_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline double aimrt_get_f64(const uint8_t *p)
{
    const uint64_t bits = aimrt_get_u64(p);
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline void aimrt_put_f64(uint8_t *p, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    aimrt_put_u64(p, bits);
}

static inline float aimrt_get_f32(const uint8_t *p)
{
    const uint32_t bits = aimrt_get_u32(p);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline void aimrt_put_f32(uint8_t *p, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    aimrt_put_u32(p, bits);
}

#endif
