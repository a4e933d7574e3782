/* SPDX-License-Identifier: MIT */
/*
 * The GEMM forms of the charge, charge-redistribution, capacitive-division
 * and resistive-division domains against their reference functions on a
 * block of 9 rows, 6 columns and 5 vectors with every effect of the domain
 * on: node values within 1e-9 relative, converter codes equal unless the
 * reference's value before conversion lies within 1e-9 LSB of a threshold.
 * The delay line's integer sums make its GEMM form equal bit for bit.
 * Also the comparator's shortcut decision against the full normal draw.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* cmocka.h needs the standard headers above. */
#include <cmocka.h>

#include "sim/domain.h"

#define SEED 20261205u
#define ROWS 9
#define COLS 6
#define STRIDE 8
#define VECS 5
#define N_OUT (VECS * COLS)
#define TOP 3.0
#define X_FULL 7.0
#define LSB 2.0

static double cells[ROWS * STRIDE];
static double xs[VECS * ROWS];
static const int64_t samples[VECS] = {4, 5, 6, 7, 8};
static const int64_t mvms[VECS] = {1, 1, 2, 2, 3};

typedef aimrt_status (*domain_run)(const void *params, const aimrt_sim_domain_block *b,
                                   const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                   aimrt_error *error);

/* Fills the block from a stream no model uses: levels 0..3, inputs -7..7. */
static aimrt_sim_domain_block make_block(void)
{
    aimrt_sim_dynamic_key key = {.seed = SEED, .tile = 9, .effect = 201};
    for (int64_t i = 0; i < ROWS * STRIDE; i++) {
        key.sample = i;
        cells[i] = floor(aimrt_sim_uniform_dynamic(&key, 0) * 4.0);
    }
    for (int64_t i = 0; i < VECS * ROWS; i++) {
        key.sample = 1000 + i;
        xs[i] = floor(aimrt_sim_uniform_dynamic(&key, 0) * 15.0) - 7.0;
    }
    return (aimrt_sim_domain_block){.n_rows = ROWS,
                                    .n_cols = COLS,
                                    .cells = cells,
                                    .cell_stride = STRIDE,
                                    .top_level = TOP,
                                    .n_vectors = VECS,
                                    .x = xs,
                                    .x_full = X_FULL};
}

/* Every readout effect: kT/C, switch error and a 6-bit SAR comparator with
 * offset and noise; the caller sets the kind. */
static aimrt_sim_readout_params noisy_readout(double v_lsb)
{
    return (aimrt_sim_readout_params){
        .bits = 6,
        .lsb_level = LSB,
        .comparator = {.sigma_offset_v = 0.3 * v_lsb, .sigma_noise_v = 0.05 * v_lsb},
        .ktc_temperature_k = 300.0,
        .injection = {.a0_v = 0.01 * v_lsb,
                      .a1 = 1e-3,
                      .sigma_a0_v = 0.02 * v_lsb,
                      .sigma_a1 = 1e-3,
                      .scale = 1.0}};
}

static void run_ok(domain_run run, const void *params, const aimrt_sim_domain_block *b,
                   const aimrt_sim_domain_keys *keys, double *y, double *v_node)
{
    aimrt_error error = {0};
    if (run(params, b, keys, y, v_node, &error) != AIMRT_OK)
        fail_msg("domain failed: %s", error.message);
}

static void assert_close(const char *domain, const char *what, const double *want,
                         const double *got)
{
    for (int64_t i = 0; i < N_OUT; i++)
        if (!(fabs(got[i] - want[i]) <= 1e-9 * fabs(want[i]) + 1e-300))
            fail_msg("%s: %s of output %lld is %.17g, reference %.17g", domain, what, (long long)i,
                     got[i], want[i]);
}

/*
 * Runs both forms with an analog readout (node values and sampled values
 * within 1e-9 relative), then with the converter (equal codes unless the
 * reference's sampled value lies within 1e-9 LSB of a threshold).
 * readout points into params.
 */
