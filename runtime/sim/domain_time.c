/* SPDX-License-Identifier: MIT */
/*
 * Time domain, two circuits. A delay line adds one stage per row whose delay
 * grows with the product, with static stage mismatch and jitter per pass;
 * a TDC started by an ideal reference line reads the difference. An
 * integrate-to-threshold node fires when the charge of inputs arriving
 * earlier for larger values reaches the threshold; its time is normalized by
 * the column's weight sum, and the comparator's offset and noise move the
 * threshold.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

static aimrt_status check_fire(const aimrt_sim_time_params *p, aimrt_error *error)
{
    const char *domain_name = "time";
    if (p->readout.kind == AIMRT_SIM_READOUT_CONVERTER)
        return aimrt_error_set(error, AIMRT_ERR_UNSUPPORTED,
                               "time domain: integrate-to-threshold has no TDC model yet (its "
                               "time per level unit depends on each column's weight sum); use an "
                               "analog or lossless readout");
    aimrt_status s = aimrt_sim_circuit_check(NULL, NULL, NULL, &p->comparator, NULL, &p->fire, error);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "t_lsb_s", p->t_lsb_s, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "sigma_i_rel", p->sigma_i_rel, 0.0, INFINITY, false);
    return s;
}

aimrt_status aimrt_sim_time_check(const aimrt_sim_time_params *p,
                                  const aimrt_sim_domain_block *block,
                                  const aimrt_sim_domain_keys *keys, aimrt_error *error)
{
    const char *domain_name = "time";
    aimrt_status s = aimrt_sim_domain_check(domain_name, block, keys, &p->readout, error);
    if (s != AIMRT_OK)
        return s;
    if (p->variant == AIMRT_SIM_TIME_INTEGRATE_FIRE)
        return check_fire(p, error);
    if (p->variant != AIMRT_SIM_TIME_DELAY_LINE)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "time domain: variant %d is unknown",
                               (int)p->variant);
    s = aimrt_sim_param_check(error, domain_name, "tau_0_s", p->tau_0_s, 0.0, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "dtau_s", p->dtau_s, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "sigma_tau_s", p->sigma_tau_s, 0.0, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "sigma_jitter_s", p->sigma_jitter_s, 0.0, INFINITY,
                                  false);
    return s;
}

/* The TDC of column c: LSB lsb_level dtau_s over 2^bits codes. */
static aimrt_status column_tdc(const aimrt_sim_time_params *p, double lsb_level,
                               const aimrt_sim_domain_keys *keys, int64_t c, aimrt_sim_adc *tdc,
                               double **thresholds, aimrt_error *error)
{
    const aimrt_sim_tdc_params params = {
        .bits = p->readout.bits,
        .lsb_s = lsb_level * p->dtau_s,
        .sigma_dnl_lsb = p->tdc_sigma_dnl_lsb,
        .a_inl_lsb = p->tdc_a_inl_lsb,
        .sigma_noise_s = p->tdc_sigma_noise_s,
    };
    const int64_t n = aimrt_sim_tdc_threshold_count(&params);
    if (n < 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "time domain: TDC of %d bits, LSB %g s, DNL %g, INL %g, noise %g s "
                               "is invalid",
                               (int)params.bits, params.lsb_s, params.sigma_dnl_lsb,
                               params.a_inl_lsb, params.sigma_noise_s);
    if (n > 0 && !*thresholds) {
        *thresholds = malloc((size_t)n * sizeof **thresholds);
        if (!*thresholds)
            return aimrt_error_set(error, AIMRT_ERR_NOMEM, "time domain: out of memory");
    }
    const aimrt_sim_static_key key = aimrt_sim_domain_static_key(keys, -1, c);
    return aimrt_sim_tdc_init(tdc, &params, n > 0 ? *thresholds : NULL, n, &key, error);
}

/* Delay line of one column for every vector; products (n_vectors x
 * n_cols) contains each output's sum of level x, or NULL to add it here. */
static aimrt_status delay_line_column(const aimrt_sim_time_params *p, const aimrt_sim_domain_block *b,
                                      const aimrt_sim_domain_keys *keys, int64_t c,
                                      const double *products, double **thresholds, double *y,
                                      double *t_node, aimrt_error *error)
{
    /* Static: the sum of the stages' mismatch, against the ideal reference line. */
    const double *cached = keys->statics ? keys->statics->delay_s : NULL;
    double mismatch_s = 0.0;
    for (int64_t r = 0; r < b->n_rows && p->sigma_tau_s > 0.0; r++) {
        aimrt_sim_static_key key = aimrt_sim_domain_static_key(keys, r, c);
        key.effect = AIMRT_SIM_EFFECT_DELAY;
        mismatch_s += cached ? cached[key.cell] : p->sigma_tau_s * aimrt_sim_normal_static(&key, 0);
    }
    aimrt_sim_adc tdc;
    const aimrt_sim_readout_params readout = aimrt_sim_readout_of_column(&p->readout, keys, c);
    if (readout.kind == AIMRT_SIM_READOUT_CONVERTER) {
        const aimrt_status s = column_tdc(p, readout.lsb_level, keys, c, &tdc, thresholds, error);
        if (s != AIMRT_OK)
            return s;
    }
    const double reference_s = (double)b->n_rows * p->tau_0_s;
    const double half = ldexp(1.0, readout.bits > 0 ? readout.bits - 1 : 0);
    for (int64_t v = 0; v < b->n_vectors; v++) {
        const double *x = b->x + v * b->n_rows;
        double product = 0.0;
        if (products)
            product = products[v * b->n_cols + c];
        for (int64_t r = 0; r < b->n_rows && !products; r++)
            product += b->cells[r * b->cell_stride + c] * x[r];
        aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
        double t_s = reference_s + mismatch_s + p->dtau_s * product;
        if (p->sigma_jitter_s > 0.0) {
            /* Independent jitter of n stages adds as sqrt(n) sigma. */
            key.effect = AIMRT_SIM_EFFECT_JITTER;
            t_s += sqrt((double)b->n_rows) * p->sigma_jitter_s * aimrt_sim_normal_dynamic(&key, 0);
        }
        if (t_node)
            t_node[v * b->n_cols + c] = t_s;
        const double level = (t_s - reference_s) / p->dtau_s;
        double *analog = aimrt_sim_domain_analog_at(keys, b->n_cols, v, c);
        if (analog)
            *analog = level;
        double *out = &y[v * b->n_cols + c];
        if (readout.kind == AIMRT_SIM_READOUT_CONVERTER) {
            /* The TDC starts half its range before the reference edge, so
             * negative sums of a bidirectional line have codes too. */
            const int32_t code =
                aimrt_sim_adc_convert(&tdc, t_s - reference_s + half * readout.lsb_level * p->dtau_s, &key);
            *out = ((double)code - half) * readout.lsb_level;
        } else {
            *out = readout.kind == AIMRT_SIM_READOUT_LOSSLESS ? nearbyint(level) : level;
        }
    }
    return AIMRT_OK;
}

