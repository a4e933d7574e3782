/* SPDX-License-Identifier: MIT */
/*
 * Compile options given by --set that are not fields of the target file:
 * quantize.per_layer (0 or 1) and map.replicate[NODE] (1 to 64 copies of one
 * layer). The loader stores them in aimcc_target.options; the passes read them
 * with aimcc_target_option_int. They stay out of the target JSON, so a stored
 * target reloads unchanged.
 */
#include "ir/target_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PER_LAYER_KEY "quantize.per_layer"
#define REPLICATE_KEY "map.replicate"
#define MAX_REPLICAS 64

bool aimcc_target_option_key(const char *key)
{
    return strncmp(key, "quantize.", strlen("quantize.")) == 0 ||
           strncmp(key, "map.", strlen("map.")) == 0;
}

/* Parses text as a whole decimal integer or as true/false (1/0). */
static bool parse_integer(const char *text, int64_t *value)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *value = text[0] == 't';
        return true;
    }
    if (text[0] == '\0')
        return false;
    char *end = NULL;
    errno = 0;
    const long long parsed = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *value = parsed;
    return true;
}

/* Returns the length of NODE in "map.replicate[NODE]", or 0 when the key has
 * no bracketed, non-empty node at its end. */
static size_t replicate_node_length(const char *key)
{
    const size_t prefix = strlen(REPLICATE_KEY "[");
    const size_t len = strlen(key);
    if (strncmp(key, REPLICATE_KEY "[", prefix) != 0 || len < prefix + 2 || key[len - 1] != ']')
        return 0;
    return len - prefix - 1;
}

/* Stores one option, replacing an earlier one for the same key and node. */
static void store_option(aimcc_target_option *options, int *n_options,
                         const aimcc_target_option *option)
{
    for (int i = 0; i < *n_options; i++) {
        const bool same_node = (options[i].node == NULL && option->node == NULL) ||
                               (options[i].node != NULL && option->node != NULL &&
                                strcmp(options[i].node, option->node) == 0);
        if (strcmp(options[i].key, option->key) == 0 && same_node) {
            options[i].value = option->value;
            return;
        }
    }
    options[(*n_options)++] = *option;
}

aimcc_status aimcc_target_option_parse(aimcc_ctx *ctx, aimcc_arena *arena, const char *file,
                                       const aimcc_binding *set, aimcc_target_option *options,
                                       int *n_options)
{
    aimcc_target_option option = {.key = NULL, .node = NULL, .value = 0};
    int64_t min = 0;
    int64_t max = 1;
    if (strcmp(set->name, PER_LAYER_KEY) == 0) {
        option.key = PER_LAYER_KEY;
    } else if (strncmp(set->name, REPLICATE_KEY, strlen(REPLICATE_KEY)) == 0) {
        option.key = REPLICATE_KEY;
        min = 1;
        max = MAX_REPLICAS;
        const size_t node_length = replicate_node_length(set->name);
        if (node_length == 0)
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "%s: --set %s=%s: invalid key; allowed: map.replicate[NODE] with "
                              "the ONNX node name of a layer in the brackets.",
                              file, set->name, set->value);
        option.node = aimcc_arena_printf(arena, "%.*s", (int)node_length,
                                         set->name + strlen(REPLICATE_KEY "["));
        if (option.node == NULL)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory applying --set");
    } else {
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: --set %s=%s: unknown key \"%s\"; allowed compile options: "
                          "quantize.per_layer, map.replicate[NODE].",
                          file, set->name, set->value, set->name);
    }

    if (!parse_integer(set->value, &option.value) || option.value < min || option.value > max) {
        if (option.node != NULL)
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, option.node, NULL,
                              "%s: --set %s=%s: invalid value for key \"%s\"; allowed: an "
                              "integer from %lld to %lld (copies of the layer).",
                              file, set->name, set->value, set->name, (long long)min,
                              (long long)max);
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: --set %s=%s: invalid value for key \"%s\"; allowed: 0 (one weight "
                          "scale per output column) or 1 (one scale per layer).",
                          file, set->name, set->value, set->name);
    }
    store_option(options, n_options, &option);
    return AIMCC_OK;
}

int64_t aimcc_target_option_int(const aimcc_target *target, const char *key, const char *node,
                                int64_t fallback)
{
    if (target == NULL || key == NULL)
        return fallback;
    for (int i = 0; i < target->n_options; i++) {
        const aimcc_target_option *option = &target->options[i];
        if (strcmp(option->key, key) != 0)
            continue;
        if (option->node == NULL ? node == NULL
                                 : node != NULL && strcmp(option->node, node) == 0)
            return option->value;
    }
    return fallback;
}
