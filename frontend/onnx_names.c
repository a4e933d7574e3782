/* SPDX-License-Identifier: MIT */
/*
 * Name maps of the ONNX import: tensor names to definitions while validating,
 * and to IR values while lowering (onnx_import_lookup and onnx_import_bind).
 * Open addressing with linear probing in the arena; a map of an If branch
 * falls back to the map of the graph around it.
 */
#include "frontend/onnx_frontend.h"

#include <string.h>

typedef struct name_slot {
    const char *name;
    void *item;
} name_slot;

struct onnx_name_map {
    aimcc_arena *arena;
    onnx_name_map *parent;
    size_t n_items;
    size_t capacity;        /* a power of two */
    name_slot *slots;
};

/* FNV-1a: short, well-spread for identifier-like names. */
static uint64_t hash_name(const char *name)
{
    uint64_t hash = UINT64_C(1469598103934665603);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        hash ^= *c;
        hash *= UINT64_C(1099511628211);
    }
    return hash;
}

onnx_name_map *onnx_name_map_create(aimcc_arena *arena, onnx_name_map *parent)
{
    onnx_name_map *map = aimcc_arena_alloc(arena, sizeof *map);
    if (!map)
        return NULL;
    map->arena = arena;
    map->parent = parent;
    map->capacity = 64;
    map->slots = aimcc_arena_calloc(arena, map->capacity, sizeof *map->slots);
    return map->slots ? map : NULL;
}

onnx_name_map *onnx_name_map_parent(const onnx_name_map *map)
{
    return map->parent;
}

static name_slot *find_slot(name_slot *slots, size_t capacity, const char *name)
{
    size_t i = (size_t)hash_name(name) & (capacity - 1);
    while (slots[i].name && strcmp(slots[i].name, name) != 0)
        i = (i + 1) & (capacity - 1);
    return &slots[i];
}

void *onnx_name_map_find_local(const onnx_name_map *map, const char *name)
{
    if (!name)
        return NULL;
    const name_slot *slot = find_slot(map->slots, map->capacity, name);
    return slot->name ? slot->item : NULL;
}

void *onnx_name_map_find(const onnx_name_map *map, const char *name)
{
    for (; map; map = map->parent) {
        void *item = onnx_name_map_find_local(map, name);
        if (item)
            return item;
    }
    return NULL;
}

/* Doubles the table when it is more than half full; the old table stays in the arena. */
static aimcc_status grow_map(onnx_name_map *map)
{
    if (2 * (map->n_items + 1) <= map->capacity)
        return AIMCC_OK;
    const size_t capacity = map->capacity * 2;
    name_slot *slots = aimcc_arena_calloc(map->arena, capacity, sizeof *slots);
    if (!slots)
        return AIMCC_ERR_NOMEM;
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->slots[i].name)
            *find_slot(slots, capacity, map->slots[i].name) = map->slots[i];
    }
    map->slots = slots;
    map->capacity = capacity;
    return AIMCC_OK;
}

aimcc_status onnx_name_map_put(onnx_name_map *map, const char *name, void *item)
{
    if (grow_map(map) != AIMCC_OK)
        return AIMCC_ERR_NOMEM;
    name_slot *slot = find_slot(map->slots, map->capacity, name);
    if (!slot->name)
        map->n_items++;
    slot->name = name;
    slot->item = item;
    return AIMCC_OK;
}

aimcc_value *onnx_import_lookup(onnx_import *import, const char *name)
{
    if (!name || !name[0] || !import->scope)
        return NULL;
    return onnx_name_map_find(import->scope, name);
}

aimcc_status onnx_import_bind(onnx_import *import, const char *name, aimcc_value *value,
                              const char *node_name, const char *op_type)
{
    /* An empty output name marks an optional output that the model does not use. */
    if (!name || !name[0])
        return AIMCC_OK;
    if (onnx_name_map_find(import->scope, name)) {
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, op_type,
                          "tensor '%s' is defined twice; every tensor name must have one "
                          "producer, so fix the exporter or rename one of them",
                          name);
    }
    /* The key must outlive the protobuf message, which is freed before the passes run. */
    const char *key = aimcc_arena_strdup(import->arena, name);
    if (!key || onnx_name_map_put(import->scope, key, value) != AIMCC_OK)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, node_name, op_type,
                          "out of memory while binding tensor '%s'", name);
    return AIMCC_OK;
}
