/* SPDX-License-Identifier: MIT */
/*
 * The charge, charge-redistribution, capacitive-division, resistive-division
 * and delay-line domains with the linear part of all vectors of a call as
 * one DGEMM on a static matrix of the block (mismatched currents, capacitors
 * or conductances times the weights). Each output then gets its static
 * denominator, nonlinearity and readout, with the draws and keys of the
 * reference functions in domain_*.c.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

/* Work memory of one call: the static matrix, the drives and their product. */
typedef struct gemm_work {
    double *w;                         /* n_rows x n_cols */
    double *u;                         /* n_drives x n_rows */
    double *prod;                      /* n_drives x n_cols */
    double *column;                    /* n_cols (a static value per column) */
    double *row;                       /* n_rows (a static value per row) */
    aimrt_sim_readout_params *readout; /* n_cols: the readout with the column's LSB */
    aimrt_sim_readout_column *errors;  /* n_cols: the column's static readout errors */
    double *per_level; /* n_cols: volts per level unit; 0: the column's outputs are 0 */
    double *ktc_sigma; /* n_cols: kT/C sigma on the column's sampling capacitance */
    double *z;         /* n_cols: one vector's kT/C draws */
} gemm_work;

static void work_free(gemm_work *work)
{
    free(work->w), free(work->u), free(work->prod), free(work->column), free(work->row);
    free(work->readout), free(work->errors), free(work->per_level), free(work->ktc_sigma);
    free(work->z);
}

static aimrt_status work_alloc(gemm_work *work, const aimrt_sim_domain_block *b,
                               const aimrt_sim_domain_keys *keys,
                               const aimrt_sim_readout_params *readout, int64_t n_drives,
                               const char *domain_name, aimrt_error *error)
{
    *work = (gemm_work){0};
    /* cblas takes int sizes. */
    if (b->n_rows > INT_MAX || b->n_cols > INT_MAX || n_drives > INT_MAX)
        return aimrt_error_set(
            error, AIMRT_ERR_INVALID_ARG,
            "%s domain: block of %lld rows, %lld columns and %lld drives exceeds "
            "the GEMM's int sizes; split the MVM",
            domain_name, (long long)b->n_rows, (long long)b->n_cols, (long long)n_drives);
    work->w = malloc((size_t)(b->n_rows * b->n_cols + 1) * sizeof(double));
    work->u = malloc((size_t)(n_drives * b->n_rows + 1) * sizeof(double));
    work->prod = malloc((size_t)(n_drives * b->n_cols + 1) * sizeof(double));
    work->column = malloc((size_t)(b->n_cols + 1) * sizeof(double));
    work->row = malloc((size_t)(b->n_rows + 1) * sizeof(double));
    work->readout = malloc((size_t)(b->n_cols + 1) * sizeof *work->readout);
    work->errors = malloc((size_t)(b->n_cols + 1) * sizeof *work->errors);
    work->per_level = malloc((size_t)(b->n_cols + 1) * sizeof(double));
    work->ktc_sigma = malloc((size_t)(b->n_cols + 1) * sizeof(double));
    work->z = malloc((size_t)(b->n_cols + 1) * sizeof(double));
    if (!work->w || !work->u || !work->prod || !work->column || !work->row || !work->readout ||
        !work->errors || !work->per_level || !work->ktc_sigma || !work->z) {
        work_free(work);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "%s domain: out of memory", domain_name);
    }
    /* Read once per call, not per output. */
    for (int64_t c = 0; c < b->n_cols; c++) {
        work->readout[c] = aimrt_sim_readout_of_column(readout, keys, c);
        work->errors[c] = aimrt_sim_readout_column_of(readout, keys, c);
    }
    return AIMRT_OK;
}

