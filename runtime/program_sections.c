/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the fixed-record sections of a program: tensors, tile kinds,
 * tiles and metadata. Each checks lengths and counts before reading a record
 * and every field before storing it; the code section has its own file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "program_internal.h"

/* The limit on tile rows and columns keeps rows x cols x 4 far from overflow. */
#define MAX_TILE_SIDE (INT64_C(1) << 20)

static aimrt_status check_record_array(const aimrt_program *program, int id, const char *what,
                                       uint64_t record_size, aimrt_error *error)
{
    const program_section *s = &program->sections[id - 1];
    if (s->length != (uint64_t)s->count * record_size)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section %s: length %llu is not %u records of %llu bytes", what,
                               (unsigned long long)s->length, s->count,
                               (unsigned long long)record_size);
    return AIMRT_OK;
}

static aimrt_status read_string(const aimrt_program *program, uint32_t offset, const char *where,
                                int index, const char **out, aimrt_error *error)
{
    *out = program_string(program, offset);
    if (!*out)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "%s %d: string offset %u is outside the strings section", where,
                               index, offset);
    return AIMRT_OK;
}

/* Checks the data range of a constant against the constants section. */
static aimrt_status check_tensor_data(const aimrt_program *program, int index,
                                      program_tensor *t, int64_t count, aimrt_error *error)
{
    const program_section *constants = &program->sections[AIMRT_SECTION_CONSTANTS - 1];
    const uint64_t expected = (uint64_t)count * aimrt_dtype_size(t->dtype);

    if (t->in_arena) {
        /* The arena's size comes with the code section, which program_check_arena
         * checks the offset against. */
        if (t->kind != AIMRT_TENSOR_ACTIVATION && t->kind != AIMRT_TENSOR_OUTPUT)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": only activations and outputs live in the "
                                   "activation arena", index, t->name);
        if (t->data_length != expected || t->data_offset > (uint64_t)INT64_MAX)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": arena buffer of %llu bytes at offset %llu, "
                                   "but the tensor takes %llu bytes per sample",
                                   index, t->name, (unsigned long long)t->data_length,
                                   (unsigned long long)t->data_offset,
                                   (unsigned long long)expected);
        return AIMRT_OK;
    }
    if (t->kind != AIMRT_TENSOR_CONST) {
        if (t->data_offset != 0 || t->data_length != 0)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": only constants carry data", index, t->name);
        return AIMRT_OK;
    }
    if (t->batched)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": a constant cannot be batched", index, t->name);
    if (t->data_offset % AIMRT_FORMAT_ALIGN != 0 || t->data_offset > constants->length ||
        t->data_length > constants->length - t->data_offset || t->data_length != expected)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": data offset %llu and length %llu do not give "
                               "an aligned range of %llu bytes inside the constants section",
                               index, t->name, (unsigned long long)t->data_offset,
                               (unsigned long long)t->data_length, (unsigned long long)expected);
    t->data = program_section_bytes(program, AIMRT_SECTION_CONSTANTS) + t->data_offset;
    return AIMRT_OK;
}

