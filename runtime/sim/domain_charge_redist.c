/* SPDX-License-Identifier: MIT */
/*
 * Charge redistribution: every cell's capacitor is charged to a voltage set
 * by its product, then the column's capacitors are shorted and share their
 * charge with the parasitic capacitance. The shared voltage is the mean of
 * the products over the total capacitance; the digital side multiplies by
 * the nominal total to return column sums. Capacitor mismatch, a column's
 * parasitic spread, kT/C of the shared node, switch error and the SAR
 * comparator are the errors.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

aimrt_status aimrt_sim_charge_redist_check(const aimrt_sim_charge_redist_params *p,
                                           const aimrt_sim_domain_block *block,
                                           const aimrt_sim_domain_keys *keys, aimrt_error *error)
{
    const char *domain_name = "charge-redist";
    aimrt_status s = aimrt_sim_domain_check(domain_name, block, keys, &p->readout, error);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "c_unit_f", p->c_unit_f, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "mismatch_a_c_sqrt_ff", p->mismatch_a_c_sqrt_ff, 0.0,
                                  INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "v_dd_v", p->v_dd_v, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_circuit_check(NULL, NULL, NULL, NULL, &p->parasitic, NULL, error);
    return s;
}

aimrt_status aimrt_sim_domain_charge_redist(const aimrt_sim_charge_redist_params *p,
                                            const aimrt_sim_domain_block *b,
                                            const aimrt_sim_domain_keys *keys, double *y,
                                            double *v_node, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_charge_redist_check(p, b, keys, error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    double *c_f = malloc((size_t)(n_rows * n_cols + 1) * sizeof *c_f);
    double *v_cell = malloc((size_t)(2 * n_rows + 1) * sizeof *v_cell);
    if (!c_f || !v_cell) {
        free(c_f), free(v_cell);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "charge-redist domain: out of memory");
    }
    const double sigma_rel = aimrt_sim_domain_cap_sigma_rel(p->mismatch_a_c_sqrt_ff, p->c_unit_f);
    /* Column-major capacitors, so one column's are contiguous for sharing. */
    for (int64_t c = 0; c < n_cols; c++)
        for (int64_t r = 0; r < n_rows; r++)
            c_f[c * n_rows + r] = p->c_unit_f * aimrt_sim_domain_cell_factor(sigma_rel, keys, r, c);
    /* The digital inverse uses the nominal total capacitance n C_u + C_p. */
    const double c_nominal_f = (double)n_rows * p->c_unit_f + p->parasitic.c_parasitic_f;
    const double v_per_level = p->v_dd_v * p->c_unit_f / (c_nominal_f * b->top_level * b->x_full);
    for (int64_t c = 0; c < n_cols; c++) {
        const aimrt_sim_static_key column_key = aimrt_sim_domain_static_key(keys, -1, c);
        const aimrt_sim_capacitive_node node = {
            .c_parasitic_f = keys->statics && keys->statics->c_parasitic_f
                                 ? keys->statics->c_parasitic_f[keys->col0 + c]
                                 : aimrt_sim_parasitic_draw_f(&p->parasitic, &column_key)};
        double c_total_f = node.c_parasitic_f;
        for (int64_t r = 0; r < n_rows; r++)
            c_total_f += c_f[c * n_rows + r];
        const aimrt_sim_readout_column column = aimrt_sim_readout_column_of(&p->readout, keys, c);
        const aimrt_sim_readout_params readout = aimrt_sim_readout_of_column(&p->readout, keys, c);
        /* The column's charge voltage per unit input, read once: the cells lie a row apart. */
        double *v_per_input = v_cell + n_rows;
        for (int64_t r = 0; r < n_rows; r++)
            v_per_input[r] = p->v_dd_v * (b->cells[r * b->cell_stride + c] / b->top_level);
        for (int64_t v = 0; v < b->n_vectors; v++) {
            /* Phase 1 charges each capacitor to V_DD p_i, relative to the
             * reference, so signed products give signed voltages. */
            const double *x = b->x + v * n_rows;
            for (int64_t r = 0; r < n_rows; r++)
                v_cell[r] = v_per_input[r] * (x[r] / b->x_full);
            const double v_out = aimrt_sim_charge_sharing_v(&node, n_rows, c_f + c * n_rows, v_cell);
            if (v_node)
                v_node[v * n_cols + c] = v_out;
            const aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
            y[v * n_cols + c] =
                aimrt_sim_readout_level(&readout, &column, v_out, 0.0, v_per_level, c_total_f, &key,
                                        aimrt_sim_domain_analog_at(keys, n_cols, v, c));
        }
    }
    free(c_f), free(v_cell);
    return AIMRT_OK;
}
