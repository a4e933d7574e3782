/* SPDX-License-Identifier: MIT */
/*
 * IR drop of a tile's wires. The first-order model accumulates the ideal cell
 * currents along each row and column by prefix sums and corrects every cell
 * current once, O(n_rows n_cols). The solver relaxes whole lines: each row or
 * column wire with the other wires held fixed is a tridiagonal system, solved
 * by the Thomas algorithm. Both solve Kirchhoff's current law on the same
 * network of wire segments. The default segment resistance is aihwkit's
 * (IBM aihwkit, closed-form IR-drop term of the rpucuda forward pass).
 */
#include "sim/ir_drop.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "program_internal.h"

/* Maximum cells on a row or column, so that work sizes never overflow. */
#define MAX_LINE_CELLS (INT64_C(1) << 24)

aimrt_sim_wires aimrt_sim_wires_defaults(void)
{
    /* aihwkit's ir_drop_g_ratio = 1 / (0.35 ohm * 5 uS): 0.35 ohm per
     * segment. Driver and clamp resistances have no published default. */
    return (aimrt_sim_wires){.r_row_ohm = 0.35, .r_col_ohm = 0.35};
}

aimrt_sim_ir_solver aimrt_sim_ir_solver_defaults(void)
{
    return (aimrt_sim_ir_solver){.max_sweeps = 1000, .tolerance_v = 1e-12, .sor_omega = 1.0};
}

static bool is_resistance(double r)
{
    return r >= 0.0 && isfinite(r);
}

aimrt_status aimrt_sim_wires_check(const aimrt_sim_wires *wires, int64_t n_rows, int64_t n_cols,
                                   aimrt_error *error)
{
    if (!wires)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "IR drop: wires is NULL");
    if (n_rows < 1 || n_cols < 1 || n_rows > MAX_LINE_CELLS || n_cols > MAX_LINE_CELLS)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "IR drop: tile of %lld x %lld cells is invalid; use 1 to %lld "
                               "rows and columns",
                               (long long)n_rows, (long long)n_cols, (long long)MAX_LINE_CELLS);
    if (!is_resistance(wires->r_row_ohm) || !is_resistance(wires->r_col_ohm) ||
        !is_resistance(wires->r_driver_ohm) || !is_resistance(wires->r_sense_ohm))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "IR drop: r_row_ohm %g, r_col_ohm %g, r_driver_ohm %g or "
                               "r_sense_ohm %g is invalid; resistances must be finite and >= 0",
                               wires->r_row_ohm, wires->r_col_ohm, wires->r_driver_ohm,
                               wires->r_sense_ohm);
    return AIMRT_OK;
}

int64_t aimrt_sim_ir_drop_first_order_work(int64_t n_rows, int64_t n_cols)
{
    return 2 * n_cols;
}

/*
 * Row i: segment k (driver side first) carries S_k = sum_{l >= k} I_il, so
 * node j drops by r_driver S_0 + r_row sum_{k <= j} S_k. Column j: the
 * segment below node i carries P_i = sum_{l <= i} I_lj, so node i rises by
 * r_sense P_last + r_col sum_{k >= i} P_k. The column's correction
 * sum_i G_ij rise_ij regroups as r_sense P_last C_last + r_col sum_k P_k C_k
 * with C_k = sum_{i <= k} G_ij, which one pass in row order accumulates.
 */
void aimrt_sim_ir_drop_first_order(const aimrt_sim_wires *wires, int64_t n_rows, int64_t n_cols,
                                   const double *g_siemens, const double *v_in_v, double *i_out_a,
                                   double *work)
{
    double *prefix_current = work;    /* P_i of each column */
    double *prefix_g = work + n_cols; /* C_i of each column */
    for (int64_t j = 0; j < n_cols; j++) {
        prefix_current[j] = 0.0;
        prefix_g[j] = 0.0;
        i_out_a[j] = 0.0;
    }

    for (int64_t i = 0; i < n_rows; i++) {
        const double *g = g_siemens + i * n_cols;
        const double v = v_in_v[i];
        double row_current = 0.0;
        for (int64_t j = 0; j < n_cols; j++)
            row_current += g[j] * v;

        /* Walk the row from the driver: drop at node j, then the current
         * that continues past it. */
        double drop = wires->r_driver_ohm * row_current;
        double remaining = row_current;
        for (int64_t j = 0; j < n_cols; j++) {
            const double cell = g[j] * v;
            drop += wires->r_row_ohm * remaining;
            remaining -= cell;
            i_out_a[j] += cell - g[j] * drop;

            prefix_current[j] += cell;
            prefix_g[j] += g[j];
            i_out_a[j] -= wires->r_col_ohm * prefix_current[j] * prefix_g[j];
        }
    }

    for (int64_t j = 0; j < n_cols; j++)
        i_out_a[j] -= wires->r_sense_ohm * prefix_current[j] * prefix_g[j];
}

