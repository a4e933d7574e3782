/* SPDX-License-Identifier: MIT */
/*
 * The sim device for integer tiles of every compute domain. Cell levels
 * become conductances with PCM programming noise, drift and accumulated read
 * noise. A current-domain MVM sums column currents in double (DGEMM), adds
 * the per-MVM read noise of PCM cells and output-referred noise, and converts
 * each column with the kind's ADC; the other domains run their transfer
 * functions (sim/domain.h). Results are in level units
 * (level x input integer), so the runtime decodes them as the exact device's.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aimrt/device.h"
#include "program_internal.h"
#include "sim/circuit.h"
#include "sim/converters.h"
#include "sim/device_pcm.h"
#include "sim/domain.h"
#include "sim/random.h"

/* Elements of the input conversion buffer. An MVM runs in chunks that fit. */
#define CHUNK_ELEMENTS (INT64_C(1) << 16)

/* Per-MVM read noise of PCM cells: w_noise 0.0175 of type PCM_READ in
 * aihwkit's StandardHWATrainingPreset, in normalized weight units. */
#define PCM_READ_NOISE_NORM 0.0175

/* The domain codes of the program's tile kinds (AIMCC_DOMAIN_* of ir/target.h). */
enum {
    DOMAIN_CURRENT = 0,
    DOMAIN_CHARGE = 1,
    DOMAIN_CHARGE_REDIST = 2,
    DOMAIN_CAPDIV = 3,
    DOMAIN_RESDIV = 4,
    DOMAIN_TIME = 5,
    DOMAIN_COUNT = 6,
};

/*
 * NOTE: the program does not carry circuit parameters yet. So the domains
 * other than current take the values of this table, and the program will
 * carry them. None of these values has a published source. The comparator
 * (3 mV offset, 0.3 mV noise), 1 fF unit capacitors with A_C 1 % sqrt(fF)
 * and a parasitic spread of a few percent are the usual assumed defaults,
 * and switch errors, TDC DNL and INL stay 0. The node capacitances, voltages,
 * cell currents, pulse and delay times are stated for a plausible circuit,
 * and none was fitted to a result.
 */
typedef struct sim_assumed {
    double temperature_k;       /* kT/C noise */
    double sigma_offset_v;      /* comparator static offset */
    double sigma_noise_v;       /* comparator noise per decision */
    double c_unit_f;            /* unit capacitor */
    double a_c_sqrt_ff;         /* capacitor mismatch, Pelgrom */
    double c_parasitic_f;       /* column parasitic capacitance */
    double c_parasitic_rel;     /* its spread between columns */
    double v_dd_v;              /* charge redistribution supply, capdiv step */
    double c_bitline_f;         /* charge domain bitline */
    double v_precharge_v;       /* charge domain precharge */
    double i_cell_max_a;        /* charge domain current of a top-level cell */
    double t_lsb_s;             /* charge domain unit pulse */
    double sigma_i_rel;         /* charge domain cell-current mismatch */
    double g_max_us;            /* resdiv top-level conductance */
    double v_read_v;            /* resdiv full-scale row voltage */
    double v_ref_v;             /* resdiv reference */
    double c_sample_f;          /* resdiv sampling capacitance */
    double tau_0_s;             /* delay line stage delay */
    double dtau_s;              /* delay line delay per level unit */
    double sigma_tau_s;         /* delay line static stage mismatch */
    double sigma_jitter_s;      /* delay line jitter per stage and pass */
} sim_assumed;

static const sim_assumed SIM_ASSUMED = {
    .temperature_k = 300.0,
    .sigma_offset_v = 3e-3,
    .sigma_noise_v = 0.3e-3,
    .c_unit_f = 1e-15,
    .a_c_sqrt_ff = 0.01,
    .c_parasitic_f = 25e-15,
    .c_parasitic_rel = 0.03,
    .v_dd_v = 0.8,
    .c_bitline_f = 100e-15,
    .v_precharge_v = 0.8,
    .i_cell_max_a = 1e-6,
    .t_lsb_s = 100e-12,
    .sigma_i_rel = 0.1,
    .g_max_us = 25.0,
    .v_read_v = 0.2,
    .v_ref_v = 0.4,
    .c_sample_f = 100e-15,
    .tau_0_s = 20e-12,
    .dtau_s = 5e-12,
    .sigma_tau_s = 1e-12,
    .sigma_jitter_s = 0.2e-12,
};

