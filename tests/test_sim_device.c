/* SPDX-License-Identifier: MIT */
/*
 * The simulator's random streams and device models: known-answer vectors of
 * Philox4x32-10, stream independence, moments of the draws, the PCM numbers
 * of Nandakumar et al., ICECS 2019 (as aihwkit codes them), faults, levels and
 * RRAM relaxation. Statistical checks use fixed seeds and a tolerance of five
 * standard errors of the sample; each prints what it measured.
 */
#include "test_support.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/u01fixedpt.h>

#include "sim/device_generic.h"
#include "sim/device_pcm.h"
#include "sim/random.h"

#define N_DRAWS 100000
#define N_SIGMA 5.0
#define SEED UINT64_C(20240611)
#define PI 3.14159265358979323846

/* The rows of the evaluated PCM model: g = G_T / G_max and the values
 * computed from the published formulas with G_max 25 uS, t0 20 s, t_read
 * 250 ns (t is the time since programming). */
typedef struct pcm_row {
    double g;
    double sigma_prog_us;
    double mu_nu;
    double sigma_nu;
    double q_s;
    double read_noise_hour;
    double read_noise_day;
    double drift_hour;
    double drift_day;
} pcm_row;

static const pcm_row pcm_table[] = {
    {0.05, 0.359, 0.0708, 0.0315, 0.0617, 0.294, 0.314, 0.692, 0.553},
    {0.10, 0.448, 0.0601, 0.0229, 0.0393, 0.187, 0.200, 0.732, 0.605},
    {0.25, 0.681, 0.0490, 0.0114, 0.0217, 0.103, 0.110, 0.775, 0.664},
    {0.50, 0.953, 0.0490, 0.0080, 0.0138, 0.0658, 0.0702, 0.775, 0.664},
    {1.00, 1.055, 0.0490, 0.0080, 0.0088, 0.0419, 0.0448, 0.775, 0.664},
};
#define N_PCM_ROWS ((int)(sizeof pcm_table / sizeof pcm_table[0]))

static const double hour_s = 3600.0;
static const double day_s = 86400.0;

/* Sample mean and variance with their standard errors; the error of the
 * variance uses the sample's fourth central moment. */
typedef struct sample_stats {
    double mean;
    double var;
    double se_mean;
    double se_var;
} sample_stats;

static sample_stats stats_of(const double *v, int64_t n)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += v[i];
    const double mean = sum / (double)n;
    double m2 = 0.0, m4 = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const double d2 = (v[i] - mean) * (v[i] - mean);
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= (double)n;
    m4 /= (double)n;
    const double var = m2 * (double)n / (double)(n - 1);
    return (sample_stats){mean, var, sqrt(var / (double)n), sqrt((m4 - m2 * m2) / (double)n)};
}

/* Fails with the label, both values and the tolerance unless |actual - expected| <= tolerance. */
static void check_close(const char *label, double actual, double expected, double tolerance)
{
    print_message("%s: measured %.6g, expected %.6g, tolerance %.3g\n", label, actual, expected,
                  tolerance);
    if (!(fabs(actual - expected) <= tolerance))
        fail_msg("%s: %.9g differs from %.9g by more than %.3g", label, actual, expected,
                 tolerance);
}

static void check_stats(const char *label, const double *v, int64_t n, double mean, double var)
{
    const sample_stats s = stats_of(v, n);
    char name[160];
    snprintf(name, sizeof name, "%s mean", label);
    check_close(name, s.mean, mean, N_SIGMA * s.se_mean);
    snprintf(name, sizeof name, "%s variance", label);
    check_close(name, s.var, var, N_SIGMA * s.se_var);
}

static double normal_cdf(double a)
{
    return 0.5 * erfc(-a / sqrt(2.0));
}

static double normal_pdf(double a)
{
    return exp(-0.5 * a * a) / sqrt(2.0 * PI);
}

/* Mean and variance of max(0, X) for X ~ N(m, s^2), the censored normal. */
static void censored_normal_moments(double m, double s, double *mean, double *var)
{
    const double a = m / s;
    const double first = m * normal_cdf(a) + s * normal_pdf(a);
    const double second = (m * m + s * s) * normal_cdf(a) + m * s * normal_pdf(a);
    *mean = first;
    *var = second - first * first;
}