int64_t aimrt_sim_ir_drop_solve_work(int64_t n_rows, int64_t n_cols)
{
    const int64_t longest = n_rows > n_cols ? n_rows : n_cols;
    return 2 * n_rows * n_cols + 2 * longest;
}

/* One wire with the other wire's voltages fixed. The end connects to v_end_v
 * through r_end_ohm plus one segment, before node 0 (a row's driver) or
 * after node n - 1 (a column's clamp). */
typedef struct wire_line {
    int64_t n;
    int64_t stride;       /* between consecutive nodes in g, across and x */
    const double *g;      /* cell conductances along the wire */
    const double *across; /* the other wire's voltage at each cell */
    double *x;            /* this wire's node voltages, updated in place */
    double r_segment_ohm;
    double r_end_ohm;
    double v_end_v;
    bool end_first;
} wire_line;

/* Moves x toward target by omega and returns the size of the move. */
static double relax_node(double *x, double target, double omega)
{
    const double step = omega * (target - *x);
    *x += step;
    return fabs(step);
}

/* A wire without segment resistance is one node; a zero end resistance then
 * ties it to the end voltage. */
static double relax_shorted_line(const wire_line *l, double omega)
{
    double target = l->v_end_v;
    if (l->r_end_ohm > 0.0) {
        const double g_end = 1.0 / l->r_end_ohm;
        double g_sum = g_end;
        double current = g_end * l->v_end_v;
        for (int64_t k = 0; k < l->n; k++) {
            g_sum += l->g[k * l->stride];
            current += l->g[k * l->stride] * l->across[k * l->stride];
        }
        target = current / g_sum;
    }
    double change = 0.0;
    for (int64_t k = 0; k < l->n; k++)
        change = fmax(change, relax_node(&l->x[k * l->stride], target, omega));
    return change;
}

/* Solves the line's tridiagonal KCL system by the Thomas algorithm and
 * returns the largest node move. cp and dp hold n doubles each. */
static double relax_line(const wire_line *l, double omega, double *cp, double *dp)
{
    if (l->r_segment_ohm == 0.0)
        return relax_shorted_line(l, omega);

    const double g_wire = 1.0 / l->r_segment_ohm;
    const double g_end = 1.0 / (l->r_segment_ohm + l->r_end_ohm);
    const int64_t last = l->n - 1;
    for (int64_t k = 0; k < l->n; k++) {
        const double g_cell = l->g[k * l->stride];
        double diag = g_cell;
        double rhs = g_cell * l->across[k * l->stride];
        diag += k > 0 ? g_wire : (l->end_first ? g_end : 0.0);
        diag += k < last ? g_wire : (l->end_first ? 0.0 : g_end);
        if ((k == 0 && l->end_first) || (k == last && !l->end_first))
            rhs += g_end * l->v_end_v;

        /* Forward elimination; both off-diagonals are -g_wire. */
        const double pivot = k > 0 ? diag + g_wire * cp[k - 1] : diag;
        cp[k] = -g_wire / pivot;
        dp[k] = k > 0 ? (rhs + g_wire * dp[k - 1]) / pivot : rhs / pivot;
    }

    double change = 0.0;
    double next = 0.0;
    for (int64_t k = last; k >= 0; k--) {
        const double target = k == last ? dp[k] : dp[k] - cp[k] * next;
        next = target;
        change = fmax(change, relax_node(&l->x[k * l->stride], target, omega));
    }
    return change;
}

