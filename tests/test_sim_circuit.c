/* SPDX-License-Identifier: MIT */
/*
 * Tests of the simulator's converter and circuit-structure models against
 * closed forms. Converters: ADC quantization statistics, saturation, INL and
 * DNL, and DAC, PWM and TDC codes. Noise terms match their standard
 * deviations within 5 standard errors on fixed seeds. The division schemes
 * are checked on hand-worked cases, and IR drop against a dense direct solve
 * of the same resistive network.
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

#include "sim/circuit.h"
#include "sim/converters.h"
#include "sim/ir_drop.h"
#include "sim/random.h"

#define N_DRAWS 20000
#define SEED 20240611u

/* Returns the dynamic key of draw s of a test stream. */
static aimrt_sim_dynamic_key draw_key(int64_t s)
{
    return (aimrt_sim_dynamic_key){.seed = SEED, .tile = 3, .sample = s, .mvm = 1, .column = 7};
}

static aimrt_sim_static_key static_key(uint64_t cell)
{
    return (aimrt_sim_static_key){.seed = SEED, .tile = 3, .cell = cell};
}

/* Returns a uniform draw in (0, 1) for test inputs, from a stream no model uses. */
static double test_uniform(int64_t s)
{
    aimrt_sim_dynamic_key key = draw_key(s);
    key.effect = 200;
    return aimrt_sim_uniform_dynamic(&key, 0);
}

typedef struct moments {
    double mean;
    double variance; /* unbiased */
} moments;

static moments measure(const double *x, int64_t n)
{
    double mean = 0.0;
    for (int64_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    double ss = 0.0;
    for (int64_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return (moments){mean, ss / (double)(n - 1)};
}

/* Asserts that normal draws x[n] have mean 0 and standard deviation sigma:
 * the mean within 5 sigma / sqrt(n), the variance within
 * 5 sigma^2 sqrt(2 / (n - 1)). */
static void assert_normal(const char *what, const double *x, int64_t n, double sigma)
{
    const moments m = measure(x, n);
    const double se_mean = sigma / sqrt((double)n);
    const double se_var = sigma * sigma * sqrt(2.0 / (double)(n - 1));
    print_message(
        "%s: sigma expected %.6g, measured %.6g (variance off by %.2f SE, mean %.2f SE)\n", what,
        sigma, sqrt(m.variance), (m.variance - sigma * sigma) / se_var, m.mean / se_mean);
    assert_true(fabs(m.mean) <= 5.0 * se_mean);
    assert_true(fabs(m.variance - sigma * sigma) <= 5.0 * se_var);
}

static void assert_close(double actual, double expected, double rel)
{
    const double tol = rel * fmax(fabs(expected), 1e-300);
    if (!(fabs(actual - expected) <= tol))
        fail_msg("actual %.17g, expected %.17g (tolerance %.3g)", actual, expected, tol);
}

/* ADC */

static void test_adc_ideal_error_uniform(void **state)
{
    const aimrt_sim_adc_params params = {.bits = 8, .range_min_norm = -1.0, .range_max_norm = 1.0};
    aimrt_sim_adc adc;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, NULL), AIMRT_OK);
    const double lsb = 2.0 / 255.0;
    assert_close(adc.lsb_norm, lsb, 1e-15);

    /* Inputs uniform over the range give an error uniform on [-LSB/2, LSB/2]:
     * variance LSB^2 / 12 with standard error LSB^2 sqrt((1/80 - 1/144) / n). */
    double *error = malloc(N_DRAWS * sizeof *error);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const double v = -1.0 + 2.0 * test_uniform(s);
        error[s] = v - aimrt_sim_adc_level(&adc, aimrt_sim_adc_convert(&adc, v, NULL));
        assert_true(fabs(error[s]) <= 0.5 * lsb * (1.0 + 1e-12));
    }
    const moments m = measure(error, N_DRAWS);
    const double expected = lsb * lsb / 12.0;
    const double se_var = lsb * lsb * sqrt((1.0 / 80.0 - 1.0 / 144.0) / N_DRAWS);
    const double se_mean = lsb / sqrt(12.0 * N_DRAWS);
    print_message("ADC 8 bit: error variance %.6g, LSB^2/12 %.6g (%.2f SE), mean %.2f SE\n",
                  m.variance, expected, (m.variance - expected) / se_var, m.mean / se_mean);
    assert_true(fabs(m.variance - expected) <= 5.0 * se_var);
    assert_true(fabs(m.mean) <= 5.0 * se_mean);
    free(error);
}

static void test_adc_codes_saturate_at_range(void **state)
{
    const aimrt_sim_adc_params params = aimrt_sim_adc_defaults();
    aimrt_sim_adc adc;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, NULL), AIMRT_OK);
    assert_int_equal(adc.n_codes, 256);
    assert_int_equal(aimrt_sim_adc_convert(&adc, 10.0, NULL), 255);
    assert_int_equal(aimrt_sim_adc_convert(&adc, 1e6, NULL), 255);
    assert_int_equal(aimrt_sim_adc_convert(&adc, INFINITY, NULL), 255);
    assert_int_equal(aimrt_sim_adc_convert(&adc, -10.0, NULL), 0);
    assert_int_equal(aimrt_sim_adc_convert(&adc, -1e6, NULL), 0);
    assert_int_equal(aimrt_sim_adc_convert(&adc, -INFINITY, NULL), 0);
    assert_int_equal(aimrt_sim_adc_convert(&adc, NAN, NULL), 0);
    assert_close(aimrt_sim_adc_level(&adc, 255), 10.0, 1e-15);
    assert_close(aimrt_sim_adc_level(&adc, 0), -10.0, 1e-15);

    /* With DNL, the thresholds move but the ends still saturate. */
    aimrt_sim_adc_params rough = params;
    rough.sigma_dnl_lsb = 0.2;
    double thresholds[255];
    const aimrt_sim_static_key key = static_key(0);
    assert_int_equal(aimrt_sim_adc_threshold_count(&rough), 255);
    assert_int_equal(aimrt_sim_adc_init(&adc, &rough, thresholds, 255, &key, NULL), AIMRT_OK);
    assert_int_equal(aimrt_sim_adc_convert(&adc, 1e6, NULL), 255);
    assert_int_equal(aimrt_sim_adc_convert(&adc, -1e6, NULL), 0);
}