static void assert_gemm_equals(const char *domain, domain_run reference, domain_run gemm,
                               void *params, aimrt_sim_readout_params *readout)
{
    const aimrt_sim_domain_block b = make_block();
    double want[N_OUT], got[N_OUT], want_v[N_OUT], got_v[N_OUT], analog[N_OUT];
    const aimrt_sim_domain_statics statics = {.analog = analog};
    const aimrt_sim_domain_keys keys = {.seed = SEED,
                                        .tile = 3,
                                        .tile_cols = 20,
                                        .row0 = 2,
                                        .col0 = 5,
                                        .sample = samples,
                                        .mvm = mvms};
    aimrt_sim_domain_keys recorded = keys;
    recorded.statics = &statics;
    readout->kind = AIMRT_SIM_READOUT_ANALOG;
    run_ok(reference, params, &b, &keys, want, want_v);
    run_ok(gemm, params, &b, &keys, got, got_v);
    assert_close(domain, "node value", want_v, got_v);
    assert_close(domain, "sampled value", want, got);
    readout->kind = AIMRT_SIM_READOUT_CONVERTER;
    run_ok(reference, params, &b, &recorded, want, NULL);
    run_ok(gemm, params, &b, &keys, got, NULL);
    int64_t n_codes = 0;
    for (int64_t i = 0; i < N_OUT; i++) {
        const double to_threshold = fabs(analog[i] / LSB - floor(analog[i] / LSB) - 0.5);
        if (got[i] != want[i] && to_threshold > 1e-9)
            fail_msg("%s: code of output %lld is %g, reference %g (value %.17g)", domain,
                     (long long)i, got[i], want[i], analog[i]);
        n_codes += want[i] != 0.0;
    }
    /* The codes are not all 0, so the comparison means something. */
    assert_true(n_codes > N_OUT / 2);
}

static aimrt_status charge_reference(const void *p, const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *k, double *y, double *v,
                                     aimrt_error *e)
{
    return aimrt_sim_domain_charge(p, b, k, y, v, e);
}
static aimrt_status charge_gemm(const void *p, const aimrt_sim_domain_block *b,
                                const aimrt_sim_domain_keys *k, double *y, double *v,
                                aimrt_error *e)
{
    return aimrt_sim_domain_charge_gemm(p, b, k, y, v, e);
}
static aimrt_status redist_reference(const void *p, const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *k, double *y, double *v,
                                     aimrt_error *e)
{
    return aimrt_sim_domain_charge_redist(p, b, k, y, v, e);
}
static aimrt_status redist_gemm(const void *p, const aimrt_sim_domain_block *b,
                                const aimrt_sim_domain_keys *k, double *y, double *v,
                                aimrt_error *e)
{
    return aimrt_sim_domain_charge_redist_gemm(p, b, k, y, v, e);
}
static aimrt_status capdiv_reference(const void *p, const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *k, double *y, double *v,
                                     aimrt_error *e)
{
    return aimrt_sim_domain_capdiv(p, b, k, y, v, e);
}
static aimrt_status capdiv_gemm(const void *p, const aimrt_sim_domain_block *b,
                                const aimrt_sim_domain_keys *k, double *y, double *v,
                                aimrt_error *e)
{
    return aimrt_sim_domain_capdiv_gemm(p, b, k, y, v, e);
}
static aimrt_status resdiv_reference(const void *p, const aimrt_sim_domain_block *b,
                                     const aimrt_sim_domain_keys *k, double *y, double *v,
                                     aimrt_error *e)
{
    return aimrt_sim_domain_resdiv(p, b, k, y, v, e);
}
static aimrt_status resdiv_gemm(const void *p, const aimrt_sim_domain_block *b,
                                const aimrt_sim_domain_keys *k, double *y, double *v,
                                aimrt_error *e)
{
    return aimrt_sim_domain_resdiv_gemm(p, b, k, y, v, e);
}

