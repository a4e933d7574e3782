/* SPDX-License-Identifier: MIT */
/*
 * PCM statistical device model of the simulator. Programming noise, power-law
 * drift with a random exponent per device and accumulated 1/f read noise up
 * to the inference time follow Nandakumar et al., ICECS 2019, as aihwkit's
 * PCMLikeNoiseModel codes them. The short-term read noise of one MVM follows
 * aihwkit's forward pass.
 * Conductances are in uS, times in s, weights and outputs in normalized units.
 */
#ifndef AIMRT_SIM_DEVICE_PCM_H
#define AIMRT_SIM_DEVICE_PCM_H

#include <stdint.h>

#include "aimrt/aimrt.h"
#include "sim/random.h"

/* Parameters of the PCM model. aimrt_sim_pcm_params_defaults() fills the published
 * values; every field may be overridden by a target file. */
typedef struct aimrt_sim_pcm_params {
    double g_max_us; /* conductance of a weight of w_max, > 0 */

    /* Programming noise: sigma_us = c0 + c1 g + c2 g^2 with g = G_T / g_max_us,
     * fitted at prog_coeff_g_max_us and rescaled by g_max_us / prog_coeff_g_max_us. */
    double prog_coeff_us[3];
    double prog_coeff_g_max_us;
    double prog_noise_scale; /* multiplies sigma; 0 turns programming noise off */

    /* Drift: G(t) = G_prog ((t + t0) / t0)^(-nu), nu = |N(mu_nu(g), sigma_nu(g))|,
     * mu_nu = clamp(a ln g + b, min, max), likewise sigma_nu. */
    double t0_s;
    double nu_mean_slope;
    double nu_mean_intercept;
    double nu_mean_min;
    double nu_mean_max;
    double nu_std_slope;
    double nu_std_intercept;
    double nu_std_min;
    double nu_std_max;
    double nu_g_floor;  /* g below this is raised to it before ln g */
    double drift_scale; /* multiplies nu; 0 turns drift off */

    /* Accumulated 1/f read noise, relative to |G(t)|:
     * Q_s sqrt(ln((t + t0 + t_read) / (2 t_read))),
     * Q_s = min(q_coeff / max(g_p^q_exponent, q_min_denominator), q_max). */
    double t_read_s;
    double q_coeff;
    double q_exponent;
    double q_min_denominator;
    double q_max;
    double read_noise_scale; /* multiplies the accumulated read noise; 0 turns it off */
} aimrt_sim_pcm_params;

/* Short-term read noise of one MVM, referred to the output. */
typedef enum aimrt_sim_read_noise_type {
    AIMRT_SIM_READ_NOISE_NONE = 0,
    AIMRT_SIM_READ_NOISE_ADDITIVE = 1, /* N(0, s) per weight: output std s sqrt(sum x_i^2) */
    AIMRT_SIM_READ_NOISE_PCM = 2,      /* output std s sqrt(sum |w_i| x_i^2) */
    AIMRT_SIM_READ_NOISE_COUNT
} aimrt_sim_read_noise_type;

/* Fills the published defaults: G_max 25 uS, t0 20 s, t_read 250 ns and the
 * fits of Nandakumar 2019 as aihwkit codes them. */
void aimrt_sim_pcm_params_defaults(aimrt_sim_pcm_params *params);

/* Checks that every field is finite and in range. Returns AIMRT_OK, or
 * AIMRT_ERR_INVALID_ARG with a message that names the field and its value. */
aimrt_status aimrt_sim_pcm_params_check(const aimrt_sim_pcm_params *params, aimrt_error *error);

/* Returns the programming-noise standard deviation in uS at a target
 * conductance g_target_us in [0, g_max_us], including prog_noise_scale. */
double aimrt_sim_pcm_programming_sigma_us(const aimrt_sim_pcm_params *params, double g_target_us);

/* Returns the programmed conductance max(0, G_T + sigma z) for a standard
 * normal draw z. */
double aimrt_sim_pcm_program_us(const aimrt_sim_pcm_params *params, double g_target_us, double z);

/* Returns the mean and the standard deviation of the drift exponent at a
 * target conductance (before drift_scale). */
double aimrt_sim_pcm_nu_mean(const aimrt_sim_pcm_params *params, double g_target_us);
double aimrt_sim_pcm_nu_std(const aimrt_sim_pcm_params *params, double g_target_us);

/* Returns the drift exponent |mu_nu + sigma_nu z| * drift_scale for a
 * standard normal draw z. */
double aimrt_sim_pcm_drift_nu(const aimrt_sim_pcm_params *params, double g_target_us, double z);

/* Returns the drift factor ((t + t0) / t0)^(-nu) at t_s seconds since
 * programming; 1 at t_s <= 0. */
double aimrt_sim_pcm_drift_factor(const aimrt_sim_pcm_params *params, double nu, double t_s);

/* Returns Q_s of the accumulated read noise for a programmed conductance. */
double aimrt_sim_pcm_read_noise_q_s(const aimrt_sim_pcm_params *params, double g_prog_us);

/* Returns the standard deviation of the accumulated read noise at t_s >= 0,
 * relative to |G(t)|, including read_noise_scale. */
double aimrt_sim_pcm_read_noise_relative(const aimrt_sim_pcm_params *params, double g_prog_us,
                                         double t_s);

/* Returns the conductance at t_s seconds since programming: drift of g_prog_us
 * with exponent nu, plus accumulated read noise with standard normal draw z,
 * clipped at 0. */
double aimrt_sim_pcm_at_time_us(const aimrt_sim_pcm_params *params, double g_prog_us, double nu,
                                double t_s, double z);

/*
 * The same three static steps for one device, each drawing from its own
 * stream: cell gives the seed, tile and cell, and its effect field is
 * replaced by AIMRT_SIM_EFFECT_PROGRAMMING, AIMRT_SIM_EFFECT_DRIFT_NU or
 * AIMRT_SIM_EFFECT_READ_NOISE_ACCUMULATED. The accumulated read noise of a device
 * uses one draw at every t, so the device follows one trajectory over time.
 */
double aimrt_sim_pcm_program_cell(const aimrt_sim_pcm_params *params, double g_target_us,
                                  const aimrt_sim_static_key *cell);
double aimrt_sim_pcm_drift_nu_cell(const aimrt_sim_pcm_params *params, double g_target_us,
                                   const aimrt_sim_static_key *cell);
double aimrt_sim_pcm_at_time_cell(const aimrt_sim_pcm_params *params, double g_prog_us, double nu,
                                  double t_s, const aimrt_sim_static_key *cell);

/*
 * Returns the standard deviation of one output's short-term read noise for
 * one MVM, as aihwkit's forward w_noise of type PCM_READ or ADDITIVE_CONSTANT.
 * s is the noise per weight in normalized units. w holds the column's n_rows
 * weights in normalized units with stride w_stride, and x the n_rows inputs.
 * The caller draws one normal per output from a AIMRT_SIM_EFFECT_READ_NOISE stream.
 */
double aimrt_sim_read_noise_output_std(aimrt_sim_read_noise_type type, double s, const float *w,
                                       int64_t w_stride, const float *x, int64_t n_rows);

#endif
