/* SPDX-License-Identifier: MIT */
/*
 * Reads the JSON inputs of `aimcc plot` and checks every member the figures
 * use, so a wrong file fails with one line naming the file and the member
 * instead of drawing a wrong figure.
 */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "files.h"

/* Reads and parses a JSON object; prints the error and returns NULL on failure. */
static cJSON *read_object(const char *path)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    if (!ctx) {
        cli_error("out of memory");
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    if (cli_read_file(ctx, path, &text, &size) != AIMCC_OK) {
        cli_report(ctx);
        aimcc_ctx_destroy(ctx);
        return NULL;
    }
    aimcc_ctx_destroy(ctx);

    cJSON *json = cJSON_ParseWithLength(text, size);
    if (!json) {
        const char *at = cJSON_GetErrorPtr();
        const long offset = at && at >= text && at <= text + size ? (long)(at - text) : -1;
        cli_error("%s: invalid JSON near byte %ld; give a file that 'aimcc eval --json' or "
                  "'aimcc compile --report' wrote",
                  path, offset);
    } else if (!cJSON_IsObject(json)) {
        cli_error("%s: the JSON text is not an object; give a file that 'aimcc eval --json' or "
                  "'aimcc compile --report' wrote",
                  path);
        cJSON_Delete(json);
        json = NULL;
    }
    free(text);
    return json;
}

/* Reads member name of object as a finite number in [min, max]; prints an
 * error naming the file and where (as "layers[2].utilization") otherwise. */
static bool read_number(const char *path, const cJSON *object, const char *where,
                        const char *name, double min, double max, const char *hint,
                        double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!item) {
        cli_error("%s: missing the member \"%s%s\"; %s", path, where, name, hint);
        return false;
    }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) || item->valuedouble < min ||
        item->valuedouble > max) {
        cli_error("%s: the member \"%s%s\" must be a number from %g to %g; %s", path, where,
                  name, min, max, hint);
        return false;
    }
    *out = item->valuedouble;
    return true;
}

/* Copies text into a label of PLOT_LABEL_BYTES, cut with "..." when longer. */
static void set_label(char *label, const char *text, size_t length)
{
    if (length < PLOT_LABEL_BYTES) {
        memcpy(label, text, length);
        label[length] = '\0';
        return;
    }
    memcpy(label, text, PLOT_LABEL_BYTES - 4);
    memcpy(label + PLOT_LABEL_BYTES - 4, "...", 4);
}

bool plot_read_accuracy(const char *path, plot_point *point)
{
    static const char hint[] = "give a result file that 'aimcc eval --json' wrote";
    memset(point, 0, sizeof *point);
    cJSON *json = read_object(path);
    if (!json)
        return false;
    bool ok = read_number(path, json, "", "top1", 0.0, 1.0, hint, &point->top1) &&
              read_number(path, json, "", "top1_std", 0.0, 1.0, hint, &point->top1_std);
    if (ok && cJSON_GetObjectItemCaseSensitive(json, "time_s")) {
        ok = read_number(path, json, "", "time_s", 0.0, HUGE_VAL, hint, &point->time_s);
        point->has_time = ok;
    }
    cJSON_Delete(json);

    /* The label is the file name without its folder and a .json ending. */
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t length = strlen(name);
    if (length > 5 && strcmp(name + length - 5, ".json") == 0)
        length -= 5;
    set_label(point->label, name, length);
    return ok;
}

static void read_cost(const cJSON *layer, plot_bar *bar);

/* Reads layer i of a report's "layers" into bar. */
static bool read_bar(const char *path, const cJSON *layer, int i, plot_bar *bar)
{
    static const char hint[] = "give a report that 'aimcc compile --report' wrote";
    char where[64];
    snprintf(where, sizeof where, "layers[%d].", i);
    if (!cJSON_IsObject(layer)) {
        cli_error("%s: the member \"layers[%d]\" must be an object; %s", path, i, hint);
        return false;
    }
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(layer, "node");
    if (!cJSON_IsString(node)) {
        cli_error("%s: missing the string member \"%snode\"; %s", path, where, hint);
        return false;
    }
    set_label(bar->label, node->valuestring, strlen(node->valuestring));
    read_cost(layer, bar);
    return read_number(path, layer, where, "utilization", 0.0, 1.0, hint, &bar->utilization);
}

/* Reads a layer's optional energy, latency and domain into bar. */
static void read_cost(const cJSON *layer, plot_bar *bar)
{
    static const char *const domains[PLOT_N_DOMAINS] = PLOT_DOMAINS;
    const cJSON *energy = cJSON_GetObjectItemCaseSensitive(layer, "energy_pj");
    const cJSON *latency = cJSON_GetObjectItemCaseSensitive(layer, "latency_ns");
    const cJSON *domain = cJSON_GetObjectItemCaseSensitive(layer, "domain");
    bar->domain = -1;
    for (int d = 0; cJSON_IsString(domain) && d < PLOT_N_DOMAINS; d++)
        if (strcmp(domain->valuestring, domains[d]) == 0)
            bar->domain = d;
    bar->has_cost = cJSON_IsNumber(energy) && energy->valuedouble >= 0.0 &&
                    cJSON_IsNumber(latency) && latency->valuedouble >= 0.0;
    bar->energy_pj = bar->has_cost ? energy->valuedouble : 0.0;
    bar->latency_ns = bar->has_cost ? latency->valuedouble : 0.0;
}

bool plot_read_utilization(const char *path, plot_bars *bars)
{
    static const char hint[] = "give a report that 'aimcc compile --report' wrote";
    memset(bars, 0, sizeof *bars);
    cJSON *json = read_object(path);
    if (!json)
        return false;
    bool ok = false;
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(json, "layers");
    if (!cJSON_IsArray(layers)) {
        cli_error("%s: missing the array member \"layers\"; %s", path, hint);
        goto done;
    }
    const int n = cJSON_GetArraySize(layers);
    if (n == 0) {
        cli_error("%s: the member \"layers\" is empty, so the model has no linear layer to "
                  "draw", path);
        goto done;
    }
    bars->bars = calloc((size_t)n, sizeof *bars->bars);
    if (!bars->bars) {
        cli_error("out of memory");
        goto done;
    }
    const cJSON *layer = NULL;
    cJSON_ArrayForEach(layer, layers) {
        if (!read_bar(path, layer, bars->n_bars, &bars->bars[bars->n_bars]))
            goto done;
        bars->n_bars++;
    }
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(json, "total");
    if (total) {
        ok = read_number(path, total, "total.", "utilization", 0.0, 1.0, hint,
                         &bars->total_utilization);
        bars->has_total = ok;
    } else {
        ok = true;
    }

done:
    cJSON_Delete(json);
    return ok;
}

bool plot_read_cost(const char *path, plot_bars *bars)
{
    if (!plot_read_utilization(path, bars))
        return false;
    for (int i = 0; i < bars->n_bars; i++) {
        if (!bars->bars[i].has_cost) {
            cli_error("%s: layer %d (\"%s\") has no numbers \"energy_pj\" and \"latency_ns\"; "
                      "give a report that this aimcc's 'compile --report' wrote",
                      path, i, bars->bars[i].label);
            return false;
        }
    }
    return true;
}
