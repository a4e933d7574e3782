/* SPDX-License-Identifier: MIT */
/*
 * Target loader: reads a target JSON file (a preset from aimcc_targets_dir()
 * or a path), applies --set KEY=VALUE overrides, checks every key against the
 * schema below, and fills an aimcc_target. Every error names the file, the
 * key path and the allowed values. docs/targets.md describes the format.
 */
#include "ir/target.h"
#include "ir/target_options.h"
#include "ir/target_params.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_TARGET_BYTES (16u << 20)
#define MAX_KINDS 64
#define MAX_TILES_PER_KIND (INT64_C(1) << 24)
#define PATH_SIZE 512

static const char *const domain_names[] = {
    "current", "charge", "charge-redist", "capdiv", "resdiv", "time", NULL,
};
_Static_assert(sizeof(domain_names) / sizeof(domain_names[0]) == AIMCC_DOMAIN_COUNT + 1,
               "one name per aimcc_domain");

const char *aimcc_domain_name(aimcc_domain domain)
{
    if ((int)domain < 0 || domain >= AIMCC_DOMAIN_COUNT)
        return NULL;
    return domain_names[domain];
}

/* The schema: one table of fields per JSON object. */
typedef enum field_type {
    FIELD_INT,    /* a plain integer in [min, max] */
    FIELD_STRING, /* one of choices, or any string when choices is NULL */
    FIELD_OBJECT, /* an object with the keys of children */
    FIELD_GROUP,  /* registry parameters (aimrt/params.h) and nested groups of them, checked
                   * by target_params.c */
    FIELD_KINDS,  /* the array of tile kinds */
    FIELD_TILES,  /* kind name -> tile count */
    FIELD_RANGE,  /* "dynamic" or a positive finite number */
} field_type;

typedef struct field {
    const char *key;
    field_type type;
    bool required;
    int64_t min;
    int64_t max;
    const char *const *choices;
    bool identifier; /* FIELD_STRING: letters, digits, '-' and '_' only */
    bool params;     /* FIELD_OBJECT: other keys are registry parameters (adc, input) */
    const struct field *children;
} field;

/* Names in the order of aimrt_encoding, aimrt_input_mode and aimrt_input_sign. */
static const char *const encoding_choices[] = {
    "signed-float", "differential", "offset", "constant-sum", "twos-complement", NULL,
};
_Static_assert(sizeof(encoding_choices) / sizeof(encoding_choices[0]) == AIMRT_ENCODING_COUNT + 1,
               "one name per aimrt_encoding");
static const char *const input_mode_choices[] = {"float", "amplitude", "bit-serial", "pwm", NULL};
_Static_assert(sizeof(input_mode_choices) / sizeof(input_mode_choices[0]) ==
                   AIMRT_INPUT_MODE_COUNT + 1,
               "one name per aimrt_input_mode");
static const char *const input_signed_choices[] = {
    "one-pass", "two-pass-analog", "two-pass-digital", NULL,
};
_Static_assert(AIMRT_INPUT_ONE_PASS == 0 && AIMRT_INPUT_TWO_PASS_ANALOG == 1 &&
                   AIMRT_INPUT_TWO_PASS_DIGITAL == 2,
               "input_signed_choices follows aimrt_input_sign");
static const char *const adc_range_choices[] = {"lossless", "calibrated", NULL};

static const field input_fields[] = {
    {.key = "mode", .type = FIELD_STRING, .required = true, .choices = input_mode_choices},
    {.key = "bits", .type = FIELD_INT, .min = 1, .max = 16},
    {.key = "signed", .type = FIELD_STRING, .choices = input_signed_choices},
    {.key = "range", .type = FIELD_RANGE},
    {.key = NULL},
};

static const field adc_fields[] = {
    {.key = "range", .type = FIELD_STRING, .required = true, .choices = adc_range_choices},
    {.key = "bits", .type = FIELD_INT, .min = 1, .max = 16},
    {.key = NULL},
};

static const field kind_fields[] = {
    {.key = "name", .type = FIELD_STRING, .required = true, .identifier = true},
    {.key = "description", .type = FIELD_STRING},
    {.key = "domain", .type = FIELD_STRING, .required = true, .choices = domain_names},
    {.key = "rows", .type = FIELD_INT, .required = true, .min = 1, .max = 65536},
    {.key = "cols", .type = FIELD_INT, .required = true, .min = 1, .max = 65536},
    {.key = "cell", .type = FIELD_STRING, .required = true, .identifier = true},
    {.key = "weight_bits", .type = FIELD_INT, .required = true, .min = 0, .max = 16},
    {.key = "cell_bits", .type = FIELD_INT, .required = true, .min = 0, .max = 16},
    {.key = "encoding", .type = FIELD_STRING, .required = true, .choices = encoding_choices},
    {.key = "input", .type = FIELD_OBJECT, .required = true, .params = true,
     .children = input_fields},
    {.key = "adc", .type = FIELD_OBJECT, .required = true, .params = true,
     .children = adc_fields},
    {.key = "drift_compensation", .type = FIELD_INT, .min = 0, .max = 1},
    {.key = "device", .type = FIELD_GROUP},
    {.key = "circuit", .type = FIELD_GROUP},
    {.key = "cost", .type = FIELD_GROUP},
    {.key = NULL},
};

static const field chip_fields[] = {
    {.key = "tiles", .type = FIELD_TILES, .required = true, .min = 1, .max = MAX_TILES_PER_KIND},
    {.key = NULL},
};

