/* SPDX-License-Identifier: MIT */
/*
 * Energy, latency and area of linear layers on tile kinds (docs/cost-model.md).
 * One MVM on one tile drives its rows for every input phase, reads its
 * columns through ADCs that `cost.adc_share` columns share, and adds the
 * conversions digitally. A layer's tiles run in parallel, and its MVMs (one
 * per im2col patch) run one after another.
 */
#include "passes/cost_model.h"

#include <math.h>

#include "passes/kind_layout.h"

static double param(const aimcc_tile_kind *kind, aimrt_param id)
{
    return kind->params.value[id];
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return b > 0 ? (a + b - 1) / b : 0;
}

/* ADCs of one tile: one per adc_share columns, at least one. */
static int64_t adcs_per_tile(const aimcc_tile_kind *kind)
{
    const double share = param(kind, AIMRT_PARAM_COST_ADC_SHARE);
    const int64_t columns_per_adc = share >= 1.0 ? (int64_t)share : 1;
    const int64_t adcs = ceil_div(kind->cols, columns_per_adc);
    return adcs > 0 ? adcs : 1;
}

/* Energy of one conversion: the Walden figure of merit times 2^bits (Walden,
 * IEEE JSAC 1999). A lossless readout (0 bits) converts nothing. */
static double conversion_energy(const aimcc_tile_kind *kind)
{
    return kind->adc_bits > 0 ? param(kind, AIMRT_PARAM_COST_ADC_FOM) * ldexp(1.0, kind->adc_bits)
                              : 0.0;
}

aimcc_cost_mvm aimcc_cost_tile_mvm(const aimcc_tile_kind *kind, aimcc_cost_block block,
                                   int32_t phases)
{
    const double f = phases > 0 ? phases : 1;
    const double rows = (double)block.rows, columns = (double)block.columns;
    aimcc_cost_mvm mvm = {0};
    mvm.dac_j = f * rows * param(kind, AIMRT_PARAM_COST_DAC_ENERGY);
    mvm.array_j = f * (rows * columns * param(kind, AIMRT_PARAM_COST_CELL_ENERGY) +
                       columns * param(kind, AIMRT_PARAM_COST_COLUMN_ENERGY));
    const double conversions = kind->adc_bits > 0 ? f * columns : 0.0;
    mvm.adc_j = conversions * conversion_energy(kind);
    /* Every conversion is shifted by its significance and added once. */
    mvm.digital_j = conversions * param(kind, AIMRT_PARAM_COST_DIGITAL_ENERGY);
    mvm.energy_j = mvm.dac_j + mvm.array_j + mvm.adc_j + mvm.digital_j;

    /* Columns are spread over the ADCs in turn, so the busiest converts
     * ceil(columns / ADCs) of them per phase, one after another. */
    const double serial =
        kind->adc_bits > 0 ? (double)ceil_div(block.columns, adcs_per_tile(kind)) : 0.0;
    mvm.latency_s = f * (param(kind, AIMRT_PARAM_COST_PHASE_TIME) +
                         serial * param(kind, AIMRT_PARAM_COST_ADC_TIME));
    return mvm;
}

double aimcc_cost_tile_area(const aimcc_tile_kind *kind)
{
    const double cells = (double)kind->rows * (double)kind->cols;
    const double adcs = kind->adc_bits > 0 ? (double)adcs_per_tile(kind) : 0.0;
    return cells * param(kind, AIMRT_PARAM_COST_CELL_AREA) +
           adcs * param(kind, AIMRT_PARAM_COST_ADC_AREA) +
           (double)kind->rows * param(kind, AIMRT_PARAM_COST_DAC_AREA) +
           param(kind, AIMRT_PARAM_COST_PERIPHERY_AREA);
}

double aimcc_cost_mvms(const aimcc_op *op)
{
    const aimcc_value *x = op->n_inputs > 0 ? op->inputs[0] : NULL;
    if (!x || x->rank < 1)
        return 1.0;
    double mvms = 1.0;
    for (int d = x->batched ? 1 : 0; d < x->rank - 1; d++)
        mvms *= (double)(x->dims[d] > 0 ? x->dims[d] : 1);
    return mvms;
}

/* Adds one MVM's energy parts to layer, mvms times. */
static void add_mvm(aimcc_cost_layer *layer, const aimcc_cost_mvm *mvm, double mvms)
{
    layer->dac_j += mvms * mvm->dac_j;
    layer->array_j += mvms * mvm->array_j;
    layer->adc_j += mvms * mvm->adc_j;
    layer->digital_j += mvms * mvm->digital_j;
    layer->energy_j += mvms * mvm->energy_j;
}

/* Adds the digital accumulation of the partial sums of row blocks: N adds
 * per extra row block and MVM. */