/* prod = u w: n_drives x n_rows times n_rows x n_cols. */
static void work_product(gemm_work *work, const aimrt_sim_domain_block *b, int64_t n_drives)
{
    if (n_drives == 0 || b->n_cols == 0)
        return;
    if (b->n_rows == 0) {
        for (int64_t i = 0; i < n_drives * b->n_cols; i++)
            work->prod[i] = 0.0;
        return;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_drives, (int)b->n_cols,
                (int)b->n_rows, 1.0, work->u, (int)b->n_rows, work->w, (int)b->n_cols, 0.0,
                work->prod, (int)b->n_cols);
}

/* Sets column c's scale (0: outputs 0, no readout) and sampling capacitance. */
static void set_column(gemm_work *work, int64_t c, double v_per_level, double c_sample_f)
{
    work->per_level[c] = v_per_level;
    work->ktc_sigma[c] = aimrt_sim_readout_ktc_sigma_v(&work->readout[c], c_sample_f);
}

/*
 * Reads every output from its node value in prod (n_vectors x n_cols,
 * volts): each vector's kT/C draws for its whole row of columns at once,
 * then the readout of aimrt_sim_readout_level.
 */
static void read_outputs(gemm_work *work, const aimrt_sim_domain_keys *keys, int64_t n_vectors,
                         int64_t n_cols, double v_zero_v, double *y, double *v_node)
{
    bool any_ktc = false;
    for (int64_t c = 0; c < n_cols; c++)
        any_ktc = any_ktc || work->ktc_sigma[c] != 0.0;
    for (int64_t v = 0; v < n_vectors; v++) {
        const double *node = work->prod + v * n_cols;
        aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, 0);
        if (any_ktc) {
            key.effect = AIMRT_SIM_EFFECT_KTC;
            aimrt_sim_normal_dynamic_columns(&key, 0, n_cols, work->z);
            key.effect = 0;
        }
        for (int64_t c = 0; c < n_cols; c++) {
            if (v_node)
                v_node[v * n_cols + c] = node[c];
            if (work->per_level[c] == 0.0) {
                y[v * n_cols + c] = 0.0;
                continue;
            }
            key.column = (uint64_t)(keys->col0 + c);
            const double noise = work->ktc_sigma[c] != 0.0 ? work->ktc_sigma[c] * work->z[c] : 0.0;
            y[v * n_cols + c] = aimrt_sim_readout_level_drawn(
                &work->readout[c], &work->errors[c], node[c], v_zero_v, work->per_level[c], noise,
                &key, aimrt_sim_domain_analog_at(keys, n_cols, v, c));
        }
    }
}

/* Charge: w = mismatched cell conductances, u = pulse widths of the
 * positive inputs (first n_vectors drives) and of the negative ones. */
static void charge_drives(const aimrt_sim_charge_params *p, const aimrt_sim_domain_block *b,
                          const aimrt_sim_domain_keys *keys, gemm_work *work)
{
    const int64_t n_rows = b->n_rows, n = b->n_vectors;
    const double g_top = p->i_cell_max_a / p->v_precharge_v;
    const double *edges = keys->statics ? keys->statics->row_edge_s : NULL;
    for (int64_t r = 0; r < n_rows; r++) {
        const aimrt_sim_static_key row_key = {
            .seed = keys->seed, .tile = keys->tile, .cell = (uint64_t)(keys->row0 + r)};
        work->row[r] =
            edges ? edges[keys->row0 + r] : aimrt_sim_pwm_edge_error_s(&p->pwm, &row_key);
        for (int64_t c = 0; c < b->n_cols; c++) {
            double g = b->cells[r * b->cell_stride + c] / b->top_level * g_top;
            if (p->sigma_i_rel > 0.0)
                g *= aimrt_sim_domain_cell_factor(p->sigma_i_rel, keys, r, c);
            work->w[r * b->n_cols + c] = g;
        }
    }
    for (int64_t v = 0; v < n; v++) {
        const double *x = b->x + v * n_rows;
        double *pos = work->u + v * n_rows, *neg = work->u + (n + v) * n_rows;
        for (int64_t r = 0; r < n_rows; r++) {
            pos[r] = neg[r] = 0.0;
            if (x[r] == 0.0)
                continue;
            aimrt_sim_dynamic_key row_key = aimrt_sim_domain_dynamic_key(keys, v, 0);
            row_key.column = (uint64_t)(keys->row0 + r);
            const double code = fabs(x[r]) < INT32_MAX ? x[r] : copysign(INT32_MAX, x[r]);
            const double width =
                aimrt_sim_pwm_width_s(&p->pwm, (int32_t)code, work->row[r], &row_key);
            *(x[r] > 0.0 ? &pos[r] : &neg[r]) = width;
        }
    }
}

