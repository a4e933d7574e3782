/* SPDX-License-Identifier: MIT */
/*
 * Circuit-structure effects on one output node. Noise terms return a draw
 * for the caller to add. Static terms (switch errors, comparator offsets,
 * parasitic capacitances) are drawn once per instance from a static stream.
 * The division schemes are closed forms of charge conservation and
 * Kirchhoff's current law, and integrate-to-threshold follows the node charge
 * event by event.
 */
#include "sim/circuit.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "program_internal.h"

static double normal_dynamic(const aimrt_sim_dynamic_key *where, aimrt_sim_effect effect, uint32_t i)
{
    aimrt_sim_dynamic_key key = *where;
    key.effect = (uint32_t)effect;
    return aimrt_sim_normal_dynamic(&key, i);
}

static double normal_static(const aimrt_sim_static_key *key, aimrt_sim_effect effect, uint32_t i)
{
    aimrt_sim_static_key k = *key;
    k.effect = (uint32_t)effect;
    return aimrt_sim_normal_static(&k, i);
}

aimrt_sim_output_noise_params aimrt_sim_output_noise_defaults(void)
{
    /* out_noise of aihwkit's StandardHWATrainingPreset (aihwkit's io
     * parameters default to 0.06). */
    return (aimrt_sim_output_noise_params){.sigma_norm = 0.04};
}

double aimrt_sim_output_noise(const aimrt_sim_output_noise_params *params,
                              const aimrt_sim_dynamic_key *where)
{
    if (params->sigma_norm == 0.0)
        return 0.0;
    return params->sigma_norm * normal_dynamic(where, AIMRT_SIM_EFFECT_OUTPUT_NOISE, 0);
}

double aimrt_sim_ktc_sigma_v(const aimrt_sim_ktc_params *params)
{
    /* sigma_V = sqrt(k T / C) per sample (Razavi, Design of Analog CMOS
     * Integrated Circuits, 2nd ed., noise chapter); independent samples add
     * in variance, and subtracting the reset sample removes the reset noise. */
    if (params->correlated_double_sampling)
        return 0.0;
    const double variance = params->n_samples * AIMRT_SIM_BOLTZMANN_J_PER_K *
                            params->temperature_k / params->capacitance_f;
    return sqrt(variance);
}

double aimrt_sim_ktc_noise_v(const aimrt_sim_ktc_params *params, const aimrt_sim_dynamic_key *where)
{
    const double sigma = aimrt_sim_ktc_sigma_v(params);
    if (sigma == 0.0)
        return 0.0;
    return sigma * normal_dynamic(where, AIMRT_SIM_EFFECT_KTC, 0);
}

aimrt_sim_injection_params aimrt_sim_injection_from_device(const aimrt_sim_switch_device *d)
{
    /* An NMOS switch that opens sends alpha of its channel charge
     * W L C_ox (V_GS - V_th), V_GS = V_gate - V_in, to the hold capacitor,
     * and its gate swing couples through C_ov / (C_ov + C_H); both lower the
     * held voltage (Razavi, switched-capacitor chapter). */
    const double per_volt =
        d->injected_fraction * d->width_m * d->length_m * d->c_ox_f_per_m2 / d->c_hold_f;
    const double feedthrough = d->v_clock_swing_v * d->c_overlap_f / (d->c_overlap_f + d->c_hold_f);
    return (aimrt_sim_injection_params){
        .a0_v = -per_volt * (d->v_gate_on_v - d->v_th_v) - feedthrough,
        .a1 = per_volt,
        .scale = 1.0,
    };
}

aimrt_sim_switch_error aimrt_sim_injection_draw(const aimrt_sim_injection_params *params,
                                                const aimrt_sim_static_key *key)
{
    aimrt_sim_switch_error drawn = {params->a0_v, params->a1};
    if (params->sigma_a0_v > 0.0)
        drawn.a0_v += params->sigma_a0_v * normal_static(key, AIMRT_SIM_EFFECT_INJECTION, 0);
    if (params->sigma_a1 > 0.0)
        drawn.a1 += params->sigma_a1 * normal_static(key, AIMRT_SIM_EFFECT_INJECTION, 1);
    return drawn;
}

double aimrt_sim_injection_apply(const aimrt_sim_injection_params *params,
                                 const aimrt_sim_switch_error *error_drawn, double v_in_v)
{
    return v_in_v + params->scale * (error_drawn->a0_v + error_drawn->a1 * v_in_v);
}

