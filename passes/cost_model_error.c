/* SPDX-License-Identifier: MIT */
/*
 * The accuracy side of the cost model: the relative output error of a layer
 * on a tile kind, from the same noise parameters the simulator reads, for the
 * layer's weight statistics. Each term is an rms error in normalized output
 * units (full-scale weight and input 1) over the rms output sqrt(K) x_rms
 * w_rms, and independent terms add in quadrature (docs/cost-model.md).
 */
#include <math.h>
#include <string.h>

#include "passes/cost_model.h"
#include "passes/kind_layout.h"

/* Inputs are taken to sit with their rms at a quarter of the input range:
 * a range set near four standard deviations of the activations. The same
 * crest sets the calibrated ADC range over the rms output. */
#define CREST_FACTOR 4.0

/* k T of the kT/C term, with Boltzmann's constant in J/K. */
#define BOLTZMANN_J_PER_K 1.380649e-23

static double param(const aimcc_tile_kind *kind, aimrt_param id)
{
    return kind->params.value[id];
}

/* Reads element i of a constant matrix as a double. */
static double weight_at(const aimcc_value *w, int64_t i)
{
    if (w->dtype == AIMRT_DTYPE_INT32)
        return (double)((const int32_t *)w->data)[i];
    return (double)((const float *)w->data)[i];
}

void aimcc_cost_stats_of(const aimcc_value *w, aimcc_cost_stats *stats)
{
    /* A uniform matrix on [-1, 1]: rms 1/sqrt(3), equal column norms. */
    *stats = (aimcc_cost_stats){.weight_rms = 1.0 / sqrt(3.0), .column_spread = 1.0,
                                .input_rms = 1.0 / CREST_FACTOR};
    const bool readable = w && w->data && w->rank == 2 &&
                          (w->dtype == AIMRT_DTYPE_FLOAT || w->dtype == AIMRT_DTYPE_INT32);
    if (!readable || w->dims[0] < 1 || w->dims[1] < 1)
        return;
    const int64_t k = w->dims[0], n = w->dims[1];
    double rms_sum = 0.0, norm2_sum = 0.0, norm2_max = 0.0;
    int64_t counted = 0;
    for (int64_t c = 0; c < n; c++) {
        double sum2 = 0.0, peak = 0.0;
        for (int64_t r = 0; r < k; r++) {
            const double v = weight_at(w, r * n + c);
            if (!isfinite(v))
                return;
            sum2 += v * v;
            peak = fmax(peak, fabs(v));
        }
        norm2_sum += sum2;
        norm2_max = fmax(norm2_max, sum2);
        if (peak > 0.0) {
            rms_sum += sqrt(sum2 / (double)k) / peak;
            counted++;
        }
    }
    if (counted == 0 || norm2_sum <= 0.0)
        return;
    stats->weight_rms = rms_sum / (double)counted;
    stats->column_spread = sqrt(norm2_max / (norm2_sum / (double)n));
}

/* Returns sqrt(sum 4^(step i)) / sum 2^(step i) over i < n: how much an
 * error of the same size on each of n binary-weighted parts shrinks against
 * their weighted sum (1 for one part). */
static double combine_factor(int64_t n, int step)
{
    double sum = 0.0, sum2 = 0.0;
    for (int64_t i = 0; i < n && i < 64; i++) {
        const double weight = ldexp(1.0, (int)(i * step));
        sum += weight;
        sum2 += weight * weight;
    }
    return sum > 0.0 ? sqrt(sum2) / sum : 1.0;
}

/* The full-scale voltage of the node the ADC samples, by domain; 0 where
 * the readout is not a voltage node (current and time domains). */
static double node_full_scale_v(const aimcc_tile_kind *kind)
{
    switch (kind->domain) {
    case AIMCC_DOMAIN_CHARGE:
        return param(kind, AIMRT_PARAM_V_PRECHARGE);
    case AIMCC_DOMAIN_CHARGE_REDIST:
    case AIMCC_DOMAIN_CAPDIV:
        return param(kind, AIMRT_PARAM_V_DD);
    case AIMCC_DOMAIN_RESDIV:
        return param(kind, AIMRT_PARAM_V_READ);
    default:
        return 0.0;
    }
}

