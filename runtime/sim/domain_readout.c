/* SPDX-License-Identifier: MIT */
/*
 * What every compute domain shares: checks of the block and its keys, the
 * random keys of cells and columns, and the readout of a sampled node
 * (switch error and kT/C at sampling, then a SAR conversion whose comparator
 * has an offset and noise), returning level units.
 */
#include <math.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

aimrt_status aimrt_sim_domain_check(const char *domain_name, const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys,
                                    const aimrt_sim_readout_params *readout, aimrt_error *error)
{
    if (block->n_rows < 0 || block->n_cols < 0 || block->n_vectors < 0 ||
        block->cell_stride < block->n_cols ||
        (block->n_rows > 0 && block->n_cols > 0 && !block->cells) ||
        (block->n_rows > 0 && block->n_vectors > 0 && !block->x))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s domain: block of %lld rows, %lld columns, stride %lld and %lld "
                               "vectors is invalid; give sizes >= 0, stride >= columns and data",
                               domain_name, (long long)block->n_rows, (long long)block->n_cols,
                               (long long)block->cell_stride, (long long)block->n_vectors);
    aimrt_status s = aimrt_sim_param_check(error, domain_name, "top_level", block->top_level, 0.0,
                                           INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "x_full", block->x_full, 0.0, INFINITY, true);
    if (s != AIMRT_OK)
        return s;
    if (block->n_vectors > 0 && (!keys->sample || !keys->mvm))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s domain: keys lack sample or MVM indices for %lld vectors", domain_name,
                               (long long)block->n_vectors);
    if (keys->col0 < 0 || keys->row0 < 0 ||
        keys->col0 + block->n_cols - 1 > (int64_t)AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN ||
        keys->tile > AIMRT_SIM_RANDOM_DYNAMIC_MAX_TILE || keys->tile_cols < keys->col0 + block->n_cols ||
        (keys->tile_cols > 0 &&
         keys->row0 + block->n_rows > (int64_t)(AIMRT_SIM_RANDOM_STATIC_MAX_CELL / (uint64_t)keys->tile_cols)))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s domain: block at row %lld, column %lld of tile %u with %lld "
                               "columns is outside the random streams' ranges",
                               domain_name, (long long)keys->row0, (long long)keys->col0,
                               (unsigned)keys->tile, (long long)keys->tile_cols);
    if ((unsigned)readout->kind >= AIMRT_SIM_READOUT_COUNT)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "%s domain: readout kind %d is unknown",
                               domain_name, (int)readout->kind);
    if (readout->kind == AIMRT_SIM_READOUT_CONVERTER) {
        s = aimrt_sim_param_check(error, domain_name, "readout.bits", readout->bits, 1,
                                  AIMRT_SIM_MAX_CONVERTER_BITS, false);
        if (s == AIMRT_OK)
            s = aimrt_sim_param_check(error, domain_name, "readout.lsb_level", readout->lsb_level, 0.0,
                                      INFINITY, true);
        if (s != AIMRT_OK)
            return s;
    }
    if (readout->ktc_temperature_k < 0.0 || !isfinite(readout->ktc_temperature_k))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s domain: readout.ktc_temperature_k %g is invalid; use 0 (off) "
                               "or a temperature > 0",
                               domain_name, readout->ktc_temperature_k);
    return aimrt_sim_circuit_check(NULL, NULL, &readout->injection, &readout->comparator, NULL,
                                   NULL, error);
}

aimrt_sim_static_key aimrt_sim_domain_static_key(const aimrt_sim_domain_keys *keys, int64_t r,
                                                 int64_t c)
{
    aimrt_sim_static_key key = {.seed = keys->seed, .tile = keys->tile};
    key.cell = r < 0 ? (uint64_t)(keys->col0 + c)
                     : (uint64_t)((keys->row0 + r) * keys->tile_cols + keys->col0 + c);
    return key;
}

aimrt_sim_dynamic_key aimrt_sim_domain_dynamic_key(const aimrt_sim_domain_keys *keys, int64_t v,
                                                   int64_t c)
{
    return (aimrt_sim_dynamic_key){.seed = keys->seed,
                                   .tile = keys->tile,
                                   .sample = keys->sample[v],
                                   .mvm = keys->mvm[v],
                                   .column = (uint64_t)(keys->col0 + c)};
}

aimrt_sim_readout_column aimrt_sim_readout_column_draw(const aimrt_sim_readout_params *readout,
                                                       const aimrt_sim_domain_keys *keys, int64_t c)
{
    const aimrt_sim_static_key key = aimrt_sim_domain_static_key(keys, -1, c);
    aimrt_sim_readout_column column = {0};
    column.comparator_offset_v = aimrt_sim_comparator_offset_v(&readout->comparator, &key);
    if (readout->injection.scale != 0.0)
        column.switch_error = aimrt_sim_injection_draw(&readout->injection, &key);
    return column;
}

double aimrt_sim_domain_cap_sigma_rel(double a_c_sqrt_ff, double c_unit_f)
{
    return a_c_sqrt_ff == 0.0 ? 0.0 : a_c_sqrt_ff / sqrt(c_unit_f * 1e15);
}

/* Successive approximation over the codes: each bit lets the comparator
 * decide whether the node lies above the threshold between two codes. */
