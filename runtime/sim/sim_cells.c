/* SPDX-License-Identifier: MIT */
/*
 * The cells of a sim tile: written levels become target conductances, then
 * stuck-at faults, programming noise (PCM polynomial or relative to g_max)
 * and drift exponents are drawn once per cell. At each time the conductances
 * follow PCM drift with accumulated read noise, or RRAM relaxation. The
 * static draws of the other domains' circuits are made here once as well.
 */
#include <stdlib.h>

#include "sim/sim_device.h"

/* Programs cell i of a tile from its target conductance. */
static void program_cell(const sim_state *s, const sim_tile *tile, const aimrt_sim_static_key *key,
                         int64_t i, double target_us)
{
    const sim_models *m = &tile->models;
    const aimrt_sim_fault_params *f = &m->faults;
    tile->stuck[i] = 0;
    tile->nu[i] = 0.0;
    if (f->p_sa0 > 0.0 || f->p_sa1 > 0.0 || f->p_random > 0.0) {
        aimrt_sim_fault fault = AIMRT_SIM_FAULT_NONE;
        const double g = aimrt_sim_fault_cell(f, &m->window, target_us, key, &fault);
        if (fault != AIMRT_SIM_FAULT_NONE) {
            /* A stuck cell takes no programming noise and no drift. */
            tile->g_prog_us[i] = g;
            tile->stuck[i] = 1;
            return;
        }
    }
    if (m->cell == SIM_CELL_PCM && sim_noise_on(s)) {
        tile->g_prog_us[i] = aimrt_sim_pcm_program_cell(&m->pcm, target_us, key);
        tile->nu[i] = aimrt_sim_pcm_drift_nu_cell(&m->pcm, target_us, key);
    } else if (m->prog.s_rel > 0.0) {
        tile->g_prog_us[i] = aimrt_sim_prog_noise_cell(&m->prog, target_us, key);
    } else {
        tile->g_prog_us[i] = target_us;
    }
}

void sim_cells_program(const sim_state *s, int32_t index)
{
    sim_tile *tile = &s->tiles[index];
    const int64_t count = tile->rows * tile->cols;
    aimrt_sim_static_key key = {.seed = s->options.seed, .tile = (uint32_t)index};
    const double to_us = tile->models.pcm.g_max_us / tile->top;
    for (int64_t i = 0; i < count; i++) {
        key.cell = (uint64_t)i;
        program_cell(s, tile, &key, i, tile->levels[i] * to_us);
    }
}

/* Returns the conductance of cell i at time t_s. */
static double cell_at_time(const sim_state *s, const sim_tile *tile,
                           const aimrt_sim_static_key *key, int64_t i, double target_us)
{
    const sim_models *m = &tile->models;
    const double t_s = s->options.time_s;
    if (tile->stuck[i])
        return tile->g_prog_us[i];
    if (m->cell == SIM_CELL_PCM)
        return aimrt_sim_pcm_at_time_cell(&m->pcm, tile->g_prog_us[i], tile->nu[i], t_s, key);
    /* The relaxation fit describes the whole spread at t > 0 and replaces
     * the programming noise there. */
    if (m->rram_relaxation && t_s > 0.0)
        return aimrt_sim_rram_at_time_cell(&m->rram, target_us, tile->g_prog_us[i], t_s, key);
    return tile->g_prog_us[i];
}

void sim_cells_refresh(const sim_state *s, int32_t index)
{
    sim_tile *tile = &s->tiles[index];
    const int64_t count = tile->rows * tile->cols;
    aimrt_sim_static_key key = {.seed = s->options.seed, .tile = (uint32_t)index};
    const double to_us = tile->models.pcm.g_max_us / tile->top;
    const double to_level = tile->top / tile->models.pcm.g_max_us;
    for (int64_t i = 0; i < count; i++) {
        key.cell = (uint64_t)i;
        const double target_us = tile->levels[i] * to_us;
        const double g = sim_noise_on(s) ? cell_at_time(s, tile, &key, i, target_us) : target_us;
        /* A cell no effect moved keeps its level exactly. */
        tile->cells[i] = g == target_us ? tile->levels[i] : g * to_level;
    }
}

/* The readout of the tile's domain, as the MVM builds it, for its static errors. */
static aimrt_sim_readout_params static_readout(const sim_tile *tile)
{
    const sim_models *m = &tile->models;
    aimrt_sim_readout_params readout = {.comparator = m->comparator, .injection = m->injection};
    return readout;
}

