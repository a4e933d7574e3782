/* SPDX-License-Identifier: MIT */
/*
 * Reads the registry parameters of a tile kind from a target file: walks the
 * groups device, circuit and cost and the extra keys of adc and input, checks
 * each leaf against its registry entry (quantity or choice), converts units
 * and fills aimrt_kind_params. docs/targets.md lists every parameter.
 */
#include "ir/target_params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PATH_SIZE 512
#define LIST_SIZE 1024

/* One walk over a kind: the file and the output that messages and values go to. */
typedef struct walk {
    aimcc_ctx *ctx;
    const char *file;
    aimrt_kind_params *params; /* NULL: check only */
} walk;

/* The keys of adc and input that the target schema reads itself. */
static const char *const adc_structural[] = {"range", "bits", NULL};
static const char *const input_structural[] = {"mode", "bits", "signed", "range", NULL};

static bool in_list(const char *text, const char *const *list)
{
    for (int i = 0; list && list[i]; i++)
        if (strcmp(text, list[i]) == 0)
            return true;
    return false;
}

bool aimcc_target_param_group(const char *path)
{
    const size_t length = strlen(path);
    for (int i = 0; i < aimrt_param_count(); i++) {
        const char *p = aimrt_param_at(i)->path;
        if (strncmp(p, path, length) == 0 && p[length] == '.')
            return true;
    }
    return false;
}

/* Returns the keys of the group at prefix that the target schema reads itself. */
static const char *const *structural_keys(const char *prefix)
{
    if (strcmp(prefix, "adc") == 0)
        return adc_structural;
    if (strcmp(prefix, "input") == 0)
        return input_structural;
    return NULL;
}

void aimcc_target_param_keys(char *buf, size_t size, const char *prefix)
{
    const char *const *structural = structural_keys(prefix);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; structural && structural[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                 structural[i]);
    const size_t length = strlen(prefix);
    for (int i = 0; i < aimrt_param_count() && used < size; i++) {
        const char *p = aimrt_param_at(i)->path;
        if (strncmp(p, prefix, length) != 0 || p[length] != '.')
            continue;
        const char *name = p + length + 1;
        const int name_length = (int)strcspn(name, ".");
        /* Skip a component an earlier path already listed. */
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) {
            const char *q = aimrt_param_at(j)->path;
            seen = strncmp(q, prefix, length) == 0 && q[length] == '.' &&
                   strncmp(q + length + 1, name, (size_t)name_length) == 0 &&
                   (q[length + 1 + name_length] == '.' || q[length + 1 + name_length] == '\0');
        }
        if (!seen)
            used += (size_t)snprintf(buf + used, size - used, "%s%.*s", used ? ", " : "",
                                     name_length, name);
    }
}

/* Writes the choices "a|b|c" as "a, b, c" and returns the index of text, or -1. */
static int choice_index(const char *choices, const char *text, char *list, size_t size)
{
    int index = -1, n = 0;
    size_t used = 0;
    list[0] = '\0';
    for (const char *start = choices; start; n++) {
        const char *end = strchr(start, '|');
        const size_t length = end ? (size_t)(end - start) : strlen(start);
        if (text && strlen(text) == length && strncmp(start, text, length) == 0)
            index = n;
        if (used < size)
            used += (size_t)snprintf(list + used, size - used, "%s%.*s", n ? ", " : "",
                                     (int)length, start);
        start = end ? end + 1 : NULL;
    }
    return index;
}

static aimcc_status read_choice(const walk *w, const char *key, const aimrt_param_info *info,
                                const cJSON *item)
{
    char list[256];
    const int index = choice_index(info->choices, cJSON_IsString(item) ? item->valuestring : NULL,
                                   list, sizeof list);
    if (index < 0)
        return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: key \"%s\" must be one of %s (%s); fix the target file or the "
                          "--set value.", w->file, key, list, info->meaning);
    if (w->params) {
        w->params->value[info->id] = index;
        w->params->given[info->id] = true;
    }
    return AIMCC_OK;
}

/* Checks that a quantity has exactly value, unit and source, of the right types. */
static aimcc_status check_quantity_keys(const walk *w, const char *key,
                                        const aimrt_param_info *info, const cJSON *item)
{
    static const char *const keys[] = {"value", "unit", "source", NULL};
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(item, "unit");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(item, "source");
    bool ok = cJSON_IsObject(item) && cJSON_IsNumber(value) && isfinite(value->valuedouble) &&
              cJSON_IsString(unit) && cJSON_IsString(source) && source->valuestring[0] != '\0';
    for (const cJSON *c = cJSON_IsObject(item) ? item->child : NULL; c && ok; c = c->next)
        ok = in_list(c->string, keys);
    if (ok)
        return AIMCC_OK;
    return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: key \"%s\" must be a quantity {\"value\": finite number, \"unit\": "
                      "\"%s\" or a prefixed form, \"source\": a reference or \"assume\"} and "
                      "nothing else (%s).", w->file, key, info->unit, info->meaning);
}