static double sar_convert(const aimrt_sim_readout_params *readout, double offset_v, double v_v,
                          double v_zero_v, double v_per_level, const aimrt_sim_dynamic_key *where)
{
    const double sign = v_per_level > 0.0 ? 1.0 : -1.0;
    const double low_level = readout->span ? readout->low_level : 0.0;
    int64_t lo = readout->span ? 0 : -(INT64_C(1) << (readout->bits - 1));
    int64_t hi = readout->span ? (INT64_C(1) << readout->bits) - 1
                               : (INT64_C(1) << (readout->bits - 1)) - 1;
    uint32_t decision = 0;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo + 1) / 2;
        const double threshold_v =
            v_zero_v + v_per_level * (low_level + ((double)mid - 0.5) * readout->lsb_level);
        if (aimrt_sim_comparator_decide(&readout->comparator, offset_v, sign * (v_v - threshold_v),
                                        where, decision++))
            lo = mid;
        else
            hi = mid - 1;
    }
    return low_level + (double)lo * readout->lsb_level;
}

double aimrt_sim_readout_ktc_sigma_v(const aimrt_sim_readout_params *readout, double c_sample_f)
{
    if (!(readout->ktc_temperature_k > 0.0 && c_sample_f > 0.0))
        return 0.0;
    const aimrt_sim_ktc_params ktc = {
        .capacitance_f = c_sample_f,
        .temperature_k = readout->ktc_temperature_k,
        .n_samples = readout->ktc_n_samples > 0 ? readout->ktc_n_samples : 1,
        .correlated_double_sampling = readout->ktc_cds,
    };
    return aimrt_sim_ktc_sigma_v(&ktc);
}

double aimrt_sim_readout_level_drawn(const aimrt_sim_readout_params *readout,
                                     const aimrt_sim_readout_column *column, double v_node_v,
                                     double v_zero_v, double v_per_level, double ktc_noise_v,
                                     const aimrt_sim_dynamic_key *where, double *analog)
{
    double v = v_node_v;
    if (readout->injection.scale != 0.0)
        v = aimrt_sim_injection_apply(&readout->injection, &column->switch_error, v);
    v += ktc_noise_v;
    /* The recorded value is the signal alone: a chip's comparator offsets
     * differ from the calibration instances', so the runtime centres each
     * span on the chip's own offsets (session_adc_range.c). */
    if (analog)
        *analog = (v - v_zero_v) / v_per_level;
    switch (readout->kind) {
    case AIMRT_SIM_READOUT_LOSSLESS:
        return nearbyint((v - v_zero_v) / v_per_level);
    case AIMRT_SIM_READOUT_CONVERTER:
        return sar_convert(readout, column->comparator_offset_v, v, v_zero_v, v_per_level, where);
    default:
        return (v - v_zero_v) / v_per_level;
    }
}

double aimrt_sim_readout_level(const aimrt_sim_readout_params *readout,
                               const aimrt_sim_readout_column *column, double v_node_v,
                               double v_zero_v, double v_per_level, double c_sample_f,
                               const aimrt_sim_dynamic_key *where, double *analog)
{
    const double sigma = aimrt_sim_readout_ktc_sigma_v(readout, c_sample_f);
    double noise = 0.0;
    if (sigma != 0.0) {
        aimrt_sim_dynamic_key key = *where;
        key.effect = AIMRT_SIM_EFFECT_KTC;
        noise = sigma * aimrt_sim_normal_dynamic(&key, 0);
    }
    return aimrt_sim_readout_level_drawn(readout, column, v_node_v, v_zero_v, v_per_level, noise,
                                         where, analog);
}

aimrt_sim_readout_column aimrt_sim_readout_column_of(const aimrt_sim_readout_params *readout,
                                                     const aimrt_sim_domain_keys *keys, int64_t c)
{
    if (keys->statics && keys->statics->columns)
        return keys->statics->columns[keys->col0 + c];
    return aimrt_sim_readout_column_draw(readout, keys, c);
}

aimrt_sim_readout_params aimrt_sim_readout_of_column(const aimrt_sim_readout_params *readout,
                                                     const aimrt_sim_domain_keys *keys, int64_t c)
{
    aimrt_sim_readout_params column = *readout;
    const aimrt_sim_domain_statics *statics = keys->statics;
    const int64_t at = keys->col0 + c;
    if (statics && statics->lsb_level && statics->lsb_level[at] > 0.0) {
        column.lsb_level = statics->lsb_level[at];
        column.span = statics->low_level && !isnan(statics->low_level[at]);
        column.low_level = column.span ? statics->low_level[at] : 0.0;
    }
    return column;
}

double aimrt_sim_domain_cell_factor(double sigma_rel, const aimrt_sim_domain_keys *keys, int64_t r,
                                    int64_t c)
{
    if (keys->statics && keys->statics->cell_factor)
        return keys->statics->cell_factor[(keys->row0 + r) * keys->tile_cols + keys->col0 + c];
    if (sigma_rel == 0.0)
        return 1.0;
    aimrt_sim_static_key key = aimrt_sim_domain_static_key(keys, r, c);
    key.effect = AIMRT_SIM_EFFECT_MISMATCH;
    return 1.0 + sigma_rel * aimrt_sim_normal_static(&key, 0);
}

double *aimrt_sim_domain_analog_at(const aimrt_sim_domain_keys *keys, int64_t n_cols, int64_t v,
                                   int64_t c)
{
    return keys->statics && keys->statics->analog ? &keys->statics->analog[v * n_cols + c] : NULL;
}
