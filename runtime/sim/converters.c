/* SPDX-License-Identifier: MIT */
/*
 * Converter models: ADC thresholds with INL and DNL, ideal quantization by
 * arithmetic when there is neither (so integer sums convert exactly), the
 * input DAC and PWM drivers, and the TDC as an ADC over time. Static draws
 * (thresholds, edge errors) are made once per converter; dynamic draws
 * (comparator noise, DAC noise, jitter) once per conversion.
 */
#include "sim/converters.h"

#include <math.h>
#include <stddef.h>

#include "program_internal.h"

static double normal_dynamic(const aimrt_sim_dynamic_key *where, aimrt_sim_effect effect, uint32_t i)
{
    aimrt_sim_dynamic_key key = *where;
    key.effect = (uint32_t)effect;
    return aimrt_sim_normal_dynamic(&key, i);
}

/* Rounds half to even without depending on the floating-point rounding mode,
 * as the compiler's input quantization does. */
static double round_half_even(double x)
{
    const double r = floor(x + 0.5);
    if (r - x == 0.5 && fmod(r, 2.0) != 0.0)
        return r - 1.0;
    return r;
}

aimrt_sim_adc_params aimrt_sim_adc_defaults(void)
{
    /* Output bound 10 of aihwkit's StandardHWATrainingPreset; 8 bits is the
     * aimcc preset resolution. DNL, INL and noise have no published default. */
    return (aimrt_sim_adc_params){.bits = 8, .range_min_norm = -10.0, .range_max_norm = 10.0};
}

static int32_t adc_code_count(const aimrt_sim_adc_params *params)
{
    if (params->bits < 1 || params->bits > AIMRT_SIM_MAX_CONVERTER_BITS)
        return -1;
    const int32_t full = INT32_C(1) << params->bits;
    if (params->n_codes == 0)
        return full;
    if (params->n_codes < 2 || params->n_codes > full)
        return -1;
    return params->n_codes;
}

static bool adc_is_ideal(const aimrt_sim_adc_params *params)
{
    return params->sigma_dnl_lsb == 0.0 && params->a_inl_lsb == 0.0;
}

int64_t aimrt_sim_adc_threshold_count(const aimrt_sim_adc_params *params)
{
    const int32_t n_codes = adc_code_count(params);
    if (n_codes < 0)
        return -1;
    return adc_is_ideal(params) ? 0 : n_codes - 1;
}

static aimrt_status adc_check(const aimrt_sim_adc_params *p, aimrt_error *error)
{
    if (adc_code_count(p) < 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "ADC: bits %d with n_codes %d is invalid; use 1 to %d bits and "
                               "n_codes 0 (2^bits) or 2 to 2^bits",
                               (int)p->bits, (int)p->n_codes, AIMRT_SIM_MAX_CONVERTER_BITS);
    if (!isfinite(p->range_min_norm) || !isfinite(p->range_max_norm) ||
        !(p->range_max_norm > p->range_min_norm))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "ADC: range [%g, %g] is invalid; range_max_norm must be finite "
                               "and above range_min_norm",
                               p->range_min_norm, p->range_max_norm);
    if (!(p->sigma_dnl_lsb >= 0.0) || !isfinite(p->sigma_dnl_lsb) || !isfinite(p->a_inl_lsb) ||
        !(p->sigma_noise_norm >= 0.0) || !isfinite(p->sigma_noise_norm))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "ADC: sigma_dnl_lsb %g, a_inl_lsb %g or sigma_noise_norm %g is "
                               "invalid; spreads must be finite and >= 0",
                               p->sigma_dnl_lsb, p->a_inl_lsb, p->sigma_noise_norm);
    return AIMRT_OK;
}

/*
 * Thresholds T_k = v_min + (k + 0.5) LSB + delta_k + INL(k), delta_k static
 * N(0, sigma_DNL LSB), INL(k) = a_INL LSB 4 u (1 - u), u = k / (n_codes - 1).
 * The bow is an assumed shape with no published source, so a_INL and
 * sigma_DNL come from the target and default to 0; the range convention
 * follows aihwkit's output bound (IBM aihwkit io parameters).
 */
