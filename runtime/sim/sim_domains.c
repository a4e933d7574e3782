/* SPDX-License-Identifier: MIT */
/*
 * The MVM of sim tiles in the domains other than current. Inputs pass the
 * DAC, then the domain's transfer function (sim/domain.h) runs with the
 * tile's cached static draws and the converter LSB of each column. When
 * signals are recorded, it keeps each output's value before conversion.
 * The file also contains the ADC range rule that every domain shares.
 */
#include <math.h>
#include <string.h>

#include "sim/sim_device.h"

/*
 * The default LSB of an MVM over n_rows rows, in level units: the smallest
 * integer whose range [-half LSB, (half - 1) LSB], half = 2^(bits-1), covers
 * min(the block's largest |column sum|, adc.bound U). It is 1 when the bits
 * suffice for that span, so an ideal ADC is lossless on the exact integer
 * sums. Beyond the range the ADC saturates.
 */
double sim_default_lsb(const sim_tile *tile, int64_t n_rows)
{
    const double half = ldexp(1.0, tile->adc_bits - 1);
    const double full = (double)n_rows * tile->full_per_row;
    const double bound = tile->models.adc_bound_norm * tile->unit;
    const double span = full < bound ? full : bound;
    const double steps = half - 1.0 > 1.0 ? half - 1.0 : 1.0;
    const double lsb = ceil(span / steps);
    return lsb > 1.0 ? lsb : 1.0;
}

double sim_column_lsb(const sim_tile *tile, int64_t c, double default_lsb)
{
    return tile->lsb_level && tile->lsb_level[c] > 0.0 ? tile->lsb_level[c] : default_lsb;
}

void sim_dac_drive(const sim_state *s, int32_t index, int64_t row0, int64_t n_rows, int64_t n,
                   const int64_t *sample_index, const int64_t *mvm_index, double *x)
{
    const sim_tile *tile = &s->tiles[index];
    const double asymmetry = tile->models.dac_asymmetry;
    const double sigma = tile->models.dac_sigma_norm * tile->x_full;
    if (asymmetry == 0.0 && sigma == 0.0)
        return;
    aimrt_sim_dynamic_key key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                 .effect = AIMRT_SIM_EFFECT_DAC};
    for (int64_t v = 0; v < n; v++) {
        key.sample = sample_index[v];
        key.mvm = mvm_index[v];
        for (int64_t r = 0; r < n_rows; r++) {
            double *value = &x[v * n_rows + r];
            /* Negative levels drive (1 - a) as strong (aihwkit's input asymmetry). */
            if (*value < 0.0)
                *value *= 1.0 - asymmetry;
            if (sigma > 0.0) {
                key.column = (uint64_t)(row0 + r);
                *value += sigma * aimrt_sim_normal_dynamic(&key, 0);
            }
        }
    }
}

/* The readout of a domain MVM: the default ADC rule (set ranges come per
 * column with the statics), the comparator, kT/C and switch errors. */
static aimrt_sim_readout_params make_readout(const sim_state *s, const sim_tile *tile,
                                             int64_t n_rows)
{
    const sim_models *m = &tile->models;
    aimrt_sim_readout_params readout = {.kind = AIMRT_SIM_READOUT_LOSSLESS};
    if (tile->adc_bits > 0 && (s->options.flags & AIMRT_SIM_LOSSLESS_ADC) == 0) {
        readout.kind = AIMRT_SIM_READOUT_CONVERTER;
        readout.bits = tile->adc_bits;
        readout.lsb_level = sim_default_lsb(tile, n_rows);
    }
    readout.comparator = m->comparator;
    readout.ktc_temperature_k = m->ktc_temperature_k;
    readout.injection = m->injection;
    return readout;
}

/* Runs one chunk of vectors through the tile's domain function, the GEMM
 * form where there is one (domain_gemm.c). */
