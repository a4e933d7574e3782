/* SPDX-License-Identifier: MIT */
/*
 * The current-domain MVM of the sim device. Column currents are one DGEMM
 * of the inputs (after the DAC) and the conductances in level units, or the
 * IR-drop model per vector when the kind's wires turn it on. Per-MVM read
 * noise of PCM type and output-referred noise follow, then each column's
 * ADC (its set range, DNL, INL and noise) or a lossless readout.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_device.h"

/*
 * Adds the per-MVM read noise of PCM type to n vectors' column sums y, as
 * aimrt_sim_read_noise_output_std of type PCM computes it. In normalized units
 * the std is s sqrt(sum_i w_i x_i^2) with w_i = G_i / M and x_i = q_i / Qx
 * (conductances are never negative), so in level units (one normalized
 * output = M Qx) it is s sqrt(M) sqrt(sum_i G_i q_i^2): one DGEMM of the
 * squared inputs. Keyed by (seed, tile, sample, MVM index, tile column).
 */
static void add_read_noise(const sim_state *s, int32_t index, const double *region, int64_t n,
                           int64_t n_rows, int64_t col0, int64_t n_cols, const int64_t *sample_index,
                           const int64_t *mvm_index, double *y)
{
    const sim_tile *tile = &s->tiles[index];
    for (int64_t i = 0; i < n * n_rows; i++)
        s->x_sq[i] = s->x_d[i] * s->x_d[i];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols, (int)n_rows, 1.0,
                s->x_sq, (int)n_rows, region, (int)tile->cols, 0.0, s->var, (int)n_cols);
    const double scale = tile->models.read_noise_norm * sqrt(tile->top);
    aimrt_sim_dynamic_key key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                 .effect = AIMRT_SIM_EFFECT_READ_NOISE};
    for (int64_t v = 0; v < n; v++) {
        key.sample = sample_index[v];
        key.mvm = mvm_index[v];
        for (int64_t c = 0; c < n_cols; c++) {
            const double var = s->var[v * n_cols + c];
            if (!(var > 0.0))
                continue;
            key.column = (uint64_t)(col0 + c);
            y[v * n_cols + c] += scale * sqrt(var) * aimrt_sim_normal_dynamic(&key, 0);
        }
    }
}

/*
 * The first-order IR-drop model (aimrt_sim_ir_drop_first_order) is linear
 * in the row voltages, because each wire carries only currents G v. Row i
 * drops by v_i D_ij at node j, D_ij = r_driver S_i + r_row sum_{k <= j}
 * R_ik with S_i the row's conductance sum and R_ik = sum_{l >= k} G_il. The
 * column wire takes r_col E_lj of the current of cell (l, j), with
 * E_lj = sum_{i >= l} C_ij and C_ij = sum_{l' <= i} G_l'j, and the clamp
 * r_sense C_last,j. So the currents are one product with the effective levels
 * L_lj (1 - D_lj - r_col E_lj - r_sense C_last,j), which one pass per row
 * and two per column compute.
 */
static void first_order_levels(const sim_tile *tile, const double *region, int64_t n_rows,
                               int64_t n_cols, double *out, double *column_work)
{
    const aimrt_sim_wires *w = &tile->models.wires;
    const double g_level_s = tile->models.pcm.g_max_us * 1e-6 / tile->top;
    for (int64_t i = 0; i < n_rows; i++) {
        const double *levels = region + i * tile->cols;
        double row_sum = 0.0;
        for (int64_t j = 0; j < n_cols; j++)
            row_sum += levels[j] * g_level_s;
        double drop = w->r_driver_ohm * row_sum, remaining = row_sum;
        for (int64_t j = 0; j < n_cols; j++) {
            drop += w->r_row_ohm * remaining;
            remaining -= levels[j] * g_level_s;
            out[i * n_cols + j] = drop;
        }
    }
    /* Column pass from the clamp upward: C_ij needs rows 0..i, E_lj rows l..last. */
    double *prefix = column_work, *tail = column_work + n_cols, *total = column_work + 2 * n_cols;
    for (int64_t j = 0; j < n_cols; j++)
        prefix[j] = tail[j] = 0.0;
    for (int64_t i = 0; i < n_rows; i++)
        for (int64_t j = 0; j < n_cols; j++)
            prefix[j] += region[i * tile->cols + j] * g_level_s;
    for (int64_t j = 0; j < n_cols; j++)
        total[j] = prefix[j];
    for (int64_t i = n_rows - 1; i >= 0; i--)
        for (int64_t j = 0; j < n_cols; j++) {
            const double level = region[i * tile->cols + j];
            tail[j] += prefix[j];
            const double rise = w->r_col_ohm * tail[j] + w->r_sense_ohm * total[j];
            prefix[j] -= level * g_level_s;
            out[i * n_cols + j] = level * (1.0 - out[i * n_cols + j] - rise);
        }
}

