/* SPDX-License-Identifier: MIT */
/*
 * Resistive division: rows drive voltages around a reference into an
 * unclamped column, which settles at the conductance-weighted mean of the
 * row voltages (voltage-mode sensing). The digital side multiplies by the
 * column's nominal conductance sum, or by a constant when constant-sum
 * pairs make it the same for every column. Row-driver resistance, settling
 * from the line's start voltage and the sampling readout are the errors.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

aimrt_status aimrt_sim_resdiv_check(const aimrt_sim_resdiv_params *p,
                                    const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys, aimrt_error *error)
{
    const char *domain_name = "resdiv";
    aimrt_status s = aimrt_sim_domain_check(domain_name, block, keys, &p->readout, error);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "g_max_us", p->g_max_us, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "v_ref_v", p->v_ref_v, -INFINITY, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "v_read_v", p->v_read_v, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "g_load_us", p->g_load_us, 0.0, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "r_driver_ohm", p->r_driver_ohm, 0.0, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "t_sample_s", p->t_sample_s, 0.0, INFINITY, false);
    if (s == AIMRT_OK && p->t_sample_s > 0.0)
        s = aimrt_sim_param_check(error, domain_name, "c_line_f", p->c_line_f, 0.0, INFINITY, true);
    if (s == AIMRT_OK && p->t_sample_s > 0.0)
        s = aimrt_sim_param_check(error, domain_name, "v_start_v", p->v_start_v, -INFINITY, INFINITY, false);
    if (s == AIMRT_OK && p->readout.ktc_temperature_k > 0.0)
        s = aimrt_sim_param_check(error, domain_name, "c_sample_f", p->c_sample_f, 0.0, INFINITY, true);
    if (s == AIMRT_OK && (unsigned)p->undo >= AIMRT_SIM_UNDO_COUNT)
        s = aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "resdiv domain: undo %d is unknown",
                            (int)p->undo);
    if (s == AIMRT_OK && p->undo == AIMRT_SIM_UNDO_CONSTANT)
        s = aimrt_sim_param_check(error, domain_name, "row_sum_us", p->row_sum_us, 0.0, INFINITY, true);
    return s;
}

/* Settled voltage of column c (g_s column-major), then the residual of
 * settling from v_start_v for t_sample_s: V_inf + (V0 - V_inf) e^(-t/tau). */
static double column_voltage(const aimrt_sim_resdiv_params *p, int64_t n_rows, const double *g_s,
                             const double *v_row, double g_sum_s)
{
    const aimrt_sim_resistive_load load = {.g_load_siemens = p->g_load_us * 1e-6,
                                           .v_load_v = p->v_ref_v};
    const double v_inf = aimrt_sim_resistive_division_v(&load, n_rows, g_s, v_row);
    if (isnan(v_inf))
        return p->v_ref_v; /* no conductance: the node stays at the reference */
    if (p->t_sample_s <= 0.0)
        return v_inf;
    const double tau_s = p->c_line_f / (g_sum_s + load.g_load_siemens);
    return v_inf + (p->v_start_v - v_inf) * exp(-p->t_sample_s / tau_s);
}

/* Node voltages of one vector. Row drivers with resistance lower each row
 * by R_d times its current into the columns, from one fixed-point step. */
static void vector_voltages(const aimrt_sim_resdiv_params *p, const aimrt_sim_domain_block *b,
                            const double *g_s, const double *g_sum_s, double *v_row,
                            double *v_col)
{
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    for (int64_t c = 0; c < n_cols; c++)
        v_col[c] = column_voltage(p, n_rows, g_s + c * n_rows, v_row, g_sum_s[c]);
    if (p->r_driver_ohm <= 0.0)
        return;
    for (int64_t r = 0; r < n_rows; r++) {
        double i_row = 0.0;
        for (int64_t c = 0; c < n_cols; c++)
            i_row += g_s[c * n_rows + r] * (v_row[r] - v_col[c]);
        v_row[r] -= p->r_driver_ohm * i_row;
    }
    for (int64_t c = 0; c < n_cols; c++)
        v_col[c] = column_voltage(p, n_rows, g_s + c * n_rows, v_row, g_sum_s[c]);
}

aimrt_status aimrt_sim_domain_resdiv(const aimrt_sim_resdiv_params *p,
                                     const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                     aimrt_error *error)
{
    aimrt_status status = aimrt_sim_resdiv_check(p, b, keys, error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    double *g_s = malloc((size_t)(n_rows * n_cols + 1) * sizeof *g_s);
    double *g_sum_s = malloc((size_t)(n_cols + 1) * sizeof *g_sum_s);
    double *v_row = malloc((size_t)(n_rows + 1) * sizeof *v_row);
    double *v_col = malloc((size_t)(n_cols + 1) * sizeof *v_col);
    if (!g_s || !g_sum_s || !v_row || !v_col) {
        free(g_s), free(g_sum_s), free(v_row), free(v_col);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "resdiv domain: out of memory");
    }
    const double g_level_s = p->g_max_us * 1e-6 / b->top_level;
    for (int64_t c = 0; c < n_cols; c++) {
        g_sum_s[c] = 0.0;
        for (int64_t r = 0; r < n_rows; r++) {
            g_s[c * n_rows + r] = b->cells[r * b->cell_stride + c] * g_level_s;
            g_sum_s[c] += g_s[c * n_rows + r];
        }
    }
    const double g_load_s = p->g_load_us * 1e-6;
    for (int64_t v = 0; v < b->n_vectors; v++) {
        const double *x = b->x + v * n_rows;
        for (int64_t r = 0; r < n_rows; r++)
            v_row[r] = p->v_ref_v + p->v_read_v * x[r] / b->x_full;
        vector_voltages(p, b, g_s, g_sum_s, v_row, v_col);
        for (int64_t c = 0; c < n_cols; c++) {
            if (v_node)
                v_node[v * n_cols + c] = v_col[c];
            /* The denominator the digital side divides out. NOTE: per column it
             * comes from the cells as given, noise included, as a perfect
             * calibration of each column's gain would measure it. */
            const double denominator_s = p->undo == AIMRT_SIM_UNDO_CONSTANT
                                             ? (double)n_rows * p->row_sum_us * 1e-6 + g_load_s
                                             : g_sum_s[c] + g_load_s;
            const double v_per_level = g_level_s * p->v_read_v / b->x_full / denominator_s;
            const aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
            const aimrt_sim_readout_column column = aimrt_sim_readout_column_of(&p->readout, keys, c);
            const aimrt_sim_readout_params readout = aimrt_sim_readout_of_column(&p->readout, keys, c);
            y[v * n_cols + c] = denominator_s > 0.0
                                    ? aimrt_sim_readout_level(&readout, &column, v_col[c],
                                                              p->v_ref_v, v_per_level,
                                                              p->c_sample_f, &key,
                                                              aimrt_sim_domain_analog_at(keys, n_cols, v, c))
                                    : 0.0;
        }
    }
    free(g_s), free(g_sum_s), free(v_row), free(v_col);
    return AIMRT_OK;
}
