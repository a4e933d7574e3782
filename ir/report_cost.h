/* SPDX-License-Identifier: MIT */
/*
 * The cost estimates of a compiled module (docs/cost-model.md): energy,
 * latency, area and error per linear layer and in total, as one JSON object
 * that the compile report embeds and the backend stores in the program's
 * metadata under AIMCC_COST_METADATA_KEY for `aimcc inspect`.
 */
#ifndef AIMCC_REPORT_COST_H
#define AIMCC_REPORT_COST_H

#include <cjson/cJSON.h>

#include "ir/ir.h"

/* The program metadata key of the estimates, a compact JSON text. */
#define AIMCC_COST_METADATA_KEY "cost_estimates"

/*
 * Returns {"layers": [...], "total": {...}} for the LINEAR ops that map gave
 * blocks, grouped by ONNX node as the report groups them, or NULL when out of
 * memory. The caller frees it with cJSON_Delete.
 */
cJSON *aimcc_report_cost(const aimcc_module *module);

/* Returns the estimates as compact JSON text (the caller frees it with
 * cJSON_free), or NULL when out of memory. */
char *aimcc_report_cost_text(const aimcc_module *module);

#endif
