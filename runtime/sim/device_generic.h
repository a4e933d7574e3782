/* SPDX-License-Identifier: MIT */
/*
 * Technology-neutral device effects of the simulator: the conductance window
 * and its discrete levels, relative programming noise, stuck-at faults, and
 * the log-time relaxation of CMO/HfOx RRAM (aihwkit's ReRamCMONoiseModel).
 * Conductances are in uS and times in s.
 */
#ifndef AIMRT_SIM_DEVICE_GENERIC_H
#define AIMRT_SIM_DEVICE_GENERIC_H

#include <stdbool.h>
#include <stdint.h>

#include "aimrt/aimrt.h"
#include "sim/random.h"

/* The conductance window of a device and its programmable levels. */
typedef struct aimrt_sim_window_params {
    double g_min_us;  /* >= 0 */
    double g_max_us;  /* > g_min_us */
    int32_t n_levels; /* 0: continuous; else >= 2 levels spaced evenly from g_min to g_max */
} aimrt_sim_window_params;

/* The quantity that relative programming noise is a fraction of. */
typedef enum aimrt_sim_prog_noise_reference {
    AIMRT_SIM_PROG_NOISE_OF_G_MAX = 0,  /* sigma = s_rel * G_max */
    AIMRT_SIM_PROG_NOISE_OF_TARGET = 1, /* sigma = s_rel * G_T */
    AIMRT_SIM_PROG_NOISE_REFERENCE_COUNT
} aimrt_sim_prog_noise_reference;

typedef struct aimrt_sim_prog_noise_params {
    double s_rel; /* >= 0; 0 turns programming noise off */
    aimrt_sim_prog_noise_reference reference;
    double g_max_us; /* used by AIMRT_SIM_PROG_NOISE_OF_G_MAX */
} aimrt_sim_prog_noise_params;

/* State of a device after fault injection. */
typedef enum aimrt_sim_fault {
    AIMRT_SIM_FAULT_NONE = 0,
    AIMRT_SIM_FAULT_SA0 = 1,    /* stuck at g_min */
    AIMRT_SIM_FAULT_SA1 = 2,    /* stuck at g_max */
    AIMRT_SIM_FAULT_RANDOM = 3, /* stuck at a random value of the window */
    AIMRT_SIM_FAULT_COUNT
} aimrt_sim_fault;

/* Fault probabilities per device, each in [0, 1] with a sum <= 1. They have
 * no published default: target files state them as assumptions. */
typedef struct aimrt_sim_fault_params {
    double p_sa0;
    double p_sa1;
    double p_random;
} aimrt_sim_fault_params;

/* Log-time relaxation of CMO/HfOx RRAM: at t > 0 the conductance of a device
 * programmed to G_T is G_T + mean ln t' + (std_slope ln t' + std) z with
 * t' = max(t, t_min_s). */
typedef struct aimrt_sim_rram_drift_params {
    double mean_us_per_ln_s;
    double std_us_per_ln_s;
    double std_us;
    double t_min_s; /* > 0 */
} aimrt_sim_rram_drift_params;

/* Checks that value is finite and lo <= value <= hi (lo < value when
 * open_low). Returns AIMRT_OK, or AIMRT_ERR_INVALID_ARG with a message that
 * names the model, the field, its value and the allowed range. */
aimrt_status aimrt_sim_param_check(aimrt_error *error, const char *model, const char *name,
                                   double value, double lo, double hi, bool open_low);

/* Checks the fields; returns AIMRT_OK or AIMRT_ERR_INVALID_ARG with a message
 * naming the field and its value. */
aimrt_status aimrt_sim_window_params_check(const aimrt_sim_window_params *params,
                                           aimrt_error *error);
aimrt_status aimrt_sim_prog_noise_params_check(const aimrt_sim_prog_noise_params *params,
                                               aimrt_error *error);
aimrt_status aimrt_sim_fault_params_check(const aimrt_sim_fault_params *params, aimrt_error *error);
aimrt_status aimrt_sim_rram_drift_params_check(const aimrt_sim_rram_drift_params *params,
                                               aimrt_error *error);

/* Returns the target conductance G_min + |w| / w_max (G_max - G_min) of the
 * device of the weight's sign, with |w| clipped to w_max > 0. */
double aimrt_sim_window_target_us(const aimrt_sim_window_params *params, double w, double w_max);

/* Returns level k in [0, n_levels - 1]: g_min + k (g_max - g_min) / (n_levels - 1). */
double aimrt_sim_window_level_us(const aimrt_sim_window_params *params, int32_t k);

/* Returns g_us clipped to the window and, with n_levels >= 2, snapped to the
 * nearest level (a value halfway between two levels goes to the upper one). */
double aimrt_sim_window_snap_us(const aimrt_sim_window_params *params, double g_us);

/* Returns the relative programming-noise standard deviation in uS. */
double aimrt_sim_prog_noise_sigma_us(const aimrt_sim_prog_noise_params *params, double g_target_us);

/* Returns max(0, G_T + sigma z) for a standard normal draw z. */
double aimrt_sim_prog_noise_apply_us(const aimrt_sim_prog_noise_params *params, double g_target_us,
                                     double z);

/* The same for one device, drawn from its AIMRT_SIM_EFFECT_PROGRAMMING stream (the
 * effect field of cell is replaced). */
double aimrt_sim_prog_noise_cell(const aimrt_sim_prog_noise_params *params, double g_target_us,
                                 const aimrt_sim_static_key *cell);

/* Returns the fault of a device for a uniform draw u in (0, 1): SA0 when
 * u < p_sa0, SA1 below p_sa0 + p_sa1, RANDOM below the sum of all three. */
aimrt_sim_fault aimrt_sim_fault_classify(const aimrt_sim_fault_params *params, double u);

/* Returns the conductance of a device with the given fault: g_us unchanged
 * for AIMRT_SIM_FAULT_NONE, g_min or g_max when stuck there, and for
 * AIMRT_SIM_FAULT_RANDOM g_min + u (g_max - g_min) snapped to the window's levels. */
double aimrt_sim_fault_apply_us(aimrt_sim_fault fault, const aimrt_sim_window_params *window,
                                double g_us, double u);

/* Draws the fault of one device from its AIMRT_SIM_EFFECT_FAULT stream (draw 0
 * classifies, draw 1 places a random fault) and returns its conductance. A
 * stuck device ignores programming noise and drift, so callers apply those
 * only when *fault is AIMRT_SIM_FAULT_NONE. fault may be NULL. */
double aimrt_sim_fault_cell(const aimrt_sim_fault_params *params,
                            const aimrt_sim_window_params *window, double g_us,
                            const aimrt_sim_static_key *cell, aimrt_sim_fault *fault);

/* Fills the CMO/HfOx fit of aihwkit's ReRamCMONoiseModel and t_min_s = 1 s. */
void aimrt_sim_rram_drift_params_defaults(aimrt_sim_rram_drift_params *params);

/* Returns the conductance at t_s seconds since programming: g_prog_us at
 * t_s <= 0, else the relaxed distribution around g_target_us with standard
 * normal draw z, clipped at 0. */
double aimrt_sim_rram_at_time_us(const aimrt_sim_rram_drift_params *params, double g_target_us,
                                 double g_prog_us, double t_s, double z);

/* The same for one device, drawn from its AIMRT_SIM_EFFECT_DRIFT_NU stream. */
double aimrt_sim_rram_at_time_cell(const aimrt_sim_rram_drift_params *params, double g_target_us,
                                   double g_prog_us, double t_s, const aimrt_sim_static_key *cell);

#endif