/* E[exp(-|mu + s z| L)] over z ~ N(0, 1), by Simpson's rule on [-12, 12]. */
static double expected_drift_factor(double mu, double s, double log_ratio)
{
    const int n = 4000;
    const double lo = -12.0, h = 24.0 / n;
    double sum = 0.0;
    for (int k = 0; k <= n; k++) {
        const double z = lo + k * h;
        const double weight = (k == 0 || k == n) ? 1.0 : (k % 2 ? 4.0 : 2.0);
        sum += weight * exp(-fabs(mu + s * z) * log_ratio) * normal_pdf(z);
    }
    return sum * h / 3.0;
}

static double *draws_alloc(void)
{
    double *v = malloc(sizeof(double) * N_DRAWS);
    assert_non_null(v);
    return v;
}

static aimrt_sim_static_key cell_key(uint32_t tile, uint64_t cell)
{
    return (aimrt_sim_static_key){.seed = SEED, .tile = tile, .effect = 0, .cell = cell};
}

/* ---- random streams ---- */

/* Random123 tests/kat_vectors, philox4x32 10 (ctr[4] key[2] -> out[4]):
 * 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0 -> d16cfe09 94fdcceb 5001e420 24126ea1,
 * ffffffff x6 -> 408f276d 41c83b0e a20bc7c6 6d5451fd. The keys below unpack
 * to those counters under the documented layout. */
static void test_random_philox_known_answers(void **state)
{
    (void)state;
    const aimrt_sim_static_key s = {.seed = UINT64_C(0x299f31d0a4093822),
                              .tile = 0x85a308d3u,
                              .effect = 0x03u,
                              .cell = UINT64_C(0x0070734413198a2e)};
    const double u_static = (0.5 + (double)(UINT64_C(0x94fdccebd16cfe09) >> 12)) * 0x1p-52;
    assert_true(aimrt_sim_uniform_static(&s, 0x243f6a88u) == u_static);

    const double u2 = (0.5 + (double)(UINT64_C(0x24126ea15001e420) >> 12)) * 0x1p-52;
    const double z_static = sqrt(-2.0 * log(u_static)) * cos(2.0 * PI * u2);
    assert_true(fabs(aimrt_sim_normal_static(&s, 0x243f6a88u) - z_static) <= 1e-15);

    const aimrt_sim_dynamic_key d = {.seed = UINT64_MAX,
                               .tile = 0x7fffu,
                               .effect = 0xffu,
                               .sample = AIMRT_SIM_RANDOM_DYNAMIC_MAX_SAMPLE,
                               .mvm = AIMRT_SIM_RANDOM_DYNAMIC_MAX_MVM,
                               .column = AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN};
    const double u_dynamic = (0.5 + (double)(UINT64_C(0x41c83b0e408f276d) >> 12)) * 0x1p-52;
    assert_true(aimrt_sim_uniform_dynamic(&d, 0xffu) == u_dynamic);
}

static void test_random_same_key_same_bits(void **state)
{
    (void)state;
    const aimrt_sim_static_key s = {SEED, 7, AIMRT_SIM_EFFECT_PROGRAMMING, 12345};
    const aimrt_sim_static_key s_copy = s;
    const aimrt_sim_dynamic_key d = {SEED, 3, AIMRT_SIM_EFFECT_READ_NOISE, 99, 5, 17};
    const aimrt_sim_dynamic_key d_copy = d;
    for (uint32_t i = 0; i < 8; i++) {
        assert_true(aimrt_sim_uniform_static(&s, i) == aimrt_sim_uniform_static(&s_copy, i));
        assert_true(aimrt_sim_normal_static(&s, i) == aimrt_sim_normal_static(&s_copy, i));
        assert_true(aimrt_sim_uniform_dynamic(&d, i) == aimrt_sim_uniform_dynamic(&d_copy, i));
        assert_true(aimrt_sim_normal_dynamic(&d, i) == aimrt_sim_normal_dynamic(&d_copy, i));
    }
}

static void test_random_draws_independent_of_order(void **state)
{
    (void)state;
    const aimrt_sim_static_key s = {SEED, 1, AIMRT_SIM_EFFECT_FAULT, 42};
    double forward[16], backward[16];
    for (int i = 0; i < 16; i++)
        forward[i] = aimrt_sim_normal_static(&s, (uint32_t)i);
    for (int i = 15; i >= 0; i--)
        backward[i] = aimrt_sim_normal_static(&s, (uint32_t)i);
    for (int i = 0; i < 16; i++)
        assert_true(forward[i] == backward[i]);
}

