/* SPDX-License-Identifier: MIT */
/*
 * PCM statistical device model: the formulas of Nandakumar et al., ICECS 2019,
 * as aihwkit's PCMLikeNoiseModel codes them (src/aihwkit/inference/noise/
 * pcm.py), and aihwkit's short-term read noise per MVM (rpucuda forward pass).
 * Pure functions of their parameters and draws; the *_cell variants take the
 * draws from the device's counter-based streams.
 */
#include "sim/device_pcm.h"

#include <math.h>

#include "sim/device_generic.h"

void aimrt_sim_pcm_params_defaults(aimrt_sim_pcm_params *params)
{
    /* Nandakumar 2019 fits as aihwkit's PCMLikeNoiseModel defaults. */
    *params = (aimrt_sim_pcm_params){
        .g_max_us = 25.0,
        .prog_coeff_us = {0.26348, 1.9650, -1.1731},
        .prog_coeff_g_max_us = 25.0,
        .prog_noise_scale = 1.0,
        .t0_s = 20.0,
        .nu_mean_slope = -0.0155,
        .nu_mean_intercept = 0.0244,
        .nu_mean_min = 0.049,
        .nu_mean_max = 0.1,
        .nu_std_slope = -0.0125,
        .nu_std_intercept = -0.0059,
        .nu_std_min = 0.008,
        .nu_std_max = 0.045,
        .nu_g_floor = 1e-7, /* aihwkit's _ZERO_CLIP, which keeps ln g finite */
        .drift_scale = 1.0,
        .t_read_s = 250e-9,
        .q_coeff = 0.0088,
        .q_exponent = 0.65,
        .q_min_denominator = 1e-3,
        .q_max = 0.2,
        .read_noise_scale = 1.0,
    };
}