/* Weight-referred rms error of one cell, relative to the full-scale weight. */
static double cell_error(const aimcc_tile_kind *kind, double weight_rms)
{
    double prog = 0.0;
    const double g_max = param(kind, AIMRT_PARAM_G_MAX);
    if (kind->cell && strcmp(kind->cell, "pcm") == 0 && g_max > 0.0) {
        /* The PCM programming noise polynomial of Nandakumar 2019, at the
         * typical level. */
        const double g = weight_rms;
        prog = param(kind, AIMRT_PARAM_PROG_SCALE) *
               fabs(param(kind, AIMRT_PARAM_PROG_C0) + param(kind, AIMRT_PARAM_PROG_C1) * g +
                    param(kind, AIMRT_PARAM_PROG_C2) * g * g) /
               g_max;
    }
    const double rel = param(kind, AIMRT_PARAM_PROG_SIGMA_REL);
    const double mismatch = param(kind, AIMRT_PARAM_SIGMA_I_REL);
    const double read = param(kind, AIMRT_PARAM_READ_MVM);
    double tau = 0.0;
    if (kind->domain == AIMCC_DOMAIN_TIME && param(kind, AIMRT_PARAM_DTAU) > 0.0)
        tau = param(kind, AIMRT_PARAM_SIGMA_TAU) / param(kind, AIMRT_PARAM_DTAU);
    return sqrt(prog * prog + rel * rel + mismatch * mismatch + read * read + tau * tau);
}

/* Output-referred rms error of one conversion, in normalized output units,
 * apart from quantization. */
static double conversion_noise(const aimcc_tile_kind *kind)
{
    const double out = param(kind, AIMRT_PARAM_OUTPUT_NOISE);
    const double adc = param(kind, AIMRT_PARAM_ADC_SIGMA_NOISE);
    double node = 0.0;
    const double full_scale = node_full_scale_v(kind);
    if (full_scale > 0.0) {
        /* The node moves full_scale / rows per normalized output unit. Static
         * offsets (comparator, switches) are left out: the runtime's
         * per-column offset fit on the calibration probes removes them. */
        const double noise = param(kind, AIMRT_PARAM_COMPARATOR_NOISE);
        const double c = param(kind, AIMRT_PARAM_C_SAMPLE);
        const double ktc =
            c > 0.0 ? sqrt(BOLTZMANN_J_PER_K * param(kind, AIMRT_PARAM_TEMPERATURE) / c) : 0.0;
        node = sqrt(noise * noise + ktc * ktc) * (double)kind->rows / full_scale;
    }
    double jitter = 0.0;
    if (kind->domain == AIMCC_DOMAIN_TIME && param(kind, AIMRT_PARAM_DTAU) > 0.0)
        jitter = sqrt((double)kind->rows) * param(kind, AIMRT_PARAM_SIGMA_JITTER) /
                 param(kind, AIMRT_PARAM_DTAU);
    return sqrt(out * out + adc * adc + node * node + jitter * jitter);
}

/* NOTE: the estimate leaves out the node-voltage dependence of the charge
 * domain's discharge current and uncalibrated ADC ranges. The simulator's
 * sram-charge tiles lose more accuracy than this predicts, even calibrated. */
double aimcc_cost_error(const aimcc_tile_kind *kind, int64_t k, int32_t phases,
                        const aimcc_cost_stats *stats)
{
    if (aimcc_kind_is_float(kind))
        return 0.0;
    const double rows = (double)(k < kind->rows ? k : kind->rows);
    const double y_rms = sqrt(rows) * stats->input_rms * stats->weight_rms;
    if (!(y_rms > 0.0))
        return 0.0;

    /* Bit-serial phases and weight slices are converted one by one and added
     * with their significance. */
    const bool serial = aimcc_kind_input_mode(kind) == AIMRT_INPUT_BIT_SERIAL;
    int64_t input_parts = 1;
    if (serial)
        input_parts = phases < kind->input_bits ? phases : kind->input_bits;
    const int slice_bits =
        aimcc_kind_encoding(kind) == AIMRT_ENCODING_TWOS_COMPLEMENT ? 1 : kind->cell_bits;
    const double slices = combine_factor(aimcc_kind_slices(kind), slice_bits);
    const double combine = combine_factor(input_parts, 1) * slices;

    const double quantization =
        kind->adc_bits > 0 ? 2.0 * CREST_FACTOR / (ldexp(1.0, kind->adc_bits) * sqrt(12.0)) : 0.0;
    const double conversion = conversion_noise(kind) / y_rms;
    const double weight = cell_error(kind, stats->weight_rms) *
                          sqrt((double)aimcc_kind_polarities(kind)) * slices / stats->weight_rms;
    const double input = param(kind, AIMRT_PARAM_DAC_SIGMA_NOISE) / stats->input_rms;
    const double per_conversion = combine * sqrt(quantization * quantization +
                                                 conversion * conversion);
    return sqrt(per_conversion * per_conversion + weight * weight + input * input);
}