static void test_random_each_field_changes_value(void **state)
{
    (void)state;
    const aimrt_sim_static_key s = {SEED, 2, AIMRT_SIM_EFFECT_PROGRAMMING, 1000};
    const double base_static = aimrt_sim_uniform_static(&s, 0);
    aimrt_sim_static_key other = s;
    other.seed++;
    assert_true(aimrt_sim_uniform_static(&other, 0) != base_static);
    other = s;
    other.tile++;
    assert_true(aimrt_sim_uniform_static(&other, 0) != base_static);
    other = s;
    other.effect = AIMRT_SIM_EFFECT_DRIFT_NU;
    assert_true(aimrt_sim_uniform_static(&other, 0) != base_static);
    other = s;
    other.cell++;
    assert_true(aimrt_sim_uniform_static(&other, 0) != base_static);
    other = s;
    other.cell += UINT64_C(1) << 40; /* high cell bits reach the counter too */
    assert_true(aimrt_sim_uniform_static(&other, 0) != base_static);
    assert_true(aimrt_sim_uniform_static(&s, 1) != base_static);

    const aimrt_sim_dynamic_key d = {SEED, 2, AIMRT_SIM_EFFECT_PROGRAMMING, 1000, 0, 0};
    const double base_dynamic = aimrt_sim_uniform_dynamic(&d, 0);
    assert_true(base_dynamic != aimrt_sim_uniform_static(&(aimrt_sim_static_key){SEED, 2, 1, 1000}, 0));
    aimrt_sim_dynamic_key dother = d;
    dother.seed++;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    dother = d;
    dother.tile++;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    dother = d;
    dother.effect = AIMRT_SIM_EFFECT_OUTPUT_NOISE;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    dother = d;
    dother.sample++;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    dother = d;
    dother.sample += INT64_C(1) << 36;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    dother = d;
    dother.mvm++;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    dother = d;
    dother.column++;
    assert_true(aimrt_sim_uniform_dynamic(&dother, 0) != base_dynamic);
    assert_true(aimrt_sim_uniform_dynamic(&d, 1) != base_dynamic);
}

static void test_random_uniform_moments(void **state)
{
    (void)state;
    double *v = draws_alloc();
    double *w = draws_alloc();
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key s = {SEED, 5, AIMRT_SIM_EFFECT_FAULT, (uint64_t)k};
        const aimrt_sim_dynamic_key d = {SEED, 5, AIMRT_SIM_EFFECT_ADC, k / 64, k % 64, 3};
        v[k] = aimrt_sim_uniform_static(&s, 0);
        w[k] = aimrt_sim_uniform_dynamic(&d, 0);
        assert_true(v[k] > 0.0 && v[k] < 1.0);
        assert_true(w[k] > 0.0 && w[k] < 1.0);
    }
    check_stats("uniform static", v, N_DRAWS, 0.5, 1.0 / 12.0);
    check_stats("uniform dynamic", w, N_DRAWS, 0.5, 1.0 / 12.0);

    /* The extreme 64-bit words still map inside (0, 1). */
    assert_true(u01fixedpt_open_open_64_double(0) > 0.0);
    assert_true(u01fixedpt_open_open_64_double(UINT64_MAX) < 1.0);
    free(v);
    free(w);
}

static void test_random_normal_moments(void **state)
{
    (void)state;
    double *v = draws_alloc();
    double *w = draws_alloc();
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key s = {SEED, 6, AIMRT_SIM_EFFECT_PROGRAMMING, (uint64_t)k};
        const aimrt_sim_dynamic_key d = {SEED, 6, AIMRT_SIM_EFFECT_READ_NOISE, k, 0, 0};
        v[k] = aimrt_sim_normal_static(&s, 0);
        w[k] = aimrt_sim_normal_dynamic(&d, 0);
        assert_true(isfinite(v[k]) && isfinite(w[k]));
    }
    check_stats("normal static", v, N_DRAWS, 0.0, 1.0);
    check_stats("normal dynamic", w, N_DRAWS, 0.0, 1.0);
    free(v);
    free(w);
}

/* ---- PCM model ---- */