static const field top_fields[] = {
    {.key = "format", .type = FIELD_INT, .required = true, .min = AIMCC_TARGET_FORMAT,
     .max = AIMCC_TARGET_FORMAT},
    {.key = "name", .type = FIELD_STRING, .required = true, .identifier = true},
    {.key = "description", .type = FIELD_STRING},
    {.key = "chip", .type = FIELD_OBJECT, .required = true, .children = chip_fields},
    {.key = "kinds", .type = FIELD_KINDS, .required = true, .children = kind_fields},
    {.key = NULL},
};

/* The tile count of one chip.tiles entry. */
static const field tile_count_field = {
    .key = "tiles", .type = FIELD_INT, .min = 1, .max = MAX_TILES_PER_KIND,
};

/* One load: the file that messages name. */
typedef struct loader {
    aimcc_ctx *ctx;
    const char *file;
    bool overridden;  /* --set changed the file's values, so a rule may fail on them */
} loader;

static const field *find_field(const field *fields, const char *key)
{
    for (const field *f = fields; f != NULL && f->key != NULL; f++)
        if (strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

/* Writes "a, b, c" for a NULL-terminated list of names. */
static void join_names(char *buf, size_t size, const char *const *names)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] != NULL && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

static void join_keys(char *buf, size_t size, const field *fields)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; fields[i].key != NULL && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", fields[i].key);
}

/* Describes what a field accepts, for error messages. */
static void describe_allowed(char *buf, size_t size, const field *f)
{
    char list[256];
    switch (f->type) {
    case FIELD_INT:
        if (f->min == f->max)
            snprintf(buf, size, "the integer %lld", (long long)f->min);
        else
            snprintf(buf, size, "an integer from %lld to %lld", (long long)f->min,
                     (long long)f->max);
        return;
    case FIELD_STRING:
        if (f->choices != NULL) {
            join_names(list, sizeof(list), f->choices);
            snprintf(buf, size, "one of %s", list);
        } else if (f->identifier) {
            snprintf(buf, size, "a non-empty name of letters, digits, '-' and '_'");
        } else {
            snprintf(buf, size, "a string");
        }
        return;
    case FIELD_OBJECT:
        join_keys(list, sizeof(list), f->children);
        snprintf(buf, size, "an object with keys %s", list);
        return;
    case FIELD_GROUP:
        snprintf(buf, size,
                 "an object of the parameters in docs/targets.md: quantities {\"value\", "
                 "\"unit\", \"source\"}, choice strings and nested groups");
        return;
    case FIELD_KINDS:
        snprintf(buf, size, "an array of 1 to %d tile kind objects", MAX_KINDS);
        return;
    case FIELD_TILES:
        snprintf(buf, size, "an object that gives each kind name a tile count from %lld to %lld",
                 (long long)f->min, (long long)f->max);
        return;
    case FIELD_RANGE:
        snprintf(buf, size, "\"dynamic\" or a positive number (the static range, in input units)");
        return;
    }
    snprintf(buf, size, "?");
}

/* Prints a JSON item for a message, cut to a readable length. */
static void describe_item(char *buf, size_t size, const cJSON *item)
{
    char *text = cJSON_PrintUnformatted(item);
    if (text == NULL) {
        snprintf(buf, size, "(unprintable)");
        return;
    }
    if (strlen(text) > 60)
        snprintf(buf, size, "%.57s...", text);
    else
        snprintf(buf, size, "%s", text);
    cJSON_free(text);
}

static aimcc_status fail_value(const loader *ld, const char *path, const cJSON *item,
                               const field *f)
{
    char allowed[512];
    char shown[80];
    describe_allowed(allowed, sizeof(allowed), f);
    describe_item(shown, sizeof(shown), item);
    return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: key \"%s\" is %s; allowed: %s. Fix the target file or the --set value.",
                      ld->file, path, shown, allowed);
}

static aimcc_status fail_unknown(const loader *ld, const char *path, const field *fields)
{
    char keys[512];
    join_keys(keys, sizeof(keys), fields);
    return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: unknown key \"%s\"; allowed keys here: %s.", ld->file, path, keys);
}

static void join_path(char *buf, size_t size, const char *parent, const char *key)
{
    if (parent[0] == '\0')
        snprintf(buf, size, "%s", key);
    else
        snprintf(buf, size, "%s.%s", parent, key);
}

static bool is_identifier(const char *text)
{
    if (text[0] == '\0')
        return false;
    for (const char *c = text; *c != '\0'; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            return false;
    return true;
}

static bool in_choices(const char *text, const char *const *choices)
{
    for (int i = 0; choices[i] != NULL; i++)
        if (strcmp(text, choices[i]) == 0)
            return true;
    return false;
}

/* Returns whether item is a valid value of a FIELD_INT, FIELD_STRING or FIELD_RANGE field. */
static bool scalar_ok(const cJSON *item, const field *f)
{
    if (f->type == FIELD_RANGE)
        return (cJSON_IsString(item) && strcmp(item->valuestring, "dynamic") == 0) ||
               (cJSON_IsNumber(item) && isfinite(item->valuedouble) && item->valuedouble > 0);
    if (f->type == FIELD_INT) {
        if (!cJSON_IsNumber(item))
            return false;
        const double v = item->valuedouble;
        return isfinite(v) && v == floor(v) && v >= (double)f->min && v <= (double)f->max;
    }
    if (f->type != FIELD_STRING || !cJSON_IsString(item))
        return false;
    const char *text = item->valuestring;
    if (f->choices != NULL && !in_choices(text, f->choices))
        return false;
    return !f->identifier || is_identifier(text);
}

static aimcc_status check_scalar(const loader *ld, const char *path, const cJSON *item,
                                 const field *f)
{
    return scalar_ok(item, f) ? AIMCC_OK : fail_value(ld, path, item, f);
}

/* Rejects a key that appears twice in one object: cJSON keeps both, and
 * which one wins would be a silent guess. */
static aimcc_status check_duplicates(const loader *ld, const char *path, const cJSON *object)
{
    for (const cJSON *a = object->child; a != NULL; a = a->next)
        for (const cJSON *b = a->next; b != NULL; b = b->next)
            if (strcmp(a->string, b->string) == 0) {
                char child[PATH_SIZE];
                join_path(child, sizeof(child), path, a->string);
                return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                  "%s: key \"%s\" appears twice; keep one.", ld->file, child);
            }
    return AIMCC_OK;
}

