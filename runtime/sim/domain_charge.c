/* SPDX-License-Identifier: MIT */
/*
 * Charge domain: wordline pulses of PWM width let each cell discharge a
 * precharged bitline, and the sampled discharge is the MAC. Pulse widths
 * carry the PWM driver's edge error and jitter, cell currents their
 * transistor mismatch, and with node-voltage dependence the cell acts as a
 * conductance, so the bitline decays exponentially instead of linearly.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

aimrt_status aimrt_sim_charge_check(const aimrt_sim_charge_params *p,
                                    const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys, aimrt_error *error)
{
    const char *domain_name = "charge";
    aimrt_status s = aimrt_sim_domain_check(domain_name, block, keys, &p->readout, error);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "c_bitline_f", p->c_bitline_f, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "v_precharge_v", p->v_precharge_v, 0.0, INFINITY,
                                  true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "i_cell_max_a", p->i_cell_max_a, 0.0, INFINITY,
                                  true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "sigma_i_rel", p->sigma_i_rel, 0.0, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_pwm_check(&p->pwm, error);
    if (s == AIMRT_OK && block->n_rows > (int64_t)AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN - keys->row0)
        s = aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                            "charge domain: rows up to %lld exceed the jitter streams' range",
                            (long long)(keys->row0 + block->n_rows));
    return s;
}

/* Bitline discharge after a = sum G_i t_i / C: linear, or the exponential
 * decay of a node whose cells sink G_i V (the node equation with E_i = 0). */
double aimrt_sim_charge_discharge_v(const aimrt_sim_charge_params *p, double a)
{
    if (p->node_voltage_dependence)
        return p->v_precharge_v * -expm1(-a);
    return p->v_precharge_v * a;
}

/* Pulse widths of one vector with each row's edge error and fresh jitter. */
static void pulse_widths(const aimrt_sim_charge_params *p, const aimrt_sim_domain_block *b,
                         const aimrt_sim_domain_keys *keys, int64_t v, const double *edge_s,
                         double *width_s)
{
    const double *x = b->x + v * b->n_rows;
    for (int64_t r = 0; r < b->n_rows; r++) {
        aimrt_sim_dynamic_key row_key = aimrt_sim_domain_dynamic_key(keys, v, 0);
        row_key.column = (uint64_t)(keys->row0 + r);
        const double code = fabs(x[r]) < INT32_MAX ? x[r] : copysign(INT32_MAX, x[r]);
        width_s[r] = aimrt_sim_pwm_width_s(&p->pwm, (int32_t)code, edge_s[r], &row_key);
    }
}

/* Static draws: each cell's conductance with its current mismatch, and
 * each row's pulse edge; cached ones when the keys hold them. */
static void static_cells(const aimrt_sim_charge_params *p, const aimrt_sim_domain_block *b,
                         const aimrt_sim_domain_keys *keys, double *g_s, double *edge_s)
{
    const double g_top = p->i_cell_max_a / p->v_precharge_v;
    const double *edges = keys->statics ? keys->statics->row_edge_s : NULL;
    for (int64_t r = 0; r < b->n_rows; r++) {
        aimrt_sim_static_key row_key = {.seed = keys->seed, .tile = keys->tile,
                                        .cell = (uint64_t)(keys->row0 + r)};
        edge_s[r] = edges ? edges[keys->row0 + r] : aimrt_sim_pwm_edge_error_s(&p->pwm, &row_key);
        for (int64_t c = 0; c < b->n_cols; c++) {
            double g = b->cells[r * b->cell_stride + c] / b->top_level * g_top;
            if (p->sigma_i_rel > 0.0)
                g *= aimrt_sim_domain_cell_factor(p->sigma_i_rel, keys, r, c);
            g_s[r * b->n_cols + c] = g;
        }
    }
}

/* Discharge terms a = sum G_i t_i / C of one vector on both bitlines, row by
 * row so the cells are read in memory order; each column still adds its rows
 * in row order. */
static void discharge_terms(const aimrt_sim_charge_params *p, const aimrt_sim_domain_block *b,
                            const double *g_s, const double *width_s, const double *x,
                            double *a_pos, double *a_neg)
{
    const int64_t n_cols = b->n_cols;
    for (int64_t c = 0; c < n_cols; c++)
        a_pos[c] = a_neg[c] = 0.0;
    for (int64_t r = 0; r < b->n_rows; r++) {
        if (x[r] == 0.0)
            continue;
        double *a = x[r] > 0.0 ? a_pos : a_neg;
        const double *g = g_s + r * n_cols;
        for (int64_t c = 0; c < n_cols; c++)
            a[c] += g[c] * width_s[r] / p->c_bitline_f;
    }
}

aimrt_status aimrt_sim_domain_charge(const aimrt_sim_charge_params *p,
                                     const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                     aimrt_error *error)
{
    aimrt_status status = aimrt_sim_charge_check(p, b, keys, error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    double *g_s = malloc((size_t)(n_rows * n_cols + 1) * sizeof *g_s);
    double *edge_s = malloc((size_t)(n_rows + 1) * sizeof *edge_s);
    double *width_s = malloc((size_t)(n_rows + 1) * sizeof *width_s);
    double *a = malloc((size_t)(2 * n_cols + 1) * sizeof *a);
    if (!g_s || !edge_s || !width_s || !a) {
        free(g_s), free(edge_s), free(width_s), free(a);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "charge domain: out of memory");
    }
    static_cells(p, b, keys, g_s, edge_s);
    /* One level unit (level 1 for one unit pulse) discharges this much. */
    const double v_per_level = p->i_cell_max_a * p->pwm.t_lsb_s / (b->top_level * p->c_bitline_f);
    for (int64_t v = 0; v < b->n_vectors; v++) {
        pulse_widths(p, b, keys, v, edge_s, width_s);
        /* Positive inputs pulse the bitline, negative ones its complement. */
        discharge_terms(p, b, g_s, width_s, b->x + v * n_rows, a, a + n_cols);
        for (int64_t c = 0; c < n_cols; c++) {
            const double v_out =
                aimrt_sim_charge_discharge_v(p, a[c]) - aimrt_sim_charge_discharge_v(p, a[n_cols + c]);
            if (v_node)
                v_node[v * n_cols + c] = v_out;
            const aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
            const aimrt_sim_readout_column column = aimrt_sim_readout_column_of(&p->readout, keys, c);
            const aimrt_sim_readout_params readout = aimrt_sim_readout_of_column(&p->readout, keys, c);
            y[v * n_cols + c] =
                aimrt_sim_readout_level(&readout, &column, v_out, 0.0, v_per_level, p->c_bitline_f,
                                        &key, aimrt_sim_domain_analog_at(keys, n_cols, v, c));
        }
    }
    free(g_s), free(edge_s), free(width_s), free(a);
    return AIMRT_OK;
}