static void test_pcm_table_analytic_values(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    for (int r = 0; r < N_PCM_ROWS; r++) {
        const pcm_row *row = &pcm_table[r];
        const double g_us = row->g * p.g_max_us;
        char label[96];
        /* The table is rounded to its last digit: allow half a unit of it. */
        snprintf(label, sizeof label, "g=%.2f sigma_prog_us", row->g);
        check_close(label, aimrt_sim_pcm_programming_sigma_us(&p, g_us), row->sigma_prog_us, 5e-4);
        snprintf(label, sizeof label, "g=%.2f mu_nu", row->g);
        check_close(label, aimrt_sim_pcm_nu_mean(&p, g_us), row->mu_nu, 5e-5);
        snprintf(label, sizeof label, "g=%.2f sigma_nu", row->g);
        check_close(label, aimrt_sim_pcm_nu_std(&p, g_us), row->sigma_nu, 5e-5);
        snprintf(label, sizeof label, "g=%.2f Q_s", row->g);
        check_close(label, aimrt_sim_pcm_read_noise_q_s(&p, g_us), row->q_s, 5e-5);
        snprintf(label, sizeof label, "g=%.2f read noise 1 h", row->g);
        check_close(label, aimrt_sim_pcm_read_noise_relative(&p, g_us, hour_s),
                    row->read_noise_hour, row->read_noise_hour < 0.1 ? 5e-5 : 5e-4);
        snprintf(label, sizeof label, "g=%.2f read noise 1 day", row->g);
        check_close(label, aimrt_sim_pcm_read_noise_relative(&p, g_us, day_s), row->read_noise_day,
                    row->read_noise_day < 0.1 ? 5e-5 : 5e-4);
        const double mu = aimrt_sim_pcm_nu_mean(&p, g_us);
        snprintf(label, sizeof label, "g=%.2f drift factor at mean nu 1 h", row->g);
        check_close(label, aimrt_sim_pcm_drift_factor(&p, mu, hour_s), row->drift_hour, 5e-4);
        snprintf(label, sizeof label, "g=%.2f drift factor at mean nu 1 day", row->g);
        check_close(label, aimrt_sim_pcm_drift_factor(&p, mu, day_s), row->drift_day, 5e-4);
    }

    /* At t = 0 the logarithm is taken of t0 + t_read: sqrt(ln(20 s / 500 ns)) = 4.18,
     * so the noise at full conductance is 0.0088 * 4.18 = 3.7 %. */
    check_close("read noise at t = 0, g = 1",
                aimrt_sim_pcm_read_noise_relative(&p, p.g_max_us, 0.0) / p.q_coeff, 4.18, 5e-3);
}

static void test_pcm_programming_noise_moments(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    double *v = draws_alloc();
    for (int r = 0; r < N_PCM_ROWS; r++) {
        const double g_us = pcm_table[r].g * p.g_max_us;
        const double sigma_us =
            0.26348 + 1.9650 * pcm_table[r].g - 1.1731 * pcm_table[r].g * pcm_table[r].g;
        for (int64_t k = 0; k < N_DRAWS; k++) {
            const aimrt_sim_static_key cell = cell_key((uint32_t)r, (uint64_t)k);
            v[k] = aimrt_sim_pcm_program_cell(&p, g_us, &cell);
            assert_true(v[k] >= 0.0);
        }
        double mean, var;
        censored_normal_moments(g_us, sigma_us, &mean, &var);
        char label[64];
        snprintf(label, sizeof label, "programmed G at g=%.2f (uS)", pcm_table[r].g);
        check_stats(label, v, N_DRAWS, mean, var);
    }

    /* A zero target is clipped at 0 about half the time, never below. */
    int64_t zeros = 0;
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key cell = cell_key(99, (uint64_t)k);
        const double g = aimrt_sim_pcm_program_cell(&p, 0.0, &cell);
        assert_true(g >= 0.0);
        zeros += g == 0.0;
    }
    check_close("fraction clipped at zero target", (double)zeros / N_DRAWS, 0.5,
                N_SIGMA * sqrt(0.25 / N_DRAWS));
    free(v);
}

static void test_pcm_drift_factor_one_at_zero(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    assert_true(aimrt_sim_pcm_drift_factor(&p, 0.1, 0.0) == 1.0);
    assert_true(aimrt_sim_pcm_drift_factor(&p, 0.1, -5.0) == 1.0);
    assert_true(aimrt_sim_pcm_drift_factor(&p, 0.0, day_s) == 1.0);
    assert_true(aimrt_sim_pcm_drift_factor(&p, 0.05, 1.0) < 1.0);

    /* With the accumulated read noise off the conductance at t = 0 is the programmed one. */
    p.read_noise_scale = 0.0;
    assert_true(aimrt_sim_pcm_at_time_us(&p, 12.5, 0.07, 0.0, 3.0) == 12.5);
}