static aimcc_status check_item(const loader *ld, const char *path, const cJSON *item,
                               const field *f);

/* Checks that a group of registry parameters is an object; target_params.c
 * checks its keys with the rest of the kind. */
static aimcc_status check_group(const loader *ld, const char *path, const cJSON *group,
                                const field *f)
{
    return cJSON_IsObject(group) ? check_duplicates(ld, path, group)
                                 : fail_value(ld, path, group, f);
}

static aimcc_status check_object(const loader *ld, const char *path, const cJSON *object,
                                 const field *f)
{
    if (!cJSON_IsObject(object))
        return fail_value(ld, path, object, f);
    aimcc_status status = check_duplicates(ld, path, object);
    for (const cJSON *c = object->child; c != NULL && status == AIMCC_OK; c = c->next) {
        char child[PATH_SIZE];
        join_path(child, sizeof(child), path, c->string);
        const field *cf = find_field(f->children, c->string);
        if (cf == NULL && f->params)
            continue; /* a registry parameter, which target_params.c checks */
        status = cf == NULL ? fail_unknown(ld, child, f->children) : check_item(ld, child, c, cf);
    }
    for (const field *cf = f->children; cf->key != NULL && status == AIMCC_OK; cf++) {
        if (!cf->required || cJSON_GetObjectItemCaseSensitive(object, cf->key) != NULL)
            continue;
        char child[PATH_SIZE];
        char allowed[512];
        join_path(child, sizeof(child), path, cf->key);
        describe_allowed(allowed, sizeof(allowed), cf);
        status = aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                            "%s: key \"%s\" is missing; allowed: %s.", ld->file, child, allowed);
    }
    return status;
}

static const field kind_object = {.key = "kinds", .type = FIELD_OBJECT, .children = kind_fields};