static void test_charge_gemm_matches_reference(void **state)
{
    (void)state;
    /* One level unit of one pulse moves the bitline 1 uA 100 ps / (3 50 fF). */
    const double v_level = 1e-6 * 1e-10 / (TOP * 50e-15);
    aimrt_sim_charge_params p = {.c_bitline_f = 50e-15,
                                 .v_precharge_v = 0.8,
                                 .i_cell_max_a = 1e-6,
                                 .pwm = {.bits = 4,
                                         .is_signed = true,
                                         .t_lsb_s = 1e-10,
                                         .sigma_edge_s = 2e-11,
                                         .sigma_jitter_s = 5e-12},
                                 .node_voltage_dependence = true,
                                 .sigma_i_rel = 0.1,
                                 .readout = noisy_readout(v_level * LSB)};
    assert_gemm_equals("charge", charge_reference, charge_gemm, &p, &p.readout);
}

static void test_charge_redist_gemm_matches_reference(void **state)
{
    (void)state;
    const double v_level = 0.8 * 1e-15 / ((ROWS * 1e-15 + 2e-15) * TOP * X_FULL);
    aimrt_sim_charge_redist_params p = {.c_unit_f = 1e-15,
                                        .mismatch_a_c_sqrt_ff = 0.01,
                                        .v_dd_v = 0.8,
                                        .parasitic = {.c_parasitic_f = 2e-15, .sigma_rel = 0.2},
                                        .readout = noisy_readout(v_level * LSB)};
    assert_gemm_equals("charge-redist", redist_reference, redist_gemm, &p, &p.readout);
}

static void test_capdiv_gemm_matches_reference(void **state)
{
    (void)state;
    const double v_level = 0.8 * 1e-15 / ((ROWS * 1e-15 + 2e-15) * TOP * X_FULL);
    aimrt_sim_capdiv_params p = {.c_unit_f = 1e-15,
                                 .mismatch_a_c_sqrt_ff = 0.01,
                                 .v_step_v = 0.8,
                                 .parasitic = {.c_parasitic_f = 2e-15, .sigma_rel = 0.2},
                                 .readout = noisy_readout(v_level * LSB)};
    assert_gemm_equals("capdiv polarity", capdiv_reference, capdiv_gemm, &p, &p.readout);
    p.weight_as_capacitance = true;
    assert_gemm_equals("capdiv capacitance", capdiv_reference, capdiv_gemm, &p, &p.readout);
}

static void test_resdiv_gemm_matches_reference(void **state)
{
    (void)state;
    /* Roughly half the rows at level 1.5 of 40 uS over 3: the column's gain. */
    const double v_level = 40e-6 / TOP * 0.2 / X_FULL / (ROWS * 20e-6);
    aimrt_sim_resdiv_params p = {.g_max_us = 40.0,
                                 .v_ref_v = 0.5,
                                 .v_read_v = 0.2,
                                 .g_load_us = 5.0,
                                 .c_line_f = 1e-12,
                                 .t_sample_s = 2e-7,
                                 .v_start_v = 0.0,
                                 .c_sample_f = 100e-15,
                                 .readout = noisy_readout(v_level * LSB)};
    assert_gemm_equals("resdiv", resdiv_reference, resdiv_gemm, &p, &p.readout);
    p.r_driver_ohm = 2000.0;
    assert_gemm_equals("resdiv with row drivers", resdiv_reference, resdiv_gemm, &p, &p.readout);
}

