/* SPDX-License-Identifier: MIT */
/*
 * Tests of the six compute domains of the simulator on a small random block
 * (4 rows, 3 columns, levels 0..3, inputs -7..7). With every effect off each
 * domain returns the exact integer column sums. Each effect then moves the
 * outputs by what its closed form predicts, computed here from the same
 * random draws, and the analytic cases of the division schemes and of
 * integrate-to-threshold hold.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the standard headers above. */
#include <cmocka.h>

#include "sim/domain.h"

#define SEED 20261204u
#define ROWS 4
#define COLS 3
#define STRIDE 5 /* cells per row of the block's storage, wider than COLS */
#define VECS 2
#define N_OUT (VECS * COLS)
#define TOP 3.0
#define X_FULL 7.0
#define BOLTZMANN 1.380649e-23

static double cells[ROWS * STRIDE];
static double xs[VECS * ROWS];
static const int64_t samples[VECS] = {11, 12};
static const int64_t mvms[VECS] = {3, 4};

static const aimrt_sim_domain_keys keys = {
    .seed = SEED, .tile = 2, .tile_cols = 10, .row0 = 1, .col0 = 2, .sample = samples, .mvm = mvms};

/* Returns a uniform draw in (0, 1) from a stream no model uses. */
static double test_uniform(int64_t i)
{
    const aimrt_sim_dynamic_key key = {.seed = SEED, .tile = 9, .effect = 200, .sample = i};
    return aimrt_sim_uniform_dynamic(&key, 0);
}

/* Fills the block: integer levels in [0, 3] and inputs in [-7, 7], or in
 * [0, 7] when positive. */
static aimrt_sim_domain_block make_block(bool positive)
{
    for (int64_t i = 0; i < ROWS * STRIDE; i++)
        cells[i] = floor(test_uniform(i) * 4.0);
    for (int64_t i = 0; i < VECS * ROWS; i++) {
        const double u = test_uniform(100 + i);
        xs[i] = positive ? floor(u * 8.0) : floor(u * 15.0) - 7.0;
    }
    return (aimrt_sim_domain_block){.n_rows = ROWS, .n_cols = COLS, .cells = cells,
                                    .cell_stride = STRIDE, .top_level = TOP,
                                    .n_vectors = VECS, .x = xs, .x_full = X_FULL};
}

static double exact_sum(int64_t v, int64_t c)
{
    double s = 0.0;
    for (int64_t r = 0; r < ROWS; r++)
        s += cells[r * STRIDE + c] * xs[v * ROWS + r];
    return s;
}

/* Standard normal draws as the domains key them. */
static double cell_normal(aimrt_sim_effect effect, int64_t r, int64_t c)
{
    const aimrt_sim_static_key key = {.seed = SEED, .tile = 2, .effect = effect,
                                      .cell = (uint64_t)((keys.row0 + r) * keys.tile_cols + keys.col0 + c)};
    return aimrt_sim_normal_static(&key, 0);
}

static double column_normal(aimrt_sim_effect effect, int64_t c)
{
    const aimrt_sim_static_key key = {.seed = SEED, .tile = 2, .effect = effect,
                                      .cell = (uint64_t)(keys.col0 + c)};
    return aimrt_sim_normal_static(&key, 0);
}

static double output_normal(aimrt_sim_effect effect, int64_t v, int64_t column)
{
    const aimrt_sim_dynamic_key key = {.seed = SEED, .tile = 2, .effect = effect,
                                       .sample = samples[v], .mvm = mvms[v], .column = (uint64_t)column};
    return aimrt_sim_normal_dynamic(&key, 0);
}

/* Asserts that every output moved by its expected delta within tol (level
 * units), and prints the largest expected move beside the measured one. */
static void check_effect(const char *domain, const char *effect, const double *base,
                         const double *with, const double *expected, double tol)
{
    int64_t k = 0;
    for (int64_t i = 0; i < N_OUT; i++) {
        const double d = with[i] - base[i];
        if (!(fabs(d - expected[i]) <= tol + 1e-9 * fabs(expected[i])))
            fail_msg("%s, %s: output %lld moved %.12g, expected %.12g", domain, effect,
                     (long long)i, d, expected[i]);
        if (fabs(expected[i]) > fabs(expected[k]))
            k = i;
    }
    print_message("| %s | %s | %+.6g | %+.6g |\n", domain, effect, expected[k], with[k] - base[k]);
}

typedef aimrt_status (*domain_run)(const void *params, const aimrt_sim_domain_block *b, double *y,
                                   double *v_node, aimrt_error *error);