/*
 * Column sums with the full IR-drop solve for n vectors: the conductances in
 * siemens and the input integers as row voltages. The network is linear, so
 * dividing the currents by one level's conductance gives level units for any
 * voltage scale. The block's own rows and columns form the network, with the
 * drivers at its first column and the clamps below its last row.
 */
static aimrt_status full_solve_sums(const sim_state *s, const sim_tile *tile, const double *region,
                                    int64_t n, int64_t n_rows, int64_t n_cols, double *y)
{
    const double g_level_s = tile->models.pcm.g_max_us * 1e-6 / tile->top;
    const int64_t n_work = aimrt_sim_ir_drop_solve_work(n_rows, n_cols);
    double *g_s = malloc((size_t)(n_rows * n_cols) * sizeof *g_s);
    double *work = malloc((size_t)(n_work + 1) * sizeof *work);
    aimrt_error error = {0};
    aimrt_status status = g_s && work ? AIMRT_OK : AIMRT_ERR_NOMEM;
    for (int64_t r = 0; r < n_rows && status == AIMRT_OK; r++)
        for (int64_t c = 0; c < n_cols; c++)
            g_s[r * n_cols + c] = region[r * tile->cols + c] * g_level_s;
    const aimrt_sim_ir_solver solver = aimrt_sim_ir_solver_defaults();
    for (int64_t v = 0; v < n && status == AIMRT_OK; v++) {
        double *out = y + v * n_cols;
        status = aimrt_sim_ir_drop_solve(&tile->models.wires, &solver, n_rows, n_cols, g_s,
                                         s->x_d + v * n_rows, out, work, n_work, NULL, &error);
        for (int64_t c = 0; c < n_cols && status == AIMRT_OK; c++)
            out[c] /= g_level_s;
    }
    free(g_s);
    free(work);
    return status;
}

/* Column sums through the IR-drop model of the tile's wires. */
static aimrt_status ir_drop_sums(const sim_state *s, const sim_tile *tile, const double *region,
                                 int64_t n, int64_t n_rows, int64_t n_cols, double *y)
{
    aimrt_error error = {0};
    if (aimrt_sim_wires_check(&tile->models.wires, n_rows, n_cols, &error) != AIMRT_OK)
        return AIMRT_ERR_INVALID_ARG;
    if (tile->models.ir_drop == SIM_IR_DROP_FULL)
        return full_solve_sums(s, tile, region, n, n_rows, n_cols, y);
    double *levels = malloc((size_t)(n_rows * n_cols + 3 * n_cols) * sizeof *levels);
    if (!levels)
        return AIMRT_ERR_NOMEM;
    first_order_levels(tile, region, n_rows, n_cols, levels, levels + n_rows * n_cols);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols, (int)n_rows, 1.0,
                s->x_d, (int)n_rows, levels, (int)n_cols, 0.0, y, (int)n_cols);
    free(levels);
    return AIMRT_OK;
}

