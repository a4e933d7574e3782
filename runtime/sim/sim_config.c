/* SPDX-License-Identifier: MIT */
/*
 * The sim device's models of one tile, from its kind's parameters
 * (aimrt/params.h): every value comes from the program, which contains the
 * target's value or the registry's fallback. A parameter the domain needs
 * that has no fallback and was not set fails with one logged line. The
 * device's flags turn effects off here, so the MVM code only reads values.
 */
#include <math.h>
#include <string.h>

#include "aimrt/log.h"
#include "sim/sim_device.h"

/* Names of the domains for messages, in SIM_DOMAIN_* order. */
static const char *const DOMAIN_NAMES[SIM_DOMAIN_COUNT] = {
    "current", "charge", "charge-redist", "capdiv", "resdiv", "time",
};

typedef struct config {
    const aimrt_kind_params *params;
    const char *kind;
    int domain;
    bool ok;
} config;

static double value(const config *c, aimrt_param id)
{
    return c->params->value[id];
}

/* Returns the value of a parameter the domain needs: > 0, or any value the
 * target gave when zero_given_ok (a reference voltage may be 0 V). Logs
 * and marks the config failed otherwise. */
static double required(config *c, aimrt_param id, bool zero_given_ok)
{
    const double v = c->params->value[id];
    const bool set = zero_given_ok ? (c->params->given[id] || v != 0.0) : v > 0.0;
    if (!set || !isfinite(v)) {
        const aimrt_param_info *info = aimrt_param_get(id);
        if (c->ok)
            aimrt_log_write(AIMRT_LOG_ERROR,
                            "sim: tile kind '%s' (%s domain): parameter %s is %g and has no "
                            "default; set it in the kind's target entry and compile again",
                            c->kind, DOMAIN_NAMES[c->domain], info ? info->path : "?", v);
        c->ok = false;
    }
    return v;
}

/* Device models: PCM, relative programming noise, RRAM relaxation, faults. */
static void config_device(const sim_state *s, const config *c, sim_tile *tile)
{
    sim_models *m = &tile->models;
    const bool effects = sim_effects_on(s);
    aimrt_sim_pcm_params_defaults(&m->pcm);
    m->pcm.g_max_us = value(c, AIMRT_PARAM_G_MAX);
    m->pcm.prog_coeff_us[0] = value(c, AIMRT_PARAM_PROG_C0);
    m->pcm.prog_coeff_us[1] = value(c, AIMRT_PARAM_PROG_C1);
    m->pcm.prog_coeff_us[2] = value(c, AIMRT_PARAM_PROG_C2);
    m->pcm.prog_noise_scale = effects ? value(c, AIMRT_PARAM_PROG_SCALE) : 0.0;
    m->pcm.t0_s = value(c, AIMRT_PARAM_DRIFT_T0);
    m->pcm.drift_scale = sim_noise_on(s) ? value(c, AIMRT_PARAM_DRIFT_SCALE) : 0.0;
    m->pcm.t_read_s = value(c, AIMRT_PARAM_READ_T_READ);
    m->pcm.read_noise_scale = effects ? value(c, AIMRT_PARAM_READ_SCALE) : 0.0;
    if (s->options.flags & AIMRT_SIM_UNIFORM_DRIFT) {
        /* One exponent for every device: the mean at g_max, with no spread. */
        const double nu = aimrt_sim_pcm_nu_mean(&m->pcm, m->pcm.g_max_us);
        m->pcm.nu_mean_slope = 0.0;
        m->pcm.nu_mean_intercept = nu;
        m->pcm.nu_std_slope = 0.0;
        m->pcm.nu_std_intercept = 0.0;
        m->pcm.nu_std_min = 0.0;
        m->pcm.nu_std_max = 0.0;
    }
    m->prog = (aimrt_sim_prog_noise_params){
        .s_rel = effects ? value(c, AIMRT_PARAM_PROG_SIGMA_REL) : 0.0,
        .reference = AIMRT_SIM_PROG_NOISE_OF_G_MAX,
        .g_max_us = value(c, AIMRT_PARAM_G_MAX),
    };
    m->rram = (aimrt_sim_rram_drift_params){
        .mean_us_per_ln_s = value(c, AIMRT_PARAM_RRAM_MEAN_PER_LN_S),
        .std_us_per_ln_s = value(c, AIMRT_PARAM_RRAM_STD_PER_LN_S),
        .std_us = value(c, AIMRT_PARAM_RRAM_STD),
        .t_min_s = value(c, AIMRT_PARAM_RRAM_T_MIN),
    };
    m->rram_relaxation = effects && m->cell == SIM_CELL_RRAM;
    m->faults = (aimrt_sim_fault_params){
        .p_sa0 = effects ? value(c, AIMRT_PARAM_FAULT_SA0) : 0.0,
        .p_sa1 = effects ? value(c, AIMRT_PARAM_FAULT_SA1) : 0.0,
        .p_random = effects ? value(c, AIMRT_PARAM_FAULT_RANDOM) : 0.0,
    };
    m->window = (aimrt_sim_window_params){
        .g_min_us = value(c, AIMRT_PARAM_G_MIN),
        .g_max_us = value(c, AIMRT_PARAM_G_MAX),
        .n_levels = tile->top >= 1.0 && tile->top < 65536.0 ? (int32_t)tile->top + 1 : 0,
    };
}