/* The transfer-function parameters of a tile of a domain other than current. */
typedef union sim_domain_params {
    aimrt_sim_charge_params charge;
    aimrt_sim_charge_redist_params redist;
    aimrt_sim_capdiv_params capdiv;
    aimrt_sim_resdiv_params resdiv;
    aimrt_sim_time_params time;
} sim_domain_params;

typedef struct sim_tile {
    int64_t rows;
    int64_t cols;
    bool written;
    bool pcm;            /* the kind's cell is "pcm": PCM programming noise, drift, read noise */
    double top;          /* M = 2^cell_bits - 1, the largest level */
    double unit;         /* level units of one normalized output: M * Qx */
    double full_per_row; /* largest |column sum| one row adds: M * (largest input integer) */
    int32_t adc_bits;    /* 0: lossless readout */
    int domain;          /* DOMAIN_* */
    double x_full;       /* input integer of a full-scale drive: Qx */
    sim_domain_params params; /* domains other than current; readout set per MVM */
    double *levels;      /* rows x cols, as written */
    double *g_prog_us;   /* programmed conductances */
    double *nu;          /* drift exponents */
    double *cells;       /* conductances at the current time, in level units */
} sim_tile;

typedef struct sim_state {
    aimrt_sim_options options;
    aimrt_sim_pcm_params pcm;
    aimrt_sim_output_noise_params output_noise; /* normalized units */
    double read_noise_norm;                     /* per-MVM read noise s of PCM type, normalized */
    double adc_bound_norm;                      /* ADC range [-bound, bound], normalized units */
    int32_t n_tiles;
    sim_tile *tiles;
    double *x_d;  /* CHUNK inputs of a chunk of vectors, as double */
    double *x_sq; /* the same inputs squared, for the read-noise variance */
    double *var;  /* read-noise variances of one chunk, vectors x columns */
    int64_t chunk;
} sim_state;

void aimrt_sim_options_defaults(aimrt_sim_options *options)
{
    options->seed = 1;
    options->time_s = 0.0;
    options->flags = 0;
}

static void sim_destroy(void *state)
{
    sim_state *s = state;
    if (!s)
        return;
    for (int32_t i = 0; s->tiles && i < s->n_tiles; i++) {
        free(s->tiles[i].levels);
        free(s->tiles[i].g_prog_us);
        free(s->tiles[i].nu);
        free(s->tiles[i].cells);
    }
    free(s->tiles);
    free(s->x_d);
    free(s->x_sq);
    free(s->var);
    free(s);
}

static bool noise_on(const sim_state *s)
{
    return (s->options.flags & AIMRT_SIM_NO_NOISE) == 0;
}

/* Sets the conductances of a written tile at the state's time: drift and
 * accumulated read noise on PCM cells, in level units for the GEMM. */
static void refresh_tile(sim_state *s, int32_t index)
{
    sim_tile *tile = &s->tiles[index];
    const int64_t count = tile->rows * tile->cols;
    /* Cells without PCM effects keep their levels exactly. */
    if (!noise_on(s) || !tile->pcm) {
        memcpy(tile->cells, tile->levels, (size_t)count * sizeof(double));
        return;
    }
    aimrt_sim_static_key key = {.seed = s->options.seed, .tile = (uint32_t)index};
    const double to_level = tile->top / s->pcm.g_max_us;
    for (int64_t i = 0; i < count; i++) {
        key.cell = (uint64_t)i;
        const double g = aimrt_sim_pcm_at_time_cell(&s->pcm, tile->g_prog_us[i], tile->nu[i],
                                                    s->options.time_s, &key);
        tile->cells[i] = g * to_level;
    }
}