static aimrt_status run_current(const void *p, const aimrt_sim_domain_block *b, double *y,
                                double *v_node, aimrt_error *error)
{
    return aimrt_sim_domain_current(p, b, &keys, y, v_node, error);
}
static aimrt_status run_charge(const void *p, const aimrt_sim_domain_block *b, double *y,
                               double *v_node, aimrt_error *error)
{
    return aimrt_sim_domain_charge(p, b, &keys, y, v_node, error);
}
static aimrt_status run_redist(const void *p, const aimrt_sim_domain_block *b, double *y,
                               double *v_node, aimrt_error *error)
{
    return aimrt_sim_domain_charge_redist(p, b, &keys, y, v_node, error);
}
static aimrt_status run_capdiv(const void *p, const aimrt_sim_domain_block *b, double *y,
                               double *v_node, aimrt_error *error)
{
    return aimrt_sim_domain_capdiv(p, b, &keys, y, v_node, error);
}
static aimrt_status run_resdiv(const void *p, const aimrt_sim_domain_block *b, double *y,
                               double *v_node, aimrt_error *error)
{
    return aimrt_sim_domain_resdiv(p, b, &keys, y, v_node, error);
}
static aimrt_status run_time(const void *p, const aimrt_sim_domain_block *b, double *y,
                             double *v_node, aimrt_error *error)
{
    return aimrt_sim_domain_time(p, b, &keys, y, v_node, error);
}

static void run_ok(domain_run run, const void *params, const aimrt_sim_domain_block *b, double *y,
                   double *v_node)
{
    aimrt_error error = {0};
    const aimrt_status status = run(params, b, y, v_node, &error);
    if (status != AIMRT_OK)
        fail_msg("domain failed: %s", error.message);
}

/* With every effect off: the analog value within 1e-9 of the column sum,
 * and the lossless and ideal-converter readouts equal to it bit for bit. */
static void assert_exact(const char *domain, domain_run run, void *params,
                         aimrt_sim_readout_params *readout, bool converter)
{
    const aimrt_sim_domain_block b = make_block(false);
    double y[N_OUT];
    const aimrt_sim_readout_kind kinds[] = {AIMRT_SIM_READOUT_ANALOG, AIMRT_SIM_READOUT_LOSSLESS,
                                            AIMRT_SIM_READOUT_CONVERTER};
    for (int k = 0; k < (converter ? 3 : 2); k++) {
        *readout = (aimrt_sim_readout_params){.kind = kinds[k], .bits = 10, .lsb_level = 1.0};
        run_ok(run, params, &b, y, NULL);
        for (int64_t v = 0; v < VECS; v++)
            for (int64_t c = 0; c < COLS; c++) {
                const double want = exact_sum(v, c), got = y[v * COLS + c];
                const bool ok = kinds[k] == AIMRT_SIM_READOUT_ANALOG ? fabs(got - want) <= 1e-9
                                                                      : got == want;
                if (!ok)
                    fail_msg("%s, readout %d: output (%lld, %lld) is %.17g, column sum %.17g",
                             domain, (int)kinds[k], (long long)v, (long long)c, got, want);
            }
    }
    *readout = (aimrt_sim_readout_params){.kind = AIMRT_SIM_READOUT_ANALOG};
}

/* Parameters with every effect off (test values, not published ones). */
static aimrt_sim_current_params current_off(void)
{
    return (aimrt_sim_current_params){.g_max_us = 25.0, .v_read_v = 0.2, .r_tia_ohm = 1e4,
                                      .c_sample_f = 100e-15};
}

static aimrt_sim_charge_params charge_off(void)
{
    return (aimrt_sim_charge_params){
        .c_bitline_f = 50e-15, .v_precharge_v = 0.8, .i_cell_max_a = 1e-6,
        .pwm = {.bits = 4, .is_signed = true, .t_lsb_s = 1e-10}};
}

static aimrt_sim_charge_redist_params redist_off(void)
{
    return (aimrt_sim_charge_redist_params){.c_unit_f = 1e-15, .v_dd_v = 0.8};
}

static aimrt_sim_capdiv_params capdiv_off(void)
{
    return (aimrt_sim_capdiv_params){.c_unit_f = 1e-15, .v_step_v = 0.8};
}

static aimrt_sim_resdiv_params resdiv_off(void)
{
    return (aimrt_sim_resdiv_params){.g_max_us = 40.0, .v_ref_v = 0.5, .v_read_v = 0.2,
                                     .c_sample_f = 100e-15};
}

static aimrt_sim_time_params delay_line_off(void)
{
    return (aimrt_sim_time_params){.variant = AIMRT_SIM_TIME_DELAY_LINE, .tau_0_s = 1e-10,
                                   .dtau_s = 1e-11};
}

static aimrt_sim_time_params fire_off(void)
{
    /* theta C / I_u = 500 ns of unit weight: every input precedes the crossing. */
    return (aimrt_sim_time_params){
        .variant = AIMRT_SIM_TIME_INTEGRATE_FIRE, .t_lsb_s = 1e-9,
        .fire = {.theta_v = 1.0, .c_node_f = 5e-13, .i_unit_a = 1e-6, .t_max_s = 1e-3}};
}

