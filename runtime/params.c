/* SPDX-License-Identifier: MIT */
/*
 * The registry of tile-kind parameters (aimrt/params.h). A fallback with
 * source "off" turns its effect off; published values name their source.
 * Values without a published source have no fallback here: a target file
 * sets them and labels them "assume".
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "aimrt/params.h"

#define Q(ID, PATH, UNIT, MIN, MAX, FALLBACK, SOURCE, MEANING)                                   \
    {.id = (ID), .path = (PATH), .type = AIMRT_PARAM_QUANTITY, .unit = (UNIT), .min = (MIN),     \
     .max = (MAX), .fallback = (FALLBACK), .source = (SOURCE), .meaning = (MEANING)}
#define C(ID, PATH, CHOICES, FALLBACK, SOURCE, MEANING)                                          \
    {.id = (ID), .path = (PATH), .type = AIMRT_PARAM_CHOICE, .choices = (CHOICES),               \
     .fallback = (FALLBACK), .source = (SOURCE), .meaning = (MEANING)}

static const aimrt_param_info REGISTRY[] = {
    Q(AIMRT_PARAM_G_MIN, "device.g_min", "uS", 0, 1e6, 0, "Nandakumar 2019",
      "conductance of level 0"),
    Q(AIMRT_PARAM_G_MAX, "device.g_max", "uS", 1e-6, 1e6, 25, "Nandakumar 2019",
      "conductance of the top level"),
    Q(AIMRT_PARAM_PROG_C0, "device.programming.c0", "uS", -1e3, 1e3, 0.26348, "Nandakumar 2019",
      "PCM programming noise polynomial, constant term"),
    Q(AIMRT_PARAM_PROG_C1, "device.programming.c1", "uS", -1e3, 1e3, 1.9650, "Nandakumar 2019",
      "PCM programming noise polynomial, linear term in g = G/g_max"),
    Q(AIMRT_PARAM_PROG_C2, "device.programming.c2", "uS", -1e3, 1e3, -1.1731, "Nandakumar 2019",
      "PCM programming noise polynomial, quadratic term"),
    Q(AIMRT_PARAM_PROG_SCALE, "device.programming.scale", "1", 0, 100, 1, "model",
      "factor on the PCM programming noise"),
    Q(AIMRT_PARAM_PROG_SIGMA_REL, "device.programming.sigma_rel", "1", 0, 1, 0, "off",
      "programming noise of cells other than PCM, relative to g_max"),
    Q(AIMRT_PARAM_DRIFT_T0, "device.drift.t0", "s", 1e-9, 1e9, 20, "Nandakumar 2019",
      "PCM drift reference time"),
    Q(AIMRT_PARAM_DRIFT_SCALE, "device.drift.scale", "1", 0, 100, 1, "model",
      "factor on the PCM drift exponent"),
    Q(AIMRT_PARAM_READ_T_READ, "device.read_noise.t_read", "s", 1e-12, 1, 250e-9,
      "Nandakumar 2019", "PCM read duration of the accumulated 1/f noise"),
    Q(AIMRT_PARAM_READ_SCALE, "device.read_noise.scale", "1", 0, 100, 1, "model",
      "factor on the PCM accumulated read noise"),
    Q(AIMRT_PARAM_READ_MVM, "device.read_noise.mvm", "1", 0, 1, 0, "off",
      "per-MVM read noise of PCM type, normalized weight units"),
    Q(AIMRT_PARAM_RRAM_MEAN_PER_LN_S, "device.relaxation.mean", "uS", -1e3, 1e3, -0.0890,
      "aihwkit ReRamCMONoiseModel", "RRAM conductance shift per ln(t / 1 s)"),
    Q(AIMRT_PARAM_RRAM_STD_PER_LN_S, "device.relaxation.std_slope", "uS", 0, 1e3, 0.0420,
      "aihwkit ReRamCMONoiseModel", "RRAM spread growth per ln(t / 1 s)"),
    Q(AIMRT_PARAM_RRAM_STD, "device.relaxation.std", "uS", 0, 1e3, 0.4118,
      "aihwkit ReRamCMONoiseModel", "RRAM spread at 1 s"),
    Q(AIMRT_PARAM_RRAM_T_MIN, "device.relaxation.t_min", "s", 1e-9, 1e9, 1,
      "aihwkit ReRamCMONoiseModel", "RRAM times below this count as this"),
    Q(AIMRT_PARAM_FAULT_SA0, "device.faults.p_sa0", "1", 0, 1, 0, "off",
      "probability of a cell stuck at g_min"),
    Q(AIMRT_PARAM_FAULT_SA1, "device.faults.p_sa1", "1", 0, 1, 0, "off",
      "probability of a cell stuck at g_max"),
    Q(AIMRT_PARAM_FAULT_RANDOM, "device.faults.p_rand", "1", 0, 1, 0, "off",
      "probability of a cell stuck at a random level"),
    Q(AIMRT_PARAM_SIGMA_I_REL, "device.mismatch.sigma_i", "1", 0, 1, 0, "off",
      "static relative mismatch of cell currents (charge and time domains)"),

    Q(AIMRT_PARAM_R_ROW, "circuit.wires.r_row", "ohm", 0, 1e6, 0, "off",
      "row wire resistance per cell"),
    Q(AIMRT_PARAM_R_COL, "circuit.wires.r_col", "ohm", 0, 1e6, 0, "off",
      "column wire resistance per cell"),
    Q(AIMRT_PARAM_R_DRIVER, "circuit.wires.r_driver", "ohm", 0, 1e9, 0, "off",
      "row driver output resistance"),
    Q(AIMRT_PARAM_R_SENSE, "circuit.wires.r_sense", "ohm", 0, 1e9, 0, "off",
      "column sense (clamp) input resistance"),
    C(AIMRT_PARAM_IR_DROP, "circuit.wires.ir_drop", "off|first-order|full", 0, "off",
      "IR drop model"),
    Q(AIMRT_PARAM_OUTPUT_NOISE, "circuit.output_noise", "1", 0, 10, 0, "off",
      "output-referred noise, normalized output units"),
    C(AIMRT_PARAM_DRIFT_COMPENSATION, "circuit.drift_compensation", "off|global|per-column", 0,
      "off", "drift compensation the runtime applies"),
    Q(AIMRT_PARAM_TEMPERATURE, "circuit.temperature", "K", 0, 1000, 300, "room temperature",
      "temperature of the kT/C noise, 0 turns it off"),
    Q(AIMRT_PARAM_C_SAMPLE, "circuit.c_sample", "F", 0, 1e-9, 0, "off",
      "sampling capacitance at the ADC (kT/C) of the current and resdiv domains"),
    Q(AIMRT_PARAM_COMPARATOR_OFFSET, "circuit.comparator.sigma_offset", "V", 0, 1, 0, "off",
      "static comparator offset spread between columns"),
    Q(AIMRT_PARAM_COMPARATOR_NOISE, "circuit.comparator.sigma_noise", "V", 0, 1, 0, "off",
      "comparator noise per decision"),
    Q(AIMRT_PARAM_SWITCH_A0, "circuit.switch.a0", "V", -1, 1, 0, "off",
      "sampling switch offset (charge injection, feedthrough)"),
    Q(AIMRT_PARAM_SWITCH_A1, "circuit.switch.a1", "1", -1, 1, 0, "off",
      "sampling switch gain error"),
    Q(AIMRT_PARAM_SWITCH_SIGMA_A0, "circuit.switch.sigma_a0", "V", 0, 1, 0, "off",
      "static spread of the switch offset"),
    Q(AIMRT_PARAM_SWITCH_SIGMA_A1, "circuit.switch.sigma_a1", "1", 0, 1, 0, "off",
      "static spread of the switch gain error"),
    Q(AIMRT_PARAM_C_UNIT, "circuit.capacitors.c_unit", "F", 0, 1e-9, 0, "none",
      "unit capacitor"),
    Q(AIMRT_PARAM_A_C, "circuit.capacitors.a_c", "sqrt(fF)", 0, 1, 0, "off",
      "capacitor mismatch: sigma(dC/C) = a_c / sqrt(C in fF)"),
    Q(AIMRT_PARAM_C_PARASITIC, "circuit.capacitors.c_parasitic", "F", 0, 1e-9, 0, "off",
      "parasitic capacitance of a column's shared node"),
    Q(AIMRT_PARAM_C_PARASITIC_SPREAD, "circuit.capacitors.parasitic_spread", "1", 0, 1, 0, "off",
      "static relative spread of the parasitic capacitance between columns"),
    Q(AIMRT_PARAM_V_DD, "circuit.v_dd", "V", 0, 10, 0, "none",
      "charge sharing supply and capacitive division step"),
    Q(AIMRT_PARAM_C_BITLINE, "circuit.charge.c_bitline", "F", 0, 1e-9, 0, "none",
      "charge domain bitline capacitance"),
    Q(AIMRT_PARAM_V_PRECHARGE, "circuit.charge.v_precharge", "V", 0, 10, 0, "none",
      "charge domain bitline precharge"),
    Q(AIMRT_PARAM_I_CELL, "circuit.charge.i_cell", "A", 0, 1e-2, 0, "none",
      "charge domain current of a top-level cell"),
    Q(AIMRT_PARAM_T_LSB, "circuit.charge.t_lsb", "s", 0, 1e-3, 0, "none",
      "charge domain pulse width of input 1"),
    C(AIMRT_PARAM_NODE_DEPENDENCE, "circuit.charge.node_voltage_dependence", "off|on", 0, "off",
      "cell current falls with the bitline voltage"),
    Q(AIMRT_PARAM_V_READ, "circuit.v_read", "V", 0, 10, 0, "none",
      "row voltage of a full-scale input (current and resistive division)"),
    Q(AIMRT_PARAM_V_REF, "circuit.v_ref", "V", -10, 10, 0, "none",
      "resistive division reference voltage"),
    Q(AIMRT_PARAM_G_LOAD, "circuit.resdiv.g_load", "uS", 0, 1e6, 0, "off",
      "resistive division load conductance to v_ref"),
    Q(AIMRT_PARAM_C_LINE, "circuit.resdiv.c_line", "F", 0, 1e-9, 0, "off",
      "resistive division line capacitance (settling)"),
    Q(AIMRT_PARAM_T_SAMPLE, "circuit.resdiv.t_sample", "s", 0, 1, 0, "off",
      "resistive division settling time before the sample; 0 samples the settled value"),
    Q(AIMRT_PARAM_TAU_0, "circuit.time.tau_0", "s", 0, 1e-3, 0, "none",
      "delay line stage delay at product 0"),
    Q(AIMRT_PARAM_DTAU, "circuit.time.dtau", "s", 0, 1e-3, 0, "none",
      "delay line delay per level unit"),
    Q(AIMRT_PARAM_SIGMA_TAU, "circuit.time.sigma_tau", "s", 0, 1e-3, 0, "off",
      "delay line static stage mismatch"),
    Q(AIMRT_PARAM_SIGMA_JITTER, "circuit.time.sigma_jitter", "s", 0, 1e-3, 0, "off",
      "delay line jitter per stage and pass"),

    Q(AIMRT_PARAM_ADC_BOUND, "adc.bound", "1", 1e-3, 1e6, 10,
      "aihwkit StandardHWATrainingPreset", "ADC range without calibration, normalized output units"),
    Q(AIMRT_PARAM_ADC_SIGMA_DNL, "adc.sigma_dnl", "LSB", 0, 10, 0, "off",
      "static spread of each ADC threshold"),
    Q(AIMRT_PARAM_ADC_A_INL, "adc.a_inl", "LSB", -100, 100, 0, "off", "ADC INL bow at mid-scale"),
    Q(AIMRT_PARAM_ADC_SIGMA_NOISE, "adc.sigma_noise", "1", 0, 10, 0, "off",
      "ADC input noise per conversion, normalized output units"),
    Q(AIMRT_PARAM_DAC_SIGMA_NOISE, "input.dac.sigma_noise", "1", 0, 10, 0, "off",
      "DAC output noise per MVM, normalized input units"),
    Q(AIMRT_PARAM_DAC_ASYMMETRY, "input.dac.asymmetry", "1", -1, 1, 0, "off",
      "negative inputs are driven (1 - asymmetry) as strong"),
    Q(AIMRT_PARAM_PWM_EDGE_ERROR, "input.pwm.edge_error", "s", 0, 1e-6, 0, "off",
      "static spread of a row's pulse width"),
    Q(AIMRT_PARAM_PWM_JITTER, "input.pwm.jitter", "s", 0, 1e-6, 0, "off",
      "pulse width jitter per pulse"),

    Q(AIMRT_PARAM_COST_ADC_FOM, "cost.adc_fom", "J", 0, 1e-9, 0, "off",
      "ADC Walden figure of merit, energy per conversion step"),
    Q(AIMRT_PARAM_COST_ADC_TIME, "cost.adc_time", "s", 0, 1e-3, 0, "off",
      "time of one ADC or TDC conversion"),
    Q(AIMRT_PARAM_COST_ADC_SHARE, "cost.adc_share", "1", 1, 65536, 1, "model",
      "tile columns that share one ADC and are converted one after another"),
    Q(AIMRT_PARAM_COST_DAC_ENERGY, "cost.dac_energy", "J", 0, 1e-9, 0, "off",
      "energy of one row driver or DAC conversion, per input phase"),
    Q(AIMRT_PARAM_COST_CELL_ENERGY, "cost.cell_energy", "J", 0, 1e-9, 0, "off",
      "energy of one cell access (C V^2 or I V t) per input phase"),
    Q(AIMRT_PARAM_COST_COLUMN_ENERGY, "cost.column_energy", "J", 0, 1e-9, 0, "off",
      "energy of one column line (precharge, clamp or sample) per input phase"),
    Q(AIMRT_PARAM_COST_PHASE_TIME, "cost.phase_time", "s", 0, 1e-3, 0, "off",
      "integration, discharge or settling time of one input phase"),
    Q(AIMRT_PARAM_COST_DIGITAL_ENERGY, "cost.digital_energy", "J", 0, 1e-9, 0, "off",
      "energy of one digital shift-add or partial-sum accumulation"),
    Q(AIMRT_PARAM_COST_CELL_AREA, "cost.cell_area", "m^2", 0, 1e-6, 0, "off",
      "area of one cell of the array"),
    Q(AIMRT_PARAM_COST_ADC_AREA, "cost.adc_area", "m^2", 0, 1e-3, 0, "off",
      "area of one ADC or TDC"),
    Q(AIMRT_PARAM_COST_DAC_AREA, "cost.dac_area", "m^2", 0, 1e-3, 0, "off",
      "area of one row driver or DAC"),
    Q(AIMRT_PARAM_COST_PERIPHERY_AREA, "cost.periphery_area", "m^2", 0, 1e-3, 0, "off",
      "area of one tile's control, buffers and digital shift-add"),
};

#define REGISTRY_COUNT ((int)(sizeof REGISTRY / sizeof REGISTRY[0]))

int aimrt_param_count(void)
{
    return REGISTRY_COUNT;
}

const aimrt_param_info *aimrt_param_at(int index)
{
    return index >= 0 && index < REGISTRY_COUNT ? &REGISTRY[index] : NULL;
}

const aimrt_param_info *aimrt_param_get(int id)
{
    for (int i = 0; i < REGISTRY_COUNT; i++)
        if ((int)REGISTRY[i].id == id)
            return &REGISTRY[i];
    return NULL;
}

int aimrt_param_find(const char *path)
{
    if (!path)
        return -1;
    for (int i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(REGISTRY[i].path, path) == 0)
            return (int)REGISTRY[i].id;
    return -1;
}

void aimrt_kind_params_defaults(aimrt_kind_params *params)
{
    for (int i = 0; i < AIMRT_PARAM_SLOTS; i++) {
        const aimrt_param_info *info = aimrt_param_get(i);
        params->value[i] = info ? info->fallback : 0.0;
        params->given[i] = false;
    }
}

/* Splits a unit into an SI prefix factor and its base ("uS" -> 1e-6, "S"). */
static const char *split_prefix(const char *unit, double *factor)
{
    static const char *const bases[] = {"S", "s", "F", "V", "A", "ohm", "J", "m^2", NULL};
    static const struct {
        char prefix;
        double factor;
    } prefixes[] = {{'f', 1e-15}, {'p', 1e-12}, {'n', 1e-9}, {'u', 1e-6},
                    {'m', 1e-3},  {'k', 1e3},   {'M', 1e6}};
    *factor = 1.0;
    for (int b = 0; bases[b]; b++)
        if (strcmp(unit, bases[b]) == 0)
            return bases[b];
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        if (unit[0] != prefixes[p].prefix)
            continue;
        for (int b = 0; bases[b]; b++) {
            if (strcmp(unit + 1, bases[b]) != 0)
                continue;
            /* A prefix on m^2 applies to the metre: um^2 is 1e-12 m^2. */
            const bool area = strcmp(bases[b], "m^2") == 0;
            *factor = area ? prefixes[p].factor * prefixes[p].factor : prefixes[p].factor;
            return bases[b];
        }
    }
    return NULL;
}

double aimrt_param_unit_factor(const char *stored, const char *given)
{
    if (!stored || !given)
        return 0.0;
    if (strcmp(stored, given) == 0)
        return 1.0;
    if (strcmp(stored, "1") == 0 && strcmp(given, "%") == 0)
        return 0.01;
    if (strcmp(stored, "sqrt(fF)") == 0 && strcmp(given, "% sqrt(fF)") == 0)
        return 0.01;
    double f_stored, f_given;
    const char *b_stored = split_prefix(stored, &f_stored);
    const char *b_given = split_prefix(given, &f_given);
    if (!b_stored || !b_given || strcmp(b_stored, b_given) != 0)
        return 0.0;
    return f_given / f_stored;
}
