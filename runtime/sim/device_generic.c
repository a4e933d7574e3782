/* SPDX-License-Identifier: MIT */
/*
 * Technology-neutral static device effects: conductance window and levels
 * (the single-pair mapping of aihwkit's conductance converter), relative
 * programming noise, stuck-at faults (aihwkit's pcm_prob_at_reset, _at_gmax,
 * _at_random), and CMO/HfOx RRAM relaxation (aihwkit's ReRamCMONoiseModel).
 */
#include "sim/device_generic.h"

#include <math.h>

#include "program_internal.h"

aimrt_status aimrt_sim_param_check(aimrt_error *error, const char *model, const char *name,
                                   double value, double lo, double hi, bool open_low)
{
    const bool low_ok = open_low ? value > lo : value >= lo;
    if (isfinite(value) && low_ok && value <= hi)
        return AIMRT_OK;
    const char *low_op = open_low ? ">" : ">=";
    if (isfinite(lo) && isfinite(hi))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s parameter %s is %g; set it to a finite number %s %g and <= %g",
                               model, name, value, low_op, lo, hi);
    if (isfinite(lo))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s parameter %s is %g; set it to a finite number %s %g", model,
                               name, value, low_op, lo);
    return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                           "%s parameter %s is %g; set it to a finite number", model, name, value);
}

aimrt_status aimrt_sim_window_params_check(const aimrt_sim_window_params *p, aimrt_error *error)
{
    aimrt_status status =
        aimrt_sim_param_check(error, "window", "g_min_us", p->g_min_us, 0, INFINITY, false);
    if (status == AIMRT_OK)
        status = aimrt_sim_param_check(error, "window", "g_max_us", p->g_max_us, p->g_min_us,
                                       INFINITY, true);
    if (status == AIMRT_OK && (p->n_levels < 0 || p->n_levels == 1))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "window parameter n_levels is %d; set it to 0 (continuous) or to "
                               "2 or more levels",
                               (int)p->n_levels);
    return status;
}

aimrt_status aimrt_sim_prog_noise_params_check(const aimrt_sim_prog_noise_params *p,
                                               aimrt_error *error)
{
    if ((unsigned)p->reference >= AIMRT_SIM_PROG_NOISE_REFERENCE_COUNT)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "programming-noise parameter reference is %d; set it to %d "
                               "(fraction of g_max) or %d (fraction of the target)",
                               (int)p->reference, AIMRT_SIM_PROG_NOISE_OF_G_MAX,
                               AIMRT_SIM_PROG_NOISE_OF_TARGET);
    aimrt_status status =
        aimrt_sim_param_check(error, "programming-noise", "s_rel", p->s_rel, 0, INFINITY, false);
    if (status == AIMRT_OK)
        status = aimrt_sim_param_check(error, "programming-noise", "g_max_us", p->g_max_us, 0,
                                       INFINITY, false);
    return status;
}

aimrt_status aimrt_sim_fault_params_check(const aimrt_sim_fault_params *p, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_param_check(error, "fault", "p_sa0", p->p_sa0, 0, 1, false);
    if (status == AIMRT_OK)
        status = aimrt_sim_param_check(error, "fault", "p_sa1", p->p_sa1, 0, 1, false);
    if (status == AIMRT_OK)
        status = aimrt_sim_param_check(error, "fault", "p_random", p->p_random, 0, 1, false);
    if (status == AIMRT_OK && p->p_sa0 + p->p_sa1 + p->p_random > 1.0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "fault parameters p_sa0 + p_sa1 + p_random sum to %g; lower them "
                               "to a sum of at most 1",
                               p->p_sa0 + p->p_sa1 + p->p_random);
    return status;
}

aimrt_status aimrt_sim_rram_drift_params_check(const aimrt_sim_rram_drift_params *p,
                                               aimrt_error *error)
{
    aimrt_status status = aimrt_sim_param_check(error, "RRAM drift", "mean_us_per_ln_s",
                                                p->mean_us_per_ln_s, -INFINITY, INFINITY, true);
    if (status == AIMRT_OK)
        status = aimrt_sim_param_check(error, "RRAM drift", "std_us_per_ln_s", p->std_us_per_ln_s,
                                       -INFINITY, INFINITY, true);
    if (status == AIMRT_OK)
        status = aimrt_sim_param_check(error, "RRAM drift", "std_us", p->std_us, -INFINITY,
                                       INFINITY, true);
    if (status == AIMRT_OK)
        status =
            aimrt_sim_param_check(error, "RRAM drift", "t_min_s", p->t_min_s, 0, INFINITY, true);
    return status;
}

double aimrt_sim_window_target_us(const aimrt_sim_window_params *p, double w, double w_max)
{
    /* Single-pair mapping (aihwkit conductance converter): the device of the
     * weight's sign gets G_min + beta |w| with beta = (G_max - G_min) / w_max. */
    const double ratio = fmin(fabs(w) / w_max, 1.0);
    return p->g_min_us + ratio * (p->g_max_us - p->g_min_us);
}

double aimrt_sim_window_level_us(const aimrt_sim_window_params *p, int32_t k)
{
    const double step_us = (p->g_max_us - p->g_min_us) / (double)(p->n_levels - 1);
    return p->g_min_us + (double)k * step_us;
}

