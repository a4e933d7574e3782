/* SPDX-License-Identifier: MIT */
/*
 * Compile options given by --set that are not fields of the target file:
 * quantize.per_layer (0 or 1), map.replicate[NODE] (1 to 64 copies of one
 * layer), drift_compensation (0 or 1 for every kind), the frontend's
 * resource limits limits.KEY, the calibrate pass's calibrate.KEY and the
 * select-domain pass's select.KEY. The loader stores them in
 * aimcc_target.options; the passes and the compile driver read them with
 * aimcc_target_option_int, _number and _text. They stay out of the target JSON, so a stored
 * target reloads unchanged.
 */
#include "ir/target_options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPLICAS 64

/* How an option's value is written. */
typedef enum option_type {
    OPTION_INTEGER = 0, /* a whole number in [min, max], or true/false */
    OPTION_NUMBER = 1,  /* a finite decimal number in [number_min, number_max] */
    OPTION_CHOICE = 2,  /* one of the '|'-separated names in choices */
    OPTION_TEXT = 3,    /* any non-empty string (a kind or domain name, checked by its pass) */
} option_type;

/* One compile option: its key, whether it takes [NODE], and its range. */
typedef struct option_spec {
    const char *key;
    bool per_node;
    int64_t min;
    int64_t max;
    const char *allowed; /* the allowed values in words, for messages */
    option_type type;
    double number_min;
    double number_max;
    const char *choices;
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
    {"calibrate.seed", false, 0, INT64_MAX,
     "an integer from 0 to 2^63-1 (first seed of the calibration chip instances)"},
    {"calibrate.instances", false, 1, 64, "an integer from 1 to 64 (simulated chip instances)"},
    {"calibrate.probes", false, 2, 4096, "an integer from 2 to 4096 (probe vectors per layer)"},
    {"calibrate.adc_samples", false, 1, INT64_MAX,
     "an integer from 1 to 2^63-1 (calibration samples the sim instances share)"},
    {"calibrate.affine", false, 0, 1,
     "0 (no per-column correction) or 1 (per-column gain and offset fitted per chip)"},
    {"calibrate.input", false, 0, 0, "percentile, mse or max", OPTION_CHOICE, 0, 0,
     "percentile|mse|max"},
    {"calibrate.percentile", false, 0, 0, "a number above 50 and at most 100",
     OPTION_NUMBER, 50.0, 100.0, NULL},
    {"calibrate.adc_percentile", false, 0, 0, "a number above 50 and at most 100",
     OPTION_NUMBER, 50.0, 100.0, NULL},
    {"select.objective", false, 0, 0, "energy, latency or edp", OPTION_CHOICE, 0, 0,
     "energy|latency|edp"},
    {"select.max_error", false, 0, 0, "a positive number (relative output error)",
     OPTION_NUMBER, 0.0, 1e9, NULL},
    {"select.force", true, 0, 0, "a tile kind name or a domain", OPTION_TEXT, 0, 0, NULL},
    {"select.measure", false, 0, 1,
     "0 (estimate the layer errors) or 1 (measure them on the simulator with --calib data)"},
    {"select.samples", false, 1, INT64_MAX,
     "an integer from 1 to 2^63-1 (calibration samples each trial of a kind runs)"},
};

#define N_OPTION_SPECS ((int)(sizeof option_specs / sizeof option_specs[0]))

bool aimcc_target_option_key(const char *key)
{
    return strncmp(key, "quantize.", strlen("quantize.")) == 0 ||
           strncmp(key, "map.", strlen("map.")) == 0 ||
           strncmp(key, "calibrate.", strlen("calibrate.")) == 0 ||
           strncmp(key, "select.", strlen("select.")) == 0 ||
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

/* Returns whether text is one of the '|'-separated names of choices. */
static bool in_choices(const char *choices, const char *text)
{
    const size_t length = strlen(text);
    for (const char *at = choices; at && *at;) {
        const char *bar = strchr(at, '|');
        const size_t item = bar ? (size_t)(bar - at) : strlen(at);
        if (item == length && strncmp(at, text, length) == 0)
            return true;
        at = bar ? bar + 1 : NULL;
    }
    return false;
}

/* Parses the value of one option by its spec's type into option. A number
 * must lie above number_min (exclusive) and at most number_max. */
static bool parse_value(const option_spec *spec, const char *text, aimcc_target_option *option)
{
    option->text = text;
    switch (spec->type) {
    case OPTION_INTEGER:
        if (!parse_integer(text, &option->value) || option->value < spec->min ||
            option->value > spec->max)
            return false;
        option->number = (double)option->value;
        return true;
    case OPTION_NUMBER: {
        char *end = NULL;
        errno = 0;
        const double parsed = strtod(text, &end);
        if (text[0] == '\0' || errno != 0 || *end != '\0' || !isfinite(parsed) ||
            !(parsed > spec->number_min) || parsed > spec->number_max)
            return false;
        option->number = parsed;
        return true;
    }
    case OPTION_CHOICE:
        return in_choices(spec->choices, text);
    case OPTION_TEXT:
        return text[0] != '\0';
    }
    return false;
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
            options[i] = *option;
            return;
        }
    }
    options[(*n_options)++] = *option;
}

static aimcc_status fail_unknown_key(aimcc_ctx *ctx, const char *file, const aimcc_binding *set)
{
    char keys[1024] = "";
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

    aimcc_target_option option = {.key = spec->key, .node = NULL, .value = 0, .number = 0.0,
                                  .text = NULL};
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

    if (!parse_value(spec, set->value, &option))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, option.node, NULL,
                          "%s: --set %s=%s: invalid value for key \"%s\"; allowed: %s.", file,
                          set->name, set->value, set->name, spec->allowed);
    store_option(options, n_options, &option);
    return AIMCC_OK;
}

/* Returns the option of key and node that --set gave, or NULL. */
static const aimcc_target_option *find_option(const aimcc_target *target, const char *key,
                                              const char *node)
{
    if (target == NULL || key == NULL)
        return NULL;
    for (int i = 0; i < target->n_options; i++) {
        const aimcc_target_option *option = &target->options[i];
        if (strcmp(option->key, key) != 0)
            continue;
        if (option->node == NULL ? node == NULL
                                 : node != NULL && strcmp(option->node, node) == 0)
            return option;
    }
    return NULL;
}

int64_t aimcc_target_option_int(const aimcc_target *target, const char *key, const char *node,
                                int64_t fallback)
{
    const aimcc_target_option *option = find_option(target, key, node);
    return option ? option->value : fallback;
}

double aimcc_target_option_number(const aimcc_target *target, const char *key, const char *node,
                                  double fallback)
{
    const aimcc_target_option *option = find_option(target, key, node);
    return option ? option->number : fallback;
}

const char *aimcc_target_option_text(const aimcc_target *target, const char *key,
                                     const char *node, const char *fallback)
{
    const aimcc_target_option *option = find_option(target, key, node);
    return option ? option->text : fallback;
}