static aimrt_status parse_tensor(aimrt_program *program, int index, const uint8_t *record,
                                 aimrt_error *error)
{
    program_tensor *t = &program->tensors[index];
    aimrt_status status = read_string(program, aimrt_get_u32(record), "tensor", index, &t->name,
                                      error);
    if (status != AIMRT_OK)
        return status;

    const uint32_t dtype = aimrt_get_u32(record + 4);
    const uint32_t kind = aimrt_get_u32(record + 8);
    const uint32_t rank = aimrt_get_u32(record + 12);
    const uint32_t flags = aimrt_get_u32(record + 16);
    if (dtype >= AIMRT_DTYPE_COUNT || aimrt_dtype_size((aimrt_dtype)dtype) == 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": dtype %u is not supported", index, t->name,
                               dtype);
    if (kind >= AIMRT_TENSOR_KIND_COUNT || rank > AIMRT_MAX_RANK ||
        (flags & ~(AIMRT_TENSOR_FLAG_BATCHED | AIMRT_TENSOR_FLAG_ARENA)) != 0 ||
        aimrt_get_u32(record + 20) != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": kind %u, rank %u or flags 0x%x out of range",
                               index, t->name, kind, rank, flags);
    t->dtype = (aimrt_dtype)dtype;
    t->kind = (int)kind;
    t->rank = (int)rank;
    t->batched = (flags & AIMRT_TENSOR_FLAG_BATCHED) != 0;
    t->in_arena = (flags & AIMRT_TENSOR_FLAG_ARENA) != 0;
    for (int d = 0; d < AIMRT_MAX_RANK; d++) {
        t->dims[d] = (int64_t)aimrt_get_u64(record + 24 + 8 * d);
        if (d >= t->rank && t->dims[d] != 0)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tensor %d \"%s\": dimension %d beyond rank %d is not zero",
                                   index, t->name, d, t->rank);
    }

    int64_t count;
    if (!aimrt_shape_count(t->rank, t->dims, aimrt_dtype_size(t->dtype), &count))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": negative dimension or element count overflow",
                               index, t->name);
    char where[96];
    snprintf(where, sizeof where, "tensor %d \"%.64s\"", index, t->name);
    status = program_limit_check(error, AIMRT_ERR_INVALID_PROGRAM, where,
                                 count * (int64_t)aimrt_dtype_size(t->dtype),
                                 t->batched ? "bytes per sample" : "bytes",
                                 program->limits.max_tensor_bytes, "max_tensor_bytes");
    if (status != AIMRT_OK)
        return status;
    if (t->batched && (t->rank == 0 || t->dims[0] != 1))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tensor %d \"%s\": a batched tensor needs rank >= 1 and dims[0] "
                               "= 1 (the batch replaces it at run time)", index, t->name);
    program->batched |= t->batched;

    t->data_offset = aimrt_get_u64(record + 88);
    t->data_length = aimrt_get_u64(record + 96);
    return check_tensor_data(program, index, t, count, error);
}

aimrt_status program_parse_tensors(aimrt_program *program, aimrt_error *error)
{
    aimrt_status status = check_record_array(program, AIMRT_SECTION_TENSORS, "tensors",
                                             AIMRT_TENSOR_RECORD_SIZE, error);
    if (status != AIMRT_OK)
        return status;

    const uint32_t count = program->sections[AIMRT_SECTION_TENSORS - 1].count;
    status = program_limit_check(error, AIMRT_ERR_INVALID_PROGRAM, "section tensors", count,
                                 "tensors", program->limits.max_tensors, "max_tensors");
    if (status != AIMRT_OK)
        return status;
    program->tensors = calloc(count > 0 ? count : 1, sizeof *program->tensors);
    if (!program->tensors)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u tensors", count);
    program->n_tensors = (int)count;

    const uint8_t *bytes = program_section_bytes(program, AIMRT_SECTION_TENSORS);
    for (uint32_t i = 0; i < count; i++) {
        status = parse_tensor(program, (int)i, bytes + (uint64_t)i * AIMRT_TENSOR_RECORD_SIZE,
                              error);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}

/* Reads the fields of a kind record that plans are checked against. */
static aimrt_status parse_kind_plan_fields(program_kind *k, int index, const uint8_t *record,
                                           aimrt_error *error)
{
    const uint32_t encoding = aimrt_get_u32(record + 40);
    const uint32_t input_mode = aimrt_get_u32(record + 44);
    const uint32_t input_bits = aimrt_get_u32(record + 48);
    const uint32_t input_sign = aimrt_get_u32(record + 52);
    const uint32_t adc_bits = aimrt_get_u32(record + 56);
    const uint32_t adc_range = aimrt_get_u32(record + 60);
    if (encoding >= AIMRT_ENCODING_COUNT || input_mode >= AIMRT_INPUT_MODE_COUNT ||
        input_bits > 32 || input_sign >= AIMRT_INPUT_UNSIGNED || adc_bits > 32 ||
        adc_range > AIMRT_ADC_CALIBRATED)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tile kind %d \"%s\": encoding %u (of %d), input mode %u (of %d), "
                               "input bits %u, input sign %u, adc bits %u or adc range %u out "
                               "of range",
                               index, k->name, encoding, AIMRT_ENCODING_COUNT, input_mode,
                               AIMRT_INPUT_MODE_COUNT, input_bits, input_sign, adc_bits,
                               adc_range);
    if ((encoding == AIMRT_ENCODING_FLOAT) != (k->weight_bits == 0))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tile kind %d \"%s\": encoding %s goes with %s weights, but the "
                               "kind has %d weight bits",
                               index, k->name, program_encoding_name((aimrt_encoding)encoding),
                               encoding == AIMRT_ENCODING_FLOAT ? "float" : "integer",
                               k->weight_bits);
    k->encoding_code = (aimrt_encoding)encoding;
    k->input_mode = (aimrt_input_mode)input_mode;
    k->input_bits = (int)input_bits;
    k->input_sign = (aimrt_input_sign)input_sign;
    k->adc_bits = (int)adc_bits;
    k->adc_range = (int)adc_range;
    return AIMRT_OK;
}