double aimrt_sim_window_snap_us(const aimrt_sim_window_params *p, double g_us)
{
    const double clipped_us = fmin(fmax(g_us, p->g_min_us), p->g_max_us);
    if (p->n_levels < 2)
        return clipped_us;
    const double position = (clipped_us - p->g_min_us) / (p->g_max_us - p->g_min_us);
    const double k = floor(position * (double)(p->n_levels - 1) + 0.5);
    return aimrt_sim_window_level_us(p, (int32_t)fmin(k, (double)(p->n_levels - 1)));
}

double aimrt_sim_prog_noise_sigma_us(const aimrt_sim_prog_noise_params *p, double g_target_us)
{
    const double reference_us =
        p->reference == AIMRT_SIM_PROG_NOISE_OF_TARGET ? fabs(g_target_us) : p->g_max_us;
    return p->s_rel * reference_us;
}

double aimrt_sim_prog_noise_apply_us(const aimrt_sim_prog_noise_params *p, double g_target_us,
                                     double z)
{
    /* Clipped at 0 as aihwkit does: a device has no negative conductance. */
    const double g_us = g_target_us + aimrt_sim_prog_noise_sigma_us(p, g_target_us) * z;
    return g_us > 0.0 ? g_us : 0.0;
}

double aimrt_sim_prog_noise_cell(const aimrt_sim_prog_noise_params *p, double g_target_us,
                                 const aimrt_sim_static_key *cell)
{
    aimrt_sim_static_key key = *cell;
    key.effect = AIMRT_SIM_EFFECT_PROGRAMMING;
    return aimrt_sim_prog_noise_apply_us(p, g_target_us, aimrt_sim_normal_static(&key, 0));
}

aimrt_sim_fault aimrt_sim_fault_classify(const aimrt_sim_fault_params *p, double u)
{
    if (u < p->p_sa0)
        return AIMRT_SIM_FAULT_SA0;
    if (u < p->p_sa0 + p->p_sa1)
        return AIMRT_SIM_FAULT_SA1;
    if (u < p->p_sa0 + p->p_sa1 + p->p_random)
        return AIMRT_SIM_FAULT_RANDOM;
    return AIMRT_SIM_FAULT_NONE;
}

double aimrt_sim_fault_apply_us(aimrt_sim_fault fault, const aimrt_sim_window_params *window,
                                double g_us, double u)
{
    switch (fault) {
    case AIMRT_SIM_FAULT_SA0:
        return window->g_min_us;
    case AIMRT_SIM_FAULT_SA1:
        return window->g_max_us;
    case AIMRT_SIM_FAULT_RANDOM:
        return aimrt_sim_window_snap_us(window, window->g_min_us +
                                                    u * (window->g_max_us - window->g_min_us));
    default:
        return g_us;
    }
}

double aimrt_sim_fault_cell(const aimrt_sim_fault_params *p, const aimrt_sim_window_params *window,
                            double g_us, const aimrt_sim_static_key *cell, aimrt_sim_fault *fault)
{
    aimrt_sim_static_key key = *cell;
    key.effect = AIMRT_SIM_EFFECT_FAULT;
    const aimrt_sim_fault drawn = aimrt_sim_fault_classify(p, aimrt_sim_uniform_static(&key, 0));
    if (fault)
        *fault = drawn;
    if (drawn != AIMRT_SIM_FAULT_RANDOM)
        return aimrt_sim_fault_apply_us(drawn, window, g_us, 0.0);
    return aimrt_sim_fault_apply_us(drawn, window, g_us, aimrt_sim_uniform_static(&key, 1));
}

void aimrt_sim_rram_drift_params_defaults(aimrt_sim_rram_drift_params *p)
{
    /* aihwkit ReRamCMONoiseModel decay fit (Falcone et al., CMO/HfOx RRAM);
     * t_min_s = 1 s keeps ln t >= 0, so the mean does not move before 1 s. */
    *p = (aimrt_sim_rram_drift_params){
        .mean_us_per_ln_s = -0.0890,
        .std_us_per_ln_s = 0.0420,
        .std_us = 0.4118,
        .t_min_s = 1.0,
    };
}

double aimrt_sim_rram_at_time_us(const aimrt_sim_rram_drift_params *p, double g_target_us,
                                 double g_prog_us, double t_s, double z)
{
    /* aihwkit ReRamCMONoiseModel: the fit describes the whole distribution at
     * t around the target, so it replaces the programming noise. At t = 0
     * the device keeps its programmed value, as in aihwkit. */
    if (!(t_s > 0.0))
        return g_prog_us;
    /* NOTE: between 0 s and t_min_s the spread jumps from the programming
     * noise to std_us (0.41 uS by default), because the fit starts at 1 s. */
    const double log_t = log(fmax(t_s, p->t_min_s));
    const double std_us = fabs(p->std_us_per_ln_s * log_t + p->std_us);
    const double g_us = g_target_us + p->mean_us_per_ln_s * log_t + std_us * z;
    return g_us > 0.0 ? g_us : 0.0;
}

double aimrt_sim_rram_at_time_cell(const aimrt_sim_rram_drift_params *p, double g_target_us,
                                   double g_prog_us, double t_s, const aimrt_sim_static_key *cell)
{
    aimrt_sim_static_key key = *cell;
    key.effect = AIMRT_SIM_EFFECT_DRIFT_NU;
    return aimrt_sim_rram_at_time_us(p, g_target_us, g_prog_us, t_s, aimrt_sim_normal_static(&key, 0));
}