/* The expected drift factor is E[((t + t0)/t0)^(-nu)] over nu = |N(mu_nu, sigma_nu)|,
 * larger than the factor at mean nu because the factor is convex in nu. */
static void test_pcm_drift_factor_expectation(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    double *hour = draws_alloc();
    double *day = draws_alloc();
    /* Published expectations after one day and excess over the factor at mean nu
     * after one hour, for g = 0.05, 0.1 and 1. */
    const struct {
        int row;
        double day_expected;
        double hour_excess;
    } cases[] = {{0, 0.570, 0.0115}, {1, 0.615, 0.0067}, {4, 0.665, 0.0009}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const double g_us = pcm_table[cases[c].row].g * p.g_max_us;
        const double mu = aimrt_sim_pcm_nu_mean(&p, g_us), s = aimrt_sim_pcm_nu_std(&p, g_us);
        const double log_hour = log((hour_s + p.t0_s) / p.t0_s);
        const double log_day = log((day_s + p.t0_s) / p.t0_s);
        const double e_hour = expected_drift_factor(mu, s, log_hour);
        const double e_day = expected_drift_factor(mu, s, log_day);
        char label[96];
        snprintf(label, sizeof label, "g=%.2f expected factor 1 day, quadrature",
                 pcm_table[cases[c].row].g);
        check_close(label, e_day, cases[c].day_expected, 5e-4);
        snprintf(label, sizeof label, "g=%.2f excess over mean-nu factor 1 h",
                 pcm_table[cases[c].row].g);
        check_close(label, e_hour / exp(-mu * log_hour) - 1.0, cases[c].hour_excess, 5e-5);

        for (int64_t k = 0; k < N_DRAWS; k++) {
            const aimrt_sim_static_key cell = cell_key(10 + (uint32_t)c, (uint64_t)k);
            const double nu = aimrt_sim_pcm_drift_nu_cell(&p, g_us, &cell);
            assert_true(nu >= 0.0);
            hour[k] = aimrt_sim_pcm_drift_factor(&p, nu, hour_s);
            day[k] = aimrt_sim_pcm_drift_factor(&p, nu, day_s);
        }
        const sample_stats sh = stats_of(hour, N_DRAWS), sd = stats_of(day, N_DRAWS);
        snprintf(label, sizeof label, "g=%.2f Monte Carlo factor 1 h", pcm_table[cases[c].row].g);
        check_close(label, sh.mean, e_hour, N_SIGMA * sh.se_mean);
        snprintf(label, sizeof label, "g=%.2f Monte Carlo factor 1 day", pcm_table[cases[c].row].g);
        check_close(label, sd.mean, e_day, N_SIGMA * sd.se_mean);
    }
    free(hour);
    free(day);
}

static void test_pcm_read_noise_moments(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    double *v = draws_alloc();
    const int rows[] = {0, 2, 4}; /* g = 0.05 (clipped at 0 now and then), 0.25, 1 */
    for (size_t c = 0; c < sizeof rows / sizeof rows[0]; c++) {
        const pcm_row *row = &pcm_table[rows[c]];
        const double g_us = row->g * p.g_max_us;
        const double nu = row->mu_nu;
        const double g_drift_us = g_us * aimrt_sim_pcm_drift_factor(&p, nu, day_s);
        for (int64_t k = 0; k < N_DRAWS; k++) {
            const aimrt_sim_static_key cell = cell_key(20 + (uint32_t)c, (uint64_t)k);
            v[k] = aimrt_sim_pcm_at_time_cell(&p, g_us, nu, day_s, &cell) / g_drift_us;
        }
        /* G / G_drift = max(0, 1 + r z), r = Q_s sqrt(ln((t + t0 + t_read) / (2 t_read))). */
        const double q_s = fmin(0.0088 / fmax(pow(row->g, 0.65), 1e-3), 0.2);
        const double r = q_s * sqrt(log((day_s + 20.0 + 250e-9) / (2.0 * 250e-9)));
        double mean, var;
        censored_normal_moments(1.0, r, &mean, &var);
        char label[64];
        snprintf(label, sizeof label, "G(1 day) / G_drift at g=%.2f", row->g);
        check_stats(label, v, N_DRAWS, mean, var);
    }
    free(v);
}

/* All effects but drift off and sigma_nu = 0: every conductance scales by
 * ((t + t0)/t0)^(-mu_nu) exactly, that is within 4 units in the last place
 * (pow and exp(log) round differently). */
