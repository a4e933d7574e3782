/* SPDX-License-Identifier: MIT */
/*
 * Circuit-structure effects of the simulator that act on one output node:
 * output-referred noise, kT/C noise, charge injection and clock feedthrough,
 * comparator offset and noise, the normalization of the division schemes
 * (resistive, capacitive, charge sharing, integrate-to-threshold) and
 * parasitic attenuation. Each is a pure function of a parameter struct.
 * Random draws come from the streams of sim/random.h: each function sets its
 * own effect code in a copy of the caller's key.
 */
#ifndef AIMRT_SIM_CIRCUIT_H
#define AIMRT_SIM_CIRCUIT_H

#include <stdbool.h>
#include <stdint.h>

#include "aimrt/aimrt.h"
#include "sim/random.h"

/* Boltzmann constant in J/K (exact in the 2019 SI). */
#define AIMRT_SIM_BOLTZMANN_J_PER_K 1.380649e-23

/* Output-referred noise added to every output of every MVM. */
typedef struct aimrt_sim_output_noise_params {
    double sigma_norm; /* standard deviation in normalized output units, >= 0 */
} aimrt_sim_output_noise_params;

/* Returns sigma 0.04, the out_noise of aihwkit's StandardHWATrainingPreset. */
aimrt_sim_output_noise_params aimrt_sim_output_noise_defaults(void);

/* Returns one draw of N(0, sigma_norm) for the output at where (effect
 * AIMRT_SIM_EFFECT_OUTPUT_NOISE); add it to the output. */
double aimrt_sim_output_noise(const aimrt_sim_output_noise_params *params,
                              const aimrt_sim_dynamic_key *where);

/* kT/C noise of a sampled or reset capacitor. */
typedef struct aimrt_sim_ktc_params {
    double capacitance_f; /* sampling capacitance, > 0 */
    double temperature_k; /* > 0 */
    int32_t n_samples;    /* independent samples whose noise adds, e.g. 2 differential; >= 1 */
    bool correlated_double_sampling; /* the reset sample is subtracted: reset noise cancels */
} aimrt_sim_ktc_params;

/* Returns sqrt(n_samples k T / C) in volts, or 0 with correlated double
 * sampling. */
double aimrt_sim_ktc_sigma_v(const aimrt_sim_ktc_params *params);

/* Returns one kT/C noise draw in volts for the node at where (effect
 * AIMRT_SIM_EFFECT_KTC). */
double aimrt_sim_ktc_noise_v(const aimrt_sim_ktc_params *params, const aimrt_sim_dynamic_key *where);

/*
 * Charge injection and clock feedthrough of a sampling switch as
 * V_held = V_in + scale (a0 + a1 V_in), with (a0, a1) drawn once per switch
 * around their nominal values.
 */
typedef struct aimrt_sim_injection_params {
    double a0_v;       /* nominal offset */
    double a1;         /* nominal gain error (dimensionless) */
    double sigma_a0_v; /* static spread of a0 between switches, >= 0 */
    double sigma_a1;   /* static spread of a1 between switches, >= 0 */
    double scale; /* 1 for a bare switch, below 1 with dummy switches or bottom-plate sampling */
} aimrt_sim_injection_params;

/* The drawn error of one switch. */
typedef struct aimrt_sim_switch_error {
    double a0_v;
    double a1;
} aimrt_sim_switch_error;

/* The device values of an NMOS sampling switch that set the nominal error. */
typedef struct aimrt_sim_switch_device {
    double width_m;
    double length_m;
    double c_ox_f_per_m2;     /* gate oxide capacitance per area */
    double v_gate_on_v;       /* gate voltage while the switch conducts */
    double v_th_v;            /* threshold voltage, taken as independent of V_in */
    double c_hold_f;          /* hold capacitance, > 0 */
    double c_overlap_f;       /* gate-to-hold-node overlap capacitance */
    double v_clock_swing_v;   /* gate swing when the switch opens */
    double injected_fraction; /* alpha, share of the channel charge sent to the hold node */
} aimrt_sim_switch_device;

/* Returns the nominal (a0, a1) of an NMOS switch, no spread and scale 1. */
aimrt_sim_injection_params aimrt_sim_injection_from_device(const aimrt_sim_switch_device *device);

/* Draws the error of one switch from key (effect AIMRT_SIM_EFFECT_INJECTION; cell
 * = the switch's index). */
aimrt_sim_switch_error aimrt_sim_injection_draw(const aimrt_sim_injection_params *params,
                                                const aimrt_sim_static_key *key);

/* Returns the held voltage of a switch that sampled v_in_v. */
double aimrt_sim_injection_apply(const aimrt_sim_injection_params *params,
                                 const aimrt_sim_switch_error *error_drawn, double v_in_v);

/* Comparator offset (static per comparator) and input noise (per decision). */
typedef struct aimrt_sim_comparator_params {
    double sigma_offset_v; /* >= 0 */
    double sigma_noise_v;  /* >= 0 */
} aimrt_sim_comparator_params;

