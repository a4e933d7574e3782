/* SPDX-License-Identifier: MIT */
/*
 * Converter models of the simulator: the ADC at the end of each column
 * (quantization, saturation, INL and per-code DNL), the input DAC and PWM
 * drivers (quantization, noise, edge error, jitter, asymmetry) and the TDC of
 * the time domain. Pure functions: parameters come in structs, random draws
 * come from the counter-based streams of sim/random.h.
 */
#ifndef AIMRT_SIM_CONVERTERS_H
#define AIMRT_SIM_CONVERTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "aimrt/aimrt.h"
#include "sim/random.h"

/* Largest ADC, DAC or TDC resolution accepted. */
#define AIMRT_SIM_MAX_CONVERTER_BITS 24

/*
 * ADC parameters. Code k (0 .. n_codes - 1) reconstructs to
 * range_min_norm + k * LSB, so the range ends are the first and last levels
 * and LSB = (range_max_norm - range_min_norm) / (n_codes - 1).
 */
typedef struct aimrt_sim_adc_params {
    int32_t bits;            /* 1 .. AIMRT_SIM_MAX_CONVERTER_BITS */
    int32_t n_codes;         /* 0 means 2^bits; else 2 .. 2^bits (255 for 254 steps) */
    double range_min_norm;   /* level of code 0, normalized output units */
    double range_max_norm;   /* level of the top code, > range_min_norm */
    double sigma_dnl_lsb;    /* static spread of each threshold (DNL), LSB; 0 is ideal */
    double a_inl_lsb;        /* INL bow at mid-scale, LSB; 0 is ideal */
    double sigma_noise_norm; /* comparator noise per conversion, normalized units */
} aimrt_sim_adc_params;

/* One ADC instance with its static thresholds drawn. */
typedef struct aimrt_sim_adc {
    aimrt_sim_adc_params params;
    int32_t n_codes;
    double lsb_norm;
    const double *thresholds; /* n_codes - 1 ascending values (borrowed); NULL when ideal */
} aimrt_sim_adc;

/* Returns the ADC of the aimcc presets: 8 bits over [-10, 10] (aihwkit's
 * StandardHWATrainingPreset output bound), otherwise ideal. */
aimrt_sim_adc_params aimrt_sim_adc_defaults(void);

/* Returns the number of thresholds aimrt_sim_adc_init needs in its buffer:
 * n_codes - 1 when DNL or INL is nonzero, 0 for an ideal ADC. Returns -1 on
 * parameters that aimrt_sim_adc_init would reject. */
int64_t aimrt_sim_adc_threshold_count(const aimrt_sim_adc_params *params);

/*
 * Checks params and builds one ADC. With DNL or INL, draws its thresholds
 * once from the static stream of key (effect set to AIMRT_SIM_EFFECT_ADC; cell =
 * the ADC's index) into thresholds (n_thresholds from
 * aimrt_sim_adc_threshold_count, kept by the ADC). Returns
 * AIMRT_ERR_INVALID_ARG with a message naming the field otherwise.
 */
aimrt_status aimrt_sim_adc_init(aimrt_sim_adc *adc, const aimrt_sim_adc_params *params,
                                double *thresholds, int64_t n_thresholds, const aimrt_sim_static_key *key,
                                aimrt_error *error);

/*
 * Converts v_norm to a code in [0, n_codes - 1]. Adds comparator noise drawn
 * from the dynamic stream of where (effect set to AIMRT_SIM_EFFECT_ADC), clips to
 * the range, and finds the code among the thresholds. where may be NULL when
 * sigma_noise_norm is 0. NaN converts to code 0.
 */
int32_t aimrt_sim_adc_convert(const aimrt_sim_adc *adc, double v_norm,
                              const aimrt_sim_dynamic_key *where);

/* Returns the reconstruction level of code, in normalized units. */
double aimrt_sim_adc_level(const aimrt_sim_adc *adc, int32_t code);

/* Returns threshold T_k between codes k and k + 1, k in [0, n_codes - 2]. */
double aimrt_sim_adc_threshold(const aimrt_sim_adc *adc, int32_t k);

/* Returns the DNL of code k + 1, (T_(k+1) - T_k) / LSB - 1, in LSB, for k in
 * [0, n_codes - 3]. */
double aimrt_sim_adc_dnl_lsb(const aimrt_sim_adc *adc, int32_t k);

/* Returns the energy of one conversion in joules from the Walden figure of
 * merit (joules per conversion step) and the effective number of bits. */
double aimrt_sim_adc_energy_j(double fom_walden_j, double enob);

/*
 * Input DAC parameters. An input x in normalized units ([-1, 1] after input
 * range scaling) becomes the integer code clamp(round_half_even(x * Q)),
 * Q = 2^(bits-1) - 1 when signed (code in [-Q, Q]) or 2^bits - 1 when
 * unsigned (code in [0, Q]), the same codes as the quantized LINEAR of the
 * program.
 */