static void adc_draw_thresholds(const aimrt_sim_adc *adc, double *t, const aimrt_sim_static_key *key)
{
    const aimrt_sim_adc_params *p = &adc->params;
    const int32_t n = adc->n_codes - 1;
    aimrt_sim_static_key k = *key;
    k.effect = AIMRT_SIM_EFFECT_ADC;
    for (int32_t i = 0; i < n; i++) {
        const double u = (double)i / (double)(adc->n_codes - 1);
        const double inl = p->a_inl_lsb * 4.0 * u * (1.0 - u);
        const double dnl =
            p->sigma_dnl_lsb == 0.0 ? 0.0 : p->sigma_dnl_lsb * aimrt_sim_normal_static(&k, (uint32_t)i);
        t[i] = p->range_min_norm + (i + 0.5 + inl + dnl) * adc->lsb_norm;
    }

    /* NOTE: thresholds drawn out of order (likely only as sigma_dnl_lsb
     * approaches 1 LSB) are sorted. The transfer then stays monotonic with a
     * missing code, where a real converter may be non-monotonic. */
    for (int32_t i = 1; i < n; i++) {
        const double v = t[i];
        int32_t j = i;
        for (; j > 0 && t[j - 1] > v; j--)
            t[j] = t[j - 1];
        t[j] = v;
    }
}

aimrt_status aimrt_sim_adc_init(aimrt_sim_adc *adc, const aimrt_sim_adc_params *params,
                                double *thresholds, int64_t n_thresholds, const aimrt_sim_static_key *key,
                                aimrt_error *error)
{
    if (!adc || !params)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "ADC: adc or params is NULL");
    const aimrt_status status = adc_check(params, error);
    if (status != AIMRT_OK)
        return status;

    const int64_t needed = aimrt_sim_adc_threshold_count(params);
    if (needed > 0 && (!thresholds || !key || n_thresholds < needed))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "ADC: the threshold buffer holds %lld values and needs %lld with "
                               "a static key; size it with aimrt_sim_adc_threshold_count",
                               thresholds ? (long long)n_thresholds : 0LL, (long long)needed);

    adc->params = *params;
    adc->n_codes = adc_code_count(params);
    adc->lsb_norm = (params->range_max_norm - params->range_min_norm) / (adc->n_codes - 1);
    adc->thresholds = NULL;
    if (needed > 0) {
        adc_draw_thresholds(adc, thresholds, key);
        adc->thresholds = thresholds;
    }
    return AIMRT_OK;
}