static aimcc_status check_kinds(const loader *ld, const char *path, const cJSON *kinds,
                                const field *f)
{
    const int n = cJSON_GetArraySize(kinds);
    if (!cJSON_IsArray(kinds) || n < 1 || n > MAX_KINDS)
        return fail_value(ld, path, kinds, f);
    int i = 0;
    for (const cJSON *kind = kinds->child; kind != NULL; kind = kind->next, i++) {
        char child[PATH_SIZE];
        snprintf(child, sizeof(child), "%s[%d]", path, i);
        aimcc_status status = check_object(ld, child, kind, &kind_object);
        if (status == AIMCC_OK)
            status = aimcc_target_params_read(ld->ctx, ld->file, child, kind, NULL);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

/* Checks the shape of chip.tiles. read_tile_counts matches it to the kinds later. */
static aimcc_status check_tiles(const loader *ld, const char *path, const cJSON *tiles,
                                const field *f)
{
    if (!cJSON_IsObject(tiles) || tiles->child == NULL)
        return fail_value(ld, path, tiles, f);
    aimcc_status status = check_duplicates(ld, path, tiles);
    for (const cJSON *c = tiles->child; c != NULL && status == AIMCC_OK; c = c->next) {
        char child[PATH_SIZE];
        join_path(child, sizeof(child), path, c->string);
        status = check_scalar(ld, child, c, &tile_count_field);
    }
    return status;
}

static aimcc_status check_item(const loader *ld, const char *path, const cJSON *item,
                               const field *f)
{
    switch (f->type) {
    case FIELD_INT:
    case FIELD_STRING:
    case FIELD_RANGE:
        return check_scalar(ld, path, item, f);
    case FIELD_OBJECT:
        return check_object(ld, path, item, f);
    case FIELD_GROUP:
        return check_group(ld, path, item, f);
    case FIELD_KINDS:
        return check_kinds(ld, path, item, f);
    case FIELD_TILES:
        return check_tiles(ld, path, item, f);
    }
    return AIMCC_ERR_INTERNAL;
}

static const field top_object = {.key = "", .type = FIELD_OBJECT, .children = top_fields};

/* Rules that tie several keys of one kind together. */
static aimcc_status check_kind_rules(const loader *ld, int index, const cJSON *object,
                                     const aimcc_tile_kind *kind)
{
    const bool float_input = kind->input_mode_code == AIMRT_INPUT_FLOAT;
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(object, "input");
    const char *problem = NULL;
    if ((kind->weight_bits == 0) != (kind->cell_bits == 0))
        problem = "weight_bits and cell_bits must both be 0 (float) or both be at least 1";
    else if (kind->weight_bits == 1)
        problem = "weight_bits 1 leaves no nonzero weight (the largest is 2^(weight_bits-1) - 1); "
                  "allowed: 0 (float) or 2 to 16";
    else if (kind->cell_bits > kind->weight_bits)
        problem = "cell_bits must not exceed weight_bits";
    else if ((kind->weight_bits == 0) != (strcmp(kind->encoding, "signed-float") == 0))
        problem = "encoding \"signed-float\" goes with float weights (weight_bits 0) and only "
                  "with them";
    else if (kind->encoding_code == AIMRT_ENCODING_TWOS_COMPLEMENT && kind->cell_bits != 1)
        problem = "encoding \"twos-complement\" needs binary cells (cell_bits 1)";
    else if (float_input != (kind->input_bits == 0))
        problem = "input.bits must be absent for input.mode \"float\" and given for every other "
                  "mode";
    else if (kind->input_bits == 1)
        problem = "input.bits 1 leaves no nonzero signed input (the largest is 2^(bits-1) - 1); "
                  "allowed: 2 to 16";
    else if (float_input && (cJSON_GetObjectItemCaseSensitive(input, "signed") != NULL ||
                             cJSON_GetObjectItemCaseSensitive(input, "range") != NULL))
        problem = "input.signed and input.range must be absent for input.mode \"float\"";
    else if ((strcmp(kind->adc_range, "lossless") == 0) != (kind->adc_bits == 0))
        problem = "adc.bits must be absent for adc.range \"lossless\" and given for every other "
                  "range";
    if (problem == NULL)
        return AIMCC_OK;
    return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL, "%s: kinds[%d] (\"%s\"): %s%s.",
                      ld->file, index, kind->name, problem,
                      ld->overridden ? " (with the --set values applied; change them to fit)" : "");
}

static int64_t get_int(const cJSON *object, const char *key, int64_t fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsNumber(item) ? (int64_t)item->valuedouble : fallback;
}

static const char *get_string(aimcc_arena *arena, const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? aimcc_arena_strdup(arena, item->valuestring) : NULL;
}

/* Returns the index of a checked string in its choices (0 when absent). */
static int choice_index(const char *text, const char *const *choices)
{
    for (int i = 0; text != NULL && choices[i] != NULL; i++)
        if (strcmp(text, choices[i]) == 0)
            return i;
    return 0;
}

/* Fills the enum codes of a kind whose strings are read. */
static void read_kind_codes(const cJSON *input, aimcc_tile_kind *kind)
{
    kind->encoding_code = (aimrt_encoding)choice_index(kind->encoding, encoding_choices);
    kind->input_mode_code = (aimrt_input_mode)choice_index(kind->input_mode, input_mode_choices);
    kind->input_sign_code = (aimrt_input_sign)choice_index(kind->input_signed, input_signed_choices);
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(input, "range");
    const bool is_static = cJSON_IsNumber(range);
    kind->input_range_code = is_static ? AIMRT_RANGE_STATIC : AIMRT_RANGE_DYNAMIC;
    kind->input_range = is_static ? range->valuedouble : 0.0;
}

/* Copies one checked kind object into the arena. */
static aimcc_status read_kind(aimcc_arena *arena, const cJSON *object, aimcc_tile_kind *kind)
{
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(object, "input");
    const cJSON *adc = cJSON_GetObjectItemCaseSensitive(object, "adc");
    const cJSON *domain = cJSON_GetObjectItemCaseSensitive(object, "domain");
    for (int d = 0; d < AIMCC_DOMAIN_COUNT; d++)
        if (strcmp(domain->valuestring, domain_names[d]) == 0)
            kind->domain = (aimcc_domain)d;
    kind->name = get_string(arena, object, "name");
    kind->rows = get_int(object, "rows", 0);
    kind->cols = get_int(object, "cols", 0);
    kind->cell = get_string(arena, object, "cell");
    kind->weight_bits = (int)get_int(object, "weight_bits", 0);
    kind->cell_bits = (int)get_int(object, "cell_bits", 0);
    kind->encoding = get_string(arena, object, "encoding");
    kind->input_mode = get_string(arena, input, "mode");
    kind->input_bits = (int)get_int(input, "bits", 0);
    kind->input_signed = get_string(arena, input, "signed");
    kind->adc_range = get_string(arena, adc, "range");
    kind->adc_bits = (int)get_int(adc, "bits", 0);
    read_kind_codes(input, kind);
    if (kind->name == NULL || kind->cell == NULL || kind->encoding == NULL ||
        kind->input_mode == NULL || kind->adc_range == NULL)
        return AIMCC_ERR_NOMEM;
    return AIMCC_OK;
}

/*
 * Sets drift compensation from the kind's drift_compensation key (0 or 1),
 * else from circuit.drift_compensation (global and per-column compensate),
 * and makes the registry choice agree: key 1 without a scheme is "global",
 * key 0 is "off".
 */
static void read_drift_compensation(const cJSON *object, aimcc_tile_kind *kind)
{
    aimrt_kind_params *params = &kind->params;
    const int scheme = (int)params->value[AIMRT_PARAM_DRIFT_COMPENSATION];
    const int64_t key = get_int(object, "drift_compensation", -1);
    kind->drift_compensation = key >= 0 ? key == 1 : scheme != 0;
    if (key >= 0 && kind->drift_compensation != (scheme != 0)) {
        params->value[AIMRT_PARAM_DRIFT_COMPENSATION] = kind->drift_compensation ? 1 : 0;
        params->given[AIMRT_PARAM_DRIFT_COMPENSATION] = true;
    }
}

/* Matches chip.tiles to the kinds: one count per kind, no other key. */
static aimcc_status read_tile_counts(const loader *ld, const cJSON *tiles, aimcc_target *target)
{
    for (const cJSON *c = tiles->child; c != NULL; c = c->next) {
        bool found = false;
        for (int k = 0; k < target->n_kinds; k++)
            if (strcmp(c->string, target->kinds[k].name) == 0) {
                target->kinds[k].n_tiles = (int64_t)c->valuedouble;
                found = true;
            }
        if (!found)
            return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "%s: key \"chip.tiles.%s\" names no tile kind; allowed: the "
                              "names under kinds.",
                              ld->file, c->string);
    }
    for (int k = 0; k < target->n_kinds; k++)
        if (target->kinds[k].n_tiles == 0)
            return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "%s: key \"chip.tiles.%s\" is missing; allowed: a tile count "
                              "from 1 to %lld for every kind.",
                              ld->file, target->kinds[k].name, (long long)MAX_TILES_PER_KIND);
    return AIMCC_OK;
}