static void test_adc_dnl_monotonic_below_lsb(void **state)
{
    const aimrt_sim_adc_params params = {
        .bits = 8, .range_min_norm = -1.0, .range_max_norm = 1.0, .sigma_dnl_lsb = 0.1};
    double thresholds[255];
    const aimrt_sim_static_key key = static_key(5);
    aimrt_sim_adc adc;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, thresholds, 255, &key, NULL), AIMRT_OK);

    /* Threshold deviations from ideal are the drawn N(0, sigma_DNL LSB). */
    double deviation[255];
    for (int k = 0; k < 255; k++)
        deviation[k] = (thresholds[k] - (-1.0 + (k + 0.5) * adc.lsb_norm)) / adc.lsb_norm;
    assert_normal("ADC threshold deviation (LSB)", deviation, 255, 0.1);

    double worst = 0.0;
    for (int k = 0; k < 253; k++)
        worst = fmax(worst, fabs(aimrt_sim_adc_dnl_lsb(&adc, k)));
    print_message("ADC sigma_DNL 0.1 LSB: max |DNL| %.3f LSB\n", worst);
    assert_true(worst < 1.0);

    /* A fine sweep: codes never decrease and every code appears. */
    int32_t previous = 0;
    int hits[256] = {0};
    for (int s = 0; s <= 256 * 64; s++) {
        const double v = -1.0 - adc.lsb_norm + s * (2.0 + 2.0 * adc.lsb_norm) / (256 * 64);
        const int32_t code = aimrt_sim_adc_convert(&adc, v, NULL);
        assert_true(code >= previous);
        hits[code]++;
        previous = code;
    }
    for (int c = 0; c < 256; c++)
        assert_true(hits[c] > 0);
}

static void test_adc_inl_bow_shape(void **state)
{
    const aimrt_sim_adc_params params = {
        .bits = 6, .range_min_norm = 0.0, .range_max_norm = 63.0, .a_inl_lsb = 0.5};
    double thresholds[63];
    const aimrt_sim_static_key key = static_key(1);
    aimrt_sim_adc adc;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, thresholds, 63, &key, NULL), AIMRT_OK);
    for (int k = 0; k < 63; k++) {
        const double u = k / 63.0;
        assert_close(thresholds[k], k + 0.5 + 0.5 * 4.0 * u * (1.0 - u), 1e-14);
    }
    /* LSB 1: an input of 31.6 sits below T_31 = 31.5 + 0.49987, so it reads 31. */
    assert_int_equal(aimrt_sim_adc_convert(&adc, 31.6, NULL), 31);
    assert_int_equal(aimrt_sim_adc_convert(&adc, 32.0, NULL), 32);
}

static void test_adc_integer_sums_exact(void **state)
{
    /* An ideal converter at LSB 1 returns the integer column sum itself,
     * the premise of comparing the simulator with the exact device. */
    const aimrt_sim_adc_params params = {
        .bits = 10, .range_min_norm = -512.0, .range_max_norm = 511.0};
    aimrt_sim_adc adc;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, NULL), AIMRT_OK);
    assert_true(adc.lsb_norm == 1.0);
    for (int v = -512; v <= 511; v++) {
        const int32_t code = aimrt_sim_adc_convert(&adc, (double)v, NULL);
        assert_int_equal(code, v + 512);
        assert_true(aimrt_sim_adc_level(&adc, code) == (double)v);
    }
}

static void test_adc_noise_matches_sigma(void **state)
{
    /* 20-bit ADC: quantization adds LSB^2 / 12 to the noise variance. */
    const aimrt_sim_adc_params params = {
        .bits = 20, .range_min_norm = -1.0, .range_max_norm = 1.0, .sigma_noise_norm = 0.01};
    aimrt_sim_adc adc;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, NULL), AIMRT_OK);
    double *out = malloc(N_DRAWS * sizeof *out);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        out[s] = aimrt_sim_adc_level(&adc, aimrt_sim_adc_convert(&adc, 0.25, &where)) - 0.25;
    }
    const double sigma = sqrt(0.01 * 0.01 + adc.lsb_norm * adc.lsb_norm / 12.0);
    assert_normal("ADC comparator noise", out, N_DRAWS, sigma);
    free(out);
}

static void test_adc_rejects_invalid_params(void **state)
{
    aimrt_sim_adc adc;
    aimrt_error error = {0};
    aimrt_sim_adc_params params = aimrt_sim_adc_defaults();
    params.bits = 30;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "bits 30"));

    params = aimrt_sim_adc_defaults();
    params.range_max_norm = params.range_min_norm;
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "range_max_norm"));

    params = aimrt_sim_adc_defaults();
    params.sigma_dnl_lsb = 0.1;
    double thresholds[10];
    const aimrt_sim_static_key key = static_key(0);
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, thresholds, 10, &key, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "needs 255"));

    params.sigma_dnl_lsb = -1.0;
    assert_int_equal(aimrt_sim_adc_threshold_count(&params), 255);
    assert_int_equal(aimrt_sim_adc_init(&adc, &params, NULL, 0, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "sigma_dnl_lsb -1"));
}

static void test_adc_energy_walden(void **state)
{
    /* 10 fJ per conversion step at 8 bits: 2.56 pJ per conversion. */
    assert_close(aimrt_sim_adc_energy_j(10e-15, 8.0), 2.56e-12, 1e-12);
}

/* DAC, PWM, TDC */

