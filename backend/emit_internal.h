/* SPDX-License-Identifier: MIT */
/*
 * State shared by the backend's files while one program is built: a growable
 * byte buffer per section and the string table. The layout constants come
 * from runtime/program_format.h, which the loader reads with.
 */
#ifndef AIMCC_EMIT_INTERNAL_H
#define AIMCC_EMIT_INTERNAL_H

#include "backend/emit.h"
#include "runtime/program_format.h"

typedef struct emit_buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
    bool failed;    /* an allocation failed; later appends do nothing */
} emit_buffer;

/* Appends size zero bytes and returns them, or NULL when out of memory.
 * A size of 0 never fails but may return NULL on an empty buffer. */
uint8_t *emit_buffer_grow(emit_buffer *buffer, size_t size);

/* Pads with zeros to a multiple of align. */
void emit_buffer_align(emit_buffer *buffer, size_t align);

void emit_put_u32(emit_buffer *buffer, uint32_t value);
void emit_put_u64(emit_buffer *buffer, uint64_t value);

/* The strings section under construction, with each string stored once. */
typedef struct emit_strings {
    emit_buffer bytes;
    uint32_t count;
    uint32_t *slots;      /* open-addressing table of offset + 1, 0 = empty */
    size_t n_slots;
} emit_strings;

/* Returns the offset of text (NULL is the empty string) in the strings
 * section, adding it when new; UINT32_MAX when out of memory or too large. */
uint32_t emit_string(emit_strings *strings, const char *text);
void emit_strings_free(emit_strings *strings);

typedef struct emit_state {
    aimcc_ctx *ctx;
    const aimcc_module *module;
    const char *source_path;
    emit_buffer sections[AIMRT_SECTION_COUNT];
    uint32_t counts[AIMRT_SECTION_COUNT];
    emit_strings strings;
    int32_t *tensor_of_value;  /* by value id: program tensor id or -1 */
    int32_t *weight_of_value;  /* by value id: tile weight tensor id or -1 */
    int32_t n_tensors;
} emit_state;

/* Returns the buffer of a section by id. */
static inline emit_buffer *emit_section(emit_state *state, int id)
{
    return &state->sections[id - 1];
}

/* Builders of the sections, in the order emit.c calls them. */
aimcc_status emit_code(emit_state *state);
aimcc_status emit_tiles(emit_state *state);
aimcc_status emit_metadata(emit_state *state);

/* Records an out-of-memory failure in the context and returns it. */
aimcc_status emit_fail_nomem(emit_state *state);

#endif