/* Fills target from a checked document. */
static aimcc_status read_target(const loader *ld, aimcc_arena *arena, const cJSON *root,
                                aimcc_target *target)
{
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(root, "kinds");
    target->name = get_string(arena, root, "name");
    target->n_kinds = cJSON_GetArraySize(kinds);
    target->kinds = aimcc_arena_calloc(arena, (size_t)target->n_kinds, sizeof(aimcc_tile_kind));
    if (target->name == NULL || target->kinds == NULL)
        return AIMCC_ERR_NOMEM;

    int i = 0;
    for (const cJSON *kind = kinds->child; kind != NULL; kind = kind->next, i++) {
        aimcc_status status = read_kind(arena, kind, &target->kinds[i]);
        if (status != AIMCC_OK)
            return aimcc_fail(ld->ctx, status, NULL, NULL, "out of memory reading %s", ld->file);
        char path[32];
        snprintf(path, sizeof(path), "kinds[%d]", i);
        status = aimcc_target_params_read(ld->ctx, ld->file, path, kind,
                                          &target->kinds[i].params);
        if (status != AIMCC_OK)
            return status;
        read_drift_compensation(kind, &target->kinds[i]);
        status = check_kind_rules(ld, i, kind, &target->kinds[i]);
        if (status != AIMCC_OK)
            return status;
        for (int j = 0; j < i; j++)
            if (strcmp(target->kinds[j].name, target->kinds[i].name) == 0)
                return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                  "%s: key \"kinds[%d].name\" repeats the name \"%s\" of "
                                  "kinds[%d]; allowed: a name that no other kind has.",
                                  ld->file, i, target->kinds[i].name, j);
    }
    const cJSON *chip = cJSON_GetObjectItemCaseSensitive(root, "chip");
    return read_tile_counts(ld, cJSON_GetObjectItemCaseSensitive(chip, "tiles"), target);
}

/* --set overrides. */

typedef enum set_result { SET_DONE, SET_ABSENT, SET_FAILED } set_result;

/* Parses the text of --set KEY=VALUE: a JSON number, string or boolean, and
 * any other text as a bare string, so `domain=charge` needs no quotes. The
 * whole text must parse, so `t0=20ms` is the string "20ms" (which a quantity
 * rejects) and not the number 20 in the file's unit. */
static cJSON *parse_set_value(const char *text)
{
    const char *end = NULL;
    cJSON *value = cJSON_ParseWithOpts(text, &end, true);
    if (value != NULL && (cJSON_IsNumber(value) || cJSON_IsString(value) || cJSON_IsBool(value)))
        return value;
    cJSON_Delete(value);
    return cJSON_CreateString(text);
}

/* Stores a copy of value at key of object: a number given for a quantity
 * replaces its "value" and keeps its unit and source. */
static aimcc_status store_value(const loader *ld, cJSON *object, const char *key,
                                const cJSON *value)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(object, key);
    if (cJSON_IsObject(old) && cJSON_GetObjectItemCaseSensitive(old, "value") != NULL) {
        if (!cJSON_IsNumber(value))
            return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "%s: --set of the quantity \"%s\" needs a number; allowed: a "
                              "finite number in the quantity's unit.",
                              ld->file, key);
        object = old;
        key = "value";
    }
    cJSON *copy = cJSON_Duplicate(value, true);
    bool ok = copy != NULL;
    if (ok && cJSON_GetObjectItemCaseSensitive(object, key) != NULL)
        ok = cJSON_ReplaceItemInObjectCaseSensitive(object, key, copy);
    else if (ok)
        ok = cJSON_AddItemToObject(object, key, copy);
    if (!ok) {
        cJSON_Delete(copy);
        return aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory applying --set");
    }
    return AIMCC_OK;
}

/* The state of one --set: the key as given, for messages. */
typedef struct setter {
    const loader *ld;
    const char *key;
    const char *text;
    const cJSON *value;
    bool create; /* add a key of the schema when the file lacks it */
    const char *start; /* the path from the kind object, split at dots as set_path descends */
    const char *full;  /* the same path, whole */
} setter;

static set_result fail_set_unknown(const setter *s, const field *fields)
{
    char keys[512] = "(none: the key ends at a plain value)";
    if (fields != NULL)
        join_keys(keys, sizeof(keys), fields);
    aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
               "%s: --set %s=%s: unknown key \"%s\"; allowed keys there: %s.", s->ld->file,
               s->key, s->text, s->key, keys);
    return SET_FAILED;
}

static set_result fail_set_value(const setter *s, const field *f)
{
    char allowed[512];
    describe_allowed(allowed, sizeof(allowed), f);
    aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
               "%s: --set %s=%s: invalid value for key \"%s\"; allowed: %s.", s->ld->file, s->key,
               s->text, s->key, allowed);
    return SET_FAILED;
}

/* The levels below device, circuit, cost and the extra keys of adc and input. */
static const field param_group = {.key = "", .type = FIELD_GROUP};

/* Returns the field of the next level down from f, or NULL for free-form levels. */
static const field *descend_field(const field *f, const char *key)
{
    if (f->type == FIELD_TILES)
        return &tile_count_field;
    if (f->type == FIELD_OBJECT)
        return find_field(f->children, key);
    return NULL;
}

static set_result set_path(const setter *s, cJSON *object, const field *parent, char *path);