static aimrt_status run_domain(const sim_tile *tile, const aimrt_sim_readout_params *readout,
                               const aimrt_sim_domain_block *block,
                               const aimrt_sim_domain_keys *keys, double *y)
{
    sim_domain_params p = tile->models.domain;
    aimrt_error error = {0};
    switch (tile->domain) {
    case SIM_DOMAIN_CHARGE:
        p.charge.readout = *readout;
        return aimrt_sim_domain_charge_gemm(&p.charge, block, keys, y, NULL, &error);
    case SIM_DOMAIN_CHARGE_REDIST:
        p.redist.readout = *readout;
        return aimrt_sim_domain_charge_redist_gemm(&p.redist, block, keys, y, NULL, &error);
    case SIM_DOMAIN_CAPDIV:
        p.capdiv.readout = *readout;
        return aimrt_sim_domain_capdiv_gemm(&p.capdiv, block, keys, y, NULL, &error);
    case SIM_DOMAIN_RESDIV:
        p.resdiv.readout = *readout;
        return aimrt_sim_domain_resdiv_gemm(&p.resdiv, block, keys, y, NULL, &error);
    case SIM_DOMAIN_TIME:
        p.time.readout = *readout;
        return aimrt_sim_domain_time_gemm(&p.time, block, keys, y, NULL, &error);
    default:
        return AIMRT_ERR_UNSUPPORTED;
    }
}

/* The tile's cached static draws, and where the values before conversion go. */
static aimrt_sim_domain_statics tile_statics(const sim_state *s, const sim_tile *tile)
{
    const bool record = (s->options.flags & AIMRT_SIM_RECORD_SIGNALS) != 0;
    return (aimrt_sim_domain_statics){
        .cell_factor = tile->cell_factor,
        .delay_s = tile->delay_s,
        .row_edge_s = tile->row_edge_s,
        .c_parasitic_f = tile->c_parasitic_f,
        .columns = tile->columns,
        .lsb_level = tile->lsb_level,
        .low_level = tile->low_level,
        .analog = record ? s->analog : NULL,
    };
}

/*
 * An MVM in chunks of vectors whose inputs and outputs fit the buffers. The
 * block holds only the MVM's rows: rows outside it count as disconnected
 * from the column's node.
 */
aimrt_status sim_domain_mvm(sim_state *s, int32_t index, int64_t row0, int64_t n_rows,
                            int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                            double *y, const int64_t *sample_index, const int64_t *mvm_index)
{
    sim_tile *tile = &s->tiles[index];
    if (n_rows == 0) {
        memset(y, 0, (size_t)(n_vectors * n_cols) * sizeof(double));
        return AIMRT_OK;
    }
    const aimrt_sim_readout_params readout = make_readout(s, tile, n_rows);
    const aimrt_sim_domain_statics statics = tile_statics(s, tile);
    aimrt_sim_domain_block block = {.n_rows = n_rows, .n_cols = n_cols,
                                    .cells = tile->cells + row0 * tile->cols + col0,
                                    .cell_stride = tile->cols, .top_level = tile->top,
                                    .x = s->x_d, .x_full = tile->x_full};
    aimrt_sim_domain_keys keys = {.statics = &statics, .seed = s->options.seed,
                                  .tile = (uint32_t)index, .tile_cols = tile->cols,
                                  .row0 = row0, .col0 = col0};
    const int64_t widest = n_rows > n_cols ? n_rows : n_cols;
    const int64_t per_chunk = s->chunk / widest;
    for (int64_t v0 = 0; v0 < n_vectors; v0 += per_chunk) {
        const int64_t n = n_vectors - v0 < per_chunk ? n_vectors - v0 : per_chunk;
        for (int64_t i = 0; i < n * n_rows; i++)
            s->x_d[i] = x[v0 * n_rows + i];
        sim_dac_drive(s, index, row0, n_rows, n, sample_index + v0, mvm_index + v0, s->x_d);
        block.n_vectors = n;
        keys.sample = sample_index + v0;
        keys.mvm = mvm_index + v0;
        const aimrt_status status = run_domain(tile, &readout, &block, &keys, y + v0 * n_cols);
        if (status != AIMRT_OK)
            return status;
        for (int64_t v = 0; statics.analog && v < n; v++)
            for (int64_t c = 0; c < n_cols; c++)
                sim_signals_add(tile, col0 + c, s->analog[v * n_cols + c]);
    }
    return AIMRT_OK;
}