/* Returns the number of thresholds at or below v (binary search). */
static int32_t count_thresholds_below(const double *t, int32_t n, double v)
{
    int32_t lo = 0;
    int32_t hi = n;
    while (lo < hi) {
        const int32_t mid = lo + (hi - lo) / 2;
        if (t[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t aimrt_sim_adc_convert(const aimrt_sim_adc *adc, double v_norm, const aimrt_sim_dynamic_key *where)
{
    const aimrt_sim_adc_params *p = &adc->params;
    if (isnan(v_norm))
        return 0;
    if (p->sigma_noise_norm > 0.0 && where)
        v_norm += p->sigma_noise_norm * normal_dynamic(where, AIMRT_SIM_EFFECT_ADC, 0);

    /* Each conversion adds noise, clips to the range (saturation), then
     * searches the thresholds. */
    const int32_t top = adc->n_codes - 1;
    v_norm = fmin(fmax(v_norm, p->range_min_norm), p->range_max_norm);
    if (adc->thresholds)
        return count_thresholds_below(adc->thresholds, top, v_norm);

    /* Ideal: thresholds at half steps, and a tie goes up, as T_k <= v does. */
    const double code = floor((v_norm - p->range_min_norm) / adc->lsb_norm + 0.5);
    return (int32_t)fmin(fmax(code, 0.0), (double)top);
}

double aimrt_sim_adc_level(const aimrt_sim_adc *adc, int32_t code)
{
    return adc->params.range_min_norm + code * adc->lsb_norm;
}

double aimrt_sim_adc_threshold(const aimrt_sim_adc *adc, int32_t k)
{
    if (adc->thresholds)
        return adc->thresholds[k];
    return adc->params.range_min_norm + (k + 0.5) * adc->lsb_norm;
}

double aimrt_sim_adc_dnl_lsb(const aimrt_sim_adc *adc, int32_t k)
{
    const double width = aimrt_sim_adc_threshold(adc, k + 1) - aimrt_sim_adc_threshold(adc, k);
    return width / adc->lsb_norm - 1.0;
}

double aimrt_sim_adc_energy_j(double fom_walden_j, double enob)
{
    /* Walden figure of merit FoM_W = P / (2^ENOB f_s), so one conversion
     * costs FoM_W 2^ENOB (B. E. Jonsson, ADC survey FoM overview, 2011). */
    return fom_walden_j * exp2(enob);
}

aimrt_sim_dac_params aimrt_sim_dac_defaults(void)
{
    /* aihwkit's input resolution: 8 bits including the sign (io parameters,
     * StandardHWATrainingPreset with 254 input steps). */
    return (aimrt_sim_dac_params){.bits = 8, .is_signed = true};
}

static aimrt_status input_check(const char *what, int32_t bits, bool is_signed, double asymmetry,
                                aimrt_error *error)
{
    const int32_t min_bits = is_signed ? 2 : 1;
    if (bits < min_bits || bits > AIMRT_SIM_MAX_CONVERTER_BITS)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "%s: bits %d is invalid; use %d to %d bits (sign included)", what,
                               (int)bits, (int)min_bits, AIMRT_SIM_MAX_CONVERTER_BITS);
    if (!(asymmetry >= 0.0 && asymmetry <= 1.0))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "%s: asymmetry %g is outside [0, 1]",
                               what, asymmetry);
    return AIMRT_OK;
}

aimrt_status aimrt_sim_dac_check(const aimrt_sim_dac_params *params, aimrt_error *error)
{
    const aimrt_status status =
        input_check("DAC", params->bits, params->is_signed, params->asymmetry, error);
    if (status != AIMRT_OK)
        return status;
    if (!(params->sigma_noise_norm >= 0.0) || !isfinite(params->sigma_noise_norm))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "DAC: sigma_noise_norm %g is invalid; it must be finite and >= 0",
                               params->sigma_noise_norm);
    return AIMRT_OK;
}

static int32_t max_code(int32_t bits, bool is_signed)
{
    return is_signed ? (INT32_C(1) << (bits - 1)) - 1 : (int32_t)((INT64_C(1) << bits) - 1);
}

int32_t aimrt_sim_dac_max_code(const aimrt_sim_dac_params *params)
{
    return max_code(params->bits, params->is_signed);
}

int32_t aimrt_sim_dac_quantize(const aimrt_sim_dac_params *params, double x_norm,
                               const aimrt_sim_dynamic_key *where)
{
    if (isnan(x_norm))
        return 0;
    const int32_t q = aimrt_sim_dac_max_code(params);
    const double lo = params->is_signed ? -q : 0.0;
    const double scaled = fmin(fmax(x_norm * q, lo), (double)q);

    /* Stochastic rounding as in aihwkit's io parameters: up with the
     * probability of the fractional part, so the mean code is unbiased. */
    double code;
    if (params->stochastic_rounding && where) {
        aimrt_sim_dynamic_key key = *where;
        key.effect = AIMRT_SIM_EFFECT_DAC;
        code = floor(scaled + aimrt_sim_uniform_dynamic(&key, 1));
    } else {
        code = round_half_even(scaled);
    }
    return (int32_t)fmin(fmax(code, lo), (double)q);
}

double aimrt_sim_dac_drive(const aimrt_sim_dac_params *params, int32_t code,
                           const aimrt_sim_dynamic_key *where)
{
    /* DAC model of aihwkit's forward io parameters: quantized input plus
     * N(0, inp_noise), negative inputs scaled by (1 - a_in). */
    double level = (double)code / aimrt_sim_dac_max_code(params);
    if (code < 0)
        level *= 1.0 - params->asymmetry;
    if (params->sigma_noise_norm > 0.0 && where)
        level += params->sigma_noise_norm * normal_dynamic(where, AIMRT_SIM_EFFECT_DAC, 0);
    return level;
}

aimrt_status aimrt_sim_pwm_check(const aimrt_sim_pwm_params *p, aimrt_error *error)
{
    const aimrt_status status = input_check("PWM", p->bits, p->is_signed, p->asymmetry, error);
    if (status != AIMRT_OK)
        return status;
    if (!(p->t_lsb_s > 0.0) || !isfinite(p->t_lsb_s))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "PWM: t_lsb_s %g is invalid; the unit pulse must be finite and > 0",
                               p->t_lsb_s);
    if (!(p->sigma_edge_s >= 0.0) || !(p->sigma_jitter_s >= 0.0) || !(p->min_pulse_s >= 0.0) ||
        !isfinite(p->sigma_edge_s) || !isfinite(p->sigma_jitter_s) || !isfinite(p->min_pulse_s))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "PWM: sigma_edge_s %g, sigma_jitter_s %g or min_pulse_s %g is "
                               "invalid; each must be finite and >= 0",
                               p->sigma_edge_s, p->sigma_jitter_s, p->min_pulse_s);
    return AIMRT_OK;
}

