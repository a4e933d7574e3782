/* SPDX-License-Identifier: MIT */
/*
 * The per-layer "calibration" object of the compile report. The module
 * stores no record of how its ranges were set, so the method is read back
 * from the ops. A static input range that the tile kind does not fix came
 * from calibration data (by calibrate.input). ADC ranges came from data when
 * the input ranges did, else from the weights.
 */
#include <math.h>
#include <string.h>

#include "ir/target.h"
#include "passes/calibrate_report.h"
#include "passes/kind_layout.h"

/* Calibration facts of one layer, gathered over its ops. */
typedef struct layer_calibration {
    double input_range;   /* largest static range, 0 when every op is dynamic */
    bool from_data;       /* a static range the kind does not fix */
    bool from_kind;       /* a static range the kind fixes */
    bool has_adc;
    float adc_min, adc_max;
    bool has_low;         /* spans: adc_low gives each column's bottom */
    float low_min, low_max;
    int64_t probes;       /* probe rows of the first op that has them */
} layer_calibration;

static bool same_node(const aimcc_op *a, const aimcc_op *b)
{
    return a->node && b->node && strcmp(a->node, b->node) == 0;
}

static void add_op(const aimcc_module *module, const aimcc_op *op, layer_calibration *c)
{
    const aimrt_linear_plan *plan = op->plan;
    if (op->code != AIMRT_OP_LINEAR || !plan || plan->encoding == AIMRT_ENCODING_FLOAT)
        return;
    if (plan->input_range == AIMRT_RANGE_STATIC) {
        const double top = aimcc_layout_input_top(plan->input_sign, plan->input_bits);
        const double range = (double)plan->input_scale * top;
        c->input_range = fmax(c->input_range, range);
        const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
        const bool fixed = kind && kind->input_range_code == AIMRT_RANGE_STATIC &&
                           plan->input_scale == (float)(kind->input_range / top);
        c->from_kind = c->from_kind || fixed;
        c->from_data = c->from_data || !fixed;
    }
    const aimcc_value *range = op->n_inputs > 6 ? op->inputs[6] : NULL;
    for (int64_t i = 0; range && range->data && range->rank == 1 && i < range->dims[0]; i++) {
        const float value = ((const float *)range->data)[i];
        c->adc_min = c->has_adc ? fminf(c->adc_min, value) : value;
        c->adc_max = c->has_adc ? fmaxf(c->adc_max, value) : value;
        c->has_adc = true;
    }
    const aimcc_value *low = op->n_inputs > 7 ? op->inputs[7] : NULL;
    for (int64_t i = 0; low && low->data && low->rank == 1 && i < low->dims[0]; i++) {
        const float value = ((const float *)low->data)[i];
        c->low_min = c->has_low ? fminf(c->low_min, value) : value;
        c->low_max = c->has_low ? fmaxf(c->low_max, value) : value;
        c->has_low = true;
    }
    const aimcc_value *probes = op->n_inputs > 4 ? op->inputs[4] : NULL;
    if (c->probes == 0 && probes && probes->rank == 2)
        c->probes = probes->dims[0];
}

static void add_number_or_null(cJSON *json, const char *key, bool present, double value)
{
    if (present)
        cJSON_AddNumberToObject(json, key, value);
    else
        cJSON_AddNullToObject(json, key);
}

void aimcc_calibrate_report_layer(cJSON *layer, const aimcc_module *module,
                                  const aimcc_op *first)
{
    layer_calibration c = {0};
    for (const aimcc_op *op = first; op && (op == first || same_node(op, first)); op = op->next)
        add_op(module, op, &c);

    cJSON *json = cJSON_AddObjectToObject(layer, "calibration");
    if (!json)
        return;
    const char *method = "dynamic";
    if (c.from_data)
        method = aimcc_target_option_text(module->target, "calibrate.input", NULL, "percentile");
    else if (c.from_kind)
        method = "target";
    add_number_or_null(json, "input_range", c.input_range > 0.0, c.input_range);
    cJSON_AddStringToObject(json, "input_method", method);
    add_number_or_null(json, "adc_range_min", c.has_adc, c.adc_min);
    add_number_or_null(json, "adc_range_max", c.has_adc, c.adc_max);
    add_number_or_null(json, "adc_low_min", c.has_low, c.low_min);
    add_number_or_null(json, "adc_low_max", c.has_low, c.low_max);
    if (c.has_adc)
        cJSON_AddStringToObject(json, "adc_method", c.from_data ? "data" : "weights");
    else
        cJSON_AddNullToObject(json, "adc_method");
    cJSON_AddNumberToObject(json, "probes", (double)c.probes);
}