static aimrt_status sim_write_tile(void *state, const aimrt_tile_desc *desc, const float *levels)
{
    sim_state *s = state;
    if (!desc || !levels || desc->tile < 0 || desc->tile >= s->n_tiles)
        return AIMRT_ERR_INVALID_ARG;
    sim_tile *tile = &s->tiles[desc->tile];
    if (desc->rows != tile->rows || desc->cols != tile->cols)
        return AIMRT_ERR_INVALID_ARG;
    const int64_t count = tile->rows * tile->cols;
    for (int64_t i = 0; i < count; i++)
        tile->levels[i] = levels[i];

    /* Static draws at programming time, keyed by (seed, tile, effect, cell). */
    aimrt_sim_static_key key = {.seed = s->options.seed, .tile = (uint32_t)desc->tile};
    const double to_us = s->pcm.g_max_us / tile->top;
    for (int64_t i = 0; i < count; i++) {
        const double target_us = tile->levels[i] * to_us;
        key.cell = (uint64_t)i;
        if (tile->pcm && noise_on(s)) {
            tile->g_prog_us[i] = aimrt_sim_pcm_program_cell(&s->pcm, target_us, &key);
            tile->nu[i] = aimrt_sim_pcm_drift_nu_cell(&s->pcm, target_us, &key);
        } else {
            tile->g_prog_us[i] = target_us;
            tile->nu[i] = 0.0;
        }
    }
    tile->written = true;
    refresh_tile(s, desc->tile);
    return AIMRT_OK;
}

static aimrt_status sim_set_time(void *state, double seconds)
{
    sim_state *s = state;
    if (!(seconds >= 0.0) || !isfinite(seconds))
        return AIMRT_ERR_INVALID_ARG;
    /* Written tiles already hold their conductances at the current time. */
    if (seconds == s->options.time_s)
        return AIMRT_OK;
    s->options.time_s = seconds;
    for (int32_t i = 0; i < s->n_tiles; i++)
        if (s->tiles[i].written)
            refresh_tile(s, i);
    return AIMRT_OK;
}

static aimrt_status sim_get_time(void *state, double *seconds)
{
    const sim_state *s = state;
    if (!seconds)
        return AIMRT_ERR_INVALID_ARG;
    *seconds = s->options.time_s;
    return AIMRT_OK;
}

/*
 * Builds the ADC of one MVM over n_rows rows, in level units. The range is
 * [-half LSB, (half - 1) LSB] with half = 2^(bits-1) and an integer LSB, so
 * every reconstruction level is an integer. The LSB is the smallest integer
 * whose range covers min(the block's largest |column sum|, bound U): 1 when
 * the bits suffice for that span, which makes an ideal ADC lossless on the
 * exact integer sums; beyond the range it saturates.
 */
static double adc_lsb(const sim_state *s, const sim_tile *tile, int64_t n_rows)
{
    const double half = ldexp(1.0, tile->adc_bits - 1);
    const double full = (double)n_rows * tile->full_per_row;
    const double bound = s->adc_bound_norm * tile->unit;
    const double span = full < bound ? full : bound;
    const double steps = half - 1.0 > 1.0 ? half - 1.0 : 1.0;
    const double lsb = ceil(span / steps);
    return lsb > 1.0 ? lsb : 1.0;
}

static void make_adc(const sim_state *s, const sim_tile *tile, int64_t n_rows, aimrt_sim_adc *adc)
{
    const double half = ldexp(1.0, tile->adc_bits - 1);
    const double lsb = adc_lsb(s, tile, n_rows);
    const aimrt_sim_adc_params params = {
        .bits = tile->adc_bits,
        .range_min_norm = -half * lsb,
        .range_max_norm = (half - 1.0) * lsb,
    };
    /* Ideal thresholds need no buffer or key, and the checked bits cannot fail. */
    aimrt_error error = {0};
    (void)aimrt_sim_adc_init(adc, &params, NULL, 0, NULL, &error);
}