static void test_pcm_drift_only_exact_scaling(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    p.prog_noise_scale = 0.0;
    p.read_noise_scale = 0.0;
    p.nu_std_min = 0.0;
    p.nu_std_max = 0.0;
    const double times_s[] = {0.0, 1.0, hour_s, day_s, 3.15e7};
    for (int64_t k = 0; k < 1000; k++) {
        const double g_target_us = 25.0 * (double)(k + 1) / 1000.0;
        const aimrt_sim_static_key cell = cell_key(30, (uint64_t)k);
        const double g_prog_us = aimrt_sim_pcm_program_cell(&p, g_target_us, &cell);
        assert_true(g_prog_us == g_target_us);
        const double nu = aimrt_sim_pcm_drift_nu_cell(&p, g_target_us, &cell);
        const double mu = aimrt_sim_pcm_nu_mean(&p, g_target_us);
        assert_true(nu == mu);
        for (size_t t = 0; t < sizeof times_s / sizeof times_s[0]; t++) {
            const double expected = g_target_us * pow((times_s[t] + p.t0_s) / p.t0_s, -mu);
            const double actual = aimrt_sim_pcm_at_time_cell(&p, g_prog_us, nu, times_s[t], &cell);
            if (fabs(actual - expected) > 4.0 * DBL_EPSILON * expected)
                fail_msg("cell %lld at t = %g s: %.17g, expected %.17g", (long long)k, times_s[t],
                         actual, expected);
        }
    }
}

static void test_pcm_params_check_names_field(void **state)
{
    (void)state;
    aimrt_sim_pcm_params p;
    aimrt_sim_pcm_params_defaults(&p);
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_pcm_params_check(&p, &error), AIMRT_OK);

    p.g_max_us = 0.0;
    assert_int_equal(aimrt_sim_pcm_params_check(&p, &error), AIMRT_ERR_INVALID_ARG);
    assert_int_equal(error.status, AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "g_max_us is 0"));

    aimrt_sim_pcm_params_defaults(&p);
    p.t0_s = NAN;
    assert_int_equal(aimrt_sim_pcm_params_check(&p, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "t0_s"));

    aimrt_sim_pcm_params_defaults(&p);
    p.nu_std_max = 0.001;
    assert_int_equal(aimrt_sim_pcm_params_check(&p, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "nu_std_max is 0.001"));
    assert_non_null(strstr(error.message, ">= 0.008"));
}

/* Output std by hand: |w| = (0.5, 1, 0.25), x = (1, 0.5, -2), so
 * sum |w| x^2 = 0.5 + 0.25 + 1 = 1.75 and sum x^2 = 5.25. */
static void test_read_noise_output_std_by_hand(void **state)
{
    (void)state;
    const float w[6] = {0.5f, 9.0f, -1.0f, 9.0f, 0.25f, 9.0f}; /* column 0 of 3 x 2, stride 2 */
    const float x[3] = {1.0f, 0.5f, -2.0f};
    const double s = 0.0175;
    check_close("PCM read noise std",
                aimrt_sim_read_noise_output_std(AIMRT_SIM_READ_NOISE_PCM, s, w, 2, x, 3),
                s * sqrt(1.75), 1e-15);
    check_close("additive read noise std",
                aimrt_sim_read_noise_output_std(AIMRT_SIM_READ_NOISE_ADDITIVE, s, w, 2, x, 3),
                s * sqrt(5.25), 1e-15);
    assert_true(aimrt_sim_read_noise_output_std(AIMRT_SIM_READ_NOISE_NONE, s, w, 2, x, 3) == 0.0);
    assert_true(aimrt_sim_read_noise_output_std(AIMRT_SIM_READ_NOISE_PCM, 0.0, w, 2, x, 3) == 0.0);
}

/* ---- generic device effects ---- */

static void test_window_target_mapping(void **state)
{
    (void)state;
    const aimrt_sim_window_params window = {.g_min_us = 2.0, .g_max_us = 42.0, .n_levels = 0};
    check_close("G_T of w = 0", aimrt_sim_window_target_us(&window, 0.0, 1.0), 2.0, 0.0);
    check_close("G_T of w = -0.25", aimrt_sim_window_target_us(&window, -0.25, 1.0), 12.0, 1e-14);
    check_close("G_T of w = 0.5 with w_max 2", aimrt_sim_window_target_us(&window, 0.5, 2.0), 12.0,
                1e-14);
    check_close("G_T of w beyond w_max", aimrt_sim_window_target_us(&window, 3.0, 2.0), 42.0, 0.0);
}