/* Delay line: stage mismatch, jitter and a TDC with DNL, INL and noise. */
static void test_delay_line_gemm_is_exact(void **state)
{
    (void)state;
    const aimrt_sim_domain_block b = make_block();
    const aimrt_sim_domain_keys keys = {.seed = SEED,
                                        .tile = 3,
                                        .tile_cols = 20,
                                        .row0 = 2,
                                        .col0 = 5,
                                        .sample = samples,
                                        .mvm = mvms};
    aimrt_sim_time_params p = {
        .variant = AIMRT_SIM_TIME_DELAY_LINE,
        .tau_0_s = 1e-10,
        .dtau_s = 1e-11,
        .sigma_tau_s = 1e-12,
        .sigma_jitter_s = 2e-13,
        .tdc_sigma_dnl_lsb = 0.1,
        .tdc_a_inl_lsb = 0.3,
        .tdc_sigma_noise_s = 2e-12,
        .readout = {.kind = AIMRT_SIM_READOUT_CONVERTER, .bits = 8, .lsb_level = LSB}};
    double want[N_OUT], got[N_OUT], want_t[N_OUT], got_t[N_OUT];
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_domain_time(&p, &b, &keys, want, want_t, &error), AIMRT_OK);
    assert_int_equal(aimrt_sim_domain_time_gemm(&p, &b, &keys, got, got_t, &error), AIMRT_OK);
    int64_t n_codes = 0;
    for (int64_t i = 0; i < N_OUT; i++) {
        if (got[i] != want[i] || got_t[i] != want_t[i])
            fail_msg("delay line: output %lld is %g at %.17g s, reference %g at %.17g s",
                     (long long)i, got[i], got_t[i], want[i], want_t[i]);
        n_codes += want[i] != 0.0;
    }
    assert_true(n_codes > N_OUT / 2);
}

/* The shortcut decision equals v + sigma z > 0 with the full draw, for v
 * from -9 to 9 sigma, exactly 0 and a denormal. */
static void test_noise_decision_matches_draw(void **state)
{
    (void)state;
    const double sigma = 3e-4;
    aimrt_sim_dynamic_key key = {
        .seed = SEED, .tile = 1, .effect = AIMRT_SIM_EFFECT_COMPARATOR, .sample = 17, .mvm = 2};
    int64_t n_true = 0;
    for (int64_t n = 0; n < 20000; n++) {
        key.column = (uint64_t)(n / 256);
        const uint32_t i = (uint32_t)(n % 256);
        const int64_t step = n % 183;
        /* A sweep across 0 in tenths of sigma, then exactly 0 and the smallest subnormal. */
        double v = (step - 90) * 0.1 * sigma;
        if (step == 181)
            v = 0.0;
        if (step == 182)
            v = 4.9e-324;
        const bool want = v + sigma * aimrt_sim_normal_dynamic(&key, i) > 0.0;
        if (aimrt_sim_normal_dynamic_lifts(&key, i, v, sigma) != want)
            fail_msg("draw %u of column %llu at v %.17g: shortcut decides %d", (unsigned)i,
                     (unsigned long long)key.column, v, (int)!want);
        n_true += want;
    }
    /* Both decisions occur in bulk. */
    assert_true(n_true > 5000 && n_true < 15000);
}

/* A row of draws at once equals the draws one by one. */
static void test_column_draws_match_single(void **state)
{
    (void)state;
    const aimrt_sim_dynamic_key first = {.seed = SEED,
                                         .tile = 4,
                                         .effect = AIMRT_SIM_EFFECT_KTC,
                                         .sample = 9,
                                         .mvm = 5,
                                         .column = 30};
    double z[40];
    aimrt_sim_normal_dynamic_columns(&first, 3, 40, z);
    for (int64_t c = 0; c < 40; c++) {
        aimrt_sim_dynamic_key key = first;
        key.column = 30 + (uint64_t)c;
        assert_true(z[c] == aimrt_sim_normal_dynamic(&key, 3));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_charge_gemm_matches_reference),
        cmocka_unit_test(test_charge_redist_gemm_matches_reference),
        cmocka_unit_test(test_capdiv_gemm_matches_reference),
        cmocka_unit_test(test_resdiv_gemm_matches_reference),
        cmocka_unit_test(test_delay_line_gemm_is_exact),
        cmocka_unit_test(test_noise_decision_matches_draw),
        cmocka_unit_test(test_column_draws_match_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