static aimcc_status read_quantity(const walk *w, const char *key, const aimrt_param_info *info,
                                  const cJSON *item)
{
    aimcc_status status = check_quantity_keys(w, key, info, item);
    if (status != AIMCC_OK)
        return status;
    const double given = cJSON_GetObjectItemCaseSensitive(item, "value")->valuedouble;
    const char *unit = cJSON_GetObjectItemCaseSensitive(item, "unit")->valuestring;
    const double factor = aimrt_param_unit_factor(info->unit, unit);
    if (factor == 0.0)
        return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: key \"%s\" has unit \"%s\", which does not convert to \"%s\"; "
                          "give the value in %s or a prefixed form of it.",
                          w->file, key, unit, info->unit, info->unit);
    const double value = given * factor;
    if (!isfinite(value) || value < info->min || value > info->max)
        return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "%s: key \"%s\" is %g %s (%g %s), outside the allowed range [%g, %g] "
                          "%s.", w->file, key, given, unit, value, info->unit, info->min,
                          info->max, info->unit);
    if (w->params) {
        w->params->value[info->id] = value;
        w->params->given[info->id] = true;
    }
    return AIMCC_OK;
}

static aimcc_status fail_unknown(const walk *w, const char *key, const char *prefix)
{
    char list[LIST_SIZE];
    aimcc_target_param_keys(list, sizeof list, prefix);
    return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: unknown key \"%s\"; allowed keys here: %s.", w->file, key,
                      list[0] ? list : "(none)");
}

static aimcc_status fail_group_type(const walk *w, const char *key, const char *path)
{
    char list[LIST_SIZE];
    aimcc_target_param_keys(list, sizeof list, path);
    return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s: key \"%s\" must be an object with the keys %s.", w->file, key, list);
}

/* Walks one group: json_path names it in messages, prefix is its registry
 * path ("circuit.wires"). Keys the schema reads itself (adc.bits) are skipped. */
static aimcc_status walk_group(const walk *w, const char *json_path, const char *prefix,
                               const cJSON *group)
{
    const char *const *structural = structural_keys(prefix);
    if (!cJSON_IsObject(group))
        return fail_unknown(w, json_path, prefix);
    for (const cJSON *c = group->child; c; c = c->next) {
        if (in_list(c->string, structural))
            continue;
        char key[PATH_SIZE], path[PATH_SIZE];
        snprintf(key, sizeof key, "%s.%s", json_path, c->string);
        snprintf(path, sizeof path, "%s.%s", prefix, c->string);
        for (const cJSON *d = c->next; d; d = d->next)
            if (strcmp(c->string, d->string) == 0)
                return aimcc_fail(w->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                                  "%s: key \"%s\" appears twice; keep one.", w->file, key);
        const aimrt_param_info *info = aimrt_param_get(aimrt_param_find(path));
        aimcc_status status;
        if (info && info->type == AIMRT_PARAM_CHOICE)
            status = read_choice(w, key, info, c);
        else if (info)
            status = read_quantity(w, key, info, c);
        else if (aimcc_target_param_group(path) && cJSON_IsObject(c))
            status = walk_group(w, key, path, c);
        else if (aimcc_target_param_group(path))
            status = fail_group_type(w, key, path);
        else
            status = fail_unknown(w, key, prefix);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

aimcc_status aimcc_target_params_read(aimcc_ctx *ctx, const char *file, const char *kind_path,
                                      const cJSON *kind, aimrt_kind_params *params)
{
    static const char *const groups[] = {"device", "circuit", "cost", "adc", "input"};
    const walk w = {.ctx = ctx, .file = file, .params = params};
    if (params)
        aimrt_kind_params_defaults(params);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        const cJSON *group = cJSON_GetObjectItemCaseSensitive(kind, groups[g]);
        if (!group)
            continue;
        char key[PATH_SIZE];
        snprintf(key, sizeof key, "%s.%s", kind_path, groups[g]);
        const aimcc_status status = walk_group(&w, key, groups[g], group);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

cJSON *aimcc_target_param_create(const char *path, const cJSON *value)
{
    const aimrt_param_info *info = aimrt_param_get(aimrt_param_find(path));
    if (!info)
        return NULL;
    if (info->type == AIMRT_PARAM_CHOICE)
        return cJSON_IsString(value) ? cJSON_CreateString(value->valuestring) : NULL;
    if (!cJSON_IsNumber(value))
        return NULL;
    cJSON *quantity = cJSON_CreateObject();
    if (quantity && (!cJSON_AddNumberToObject(quantity, "value", value->valuedouble) ||
                     !cJSON_AddStringToObject(quantity, "unit", info->unit) ||
                     !cJSON_AddStringToObject(quantity, "source", "--set"))) {
        cJSON_Delete(quantity);
        return NULL;
    }
    return quantity;
}