double aimrt_sim_comparator_offset_v(const aimrt_sim_comparator_params *params,
                                     const aimrt_sim_static_key *key)
{
    if (params->sigma_offset_v == 0.0)
        return 0.0;
    return params->sigma_offset_v * normal_static(key, AIMRT_SIM_EFFECT_COMPARATOR, 0);
}

/* Margin in noise sigmas beyond which comparator noise cannot flip a decision. */
#define COMPARATOR_SURE 9.0

bool aimrt_sim_comparator_decide(const aimrt_sim_comparator_params *params, double offset_v,
                                 double v_diff_v, const aimrt_sim_dynamic_key *where, uint32_t decision)
{
    double v = v_diff_v + offset_v;
    /* A normal draw never exceeds 8.58 in magnitude (random.h), so a margin
     * beyond COMPARATOR_SURE sigma decides alone: skipping the draw there
     * keeps every bit and saves most draws of a SAR search. */
    if (params->sigma_noise_v > 0.0 && where &&
        !(fabs(v) > COMPARATOR_SURE * params->sigma_noise_v)) {
        aimrt_sim_dynamic_key key = *where;
        key.effect = AIMRT_SIM_EFFECT_COMPARATOR;
        return aimrt_sim_normal_dynamic_lifts(&key, decision, v, params->sigma_noise_v);
    }
    return v > 0.0;
}

double aimrt_sim_comparator_time_offset_s(double offset_v, double slope_v_per_s)
{
    /* A ramp reaches an offset threshold offset / (dV/dt) later. */
    return offset_v / slope_v_per_s;
}

double aimrt_sim_resistive_division_v(const aimrt_sim_resistive_load *load, int64_t n,
                                      const double *g_siemens, const double *v_in_v)
{
    /* KCL at an unclamped column: the settled voltage is the
     * conductance-weighted mean of the drive voltages (NeuRRAM's
     * voltage-mode sensing, Wan et al., Nature 2022). */
    double current = load->g_load_siemens * load->v_load_v;
    double g_sum = load->g_load_siemens;
    for (int64_t i = 0; i < n; i++) {
        current += g_siemens[i] * v_in_v[i];
        g_sum += g_siemens[i];
    }
    return g_sum > 0.0 ? current / g_sum : NAN;
}

double aimrt_sim_capacitive_division_v(const aimrt_sim_capacitive_node *node, int64_t n,
                                       const double *c_f, const double *step_v)
{
    /* Charge conservation on a floating top plate (C3SRAM, Jiang et al.,
     * JSSC 2020): dV = sum C_i dE_i / (sum C_i + C_p). */
    double charge = 0.0;
    double c_sum = node->c_parasitic_f;
    for (int64_t i = 0; i < n; i++) {
        charge += c_f[i] * step_v[i];
        c_sum += c_f[i];
    }
    return c_sum > 0.0 ? charge / c_sum : 0.0;
}

double aimrt_sim_charge_sharing_v(const aimrt_sim_capacitive_node *node, int64_t n,
                                  const double *c_f, const double *v_v)
{
    /* Charge redistribution (Jia et al., JSSC 2020; MC2-RAM, Chen et al.,
     * 2021): shorting the capacitors conserves sum C_i V_i over the total
     * capacitance, the parasitic included. The arithmetic is that of
     * capacitive division with steps from 0 V. */
    return aimrt_sim_capacitive_division_v(node, n, c_f, v_v);
}

double aimrt_sim_parasitic_gain(double c_sum_f, double c_parasitic_f)
{
    return c_sum_f / (c_sum_f + c_parasitic_f);
}

double aimrt_sim_parasitic_draw_f(const aimrt_sim_parasitic_params *params,
                                  const aimrt_sim_static_key *key)
{
    if (params->sigma_rel == 0.0)
        return params->c_parasitic_f;
    const double z = normal_static(key, AIMRT_SIM_EFFECT_PARASITIC, 0);
    return fmax(params->c_parasitic_f * (1.0 + params->sigma_rel * z), 0.0);
}

static int compare_spike_time(const void *a, const void *b)
{
    const double ta = ((const aimrt_sim_spike *)a)->time_s;
    const double tb = ((const aimrt_sim_spike *)b)->time_s;
    return (ta > tb) - (ta < tb);
}