static void test_all_domains_exact_when_ideal(void **state)
{
    (void)state;
    aimrt_sim_current_params cur = current_off();
    assert_exact("current", run_current, &cur, &cur.readout, true);
    cur = aimrt_sim_current_defaults();
    cur.ir_drop = false, cur.read_noise = AIMRT_SIM_READ_NOISE_NONE, cur.output_noise_norm = 0.0;
    cur.v_read_v = 0.2, cur.r_tia_ohm = 1e4;
    assert_exact("current (defaults, effects off)", run_current, &cur, &cur.readout, true);
    aimrt_sim_charge_params ch = charge_off();
    assert_exact("charge", run_charge, &ch, &ch.readout, true);
    aimrt_sim_charge_redist_params rd = redist_off();
    assert_exact("charge-redist", run_redist, &rd, &rd.readout, true);
    rd.parasitic.c_parasitic_f = 3e-15; /* nominal C_p is divided out */
    assert_exact("charge-redist with C_p", run_redist, &rd, &rd.readout, true);
    aimrt_sim_capdiv_params cd = capdiv_off();
    assert_exact("capdiv polarity", run_capdiv, &cd, &cd.readout, true);
    cd.weight_as_capacitance = true;
    assert_exact("capdiv capacitance", run_capdiv, &cd, &cd.readout, true);
    aimrt_sim_resdiv_params rs = resdiv_off();
    assert_exact("resdiv", run_resdiv, &rs, &rs.readout, true);
    rs.g_load_us = 5.0;
    assert_exact("resdiv with load", run_resdiv, &rs, &rs.readout, true);
    aimrt_sim_time_params tm = delay_line_off();
    assert_exact("time delay line", run_time, &tm, &tm.readout, true);
    tm = fire_off();
    assert_exact("time integrate-to-threshold", run_time, &tm, &tm.readout, false);
}

