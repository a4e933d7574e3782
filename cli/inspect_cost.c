/* SPDX-License-Identifier: MIT */
/*
 * The cost estimates of `aimcc inspect`. The compiler stores them in the
 * program's metadata under "cost_estimates" (docs/cost-model.md). inspect
 * prints them as a table after the description, or merges them into the
 * JSON object as "estimates" and into each layer of "layers".
 */
#define _POSIX_C_SOURCE 200809L
#include "inspect_cost.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ir/report_cost.h"

/* Returns the program's description as JSON, or NULL. */
static cJSON *describe_json(const aimrt_program *program)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    if (!stream)
        return NULL;
    const aimrt_status status = aimrt_program_describe(program, stream, 1);
    fclose(stream);
    cJSON *json = status == AIMRT_OK && text ? cJSON_Parse(text) : NULL;
    free(text);
    return json;
}

/* Returns the parsed estimates stored in description's metadata, or NULL
 * when the program has none (compiled by an older aimcc). */
static cJSON *stored_estimates(const cJSON *description)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(description, "metadata");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(meta, AIMCC_COST_METADATA_KEY);
    return cJSON_IsString(text) ? cJSON_Parse(text->valuestring) : NULL;
}

static double number_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsNumber(item) ? item->valuedouble : 0.0;
}

static const char *text_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : "";
}

static void print_table(const cJSON *estimates, FILE *out)
{
    fprintf(out, "cost estimates (per inference; docs/cost-model.md). util: share of the "
                 "layer's tile cells in use; error: estimated rms output error over the rms "
                 "output, before sensitivity; measured: the same error as select-domain "
                 "measured it on the simulator with --calib data (- without):\n");
    fprintf(out, "  %-40s %-14s %-14s %6s %6s %12s %12s %12s %7s %8s\n", "layer", "domain",
            "runner-up", "tiles", "util_%", "energy_pJ", "latency_ns", "area_um2", "error",
            "measured");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(estimates, "layers");
    for (const cJSON *l = layers ? layers->child : NULL; l; l = l->next) {
        const cJSON *measured_item = cJSON_GetObjectItemCaseSensitive(l, "measured_error");
        char measured[32] = "-";
        if (cJSON_IsNumber(measured_item))
            snprintf(measured, sizeof measured, "%.3g", measured_item->valuedouble);
        fprintf(out, "  %-40s %-14s %-14s %6.0f %6.1f %12.4g %12.4g %12.4g %7.3f %8s\n",
                text_of(l, "node"), text_of(l, "domain"), text_of(l, "runner_up"),
                number_of(l, "tiles"), 100.0 * number_of(l, "utilization"),
                number_of(l, "energy_pj"), number_of(l, "latency_ns"),
                number_of(l, "area_um2"), number_of(l, "error"), measured);
    }
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(estimates, "total");
    fprintf(out,
            "  total: %.0f tiles, energy %.6g pJ, latency %.6g ns, area %.6g um^2, "
            "%.4g TOPS/W (1 MAC = 2 ops), %.6g inferences/s\n",
            number_of(total, "tiles"), number_of(total, "energy_pj"),
            number_of(total, "latency_ns"), number_of(total, "area_um2"),
            number_of(total, "tops_per_w"), number_of(total, "inferences_per_s"));
    for (const cJSON *l = layers ? layers->child : NULL; l; l = l->next)
        fprintf(out, "  reason %s: %s\n", text_of(l, "node"), text_of(l, "reason"));
}

/* Copies each estimate layer's cost fields into the layer of the same node. */
static void merge_layers(cJSON *description, const cJSON *estimates)
{
    static const char *const keys[] = {"domain",     "runner_up", "reason", "energy_pj",
                                       "latency_ns", "area_um2",  "error"};
    cJSON *layers = cJSON_GetObjectItemCaseSensitive(description, "layers");
    const cJSON *costed = cJSON_GetObjectItemCaseSensitive(estimates, "layers");
    for (cJSON *layer = layers ? layers->child : NULL; layer; layer = layer->next) {
        for (const cJSON *c = costed ? costed->child : NULL; c; c = c->next) {
            if (strcmp(text_of(layer, "node"), text_of(c, "node")) != 0)
                continue;
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
                if (!cJSON_GetObjectItemCaseSensitive(layer, keys[k]))
                    cJSON_AddItemToObject(layer, keys[k],
                                          cJSON_Duplicate(
                                              cJSON_GetObjectItemCaseSensitive(c, keys[k]), true));
            break;
        }
    }
}

aimrt_status cli_inspect_print(const aimrt_program *program, FILE *out, bool json)
{
    cJSON *description = describe_json(program);
    cJSON *estimates = description ? stored_estimates(description) : NULL;
    aimrt_status status = AIMRT_OK;
    if (!json) {
        status = aimrt_program_describe(program, out, 0);
        if (status == AIMRT_OK && estimates)
            print_table(estimates, out);
    } else if (!description) {
        status = aimrt_program_describe(program, out, 1);
    } else {
        if (estimates) {
            merge_layers(description, estimates);
            cJSON_AddItemToObject(description, "estimates", estimates);
            estimates = NULL;
        }
        char *text = cJSON_PrintUnformatted(description);
        if (!text || fputs(text, out) < 0 || fputc('\n', out) == EOF)
            status = text ? AIMRT_ERR_IO : AIMRT_ERR_NOMEM;
        cJSON_free(text);
    }
    cJSON_Delete(estimates);
    cJSON_Delete(description);
    return status;
}