double aimrt_sim_pwm_edge_error_s(const aimrt_sim_pwm_params *params, const aimrt_sim_static_key *key)
{
    if (params->sigma_edge_s == 0.0)
        return 0.0;
    aimrt_sim_static_key k = *key;
    k.effect = AIMRT_SIM_EFFECT_DAC;
    return params->sigma_edge_s * aimrt_sim_normal_static(&k, 0);
}

double aimrt_sim_pwm_width_s(const aimrt_sim_pwm_params *params, int32_t code, double edge_error_s,
                             const aimrt_sim_dynamic_key *where)
{
    /* PWM timing: t_i = |code| T_LSB + e_edge + jitter; a pulse the driver
     * cannot produce (below the minimum width) is dropped. */
    const double nominal = fabs((double)code) * params->t_lsb_s;
    if (code == 0 || nominal < params->min_pulse_s)
        return 0.0;
    double width = nominal + edge_error_s;
    if (params->sigma_jitter_s > 0.0 && where)
        width += params->sigma_jitter_s * normal_dynamic(where, AIMRT_SIM_EFFECT_JITTER, 0);
    return fmax(width, 0.0);
}

double aimrt_sim_pwm_input_norm(const aimrt_sim_pwm_params *params, int32_t code,
                                double edge_error_s, const aimrt_sim_dynamic_key *where)
{
    const double full_scale_s = max_code(params->bits, params->is_signed) * params->t_lsb_s;
    const double magnitude =
        aimrt_sim_pwm_width_s(params, code, edge_error_s, where) / full_scale_s;
    return code < 0 ? -(1.0 - params->asymmetry) * magnitude : magnitude;
}

static aimrt_sim_adc_params tdc_as_adc(const aimrt_sim_tdc_params *p)
{
    const int bits = p->bits >= 1 && p->bits <= AIMRT_SIM_MAX_CONVERTER_BITS ? p->bits : 1;
    return (aimrt_sim_adc_params){
        .bits = p->bits,
        .range_min_norm = 0.0,
        .range_max_norm = (double)((INT64_C(1) << bits) - 1) * p->lsb_s,
        .sigma_dnl_lsb = p->sigma_dnl_lsb,
        .a_inl_lsb = p->a_inl_lsb,
        .sigma_noise_norm = p->sigma_noise_s,
    };
}

int64_t aimrt_sim_tdc_threshold_count(const aimrt_sim_tdc_params *params)
{
    const aimrt_sim_adc_params adc = tdc_as_adc(params);
    return aimrt_sim_adc_threshold_count(&adc);
}

aimrt_status aimrt_sim_tdc_init(aimrt_sim_adc *tdc, const aimrt_sim_tdc_params *params,
                                double *thresholds, int64_t n_thresholds, const aimrt_sim_static_key *key,
                                aimrt_error *error)
{
    if (!params || !(params->lsb_s > 0.0) || !isfinite(params->lsb_s))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "TDC: lsb_s %g is invalid; tau_TDC must be finite and > 0",
                               params ? params->lsb_s : 0.0);
    const aimrt_sim_adc_params adc = tdc_as_adc(params);
    return aimrt_sim_adc_init(tdc, &adc, thresholds, n_thresholds, key, error);
}
