/* SPDX-License-Identifier: MIT */
/*
 * Bump allocator in chunks: each compilation allocates its IR here and frees
 * it in one call.
 */
#include "ir/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_CHUNK_BYTES (1u << 20)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} arena_chunk;

struct aimcc_arena {
    arena_chunk *head;
};

aimcc_arena *aimcc_arena_create(void)
{
    return calloc(1, sizeof(aimcc_arena));
}

void aimcc_arena_destroy(aimcc_arena *arena)
{
    if (!arena)
        return;
    arena_chunk *chunk = arena->head;
    while (chunk) {
        arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    free(arena);
}

void *aimcc_arena_alloc(aimcc_arena *arena, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    const size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    arena_chunk *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < rounded) {
        /* Large requests get a chunk of their own, so small ones keep filling the head. */
        const size_t chunk_size = rounded > ARENA_CHUNK_BYTES / 4 ? rounded : ARENA_CHUNK_BYTES;
        arena_chunk *fresh = malloc(sizeof(arena_chunk) + chunk_size);
        if (!fresh)
            return NULL;
        fresh->size = chunk_size;
        fresh->used = 0;
        if (chunk && chunk_size == rounded && chunk_size != ARENA_CHUNK_BYTES) {
            fresh->next = chunk->next;
            chunk->next = fresh;
        } else {
            fresh->next = chunk;
            arena->head = fresh;
        }
        chunk = fresh;
    }

    void *out = chunk->data + chunk->used;
    chunk->used += rounded;
    memset(out, 0, size);
    return out;
}

void *aimcc_arena_calloc(aimcc_arena *arena, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / 2 / size)
        return NULL;
    return aimcc_arena_alloc(arena, n * size);
}

char *aimcc_arena_strdup(aimcc_arena *arena, const char *text)
{
    if (!text)
        return NULL;
    return aimcc_arena_memdup(arena, text, strlen(text) + 1);
}

void *aimcc_arena_memdup(aimcc_arena *arena, const void *data, size_t size)
{
    void *out = aimcc_arena_alloc(arena, size);
    if (out && size)
        memcpy(out, data, size);
    return out;
}

char *aimcc_arena_printf(aimcc_arena *arena, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    const int length = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (length < 0)
        return NULL;

    char *out = aimcc_arena_alloc(arena, (size_t)length + 1);
    if (!out)
        return NULL;
    va_start(args, fmt);
    vsnprintf(out, (size_t)length + 1, fmt, args);
    va_end(args);
    return out;
}
