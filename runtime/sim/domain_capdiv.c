/* SPDX-License-Identifier: MIT */
/*
 * Capacitive division: the column's capacitors stay connected to a floating
 * node and their bottom plates step, so the node moves by the coupled
 * charge over the total capacitance. Weights are either polarities of unit
 * capacitors (a constant denominator) or the capacitances themselves (a
 * denominator that depends on the column's weights, divided out per column
 * or by a constant). Errors as in charge redistribution.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

aimrt_status aimrt_sim_capdiv_check(const aimrt_sim_capdiv_params *p,
                                    const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys, aimrt_error *error)
{
    const char *domain_name = "capdiv";
    aimrt_status s = aimrt_sim_domain_check(domain_name, block, keys, &p->readout, error);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "c_unit_f", p->c_unit_f, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "mismatch_a_c_sqrt_ff", p->mismatch_a_c_sqrt_ff, 0.0,
                                  INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "v_step_v", p->v_step_v, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_circuit_check(NULL, NULL, NULL, NULL, &p->parasitic, NULL, error);
    if (s == AIMRT_OK && (unsigned)p->undo >= AIMRT_SIM_UNDO_COUNT)
        s = aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "capdiv domain: undo %d is unknown",
                            (int)p->undo);
    if (s == AIMRT_OK && p->weight_as_capacitance && p->undo == AIMRT_SIM_UNDO_CONSTANT)
        s = aimrt_sim_param_check(error, domain_name, "row_sum_f", p->row_sum_f, 0.0, INFINITY, true);
    return s;
}

/* Returns the denominator the digital side divides out for column c, from
 * nominal capacitances (no mismatch, nominal C_p). */
double aimrt_sim_capdiv_nominal_denominator_f(const aimrt_sim_capdiv_params *p,
                                              const aimrt_sim_domain_block *b, int64_t c)
{
    if (!p->weight_as_capacitance)
        return (double)b->n_rows * p->c_unit_f + p->parasitic.c_parasitic_f;
    if (p->undo == AIMRT_SIM_UNDO_CONSTANT)
        return (double)b->n_rows * p->row_sum_f + p->parasitic.c_parasitic_f;
    double sum = 0.0;
    for (int64_t r = 0; r < b->n_rows; r++)
        sum += b->cells[r * b->cell_stride + c];
    return p->c_unit_f * sum / b->top_level + p->parasitic.c_parasitic_f;
}

/* One column: capacitors with their mismatch, then every vector's step. */
static void capdiv_column(const aimrt_sim_capdiv_params *p, const aimrt_sim_domain_block *b,
                          const aimrt_sim_domain_keys *keys, int64_t c, double *c_f,
                          double *step_v, double *y, double *v_node)
{
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    const aimrt_sim_static_key column_key = aimrt_sim_domain_static_key(keys, -1, c);
    const aimrt_sim_capacitive_node node = {
        .c_parasitic_f = keys->statics && keys->statics->c_parasitic_f
                             ? keys->statics->c_parasitic_f[keys->col0 + c]
                             : aimrt_sim_parasitic_draw_f(&p->parasitic, &column_key)};
    const double sigma_rel = aimrt_sim_domain_cap_sigma_rel(p->mismatch_a_c_sqrt_ff, p->c_unit_f);
    double c_total_f = node.c_parasitic_f;
    for (int64_t r = 0; r < n_rows; r++) {
        const double share = p->weight_as_capacitance ? b->cells[r * b->cell_stride + c] / b->top_level
                                                      : 1.0;
        c_f[r] = p->c_unit_f * share * aimrt_sim_domain_cell_factor(sigma_rel, keys, r, c);
        c_total_f += c_f[r];
    }
    const double denominator_f = aimrt_sim_capdiv_nominal_denominator_f(p, b, c);
    /* Either way one level unit couples c_unit_f / M times the step of input 1. */
    const double v_per_level = p->v_step_v * p->c_unit_f / (b->top_level * denominator_f * b->x_full);
    const aimrt_sim_readout_column column = aimrt_sim_readout_column_of(&p->readout, keys, c);
    const aimrt_sim_readout_params readout = aimrt_sim_readout_of_column(&p->readout, keys, c);
    /* The column's step per unit input, read once: the cells lie a row apart. */
    double *step_per_input = step_v + n_rows;
    for (int64_t r = 0; r < n_rows; r++) {
        const double weight = p->weight_as_capacitance ? 1.0
                                                       : b->cells[r * b->cell_stride + c] / b->top_level;
        step_per_input[r] = p->v_step_v * weight;
    }
    for (int64_t v = 0; v < b->n_vectors; v++) {
        const double *x = b->x + v * n_rows;
        for (int64_t r = 0; r < n_rows; r++)
            step_v[r] = step_per_input[r] * (x[r] / b->x_full);
        const double v_out = aimrt_sim_capacitive_division_v(&node, n_rows, c_f, step_v);
        if (v_node)
            v_node[v * n_cols + c] = v_out;
        const aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
        /* A column without capacitance couples nothing: its sum is 0. */
        y[v * n_cols + c] = denominator_f > 0.0
                                ? aimrt_sim_readout_level(&readout, &column, v_out, 0.0,
                                                          v_per_level, c_total_f, &key,
                                                          aimrt_sim_domain_analog_at(keys, n_cols, v, c))
                                : 0.0;
    }
}

aimrt_status aimrt_sim_domain_capdiv(const aimrt_sim_capdiv_params *p,
                                     const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                     aimrt_error *error)
{
    aimrt_status status = aimrt_sim_capdiv_check(p, b, keys, error);
    if (status != AIMRT_OK)
        return status;
    double *c_f = malloc((size_t)(b->n_rows + 1) * sizeof *c_f);
    double *step_v = malloc((size_t)(2 * b->n_rows + 1) * sizeof *step_v);
    if (!c_f || !step_v) {
        free(c_f), free(step_v);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "capdiv domain: out of memory");
    }
    for (int64_t c = 0; c < b->n_cols; c++)
        capdiv_column(p, b, keys, c, c_f, step_v, y, v_node);
    free(c_f), free(step_v);
    return AIMRT_OK;
}