double aimrt_sim_integrate_fire_time_s(const aimrt_sim_integrate_fire_params *params,
                                       aimrt_sim_spike *spikes, int64_t n)
{
    /* Integrate-and-fire weighted sum (Wang, Tamukoh, Morie, Front.
     * Neurosci. 2025): V(t) = (I_u / C) sum_{t_i <= t} w_i (t - t_i). In
     * weight-seconds the threshold is theta C / I_u, and between arrivals the
     * charge grows linearly at the summed weight of the inputs so far. */
    if (n > 1)
        qsort(spikes, (size_t)n, sizeof *spikes, compare_spike_time);
    const double target = params->theta_v * params->c_node_f / params->i_unit_a;
    double charge = 0.0;
    double slope = 0.0;
    double now = n > 0 ? spikes[0].time_s : 0.0;
    for (int64_t k = 0; k < n && now < params->t_max_s; k++) {
        const double next = spikes[k].time_s;
        if (slope > 0.0 && charge + slope * (next - now) >= target)
            break;
        charge += slope * (next - now);
        now = next;
        slope += spikes[k].weight;
    }
    if (!(slope > 0.0))
        return params->t_max_s;
    const double crossing = now + (target - charge) / slope;
    return fmin(crossing, params->t_max_s);
}

static aimrt_status check_positive(const char *what, const char *field, double value,
                                   aimrt_error *error)
{
    if (value > 0.0 && isfinite(value))
        return AIMRT_OK;
    return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                           "%s: %s %g is invalid; it must be finite and > 0", what, field, value);
}

static aimrt_status check_spread(const char *what, const char *field, double value,
                                 aimrt_error *error)
{
    if (value >= 0.0 && isfinite(value))
        return AIMRT_OK;
    return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                           "%s: %s %g is invalid; it must be finite and >= 0", what, field, value);
}

static aimrt_status check_finite(const char *what, const char *field, double value,
                                 aimrt_error *error)
{
    if (isfinite(value))
        return AIMRT_OK;
    return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "%s: %s %g is invalid; it must be finite",
                           what, field, value);
}

/* Runs checks in order and keeps the first failure. */
#define CHECK(call)                                                                                \
    do {                                                                                           \
        const aimrt_status s_ = (call);                                                            \
        if (s_ != AIMRT_OK)                                                                        \
            return s_;                                                                             \
    } while (0)

aimrt_status aimrt_sim_circuit_check(const aimrt_sim_output_noise_params *output_noise,
                                     const aimrt_sim_ktc_params *ktc,
                                     const aimrt_sim_injection_params *injection,
                                     const aimrt_sim_comparator_params *comparator,
                                     const aimrt_sim_parasitic_params *parasitic,
                                     const aimrt_sim_integrate_fire_params *integrate_fire,
                                     aimrt_error *error)
{
    if (output_noise)
        CHECK(check_spread("output noise", "sigma_norm", output_noise->sigma_norm, error));
    if (ktc) {
        CHECK(check_positive("kT/C", "capacitance_f", ktc->capacitance_f, error));
        CHECK(check_positive("kT/C", "temperature_k", ktc->temperature_k, error));
        if (ktc->n_samples < 1)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                                   "kT/C: n_samples %d is invalid; use 1 or more",
                                   (int)ktc->n_samples);
    }
    if (injection) {
        CHECK(check_finite("charge injection", "a0_v", injection->a0_v, error));
        CHECK(check_finite("charge injection", "a1", injection->a1, error));
        CHECK(check_spread("charge injection", "sigma_a0_v", injection->sigma_a0_v, error));
        CHECK(check_spread("charge injection", "sigma_a1", injection->sigma_a1, error));
        CHECK(check_spread("charge injection", "scale", injection->scale, error));
    }
    if (comparator) {
        CHECK(check_spread("comparator", "sigma_offset_v", comparator->sigma_offset_v, error));
        CHECK(check_spread("comparator", "sigma_noise_v", comparator->sigma_noise_v, error));
    }
    if (parasitic) {
        CHECK(check_spread("parasitic capacitance", "c_parasitic_f", parasitic->c_parasitic_f,
                           error));
        CHECK(check_spread("parasitic capacitance", "sigma_rel", parasitic->sigma_rel, error));
    }
    if (integrate_fire) {
        CHECK(check_positive("integrate-to-threshold", "theta_v", integrate_fire->theta_v, error));
        CHECK(
            check_positive("integrate-to-threshold", "c_node_f", integrate_fire->c_node_f, error));
        CHECK(
            check_positive("integrate-to-threshold", "i_unit_a", integrate_fire->i_unit_a, error));
        CHECK(check_finite("integrate-to-threshold", "t_max_s", integrate_fire->t_max_s, error));
    }
    return AIMRT_OK;
}