static void add_accumulation(aimcc_cost_layer *layer, const aimcc_tile_kind *kind, int64_t n)
{
    const double adds = layer->mvms * (double)(layer->row_blocks > 1 ? layer->row_blocks - 1 : 0) *
                        (double)n * param(kind, AIMRT_PARAM_COST_DIGITAL_ENERGY);
    layer->digital_j += adds;
    layer->energy_j += adds;
}

bool aimcc_cost_layer_trial(const aimcc_tile_kind *kind, int64_t k, int64_t n, int32_t phases,
                            double mvms, const aimcc_cost_stats *stats, aimcc_cost_layer *out)
{
    *out = (aimcc_cost_layer){0};
    const int64_t per_weight = aimcc_kind_columns_per_weight(kind);
    const int64_t references = aimcc_kind_reference_columns(kind);
    const int64_t usable = kind->cols - references;
    const int64_t per_tile = usable > 0 && per_weight > 0 ? usable / per_weight : 0;
    if (per_tile < 1 || k < 1 || n < 1 || kind->rows < 1)
        return false;

    out->row_blocks = ceil_div(k, kind->rows);
    const int64_t column_blocks = ceil_div(n, per_tile);
    out->tiles = out->row_blocks * column_blocks;
    out->cells_available = out->tiles * kind->rows * kind->cols;
    out->phases = phases;
    out->mvms = mvms;
    out->macs = mvms * (double)k * (double)n;
    for (int64_t r = 0; r < out->row_blocks; r++) {
        const int64_t rows = r + 1 < out->row_blocks ? kind->rows : k - r * kind->rows;
        for (int64_t c = 0; c < column_blocks; c++) {
            const int64_t cols = c + 1 < column_blocks ? per_tile : n - c * per_tile;
            const aimcc_cost_block block = {rows, cols * per_weight + references};
            out->cells_used += block.rows * block.columns;
            const aimcc_cost_mvm mvm = aimcc_cost_tile_mvm(kind, block, phases);
            add_mvm(out, &mvm, mvms);
            if (mvm.latency_s * mvms > out->latency_s)
                out->latency_s = mvm.latency_s * mvms;
        }
    }
    add_accumulation(out, kind, n);
    out->area_m2 = (double)out->tiles * aimcc_cost_tile_area(kind);
    out->error = aimcc_cost_error(kind, k, phases, stats);
    return true;
}

/* Returns 1 when block b is the first of op's blocks on its tile (packed
 * blocks share tiles), else 0. */
static int first_on_tile(const aimcc_op *op, int b)
{
    for (int i = 0; i < b; i++)
        if (op->blocks[i].tile == op->blocks[b].tile)
            return 0;
    return 1;
}

bool aimcc_cost_layer_mapped(const aimcc_module *module, const aimcc_op *op,
                             aimcc_cost_layer *out)
{
    *out = (aimcc_cost_layer){0};
    const aimcc_tile_kind *kind = aimcc_kind_of_op(module, op);
    const aimcc_value *w = op->n_inputs > 1 ? op->inputs[1] : NULL;
    if (!kind || !op->plan || op->n_blocks < 1 || !w || w->rank != 2)
        return false;

    const int64_t per_weight = aimrt_plan_columns_per_weight(op->plan);
    const int64_t references = aimrt_plan_reference_columns(op->plan);
    const int32_t phases = op->plan->n_phases > 0 ? op->plan->n_phases : 1;
    out->phases = phases;
    out->mvms = aimcc_cost_mvms(op);
    out->macs = out->mvms * (double)w->dims[0] * (double)w->dims[1];
    const int replicas = op->n_replicas > 1 ? op->n_replicas : 1;
    /* Replicas split the MVMs between them. */
    const double mvms = out->mvms / replicas;
    for (int b = 0; b < op->n_blocks; b++) {
        const aimcc_tile_block *blk = &op->blocks[b];
        const aimcc_cost_block block = {blk->n_rows, blk->n_cols * per_weight + references};
        out->cells_used += block.rows * block.columns;
        const aimcc_cost_mvm mvm = aimcc_cost_tile_mvm(kind, block, phases);
        add_mvm(out, &mvm, mvms);
        if (mvm.latency_s * mvms > out->latency_s)
            out->latency_s = mvm.latency_s * mvms;
        out->tiles += first_on_tile(op, b);
    }
    out->row_blocks = ceil_div(w->dims[0], kind->rows);
    out->cells_available = out->tiles * kind->rows * kind->cols;
    add_accumulation(out, kind, w->dims[1]);
    out->area_m2 = (double)out->tiles * aimcc_cost_tile_area(kind);
    aimcc_cost_stats stats;
    aimcc_cost_stats_of(w, &stats);
    out->error = aimcc_cost_error(kind, w->dims[0], phases, &stats);
    return true;
}