aimrt_status aimrt_sim_pcm_params_check(const aimrt_sim_pcm_params *p, aimrt_error *error)
{
    const double inf = INFINITY;
    const struct {
        const char *name;
        double value, lo, hi;
        bool open_low;
    } fields[] = {
        {"g_max_us", p->g_max_us, 0, inf, true},
        {"prog_coeff_us[0]", p->prog_coeff_us[0], -inf, inf, true},
        {"prog_coeff_us[1]", p->prog_coeff_us[1], -inf, inf, true},
        {"prog_coeff_us[2]", p->prog_coeff_us[2], -inf, inf, true},
        {"prog_coeff_g_max_us", p->prog_coeff_g_max_us, 0, inf, true},
        {"prog_noise_scale", p->prog_noise_scale, 0, inf, false},
        {"t0_s", p->t0_s, 0, inf, true},
        {"nu_mean_slope", p->nu_mean_slope, -inf, inf, true},
        {"nu_mean_intercept", p->nu_mean_intercept, -inf, inf, true},
        {"nu_mean_min", p->nu_mean_min, -inf, inf, true},
        {"nu_mean_max", p->nu_mean_max, p->nu_mean_min, inf, false},
        {"nu_std_slope", p->nu_std_slope, -inf, inf, true},
        {"nu_std_intercept", p->nu_std_intercept, -inf, inf, true},
        {"nu_std_min", p->nu_std_min, 0, inf, false},
        {"nu_std_max", p->nu_std_max, p->nu_std_min, inf, false},
        {"nu_g_floor", p->nu_g_floor, 0, 1, true},
        {"drift_scale", p->drift_scale, 0, inf, false},
        {"t_read_s", p->t_read_s, 0, inf, true},
        {"q_coeff", p->q_coeff, 0, inf, false},
        {"q_exponent", p->q_exponent, -inf, inf, true},
        {"q_min_denominator", p->q_min_denominator, 0, inf, true},
        {"q_max", p->q_max, 0, inf, false},
        {"read_noise_scale", p->read_noise_scale, 0, inf, false},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        const aimrt_status status =
            aimrt_sim_param_check(error, "PCM", fields[k].name, fields[k].value, fields[k].lo,
                                  fields[k].hi, fields[k].open_low);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}

double aimrt_sim_pcm_programming_sigma_us(const aimrt_sim_pcm_params *p, double g_target_us)
{
    /* Nandakumar 2019: a quadratic in g = G_T / G_max, evaluated by Horner. Its
     * sign is irrelevant to a normal draw, so a fit that turns negative outside
     * [0, 1] still gives a valid spread. */
    const double g = g_target_us / p->g_max_us;
    const double sigma_ref_us =
        p->prog_coeff_us[0] + g * (p->prog_coeff_us[1] + g * p->prog_coeff_us[2]);
    return fabs(sigma_ref_us) * (p->g_max_us / p->prog_coeff_g_max_us) * p->prog_noise_scale;
}

double aimrt_sim_pcm_program_us(const aimrt_sim_pcm_params *p, double g_target_us, double z)
{
    /* aihwkit clips at 0: a device has no negative conductance. */
    const double g_prog_us = g_target_us + aimrt_sim_pcm_programming_sigma_us(p, g_target_us) * z;
    return g_prog_us > 0.0 ? g_prog_us : 0.0;
}

/* clamp(slope ln g + intercept, lo, hi) with g = |G_T| / G_max raised to the floor. */
static double clamp_log_fit(const aimrt_sim_pcm_params *p, double g_target_us, double slope,
                            double intercept, double lo, double hi)
{
    const double g = fmax(fabs(g_target_us) / p->g_max_us, p->nu_g_floor);
    const double value = slope * log(g) + intercept;
    return fmin(fmax(value, lo), hi);
}

double aimrt_sim_pcm_nu_mean(const aimrt_sim_pcm_params *p, double g_target_us)
{
    /* Nandakumar 2019: mu_nu = clamp(-0.0155 ln g + 0.0244, 0.049, 0.1). */
    return clamp_log_fit(p, g_target_us, p->nu_mean_slope, p->nu_mean_intercept, p->nu_mean_min,
                         p->nu_mean_max);
}

double aimrt_sim_pcm_nu_std(const aimrt_sim_pcm_params *p, double g_target_us)
{
    /* Nandakumar 2019: sigma_nu = clamp(-0.0125 ln g - 0.0059, 0.008, 0.045). */
    return clamp_log_fit(p, g_target_us, p->nu_std_slope, p->nu_std_intercept, p->nu_std_min,
                         p->nu_std_max);
}

double aimrt_sim_pcm_drift_nu(const aimrt_sim_pcm_params *p, double g_target_us, double z)
{
    /* The folded normal |N(mu_nu, sigma_nu)| of aihwkit: no device drifts upward. */
    const double nu =
        aimrt_sim_pcm_nu_mean(p, g_target_us) + aimrt_sim_pcm_nu_std(p, g_target_us) * z;
    return fabs(nu) * p->drift_scale;
}

double aimrt_sim_pcm_drift_factor(const aimrt_sim_pcm_params *p, double nu, double t_s)
{
    /* Nandakumar 2019 power law, t counted from the end of programming and
     * shifted by the fit constant t0, so t = 0 is the first read at t0. */
    if (!(t_s > 0.0))
        return 1.0;
    return exp(-nu * log((t_s + p->t0_s) / p->t0_s));
}

double aimrt_sim_pcm_read_noise_q_s(const aimrt_sim_pcm_params *p, double g_prog_us)
{
    /* Nandakumar 2019: Q_s = min(0.0088 / max(g_p^0.65, 1e-3), 0.2), g_p = |G_prog| / G_max. */
    const double g = fabs(g_prog_us) / p->g_max_us;
    const double denominator = fmax(pow(g, p->q_exponent), p->q_min_denominator);
    return fmin(p->q_coeff / denominator, p->q_max);
}

double aimrt_sim_pcm_read_noise_relative(const aimrt_sim_pcm_params *p, double g_prog_us,
                                         double t_s)
{
    /* Accumulated 1/f noise from programming to T = t + t0 (aihwkit adds t0
     * before the logarithm), so the argument stays above 1 even at t = 0:
     * sqrt(ln((T + t_read) / (2 t_read))). */
    const double total_s = fmax(t_s, 0.0) + p->t0_s;
    const double log_term = log((total_s + p->t_read_s) / (2.0 * p->t_read_s));
    return aimrt_sim_pcm_read_noise_q_s(p, g_prog_us) * sqrt(fmax(log_term, 0.0)) *
           p->read_noise_scale;
}

double aimrt_sim_pcm_at_time_us(const aimrt_sim_pcm_params *p, double g_prog_us, double nu,
                                double t_s, double z)
{
    const double g_drift_us = g_prog_us * aimrt_sim_pcm_drift_factor(p, nu, t_s);
    const double sigma_rel = aimrt_sim_pcm_read_noise_relative(p, g_prog_us, t_s);
    const double g_us = g_drift_us + fabs(g_drift_us) * sigma_rel * z;
    return g_us > 0.0 ? g_us : 0.0;
}

static double cell_normal(const aimrt_sim_static_key *cell, aimrt_sim_effect effect)
{
    aimrt_sim_static_key key = *cell;
    key.effect = (uint32_t)effect;
    return aimrt_sim_normal_static(&key, 0);
}

double aimrt_sim_pcm_program_cell(const aimrt_sim_pcm_params *p, double g_target_us,
                                  const aimrt_sim_static_key *cell)
{
    return aimrt_sim_pcm_program_us(p, g_target_us, cell_normal(cell, AIMRT_SIM_EFFECT_PROGRAMMING));
}

double aimrt_sim_pcm_drift_nu_cell(const aimrt_sim_pcm_params *p, double g_target_us,
                                   const aimrt_sim_static_key *cell)
{
    return aimrt_sim_pcm_drift_nu(p, g_target_us, cell_normal(cell, AIMRT_SIM_EFFECT_DRIFT_NU));
}

double aimrt_sim_pcm_at_time_cell(const aimrt_sim_pcm_params *p, double g_prog_us, double nu,
                                  double t_s, const aimrt_sim_static_key *cell)
{
    const double z = cell_normal(cell, AIMRT_SIM_EFFECT_READ_NOISE_ACCUMULATED);
    return aimrt_sim_pcm_at_time_us(p, g_prog_us, nu, t_s, z);
}

double aimrt_sim_read_noise_output_std(aimrt_sim_read_noise_type type, double s, const float *w,
                                       int64_t w_stride, const float *x, int64_t n_rows)
{
    /* aihwkit forward pass: ADDITIVE_CONSTANT adds s ||x||_2 per output;
     * PCM_READ adds s sqrt(sum_i |w_i| x_i^2), noise that grows with the
     * current the line carries. */
    if (type == AIMRT_SIM_READ_NOISE_NONE || !(s > 0.0))
        return 0.0;
    double sum = 0.0;
    for (int64_t i = 0; i < n_rows; i++) {
        const double x2 = (double)x[i] * (double)x[i];
        sum += type == AIMRT_SIM_READ_NOISE_PCM ? fabs((double)w[i * w_stride]) * x2 : x2;
    }
    return s * sqrt(sum);
}
