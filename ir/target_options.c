/* SPDX-License-Identifier: MIT */
/*
 * Compile options given by --set that are not fields of the target file:
 * quantize.per_layer (0 or 1), map.replicate[NODE] (1 to 64 copies of one
 * layer), drift_compensation (0 or 1 for every kind) and the frontend's
 * resource limits limits.KEY. The loader stores them
 * in aimcc_target.options; the passes and the compile driver read them with
 * aimcc_target_option_int. They stay out of the target JSON, so a stored
 * target reloads unchanged.
 */
#include "ir/target_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPLICAS 64

/* One compile option: its key, whether it takes [NODE], and its range. */
typedef struct option_spec {
    const char *key;
    bool per_node;
    int64_t min;
    int64_t max;
    const char *allowed; /* the allowed values in words, for messages */
} option_spec;

static const option_spec option_specs[] = {
    {"quantize.per_layer", false, 0, 1,
     "0 (one weight scale per output column) or 1 (one scale per layer)"},
    {"map.replicate", true, 1, MAX_REPLICAS, "an integer from 1 to 64 (copies of the layer)"},
    {"drift_compensation", false, 0, 1,
     "0 (no drift compensation) or 1 (global drift compensation on every kind)"},
    {"limits.max_nodes", false, 1, INT32_MAX, "an integer from 1 to 2147483647 (ONNX nodes)"},
    {"limits.max_tensor_elements", false, 1, INT64_MAX,
     "an integer from 1 to 2^63-1 (elements of one tensor)"},
    {"limits.max_tensor_bytes", false, 1, INT64_MAX,
     "an integer from 1 to 2^63-1 (bytes of one tensor)"},
    {"limits.max_total_bytes", false, 1, INT64_MAX,
     "an integer from 1 to 2^63-1 (bytes of all constants)"},
    {"limits.max_external_bytes", false, 1, INT64_MAX,
     "an integer from 1 to 2^63-1 (bytes of external data)"},
};

#define N_OPTION_SPECS ((int)(sizeof option_specs / sizeof option_specs[0]))

bool aimcc_target_option_key(const char *key)
{
    return strncmp(key, "quantize.", strlen("quantize.")) == 0 ||
           strncmp(key, "map.", strlen("map.")) == 0 ||
           strncmp(key, "limits.", strlen("limits.")) == 0 ||
           strcmp(key, "drift_compensation") == 0;
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

/* Returns the length of NODE in "KEY[NODE]", or 0 when the key has no
 * bracketed, non-empty node at its end. */
static size_t node_length(const char *key, const char *prefix)
{
    const size_t prefix_length = strlen(prefix);
    const size_t len = strlen(key);
    if (strncmp(key, prefix, prefix_length) != 0 || key[prefix_length] != '[' ||
        len < prefix_length + 3 || key[len - 1] != ']')
        return 0;
    return len - prefix_length - 2;
}

/* Finds the spec of a key: the whole key, or for per-node keys the part before '['. */
static const option_spec *find_spec(const char *key)
{
    for (int i = 0; i < N_OPTION_SPECS; i++) {
        const option_spec *spec = &option_specs[i];
        const size_t length = strlen(spec->key);
        if (strncmp(key, spec->key, length) != 0)
            continue;
        if (key[length] == '\0' || (spec->per_node && key[length] == '['))
            return spec;
    }
    return NULL;
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

static aimcc_status fail_unknown_key(aimcc_ctx *ctx, const char *file, const aimcc_binding *set)
{
    char keys[512] = "";
    size_t used = 0;
    for (int i = 0; i < N_OPTION_SPECS && used < sizeof keys; i++)
        used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s%s", i ? ", " : "",
                                 option_specs[i].key, option_specs[i].per_node ? "[NODE]" : "");
    return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: --set %s=%s: unknown key \"%s\"; allowed compile options: %s.", file,
                      set->name, set->value, set->name, keys);
}

aimcc_status aimcc_target_option_parse(aimcc_ctx *ctx, aimcc_arena *arena, const char *file,
                                       const aimcc_binding *set, aimcc_target_option *options,
                                       int *n_options)
{
    const option_spec *spec = find_spec(set->name);
    if (spec == NULL)
        return fail_unknown_key(ctx, file, set);

    aimcc_target_option option = {.key = spec->key, .node = NULL, .value = 0};
    if (spec->per_node) {
        const size_t length = node_length(set->name, spec->key);
        if (length == 0)
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "%s: --set %s=%s: invalid key; allowed: %s[NODE] with the ONNX "
                              "node name of a layer in the brackets.",
                              file, set->name, set->value, spec->key);
        option.node = aimcc_arena_printf(arena, "%.*s", (int)length,
                                         set->name + strlen(spec->key) + 1);
        if (option.node == NULL)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory applying --set");
    }

    if (!parse_integer(set->value, &option.value) || option.value < spec->min ||
        option.value > spec->max)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, option.node, NULL,
                          "%s: --set %s=%s: invalid value for key \"%s\"; allowed: %s.", file,
                          set->name, set->value, set->name, spec->allowed);
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