/* Draws the static offset of one comparator from key (effect
 * AIMRT_SIM_EFFECT_COMPARATOR; cell = the comparator's index). */
double aimrt_sim_comparator_offset_v(const aimrt_sim_comparator_params *params,
                                     const aimrt_sim_static_key *key);

/* Returns whether the comparator decides v_diff_v > 0 given its offset and
 * fresh noise drawn from where (effect AIMRT_SIM_EFFECT_COMPARATOR, draw index
 * decision, 0 to 255; where may be NULL when sigma_noise_v is 0). */
bool aimrt_sim_comparator_decide(const aimrt_sim_comparator_params *params, double offset_v,
                                 double v_diff_v, const aimrt_sim_dynamic_key *where, uint32_t decision);

/* Returns the time shift of a threshold crossing that a voltage offset
 * causes on a ramp of slope_v_per_s (nonzero). */
double aimrt_sim_comparator_time_offset_s(double offset_v, double slope_v_per_s);

/* Load of a resistive-division node: a conductance to a fixed voltage. */
typedef struct aimrt_sim_resistive_load {
    double g_load_siemens; /* >= 0; 0 is an unloaded node */
    double v_load_v;
} aimrt_sim_resistive_load;

/* Returns the settled node voltage (sum G_i V_i + G_L V_L) / (sum G_i + G_L)
 * of n cells with conductances g_siemens[n] driven at v_in_v[n]; NaN when
 * every conductance is 0. */
double aimrt_sim_resistive_division_v(const aimrt_sim_resistive_load *load, int64_t n,
                                      const double *g_siemens, const double *v_in_v);

/* Floating node of the capacitive schemes. */
typedef struct aimrt_sim_capacitive_node {
    double c_parasitic_f; /* C_p to a fixed potential, >= 0 */
} aimrt_sim_capacitive_node;

/* Returns the node step sum C_i dE_i / (sum C_i + C_p) of capacitive
 * division when bottom plates c_f[n] step by step_v[n]. */
double aimrt_sim_capacitive_division_v(const aimrt_sim_capacitive_node *node, int64_t n,
                                       const double *c_f, const double *step_v);

/* Returns the shared voltage sum C_i V_i / (sum C_i + C_p) after capacitors
 * c_f[n], charged to v_v[n], are shorted with a discharged C_p. */
double aimrt_sim_charge_sharing_v(const aimrt_sim_capacitive_node *node, int64_t n,
                                  const double *c_f, const double *v_v);

/* Returns the gain C_sum / (C_sum + C_p) of a capacitive output. */
double aimrt_sim_parasitic_gain(double c_sum_f, double c_parasitic_f);

/* Parasitic capacitance of each column. */
typedef struct aimrt_sim_parasitic_params {
    double c_parasitic_f; /* nominal C_p, >= 0 */
    double sigma_rel;     /* relative static spread between columns, >= 0 */
} aimrt_sim_parasitic_params;

/* Draws the C_p of one column from key (effect AIMRT_SIM_EFFECT_PARASITIC; cell =
 * the column), clipped at 0. */
double aimrt_sim_parasitic_draw_f(const aimrt_sim_parasitic_params *params,
                                  const aimrt_sim_static_key *key);

/* Integrate-to-threshold node of the time domain: input i, from its arrival
 * time on, charges the node with w_i i_unit_a. */
typedef struct aimrt_sim_integrate_fire_params {
    double theta_v;  /* firing threshold above the start voltage, > 0 */
    double c_node_f; /* node capacitance, > 0 */
    double i_unit_a; /* current of weight 1, > 0 */
    double t_max_s;  /* end of the window; no crossing before it returns t_max_s */
} aimrt_sim_integrate_fire_params;

/* One input of an integrate-to-threshold node. */
typedef struct aimrt_sim_spike {
    double time_s;
    double weight; /* may be negative */
} aimrt_sim_spike;

/*
 * Returns the first time the node reaches theta_v, following the piecewise
 * linear charge event by event, or t_max_s when it does not before then.
 * Sorts spikes[n] (finite times and weights) by time in place. When every input arrives before the
 * crossing, the result is (theta C / I_u + sum w_i t_i) / sum w_i.
 */
double aimrt_sim_integrate_fire_time_s(const aimrt_sim_integrate_fire_params *params,
                                       aimrt_sim_spike *spikes, int64_t n);

/* Checks every field of the structs above that is not NULL; returns
 * AIMRT_ERR_INVALID_ARG naming the field and its value. */
aimrt_status aimrt_sim_circuit_check(const aimrt_sim_output_noise_params *output_noise,
                                     const aimrt_sim_ktc_params *ktc,
                                     const aimrt_sim_injection_params *injection,
                                     const aimrt_sim_comparator_params *comparator,
                                     const aimrt_sim_parasitic_params *parasitic,
                                     const aimrt_sim_integrate_fire_params *integrate_fire,
                                     aimrt_error *error);

#endif