static void test_window_snap_to_levels(void **state)
{
    (void)state;
    const aimrt_sim_window_params window = {.g_min_us = 1.0, .g_max_us = 16.0, .n_levels = 4};
    const double levels[4] = {1.0, 6.0, 11.0, 16.0};
    int hits[4] = {0};
    for (int k = 0; k <= 3000; k++) {
        const double g = -5.0 + 30.0 * k / 3000.0;
        const double snapped = aimrt_sim_window_snap_us(&window, g);
        int level = -1;
        for (int l = 0; l < 4; l++)
            if (fabs(snapped - levels[l]) <= 1e-12)
                level = l;
        if (level < 0)
            fail_msg("%.17g snapped to %.17g, which is none of the 4 levels", g, snapped);
        hits[level]++;
        const double clipped = fmin(fmax(g, 1.0), 16.0);
        assert_true(fabs(snapped - clipped) <= 2.5 + 1e-12); /* nearest: within half a step */
    }
    for (int l = 0; l < 4; l++)
        assert_true(hits[l] > 0);
    assert_true(aimrt_sim_window_snap_us(&window, 8.5) == 11.0); /* halfway goes up */
    assert_true(aimrt_sim_window_snap_us(&window, 8.4) == 6.0);

    const aimrt_sim_window_params continuous = {.g_min_us = 1.0, .g_max_us = 16.0, .n_levels = 0};
    assert_true(aimrt_sim_window_snap_us(&continuous, 7.3) == 7.3);
    assert_true(aimrt_sim_window_snap_us(&continuous, 20.0) == 16.0);
}

static void test_prog_noise_relative_std(void **state)
{
    (void)state;
    double *v = draws_alloc();
    const aimrt_sim_prog_noise_params of_max = {
        .s_rel = 0.05, .reference = AIMRT_SIM_PROG_NOISE_OF_G_MAX, .g_max_us = 40.0};
    const aimrt_sim_prog_noise_params of_target = {
        .s_rel = 0.05, .reference = AIMRT_SIM_PROG_NOISE_OF_TARGET, .g_max_us = 40.0};
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key cell = cell_key(40, (uint64_t)k);
        v[k] = aimrt_sim_prog_noise_cell(&of_max, 20.0, &cell);
    }
    check_stats("relative to G_max, G_T 20 uS", v, N_DRAWS, 20.0, 4.0);
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key cell = cell_key(41, (uint64_t)k);
        v[k] = aimrt_sim_prog_noise_cell(&of_target, 10.0, &cell);
    }
    check_stats("relative to G_T, G_T 10 uS", v, N_DRAWS, 10.0, 0.25);
    free(v);
}

static void test_fault_fractions_match_p(void **state)
{
    (void)state;
    const aimrt_sim_fault_params faults = {.p_sa0 = 0.01, .p_sa1 = 0.005, .p_random = 0.003};
    const aimrt_sim_window_params window = {.g_min_us = 0.5, .g_max_us = 25.0, .n_levels = 8};
    int64_t counts[AIMRT_SIM_FAULT_COUNT] = {0};
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key cell = cell_key(50, (uint64_t)k);
        aimrt_sim_fault fault;
        const double g = aimrt_sim_fault_cell(&faults, &window, 12.3, &cell, &fault);
        counts[fault]++;
        switch (fault) {
        case AIMRT_SIM_FAULT_SA0:
            assert_true(g == 0.5);
            break;
        case AIMRT_SIM_FAULT_SA1:
            assert_true(g == 25.0);
            break;
        case AIMRT_SIM_FAULT_RANDOM:
            assert_true(g == aimrt_sim_window_snap_us(&window, g));
            break;
        default:
            assert_true(g == 12.3);
        }
    }
    const double p[AIMRT_SIM_FAULT_COUNT] = {0.982, 0.01, 0.005, 0.003};
    const char *names[AIMRT_SIM_FAULT_COUNT] = {"none", "SA0", "SA1", "random"};
    for (int f = 0; f < AIMRT_SIM_FAULT_COUNT; f++) {
        char label[64];
        snprintf(label, sizeof label, "fraction of %s cells", names[f]);
        check_close(label, (double)counts[f] / N_DRAWS, p[f],
                    N_SIGMA * sqrt(p[f] * (1.0 - p[f]) / N_DRAWS));
    }
}