static aimrt_status parse_kind(aimrt_program *program, int index, const uint8_t *record,
                               aimrt_error *error)
{
    program_kind *k = &program->kinds[index];
    aimrt_status status = read_string(program, aimrt_get_u32(record), "tile kind", index,
                                      &k->name, error);
    if (status == AIMRT_OK)
        status = read_string(program, aimrt_get_u32(record + 32), "tile kind", index, &k->cell,
                             error);
    if (status == AIMRT_OK)
        status = read_string(program, aimrt_get_u32(record + 36), "tile kind", index,
                             &k->encoding, error);
    if (status != AIMRT_OK)
        return status;

    const uint32_t domain = aimrt_get_u32(record + 4);
    k->rows = (int64_t)aimrt_get_u64(record + 8);
    k->cols = (int64_t)aimrt_get_u64(record + 16);
    const uint32_t weight_bits = aimrt_get_u32(record + 24);
    const uint32_t cell_bits = aimrt_get_u32(record + 28);
    if (domain >= AIMRT_DOMAIN_COUNT || k->rows < 1 || k->rows > MAX_TILE_SIDE || k->cols < 1 ||
        k->cols > MAX_TILE_SIDE || weight_bits > 64 || cell_bits > 64)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tile kind %d \"%s\": domain %u, %lldx%lld cells, weight bits %u "
                               "or cell bits %u out of range",
                               index, k->name, domain, (long long)k->rows, (long long)k->cols,
                               weight_bits, cell_bits);
    k->domain = (int)domain;
    k->weight_bits = (int)weight_bits;
    k->cell_bits = (int)cell_bits;
    return parse_kind_plan_fields(k, index, record, error);
}

static aimrt_status parse_kinds(aimrt_program *program, aimrt_error *error)
{
    aimrt_status status = check_record_array(program, AIMRT_SECTION_TILE_KINDS, "tile kinds",
                                             AIMRT_KIND_RECORD_SIZE, error);
    if (status != AIMRT_OK)
        return status;

    const uint32_t count = program->sections[AIMRT_SECTION_TILE_KINDS - 1].count;
    program->kinds = calloc(count > 0 ? count : 1, sizeof *program->kinds);
    if (!program->kinds)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u tile kinds", count);
    program->n_kinds = (int)count;

    const uint8_t *bytes = program_section_bytes(program, AIMRT_SECTION_TILE_KINDS);
    for (uint32_t i = 0; i < count && status == AIMRT_OK; i++)
        status = parse_kind(program, (int)i, bytes + (uint64_t)i * AIMRT_KIND_RECORD_SIZE, error);
    return status;
}

/* Parses tile i; previous_end is where the previous tile's levels end, so
 * level arrays come in order and never overlap. */