/* Output noise and readout of one vector's column sums y (level units). */
static void read_out(const sim_state *s, int32_t index, const sim_tile *tile, const aimrt_sim_adc *adc,
                     int64_t col0, int64_t n_cols, int64_t sample, int64_t mvm, double *y)
{
    aimrt_sim_dynamic_key key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                 .sample = sample, .mvm = mvm};
    const aimrt_sim_output_noise_params noise = {.sigma_norm = s->output_noise.sigma_norm * tile->unit};
    for (int64_t c = 0; c < n_cols; c++) {
        key.column = (uint64_t)(col0 + c);
        double value = y[c];
        if (noise_on(s))
            value += aimrt_sim_output_noise(&noise, &key);
        if (adc)
            value = aimrt_sim_adc_level(adc, aimrt_sim_adc_convert(adc, value, &key));
        else
            value = nearbyint(value); /* lossless: the integer the decode expects */
        y[c] = value;
    }
}

/*
 * Adds the per-MVM read noise of PCM cells to n vectors' column sums y, as
 * aimrt_sim_read_noise_output_std of type PCM computes it. In normalized units
 * the std is s sqrt(sum_i w_i x_i^2) with w_i = G_i / M and x_i = q_i / Qx
 * (conductances are never negative), so in level units (one normalized
 * output = M Qx) it is s sqrt(M) sqrt(sum_i G_i q_i^2): one DGEMM of the
 * squared inputs. Keyed by (seed, tile, sample, MVM index, tile column).
 */
static void add_read_noise(const sim_state *s, int32_t index, const double *region, int64_t n,
                           int64_t n_rows, int64_t col0, int64_t n_cols, const int64_t *sample_index,
                           const int64_t *mvm_index, double *y)
{
    const sim_tile *tile = &s->tiles[index];
    for (int64_t i = 0; i < n * n_rows; i++)
        s->x_sq[i] = s->x_d[i] * s->x_d[i];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols, (int)n_rows, 1.0,
                s->x_sq, (int)n_rows, region, (int)tile->cols, 0.0, s->var, (int)n_cols);
    const double scale = s->read_noise_norm * sqrt(tile->top);
    aimrt_sim_dynamic_key key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                 .effect = AIMRT_SIM_EFFECT_READ_NOISE};
    for (int64_t v = 0; v < n; v++) {
        key.sample = sample_index[v];
        key.mvm = mvm_index[v];
        for (int64_t c = 0; c < n_cols; c++) {
            const double var = s->var[v * n_cols + c];
            if (!(var > 0.0))
                continue;
            key.column = (uint64_t)(col0 + c);
            y[v * n_cols + c] += scale * sqrt(var) * aimrt_sim_normal_dynamic(&key, 0);
        }
    }
}

static bool keys_in_range(int64_t n_vectors, const int64_t *sample_index, const int64_t *mvm_index)
{
    for (int64_t v = 0; v < n_vectors; v++)
        if (sample_index[v] < 0 || sample_index[v] > AIMRT_SIM_RANDOM_DYNAMIC_MAX_SAMPLE ||
            mvm_index[v] < 0 || mvm_index[v] > AIMRT_SIM_RANDOM_DYNAMIC_MAX_MVM)
            return false;
    return true;
}

/* The readout of a domain MVM: the ADC rule of make_adc on the comparator
 * and kT/C noise of the assumed table, or lossless. */
static aimrt_sim_readout_params make_readout(const sim_state *s, const sim_tile *tile,
                                             int64_t n_rows)
{
    aimrt_sim_readout_params readout = {.kind = AIMRT_SIM_READOUT_LOSSLESS};
    if (tile->adc_bits > 0 && (s->options.flags & AIMRT_SIM_LOSSLESS_ADC) == 0) {
        readout.kind = AIMRT_SIM_READOUT_CONVERTER;
        readout.bits = tile->adc_bits;
        readout.lsb_level = adc_lsb(s, tile, n_rows);
    }
    if (noise_on(s)) {
        readout.comparator.sigma_offset_v = SIM_ASSUMED.sigma_offset_v;
        readout.comparator.sigma_noise_v = SIM_ASSUMED.sigma_noise_v;
        readout.ktc_temperature_k = SIM_ASSUMED.temperature_k;
    }
    return readout;
}