/* Checks that the whole path of a --set is a registry parameter, or a key of
 * one's quantity (device.g_max.value); otherwise fails with the keys allowed
 * in the deepest group of the path that exists. */
static bool param_path_ok(const setter *s)
{
    char path[PATH_SIZE];
    snprintf(path, sizeof(path), "%s", s->full);
    if (aimrt_param_find(path) >= 0)
        return true;
    char *end = strrchr(path, '.');
    if (end != NULL && (strcmp(end, ".value") == 0 || strcmp(end, ".unit") == 0 ||
                        strcmp(end, ".source") == 0)) {
        *end = '\0';
        if (aimrt_param_find(path) >= 0)
            return true;
    }
    char keys[1024];
    if (aimcc_target_param_group(s->full)) {
        aimcc_target_param_keys(keys, sizeof(keys), s->full);
        aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                   "%s: --set %s=%s: key \"%s\" is a group of parameters; set one of its keys: "
                   "%s.", s->ld->file, s->key, s->text, s->key, keys);
        return false;
    }
    snprintf(path, sizeof(path), "%s", s->full);
    while ((end = strrchr(path, '.')) != NULL) {
        *end = '\0';
        if (aimcc_target_param_group(path))
            break;
    }
    aimcc_target_param_keys(keys, sizeof(keys), end != NULL ? path : "");
    aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
               "%s: --set %s=%s: unknown key \"%s\"; allowed keys there: %s.", s->ld->file,
               s->key, s->text, s->key, keys[0] ? keys : "(none)");
    return false;
}

/*
 * Walks the registry part of a --set path (device, circuit, cost and the
 * extra keys of adc and input), key being the current component and dot
 * the '.' after it (NULL at the leaf). A number for a quantity replaces its
 * value. With create, a parameter or group the kind lacks is added.
 */
static set_result set_param(const setter *s, cJSON *object, char *key, char *dot)
{
    /* The registry path up to key: set_path cut the dots before it into NULs. */
    char prefix[PATH_SIZE];
    const size_t length = (size_t)(key - s->start) + strlen(key);
    if (length >= sizeof(prefix))
        return fail_set_unknown(s, NULL);
    for (size_t i = 0; i < length; i++)
        prefix[i] = s->start[i] == '\0' ? '.' : s->start[i];
    prefix[length] = '\0';
    if (!param_path_ok(s))
        return SET_FAILED;
    cJSON *child = cJSON_GetObjectItemCaseSensitive(object, key);
    if (dot == NULL) {
        if (child != NULL)
            return store_value(s->ld, object, key, s->value) == AIMCC_OK ? SET_DONE : SET_FAILED;
        if (!s->create)
            return SET_ABSENT;
        cJSON *item = aimcc_target_param_create(prefix, s->value);
        if (item == NULL || !cJSON_AddItemToObject(object, key, item)) {
            cJSON_Delete(item);
            return fail_set_value(s, &param_group);
        }
        return SET_DONE;
    }
    if (child != NULL && !cJSON_IsObject(child))
        return fail_set_unknown(s, NULL);
    if (child == NULL) {
        if (!s->create)
            return SET_ABSENT;
        child = cJSON_AddObjectToObject(object, key);
        if (child == NULL)
            return SET_FAILED;
    }
    return set_path(s, child, &param_group, dot + 1);
}

/*
 * Walks the dotted path from object (described by the children of parent, or
 * the registry when parent is a group) and stores the value at its end.
 */
static set_result set_path(const setter *s, cJSON *object, const field *parent, char *path)
{
    char *dot = strchr(path, '.');
    if (dot != NULL)
        *dot = '\0';
    const field *f = parent->type == FIELD_GROUP ? NULL : descend_field(parent, path);
    const bool free_form = parent->type == FIELD_GROUP || (f == NULL && parent->params);
    if (!free_form && f == NULL)
        return fail_set_unknown(s, parent->type == FIELD_OBJECT ? parent->children : NULL);
    if (free_form)
        return set_param(s, object, path, dot);
    cJSON *child = cJSON_GetObjectItemCaseSensitive(object, path);

    if (dot == NULL) {
        if (!scalar_ok(s->value, f))
            return fail_set_value(s, f);
        if (child == NULL && !s->create)
            return SET_ABSENT;
        return store_value(s->ld, object, path, s->value) == AIMCC_OK ? SET_DONE : SET_FAILED;
    }
    if (f->type != FIELD_OBJECT && f->type != FIELD_GROUP && f->type != FIELD_TILES)
        return fail_set_unknown(s, NULL);
    if (child == NULL) {
        if (!s->create)
            return SET_ABSENT;
        child = cJSON_AddObjectToObject(object, path);
        if (child == NULL)
            return SET_FAILED;
    }
    return set_path(s, child, f, dot + 1);
}

/* Applies a --set to the one kind that kinds[NAME] or kinds[INDEX] selects. */
static set_result set_on_selected_kind(setter *s, cJSON *root, char *path)
{
    char *selector = path + strlen("kinds[");
    char *close = strchr(selector, ']');
    if (close == NULL || close[1] != '.' || close[2] == '\0') {
        aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                   "%s: --set %s=%s: invalid key; allowed: kinds[NAME].KEY, for example "
                   "kinds[%s].rows.",
                   s->ld->file, s->key, s->text, "NAME");
        return SET_FAILED;
    }
    *close = '\0';
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(root, "kinds");
    cJSON *kind = NULL;
    int index = 0;
    for (cJSON *k = cJSON_IsArray(kinds) ? kinds->child : NULL; k != NULL; k = k->next, index++) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(k, "name");
        char index_text[16];
        snprintf(index_text, sizeof(index_text), "%d", index);
        if ((cJSON_IsString(name) && strcmp(name->valuestring, selector) == 0) ||
            strcmp(index_text, selector) == 0)
            kind = k;
    }
    if (kind == NULL) {
        aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                   "%s: --set %s=%s: no tile kind is named \"%s\"; allowed: the name or index "
                   "of a kind in the target.",
                   s->ld->file, s->key, s->text, selector);
        return SET_FAILED;
    }
    s->create = true;
    char full[PATH_SIZE];
    snprintf(full, sizeof(full), "%s", close + 2);
    s->start = close + 2;
    s->full = full;
    const set_result result = set_path(s, kind, &kind_object, close + 2);
    return result == SET_ABSENT ? fail_set_unknown(s, NULL) : result;
}