aimrt_status aimrt_sim_domain_charge_gemm(const aimrt_sim_charge_params *p,
                                          const aimrt_sim_domain_block *b,
                                          const aimrt_sim_domain_keys *keys, double *y,
                                          double *v_node, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_charge_check(p, b, keys, error);
    gemm_work work;
    if (status == AIMRT_OK)
        status = work_alloc(&work, b, keys, &p->readout, 2 * b->n_vectors, "charge", error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n = b->n_vectors, n_cols = b->n_cols;
    charge_drives(p, b, keys, &work);
    work_product(&work, b, 2 * n);
    const double v_per_level = p->i_cell_max_a * p->pwm.t_lsb_s / (b->top_level * p->c_bitline_f);
    /* Node voltages in place of the positive discharges. */
    for (int64_t v = 0; v < n; v++) {
        double *a_pos = work.prod + v * n_cols;
        const double *a_neg = work.prod + (n + v) * n_cols;
        for (int64_t c = 0; c < n_cols; c++)
            a_pos[c] = aimrt_sim_charge_discharge_v(p, a_pos[c] / p->c_bitline_f) -
                       aimrt_sim_charge_discharge_v(p, a_neg[c] / p->c_bitline_f);
    }
    for (int64_t c = 0; c < n_cols; c++)
        set_column(&work, c, v_per_level, p->c_bitline_f);
    read_outputs(&work, keys, n, n_cols, 0.0, y, v_node);
    work_free(&work);
    return AIMRT_OK;
}

/* The column's parasitic capacitance: cached, or drawn. */
static double parasitic_f(const aimrt_sim_parasitic_params *parasitic,
                          const aimrt_sim_domain_keys *keys, int64_t c)
{
    if (keys->statics && keys->statics->c_parasitic_f)
        return keys->statics->c_parasitic_f[keys->col0 + c];
    const aimrt_sim_static_key column_key = aimrt_sim_domain_static_key(keys, -1, c);
    return aimrt_sim_parasitic_draw_f(parasitic, &column_key);
}

/*
 * Capacitor schemes: w = C_i times the cell's voltage or step per unit
 * input, u = x / x_full, column = the column's total capacitance (its
 * parasitic plus its capacitors, added in row order).
 */
static void capacitor_drives(const aimrt_sim_domain_block *b, const aimrt_sim_domain_keys *keys,
                             const aimrt_sim_parasitic_params *parasitic, double sigma_rel,
                             double c_unit_f, bool weight_as_capacitance, double v_full_v,
                             gemm_work *work)
{
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    for (int64_t c = 0; c < n_cols; c++)
        work->column[c] = parasitic_f(parasitic, keys, c);
    for (int64_t r = 0; r < n_rows; r++)
        for (int64_t c = 0; c < n_cols; c++) {
            const double share = b->cells[r * b->cell_stride + c] / b->top_level;
            const double c_f = c_unit_f * (weight_as_capacitance ? share : 1.0) *
                               aimrt_sim_domain_cell_factor(sigma_rel, keys, r, c);
            work->column[c] += c_f;
            work->w[r * n_cols + c] = c_f * v_full_v * (weight_as_capacitance ? 1.0 : share);
        }
    for (int64_t i = 0; i < b->n_vectors * n_rows; i++)
        work->u[i] = b->x[i] / b->x_full;
}

/* Capacitor schemes: the shared node's voltage, charge over the column's
 * total capacitance, in place of the charge (0 without capacitance). */
static void shared_node_v(gemm_work *work, int64_t n_vectors, int64_t n_cols)
{
    for (int64_t v = 0; v < n_vectors; v++)
        for (int64_t c = 0; c < n_cols; c++) {
            double *node = &work->prod[v * n_cols + c];
            *node = work->column[c] > 0.0 ? *node / work->column[c] : 0.0;
        }
}

aimrt_status aimrt_sim_domain_charge_redist_gemm(const aimrt_sim_charge_redist_params *p,
                                                 const aimrt_sim_domain_block *b,
                                                 const aimrt_sim_domain_keys *keys, double *y,
                                                 double *v_node, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_charge_redist_check(p, b, keys, error);
    gemm_work work;
    if (status == AIMRT_OK)
        status = work_alloc(&work, b, keys, &p->readout, b->n_vectors, "charge-redist", error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n_cols = b->n_cols;
    const double sigma_rel = aimrt_sim_domain_cap_sigma_rel(p->mismatch_a_c_sqrt_ff, p->c_unit_f);
    capacitor_drives(b, keys, &p->parasitic, sigma_rel, p->c_unit_f, false, p->v_dd_v, &work);
    work_product(&work, b, b->n_vectors);
    const double c_nominal_f = (double)b->n_rows * p->c_unit_f + p->parasitic.c_parasitic_f;
    const double v_per_level = p->v_dd_v * p->c_unit_f / (c_nominal_f * b->top_level * b->x_full);
    for (int64_t c = 0; c < n_cols; c++)
        set_column(&work, c, v_per_level, work.column[c]);
    shared_node_v(&work, b->n_vectors, n_cols);
    read_outputs(&work, keys, b->n_vectors, n_cols, 0.0, y, v_node);
    work_free(&work);
    return AIMRT_OK;
}

aimrt_status aimrt_sim_domain_capdiv_gemm(const aimrt_sim_capdiv_params *p,
                                          const aimrt_sim_domain_block *b,
                                          const aimrt_sim_domain_keys *keys, double *y,
                                          double *v_node, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_capdiv_check(p, b, keys, error);
    gemm_work work;
    if (status == AIMRT_OK)
        status = work_alloc(&work, b, keys, &p->readout, b->n_vectors, "capdiv", error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n_cols = b->n_cols;
    const double sigma_rel = aimrt_sim_domain_cap_sigma_rel(p->mismatch_a_c_sqrt_ff, p->c_unit_f);
    capacitor_drives(b, keys, &p->parasitic, sigma_rel, p->c_unit_f, p->weight_as_capacitance,
                     p->v_step_v, &work);
    work_product(&work, b, b->n_vectors);
    for (int64_t c = 0; c < n_cols; c++) {
        const double denominator_f = aimrt_sim_capdiv_nominal_denominator_f(p, b, c);
        /* A column without capacitance couples nothing: its sum is 0. */
        const double v_per_level =
            denominator_f > 0.0
                ? p->v_step_v * p->c_unit_f / (b->top_level * denominator_f * b->x_full)
                : 0.0;
        set_column(&work, c, v_per_level, work.column[c]);
    }
    shared_node_v(&work, b->n_vectors, n_cols);
    read_outputs(&work, keys, b->n_vectors, n_cols, 0.0, y, v_node);
    work_free(&work);
    return AIMRT_OK;
}

/*
 * Resistive division without driver resistance. The settled voltage
 * (sum G_i V_i + G_L V_ref) / (sum G_i + G_L) with V_i = V_ref + V_read u_i
 * is V_ref + V_read sum G_i u_i / (sum G_i + G_L): the product of u and the
 * conductances, then a static denominator per column (column = sum G_i).
 */
static double resdiv_node_v(const aimrt_sim_resdiv_params *p, double g_u_s, double g_sum_s)
{
    const double g_total_s = g_sum_s + p->g_load_us * 1e-6;
    if (!(g_total_s > 0.0))
        return p->v_ref_v; /* no conductance: the node stays at the reference */
    const double v_inf = p->v_ref_v + p->v_read_v * g_u_s / g_total_s;
    if (p->t_sample_s <= 0.0)
        return v_inf;
    const double tau_s = p->c_line_f / g_total_s;
    return v_inf + (p->v_start_v - v_inf) * exp(-p->t_sample_s / tau_s);
}

aimrt_status aimrt_sim_domain_resdiv_gemm(const aimrt_sim_resdiv_params *p,
                                          const aimrt_sim_domain_block *b,
                                          const aimrt_sim_domain_keys *keys, double *y,
                                          double *v_node, aimrt_error *error)
{
    if (p->r_driver_ohm > 0.0)
        return aimrt_sim_domain_resdiv(p, b, keys, y, v_node, error);
    aimrt_status status = aimrt_sim_resdiv_check(p, b, keys, error);
    gemm_work work;
    if (status == AIMRT_OK)
        status = work_alloc(&work, b, keys, &p->readout, b->n_vectors, "resdiv", error);
    if (status != AIMRT_OK)
        return status;
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    const double g_level_s = p->g_max_us * 1e-6 / b->top_level;
    for (int64_t c = 0; c < n_cols; c++)
        work.column[c] = 0.0;
    for (int64_t r = 0; r < n_rows; r++)
        for (int64_t c = 0; c < n_cols; c++) {
            const double g = b->cells[r * b->cell_stride + c] * g_level_s;
            work.w[r * n_cols + c] = g;
            work.column[c] += g;
        }
    for (int64_t i = 0; i < b->n_vectors * n_rows; i++)
        work.u[i] = b->x[i] / b->x_full;
    work_product(&work, b, b->n_vectors);
    const double g_load_s = p->g_load_us * 1e-6;
    for (int64_t c = 0; c < n_cols; c++) {
        /* The denominator the digital side divides out, as the reference takes it. */
        const double denominator_s = p->undo == AIMRT_SIM_UNDO_CONSTANT
                                         ? (double)n_rows * p->row_sum_us * 1e-6 + g_load_s
                                         : work.column[c] + g_load_s;
        set_column(&work, c,
                   denominator_s > 0.0 ? g_level_s * p->v_read_v / b->x_full / denominator_s : 0.0,
                   p->c_sample_f);
    }
    for (int64_t v = 0; v < b->n_vectors; v++)
        for (int64_t c = 0; c < n_cols; c++)
            work.prod[v * n_cols + c] = resdiv_node_v(p, work.prod[v * n_cols + c], work.column[c]);
    read_outputs(&work, keys, b->n_vectors, n_cols, p->v_ref_v, y, v_node);
    work_free(&work);
    return AIMRT_OK;
}

aimrt_status aimrt_sim_domain_time_gemm(const aimrt_sim_time_params *p,
                                        const aimrt_sim_domain_block *b,
                                        const aimrt_sim_domain_keys *keys, double *y,
                                        double *v_node, aimrt_error *error)
{
    if (p->variant != AIMRT_SIM_TIME_DELAY_LINE)
        return aimrt_sim_domain_time(p, b, keys, y, v_node, error);
    aimrt_status status = aimrt_sim_time_check(p, b, keys, error);
    gemm_work work;
    if (status == AIMRT_OK)
        status = work_alloc(&work, b, keys, &p->readout, b->n_vectors, "time", error);
    if (status != AIMRT_OK)
        return status;
    /* The line's product is the exact sum of level x: integers stay exact. */
    for (int64_t r = 0; r < b->n_rows; r++)
        for (int64_t c = 0; c < b->n_cols; c++)
            work.w[r * b->n_cols + c] = b->cells[r * b->cell_stride + c];
    for (int64_t i = 0; i < b->n_vectors * b->n_rows; i++)
        work.u[i] = b->x[i];
    work_product(&work, b, b->n_vectors);
    status = aimrt_sim_time_delay_line(p, b, keys, work.prod, y, v_node, error);
    work_free(&work);
    return status;
}