/* Runs one chunk of vectors through the tile's domain function. */
static aimrt_status run_domain(const sim_tile *tile, const aimrt_sim_readout_params *readout,
                               const aimrt_sim_domain_block *block,
                               const aimrt_sim_domain_keys *keys, double *y)
{
    sim_domain_params p = tile->params;
    aimrt_error error = {0};
    switch (tile->domain) {
    case DOMAIN_CHARGE:
        p.charge.readout = *readout;
        return aimrt_sim_domain_charge(&p.charge, block, keys, y, NULL, &error);
    case DOMAIN_CHARGE_REDIST:
        p.redist.readout = *readout;
        return aimrt_sim_domain_charge_redist(&p.redist, block, keys, y, NULL, &error);
    case DOMAIN_CAPDIV:
        p.capdiv.readout = *readout;
        return aimrt_sim_domain_capdiv(&p.capdiv, block, keys, y, NULL, &error);
    case DOMAIN_RESDIV:
        p.resdiv.readout = *readout;
        return aimrt_sim_domain_resdiv(&p.resdiv, block, keys, y, NULL, &error);
    case DOMAIN_TIME:
        p.time.readout = *readout;
        return aimrt_sim_domain_time(&p.time, block, keys, y, NULL, &error);
    default:
        return AIMRT_ERR_UNSUPPORTED;
    }
}

/*
 * An MVM of a tile of a domain other than current, in chunks of vectors
 * whose inputs fit the buffer. The block holds only the MVM's rows: rows
 * outside it count as disconnected from the column's node.
 */
static aimrt_status domain_mvm(sim_state *s, int32_t index, int64_t row0, int64_t n_rows,
                               int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                               double *y, const int64_t *sample_index, const int64_t *mvm_index)
{
    const sim_tile *tile = &s->tiles[index];
    if (n_rows == 0) {
        memset(y, 0, (size_t)(n_vectors * n_cols) * sizeof(double));
        return AIMRT_OK;
    }
    const aimrt_sim_readout_params readout = make_readout(s, tile, n_rows);
    aimrt_sim_domain_block block = {.n_rows = n_rows, .n_cols = n_cols,
                                    .cells = tile->cells + row0 * tile->cols + col0,
                                    .cell_stride = tile->cols, .top_level = tile->top,
                                    .x = s->x_d, .x_full = tile->x_full};
    aimrt_sim_domain_keys keys = {.seed = s->options.seed, .tile = (uint32_t)index,
                                  .tile_cols = tile->cols, .row0 = row0, .col0 = col0};
    const int64_t per_chunk = s->chunk / n_rows;
    for (int64_t v0 = 0; v0 < n_vectors; v0 += per_chunk) {
        const int64_t n = n_vectors - v0 < per_chunk ? n_vectors - v0 : per_chunk;
        for (int64_t i = 0; i < n * n_rows; i++)
            s->x_d[i] = x[v0 * n_rows + i];
        block.n_vectors = n;
        keys.sample = sample_index + v0;
        keys.mvm = mvm_index + v0;
        const aimrt_status status = run_domain(tile, &readout, &block, &keys, y + v0 * n_cols);
        if (status != AIMRT_OK)
            return status;
    }
    return AIMRT_OK;
}