/* Applies a --set of a kind key (rows, adc.bits) to every kind that has the key. */
static set_result set_on_every_kind(setter *s, cJSON *root, const char *path)
{
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(root, "kinds");
    int n_done = 0;
    s->create = false;
    for (cJSON *k = cJSON_IsArray(kinds) ? kinds->child : NULL; k != NULL; k = k->next) {
        char buf[PATH_SIZE];
        snprintf(buf, sizeof(buf), "%s", path);
        s->start = buf;
        s->full = path;
        const set_result result = set_path(s, k, &kind_object, buf);
        if (result == SET_FAILED)
            return result;
        n_done += result == SET_DONE;
    }
    if (n_done > 0)
        return SET_DONE;
    aimcc_fail(s->ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
               "%s: --set %s=%s: no tile kind has the key \"%s\"; set it on one kind with "
               "--set 'kinds[NAME].%s=VALUE' (with the keys it depends on, such as "
               "adc.range=calibrated for adc.bits) or add it to the target file.",
               s->ld->file, s->key, s->text, s->key, s->key);
    return SET_FAILED;
}

/* Applies one --set KEY=VALUE to the document. */
static aimcc_status apply_set(const loader *ld, cJSON *root, const aimcc_binding *set)
{
    char path[PATH_SIZE];
    if (set->name == NULL || set->value == NULL || set->name[0] == '\0' ||
        strlen(set->name) >= sizeof(path))
        return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: --set needs KEY=VALUE with a key of 1 to %zu characters.",
                          ld->file, sizeof(path) - 1);
    snprintf(path, sizeof(path), "%s", set->name);
    cJSON *value = parse_set_value(set->value);
    if (value == NULL)
        return aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory applying --set");

    setter s = {.ld = ld, .key = set->name, .text = set->value, .value = value, .create = true};
    const size_t first_len = strcspn(path, ".[");
    char first[PATH_SIZE];
    snprintf(first, sizeof(first), "%.*s", (int)first_len, path);
    set_result result;
    if (strncmp(path, "kinds[", strlen("kinds[")) == 0) {
        result = set_on_selected_kind(&s, root, path);
    } else if (strcmp(first, "kinds") == 0) {
        aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                   "%s: --set %s=%s: invalid key; allowed: kinds[NAME].KEY for one kind, or "
                   "KEY alone for every kind.",
                   ld->file, set->name, set->value);
        result = SET_FAILED;
    } else if (find_field(top_fields, first) != NULL) {
        result = set_path(&s, root, &top_object, path);
        if (result == SET_ABSENT)
            result = fail_set_unknown(&s, NULL);
    } else {
        result = set_on_every_kind(&s, root, path);
    }
    cJSON_Delete(value);
    if (result == SET_DONE)
        return AIMCC_OK;
    const aimcc_status status = aimcc_ctx_diag(ld->ctx)->status;
    return status != AIMCC_OK ? status : AIMCC_ERR_INVALID_ARG;
}

/* Loading the file. */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists the presets of dir ("float, pcm-current") for an error message. */
static void list_presets(const char *dir, char *buf, size_t size)
{
    char names[MAX_KINDS][64];
    const char *sorted[MAX_KINDS + 1];
    int n = 0;
    DIR *handle = opendir(dir);
    for (struct dirent *entry; handle != NULL && n < MAX_KINDS && (entry = readdir(handle));) {
        const size_t len = strlen(entry->d_name);
        if (len > 5 && len < 64 && strcmp(entry->d_name + len - 5, ".json") == 0) {
            snprintf(names[n], sizeof(names[n]), "%.*s", (int)(len - 5), entry->d_name);
            sorted[n] = names[n];
            n++;
        }
    }
    if (handle != NULL)
        closedir(handle);
    qsort(sorted, (size_t)n, sizeof(sorted[0]), compare_names);
    sorted[n] = NULL;
    if (n == 0)
        snprintf(buf, size, "none found in %s", dir);
    else
        join_names(buf, size, sorted);
}

/* Resolves a preset name to DIR/NAME.json; a path is used as given. */
static aimcc_status resolve_path(aimcc_ctx *ctx, aimcc_arena *arena, const char *name_or_path,
                                 const char **path)
{
    const size_t len = strlen(name_or_path);
    if (strchr(name_or_path, '/') != NULL || (len >= 5 && strcmp(name_or_path + len - 5, ".json") == 0)) {
        *path = name_or_path;
        return AIMCC_OK;
    }
    const char *dir = aimcc_targets_dir();
    char *candidate = aimcc_arena_printf(arena, "%s/%s.json", dir, name_or_path);
    if (candidate == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory loading a target");
    struct stat st;
    if (!is_identifier(name_or_path) || stat(candidate, &st) != 0 || !S_ISREG(st.st_mode)) {
        char presets[1024];
        list_presets(dir, presets, sizeof(presets));
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "unknown target \"%s\": %s does not exist; allowed: a preset name "
                          "(%s) or the path of a target JSON file",
                          name_or_path, candidate, presets);
    }
    *path = candidate;
    return AIMCC_OK;
}

