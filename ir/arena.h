/* SPDX-License-Identifier: MIT */
/*
 * Bump allocator that owns every IR object of one compilation. Nothing
 * allocated from it is freed alone: aimcc_arena_destroy frees it all.
 */
#ifndef AIMCC_ARENA_H
#define AIMCC_ARENA_H

#include <stddef.h>

typedef struct aimcc_arena aimcc_arena;

/* Creates an empty arena; returns NULL when out of memory. */
aimcc_arena *aimcc_arena_create(void);
void aimcc_arena_destroy(aimcc_arena *arena);

/* Returns size zeroed bytes aligned to 16, or NULL when out of memory or on overflow. */
void *aimcc_arena_alloc(aimcc_arena *arena, size_t size);

/* Returns n * size zeroed bytes, or NULL on overflow or when out of memory. */
void *aimcc_arena_calloc(aimcc_arena *arena, size_t n, size_t size);

/* Copies a string (NULL gives NULL) or a byte range into the arena. */
char *aimcc_arena_strdup(aimcc_arena *arena, const char *text);
void *aimcc_arena_memdup(aimcc_arena *arena, const void *data, size_t size);

/* Formats a string into the arena. */
char *aimcc_arena_printf(aimcc_arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