static aimrt_status parse_tile(aimrt_program *program, int index, uint64_t *previous_end,
                               aimrt_error *error)
{
    const program_section *s = &program->sections[AIMRT_SECTION_TILES - 1];
    const uint8_t *bytes = program_section_bytes(program, AIMRT_SECTION_TILES);
    const uint8_t *record = bytes + (uint64_t)index * AIMRT_TILE_RECORD_SIZE;
    program_tile *tile = &program->tiles[index];

    const uint32_t kind = aimrt_get_u32(record);
    const uint32_t flags = aimrt_get_u32(record + 4);
    tile->rows = (int64_t)aimrt_get_u64(record + 8);
    tile->cols = (int64_t)aimrt_get_u64(record + 16);
    tile->levels_offset = aimrt_get_u64(record + 24);
    if (kind >= (uint32_t)program->n_kinds || (flags & ~AIMRT_TILE_FLAG_DRIFT_COMPENSATION) != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tile %d: kind %u out of range (the program has %d kinds) or "
                               "flags 0x%x beyond 0x%x set", index, kind, program->n_kinds, flags,
                               AIMRT_TILE_FLAG_DRIFT_COMPENSATION);
    tile->kind = (int32_t)kind;
    tile->drift_compensation = (flags & AIMRT_TILE_FLAG_DRIFT_COMPENSATION) != 0;

    const program_kind *k = &program->kinds[kind];
    if (tile->rows < 1 || tile->rows > k->rows || tile->cols < 1 || tile->cols > k->cols)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tile %d: %lldx%lld cells do not fit its kind \"%s\" of %lldx%lld",
                               index, (long long)tile->rows, (long long)tile->cols, k->name,
                               (long long)k->rows, (long long)k->cols);

    const uint64_t levels_bytes = (uint64_t)tile->rows * (uint64_t)tile->cols * sizeof(float);
    if (tile->levels_offset % AIMRT_FORMAT_ALIGN != 0 || tile->levels_offset < *previous_end ||
        tile->levels_offset > s->length || levels_bytes > s->length - tile->levels_offset)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "tile %d: levels at offset %llu (%llu bytes) are not an aligned "
                               "range after the previous tile inside the tiles section",
                               index, (unsigned long long)tile->levels_offset,
                               (unsigned long long)levels_bytes);
    tile->levels = (const float *)(bytes + tile->levels_offset);
    *previous_end = tile->levels_offset + levels_bytes;
    return AIMRT_OK;
}

aimrt_status program_parse_tiles(aimrt_program *program, aimrt_error *error)
{
    aimrt_status status = parse_kinds(program, error);
    if (status != AIMRT_OK)
        return status;

    const program_section *s = &program->sections[AIMRT_SECTION_TILES - 1];
    const uint64_t records = (uint64_t)s->count * AIMRT_TILE_RECORD_SIZE;
    if (records > s->length)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section tiles: %u records need %llu bytes but the section has "
                               "%llu", s->count, (unsigned long long)records,
                               (unsigned long long)s->length);
    status = program_limit_check(error, AIMRT_ERR_INVALID_PROGRAM, "section tiles", s->count,
                                 "tiles", program->limits.max_tiles, "max_tiles");
    if (status != AIMRT_OK)
        return status;
    program->tiles = calloc(s->count > 0 ? s->count : 1, sizeof *program->tiles);
    if (!program->tiles)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u tiles", s->count);
    program->n_tiles = (int)s->count;

    uint64_t previous_end = records;
    for (int i = 0; i < program->n_tiles && status == AIMRT_OK; i++)
        status = parse_tile(program, i, &previous_end, error);
    return status;
}

aimrt_status program_parse_metadata(aimrt_program *program, aimrt_error *error)
{
    aimrt_status status = check_record_array(program, AIMRT_SECTION_METADATA, "metadata",
                                             AIMRT_META_RECORD_SIZE, error);
    if (status != AIMRT_OK)
        return status;

    const uint32_t count = program->sections[AIMRT_SECTION_METADATA - 1].count;
    program->meta = calloc(count > 0 ? count : 1, sizeof *program->meta);
    if (!program->meta)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for %u metadata entries",
                               count);
    program->n_meta = (int)count;

    const uint8_t *bytes = program_section_bytes(program, AIMRT_SECTION_METADATA);
    for (uint32_t i = 0; i < count && status == AIMRT_OK; i++) {
        const uint8_t *record = bytes + (uint64_t)i * AIMRT_META_RECORD_SIZE;
        status = read_string(program, aimrt_get_u32(record), "metadata entry", (int)i,
                             &program->meta[i].key, error);
        if (status == AIMRT_OK)
            status = read_string(program, aimrt_get_u32(record + 4), "metadata entry", (int)i,
                                 &program->meta[i].value, error);
    }
    return status;
}

const char *program_meta_find(const aimrt_program *program, const char *key)
{
    for (int i = 0; i < program->n_meta; i++) {
        if (strcmp(program->meta[i].key, key) == 0)
            return program->meta[i].value;
    }
    return NULL;
}
