/* SPDX-License-Identifier: MIT */
/*
 * Energy, latency, area and error per layer and in total, from the cost
 * model run on the mapping the passes made. Layers run one after another, so
 * latencies add; the area counts each tile the program uses once. TOPS/W
 * counts one multiply-accumulate as two operations.
 */
#include "ir/report_cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "passes/cost_model.h"
#include "passes/kind_layout.h"

/* Operations per multiply-accumulate when quoting TOPS/W. */
#define OPS_PER_MAC 2.0

/* Copies the name of the runner-up kind out of a select-domain reason
 * ("... runner-up \"NAME\" ..."), or "" when the reason names none. */
static void runner_up_of(const char *reason, char *name, size_t size)
{
    name[0] = '\0';
    const char *at = reason ? strstr(reason, "runner-up \"") : NULL;
    if (!at)
        return;
    at += strlen("runner-up \"");
    const char *end = strchr(at, '"');
    const size_t length = end ? (size_t)(end - at) : 0;
    if (length > 0 && length < size) {
        memcpy(name, at, length);
        name[length] = '\0';
    }
}

/* Returns the number after the first `label` in a select-domain reason,
 * before its runner-up part, or NaN when the reason has none there. */
static double reason_number(const char *reason, const char *label)
{
    const char *at = reason ? strstr(reason, label) : NULL;
    const char *runner_up = reason ? strstr(reason, "runner-up") : NULL;
    if (!at || (runner_up && at > runner_up))
        return NAN;
    char *end = NULL;
    const double value = strtod(at + strlen(label), &end);
    return end != at + strlen(label) ? value : NAN;
}

/* Adds value under key, or null when it is NaN. */
static void add_number_or_null(cJSON *json, const char *key, double value)
{
    if (isnan(value))
        cJSON_AddNullToObject(json, key);
    else
        cJSON_AddNumberToObject(json, key, value);
}

/* Adds b's per-inference estimates into a (the ops of one layer). */
static void add_cost(aimcc_cost_layer *a, const aimcc_cost_layer *b)
{
    a->tiles += b->tiles;
    a->cells_used += b->cells_used;
    a->cells_available += b->cells_available;
    a->mvms += b->mvms;
    a->macs += b->macs;
    a->energy_j += b->energy_j;
    a->dac_j += b->dac_j;
    a->array_j += b->array_j;
    a->adc_j += b->adc_j;
    a->digital_j += b->digital_j;
    a->latency_s += b->latency_s;
    a->area_m2 += b->area_m2;
    a->error = a->error > b->error ? a->error : b->error;
}

static cJSON *layer_json(const aimcc_module *module, const aimcc_op *first,
                         const aimcc_cost_layer *cost)
{
    const aimcc_tile_kind *kind = aimcc_kind_of_op(module, first);
    cJSON *json = cJSON_CreateObject();
    char runner_up[128];
    runner_up_of(first->kind_reason, runner_up, sizeof runner_up);
    cJSON_AddStringToObject(json, "node", first->node ? first->node : "");
    cJSON_AddStringToObject(json, "kind", kind && kind->name ? kind->name : "");
    cJSON_AddStringToObject(json, "domain", kind ? aimcc_domain_name(kind->domain) : "");
    cJSON_AddStringToObject(json, "runner_up", runner_up);
    cJSON_AddStringToObject(json, "reason", first->kind_reason ? first->kind_reason : "");
    cJSON_AddNumberToObject(json, "tiles", (double)cost->tiles);
    cJSON_AddNumberToObject(json, "utilization",
                            cost->cells_available > 0
                                ? (double)cost->cells_used / (double)cost->cells_available
                                : 0.0);
    cJSON_AddNumberToObject(json, "mvms", cost->mvms);
    cJSON_AddNumberToObject(json, "macs", cost->macs);
    cJSON_AddNumberToObject(json, "energy_pj", cost->energy_j * 1e12);
    cJSON_AddNumberToObject(json, "dac_pj", cost->dac_j * 1e12);
    cJSON_AddNumberToObject(json, "array_pj", cost->array_j * 1e12);
    cJSON_AddNumberToObject(json, "adc_pj", cost->adc_j * 1e12);
    cJSON_AddNumberToObject(json, "digital_pj", cost->digital_j * 1e12);
    cJSON_AddNumberToObject(json, "latency_ns", cost->latency_s * 1e9);
    cJSON_AddNumberToObject(json, "area_um2", cost->area_m2 * 1e12);
    cJSON_AddNumberToObject(json, "error", cost->error);
    /* With calibration data select-domain measures the chosen kind's error
     * and the layer's sensitivity; the reason carries both. */
    add_number_or_null(json, "measured_error",
                       reason_number(first->kind_reason, "measured error "));
    add_number_or_null(json, "sensitivity", reason_number(first->kind_reason, "sensitivity "));
    return json;
}

/* Adds "total": sums over layers, the area of every tile in use once. */
static void add_total(cJSON *root, const aimcc_module *module, const aimcc_cost_layer *sum)
{
    double area_m2 = 0.0;
    const aimcc_target *target = module->target;
    for (int t = 0; t < module->n_tiles; t++) {
        const int k = module->tiles[t].kind;
        if (target && k >= 0 && k < target->n_kinds)
            area_m2 += aimcc_cost_tile_area(&target->kinds[k]);
    }
    cJSON *total = cJSON_AddObjectToObject(root, "total");
    cJSON_AddNumberToObject(total, "tiles", (double)module->n_tiles);
    cJSON_AddNumberToObject(total, "macs", sum->macs);
    cJSON_AddNumberToObject(total, "energy_pj", sum->energy_j * 1e12);
    cJSON_AddNumberToObject(total, "latency_ns", sum->latency_s * 1e9);
    cJSON_AddNumberToObject(total, "area_um2", area_m2 * 1e12);
    cJSON_AddNumberToObject(total, "ops_per_mac", OPS_PER_MAC);
    /* ops / J / 1e12 is TOPS/W; a cost-free target reports 0. */
    cJSON_AddNumberToObject(total, "tops_per_w",
                            sum->energy_j > 0.0 ? OPS_PER_MAC * sum->macs / sum->energy_j / 1e12
                                                : 0.0);
    cJSON_AddNumberToObject(total, "inferences_per_s",
                            sum->latency_s > 0.0 ? 1.0 / sum->latency_s : 0.0);
}

cJSON *aimcc_report_cost(const aimcc_module *module)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *layers = root ? cJSON_AddArrayToObject(root, "layers") : NULL;
    if (!layers) {
        cJSON_Delete(root);
        return NULL;
    }
    aimcc_cost_layer sum = {0}, layer = {0};
    const aimcc_op *first = NULL;
    for (const aimcc_op *op = module->first; op; op = op->next) {
        aimcc_cost_layer cost;
        if (op->code != AIMRT_OP_LINEAR || !aimcc_cost_layer_mapped(module, op, &cost))
            continue;
        const bool same_node =
            first && first->node && op->node && strcmp(first->node, op->node) == 0;
        if (!same_node) {
            if (first)
                cJSON_AddItemToArray(layers, layer_json(module, first, &layer));
            first = op;
            layer = (aimcc_cost_layer){0};
        }
        add_cost(&layer, &cost);
        add_cost(&sum, &cost);
    }
    if (first)
        cJSON_AddItemToArray(layers, layer_json(module, first, &layer));
    add_total(root, module, &sum);
    return root;
}

char *aimcc_report_cost_text(const aimcc_module *module)
{
    cJSON *root = aimcc_report_cost(module);
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}