/* Integrate-to-threshold of one column for every vector. */
static void fire_column(const aimrt_sim_time_params *p, const aimrt_sim_domain_block *b,
                        const aimrt_sim_domain_keys *keys, int64_t c, aimrt_sim_spike *spikes,
                        double *y, double *t_node)
{
    double w_nominal = 0.0;
    for (int64_t r = 0; r < b->n_rows; r++)
        w_nominal += b->cells[r * b->cell_stride + c];
    const aimrt_sim_static_key column_key = aimrt_sim_domain_static_key(keys, -1, c);
    const double offset_v = keys->statics && keys->statics->columns
                                ? keys->statics->columns[keys->col0 + c].comparator_offset_v
                                : aimrt_sim_comparator_offset_v(&p->comparator, &column_key);
    const double t_end_s = b->x_full * p->t_lsb_s;
    const double k_s = p->fire.theta_v * p->fire.c_node_f / p->fire.i_unit_a;
    for (int64_t v = 0; v < b->n_vectors; v++) {
        const double *x = b->x + v * b->n_rows;
        for (int64_t r = 0; r < b->n_rows; r++) {
            double w = b->cells[r * b->cell_stride + c];
            if (p->sigma_i_rel > 0.0)
                w *= aimrt_sim_domain_cell_factor(p->sigma_i_rel, keys, r, c);
            /* Larger inputs arrive earlier, so the crossing comes earlier. */
            spikes[r] = (aimrt_sim_spike){.time_s = t_end_s - x[r] * p->t_lsb_s, .weight = w};
        }
        aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
        aimrt_sim_integrate_fire_params fire = p->fire;
        fire.theta_v += offset_v;
        if (p->comparator.sigma_noise_v > 0.0) {
            key.effect = AIMRT_SIM_EFFECT_COMPARATOR;
            fire.theta_v += p->comparator.sigma_noise_v * aimrt_sim_normal_dynamic(&key, 0);
        }
        const double t_out_s = aimrt_sim_integrate_fire_time_s(&fire, spikes, b->n_rows);
        if (t_node)
            t_node[v * b->n_cols + c] = t_out_s;
        /* Undo t_out W = K + W t_end - t_lsb sum(level x) with the nominal W. */
        const double level =
            w_nominal > 0.0 ? (k_s + w_nominal * (t_end_s - t_out_s)) / p->t_lsb_s : 0.0;
        double *analog = aimrt_sim_domain_analog_at(keys, b->n_cols, v, c);
        if (analog)
            *analog = level;
        y[v * b->n_cols + c] = p->readout.kind == AIMRT_SIM_READOUT_LOSSLESS ? nearbyint(level) : level;
    }
}

aimrt_status aimrt_sim_time_delay_line(const aimrt_sim_time_params *p,
                                       const aimrt_sim_domain_block *b,
                                       const aimrt_sim_domain_keys *keys, const double *products,
                                       double *y, double *v_node, aimrt_error *error)
{
    aimrt_status status = aimrt_sim_time_check(p, b, keys, error);
    if (status == AIMRT_OK && p->variant != AIMRT_SIM_TIME_DELAY_LINE)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "time domain: variant %d is not the delay line", (int)p->variant);
    double *thresholds = NULL;
    for (int64_t c = 0; c < b->n_cols && status == AIMRT_OK; c++)
        status = delay_line_column(p, b, keys, c, products, &thresholds, y, v_node, error);
    free(thresholds);
    return status;
}

aimrt_status aimrt_sim_domain_time(const aimrt_sim_time_params *p, const aimrt_sim_domain_block *b,
                                   const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                   aimrt_error *error)
{
    aimrt_status status = aimrt_sim_time_check(p, b, keys, error);
    if (status != AIMRT_OK)
        return status;
    if (p->variant == AIMRT_SIM_TIME_INTEGRATE_FIRE) {
        aimrt_sim_spike *spikes = malloc((size_t)(b->n_rows + 1) * sizeof *spikes);
        if (!spikes)
            return aimrt_error_set(error, AIMRT_ERR_NOMEM, "time domain: out of memory");
        for (int64_t c = 0; c < b->n_cols; c++)
            fire_column(p, b, keys, c, spikes, y, v_node);
        free(spikes);
        return AIMRT_OK;
    }
    return aimrt_sim_time_delay_line(p, b, keys, NULL, y, v_node, error);
}