typedef struct aimrt_sim_dac_params {
    int32_t bits; /* 1 .. AIMRT_SIM_MAX_CONVERTER_BITS, sign included */
    bool is_signed;
    bool stochastic_rounding; /* round up with probability equal to the fraction */
    double sigma_noise_norm;  /* noise added to each driven level, normalized units */
    double asymmetry;         /* a_in in [0, 1]: negative levels drive at (1 - a_in) */
} aimrt_sim_dac_params;

/* Returns an ideal signed 8-bit DAC, sign included (aihwkit's input
 * resolution). */
aimrt_sim_dac_params aimrt_sim_dac_defaults(void);

/* Checks DAC parameters; returns AIMRT_ERR_INVALID_ARG naming the field. */
aimrt_status aimrt_sim_dac_check(const aimrt_sim_dac_params *params, aimrt_error *error);

/* Returns Q, the largest code magnitude of a checked DAC. */
int32_t aimrt_sim_dac_max_code(const aimrt_sim_dac_params *params);

/* Quantizes x_norm to a code. Stochastic rounding draws from where (effect
 * AIMRT_SIM_EFFECT_DAC, draw 1; column = input row); NULL where means round to
 * nearest even. NaN gives code 0. */
int32_t aimrt_sim_dac_quantize(const aimrt_sim_dac_params *params, double x_norm,
                               const aimrt_sim_dynamic_key *where);

/* Returns the level a code drives, in normalized units: code / Q, scaled by
 * (1 - a_in) when negative, plus noise from where (effect AIMRT_SIM_EFFECT_DAC,
 * draw 0; where may be NULL when sigma_noise_norm is 0). */
double aimrt_sim_dac_drive(const aimrt_sim_dac_params *params, int32_t code,
                           const aimrt_sim_dynamic_key *where);

/*
 * PWM input parameters. Code c drives a pulse of nominal width |c| t_lsb_s
 * on the row (the sign on a separate line or pass). A nonzero pulse gets a
 * static per-row edge error and dynamic jitter; a nominal width below
 * min_pulse_s is dropped.
 */
typedef struct aimrt_sim_pwm_params {
    int32_t bits; /* 1 .. AIMRT_SIM_MAX_CONVERTER_BITS, sign included */
    bool is_signed;
    double t_lsb_s;        /* unit pulse width T_LSB, > 0 */
    double sigma_edge_s;   /* static edge error per row */
    double sigma_jitter_s; /* dynamic timing jitter per pulse */
    double min_pulse_s;    /* shortest pulse the driver produces */
    double asymmetry;      /* a_in in [0, 1]: negative pulses act at (1 - a_in) */
} aimrt_sim_pwm_params;

/* Checks PWM parameters; returns AIMRT_ERR_INVALID_ARG naming the field. */
aimrt_status aimrt_sim_pwm_check(const aimrt_sim_pwm_params *params, aimrt_error *error);

/* Draws the static edge error of one row in seconds from key (effect
 * AIMRT_SIM_EFFECT_DAC; cell = the row). */
double aimrt_sim_pwm_edge_error_s(const aimrt_sim_pwm_params *params, const aimrt_sim_static_key *key);

/* Returns the width of the pulse of code, in seconds, never negative:
 * |code| t_lsb_s + edge_error_s + jitter drawn from where (effect
 * AIMRT_SIM_EFFECT_JITTER; may be NULL when sigma_jitter_s is 0). Code 0 and
 * nominal widths below min_pulse_s give 0. */
double aimrt_sim_pwm_width_s(const aimrt_sim_pwm_params *params, int32_t code, double edge_error_s,
                             const aimrt_sim_dynamic_key *where);

/* Returns the effective normalized input of a pulse: its width over
 * Q t_lsb_s, with the code's sign, scaled by (1 - a_in) when negative. */
double aimrt_sim_pwm_input_norm(const aimrt_sim_pwm_params *params, int32_t code,
                                double edge_error_s, const aimrt_sim_dynamic_key *where);

/* TDC parameters: code k reconstructs to k * lsb_s, and times at or above
 * (2^bits - 1) lsb_s saturate to the top code. */
typedef struct aimrt_sim_tdc_params {
    int32_t bits;         /* 1 .. AIMRT_SIM_MAX_CONVERTER_BITS */
    double lsb_s;         /* tau_TDC, > 0 */
    double sigma_dnl_lsb; /* static threshold spread, LSB */
    double a_inl_lsb;     /* INL bow at mid-scale, LSB */
    double sigma_noise_s; /* timing noise per conversion */
} aimrt_sim_tdc_params;

/* Returns the number of thresholds aimrt_sim_tdc_init needs, as for the ADC. */
int64_t aimrt_sim_tdc_threshold_count(const aimrt_sim_tdc_params *params);

/* Builds a TDC as an ADC over [0, (2^bits - 1) lsb_s] in seconds; convert
 * with aimrt_sim_adc_convert and read levels with aimrt_sim_adc_level. */
aimrt_status aimrt_sim_tdc_init(aimrt_sim_adc *tdc, const aimrt_sim_tdc_params *params,
                                double *thresholds, int64_t n_thresholds, const aimrt_sim_static_key *key,
                                aimrt_error *error);

#endif