/* Current domain: IR drop, read noise, output noise and the readout effects. */
static void test_current_effects_match_models(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    const aimrt_sim_current_params off = current_off();
    const double vpl = 25e-6 / TOP * 0.2 / X_FULL * 1e4; /* sampled volts per level unit */
    double base[N_OUT], y[N_OUT], want[N_OUT];
    run_ok(run_current, &off, &b, base, NULL);

    aimrt_sim_current_params p = off;
    p.ir_drop = true;
    p.wires = (aimrt_sim_wires){.r_row_ohm = 50.0, .r_col_ohm = 50.0};
    run_ok(run_current, &p, &b, y, NULL);
    double g_s[ROWS * COLS], v_in[ROWS], i_out[COLS], work[2 * COLS];
    for (int64_t r = 0; r < ROWS; r++)
        for (int64_t c = 0; c < COLS; c++)
            g_s[r * COLS + c] = cells[r * STRIDE + c] / TOP * 25e-6;
    for (int64_t v = 0; v < VECS; v++) {
        for (int64_t r = 0; r < ROWS; r++)
            v_in[r] = xs[v * ROWS + r] / X_FULL * 0.2;
        aimrt_sim_ir_drop_first_order(&p.wires, ROWS, COLS, g_s, v_in, i_out, work);
        for (int64_t c = 0; c < COLS; c++)
            want[v * COLS + c] = i_out[c] * 1e4 / vpl - exact_sum(v, c);
    }
    check_effect("current", "IR drop first order, r 50 ohm", base, y, want, 1e-9);

    p = off;
    p.read_noise = AIMRT_SIM_READ_NOISE_PCM, p.read_noise_s = 0.0175;
    run_ok(run_current, &p, &b, y, NULL);
    for (int64_t v = 0; v < VECS; v++)
        for (int64_t c = 0; c < COLS; c++) {
            double var = 0.0;
            for (int64_t r = 0; r < ROWS; r++) {
                const double x = xs[v * ROWS + r] / X_FULL;
                var += cells[r * STRIDE + c] / TOP * x * x;
            }
            want[v * COLS + c] = 0.0175 * sqrt(var) * TOP * X_FULL *
                                 output_normal(AIMRT_SIM_EFFECT_READ_NOISE, v, keys.col0 + c);
        }
    check_effect("current", "PCM read noise s 0.0175", base, y, want, 1e-5);

    p = off;
    p.output_noise_norm = 0.04;
    run_ok(run_current, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = 0.04 * TOP * X_FULL *
                  output_normal(AIMRT_SIM_EFFECT_OUTPUT_NOISE, i / COLS, keys.col0 + i % COLS);
    check_effect("current", "output noise 0.04", base, y, want, 1e-9);

    p = off;
    p.readout.ktc_temperature_k = 300.0;
    run_ok(run_current, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = sqrt(BOLTZMANN * 300.0 / 100e-15) / vpl *
                  output_normal(AIMRT_SIM_EFFECT_KTC, i / COLS, keys.col0 + i % COLS);
    check_effect("current", "kT/C at ADC sample, 100 fF", base, y, want, 1e-9);

    p = off;
    p.readout.injection = (aimrt_sim_injection_params){.a0_v = 1e-3, .a1 = 0.01, .scale = 1.0};
    run_ok(run_current, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = 1e-3 / vpl + 0.01 * exact_sum(i / COLS, i % COLS);
    check_effect("current", "injection a0 1 mV, a1 0.01", base, y, want, 1e-9);

    /* A comparator offset shifts every SAR threshold of its column. */
    p = off;
    p.readout = (aimrt_sim_readout_params){.kind = AIMRT_SIM_READOUT_CONVERTER, .bits = 10,
                                           .lsb_level = 1.0, .comparator = {.sigma_offset_v = 3e-3}};
    run_ok(run_current, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        const double offset = 3e-3 * column_normal(AIMRT_SIM_EFFECT_COMPARATOR, i % COLS) / vpl;
        want[i] = floor(exact_sum(i / COLS, i % COLS) + offset + 0.5) - base[i];
    }
    check_effect("current", "SAR comparator offset 3 mV", base, y, want, 0.0);
}

/* Charge domain: node-voltage dependence, mismatch, PWM edge and jitter. */
static void test_charge_effects_match_models(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(true);
    const aimrt_sim_charge_params off = charge_off();
    const double vpl = 1e-6 * 1e-10 / (TOP * 50e-15);
    double base[N_OUT], y[N_OUT], want[N_OUT];
    run_ok(run_charge, &off, &b, base, NULL);

    aimrt_sim_charge_params p = off;
    p.node_voltage_dependence = true;
    run_ok(run_charge, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        const double a = exact_sum(i / COLS, i % COLS) * vpl / 0.8; /* t / tau */
        want[i] = 0.8 * (1.0 - exp(-a)) / vpl - exact_sum(i / COLS, i % COLS);
        assert_true(want[i] <= 0.0); /* the decay saturates: always below the linear sum */
    }
    check_effect("charge", "node-voltage dependence", base, y, want, 1e-9);

    p = off;
    p.sigma_i_rel = 0.1;
    run_ok(run_charge, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        want[i] = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            want[i] += cells[r * STRIDE + i % COLS] * xs[(i / COLS) * ROWS + r] * 0.1 *
                       cell_normal(AIMRT_SIM_EFFECT_MISMATCH, r, i % COLS);
    }
    check_effect("charge", "cell current mismatch 10 %", base, y, want, 1e-9);

    p = off;
    p.pwm.sigma_edge_s = 2e-11;
    run_ok(run_charge, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        want[i] = 0.0;
        for (int64_t r = 0; r < ROWS; r++) {
            const aimrt_sim_static_key row = {.seed = SEED, .tile = 2, .effect = AIMRT_SIM_EFFECT_DAC,
                                              .cell = (uint64_t)(keys.row0 + r)};
            if (xs[(i / COLS) * ROWS + r] != 0.0)
                want[i] += cells[r * STRIDE + i % COLS] * 2e-11 * aimrt_sim_normal_static(&row, 0) / 1e-10;
        }
    }
    check_effect("charge", "PWM edge error 20 ps", base, y, want, 1e-9);

    p = off;
    p.pwm.sigma_jitter_s = 5e-12;
    run_ok(run_charge, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        want[i] = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            if (xs[(i / COLS) * ROWS + r] != 0.0)
                want[i] += cells[r * STRIDE + i % COLS] * 5e-12 *
                           output_normal(AIMRT_SIM_EFFECT_JITTER, i / COLS, keys.row0 + r) / 1e-10;
    }
    check_effect("charge", "PWM jitter 5 ps", base, y, want, 1e-9);
}

/* Charge redistribution: capacitor mismatch, parasitic spread, kT/C. */
static void test_charge_redist_effects_match_models(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    aimrt_sim_charge_redist_params off = redist_off();
    off.parasitic.c_parasitic_f = 2e-15;
    const double c_nominal = ROWS * 1e-15 + 2e-15;
    const double vpl = 0.8 * 1e-15 / (c_nominal * TOP * X_FULL);
    double base[N_OUT], y[N_OUT], want[N_OUT];
    run_ok(run_redist, &off, &b, base, NULL);

    aimrt_sim_charge_redist_params p = off;
    p.mismatch_a_c_sqrt_ff = 0.01;
    run_ok(run_redist, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        double q = 0.0, c_sum = 2e-15;
        for (int64_t r = 0; r < ROWS; r++) {
            const double c = 1e-15 * (1.0 + 0.01 * cell_normal(AIMRT_SIM_EFFECT_MISMATCH, r, i % COLS));
            q += c * 0.8 * cells[r * STRIDE + i % COLS] / TOP * xs[(i / COLS) * ROWS + r] / X_FULL;
            c_sum += c;
        }
        want[i] = q / c_sum / vpl - exact_sum(i / COLS, i % COLS);
    }
    check_effect("charge-redist", "capacitor mismatch 1 % at 1 fF", base, y, want, 1e-9);

    p = off;
    p.parasitic.sigma_rel = 0.2;
    run_ok(run_redist, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        const double cp = 2e-15 * (1.0 + 0.2 * column_normal(AIMRT_SIM_EFFECT_PARASITIC, i % COLS));
        want[i] = exact_sum(i / COLS, i % COLS) * (c_nominal / (ROWS * 1e-15 + cp) - 1.0);
    }
    check_effect("charge-redist", "parasitic C_p spread 20 % of 2 fF", base, y, want, 1e-9);

    p = off;
    p.readout.ktc_temperature_k = 300.0;
    run_ok(run_redist, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = sqrt(BOLTZMANN * 300.0 / c_nominal) / vpl *
                  output_normal(AIMRT_SIM_EFFECT_KTC, i / COLS, keys.col0 + i % COLS);
    check_effect("charge-redist", "kT/C of the shared node (6 fF)", base, y, want, 1e-9);
}

/* Capacitive division: denominators that depend on the weights, CDS. */
static void test_capdiv_effects_match_models(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    aimrt_sim_capdiv_params off = capdiv_off();
    off.weight_as_capacitance = true;
    double base[N_OUT], y[N_OUT], want[N_OUT];
    run_ok(run_capdiv, &off, &b, base, NULL);

    /* A constant denominator of 1.5 fF per row on columns whose capacitance
     * sums differ scales each column by its nominal over its actual sum. */
    aimrt_sim_capdiv_params p = off;
    p.undo = AIMRT_SIM_UNDO_CONSTANT, p.row_sum_f = 1.5e-15;
    run_ok(run_capdiv, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        double c_sum = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            c_sum += 1e-15 * cells[r * STRIDE + i % COLS] / TOP;
        want[i] = c_sum > 0.0 ? exact_sum(i / COLS, i % COLS) * (ROWS * 1.5e-15 / c_sum - 1.0) : 0.0;
    }
    check_effect("capdiv", "constant undo on unequal column sums", base, y, want, 1e-9);

    p = off;
    p.readout.ktc_temperature_k = 300.0, p.readout.ktc_cds = true;
    run_ok(run_capdiv, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = 0.0;
    check_effect("capdiv", "kT/C with correlated double sampling", base, y, want, 0.0);

    p = off;
    p.weight_as_capacitance = false;
    run_ok(run_capdiv, &p, &b, base, NULL);
    p.mismatch_a_c_sqrt_ff = 0.01;
    run_ok(run_capdiv, &p, &b, y, NULL);
    const double vpl = 0.8 * 1e-15 / (ROWS * 1e-15 * TOP * X_FULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        double q = 0.0, c_sum = 0.0;
        for (int64_t r = 0; r < ROWS; r++) {
            const double c = 1e-15 * (1.0 + 0.01 * cell_normal(AIMRT_SIM_EFFECT_MISMATCH, r, i % COLS));
            q += c * 0.8 * cells[r * STRIDE + i % COLS] / TOP * xs[(i / COLS) * ROWS + r] / X_FULL;
            c_sum += c;
        }
        want[i] = q / c_sum / vpl - exact_sum(i / COLS, i % COLS);
    }
    check_effect("capdiv", "capacitor mismatch 1 % (polarity weights)", base, y, want, 1e-9);
}

/* Resistive division: settling, row-driver resistance, constant undo. */
static void test_resdiv_effects_match_models(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    const aimrt_sim_resdiv_params off = resdiv_off();
    const double g_level = 40e-6 / TOP;
    double base[N_OUT], y[N_OUT], want[N_OUT], v_node[N_OUT];
    run_ok(run_resdiv, &off, &b, base, v_node);

    aimrt_sim_resdiv_params p = off;
    p.c_line_f = 1e-12, p.t_sample_s = 2e-8, p.v_start_v = 0.0;
    run_ok(run_resdiv, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        double g_sum = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            g_sum += cells[r * STRIDE + i % COLS] * g_level;
        const double vpl = g_level * 0.2 / X_FULL / g_sum;
        want[i] = g_sum > 0.0 ? (0.0 - v_node[i]) * exp(-2e-8 * g_sum / 1e-12) / vpl : 0.0;
    }
    check_effect("resdiv", "settling 20 ns from 0 V, C_line 1 pF", base, y, want, 1e-9);

    p = off;
    p.r_driver_ohm = 2000.0;
    run_ok(run_resdiv, &p, &b, y, NULL);
    for (int64_t v = 0; v < VECS; v++) {
        double v_row[ROWS];
        for (int64_t r = 0; r < ROWS; r++) {
            const double vr = 0.5 + 0.2 * xs[v * ROWS + r] / X_FULL;
            double i_row = 0.0;
            for (int64_t c = 0; c < COLS; c++)
                i_row += cells[r * STRIDE + c] * g_level * (vr - v_node[v * COLS + c]);
            v_row[r] = vr - 2000.0 * i_row;
        }
        for (int64_t c = 0; c < COLS; c++) {
            double num = 0.0, g_sum = 0.0;
            for (int64_t r = 0; r < ROWS; r++) {
                num += cells[r * STRIDE + c] * g_level * v_row[r];
                g_sum += cells[r * STRIDE + c] * g_level;
            }
            const double vpl = g_level * 0.2 / X_FULL / g_sum;
            want[v * COLS + c] = g_sum > 0.0 ? (num / g_sum - 0.5) / vpl - exact_sum(v, c) : 0.0;
        }
    }
    check_effect("resdiv", "row driver 2 kohm (one fixed-point step)", base, y, want, 1e-9);

    p = off;
    p.undo = AIMRT_SIM_UNDO_CONSTANT, p.row_sum_us = 20.0;
    run_ok(run_resdiv, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        double g_sum = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            g_sum += cells[r * STRIDE + i % COLS] * g_level;
        want[i] = g_sum > 0.0 ? exact_sum(i / COLS, i % COLS) * (ROWS * 20e-6 / g_sum - 1.0) : 0.0;
    }
    check_effect("resdiv", "constant undo 20 uS per row, unequal sums", base, y, want, 1e-9);
}

/* Time domain: delay mismatch, jitter, TDC quantization, comparator offset. */
static void test_time_effects_match_models(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    const aimrt_sim_time_params off = delay_line_off();
    double base[N_OUT], y[N_OUT], want[N_OUT];
    run_ok(run_time, &off, &b, base, NULL);

    aimrt_sim_time_params p = off;
    p.sigma_tau_s = 2e-12;
    run_ok(run_time, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        want[i] = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            want[i] += 2e-12 * cell_normal(AIMRT_SIM_EFFECT_DELAY, r, i % COLS) / 1e-11;
    }
    check_effect("time", "stage delay mismatch 2 ps", base, y, want, 1e-9);

    p = off;
    p.sigma_jitter_s = 1e-12;
    run_ok(run_time, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = sqrt((double)ROWS) * 1e-12 / 1e-11 *
                  output_normal(AIMRT_SIM_EFFECT_JITTER, i / COLS, keys.col0 + i % COLS);
    check_effect("time", "jitter 1 ps per stage", base, y, want, 1e-9);

    p = off;
    p.readout = (aimrt_sim_readout_params){.kind = AIMRT_SIM_READOUT_CONVERTER, .bits = 8,
                                           .lsb_level = 4.0};
    run_ok(run_time, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++)
        want[i] = 4.0 * floor(exact_sum(i / COLS, i % COLS) / 4.0 + 0.5) - base[i];
    check_effect("time", "TDC quantization, LSB 4 level units", base, y, want, 1e-9);

    const aimrt_sim_time_params fire = fire_off();
    run_ok(run_time, &fire, &b, base, NULL);
    p = fire;
    p.comparator.sigma_offset_v = 3e-3;
    run_ok(run_time, &p, &b, y, NULL);
    for (int64_t i = 0; i < N_OUT; i++) {
        double w = 0.0;
        for (int64_t r = 0; r < ROWS; r++)
            w += cells[r * STRIDE + i % COLS];
        /* The offset delays the crossing by offset / (dV/dt), dV/dt = I_u W / C. */
        const double offset = 3e-3 * column_normal(AIMRT_SIM_EFFECT_COMPARATOR, i % COLS);
        const double shift = aimrt_sim_comparator_time_offset_s(offset, 1e-6 * w / 5e-13);
        want[i] = w > 0.0 ? -w * shift / 1e-9 : 0.0;
    }
    check_effect("time", "threshold comparator offset 3 mV", base, y, want, 1e-6);
}

/* Analytic cases of the domains' transfer functions. */
static void test_charge_redist_mean_of_products(void **state)
{
    (void)state;
    /* Four 1 fF caps, products 1, 1, 1, 0 at 0.8 V, C_p 4 fF: V_DD / N' sum p = 0.3 V. */
    const double c4[4] = {1.0, 1.0, 1.0, 0.0}, x4[4] = {1.0, 1.0, 1.0, 1.0};
    const aimrt_sim_domain_block b = {.n_rows = 4, .n_cols = 1, .cells = c4, .cell_stride = 1,
                                      .top_level = 1.0, .n_vectors = 1, .x = x4, .x_full = 1.0};
    aimrt_sim_charge_redist_params p = redist_off();
    p.parasitic.c_parasitic_f = 4e-15;
    p.readout.kind = AIMRT_SIM_READOUT_LOSSLESS;
    double y, v;
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_domain_charge_redist(&p, &b, &keys, &y, &v, &error), AIMRT_OK);
    assert_true(fabs(v - 0.3) <= 1e-15);
    assert_true(y == 3.0);
}

static void test_resdiv_constant_sum_pairs(void **state)
{
    (void)state;
    /* Rows in pairs G0 + dG/2, G0 - dG/2 (levels 2 +- d of 4, G0 = 20 uS)
     * driven at V_ref + x and V_ref - x: V - V_ref = sum x dG / (2 N G0). */
    const double d[3] = {1.0, -2.0, 0.5}, x_pair[3] = {3.0, -5.0, 7.0};
    double lv[6], xin[6];
    for (int k = 0; k < 3; k++) {
        lv[2 * k] = 2.0 + d[k] / 2.0, lv[2 * k + 1] = 2.0 - d[k] / 2.0;
        xin[2 * k] = x_pair[k], xin[2 * k + 1] = -x_pair[k];
    }
    const aimrt_sim_domain_block b = {.n_rows = 6, .n_cols = 1, .cells = lv, .cell_stride = 1,
                                      .top_level = 4.0, .n_vectors = 1, .x = xin, .x_full = 7.0};
    aimrt_sim_resdiv_params p = resdiv_off();
    p.undo = AIMRT_SIM_UNDO_CONSTANT, p.row_sum_us = 20.0;
    const double g_level = 40e-6 / 4.0;
    double want_v = 0.0, sum = 0.0;
    for (int k = 0; k < 3; k++) {
        want_v += 0.2 * x_pair[k] / 7.0 * d[k] * g_level / (2.0 * 3.0 * 20e-6);
        sum += d[k] * x_pair[k]; /* (lv+ - lv-) x = d x */
    }
    double y, v;
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_domain_resdiv(&p, &b, &keys, &y, &v, &error), AIMRT_OK);
    print_message("resdiv constant-sum: V - V_ref %.15g, sum x dG / (2 N G0) %.15g\n", v - 0.5, want_v);
    assert_true(fabs((v - 0.5) - want_v) <= 1e-12 * fabs(want_v));
    assert_true(fabs(y - sum) <= 1e-9);
}

static void test_time_crossing_is_weighted_mean(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    const aimrt_sim_time_params p = fire_off();
    double y[N_OUT], t[N_OUT];
    run_ok(run_time, &p, &b, y, t);
    for (int64_t i = 0; i < N_OUT; i++) {
        double w_sum = 0.0, wt = 0.0;
        for (int64_t r = 0; r < ROWS; r++) {
            const double w = cells[r * STRIDE + i % COLS];
            w_sum += w;
            wt += w * (X_FULL - xs[(i / COLS) * ROWS + r]) * 1e-9;
        }
        if (w_sum == 0.0)
            continue;
        const double want = (1.0 * 5e-13 / 1e-6 + wt) / w_sum;
        assert_true(fabs(t[i] - want) <= 1e-12 * want);
    }
}

static void test_charge_redist_ktc_variance(void **state)
{
    (void)state;
    /* One column of four 1 fF caps at 300 K: sigma_V = sqrt(k T / 4 fF). */
    enum { N = 4000 };
    double lv[4] = {1.0, 0.0, 1.0, 1.0};
    double *x = calloc(N * 4, sizeof *x), *y = malloc(N * sizeof *y), *vn = malloc(N * sizeof *vn);
    int64_t *smp = malloc(N * sizeof *smp), *mv = calloc(N, sizeof *mv);
    assert_non_null(x), assert_non_null(y), assert_non_null(vn), assert_non_null(smp), assert_non_null(mv);
    for (int64_t i = 0; i < N; i++)
        smp[i] = i;
    const aimrt_sim_domain_block b = {.n_rows = 4, .n_cols = 1, .cells = lv, .cell_stride = 1,
                                      .top_level = 1.0, .n_vectors = N, .x = x, .x_full = 1.0};
    const aimrt_sim_domain_keys k = {.seed = SEED, .tile = 1, .tile_cols = 1, .sample = smp, .mvm = mv};
    aimrt_sim_charge_redist_params p = redist_off();
    p.readout.ktc_temperature_k = 300.0;
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_domain_charge_redist(&p, &b, &k, y, vn, &error), AIMRT_OK);
    const double vpl = 0.8 / 4.0, sigma = sqrt(BOLTZMANN * 300.0 / 4e-15);
    double mean = 0.0, ss = 0.0;
    for (int64_t i = 0; i < N; i++)
        mean += y[i] * vpl;
    mean /= N;
    for (int64_t i = 0; i < N; i++)
        ss += (y[i] * vpl - mean) * (y[i] * vpl - mean);
    const double var = ss / (N - 1), se = sigma * sigma * sqrt(2.0 / (N - 1));
    print_message("charge-redist kT/C: sigma %.6g V measured, %.6g V expected (%.2f SE)\n",
                  sqrt(var), sigma, (var - sigma * sigma) / se);
    assert_true(fabs(var - sigma * sigma) <= 5.0 * se);
    assert_true(fabs(mean) <= 5.0 * sigma / sqrt((double)N));
    free(x), free(y), free(vn), free(smp), free(mv);
}

/* A converter with a span has codes 0 .. 2^bits - 1 from its bottom up:
 * each output is low + lsb * round((sum - low) / lsb), clamped to the codes,
 * in both the reference and the GEMM form of a domain. */
static void test_readout_span_uses_every_code(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(true);
    const double lsb = 2.37, low = -0.9;
    double lsb_levels[10], low_levels[10];
    for (int c = 0; c < 10; c++) {
        lsb_levels[c] = lsb;
        low_levels[c] = low;
    }
    const aimrt_sim_domain_statics statics = {.lsb_level = lsb_levels, .low_level = low_levels};
    aimrt_sim_domain_keys span_keys = keys;
    span_keys.statics = &statics;

    aimrt_sim_charge_redist_params p = redist_off();
    p.readout = (aimrt_sim_readout_params){.kind = AIMRT_SIM_READOUT_CONVERTER, .bits = 3,
                                           .lsb_level = 1.0};
    double y[N_OUT], y_gemm[N_OUT];
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_domain_charge_redist(&p, &b, &span_keys, y, NULL, &error), AIMRT_OK);
    assert_int_equal(aimrt_sim_domain_charge_redist_gemm(&p, &b, &span_keys, y_gemm, NULL, &error),
                     AIMRT_OK);

    for (int64_t v = 0; v < VECS; v++) {
        for (int64_t c = 0; c < COLS; c++) {
            const double code = fmin(fmax(round((exact_sum(v, c) - low) / lsb), 0.0), 7.0);
            assert_true(fabs(y[v * COLS + c] - (low + lsb * code)) < 1e-9);
            assert_true(fabs(y_gemm[v * COLS + c] - (low + lsb * code)) < 1e-9);
        }
    }
    /* The sums reach past a symmetric 3-bit range of the same LSB (3 codes
     * above 0), so the case shows codes a symmetric converter lacks. */
    double largest = 0.0;
    for (int64_t v = 0; v < VECS; v++)
        for (int64_t c = 0; c < COLS; c++)
            largest = fmax(largest, exact_sum(v, c));
    assert_true(largest > 3.0 * lsb);
}

static void test_domains_reject_invalid_params(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block(false);
    double y[N_OUT];
    aimrt_error error = {0};
    aimrt_sim_current_params cur = current_off();
    cur.r_tia_ohm = 0.0;
    assert_int_equal(aimrt_sim_domain_current(&cur, &b, &keys, y, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "r_tia_ohm"));
    aimrt_sim_resdiv_params rs = resdiv_off();
    rs.undo = AIMRT_SIM_UNDO_CONSTANT;
    assert_int_equal(aimrt_sim_domain_resdiv(&rs, &b, &keys, y, NULL, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "row_sum_us"));
    aimrt_sim_charge_redist_params rd = redist_off();
    rd.readout = (aimrt_sim_readout_params){.kind = AIMRT_SIM_READOUT_CONVERTER, .bits = 0,
                                            .lsb_level = 1.0};
    assert_int_equal(aimrt_sim_domain_charge_redist(&rd, &b, &keys, y, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "readout.bits"));
    aimrt_sim_time_params tm = fire_off();
    tm.readout.kind = AIMRT_SIM_READOUT_CONVERTER, tm.readout.bits = 8, tm.readout.lsb_level = 1.0;
    assert_int_equal(aimrt_sim_domain_time(&tm, &b, &keys, y, NULL, &error), AIMRT_ERR_UNSUPPORTED);
    aimrt_sim_domain_block bad = b;
    bad.cell_stride = 1;
    aimrt_sim_capdiv_params cd = capdiv_off();
    assert_int_equal(aimrt_sim_domain_capdiv(&cd, &bad, &keys, y, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "stride"));
}

/* A block without rows sums nothing: every domain returns 0. */
static void test_empty_block_gives_zero(void **state)
{
    (void)state;
    aimrt_sim_domain_block b = make_block(false);
    b.n_rows = 0;
    aimrt_sim_current_params cur = current_off();
    cur.ir_drop = true, cur.wires = aimrt_sim_wires_defaults();
    const aimrt_sim_charge_params ch = charge_off();
    const aimrt_sim_charge_redist_params rd = redist_off();
    const aimrt_sim_capdiv_params cd = capdiv_off();
    const aimrt_sim_resdiv_params rs = resdiv_off();
    const aimrt_sim_time_params dl = delay_line_off(), fi = fire_off();
    const domain_run runs[] = {run_current, run_charge, run_redist, run_capdiv,
                               run_resdiv, run_time, run_time};
    const void *params[] = {&cur, &ch, &rd, &cd, &rs, &dl, &fi};
    for (int d = 0; d < 7; d++) {
        double y[N_OUT];
        for (int64_t i = 0; i < N_OUT; i++)
            y[i] = -1.0;
        run_ok(runs[d], params[d], &b, y, NULL);
        for (int64_t i = 0; i < N_OUT; i++)
            if (!(fabs(y[i]) <= 1e-12))
                fail_msg("domain %d: output %lld of an empty block is %g", d, (long long)i, y[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_domains_exact_when_ideal),
        cmocka_unit_test(test_current_effects_match_models),
        cmocka_unit_test(test_charge_effects_match_models),
        cmocka_unit_test(test_charge_redist_effects_match_models),
        cmocka_unit_test(test_capdiv_effects_match_models),
        cmocka_unit_test(test_resdiv_effects_match_models),
        cmocka_unit_test(test_time_effects_match_models),
        cmocka_unit_test(test_charge_redist_mean_of_products),
        cmocka_unit_test(test_resdiv_constant_sum_pairs),
        cmocka_unit_test(test_time_crossing_is_weighted_mean),
        cmocka_unit_test(test_charge_redist_ktc_variance),
        cmocka_unit_test(test_readout_span_uses_every_code),
        cmocka_unit_test(test_domains_reject_invalid_params),
        cmocka_unit_test(test_empty_block_gives_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