/* Reads the whole file into a NUL-terminated buffer that the caller frees. */
static aimcc_status read_text(const loader *ld, char **text, size_t *size)
{
    FILE *file = fopen(ld->file, "rb");
    if (file == NULL)
        return aimcc_fail(ld->ctx, AIMCC_ERR_IO, NULL, NULL,
                          "%s: cannot open the target file: %s. Check the path.", ld->file,
                          strerror(errno));
    aimcc_status status = AIMCC_OK;
    char *buf = malloc(MAX_TARGET_BYTES + 1);
    size_t n = buf != NULL ? fread(buf, 1, MAX_TARGET_BYTES + 1, file) : 0;
    if (buf == NULL)
        status = aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %s",
                            ld->file);
    else if (ferror(file))
        status = aimcc_fail(ld->ctx, AIMCC_ERR_IO, NULL, NULL, "%s: read failed: %s", ld->file,
                            strerror(errno));
    else if (n > MAX_TARGET_BYTES)
        status = aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                            "%s: the target file is larger than %u bytes; allowed: a smaller "
                            "target file.",
                            ld->file, MAX_TARGET_BYTES);
    fclose(file);
    if (status != AIMCC_OK) {
        free(buf);
        return status;
    }
    buf[n] = '\0';
    *text = buf;
    *size = n;
    return AIMCC_OK;
}

static aimcc_status parse_json(const loader *ld, const char *text, size_t size, cJSON **root)
{
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(text, size, &end, false);
    if (*root != NULL) {
        if (cJSON_IsObject(*root))
            return AIMCC_OK;
        return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: the target file must hold one JSON object.", ld->file);
    }
    if (end == NULL || end < text || end > text + size)
        return aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory parsing %s",
                          ld->file);
    int line = 1;
    int column = 1;
    for (const char *c = text; c < end; c++) {
        line += *c == '\n';
        column = *c == '\n' ? 1 : column + 1;
    }
    return aimcc_fail(ld->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: invalid JSON at line %d, column %d. Fix the syntax there.", ld->file,
                      line, column);
}

/* The compile options of one load, gathered from --set before the target exists. */
typedef struct option_list {
    aimcc_target_option *items;
    int n_items;
} option_list;

/* Applies every --set: compile options go to options, the rest to the document. */
static aimcc_status apply_sets(const loader *ld, aimcc_arena *arena, cJSON *root,
                               const aimcc_binding *sets, int n_sets, option_list *options)
{
    options->items = aimcc_arena_calloc(arena, (size_t)(n_sets > 0 ? n_sets : 1),
                                        sizeof(*options->items));
    if (options->items == NULL)
        return aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory applying --set");
    aimcc_status status = AIMCC_OK;
    for (int i = 0; i < n_sets && status == AIMCC_OK; i++) {
        if (sets[i].name != NULL && sets[i].value != NULL &&
            aimcc_target_option_key(sets[i].name))
            status = aimcc_target_option_parse(ld->ctx, arena, ld->file, &sets[i], options->items,
                                               &options->n_items);
        else
            status = apply_set(ld, root, &sets[i]);
    }
    return status;
}

/* Checks the document, fills the target and keeps the final JSON text. */
static aimcc_status build_target(const loader *ld, aimcc_arena *arena, const cJSON *root,
                                 const option_list *options, aimcc_target **out)
{
    aimcc_status status = check_object(ld, "", root, &top_object);
    if (status != AIMCC_OK)
        return status;
    aimcc_target *target = aimcc_arena_calloc(arena, 1, sizeof(*target));
    if (target == NULL)
        return aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory loading %s",
                          ld->file);
    status = read_target(ld, arena, root, target);
    if (status != AIMCC_OK)
        return status;
    target->options = options->items;
    target->n_options = options->n_items;
    char *json = cJSON_PrintUnformatted(root);
    target->json = json != NULL ? aimcc_arena_strdup(arena, json) : NULL;
    target->path = aimcc_arena_strdup(arena, ld->file);
    cJSON_free(json);
    if (target->json == NULL || target->path == NULL)
        return aimcc_fail(ld->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory loading %s",
                          ld->file);
    *out = target;
    return AIMCC_OK;
}

aimcc_status aimcc_target_load(aimcc_ctx *ctx, aimcc_arena *arena, const char *name_or_path,
                               const aimcc_binding *sets, int n_sets, aimcc_target **out)
{
    if (out != NULL)
        *out = NULL;
    if (name_or_path == NULL || name_or_path[0] == '\0' || out == NULL || n_sets < 0 ||
        (n_sets > 0 && sets == NULL))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "aimcc_target_load needs a target name or path and an output");
    const char *path = NULL;
    aimcc_status status = resolve_path(ctx, arena, name_or_path, &path);
    if (status != AIMCC_OK)
        return status;

    const loader ld = {.ctx = ctx, .file = path, .overridden = n_sets > 0};
    char *text = NULL;
    size_t size = 0;
    cJSON *root = NULL;
    status = read_text(&ld, &text, &size);
    if (status == AIMCC_OK)
        status = parse_json(&ld, text, size, &root);
    option_list options = {.items = NULL, .n_items = 0};
    if (status == AIMCC_OK)
        status = apply_sets(&ld, arena, root, sets, n_sets, &options);
    if (status == AIMCC_OK)
        status = build_target(&ld, arena, root, &options, out);
    free(text);
    cJSON_Delete(root);
    return status;
}