static void test_dac_codes_match_program(void **state)
{
    aimrt_sim_dac_params params = aimrt_sim_dac_defaults();
    assert_int_equal(aimrt_sim_dac_check(&params, NULL), AIMRT_OK);
    assert_int_equal(aimrt_sim_dac_max_code(&params), 127);

    /* Every code round-trips and drives code / Q exactly. */
    for (int32_t c = -127; c <= 127; c++) {
        assert_int_equal(aimrt_sim_dac_quantize(&params, c / 127.0, NULL), c);
        assert_true(aimrt_sim_dac_drive(&params, c, NULL) == c / 127.0);
    }
    /* Ties go to the even code, as the program's round_half_even does. */
    assert_int_equal(aimrt_sim_dac_quantize(&params, 0.5, NULL), 64); /* 63.5 */
    assert_int_equal(aimrt_sim_dac_quantize(&params, -0.5, NULL), -64);
    assert_int_equal(aimrt_sim_dac_quantize(&params, 1.5, NULL), 127); /* clamp */
    assert_int_equal(aimrt_sim_dac_quantize(&params, -1.5, NULL), -127);
    assert_int_equal(aimrt_sim_dac_quantize(&params, NAN, NULL), 0);

    params.bits = 3;                                                 /* Q = 3 */
    assert_int_equal(aimrt_sim_dac_quantize(&params, 0.5, NULL), 2); /* 1.5 */
    params.is_signed = false;
    params.bits = 2; /* Q = 3, codes 0 .. 3 */
    assert_int_equal(aimrt_sim_dac_max_code(&params), 3);
    assert_int_equal(aimrt_sim_dac_quantize(&params, -0.4, NULL), 0);
    assert_int_equal(aimrt_sim_dac_quantize(&params, 0.5, NULL), 2);
    params.bits = 3; /* Q = 7: x Q rounds to the nearest even integer */
    assert_int_equal(aimrt_sim_dac_quantize(&params, 2.5 / 7.0, NULL),
                     (int32_t)nearbyint(2.5 / 7.0 * 7.0));
}

static void test_dac_stochastic_rounding_unbiased(void **state)
{
    const aimrt_sim_dac_params params = {.bits = 8, .is_signed = true, .stochastic_rounding = true};
    const double x = 10.3 / 127.0;
    double *code = malloc(N_DRAWS * sizeof *code);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        code[s] = aimrt_sim_dac_quantize(&params, x, &where);
        assert_true(code[s] == 10.0 || code[s] == 11.0);
    }
    const moments m = measure(code, N_DRAWS);
    const double p = x * 127.0 - 10.0;
    const double se = sqrt(p * (1.0 - p) / N_DRAWS);
    print_message("DAC stochastic rounding of 10.3: mean %.4f (%.2f SE)\n", m.mean,
                  (m.mean - 10.0 - p) / se);
    assert_true(fabs(m.mean - (10.0 + p)) <= 5.0 * se);
    free(code);
}

static void test_dac_noise_and_asymmetry(void **state)
{
    aimrt_sim_dac_params params = {.bits = 8, .is_signed = true, .asymmetry = 0.1};
    assert_close(aimrt_sim_dac_drive(&params, -127, NULL), -0.9, 1e-15);
    assert_close(aimrt_sim_dac_drive(&params, 127, NULL), 1.0, 1e-15);

    params.asymmetry = 0.0;
    params.sigma_noise_norm = 0.02;
    double *noise = malloc(N_DRAWS * sizeof *noise);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        noise[s] = aimrt_sim_dac_drive(&params, 40, &where) - 40.0 / 127.0;
    }
    assert_normal("DAC input noise", noise, N_DRAWS, 0.02);
    free(noise);

    aimrt_error error = {0};
    params.asymmetry = 1.5;
    assert_int_equal(aimrt_sim_dac_check(&params, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "asymmetry 1.5"));
}

static void test_pwm_width_edge_and_jitter(void **state)
{
    aimrt_sim_pwm_params params = {
        .bits = 8, .is_signed = true, .t_lsb_s = 1e-9, .min_pulse_s = 3e-9, .asymmetry = 0.2};
    assert_int_equal(aimrt_sim_pwm_check(&params, NULL), AIMRT_OK);
    assert_close(aimrt_sim_pwm_width_s(&params, 5, 0.1e-9, NULL), 5.1e-9, 1e-15);
    assert_close(aimrt_sim_pwm_width_s(&params, -5, 0.1e-9, NULL), 5.1e-9, 1e-15);
    assert_true(aimrt_sim_pwm_width_s(&params, 0, 0.1e-9, NULL) == 0.0);
    assert_true(aimrt_sim_pwm_width_s(&params, 2, 0.1e-9, NULL) == 0.0); /* below 3 ns */
    assert_close(aimrt_sim_pwm_input_norm(&params, 127, 0.0, NULL), 1.0, 1e-15);
    assert_close(aimrt_sim_pwm_input_norm(&params, -127, 0.0, NULL), -0.8, 1e-15);

    /* Static edge error across rows, dynamic jitter across MVMs. */
    params.sigma_edge_s = 20e-12;
    params.sigma_jitter_s = 5e-12;
    double *x = malloc(N_DRAWS * sizeof *x);
    for (int64_t row = 0; row < N_DRAWS; row++) {
        const aimrt_sim_static_key key = static_key((uint64_t)row);
        x[row] = aimrt_sim_pwm_edge_error_s(&params, &key);
    }
    assert_normal("PWM edge error (s)", x, N_DRAWS, 20e-12);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        x[s] = aimrt_sim_pwm_width_s(&params, 100, 0.0, &where) - 100e-9;
    }
    assert_normal("PWM jitter (s)", x, N_DRAWS, 5e-12);
    free(x);

    aimrt_error error = {0};
    params.t_lsb_s = 0.0;
    assert_int_equal(aimrt_sim_pwm_check(&params, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "t_lsb_s 0"));
}