/* Converters, inputs, wires and the readout shared by the domains. */
static void config_circuit(const sim_state *s, const config *c, sim_tile *tile)
{
    sim_models *m = &tile->models;
    const bool effects = sim_effects_on(s);
    m->read_noise_norm = effects ? value(c, AIMRT_PARAM_READ_MVM) : 0.0;
    m->output_noise_norm = effects ? value(c, AIMRT_PARAM_OUTPUT_NOISE) : 0.0;
    m->adc_bound_norm = value(c, AIMRT_PARAM_ADC_BOUND);
    m->adc = (aimrt_sim_adc_params){
        .bits = tile->adc_bits,
        .sigma_dnl_lsb = effects ? value(c, AIMRT_PARAM_ADC_SIGMA_DNL) : 0.0,
        .a_inl_lsb = effects ? value(c, AIMRT_PARAM_ADC_A_INL) : 0.0,
        .sigma_noise_norm = effects ? value(c, AIMRT_PARAM_ADC_SIGMA_NOISE) : 0.0,
    };
    /* Amplitude inputs pass a DAC; the charge domain's inputs are pulses. */
    const bool amplitude =
        tile->input_mode == AIMRT_INPUT_AMPLITUDE && tile->domain != SIM_DOMAIN_CHARGE;
    m->dac_sigma_norm = effects && amplitude ? value(c, AIMRT_PARAM_DAC_SIGMA_NOISE) : 0.0;
    m->dac_asymmetry = effects && amplitude ? value(c, AIMRT_PARAM_DAC_ASYMMETRY) : 0.0;
    const double choice = value(c, AIMRT_PARAM_IR_DROP);
    m->ir_drop = !effects || tile->domain != SIM_DOMAIN_CURRENT ? SIM_IR_DROP_OFF
                 : choice == 2.0                                ? SIM_IR_DROP_FULL
                 : choice == 1.0                                ? SIM_IR_DROP_FIRST_ORDER
                                                                : SIM_IR_DROP_OFF;
    m->wires = (aimrt_sim_wires){
        .r_row_ohm = value(c, AIMRT_PARAM_R_ROW),
        .r_col_ohm = value(c, AIMRT_PARAM_R_COL),
        .r_driver_ohm = value(c, AIMRT_PARAM_R_DRIVER),
        .r_sense_ohm = value(c, AIMRT_PARAM_R_SENSE),
    };
    if (m->wires.r_row_ohm == 0.0 && m->wires.r_col_ohm == 0.0 && m->wires.r_driver_ohm == 0.0 &&
        m->wires.r_sense_ohm == 0.0)
        m->ir_drop = SIM_IR_DROP_OFF;
    /* The readout's analog errors act in the domains other than current. */
    const bool readout = effects && tile->domain != SIM_DOMAIN_CURRENT;
    m->comparator = (aimrt_sim_comparator_params){
        .sigma_offset_v = readout ? value(c, AIMRT_PARAM_COMPARATOR_OFFSET) : 0.0,
        .sigma_noise_v = readout ? value(c, AIMRT_PARAM_COMPARATOR_NOISE) : 0.0,
    };
    /* The charge, charge-redist and capdiv domains sample their summing node,
     * so its capacitance sets kT/C. The others sample on circuit.c_sample,
     * and 0 there means no sampling capacitor is modelled. */
    const bool samples_node = tile->domain == SIM_DOMAIN_CHARGE ||
                              tile->domain == SIM_DOMAIN_CHARGE_REDIST ||
                              tile->domain == SIM_DOMAIN_CAPDIV;
    const bool ktc = readout && (samples_node || value(c, AIMRT_PARAM_C_SAMPLE) > 0.0);
    m->ktc_temperature_k = ktc ? value(c, AIMRT_PARAM_TEMPERATURE) : 0.0;
    m->injection = (aimrt_sim_injection_params){
        .a0_v = value(c, AIMRT_PARAM_SWITCH_A0),
        .a1 = value(c, AIMRT_PARAM_SWITCH_A1),
        .sigma_a0_v = value(c, AIMRT_PARAM_SWITCH_SIGMA_A0),
        .sigma_a1 = value(c, AIMRT_PARAM_SWITCH_SIGMA_A1),
    };
    const aimrt_sim_injection_params *inj = &m->injection;
    m->injection.scale =
        readout && (inj->a0_v != 0.0 || inj->a1 != 0.0 || inj->sigma_a0_v != 0.0 || inj->sigma_a1 != 0.0)
            ? 1.0
            : 0.0;
}