/* Column sums of n vectors into y, in level units, before the readout. */
static aimrt_status column_sums(sim_state *s, int32_t index, int64_t row0, int64_t n_rows,
                                int64_t col0, int64_t n_cols, int64_t n, const float *x,
                                const int64_t *sample_index, const int64_t *mvm_index, double *y)
{
    const sim_tile *tile = &s->tiles[index];
    const double *region = tile->cells + row0 * tile->cols + col0;
    for (int64_t i = 0; i < n * n_rows; i++)
        s->x_d[i] = x[i];
    sim_dac_drive(s, index, row0, n_rows, n, sample_index, mvm_index, s->x_d);
    if (tile->models.ir_drop != SIM_IR_DROP_OFF) {
        const aimrt_status status = ir_drop_sums(s, tile, region, n, n_rows, n_cols, y);
        if (status != AIMRT_OK)
            return status;
    } else {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols, (int)n_rows,
                    1.0, s->x_d, (int)n_rows, region, (int)tile->cols, 0.0, y, (int)n_cols);
    }
    if (tile->models.read_noise_norm > 0.0)
        add_read_noise(s, index, region, n, n_rows, col0, n_cols, sample_index, mvm_index, y);
    return AIMRT_OK;
}

/* Converts value (level units) with column c's ADC of LSB lsb. */
static double convert(const sim_tile *tile, int64_t c, double lsb, double value,
                      const aimrt_sim_dynamic_key *key)
{
    aimrt_sim_adc adc = tile->adcs[c];
    /* The ADC works on codes in LSB units: its noise scales to them. */
    adc.params.sigma_noise_norm = tile->models.adc.sigma_noise_norm * tile->unit / lsb;
    const double half = ldexp(1.0, tile->adc_bits - 1);
    const int32_t code = aimrt_sim_adc_convert(&adc, value / lsb, key);
    return ((double)code - half) * lsb;
}

/* Output noise and readout of one vector's column sums y (level units). */
static void read_out(const sim_state *s, int32_t index, sim_tile *tile, bool use_adc,
                     double default_lsb, int64_t col0, int64_t n_cols, int64_t sample, int64_t mvm,
                     double *y)
{
    aimrt_sim_dynamic_key key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                 .sample = sample, .mvm = mvm};
    const aimrt_sim_output_noise_params noise = {.sigma_norm =
                                                     tile->models.output_noise_norm * tile->unit};
    const bool record = (s->options.flags & AIMRT_SIM_RECORD_SIGNALS) != 0;
    for (int64_t c = 0; c < n_cols; c++) {
        key.column = (uint64_t)(col0 + c);
        double value = y[c];
        if (noise.sigma_norm > 0.0)
            value += aimrt_sim_output_noise(&noise, &key);
        if (record)
            sim_signals_add(tile, col0 + c, value);
        if (use_adc)
            value = convert(tile, col0 + c, sim_column_lsb(tile, col0 + c, default_lsb), value, &key);
        else
            value = nearbyint(value); /* lossless: the integer the decode expects */
        y[c] = value;
    }
}

aimrt_status sim_current_mvm(sim_state *s, int32_t index, int64_t row0, int64_t n_rows,
                             int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                             double *y, const int64_t *sample_index, const int64_t *mvm_index)
{
    sim_tile *tile = &s->tiles[index];
    if (n_rows == 0) {
        memset(y, 0, (size_t)(n_vectors * n_cols) * sizeof(double));
    } else {
        /* A chunk's inputs and its read-noise variances both fit the buffers. */
        const int64_t widest = n_rows > n_cols ? n_rows : n_cols;
        const int64_t per_chunk = s->chunk / widest;
        for (int64_t v0 = 0; v0 < n_vectors; v0 += per_chunk) {
            const int64_t n = n_vectors - v0 < per_chunk ? n_vectors - v0 : per_chunk;
            const aimrt_status status =
                column_sums(s, index, row0, n_rows, col0, n_cols, n, x + v0 * n_rows,
                            sample_index + v0, mvm_index + v0, y + v0 * n_cols);
            if (status != AIMRT_OK)
                return status;
        }
    }
    const bool use_adc = tile->adc_bits > 0 && (s->options.flags & AIMRT_SIM_LOSSLESS_ADC) == 0;
    const double default_lsb = use_adc ? sim_default_lsb(tile, n_rows) : 1.0;
    for (int64_t v = 0; v < n_vectors; v++)
        read_out(s, index, tile, use_adc, default_lsb, col0, n_cols, sample_index[v], mvm_index[v],
                 y + v * n_cols);
    return AIMRT_OK;
}