static void test_tdc_quantizes_and_saturates(void **state)
{
    const aimrt_sim_tdc_params params = {.bits = 4, .lsb_s = 1e-9};
    aimrt_sim_adc tdc;
    assert_int_equal(aimrt_sim_tdc_threshold_count(&params), 0);
    assert_int_equal(aimrt_sim_tdc_init(&tdc, &params, NULL, 0, NULL, NULL), AIMRT_OK);
    assert_int_equal(aimrt_sim_adc_convert(&tdc, 3.4e-9, NULL), 3);
    assert_int_equal(aimrt_sim_adc_convert(&tdc, 3.6e-9, NULL), 4);
    assert_int_equal(aimrt_sim_adc_convert(&tdc, 100e-9, NULL), 15);
    assert_int_equal(aimrt_sim_adc_convert(&tdc, -1e-9, NULL), 0);
    assert_close(aimrt_sim_adc_level(&tdc, 15), 15e-9, 1e-15);

    aimrt_error error = {0};
    const aimrt_sim_tdc_params bad = {.bits = 4, .lsb_s = -1.0};
    assert_int_equal(aimrt_sim_tdc_init(&tdc, &bad, NULL, 0, NULL, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "lsb_s -1"));
}

/* Noise terms */

static void test_output_noise_matches_sigma(void **state)
{
    const aimrt_sim_output_noise_params params = aimrt_sim_output_noise_defaults();
    double *x = malloc(N_DRAWS * sizeof *x);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        x[s] = aimrt_sim_output_noise(&params, &where);
    }
    assert_normal("output noise", x, N_DRAWS, 0.04);
    free(x);
    const aimrt_sim_output_noise_params off = {0};
    const aimrt_sim_dynamic_key where = draw_key(0);
    assert_true(aimrt_sim_output_noise(&off, &where) == 0.0);
}

static void test_ktc_noise_matches_sqrt_kt_c(void **state)
{
    /* 64.36 uV at 1 pF and 2.035 mV at 1 fF, 300 K (k = 1.380649e-23 J/K). */
    aimrt_sim_ktc_params params = {.capacitance_f = 1e-12, .temperature_k = 300.0, .n_samples = 1};
    assert_close(aimrt_sim_ktc_sigma_v(&params), 64.36e-6, 1e-3);
    params.capacitance_f = 1e-15;
    assert_close(aimrt_sim_ktc_sigma_v(&params), 2.035e-3, 1e-3);

    double *x = malloc(N_DRAWS * sizeof *x);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        x[s] = aimrt_sim_ktc_noise_v(&params, &where);
    }
    assert_normal("kT/C at 1 fF, 300 K (V)", x, N_DRAWS, sqrt(1.380649e-23 * 300.0 / 1e-15));

    /* Two samples add in variance; correlated double sampling removes it. */
    params.n_samples = 2;
    assert_close(aimrt_sim_ktc_sigma_v(&params), sqrt(2.0 * 1.380649e-23 * 300.0 / 1e-15), 1e-12);
    params.correlated_double_sampling = true;
    const aimrt_sim_dynamic_key where = draw_key(0);
    assert_true(aimrt_sim_ktc_noise_v(&params, &where) == 0.0);
    free(x);
}

static void test_injection_from_switch_device(void **state)
{
    /* W 1 um, L 0.1 um, C_ox 10 fF/um^2 (0.01 F/m^2): channel 1 fF per volt of
     * overdrive; alpha 0.5 into 100 fF gives a1 = 0.005. V_gate 1 V,
     * V_th 0.4 V: a0 injection -0.003 V; feedthrough 1 V * 0.1 fF / 100.1 fF. */
    const aimrt_sim_switch_device device = {.width_m = 1e-6,
                                            .length_m = 0.1e-6,
                                            .c_ox_f_per_m2 = 0.01,
                                            .v_gate_on_v = 1.0,
                                            .v_th_v = 0.4,
                                            .c_hold_f = 100e-15,
                                            .c_overlap_f = 0.1e-15,
                                            .v_clock_swing_v = 1.0,
                                            .injected_fraction = 0.5};
    const aimrt_sim_injection_params params = aimrt_sim_injection_from_device(&device);
    assert_close(params.a1, 0.005, 1e-12);
    assert_close(params.a0_v, -0.003 - 0.1 / 100.1, 1e-12);
    const aimrt_sim_switch_error nominal = {params.a0_v, params.a1};
    /* At V_in = 0.2: overdrive 0.4 V, injection -0.002 V. */
    assert_close(aimrt_sim_injection_apply(&params, &nominal, 0.2), 0.2 - 0.002 - 0.1 / 100.1,
                 1e-12);

    /* Per-switch spread of a0 and a1. */
    const aimrt_sim_injection_params spread = {.sigma_a0_v = 1e-3, .sigma_a1 = 2e-3, .scale = 0.5};
    double *a0 = malloc(N_DRAWS * sizeof *a0);
    double *a1 = malloc(N_DRAWS * sizeof *a1);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_static_key key = static_key((uint64_t)s);
        const aimrt_sim_switch_error e = aimrt_sim_injection_draw(&spread, &key);
        a0[s] = e.a0_v;
        a1[s] = e.a1;
    }
    assert_normal("injection a0 spread (V)", a0, N_DRAWS, 1e-3);
    assert_normal("injection a1 spread", a1, N_DRAWS, 2e-3);
    const aimrt_sim_switch_error drawn = {1e-3, 0.01};
    assert_close(aimrt_sim_injection_apply(&spread, &drawn, 0.5), 0.5 + 0.5 * (1e-3 + 0.005),
                 1e-12);
    free(a0);
    free(a1);
}