/* Capacitor schemes share the unit capacitor, its mismatch and the parasitic node. */
static void config_capacitors(config *c, bool effects, double *c_unit_f, double *a_c,
                              aimrt_sim_parasitic_params *cp)
{
    *c_unit_f = required(c, AIMRT_PARAM_C_UNIT, false);
    *a_c = effects ? value(c, AIMRT_PARAM_A_C) : 0.0;
    cp->c_parasitic_f = value(c, AIMRT_PARAM_C_PARASITIC);
    cp->sigma_rel = effects ? value(c, AIMRT_PARAM_C_PARASITIC_SPREAD) : 0.0;
}

static void config_charge(config *c, bool effects, aimrt_sim_charge_params *p)
{
    p->c_bitline_f = required(c, AIMRT_PARAM_C_BITLINE, false);
    p->v_precharge_v = required(c, AIMRT_PARAM_V_PRECHARGE, false);
    p->i_cell_max_a = required(c, AIMRT_PARAM_I_CELL, false);
    /* A pulse is |x| t_lsb_s wide, so the PWM bits only need to admit every code. */
    p->pwm.bits = AIMRT_SIM_MAX_CONVERTER_BITS;
    p->pwm.is_signed = true;
    p->pwm.t_lsb_s = required(c, AIMRT_PARAM_T_LSB, false);
    p->pwm.sigma_edge_s = effects ? value(c, AIMRT_PARAM_PWM_EDGE_ERROR) : 0.0;
    p->pwm.sigma_jitter_s = effects ? value(c, AIMRT_PARAM_PWM_JITTER) : 0.0;
    p->node_voltage_dependence = effects && value(c, AIMRT_PARAM_NODE_DEPENDENCE) == 1.0;
    p->sigma_i_rel = effects ? value(c, AIMRT_PARAM_SIGMA_I_REL) : 0.0;
}