static aimrt_status sim_mvm(void *state, int32_t index, int64_t row0, int64_t n_rows, int64_t col0,
                            int64_t n_cols, int64_t n_vectors, const float *x, double *y,
                            const int64_t *sample_index, const int64_t *mvm_index)
{
    sim_state *s = state;
    if (index < 0 || index >= s->n_tiles || !s->tiles[index].written)
        return AIMRT_ERR_INVALID_ARG;
    const sim_tile *tile = &s->tiles[index];
    if (row0 < 0 || n_rows < 0 || col0 < 0 || n_cols < 0 || n_vectors < 0 ||
        n_rows > tile->rows - row0 || n_cols > tile->cols - col0 || n_vectors > INT_MAX ||
        (n_vectors > 0 && n_cols > 0 && (!x || !y || !sample_index || !mvm_index)))
        return AIMRT_ERR_INVALID_ARG;
    if (n_vectors == 0 || n_cols == 0)
        return AIMRT_OK;
    if (!keys_in_range(n_vectors, sample_index, mvm_index))
        return AIMRT_ERR_INVALID_ARG;
    if (tile->domain != DOMAIN_CURRENT)
        return domain_mvm(s, index, row0, n_rows, col0, n_cols, n_vectors, x, y, sample_index,
                          mvm_index);

    if (n_rows == 0) {
        memset(y, 0, (size_t)(n_vectors * n_cols) * sizeof(double));
    } else {
        const double *region = tile->cells + row0 * tile->cols + col0;
        /* A chunk's inputs and its read-noise variances both fit the buffers. */
        const int64_t widest = n_rows > n_cols ? n_rows : n_cols;
        const int64_t per_chunk = s->chunk / widest;
        const bool read_noise = tile->pcm && noise_on(s) && s->read_noise_norm > 0.0;
        for (int64_t v0 = 0; v0 < n_vectors; v0 += per_chunk) {
            const int64_t n = n_vectors - v0 < per_chunk ? n_vectors - v0 : per_chunk;
            for (int64_t i = 0; i < n * n_rows; i++)
                s->x_d[i] = x[v0 * n_rows + i];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols,
                        (int)n_rows, 1.0, s->x_d, (int)n_rows, region, (int)tile->cols, 0.0,
                        y + v0 * n_cols, (int)n_cols);
            if (read_noise)
                add_read_noise(s, index, region, n, n_rows, col0, n_cols, sample_index + v0,
                               mvm_index + v0, y + v0 * n_cols);
        }
    }

    aimrt_sim_adc adc;
    const bool use_adc = tile->adc_bits > 0 && (s->options.flags & AIMRT_SIM_LOSSLESS_ADC) == 0;
    if (use_adc)
        make_adc(s, tile, n_rows, &adc);
    for (int64_t v = 0; v < n_vectors; v++)
        read_out(s, index, tile, use_adc ? &adc : NULL, col0, n_cols, sample_index[v],
                 mvm_index[v], y + v * n_cols);
    return AIMRT_OK;
}

/* Capacitor schemes share the unit capacitor, its mismatch and the parasitic node. */
static void set_capacitors(bool effects, double *c_unit_f, double *a_c, aimrt_sim_parasitic_params *cp)
{
    *c_unit_f = SIM_ASSUMED.c_unit_f;
    *a_c = effects ? SIM_ASSUMED.a_c_sqrt_ff : 0.0;
    cp->c_parasitic_f = SIM_ASSUMED.c_parasitic_f;
    cp->sigma_rel = effects ? SIM_ASSUMED.c_parasitic_rel : 0.0;
}

/* Fills the domain parameters of a tile from the assumed table; effects
 * false leaves every effect off (AIMRT_SIM_NO_NOISE). */
