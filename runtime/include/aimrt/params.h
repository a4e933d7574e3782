/* SPDX-License-Identifier: MIT */
/*
 * The physical parameters of a tile kind: one registry shared by the target
 * parser (libaimcc), the program format (section 8, kind parameters) and the
 * simulator. A target file sets a parameter at its dotted path under the
 * kind, as {"value", "unit", "source"}; the compiler converts the value to
 * the registry's unit and the program stores it as a double.
 *
 * Ids are stored in programs: they are fixed and only appended. Ids 0 to 99
 * are device, circuit and converter parameters; ids 100 to 199 are cost
 * parameters (energy, latency, area).
 */
#ifndef AIMRT_PARAMS_H
#define AIMRT_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aimrt_param {
    /* Device: conductance window. */
    AIMRT_PARAM_G_MIN = 0,                /* device.g_min, uS */
    AIMRT_PARAM_G_MAX = 1,                /* device.g_max, uS */
    /* Device: programming noise. PCM cells use the polynomial; other
     * cells use sigma_rel of g_max. */
    AIMRT_PARAM_PROG_C0 = 2,              /* device.programming.c0, uS */
    AIMRT_PARAM_PROG_C1 = 3,              /* device.programming.c1, uS */
    AIMRT_PARAM_PROG_C2 = 4,              /* device.programming.c2, uS */
    AIMRT_PARAM_PROG_SCALE = 5,           /* device.programming.scale, 1 */
    AIMRT_PARAM_PROG_SIGMA_REL = 6,       /* device.programming.sigma_rel, 1 */
    /* Device: drift and accumulated read noise. */
    AIMRT_PARAM_DRIFT_T0 = 7,             /* device.drift.t0, s */
    AIMRT_PARAM_DRIFT_SCALE = 8,          /* device.drift.scale, 1 */
    AIMRT_PARAM_READ_T_READ = 9,          /* device.read_noise.t_read, s */
    AIMRT_PARAM_READ_SCALE = 10,          /* device.read_noise.scale, 1 */
    AIMRT_PARAM_READ_MVM = 11,            /* device.read_noise.mvm, 1 (normalized weight) */
    /* Device: RRAM log-time relaxation (aihwkit ReRamCMONoiseModel). */
    AIMRT_PARAM_RRAM_MEAN_PER_LN_S = 12,  /* device.relaxation.mean, uS */
    AIMRT_PARAM_RRAM_STD_PER_LN_S = 13,   /* device.relaxation.std_slope, uS */
    AIMRT_PARAM_RRAM_STD = 14,            /* device.relaxation.std, uS */
    AIMRT_PARAM_RRAM_T_MIN = 15,          /* device.relaxation.t_min, s */
    /* Device: stuck-at faults. */
    AIMRT_PARAM_FAULT_SA0 = 16,           /* device.faults.p_sa0, 1 */
    AIMRT_PARAM_FAULT_SA1 = 17,           /* device.faults.p_sa1, 1 */
    AIMRT_PARAM_FAULT_RANDOM = 18,        /* device.faults.p_rand, 1 */
    /* Device: cell current mismatch, charge and time domains. */
    AIMRT_PARAM_SIGMA_I_REL = 19,         /* device.mismatch.sigma_i, 1 */

    /* Circuit: wires and IR drop. */
    AIMRT_PARAM_R_ROW = 30,               /* circuit.wires.r_row, ohm per cell */
    AIMRT_PARAM_R_COL = 31,               /* circuit.wires.r_col, ohm per cell */
    AIMRT_PARAM_R_DRIVER = 32,            /* circuit.wires.r_driver, ohm */
    AIMRT_PARAM_R_SENSE = 33,             /* circuit.wires.r_sense, ohm */
    AIMRT_PARAM_IR_DROP = 34,             /* circuit.wires.ir_drop: off | first-order | full */
    /* Circuit: output-referred noise and drift compensation. */
    AIMRT_PARAM_OUTPUT_NOISE = 35,        /* circuit.output_noise, 1 (normalized output) */
    AIMRT_PARAM_DRIFT_COMPENSATION = 36,  /* circuit.drift_compensation: off | global | per-column */
    /* Circuit: sampling, comparator, switches. */
    AIMRT_PARAM_TEMPERATURE = 37,         /* circuit.temperature, K */
    AIMRT_PARAM_C_SAMPLE = 38,            /* circuit.c_sample, F; 0: no kT/C at the sample */
    AIMRT_PARAM_COMPARATOR_OFFSET = 39,   /* circuit.comparator.sigma_offset, V */
    AIMRT_PARAM_COMPARATOR_NOISE = 40,    /* circuit.comparator.sigma_noise, V */
    AIMRT_PARAM_SWITCH_A0 = 41,           /* circuit.switch.a0, V */
    AIMRT_PARAM_SWITCH_A1 = 42,           /* circuit.switch.a1, 1 */
    AIMRT_PARAM_SWITCH_SIGMA_A0 = 43,     /* circuit.switch.sigma_a0, V */
    AIMRT_PARAM_SWITCH_SIGMA_A1 = 44,     /* circuit.switch.sigma_a1, 1 */
    /* Circuit: capacitors. */
    AIMRT_PARAM_C_UNIT = 45,              /* circuit.capacitors.c_unit, F */
    AIMRT_PARAM_A_C = 46,                 /* circuit.capacitors.a_c, sqrt(fF) (fraction x sqrt(fF)) */
    AIMRT_PARAM_C_PARASITIC = 47,         /* circuit.capacitors.c_parasitic, F */
    AIMRT_PARAM_C_PARASITIC_SPREAD = 48,  /* circuit.capacitors.parasitic_spread, 1 */
    AIMRT_PARAM_V_DD = 49,                /* circuit.v_dd, V: charge sharing supply, capdiv step */
    /* Circuit: charge domain (bitline discharge). */
    AIMRT_PARAM_C_BITLINE = 50,           /* circuit.charge.c_bitline, F */
    AIMRT_PARAM_V_PRECHARGE = 51,         /* circuit.charge.v_precharge, V */
    AIMRT_PARAM_I_CELL = 52,              /* circuit.charge.i_cell, A */
    AIMRT_PARAM_T_LSB = 53,               /* circuit.charge.t_lsb, s */
    AIMRT_PARAM_NODE_DEPENDENCE = 54,     /* circuit.charge.node_voltage_dependence: off | on */
    /* Circuit: current and resistive-division rows and lines. */
    AIMRT_PARAM_V_READ = 55,              /* circuit.v_read, V */
    AIMRT_PARAM_V_REF = 56,               /* circuit.v_ref, V */
    AIMRT_PARAM_G_LOAD = 57,              /* circuit.resdiv.g_load, uS */
    AIMRT_PARAM_C_LINE = 58,              /* circuit.resdiv.c_line, F */
    AIMRT_PARAM_T_SAMPLE = 59,            /* circuit.resdiv.t_sample, s; 0: fully settled */
    /* Circuit: time domain. */
    AIMRT_PARAM_TAU_0 = 60,               /* circuit.time.tau_0, s */
    AIMRT_PARAM_DTAU = 61,                /* circuit.time.dtau, s */
    AIMRT_PARAM_SIGMA_TAU = 62,           /* circuit.time.sigma_tau, s */
    AIMRT_PARAM_SIGMA_JITTER = 63,        /* circuit.time.sigma_jitter, s */
    /* Converters. */
    AIMRT_PARAM_ADC_BOUND = 70,           /* adc.bound, 1 (normalized output) */
    AIMRT_PARAM_ADC_SIGMA_DNL = 71,       /* adc.sigma_dnl, LSB */
    AIMRT_PARAM_ADC_A_INL = 72,           /* adc.a_inl, LSB */
    AIMRT_PARAM_ADC_SIGMA_NOISE = 73,     /* adc.sigma_noise, 1 (normalized output) */
    AIMRT_PARAM_DAC_SIGMA_NOISE = 74,     /* input.dac.sigma_noise, 1 (normalized input) */
    AIMRT_PARAM_DAC_ASYMMETRY = 75,       /* input.dac.asymmetry, 1 */
    AIMRT_PARAM_PWM_EDGE_ERROR = 76,      /* input.pwm.edge_error, s */
    AIMRT_PARAM_PWM_JITTER = 77,          /* input.pwm.jitter, s */

    /* Cost (ids 100 to 199): see docs/cost-model.md. */
    AIMRT_PARAM_COST_FIRST = 100,
    AIMRT_PARAM_COST_ADC_FOM = 100,       /* cost.adc_fom, J per conversion step (Walden) */
    AIMRT_PARAM_COST_ADC_TIME = 101,      /* cost.adc_time, s per conversion */
    AIMRT_PARAM_COST_ADC_SHARE = 102,     /* cost.adc_share, 1: columns that share one ADC */
    AIMRT_PARAM_COST_DAC_ENERGY = 103,    /* cost.dac_energy, J per row and input phase */
    AIMRT_PARAM_COST_CELL_ENERGY = 104,   /* cost.cell_energy, J per cell and input phase */
    AIMRT_PARAM_COST_COLUMN_ENERGY = 105, /* cost.column_energy, J per column and input phase */
    AIMRT_PARAM_COST_PHASE_TIME = 106,    /* cost.phase_time, s: integration or settling per phase */
    AIMRT_PARAM_COST_DIGITAL_ENERGY = 107, /* cost.digital_energy, J per shift-add or accumulate */
    AIMRT_PARAM_COST_CELL_AREA = 108,     /* cost.cell_area, m^2 per cell */
    AIMRT_PARAM_COST_ADC_AREA = 109,      /* cost.adc_area, m^2 per ADC or TDC */
    AIMRT_PARAM_COST_DAC_AREA = 110,      /* cost.dac_area, m^2 per row driver or DAC */
    AIMRT_PARAM_COST_PERIPHERY_AREA = 111, /* cost.periphery_area, m^2 per tile (control, buffers) */
    AIMRT_PARAM_COST_LAST = 111,

    AIMRT_PARAM_SLOTS = 200,              /* array size for values indexed by id */
} aimrt_param;