static void test_rram_drift_log_time(void **state)
{
    (void)state;
    aimrt_sim_rram_drift_params p;
    aimrt_sim_rram_drift_params_defaults(&p);
    double *v = draws_alloc();

    /* At t = 0 the device keeps its programmed value. */
    assert_true(aimrt_sim_rram_at_time_us(&p, 30.0, 30.7, 0.0, 2.0) == 30.7);

    /* Before 1 s the time is clamped to 1 s: no mean shift, spread 0.4118 uS. */
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key cell = cell_key(60, (uint64_t)k);
        v[k] = aimrt_sim_rram_at_time_cell(&p, 30.0, 30.7, 0.5, &cell);
    }
    check_stats("RRAM G at 0.5 s (uS)", v, N_DRAWS, 30.0, 0.4118 * 0.4118);

    /* One day: mean -0.0890 ln 86400 = -1.0115 uS, spread 0.0420 ln 86400 + 0.4118. */
    const double log_day = log(day_s);
    const double spread = 0.0420 * log_day + 0.4118;
    for (int64_t k = 0; k < N_DRAWS; k++) {
        const aimrt_sim_static_key cell = cell_key(61, (uint64_t)k);
        v[k] = aimrt_sim_rram_at_time_cell(&p, 30.0, 30.7, day_s, &cell);
    }
    check_stats("RRAM G at 1 day (uS)", v, N_DRAWS, 30.0 - 0.0890 * log_day, spread * spread);
    free(v);
}

static void test_generic_params_check_names_field(void **state)
{
    (void)state;
    aimrt_error error = {0};
    const aimrt_sim_window_params one_level = {.g_min_us = 0.0, .g_max_us = 25.0, .n_levels = 1};
    assert_int_equal(aimrt_sim_window_params_check(&one_level, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "n_levels is 1"));
    const aimrt_sim_window_params inverted = {.g_min_us = 5.0, .g_max_us = 5.0, .n_levels = 0};
    assert_int_equal(aimrt_sim_window_params_check(&inverted, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "g_max_us is 5"));
    const aimrt_sim_window_params good = {.g_min_us = 0.0, .g_max_us = 25.0, .n_levels = 16};
    assert_int_equal(aimrt_sim_window_params_check(&good, &error), AIMRT_OK);

    const aimrt_sim_fault_params too_many = {.p_sa0 = 0.6, .p_sa1 = 0.5, .p_random = 0.0};
    assert_int_equal(aimrt_sim_fault_params_check(&too_many, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "sum to 1.1"));
    const aimrt_sim_fault_params negative = {.p_sa0 = -0.1, .p_sa1 = 0.0, .p_random = 0.0};
    assert_int_equal(aimrt_sim_fault_params_check(&negative, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "p_sa0 is -0.1"));

    const aimrt_sim_prog_noise_params bad_reference = {
        .s_rel = 0.01, .reference = 7, .g_max_us = 1.0};
    assert_int_equal(aimrt_sim_prog_noise_params_check(&bad_reference, &error),
                     AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "reference is 7"));

    aimrt_sim_rram_drift_params drift;
    aimrt_sim_rram_drift_params_defaults(&drift);
    assert_int_equal(aimrt_sim_rram_drift_params_check(&drift, &error), AIMRT_OK);
    drift.t_min_s = 0.0;
    assert_int_equal(aimrt_sim_rram_drift_params_check(&drift, &error), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(error.message, "t_min_s is 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_philox_known_answers),
        cmocka_unit_test(test_random_same_key_same_bits),
        cmocka_unit_test(test_random_draws_independent_of_order),
        cmocka_unit_test(test_random_each_field_changes_value),
        cmocka_unit_test(test_random_uniform_moments),
        cmocka_unit_test(test_random_normal_moments),
        cmocka_unit_test(test_pcm_table_analytic_values),
        cmocka_unit_test(test_pcm_programming_noise_moments),
        cmocka_unit_test(test_pcm_drift_factor_one_at_zero),
        cmocka_unit_test(test_pcm_drift_factor_expectation),
        cmocka_unit_test(test_pcm_read_noise_moments),
        cmocka_unit_test(test_pcm_drift_only_exact_scaling),
        cmocka_unit_test(test_pcm_params_check_names_field),
        cmocka_unit_test(test_read_noise_output_std_by_hand),
        cmocka_unit_test(test_window_target_mapping),
        cmocka_unit_test(test_window_snap_to_levels),
        cmocka_unit_test(test_prog_noise_relative_std),
        cmocka_unit_test(test_fault_fractions_match_p),
        cmocka_unit_test(test_rram_drift_log_time),
        cmocka_unit_test(test_generic_params_check_names_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