static void set_domain_params(sim_tile *tile, bool effects)
{
    const sim_assumed *a = &SIM_ASSUMED;
    sim_domain_params *p = &tile->params;
    memset(p, 0, sizeof *p);
    switch (tile->domain) {
    case DOMAIN_CHARGE:
        p->charge.c_bitline_f = a->c_bitline_f;
        p->charge.v_precharge_v = a->v_precharge_v;
        p->charge.i_cell_max_a = a->i_cell_max_a;
        /* A pulse is |x| t_lsb_s wide, so the PWM bits only need to admit every code. */
        p->charge.pwm.bits = AIMRT_SIM_MAX_CONVERTER_BITS;
        p->charge.pwm.is_signed = true;
        p->charge.pwm.t_lsb_s = a->t_lsb_s;
        p->charge.node_voltage_dependence = effects;
        p->charge.sigma_i_rel = effects ? a->sigma_i_rel : 0.0;
        break;
    case DOMAIN_CHARGE_REDIST:
        set_capacitors(effects, &p->redist.c_unit_f, &p->redist.mismatch_a_c_sqrt_ff,
                       &p->redist.parasitic);
        p->redist.v_dd_v = a->v_dd_v;
        break;
    case DOMAIN_CAPDIV:
        /* SRAM bits steer unit capacitors: polarity weights. */
        set_capacitors(effects, &p->capdiv.c_unit_f, &p->capdiv.mismatch_a_c_sqrt_ff,
                       &p->capdiv.parasitic);
        p->capdiv.v_step_v = a->v_dd_v;
        break;
    case DOMAIN_RESDIV:
        /* Per-column undo: the gain a calibration of each column measures. */
        p->resdiv.g_max_us = a->g_max_us;
        p->resdiv.v_ref_v = a->v_ref_v;
        p->resdiv.v_read_v = a->v_read_v;
        p->resdiv.undo = AIMRT_SIM_UNDO_PER_COLUMN;
        p->resdiv.c_sample_f = a->c_sample_f;
        break;
    case DOMAIN_TIME:
        p->time.variant = AIMRT_SIM_TIME_DELAY_LINE;
        p->time.tau_0_s = a->tau_0_s;
        p->time.dtau_s = a->dtau_s;
        p->time.sigma_tau_s = effects ? a->sigma_tau_s : 0.0;
        p->time.sigma_jitter_s = effects ? a->sigma_jitter_s : 0.0;
        break;
    default:
        break;
    }
}

/* Sets up tile i from its kind and allocates its arrays. */
static aimrt_status create_tile(sim_state *s, const aimrt_program *program, int32_t i)
{
    const program_tile *source = &program->tiles[i];
    const program_kind *kind = &program->kinds[source->kind];
    if (kind->weight_bits == 0 || kind->cell_bits < 1 || kind->domain < 0 ||
        kind->domain >= DOMAIN_COUNT)
        return AIMRT_ERR_UNSUPPORTED;
    sim_tile *tile = &s->tiles[i];
    tile->rows = source->rows;
    tile->cols = source->cols;
    if (tile->rows < 1 || tile->cols < 1 || tile->rows > INT_MAX || tile->cols > INT_MAX ||
        tile->cols > (int64_t)AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN ||
        tile->rows > INT64_MAX / 8 / tile->cols)
        return AIMRT_ERR_INVALID_ARG;
    tile->pcm = kind->cell && strcmp(kind->cell, "pcm") == 0;
    tile->top = ldexp(1.0, kind->cell_bits) - 1.0;
    /* Bit-serial phases drive 0 or 1; amplitude and PWM phases up to the
     * signed top 2^(b-1) - 1, unsigned inputs up to 2^b - 1. */
    const bool serial = kind->input_mode == AIMRT_INPUT_BIT_SERIAL;
    const int bits = kind->input_bits > 1 ? kind->input_bits : 2;
    tile->unit = tile->top * (serial ? 1.0 : ldexp(1.0, bits - 1) - 1.0);
    tile->full_per_row = tile->top * (serial ? 1.0 : ldexp(1.0, bits) - 1.0);
    tile->x_full = serial ? 1.0 : ldexp(1.0, bits - 1) - 1.0;
    tile->domain = kind->domain;
    set_domain_params(tile, noise_on(s));
    /* Wider converters than the models take read out losslessly. */
    tile->adc_bits = kind->adc_bits <= AIMRT_SIM_MAX_CONVERTER_BITS ? kind->adc_bits : 0;

    const size_t count = (size_t)(tile->rows * tile->cols);
    tile->levels = calloc(count, sizeof(double));
    tile->g_prog_us = calloc(count, sizeof(double));
    tile->nu = calloc(count, sizeof(double));
    tile->cells = calloc(count, sizeof(double));
    if (!tile->levels || !tile->g_prog_us || !tile->nu || !tile->cells)
        return AIMRT_ERR_NOMEM;
    s->chunk = tile->rows > s->chunk ? tile->rows : s->chunk;
    s->chunk = tile->cols > s->chunk ? tile->cols : s->chunk;
    return AIMRT_OK;
}