static void test_comparator_offset_and_noise(void **state)
{
    const aimrt_sim_comparator_params params = {.sigma_offset_v = 3e-3, .sigma_noise_v = 0.3e-3};
    double *x = malloc(N_DRAWS * sizeof *x);
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_static_key key = static_key((uint64_t)s);
        x[s] = aimrt_sim_comparator_offset_v(&params, &key);
    }
    assert_normal("comparator offset (V)", x, N_DRAWS, 3e-3);

    /* Input 0.5 sigma_n above an offset-free threshold: P(high) = Phi(0.5). */
    int64_t high = 0;
    for (int64_t s = 0; s < N_DRAWS; s++) {
        const aimrt_sim_dynamic_key where = draw_key(s);
        high += aimrt_sim_comparator_decide(&params, 0.0, 0.15e-3, &where, 3);
    }
    const double p = 0.5 * erfc(-0.5 / sqrt(2.0));
    const double se = sqrt(p * (1.0 - p) / N_DRAWS);
    const double measured = (double)high / N_DRAWS;
    print_message("comparator: P(high) expected %.4f, measured %.4f (%.2f SE)\n", p, measured,
                  (measured - p) / se);
    assert_true(fabs(measured - p) <= 5.0 * se);

    assert_true(aimrt_sim_comparator_decide(&params, 1e-3, -0.5e-3, NULL, 0));
    assert_false(aimrt_sim_comparator_decide(&params, -1e-3, 0.5e-3, NULL, 0));
    /* 3 mV on a 1 V/us ramp is 3 ns. */
    assert_close(aimrt_sim_comparator_time_offset_s(3e-3, 1e6), 3e-9, 1e-12);
    free(x);
}

/* Division schemes */

static void test_resistive_division_hand_worked(void **state)
{
    /* (1*0.1 + 2*0.2 + 3*0.3 + 4*0.5) uA / (1 + 2 + 3 + 4) uS = 3.4 / 10 V. */
    const double g[] = {1e-6, 2e-6, 3e-6};
    const double v[] = {0.1, 0.2, 0.3};
    const aimrt_sim_resistive_load load = {.g_load_siemens = 4e-6, .v_load_v = 0.5};
    assert_close(aimrt_sim_resistive_division_v(&load, 3, g, v), 0.34, 1e-14);
    const aimrt_sim_resistive_load open = {0};
    assert_close(aimrt_sim_resistive_division_v(&open, 3, g, v), 1.4 / 6.0, 1e-14);
    const double zero[] = {0.0, 0.0, 0.0};
    assert_true(isnan(aimrt_sim_resistive_division_v(&open, 3, zero, v)));
}

static void test_resistive_constant_sum_pairs(void **state)
{
    /* Pairs G+ = G0 + dG/2 at V_ref + x, G- = G0 - dG/2 at V_ref - x: the
     * node sits at V_ref + sum x_i dG_i / (2 N G0). */
    enum { N = 4 };
    const double g0 = 10e-6;
    const double v_ref = 0.3;
    const double dg[N] = {4e-6, -2e-6, 6e-6, 0.0};
    const double x[N] = {0.05, 0.1, -0.025, 0.2};
    double g[2 * N];
    double v[2 * N];
    double expected = 0.0;
    for (int i = 0; i < N; i++) {
        g[2 * i] = g0 + dg[i] / 2.0;
        g[2 * i + 1] = g0 - dg[i] / 2.0;
        v[2 * i] = v_ref + x[i];
        v[2 * i + 1] = v_ref - x[i];
        expected += x[i] * dg[i];
    }
    expected /= 2.0 * N * g0; /* (0.2 - 0.2 - 0.15) uA / 80 uS */
    assert_close(expected, -0.15 / 80.0, 1e-14);
    const aimrt_sim_resistive_load open = {0};
    assert_close(aimrt_sim_resistive_division_v(&open, 2 * N, g, v) - v_ref, expected, 1e-9);
}

static void test_capacitive_division_hand_worked(void **state)
{
    /* (1*0.1 - 2*0.1 + 1*0.2) fC / (1 + 2 + 1 + 1) fF = 0.02 V. */
    const double c[] = {1e-15, 2e-15, 1e-15};
    const double step[] = {0.1, -0.1, 0.2};
    const aimrt_sim_capacitive_node node = {.c_parasitic_f = 1e-15};
    assert_close(aimrt_sim_capacitive_division_v(&node, 3, c, step), 0.02, 1e-12);
    /* Polarity weights: the divider ratio stays C_u / (N C_u + C_p). */
    const double unit[] = {1e-15, 1e-15, 1e-15};
    const double polarity[] = {0.1, -0.1, 0.1};
    assert_close(aimrt_sim_capacitive_division_v(&node, 3, unit, polarity), 0.1 / 4.0, 1e-12);
}

static void test_charge_sharing_hand_worked(void **state)
{
    /* Four 1 fF caps at V_DD p_i (p = 1, 0, 1, 1), V_DD 0.8 V, C_p 4 fF:
     * N' = 4 + 4 = 8, V_out = 0.8 / 8 * 3 = 0.3 V. */
    const double c[] = {1e-15, 1e-15, 1e-15, 1e-15};
    const double v[] = {0.8, 0.0, 0.8, 0.8};
    const aimrt_sim_capacitive_node node = {.c_parasitic_f = 4e-15};
    assert_close(aimrt_sim_charge_sharing_v(&node, 4, c, v), 0.3, 1e-12);
}

static void test_parasitic_gain_and_spread(void **state)
{
    assert_close(aimrt_sim_parasitic_gain(10e-15, 2e-15), 10.0 / 12.0, 1e-14);
    const aimrt_sim_parasitic_params params = {.c_parasitic_f = 20e-15, .sigma_rel = 0.03};
    double *x = malloc(N_DRAWS * sizeof *x);
    for (int64_t col = 0; col < N_DRAWS; col++) {
        const aimrt_sim_static_key key = static_key((uint64_t)col);
        x[col] = aimrt_sim_parasitic_draw_f(&params, &key) / 20e-15 - 1.0;
    }
    assert_normal("parasitic C_p relative spread", x, N_DRAWS, 0.03);
    free(x);
}