static aimrt_status solver_check(const aimrt_sim_ir_solver *s, aimrt_error *error)
{
    if (!s || s->max_sweeps < 1 || !(s->tolerance_v > 0.0) || !isfinite(s->tolerance_v) ||
        !(s->sor_omega > 0.0 && s->sor_omega < 2.0))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "IR drop solver: max_sweeps %d, tolerance_v %g or sor_omega %g is "
                               "invalid; use max_sweeps >= 1, tolerance_v > 0 and 0 < omega < 2",
                               s ? (int)s->max_sweeps : 0, s ? s->tolerance_v : 0.0,
                               s ? s->sor_omega : 0.0);
    return AIMRT_OK;
}

/* Runs one row-then-column sweep and returns the largest node move. */
static double sweep(const aimrt_sim_wires *w, double omega, int64_t n_rows, int64_t n_cols,
                    const double *g, const double *v_in_v, double *row_v, double *col_v, double *cp,
                    double *dp)
{
    double change = 0.0;
    for (int64_t i = 0; i < n_rows; i++) {
        const int64_t at = i * n_cols;
        const wire_line row = {n_cols,          1,          g + at,
                               col_v + at,      row_v + at, w->r_row_ohm,
                               w->r_driver_ohm, v_in_v[i],  true};
        change = fmax(change, relax_line(&row, omega, cp, dp));
    }
    for (int64_t j = 0; j < n_cols; j++) {
        const wire_line col = {n_rows,       n_cols,         g + j, row_v + j, col_v + j,
                               w->r_col_ohm, w->r_sense_ohm, 0.0,   false};
        change = fmax(change, relax_line(&col, omega, cp, dp));
    }
    return change;
}

aimrt_status aimrt_sim_ir_drop_solve(const aimrt_sim_wires *wires,
                                     const aimrt_sim_ir_solver *solver, int64_t n_rows,
                                     int64_t n_cols, const double *g_siemens, const double *v_in_v,
                                     double *i_out_a, double *work, int64_t n_work,
                                     int32_t *n_sweeps, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_wires_check(wires, n_rows, n_cols, error);
    if (status == AIMRT_OK)
        status = solver_check(solver, error);
    if (status != AIMRT_OK)
        return status;
    const int64_t needed = aimrt_sim_ir_drop_solve_work(n_rows, n_cols);
    if (!work || n_work < needed)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "IR drop solver: work holds %lld doubles and needs %lld; size it "
                               "with aimrt_sim_ir_drop_solve_work",
                               work ? (long long)n_work : 0LL, (long long)needed);

    /* Start from the ideal network: rows at their inputs, columns at 0 V. */
    double *row_v = work;
    double *col_v = work + n_rows * n_cols;
    double *cp = col_v + n_rows * n_cols;
    double *dp = cp + (n_rows > n_cols ? n_rows : n_cols);
    for (int64_t i = 0; i < n_rows; i++) {
        for (int64_t j = 0; j < n_cols; j++) {
            row_v[i * n_cols + j] = v_in_v[i];
            col_v[i * n_cols + j] = 0.0;
        }
    }

    int32_t done = 0;
    bool converged = false;
    while (!converged && done < solver->max_sweeps) {
        const double change = sweep(wires, solver->sor_omega, n_rows, n_cols, g_siemens, v_in_v,
                                    row_v, col_v, cp, dp);
        done++;
        converged = change <= solver->tolerance_v;
    }
    if (n_sweeps)
        *n_sweeps = done;

    for (int64_t j = 0; j < n_cols; j++)
        i_out_a[j] = 0.0;
    for (int64_t i = 0; i < n_rows; i++)
        for (int64_t j = 0; j < n_cols; j++)
            i_out_a[j] +=
                g_siemens[i * n_cols + j] * (row_v[i * n_cols + j] - col_v[i * n_cols + j]);

    if (!converged)
        return aimrt_error_set(error, AIMRT_ERR_NUMERIC,
                               "IR drop solver: %lld x %lld tile did not converge to %g V in %d "
                               "sweeps because r G N^2 is large; raise max_sweeps or set sor_omega "
                               "between 1 and 2",
                               (long long)n_rows, (long long)n_cols, solver->tolerance_v,
                               (int)solver->max_sweeps);
    return AIMRT_OK;
}
