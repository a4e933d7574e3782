/* SPDX-License-Identifier: MIT */
/*
 * IR drop on one tile: the first-order model (one correction pass, cheap
 * enough for every MVM) and the iterative row/column line-relaxation solver
 * of the full resistive network (opt-in, for single-tile accuracy studies).
 *
 * Geometry: rows are input lines, driven through r_driver_ohm at the end
 * next to column 0. Columns are output lines, held at 0 V by a clamp through
 * r_sense_ohm at the end next to row n_rows - 1. Every cell adds one wire segment to
 * its row (r_row_ohm, before the cell, seen from the driver) and one to its
 * column (r_col_ohm, after the cell, toward the sense end). Conductances are
 * in siemens, voltages in volts, currents in amperes.
 */
#ifndef AIMRT_SIM_IR_DROP_H
#define AIMRT_SIM_IR_DROP_H

#include <stdint.h>

#include "aimrt/aimrt.h"

/* Wire and end resistances of a tile. */
typedef struct aimrt_sim_wires {
    double r_row_ohm;    /* row wire segment per cell, >= 0 */
    double r_col_ohm;    /* column wire segment per cell, >= 0 */
    double r_driver_ohm; /* output resistance of each row driver, >= 0 */
    double r_sense_ohm;  /* input resistance of each column clamp, >= 0 */
} aimrt_sim_wires;

/* Returns 0.35 ohm per row and column segment (aihwkit's IR-drop ratio of
 * 1 / (0.35 ohm * 5 uS)) and ideal drivers and clamps. */
aimrt_sim_wires aimrt_sim_wires_defaults(void);

/* Settings of the iterative solver. */
typedef struct aimrt_sim_ir_solver {
    int32_t max_sweeps; /* row-then-column sweeps before giving up, >= 1 */
    double tolerance_v; /* stop when no node voltage moved more than this, > 0 */
    double sor_omega;   /* over-relaxation factor in (0, 2); 1 is plain line Gauss-Seidel */
} aimrt_sim_ir_solver;

/* Returns 1000 sweeps, 1e-12 V and omega 1. */
aimrt_sim_ir_solver aimrt_sim_ir_solver_defaults(void);

/* Checks the wires and the tile size; returns AIMRT_ERR_INVALID_ARG naming
 * the field and its value. */
aimrt_status aimrt_sim_wires_check(const aimrt_sim_wires *wires, int64_t n_rows, int64_t n_cols,
                                   aimrt_error *error);

/* Returns the doubles of work aimrt_sim_ir_drop_first_order needs: 2 n_cols. */
int64_t aimrt_sim_ir_drop_first_order_work(int64_t n_rows, int64_t n_cols);

/*
 * Computes the column currents i_out_a[n_cols] of a tile with conductances
 * g_siemens (n_rows x n_cols, row-major) and row voltages v_in_v[n_rows]
 * with the first-order model. It computes the ideal cell currents and the
 * drop they cause at every row and column node, then corrects every cell
 * current once by those drops. Terms of second order in r G N^2 are left out. wires must have
 * passed aimrt_sim_wires_check; work holds
 * aimrt_sim_ir_drop_first_order_work(n_rows, n_cols) doubles.
 */
void aimrt_sim_ir_drop_first_order(const aimrt_sim_wires *wires, int64_t n_rows, int64_t n_cols,
                                   const double *g_siemens, const double *v_in_v, double *i_out_a,
                                   double *work);

/* Returns the doubles of work aimrt_sim_ir_drop_solve needs:
 * 2 n_rows n_cols node voltages plus 2 max(n_rows, n_cols). */
int64_t aimrt_sim_ir_drop_solve_work(int64_t n_rows, int64_t n_cols);

/*
 * Solves the resistive network of the tile (2 n_rows n_cols node voltages)
 * by line relaxation: each sweep solves every row wire as a tridiagonal
 * system with the column voltages fixed, then every column wire with the row
 * voltages fixed. Writes the column currents into i_out_a. On return work
 * contains the row-wire node voltages (n_rows x n_cols) followed by the
 * column-wire node voltages (n_rows x n_cols), and *n_sweeps (may be NULL)
 * the sweeps used. Returns AIMRT_ERR_INVALID_ARG on bad parameters or a short
 * work buffer, and AIMRT_ERR_NUMERIC when the solve has not converged within
 * max_sweeps.
 */
aimrt_status aimrt_sim_ir_drop_solve(const aimrt_sim_wires *wires,
                                     const aimrt_sim_ir_solver *solver, int64_t n_rows,
                                     int64_t n_cols, const double *g_siemens, const double *v_in_v,
                                     double *i_out_a, double *work, int64_t n_work,
                                     int32_t *n_sweeps, aimrt_error *error);

#endif