/* How a parameter is written in a target file. */
typedef enum aimrt_param_type {
    AIMRT_PARAM_QUANTITY = 0, /* {"value", "unit", "source"}; stored in the registry's unit */
    AIMRT_PARAM_CHOICE = 1,   /* a string among choices; stored as its index */
} aimrt_param_type;

typedef struct aimrt_param_info {
    aimrt_param id;
    const char *path;     /* dotted path under the kind: "device.g_max" */
    aimrt_param_type type;
    const char *unit;     /* QUANTITY: the unit values are stored in ("uS", "s", "F", "1") */
    double min;           /* QUANTITY: allowed range, inclusive, in that unit */
    double max;
    const char *choices;  /* CHOICE: names separated by '|', index 0 first */
    double fallback;      /* value when the target does not set it */
    const char *source;   /* source of the fallback: a reference, "assume", or "off" when
                           * the fallback turns the effect off */
    const char *meaning;  /* one line for docs/targets.md and messages */
} aimrt_param_info;

/* Returns the registry entry of id, or NULL when id is not a parameter. */
const aimrt_param_info *aimrt_param_get(int id);

/* Returns the id of the parameter at path, or -1. */
int aimrt_param_find(const char *path);

/* The registry in id order, for docs and parsers: aimrt_param_at(i) for
 * i in [0, aimrt_param_count()). */
int aimrt_param_count(void);
const aimrt_param_info *aimrt_param_at(int index);

/*
 * Returns the factor that converts a value in unit `given` to the registry's
 * unit `stored` (value_stored = value_given * factor), or 0 when the units
 * measure different quantities. Knows SI prefixes p, n, u, m, k, M on S, s,
 * F, V, A, ohm, J, m^2 (also um^2, mm^2), and "%" for "1".
 */
double aimrt_param_unit_factor(const char *stored, const char *given);

/* Values of every parameter of one tile kind, indexed by id. */
typedef struct aimrt_kind_params {
    double value[AIMRT_PARAM_SLOTS]; /* the target's value, else the registry's fallback */
    bool given[AIMRT_PARAM_SLOTS];   /* the target (or the program) set it */
} aimrt_kind_params;

/* Fills every slot with its fallback and given = false. */
void aimrt_kind_params_defaults(aimrt_kind_params *params);

#ifdef __cplusplus
}
#endif

#endif