static void test_integrate_fire_closed_form(void **state)
{
    /* theta C / I_u = 0.5 V * 100 fF / 10 uA = 5 ns. */
    const aimrt_sim_integrate_fire_params params = {
        .theta_v = 0.5, .c_node_f = 100e-15, .i_unit_a = 10e-6, .t_max_s = 1e-6};
    aimrt_sim_spike spikes[] = {{2e-9, 0.5}, {0.0, 1.0}, {1e-9, 2.0}};
    /* Closed form: (5 + 0*1 + 1*2 + 2*0.5) ns / 3.5 = 8 / 3.5 ns, after 2 ns. */
    const double expected = 8e-9 / 3.5;
    assert_close(aimrt_sim_integrate_fire_time_s(&params, spikes, 3), expected, 1e-12);

    /* A late input after the crossing does not move it: with w = 1 at 0 and
     * w = 1 at 20 ns, the node fires at 5 ns. */
    aimrt_sim_spike late[] = {{20e-9, 1.0}, {0.0, 1.0}};
    assert_close(aimrt_sim_integrate_fire_time_s(&params, late, 2), 5e-9, 1e-12);

    /* Too little charge in the window saturates at t_max. */
    const aimrt_sim_integrate_fire_params short_window = {
        .theta_v = 0.5, .c_node_f = 100e-15, .i_unit_a = 10e-6, .t_max_s = 4e-9};
    aimrt_sim_spike one[] = {{0.0, 1.0}};
    assert_true(aimrt_sim_integrate_fire_time_s(&short_window, one, 1) == 4e-9);
    aimrt_sim_spike negative[] = {{0.0, -1.0}};
    assert_true(aimrt_sim_integrate_fire_time_s(&short_window, negative, 1) == 4e-9);
}

static void test_circuit_rejects_invalid_params(void **state)
{
    aimrt_error error = {0};
    const aimrt_sim_ktc_params ktc = {.capacitance_f = 0.0, .temperature_k = 300.0, .n_samples = 1};
    assert_int_equal(aimrt_sim_circuit_check(NULL, &ktc, NULL, NULL, NULL, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "capacitance_f 0"));

    const aimrt_sim_comparator_params comparator = {.sigma_offset_v = -1e-3};
    assert_int_equal(aimrt_sim_circuit_check(NULL, NULL, NULL, &comparator, NULL, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "sigma_offset_v -0.001"));

    const aimrt_sim_integrate_fire_params fire = {
        .theta_v = 0.5, .c_node_f = 1e-15, .i_unit_a = NAN, .t_max_s = 1.0};
    assert_int_equal(aimrt_sim_circuit_check(NULL, NULL, NULL, NULL, NULL, &fire, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "i_unit_a"));

    const aimrt_sim_output_noise_params noise = aimrt_sim_output_noise_defaults();
    const aimrt_sim_parasitic_params parasitic = {.c_parasitic_f = 1e-15, .sigma_rel = 0.02};
    assert_int_equal(aimrt_sim_circuit_check(&noise, NULL, NULL, NULL, &parasitic, NULL, &error),
                     AIMRT_OK);
}

/* IR drop */

/*
 * Solves the tile's network by dense Gaussian elimination with partial
 * pivoting: unknowns are the row-wire nodes u[i][j] then the column-wire
 * nodes v[i][j]; every r is > 0. Returns the column currents in i_out.
 */
static void solve_direct(const aimrt_sim_wires *w, int n_rows, int n_cols, const double *g,
                         const double *v_in, double *i_out)
{
    const int n = 2 * n_rows * n_cols;
    double *a = calloc((size_t)n * (n + 1), sizeof *a);
    const double g_row = 1.0 / w->r_row_ohm;
    const double g_col = 1.0 / w->r_col_ohm;
#define A(r, c) a[(r) * (n + 1) + (c)]
    for (int i = 0; i < n_rows; i++) {
        for (int j = 0; j < n_cols; j++) {
            const int u = i * n_cols + j;
            const int v = n_rows * n_cols + u;
            const double gc = g[u];
            /* KCL at the row node u. */
            A(u, u) += gc;
            A(u, v) -= gc;
            if (j == 0) {
                A(u, u) += 1.0 / (w->r_row_ohm + w->r_driver_ohm);
                A(u, n) += v_in[i] / (w->r_row_ohm + w->r_driver_ohm);
            } else {
                A(u, u) += g_row;
                A(u, u - 1) -= g_row;
            }
            if (j < n_cols - 1) {
                A(u, u) += g_row;
                A(u, u + 1) -= g_row;
            }
            /* KCL at the column node v. */
            A(v, v) += gc;
            A(v, u) -= gc;
            if (i > 0) {
                A(v, v) += g_col;
                A(v, v - n_cols) -= g_col;
            }
            if (i == n_rows - 1) {
                A(v, v) += 1.0 / (w->r_col_ohm + w->r_sense_ohm);
            } else {
                A(v, v) += g_col;
                A(v, v + n_cols) -= g_col;
            }
        }
    }
    for (int k = 0; k < n; k++) {
        int pivot = k;
        for (int r = k + 1; r < n; r++)
            if (fabs(A(r, k)) > fabs(A(pivot, k)))
                pivot = r;
        for (int c = 0; c <= n; c++) {
            const double t = A(k, c);
            A(k, c) = A(pivot, c);
            A(pivot, c) = t;
        }
        for (int r = k + 1; r < n; r++) {
            const double f = A(r, k) / A(k, k);
            for (int c = k; c <= n; c++)
                A(r, c) -= f * A(k, c);
        }
    }
    double *x = calloc((size_t)n, sizeof *x);
    for (int k = n - 1; k >= 0; k--) {
        double s = A(k, n);
        for (int c = k + 1; c < n; c++)
            s -= A(k, c) * x[c];
        x[k] = s / A(k, k);
    }
#undef A
    for (int j = 0; j < n_cols; j++) {
        i_out[j] = 0.0;
        for (int i = 0; i < n_rows; i++) {
            const int u = i * n_cols + j;
            i_out[j] += g[u] * (x[u] - x[n_rows * n_cols + u]);
        }
    }
    free(a);
    free(x);
}