static void config_resdiv(config *c, bool effects, aimrt_sim_resdiv_params *p)
{
    /* Per-column undo: the gain a calibration of each column measures. */
    p->g_max_us = required(c, AIMRT_PARAM_G_MAX, false);
    p->v_ref_v = required(c, AIMRT_PARAM_V_REF, true);
    p->v_read_v = required(c, AIMRT_PARAM_V_READ, false);
    p->g_load_us = value(c, AIMRT_PARAM_G_LOAD);
    p->undo = AIMRT_SIM_UNDO_PER_COLUMN;
    p->r_driver_ohm = effects ? value(c, AIMRT_PARAM_R_DRIVER) : 0.0;
    p->c_line_f = value(c, AIMRT_PARAM_C_LINE);
    p->t_sample_s = effects && p->c_line_f > 0.0 ? value(c, AIMRT_PARAM_T_SAMPLE) : 0.0;
    /* The line rests at the reference between MVMs. */
    p->v_start_v = p->v_ref_v;
    p->c_sample_f = value(c, AIMRT_PARAM_C_SAMPLE);
}

static void config_time(config *c, const sim_tile *tile, bool effects, aimrt_sim_time_params *p)
{
    p->variant = AIMRT_SIM_TIME_DELAY_LINE;
    p->tau_0_s = required(c, AIMRT_PARAM_TAU_0, false);
    p->dtau_s = required(c, AIMRT_PARAM_DTAU, false);
    p->sigma_tau_s = effects ? value(c, AIMRT_PARAM_SIGMA_TAU) : 0.0;
    p->sigma_jitter_s = effects ? value(c, AIMRT_PARAM_SIGMA_JITTER) : 0.0;
    /* The TDC is the domain's ADC: its DNL, INL and noise (normalized output
     * units, so unit level units, dtau_s each). */
    p->tdc_sigma_dnl_lsb = tile->models.adc.sigma_dnl_lsb;
    p->tdc_a_inl_lsb = tile->models.adc.a_inl_lsb;
    p->tdc_sigma_noise_s = tile->models.adc.sigma_noise_norm * tile->unit * p->dtau_s;
}

static void config_domain(const sim_state *s, config *c, sim_tile *tile)
{
    const bool effects = sim_effects_on(s);
    sim_domain_params *p = &tile->models.domain;
    memset(p, 0, sizeof *p);
    switch (tile->domain) {
    case SIM_DOMAIN_CHARGE:
        config_charge(c, effects, &p->charge);
        break;
    case SIM_DOMAIN_CHARGE_REDIST:
        config_capacitors(c, effects, &p->redist.c_unit_f, &p->redist.mismatch_a_c_sqrt_ff,
                          &p->redist.parasitic);
        p->redist.v_dd_v = required(c, AIMRT_PARAM_V_DD, false);
        break;
    case SIM_DOMAIN_CAPDIV:
        /* SRAM bits steer unit capacitors: polarity weights. */
        config_capacitors(c, effects, &p->capdiv.c_unit_f, &p->capdiv.mismatch_a_c_sqrt_ff,
                          &p->capdiv.parasitic);
        p->capdiv.v_step_v = required(c, AIMRT_PARAM_V_DD, false);
        break;
    case SIM_DOMAIN_RESDIV:
        config_resdiv(c, effects, &p->resdiv);
        break;
    case SIM_DOMAIN_TIME:
        config_time(c, tile, effects, &p->time);
        break;
    default:
        break;
    }
}

aimrt_status sim_config_tile(const sim_state *s, const program_kind *kind, sim_tile *tile)
{
    config c = {.params = &kind->params, .kind = kind->name ? kind->name : "?",
                .domain = tile->domain, .ok = true};
    tile->models.cell = !kind->cell                      ? SIM_CELL_OTHER
                        : strcmp(kind->cell, "pcm") == 0  ? SIM_CELL_PCM
                        : strcmp(kind->cell, "rram") == 0 ? SIM_CELL_RRAM
                                                          : SIM_CELL_OTHER;
    config_device(s, &c, tile);
    config_circuit(s, &c, tile);
    config_domain(s, &c, tile);
    if (!(tile->models.pcm.g_max_us > 0.0)) {
        (void)required(&c, AIMRT_PARAM_G_MAX, false);
    }
    return c.ok ? AIMRT_OK : AIMRT_ERR_UNSUPPORTED;
}
