/* SPDX-License-Identifier: MIT */
/*
 * The cost model of a linear layer on a tile kind: energy and latency per
 * inference, area, and an estimate of the relative output error, from the
 * kind's cost.* and noise parameters (aimrt/params.h). select-domain runs it
 * on a trial mapping of every candidate kind; the compile report runs it on
 * the mapping that map made. Formulas, units and sources: docs/cost-model.md.
 */
#ifndef AIMCC_COST_MODEL_H
#define AIMCC_COST_MODEL_H

#include <stdint.h>

#include "ir/ir.h"
#include "ir/target.h"

/* The shape of one MVM on one tile: the block of weights it holds. */
typedef struct aimcc_cost_block {
    int64_t rows;    /* tile rows driven, >= 1 */
    int64_t columns; /* tile columns read: logical columns x S x P plus references, >= 1 */
} aimcc_cost_block;

/* Energy (J) and latency (s) of one MVM on one tile, split by part. */
typedef struct aimcc_cost_mvm {
    double dac_j;     /* row drivers or DACs */
    double array_j;   /* cells and column lines */
    double adc_j;     /* ADC or TDC conversions */
    double digital_j; /* shift-add of the conversions */
    double energy_j;  /* the sum of the four */
    double latency_s; /* phases x (phase time + conversions of the busiest ADC x adc_time) */
} aimcc_cost_mvm;

/* Cost of one linear layer on one kind, per inference. */
typedef struct aimcc_cost_layer {
    int64_t tiles;          /* tiles it takes */
    int64_t row_blocks;     /* blocks along the rows, added digitally */
    int64_t cells_used;
    int64_t cells_available; /* all cells of its tiles */
    int32_t phases;         /* input phases per MVM */
    double mvms;            /* MVMs per inference (im2col patches per sample) */
    double macs;            /* multiply-accumulates per inference: mvms x K x N */
    double energy_j;
    double dac_j, array_j, adc_j, digital_j; /* parts of energy_j */
    double latency_s;
    double area_m2;         /* the tiles it takes, whole */
    double error;           /* relative output error (rms error over rms output) */
} aimcc_cost_layer;

/* What the error estimate needs of the layer's weights and inputs. */
typedef struct aimcc_cost_stats {
    double weight_rms;   /* rms(w) / max|w| per column, averaged over columns, in (0, 1] */
    double column_spread; /* largest column norm over the rms column norm, >= 1 */
    double input_rms;    /* rms(x) / the input range, in (0, 1] */
} aimcc_cost_stats;

/* Returns the energy and latency of one MVM of block on a tile of kind when
 * the input takes `phases` phases. */
aimcc_cost_mvm aimcc_cost_tile_mvm(const aimcc_tile_kind *kind, aimcc_cost_block block,
                                   int32_t phases);

/* Returns the area (m^2) of one tile of kind: cells, ADCs, row drivers and
 * periphery. */
double aimcc_cost_tile_area(const aimcc_tile_kind *kind);

/* Returns the MVMs per inference of a LINEAR op: the product of its input's
 * dimensions between the batch axis (when batched) and the last axis. */
double aimcc_cost_mvms(const aimcc_op *op);

/* Fills stats from the weight matrix w [K, N] (f32 or i32 constants) and the
 * model's input crest factor. Non-finite or all-zero weights give the
 * neutral statistics of a uniform matrix. */
void aimcc_cost_stats_of(const aimcc_value *w, aimcc_cost_stats *stats);

/* Returns the relative output error of a K x N layer on kind with inputs of
 * `phases` phases; see docs/cost-model.md, accuracy. */
double aimcc_cost_error(const aimcc_tile_kind *kind, int64_t k, int32_t phases,
                        const aimcc_cost_stats *stats);

/*
 * Estimates a K x N layer with `mvms` MVMs per inference on kind by a trial
 * mapping (every block on a tile of its own, as select-domain counts them).
 * Returns false when one logical column does not fit the kind's columns.
 */
bool aimcc_cost_layer_trial(const aimcc_tile_kind *kind, int64_t k, int64_t n, int32_t phases,
                            double mvms, const aimcc_cost_stats *stats, aimcc_cost_layer *out);

/*
 * Estimates a mapped LINEAR op (after map, with its plan) from its blocks;
 * tiles are counted once per op. Returns false when the op has no blocks,
 * no plan or no kind.
 */
bool aimcc_cost_layer_mapped(const aimcc_module *module, const aimcc_op *op,
                             aimcc_cost_layer *out);

#endif