/* Runs the iterative solver with default settings and a tight tolerance. */
static void solve_iterative(const aimrt_sim_wires *w, int n_rows, int n_cols, const double *g,
                            const double *v_in, double *i_out, double *row_v)
{
    const int64_t n_work = aimrt_sim_ir_drop_solve_work(n_rows, n_cols);
    double *work = malloc((size_t)n_work * sizeof *work);
    aimrt_sim_ir_solver solver = aimrt_sim_ir_solver_defaults();
    solver.tolerance_v = 1e-15;
    solver.max_sweeps = 100000;
    aimrt_error error = {0};
    int32_t sweeps = 0;
    const aimrt_status status = aimrt_sim_ir_drop_solve(w, &solver, n_rows, n_cols, g, v_in, i_out,
                                                        work, n_work, &sweeps, &error);
    if (status != AIMRT_OK)
        fail_msg("%s", error.message);
    if (row_v)
        memcpy(row_v, work, (size_t)n_rows * n_cols * sizeof *row_v);
    free(work);
}

static void first_order(const aimrt_sim_wires *w, int n_rows, int n_cols, const double *g,
                        const double *v_in, double *i_out)
{
    double *work =
        malloc((size_t)aimrt_sim_ir_drop_first_order_work(n_rows, n_cols) * sizeof *work);
    assert_int_equal(aimrt_sim_wires_check(w, n_rows, n_cols, NULL), AIMRT_OK);
    aimrt_sim_ir_drop_first_order(w, n_rows, n_cols, g, v_in, i_out, work);
    free(work);
}

static void test_ir_drop_one_line_closed_form(void **state)
{
    /* One row of 8 cells at 10 uS driven at 0.2 V, columns clamped ideally:
     * equal cell currents I = 2 uA; node j drops r I sum_{k <= j} (8 - k),
     * the far end r I 8 * 9 / 2. */
    enum { M = 8 };
    double g[M];
    for (int j = 0; j < M; j++)
        g[j] = 10e-6;
    const double v_in = 0.2;
    const double current = 2e-6;
    aimrt_sim_wires w = {.r_row_ohm = 0.35};
    double out[M];
    first_order(&w, 1, M, g, &v_in, out);
    double drop = 0.0;
    for (int j = 0; j < M; j++) {
        drop += w.r_row_ohm * current * (M - j);
        assert_close(out[j], 10e-6 * (v_in - drop), 1e-13);
    }
    assert_close(drop, 0.35 * current * M * (M + 1) / 2.0, 1e-13);

    /* Small r G: the solver's node drops agree with the first-order drops
     * to within eps / (1 - eps) of the far-end drop, eps = r G M (M + 1) / 2. */
    double row_v[M];
    solve_iterative(&w, 1, M, g, &v_in, out, row_v);
    const double eps = 0.35 * 10e-6 * M * (M + 1) / 2.0;
    drop = 0.0;
    double worst = 0.0;
    for (int j = 0; j < M; j++) {
        drop += w.r_row_ohm * current * (M - j);
        worst = fmax(worst, fabs((v_in - row_v[j]) - drop));
    }
    print_message("IR drop one line, eps %.3g: first-order vs solver node drop %.3g of %.3g V\n",
                  eps, worst, drop);
    assert_true(worst <= eps / (1.0 - eps) * drop);

    /* Large r G: the solver matches a direct solve of the same network. */
    w.r_row_ohm = 1000.0;
    w.r_col_ohm = 1e-3; /* the direct solve needs r > 0 on every wire */
    double direct[M];
    solve_iterative(&w, 1, M, g, &v_in, out, NULL);
    solve_direct(&w, 1, M, g, &v_in, direct);
    for (int j = 0; j < M; j++)
        assert_close(out[j], direct[j], 1e-9);
}

/* Fills a tile with conductances in [0, g_max] and inputs in [0, v_max]. */
static void fill_tile(int n_rows, int n_cols, double g_max, double v_max, double *g, double *v)
{
    for (int k = 0; k < n_rows * n_cols; k++)
        g[k] = g_max * test_uniform(1000 + k);
    for (int i = 0; i < n_rows; i++)
        v[i] = v_max * test_uniform(5000 + i);
}

static void test_ir_drop_first_order_bound(void **state)
{
    /*
     * The first-order model leaves out terms of second order in r G N^2. With
     * eps = g_max (r_row M (M+1)/2 + r_col N (N+1)/2 + r_driver M + r_sense N),
     * the bound on the total path resistance times g_max, each column's
     * error stays below eps^2 / (1 - eps) N g_max v_max.
     */
    enum { N = 6, M = 5 };
    double g[N * M];
    double v[N];
    const double g_max = 25e-6;
    const double v_max = 0.2;
    fill_tile(N, M, g_max, v_max, g, v);
    double previous_error = 0.0;
    for (int halving = 0; halving < 3; halving++) {
        const double r = 200.0 / (1 << halving);
        const aimrt_sim_wires w = {
            .r_row_ohm = r, .r_col_ohm = r, .r_driver_ohm = r, .r_sense_ohm = r};
        const double eps = g_max * (r * M * (M + 1) / 2.0 + r * N * (N + 1) / 2.0 + r * M + r * N);
        double approx[M];
        double exact[M];
        first_order(&w, N, M, g, v, approx);
        solve_iterative(&w, N, M, g, v, exact, NULL);
        double error = 0.0;
        for (int j = 0; j < M; j++)
            error = fmax(error, fabs(approx[j] - exact[j]));
        const double bound = eps * eps / (1.0 - eps) * N * g_max * v_max;
        print_message("IR drop first order, eps %.4f: max error %.4g A, bound %.4g A\n", eps, error,
                      bound);
        assert_true(error <= bound);
        /* Second order: halving r divides the error by about 4. */
        if (halving > 0) {
            const double ratio = previous_error / error;
            print_message("  error ratio on halving r: %.3f\n", ratio);
            assert_true(ratio > 3.5 && ratio < 4.5);
        }
        previous_error = error;
    }
}

static void test_ir_drop_zero_resistance_ideal(void **state)
{
    enum { N = 4, M = 3 };
    double g[N * M];
    double v[N];
    fill_tile(N, M, 25e-6, 0.2, g, v);
    double ideal[M] = {0};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            ideal[j] += g[i * M + j] * v[i];

    const aimrt_sim_wires w = {0};
    double out[M];
    first_order(&w, N, M, g, v, out);
    for (int j = 0; j < M; j++)
        assert_true(out[j] == ideal[j]);
    solve_iterative(&w, N, M, g, v, out, NULL);
    for (int j = 0; j < M; j++)
        assert_true(out[j] == ideal[j]);
}