/* Per-cell draws: mismatch factors, and the time domain's stage delays. */
static aimrt_status cell_statics(sim_tile *tile, const aimrt_sim_domain_keys *keys)
{
    const sim_domain_params *p = &tile->models.domain;
    double sigma = 0.0;
    if (tile->domain == SIM_DOMAIN_CHARGE)
        sigma = p->charge.sigma_i_rel;
    else if (tile->domain == SIM_DOMAIN_CHARGE_REDIST)
        sigma = aimrt_sim_domain_cap_sigma_rel(p->redist.mismatch_a_c_sqrt_ff, p->redist.c_unit_f);
    else if (tile->domain == SIM_DOMAIN_CAPDIV)
        sigma = aimrt_sim_domain_cap_sigma_rel(p->capdiv.mismatch_a_c_sqrt_ff, p->capdiv.c_unit_f);
    const bool delays = tile->domain == SIM_DOMAIN_TIME && p->time.sigma_tau_s > 0.0;
    if (sigma == 0.0 && !delays)
        return AIMRT_OK;
    double *values = malloc((size_t)(tile->rows * tile->cols) * sizeof *values);
    if (!values)
        return AIMRT_ERR_NOMEM;
    for (int64_t r = 0; r < tile->rows; r++)
        for (int64_t c = 0; c < tile->cols; c++) {
            if (!delays) {
                values[r * tile->cols + c] = aimrt_sim_domain_cell_factor(sigma, keys, r, c);
                continue;
            }
            aimrt_sim_static_key key = aimrt_sim_domain_static_key(keys, r, c);
            key.effect = AIMRT_SIM_EFFECT_DELAY;
            values[r * tile->cols + c] = p->time.sigma_tau_s * aimrt_sim_normal_static(&key, 0);
        }
    if (delays)
        tile->delay_s = values;
    else
        tile->cell_factor = values;
    return AIMRT_OK;
}

aimrt_status sim_cells_domain_statics(const sim_state *s, int32_t index)
{
    sim_tile *tile = &s->tiles[index];
    if (tile->domain == SIM_DOMAIN_CURRENT)
        return AIMRT_OK;
    /* Keys of the whole tile without a cache, so the draws are the domain's own. */
    const aimrt_sim_domain_keys keys = {.seed = s->options.seed, .tile = (uint32_t)index,
                                        .tile_cols = tile->cols};
    tile->columns = calloc((size_t)tile->cols, sizeof *tile->columns);
    tile->c_parasitic_f = calloc((size_t)tile->cols, sizeof *tile->c_parasitic_f);
    if (!tile->columns || !tile->c_parasitic_f)
        return AIMRT_ERR_NOMEM;
    const aimrt_sim_readout_params readout = static_readout(tile);
    const sim_domain_params *p = &tile->models.domain;
    const aimrt_sim_parasitic_params *parasitic = tile->domain == SIM_DOMAIN_CHARGE_REDIST
                                                      ? &p->redist.parasitic
                                                      : &p->capdiv.parasitic;
    for (int64_t c = 0; c < tile->cols; c++) {
        tile->columns[c] = aimrt_sim_readout_column_draw(&readout, &keys, c);
        const aimrt_sim_static_key column_key = aimrt_sim_domain_static_key(&keys, -1, c);
        if (tile->domain == SIM_DOMAIN_CHARGE_REDIST || tile->domain == SIM_DOMAIN_CAPDIV)
            tile->c_parasitic_f[c] = aimrt_sim_parasitic_draw_f(parasitic, &column_key);
    }
    if (tile->domain == SIM_DOMAIN_CHARGE && p->charge.pwm.sigma_edge_s > 0.0) {
        tile->row_edge_s = malloc((size_t)tile->rows * sizeof *tile->row_edge_s);
        if (!tile->row_edge_s)
            return AIMRT_ERR_NOMEM;
        for (int64_t r = 0; r < tile->rows; r++) {
            const aimrt_sim_static_key row_key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                                  .cell = (uint64_t)r};
            tile->row_edge_s[r] = aimrt_sim_pwm_edge_error_s(&p->charge.pwm, &row_key);
        }
    }
    return cell_statics(tile, &keys);
}
