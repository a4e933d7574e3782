/* SPDX-License-Identifier: MIT */
/*
 * Growable byte buffers and the deduplicated string table that the backend
 * builds the program sections in.
 */
#include <stdlib.h>

#include "backend/emit_internal.h"

uint8_t *emit_buffer_grow(emit_buffer *buffer, size_t size)
{
    if (buffer->failed || size > SIZE_MAX / 2 - buffer->size) {
        buffer->failed = true;
        return NULL;
    }
    if (size == 0)
        return buffer->data ? buffer->data + buffer->size : NULL;
    if (buffer->size + size > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 256;
        while (capacity < buffer->size + size)
            capacity *= 2;
        uint8_t *data = realloc(buffer->data, capacity);
        if (!data) {
            buffer->failed = true;
            return NULL;
        }
        buffer->data = data;
        buffer->capacity = capacity;
    }
    uint8_t *out = buffer->data + buffer->size;
    memset(out, 0, size);
    buffer->size += size;
    return out;
}

void emit_buffer_align(emit_buffer *buffer, size_t align)
{
    const size_t padded = (size_t)aimrt_align_up(buffer->size, align);
    emit_buffer_grow(buffer, padded - buffer->size);
}

void emit_put_u32(emit_buffer *buffer, uint32_t value)
{
    uint8_t *p = emit_buffer_grow(buffer, 4);
    if (p)
        aimrt_put_u32(p, value);
}

void emit_put_u64(emit_buffer *buffer, uint64_t value)
{
    uint8_t *p = emit_buffer_grow(buffer, 8);
    if (p)
        aimrt_put_u64(p, value);
}

/* FNV-1a, enough to spread names over the table. */
static size_t hash_string(const char *text)
{
    uint64_t hash = 1469598103934665603u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 1099511628211u;
    return (size_t)hash;
}

static bool rehash(emit_strings *strings, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < strings->n_slots; i++) {
        const uint32_t entry = strings->slots[i];
        if (!entry)
            continue;
        size_t at = hash_string((const char *)strings->bytes.data + entry - 1) & (n_slots - 1);
        while (slots[at])
            at = (at + 1) & (n_slots - 1);
        slots[at] = entry;
    }
    free(strings->slots);
    strings->slots = slots;
    strings->n_slots = n_slots;
    return true;
}

uint32_t emit_string(emit_strings *strings, const char *text)
{
    if (!text)
        text = "";
    /* Keep the table at most half full. */
    if ((strings->count + 1) * 2 > strings->n_slots &&
        !rehash(strings, strings->n_slots ? strings->n_slots * 2 : 64)) {
        strings->bytes.failed = true;
        return UINT32_MAX;
    }

    size_t at = hash_string(text) & (strings->n_slots - 1);
    while (strings->slots[at]) {
        const uint32_t offset = strings->slots[at] - 1;
        if (strcmp((const char *)strings->bytes.data + offset, text) == 0)
            return offset;
        at = (at + 1) & (strings->n_slots - 1);
    }

    const size_t length = strlen(text) + 1;
    const size_t offset = strings->bytes.size;
    if (offset + length >= UINT32_MAX) {
        strings->bytes.failed = true;
        return UINT32_MAX;
    }
    uint8_t *p = emit_buffer_grow(&strings->bytes, length);
    if (!p)
        return UINT32_MAX;
    memcpy(p, text, length);
    strings->slots[at] = (uint32_t)offset + 1;
    strings->count++;
    return (uint32_t)offset;
}

void emit_strings_free(emit_strings *strings)
{
    free(strings->bytes.data);
    free(strings->slots);
    memset(strings, 0, sizeof *strings);
}