static void test_ir_drop_decreases_with_r(void **state)
{
    enum { N = 5, M = 4 };
    double g[N * M];
    double v[N];
    fill_tile(N, M, 25e-6, 0.2, g, v);
    double last_first[M];
    double last_exact[M];
    for (int step = 0; step <= 10; step++) {
        const double r = 20.0 * step;
        const aimrt_sim_wires w = {.r_row_ohm = r, .r_col_ohm = r};
        double approx[M];
        double exact[M];
        first_order(&w, N, M, g, v, approx);
        solve_iterative(&w, N, M, g, v, exact, NULL);
        for (int j = 0; j < M && step > 0; j++) {
            assert_true(approx[j] < last_first[j]);
            assert_true(exact[j] < last_exact[j]);
        }
        memcpy(last_first, approx, sizeof approx);
        memcpy(last_exact, exact, sizeof exact);
    }
}

static void test_ir_drop_solver_matches_direct(void **state)
{
    /* eps 0.74 with driver and sense resistance, SOR on. */
    enum { N = 4, M = 3 };
    double g[N * M];
    double v[N];
    fill_tile(N, M, 25e-6, 0.2, g, v);
    const aimrt_sim_wires w = {
        .r_row_ohm = 2000.0, .r_col_ohm = 1500.0, .r_driver_ohm = 500.0, .r_sense_ohm = 300.0};
    double direct[M];
    solve_direct(&w, N, M, g, v, direct);

    const int64_t n_work = aimrt_sim_ir_drop_solve_work(N, M);
    double work[2 * N * M + 2 * N];
    assert_int_equal(n_work, 2 * N * M + 2 * N);
    aimrt_sim_ir_solver solver = {.max_sweeps = 10000, .tolerance_v = 1e-15, .sor_omega = 1.3};
    double out[M];
    int32_t sweeps = 0;
    assert_int_equal(
        aimrt_sim_ir_drop_solve(&w, &solver, N, M, g, v, out, work, n_work, &sweeps, NULL),
        AIMRT_OK);
    print_message("IR drop solver, 4 x 3 tile, large r G: %d sweeps at omega 1.3\n", (int)sweeps);
    for (int j = 0; j < M; j++)
        assert_close(out[j], direct[j], 1e-9);
}

static void test_ir_drop_rejects_invalid(void **state)
{
    enum { N = 4, M = 3 };
    double g[N * M];
    double v[N];
    fill_tile(N, M, 25e-6, 0.2, g, v);
    double work[2 * N * M + 2 * N];
    double out[M];
    aimrt_error error = {0};
    aimrt_sim_ir_solver solver = aimrt_sim_ir_solver_defaults();

    const aimrt_sim_wires negative = {.r_row_ohm = -1.0};
    assert_int_equal(aimrt_sim_wires_check(&negative, N, M, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "r_row_ohm -1"));
    assert_int_equal(aimrt_sim_wires_check(&negative, 0, M, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "0 x 3"));

    const aimrt_sim_wires w = {.r_row_ohm = 2000.0, .r_col_ohm = 2000.0};
    assert_int_equal(aimrt_sim_ir_drop_solve(&w, &solver, N, M, g, v, out, work, 10, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "needs 32"));

    solver.sor_omega = 2.0;
    assert_int_equal(aimrt_sim_ir_drop_solve(&w, &solver, N, M, g, v, out, work, 32, NULL, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "sor_omega 2"));

    solver = aimrt_sim_ir_solver_defaults();
    solver.max_sweeps = 1;
    assert_int_equal(aimrt_sim_ir_drop_solve(&w, &solver, N, M, g, v, out, work, 32, NULL, &error),
                     AIMRT_ERR_NUMERIC);
    assert_non_null(strstr(error.message, "did not converge"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adc_ideal_error_uniform),
        cmocka_unit_test(test_adc_codes_saturate_at_range),
        cmocka_unit_test(test_adc_dnl_monotonic_below_lsb),
        cmocka_unit_test(test_adc_inl_bow_shape),
        cmocka_unit_test(test_adc_integer_sums_exact),
        cmocka_unit_test(test_adc_noise_matches_sigma),
        cmocka_unit_test(test_adc_rejects_invalid_params),
        cmocka_unit_test(test_adc_energy_walden),
        cmocka_unit_test(test_dac_codes_match_program),
        cmocka_unit_test(test_dac_stochastic_rounding_unbiased),
        cmocka_unit_test(test_dac_noise_and_asymmetry),
        cmocka_unit_test(test_pwm_width_edge_and_jitter),
        cmocka_unit_test(test_tdc_quantizes_and_saturates),
        cmocka_unit_test(test_output_noise_matches_sigma),
        cmocka_unit_test(test_ktc_noise_matches_sqrt_kt_c),
        cmocka_unit_test(test_injection_from_switch_device),
        cmocka_unit_test(test_comparator_offset_and_noise),
        cmocka_unit_test(test_resistive_division_hand_worked),
        cmocka_unit_test(test_resistive_constant_sum_pairs),
        cmocka_unit_test(test_capacitive_division_hand_worked),
        cmocka_unit_test(test_charge_sharing_hand_worked),
        cmocka_unit_test(test_parasitic_gain_and_spread),
        cmocka_unit_test(test_integrate_fire_closed_form),
        cmocka_unit_test(test_circuit_rejects_invalid_params),
        cmocka_unit_test(test_ir_drop_one_line_closed_form),
        cmocka_unit_test(test_ir_drop_first_order_bound),
        cmocka_unit_test(test_ir_drop_zero_resistance_ideal),
        cmocka_unit_test(test_ir_drop_decreases_with_r),
        cmocka_unit_test(test_ir_drop_solver_matches_direct),
        cmocka_unit_test(test_ir_drop_rejects_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