static aimrt_status create_state(const aimrt_program *program, const aimrt_sim_options *options,
                                 sim_state **out)
{
    sim_state *s = calloc(1, sizeof *s);
    if (!s)
        return AIMRT_ERR_NOMEM;
    s->options = *options;
    /* NOTE: the program does not carry device, noise or ADC-range parameters
     * yet, so these are the models' defaults (the pcm-current preset's
     * values); the program will carry them. */
    aimrt_sim_pcm_params_defaults(&s->pcm);
    s->output_noise = aimrt_sim_output_noise_defaults();
    s->read_noise_norm = PCM_READ_NOISE_NORM;
    if (options->flags & AIMRT_SIM_UNIFORM_DRIFT) {
        /* One exponent for every device: the mean at g_max, with no spread. */
        const double nu = aimrt_sim_pcm_nu_mean(&s->pcm, s->pcm.g_max_us);
        s->pcm.nu_mean_slope = 0.0;
        s->pcm.nu_mean_intercept = nu;
        s->pcm.nu_std_slope = 0.0;
        s->pcm.nu_std_intercept = 0.0;
        s->pcm.nu_std_min = 0.0;
        s->pcm.nu_std_max = 0.0;
        s->pcm.prog_noise_scale = 0.0;
        s->pcm.read_noise_scale = 0.0;
        s->output_noise.sigma_norm = 0.0;
        s->read_noise_norm = 0.0;
    }
    s->adc_bound_norm = aimrt_sim_adc_defaults().range_max_norm;
    s->n_tiles = program->n_tiles;
    s->chunk = CHUNK_ELEMENTS;
    s->tiles = calloc((size_t)(s->n_tiles > 0 ? s->n_tiles : 1), sizeof *s->tiles);
    aimrt_status status = s->tiles ? AIMRT_OK : AIMRT_ERR_NOMEM;
    for (int32_t i = 0; i < s->n_tiles && status == AIMRT_OK; i++)
        status = create_tile(s, program, i);
    if (status == AIMRT_OK) {
        s->x_d = malloc((size_t)s->chunk * sizeof *s->x_d);
        s->x_sq = malloc((size_t)s->chunk * sizeof *s->x_sq);
        s->var = malloc((size_t)s->chunk * sizeof *s->var);
        status = s->x_d && s->x_sq && s->var ? AIMRT_OK : AIMRT_ERR_NOMEM;
    }
    if (status != AIMRT_OK) {
        sim_destroy(s);
        return status;
    }
    *out = s;
    return AIMRT_OK;
}

aimrt_status aimrt_device_sim_create(const aimrt_program *program, const aimrt_sim_options *options,
                                     aimrt_device **out)
{
    if (!out)
        return AIMRT_ERR_INVALID_ARG;
    *out = NULL;
    /* Dynamic keys hold tile indices below 2^15. */
    if (!program || !options || !(options->time_s >= 0.0) || !isfinite(options->time_s) ||
        program->n_tiles > (int)AIMRT_SIM_RANDOM_DYNAMIC_MAX_TILE + 1)
        return AIMRT_ERR_INVALID_ARG;

    sim_state *state = NULL;
    aimrt_status status = create_state(program, options, &state);
    if (status != AIMRT_OK)
        return status;
    aimrt_device *device = calloc(1, sizeof *device);
    if (!device) {
        sim_destroy(state);
        return AIMRT_ERR_NOMEM;
    }
    device->size = sizeof *device;
    device->version = AIMRT_DEVICE_VERSION;
    device->name = "sim";
    /* Not AIMRT_DEVICE_LINEAR: noise and the ADC act on every phase. */
    device->flags = 0;
    device->state = state;
    device->write_tile = sim_write_tile;
    device->set_time = sim_set_time;
    device->get_time = sim_get_time;
    device->mvm = sim_mvm;
    device->destroy = sim_destroy;
    *out = device;
    return AIMRT_OK;
}
